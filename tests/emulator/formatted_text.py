"""From the ``text``/``parse_mode``/``entities`` a bot sends to the text Telegram stores.

The steps follow tdlib's ``fix_formatted_text``:

1. parse the markup (``parse_mode``) or take the explicit ``entities``;
2. clean the characters: control characters (tab included) become spaces,
   ``\\r`` and U+2028..U+202E disappear;
3. entities lose leading spaces/newlines, whitespace-only entities vanish;
4. trailing spaces/newlines are cut, and leading ones before the first entity;
5. entities Telegram finds by itself (bot commands, mentions, hashtags,
   cashtags, URLs, e-mail addresses) are added.

Telegram's limits (4096 for texts, 1024 for captions) are counted in UTF-16
code units on the result.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from . import api_errors as e
from .entities import (
    ALL_TYPES,
    HIDDEN_DATA_TYPES,
    PRE_TYPES,
    SPLITTABLE_TYPES,
    FormattedText,
    MessageEntity,
    sort_entities,
    utf16_len,
    utf16_width,
)
from .html_parse_mode import HtmlParseError, UserResolver, parse_html
from .links import check_link

MAX_TEXT_LENGTH = 4096
MAX_CAPTION_LENGTH = 1024

_REMOVED_CHARS = frozenset({"\r", "\u2028", "\u2029", "\u202a", "\u202b", "\u202c", "\u202d",
                            "\u202e", "\u0333", "\u033f", "\u030a"})
_TRIMMED = (" ", "\n")


class TextError(ValueError):
    """tdlib's complaint about a formatted text (capitalised, without prefix)."""


def api_description(message: str) -> str:
    """The Bot API's wording of a tdlib error: "Bad Request: " and a lower-case start."""
    return "Bad Request: " + message[:1].lower() + message[1:]


def _clean(text: str, entities: list[MessageEntity]) -> tuple[str, list[MessageEntity]]:
    """Replace or drop characters as tdlib does, moving entity boundaries along."""
    new_offset_at: dict[int, int] = {}
    out: list[str] = []
    old = new = 0
    for ch in text:
        new_offset_at[old] = new
        width = utf16_width(ch)
        old += width
        if ch in _REMOVED_CHARS:
            continue
        code = ord(ch)
        if code < 32 and ch != "\n":
            ch = " "
        out.append(ch)
        new += width
    new_offset_at[old] = new
    moved = []
    for entity in entities:
        start = new_offset_at.get(entity.offset, entity.offset)
        end = new_offset_at.get(entity.end, entity.end)
        entity.offset, entity.length = start, end - start
        moved.append(entity)
    return "".join(out), [entity for entity in moved if entity.length > 0]


def _utf16_units(text: str) -> list[str]:
    """One list item per UTF-16 code unit (a surrogate pair's second half is '')."""
    units: list[str] = []
    for ch in text:
        units.append(ch)
        if ord(ch) > 0xFFFF:
            units.append("")
    return units


def _drop_whitespace_entities(units: list[str], entities: list[MessageEntity]) -> list[MessageEntity]:
    kept = []
    for entity in entities:
        if entity.type not in HIDDEN_DATA_TYPES:
            while entity.length > 0 and units[entity.offset] in _TRIMMED:
                entity.offset += 1
                entity.length -= 1
            content = units[entity.offset : entity.end]
            if not any(unit not in _TRIMMED for unit in content):
                continue
        kept.append(entity)
    return kept


def fix_text(text: str, entities: list[MessageEntity], *, allow_empty: bool) -> FormattedText:
    """Clean, trim and complete a text as Telegram does before storing it."""
    text_length = utf16_len(text)
    for entity in sort_entities(entities):
        if entity.offset < 0 or entity.offset > 1_000_000:
            raise TextError(f"Receive an entity with incorrect offset {entity.offset}")
        if entity.length < 0 or entity.length > 1_000_000:
            raise TextError(f"Receive an entity with incorrect length {entity.length}")
        if entity.length and entity.offset >= text_length:
            raise TextError(
                f"Entity begins after the end of the text at UTF-16 offset {entity.offset}"
            )
        if entity.end > text_length:
            raise TextError(
                f"Entity beginning at UTF-16 offset {entity.offset} ends after the end of the "
                f"text at UTF-16 offset {entity.end}"
            )
    entities = [entity for entity in entities if entity.length > 0]
    text, entities = _clean(text, sort_entities(entities))
    units = _utf16_units(text)
    entities = _drop_whitespace_entities(units, sort_entities(entities))

    last = max((i for i, unit in enumerate(units) if unit not in _TRIMMED), default=-1)
    if last < 0:
        if allow_empty:
            return FormattedText("", [])
        raise TextError("Text must be non-empty")
    cut = last + 1
    units = units[:cut]
    for entity in entities:
        if entity.end > cut:
            entity.length = cut - entity.offset
    entities = [entity for entity in entities if entity.length > 0 and entity.offset < cut]

    first_entity = min((entity.offset for entity in entities), default=len(units))
    lead = 0
    while lead < first_entity and units[lead] in _TRIMMED:
        lead += 1
    units = units[lead:]
    for entity in entities:
        entity.offset -= lead
    text = "".join(units)

    entities = _drop_splittable_inside_pre(entities)
    entities = _merge_found(entities, find_entities(text))
    return FormattedText(text, sort_entities(entities))


def _drop_splittable_inside_pre(entities: list[MessageEntity]) -> list[MessageEntity]:
    pres = [entity for entity in entities if entity.type in PRE_TYPES]
    return [
        entity
        for entity in entities
        if entity.type not in SPLITTABLE_TYPES
        or not any(p.offset <= entity.offset and entity.end <= p.end for p in pres)
    ]


def _merge_found(entities: list[MessageEntity], found: list[MessageEntity]) -> list[MessageEntity]:
    blocking = [
        entity
        for entity in entities
        if entity.type not in SPLITTABLE_TYPES and entity.type not in ("blockquote", "expandable_blockquote")
    ]
    merged = list(entities)
    for candidate in found:
        if not any(candidate.offset < b.end and b.offset < candidate.end for b in blocking):
            merged.append(candidate)
    return merged


# --- entities Telegram finds by itself -------------------------------------------

_BOT_COMMAND = re.compile(r"(?<![\w/<>])/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{3,32})?(?![\w/<>])")
_MENTION = re.compile(r"(?<!\w)@[A-Za-z0-9_]{4,32}(?!\w)")
_HASHTAG = re.compile(r"(?<![\w#])#(?=\w*[^\W\d_])\w{1,256}(?![\w]*#)")
_CASHTAG = re.compile(r"(?<![\w$])\$(?:1INCH|[A-Z]{1,8})(?![\w$])")
_EMAIL = re.compile(r"(?<![\w.+-])[A-Za-z0-9._%+-]+@(?:[A-Za-z0-9-]+\.)+[A-Za-z]{2,24}(?![\w@])")
_COMMON_TLDS = (
    "com|org|net|nl|be|de|eu|io|info|gov|edu|me|ru|app|dev|uk|fr|es|it|co|tv|ly|ai|biz|frl|amsterdam"
)
_URL = re.compile(
    r"(?<![\w@.])(?:(?:https?|ftp|tg|tonsite)://[^\s<>\"]+"
    r"|www\.[^\s<>\"]+"
    r"|(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+(?:" + _COMMON_TLDS + r")\b(?:[/?#][^\s<>\"]*)?)",
    re.IGNORECASE,
)
_URL_TRAILING = ".,;:!?)]}'\""


def _offsets(text: str) -> Callable[[int], int]:
    prefix = [0]
    for ch in text:
        prefix.append(prefix[-1] + utf16_width(ch))
    return prefix.__getitem__


def find_entities(text: str) -> list[MessageEntity]:
    """Bot commands, mentions, hashtags, cashtags, e-mail addresses and URLs in ``text``."""
    to_utf16 = _offsets(text)
    found: list[MessageEntity] = []
    taken: list[tuple[int, int]] = []

    def add(kind: str, start: int, end: int) -> None:
        if any(start < t_end and t_start < end for t_start, t_end in taken):
            return
        taken.append((start, end))
        found.append(MessageEntity(kind, to_utf16(start), to_utf16(end) - to_utf16(start)))

    for match in _EMAIL.finditer(text):
        add("email", match.start(), match.end())
    for match in _URL.finditer(text):
        end = match.end()
        while end > match.start() and text[end - 1] in _URL_TRAILING:
            end -= 1
        add("url", match.start(), end)
    for pattern, kind in (
        (_BOT_COMMAND, "bot_command"),
        (_MENTION, "mention"),
        (_HASHTAG, "hashtag"),
        (_CASHTAG, "cashtag"),
    ):
        for match in pattern.finditer(text):
            add(kind, match.start(), match.end())
    return sort_entities(found)


# --- what the bot sent -----------------------------------------------------------


@dataclass(frozen=True)
class TextInput:
    """The raw parameters describing one text or caption."""

    text: str
    parse_mode: str | None
    entities_json: str | None


def _parse_explicit_entities(raw: str) -> list[MessageEntity]:
    try:
        items = json.loads(raw)
    except ValueError:
        raise e.bad_request("can't parse entities JSON object") from None
    if not isinstance(items, list):
        raise e.bad_request("can't parse entities JSON object")
    entities = []
    for item in items:
        if not isinstance(item, dict):
            raise e.bad_request("can't parse MessageEntity: expected an Object")
        kind = item.get("type")
        if not isinstance(kind, str) or kind not in ALL_TYPES:
            raise e.bad_request("can't parse MessageEntity: Unsupported type specified")
        for name in ("offset", "length"):
            if name not in item:
                raise e.bad_request(f'can\'t parse MessageEntity: Can\'t find field "{name}"')
            if not isinstance(item[name], int) or isinstance(item[name], bool):
                raise e.bad_request(
                    f'can\'t parse MessageEntity: Field "{name}" must be of type Number'
                )
        entity = MessageEntity(kind, item["offset"], item["length"])
        if kind == "text_link":
            if "url" not in item:
                raise e.bad_request('can\'t parse MessageEntity: Can\'t find field "url"')
            checked = check_link(str(item["url"]))
            if checked.error:
                raise e.bad_request(f"entity URL '{item['url']}' is invalid: {checked.error}")
            entity.url = checked.url
        elif kind == "text_mention":
            if "user" not in item:
                raise e.bad_request('can\'t parse MessageEntity: Can\'t find field "user"')
            entity.user = dict(item["user"])
        elif kind == "pre" and item.get("language"):
            entity.language = str(item["language"])
        elif kind == "custom_emoji":
            if "custom_emoji_id" not in item:
                raise e.bad_request(
                    'can\'t parse MessageEntity: Can\'t find field "custom_emoji_id"'
                )
            entity.custom_emoji_id = str(item["custom_emoji_id"])
        if kind not in AUTO_FOUND_ONLY:
            entities.append(entity)
    return entities


# Entities a bot may list but Telegram recomputes itself.
AUTO_FOUND_ONLY = frozenset({"mention", "hashtag", "cashtag", "bot_command", "url", "email", "phone_number"})


def build_formatted_text(
    source: TextInput,
    *,
    allow_empty: bool,
    resolve_user: UserResolver | None = None,
) -> FormattedText:
    """Parse and fix a text or caption; raise :class:`BotApiError` on Telegram's grounds."""
    mode = (source.parse_mode or "").strip().lower()
    if mode in ("", "none"):
        entities = _parse_explicit_entities(source.entities_json) if source.entities_json else []
        text = source.text
    elif mode == "html":
        try:
            text, entities = parse_html(source.text, resolve_user)
        except HtmlParseError as exc:
            raise e.bad_request(e.CANT_PARSE_ENTITIES + str(exc)) from None
    elif mode in ("markdown", "markdownv2"):
        raise e.not_implemented(
            f"parse_mode {source.parse_mode} is not emulated; use HTML or send entities"
        )
    else:
        raise e.bad_request(e.UNSUPPORTED_PARSE_MODE)
    try:
        return fix_text(text, entities, allow_empty=allow_empty)
    except TextError as exc:
        raise e.BotApiError(400, api_description(str(exc))) from None


def entities_from_api(items: list[dict[str, Any]] | None) -> list[MessageEntity]:
    """Entities in Bot API JSON back to objects (for texts users send)."""
    result = []
    for item in items or []:
        result.append(
            MessageEntity(
                item["type"],
                item["offset"],
                item["length"],
                url=item.get("url"),
                user=item.get("user"),
                language=item.get("language"),
                custom_emoji_id=item.get("custom_emoji_id"),
            )
        )
    return result
