"""Files: identifiers, MIME types and image sizes."""

from __future__ import annotations

import mimetypes
import struct

# A 1x1 transparent PNG, the default picture users send.
TINY_PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)

MAX_PHOTO_BYTES = 10 * 1024 * 1024
MAX_UPLOAD_BYTES = 50 * 1024 * 1024

# Telegram's file_id prefixes by kind, so ids look like Telegram's.
_FILE_ID_PREFIX = {"document": "BQACAgQAAxkB", "photo": "AgACAgQAAxkB", "voice": "AwACAgQAAxkB",
                   "sticker": "CAACAgQAAxkB"}


def make_file_ids(kind: str, seq: int) -> tuple[str, str]:
    prefix = _FILE_ID_PREFIX.get(kind, "BQACAgQAAxkB")
    return f"{prefix}AAI{seq:06d}emu", f"AgAD{seq:06d}"


def guess_mime_type(filename: str | None, declared: str | None) -> str | None:
    if filename:
        guessed, _ = mimetypes.guess_type(filename)
        if guessed:
            return guessed
    if declared and declared != "application/octet-stream":
        return declared
    return "application/octet-stream" if filename else declared


def image_size(data: bytes) -> tuple[int, int] | None:
    """Width and height of a PNG, GIF, JPEG or WebP image; None for anything else."""
    if data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) >= 24:
        return struct.unpack(">II", data[16:24])
    if data[:6] in (b"GIF87a", b"GIF89a") and len(data) >= 10:
        return struct.unpack("<HH", data[6:10])
    if data.startswith(b"RIFF") and data[8:12] == b"WEBP" and len(data) >= 30:
        chunk = data[12:16]
        if chunk == b"VP8X":
            width = 1 + int.from_bytes(data[24:27], "little")
            height = 1 + int.from_bytes(data[27:30], "little")
            return width, height
        if chunk == b"VP8 ":
            width, height = struct.unpack("<HH", data[26:30])
            return width & 0x3FFF, height & 0x3FFF
        if chunk == b"VP8L":
            bits = int.from_bytes(data[21:25], "little")
            return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    if data.startswith(b"\xff\xd8"):
        pos = 2
        while pos + 9 < len(data):
            if data[pos] != 0xFF:
                return None
            marker = data[pos + 1]
            length = int.from_bytes(data[pos + 2 : pos + 4], "big")
            if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
                height, width = struct.unpack(">HH", data[pos + 5 : pos + 9])
                return width, height
            pos += 2 + length
    return None


def photo_sizes(file_id: str, unique_id: str, size: tuple[int, int], file_size: int) -> list[dict]:
    """The PhotoSize array Telegram returns: a thumbnail (if large) and the full size."""
    width, height = size
    sizes = []
    if max(width, height) > 90:
        scale = 90 / max(width, height)
        sizes.append({
            "file_id": file_id + "_s",
            "file_unique_id": unique_id + "s",
            "width": max(1, round(width * scale)),
            "height": max(1, round(height * scale)),
            "file_size": min(file_size, 2048),
        })
    sizes.append({
        "file_id": file_id,
        "file_unique_id": unique_id,
        "width": width,
        "height": height,
        "file_size": file_size,
    })
    return sizes
