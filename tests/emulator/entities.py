"""Message entities and UTF-16 arithmetic.

Telegram measures offsets and lengths of entities, and the length limits of
texts and captions, in UTF-16 code units: a character outside the Basic
Multilingual Plane (most emoji) counts as two.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


def utf16_len(text: str) -> int:
    """Length of ``text`` in UTF-16 code units."""
    return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)


def utf16_width(ch: str) -> int:
    return 2 if ord(ch) > 0xFFFF else 1


def utf16_slice(text: str, offset: int, length: int) -> str:
    """The part of ``text`` an entity with this UTF-16 offset and length covers."""
    encoded = text.encode("utf-16-le")
    return encoded[2 * offset : 2 * (offset + length)].decode("utf-16-le", errors="replace")


# Entity types a bot may send, by their Bot API names.
SPLITTABLE_TYPES = frozenset({"bold", "italic", "underline", "strikethrough", "spoiler"})
PRE_TYPES = frozenset({"code", "pre"})
BLOCKQUOTE_TYPES = frozenset({"blockquote", "expandable_blockquote"})
HIDDEN_DATA_TYPES = frozenset({"text_link", "text_mention", "custom_emoji"})
AUTO_DETECTED_TYPES = frozenset(
    {"mention", "hashtag", "cashtag", "bot_command", "url", "email", "phone_number"}
)
ALL_TYPES = (
    SPLITTABLE_TYPES | PRE_TYPES | BLOCKQUOTE_TYPES | HIDDEN_DATA_TYPES | AUTO_DETECTED_TYPES
)

# tdlib's MessageEntity::get_type_priority: the tie-breaker when two entities
# start at the same offset and have the same length.
_TYPE_PRIORITY = {
    "mention": 50,
    "hashtag": 50,
    "bot_command": 50,
    "url": 50,
    "email": 50,
    "cashtag": 50,
    "phone_number": 50,
    "bold": 90,
    "italic": 91,
    "code": 20,
    "pre": 11,
    "text_link": 49,
    "text_mention": 49,
    "underline": 92,
    "strikethrough": 93,
    "blockquote": 0,
    "expandable_blockquote": 0,
    "spoiler": 94,
    "custom_emoji": 99,
}


@dataclass
class MessageEntity:
    """One entity, shaped like the Bot API's MessageEntity object."""

    type: str
    offset: int
    length: int
    url: str | None = None
    user: dict[str, Any] | None = None
    language: str | None = None
    custom_emoji_id: str | None = None

    @property
    def end(self) -> int:
        return self.offset + self.length

    def sort_key(self) -> tuple[int, int, int]:
        priority = _TYPE_PRIORITY.get(self.type, 50)
        if self.type == "pre" and self.language:
            priority = 10
        return (self.offset, -self.length, priority)

    def to_api(self) -> dict[str, Any]:
        data: dict[str, Any] = {"offset": self.offset, "length": self.length, "type": self.type}
        if self.url is not None:
            data["url"] = self.url
        if self.user is not None:
            data["user"] = dict(self.user)
        if self.language is not None:
            data["language"] = self.language
        if self.custom_emoji_id is not None:
            data["custom_emoji_id"] = self.custom_emoji_id
        return data


def sort_entities(entities: list[MessageEntity]) -> list[MessageEntity]:
    return sorted(entities, key=MessageEntity.sort_key)


@dataclass
class FormattedText:
    """A text with its entities, after Telegram processed it."""

    text: str
    entities: list[MessageEntity] = field(default_factory=list)

    def entities_api(self) -> list[dict[str, Any]]:
        return [entity.to_api() for entity in self.entities]
