"""``parse_mode=HTML`` as Telegram parses it.

A port of the behaviour of tdlib's ``parse_html`` (the parser behind the Bot
API): it walks the UTF-8 bytes of the text, so positions in error messages are
byte offsets, while entity offsets are counted in UTF-16 code units.

Notable behaviour that a browser-style HTML parser would get wrong:

* only ``&lt; &gt; &amp; &quot;`` and numeric references are entities, and the
  closing ``;`` is optional; an ``&`` that starts none of them stays a literal
  ``&`` (no error);
* every ``<`` starts a tag: ``a < b`` fails with ``Unsupported start tag ""``;
* an ``<a>`` whose href is not a valid link is dropped silently, and an ``<a>``
  without href links to its own text.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .entities import MessageEntity, sort_entities
from .links import check_link, user_id_of_link

SUPPORTED_TAGS = frozenset(
    {
        "a", "b", "strong", "i", "em", "s", "strike", "del", "u", "ins",
        "tg-spoiler", "tg-emoji", "span", "pre", "code", "blockquote",
    }
)

_SIMPLE_TAG_TYPES = {
    "b": "bold", "strong": "bold",
    "i": "italic", "em": "italic",
    "s": "strikethrough", "strike": "strikethrough", "del": "strikethrough",
    "u": "underline", "ins": "underline",
    "tg-spoiler": "spoiler",
}

_SPACES = frozenset(b" \t\r\n\0\v\f")

UserResolver = Callable[[int], dict[str, Any] | None]


class HtmlParseError(ValueError):
    """The text is not valid Telegram HTML; ``str()`` is tdlib's message."""


@dataclass
class _OpenTag:
    name: str
    argument: str
    utf16_offset: int
    byte_offset: int  # where the tag's content starts in the output
    expandable: bool = False


def _is_space(byte: int) -> bool:
    return byte in _SPACES


def _decode_entity(data: bytes, pos: int) -> tuple[int, int] | None:
    """Decode an HTML character reference at ``pos`` (which holds ``&``)."""
    end = pos + 1
    value = 0
    if data[pos + 1] == ord("#"):
        end += 1
        if data[pos + 2] == ord("x"):
            end += 1
            while chr(data[end]) in "0123456789abcdefABCDEF" and data[end] != 0:
                value = value * 16 + int(chr(data[end]), 16)
                end += 1
        else:
            while ord("0") <= data[end] <= ord("9"):
                value = value * 10 + data[end] - ord("0")
                end += 1
        if value == 0 or value >= 0x10FFFF or end - pos >= 10:
            return None
    else:
        while chr(data[end]).isascii() and chr(data[end]).isalpha():
            end += 1
        name = data[pos + 1 : end]
        named = {b"lt": "<", b"gt": ">", b"amp": "&", b"quot": '"'}.get(name)
        if named is None:
            return None
        value = ord(named)
    if data[end] == ord(";"):
        end += 1
    return value, end


def parse_html(text: str, resolve_user: UserResolver | None = None) -> tuple[str, list[MessageEntity]]:
    """Return the plain text and its entities, or raise :class:`HtmlParseError`."""
    data = text.encode("utf-8") + b"\0"
    size = len(data) - 1
    out = bytearray()
    entities: list[MessageEntity] = []
    open_tags: list[_OpenTag] = []
    utf16 = 0
    i = 0
    while i < size:
        c = data[i]
        if c == ord("&"):
            decoded = _decode_entity(data, i)
            if decoded is not None:
                code, i = decoded
                if 0xD800 <= code <= 0xDFFF:
                    raise HtmlParseError(
                        "Text contains invalid Unicode characters after decoding HTML entities, "
                        "check for unmatched surrogate code units"
                    )
                utf16 += 2 if code > 0xFFFF else 1
                out += chr(code).encode("utf-8")
                continue
        if c != ord("<"):
            if c & 0xC0 != 0x80:  # first byte of a character
                utf16 += 2 if c >= 0xF0 else 1
            out.append(c)
            i += 1
            continue

        begin = i
        i += 1
        if data[i] != ord("/"):
            i = _parse_start_tag(data, begin, i, utf16, len(out), open_tags)
            continue

        # an end tag
        if not open_tags:
            raise HtmlParseError(f"Unexpected end tag at byte offset {begin}")
        while not _is_space(data[i]) and data[i] != ord(">"):
            i += 1
        end_name = data[begin + 2 : i].decode("utf-8", "replace").lower()
        while _is_space(data[i]) and data[i] != 0:
            i += 1
        if data[i] != ord(">"):
            raise HtmlParseError(f"Unclosed end tag at byte offset {begin}")
        i += 1
        tag = open_tags[-1]
        if end_name and end_name != tag.name:
            raise HtmlParseError(
                f'Unmatched end tag at byte offset {begin}, expected "</{tag.name}>", '
                f'found "</{end_name}>"'
            )
        if utf16 > tag.utf16_offset:
            _close_tag(tag, utf16, bytes(out), entities, resolve_user)
        open_tags.pop()

    if open_tags:
        raise HtmlParseError(
            f'Can\'t find end tag corresponding to start tag "{open_tags[-1].name}"'
        )
    for entity in entities:
        if entity.type == "code":
            entity.language = None
    return out.decode("utf-8"), sort_entities(entities)


def _parse_start_tag(
    data: bytes, begin: int, i: int, utf16: int, out_len: int, open_tags: list[_OpenTag]
) -> int:
    while not _is_space(data[i]) and data[i] != ord(">"):
        i += 1
    if data[i] == 0:
        raise HtmlParseError(f"Unclosed start tag at byte offset {begin}")
    name = data[begin + 1 : i].decode("utf-8", "replace").lower()
    if name not in SUPPORTED_TAGS:
        raise HtmlParseError(f'Unsupported start tag "{name}" at byte offset {begin}')

    argument = ""
    expandable = False
    while data[i] != ord(">"):
        while data[i] != 0 and _is_space(data[i]):
            i += 1
        if data[i] == ord(">"):
            break
        attr_begin = i
        while not _is_space(data[i]) and data[i] not in (ord("="), ord(">")):
            i += 1
        attr_name = data[attr_begin:i].decode("utf-8", "replace")
        if not attr_name:
            raise HtmlParseError(
                f'Empty attribute name in the tag "{name}" at byte offset {begin}'
            )
        while data[i] != 0 and _is_space(data[i]):
            i += 1
        if data[i] != ord("="):
            if data[i] == 0:
                raise HtmlParseError(f"Unclosed start tag at byte offset {begin}")
            if name == "blockquote" and attr_name == "expandable":
                expandable = True
                continue
            raise HtmlParseError(
                "Expected equal sign in declaration of an attribute of the tag "
                f'"{name}" at byte offset {begin}'
            )
        i += 1
        while data[i] != 0 and _is_space(data[i]):
            i += 1
        if data[i] == 0:
            raise HtmlParseError(f'Unclosed start tag "{name}" at byte offset {begin}')
        if data[i] not in (ord("'"), ord('"')):
            # a name token: letters, digits, periods and hyphens; case-insensitive
            token_begin = i
            while chr(data[i]).isascii() and (chr(data[i]).isalnum() or data[i] in b".-"):
                i += 1
            value = data[token_begin:i].decode("ascii").lower()
            if not _is_space(data[i]) and data[i] != ord(">"):
                raise HtmlParseError(f"Unexpected end of name token at byte offset {token_begin}")
        else:
            quote = data[i]
            i += 1
            raw = bytearray()
            while data[i] != quote and data[i] != 0:
                if data[i] == ord("&"):
                    decoded = _decode_entity(data, i)
                    if decoded is not None:
                        code, i = decoded
                        raw += chr(code).encode("utf-8", "surrogatepass")
                        continue
                raw.append(data[i])
                i += 1
            if data[i] == quote:
                i += 1
            value = raw.decode("utf-8", "replace")
        if data[i] == 0:
            raise HtmlParseError(f"Unclosed start tag at byte offset {begin}")
        if name == "a" and attr_name == "href":
            argument = value
        elif name == "code" and attr_name == "class" and value.startswith("language-"):
            argument = value[len("language-") :]
        elif name == "span" and attr_name == "class" and value.startswith("tg-"):
            argument = value[len("tg-") :]
        elif name == "tg-emoji" and attr_name == "emoji-id":
            argument = value
    if name == "span" and argument != "spoiler":
        raise HtmlParseError(f'Tag "span" must have class "tg-spoiler" at byte offset {begin}')
    open_tags.append(_OpenTag(name, argument, utf16, out_len, expandable))
    return i + 1


def _close_tag(
    tag: _OpenTag,
    utf16: int,
    out: bytes,
    entities: list[MessageEntity],
    resolve_user: UserResolver | None,
) -> None:
    offset = tag.utf16_offset
    length = utf16 - offset
    name = tag.name
    if name in _SIMPLE_TAG_TYPES:
        entities.append(MessageEntity(_SIMPLE_TAG_TYPES[name], offset, length))
    elif name == "span":
        entities.append(MessageEntity("spoiler", offset, length))
    elif name == "tg-emoji":
        if not tag.argument.isdigit() or int(tag.argument) == 0 or int(tag.argument) >= 2**63:
            raise HtmlParseError("Invalid custom emoji identifier specified")
        entities.append(MessageEntity("custom_emoji", offset, length, custom_emoji_id=tag.argument))
    elif name == "a":
        url = tag.argument or out[tag.byte_offset :].decode("utf-8", "replace")
        user_id = user_id_of_link(url)
        if user_id is not None:
            user = resolve_user(user_id) if resolve_user else None
            if user is not None:
                entities.append(MessageEntity("text_mention", offset, length, user=user))
            return
        checked = check_link(url)
        if checked.url is not None:
            entities.append(MessageEntity("text_link", offset, length, url=checked.url))
    elif name == "pre":
        last = entities[-1] if entities else None
        if (
            last is not None
            and last.type == "code"
            and (last.offset, last.length) == (offset, length)
            and last.language
        ):
            last.type = "pre"
        else:
            entities.append(MessageEntity("pre", offset, length))
    elif name == "code":
        last = entities[-1] if entities else None
        if (
            last is not None
            and last.type == "pre"
            and (last.offset, last.length) == (offset, length)
            and tag.argument
        ):
            last.language = tag.argument
        else:
            entities.append(MessageEntity("code", offset, length, language=tag.argument or None))
    elif name == "blockquote":
        kind = "expandable_blockquote" if tag.expandable else "blockquote"
        entities.append(MessageEntity(kind, offset, length))
