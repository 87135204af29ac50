"""The tiny HTML the bot writes: escaping, links, splitting, plain-text rendering."""

from __future__ import annotations

import html
import re

from bot.views import MAX_MESSAGE_CHARS


def esc(text: object) -> str:
    """Escape content for Telegram's HTML parse mode (it knows &lt; &gt; &amp; &quot;)."""
    return html.escape(str(text), quote=False)


def link(title: str, url: str) -> str:
    return f'<a href="{html.escape(url, quote=True)}">{esc(title)}</a>'


def units(text: str) -> int:
    """Length as Telegram counts it: UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


def pack(sections: list[str], limit: int = MAX_MESSAGE_CHARS, sep: str = "\n\n") -> list[str]:
    """Join sections into as few messages as possible, each within ``limit``.

    Sections are never cut unless one alone is too long; then it is cut at
    line boundaries (and, for a single over-long line, at a character
    boundary outside any tag).
    """
    messages: list[str] = []
    current = ""
    for section in sections:
        for piece in _fit(section, limit):
            candidate = f"{current}{sep}{piece}" if current else piece
            if units(candidate) <= limit:
                current = candidate
            else:
                messages.append(current)
                current = piece
    if current:
        messages.append(current)
    return messages


def _fit(section: str, limit: int) -> list[str]:
    """A section as pieces within ``limit``: whole if it fits, else packed line by line."""
    if units(section) <= limit:
        return [section]
    chunks = [chunk for line in section.split("\n") for chunk in _cut_line(line, limit)]
    return pack(chunks, limit, sep="\n")  # every chunk fits, so this does not recurse further


_TAG = re.compile(r"<[^>]*>|&[a-z#0-9]+;|.", re.DOTALL)


def _cut_line(line: str, limit: int) -> list[str]:
    if units(line) <= limit:
        return [line]
    # Cut between tokens (a whole tag or entity counts as one), then drop the
    # markup so no piece carries a tag opened in another piece.
    plain = to_plain(line)
    out: list[str] = []
    current = ""
    for ch in plain:
        if units(current + ch) > limit:
            out.append(esc(current))
            current = ""
        current += ch
    if current:
        out.append(esc(current))
    # escaping may lengthen a piece; re-cut any that grew past the limit
    return [p for piece in out for p in ([piece] if units(piece) <= limit else _hard_cut(piece, limit))]


def _hard_cut(text: str, limit: int) -> list[str]:
    out: list[str] = []
    current = ""
    for token in _TAG.findall(text):
        if units(current + token) > limit:
            out.append(current)
            current = ""
        current += token
    if current:
        out.append(current)
    return out


_LINK = re.compile(r'<a href="([^"]*)">(.*?)</a>', re.DOTALL)
_ANY_TAG = re.compile(r"</?[a-zA-Z][^>]*>")


def to_plain(text: str) -> str:
    """Render the bot's HTML as plain text: links become ``title (url)``."""

    def _link(m: re.Match[str]) -> str:
        url = html.unescape(m.group(1))
        title = _ANY_TAG.sub("", m.group(2))
        return f"{title} ({url})" if url and url not in html.unescape(title) else title

    text = _LINK.sub(_link, text)
    text = _ANY_TAG.sub("", text)
    return html.unescape(text)
