"""The emulated Telegram world: users, chats, messages, files, updates.

Everything here is plain data; ``to_api()`` renders the Bot API's JSON shape.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any, Literal

from .entities import FormattedText, MessageEntity
from .markup import InlineButton, InlineKeyboard, ReplyKeyboard

ChatType = Literal["private", "group", "supergroup"]


@dataclass(frozen=True)
class User:
    id: int
    first_name: str
    is_bot: bool = False
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = None

    def to_api(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "is_bot": self.is_bot, "first_name": self.first_name}
        if self.last_name is not None:
            data["last_name"] = self.last_name
        if self.username is not None:
            data["username"] = self.username
        if self.language_code is not None:
            data["language_code"] = self.language_code
        return data


@dataclass(frozen=True)
class Chat:
    id: int
    type: ChatType
    title: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    username: str | None = None

    def to_api(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "type": self.type}
        for name in ("title", "username", "first_name", "last_name"):
            value = getattr(self, name)
            if value is not None:
                data[name] = value
        return data


@dataclass
class StoredFile:
    """A file Telegram knows: uploaded by the bot or sent by a user."""

    file_id: str
    file_unique_id: str
    content: bytes
    filename: str | None
    mime_type: str | None
    kind: str  # "document" | "photo" | "voice" | "sticker"

    @property
    def file_size(self) -> int:
        return len(self.content)


@dataclass(frozen=True)
class UploadedFile:
    """What tests read back about a file the bot sent: ``emu.documents(chat_id)``."""

    filename: str | None
    content: bytes
    caption: str | None
    mime_type: str | None
    message_id: int
    file_id: str


@dataclass
class Message:
    chat: Chat
    message_id: int
    sender: User
    date: int
    text: FormattedText | None = None
    caption: FormattedText | None = None
    media: dict[str, Any] = field(default_factory=dict)
    inline_keyboard: InlineKeyboard | None = None
    reply_keyboard: ReplyKeyboard | None = None
    reply_to: Message | None = None
    edit_date: int | None = None
    deleted: bool = False
    files: list[StoredFile] = field(default_factory=list)

    @property
    def from_bot(self) -> bool:
        return self.sender.is_bot

    @property
    def plain_text(self) -> str | None:
        """The text, or the caption of a media message."""
        if self.text is not None:
            return self.text.text
        return self.caption.text if self.caption is not None else None

    @property
    def entities(self) -> list[MessageEntity]:
        source = self.text if self.text is not None else self.caption
        return list(source.entities) if source is not None else []

    def keyboard(self) -> list[list[str]]:
        """Labels of the inline keyboard, row by row."""
        if self.inline_keyboard is None:
            return []
        return [[button.text for button in row] for row in self.inline_keyboard.rows]

    def buttons(self) -> list[tuple[str, str | None]]:
        """(label, callback_data) of every inline button; callback_data is None for others."""
        if self.inline_keyboard is None:
            return []
        return [(b.text, b.callback_data) for b in self.inline_keyboard.buttons()]

    def find_button(self, label: str) -> InlineButton | None:
        if self.inline_keyboard is None:
            return None
        for button in self.inline_keyboard.buttons():
            if button.text == label:
                return button
        return None

    def snapshot(self) -> Message:
        """A deep copy that later edits do not change."""
        return copy.deepcopy(self)

    def to_api(self, *, with_reply: bool = True) -> dict[str, Any]:
        data: dict[str, Any] = {
            "message_id": self.message_id,
            "from": self.sender.to_api(),
            "chat": self.chat.to_api(),
            "date": self.date,
        }
        if self.edit_date is not None:
            data["edit_date"] = self.edit_date
        if with_reply and self.reply_to is not None:
            data["reply_to_message"] = self.reply_to.to_api(with_reply=False)
        if self.text is not None:
            data["text"] = self.text.text
            if self.text.entities:
                data["entities"] = self.text.entities_api()
        data.update(copy.deepcopy(self.media))
        if self.caption is not None and self.caption.text:
            data["caption"] = self.caption.text
            if self.caption.entities:
                data["caption_entities"] = self.caption.entities_api()
        if self.inline_keyboard is not None and self.inline_keyboard.rows:
            data["reply_markup"] = self.inline_keyboard.to_api()
        return data


EventKind = Literal["message", "edit", "delete", "chat_action"]


@dataclass(frozen=True)
class ChatEvent:
    """Something the bot did in a chat, in the order it happened."""

    seq: int
    kind: EventKind
    message: Message | None  # a snapshot, as it was right after the event
    action: str | None = None  # for chat_action
    at: float = 0.0  # time.monotonic() when it happened (the event loop's clock)


@dataclass(frozen=True)
class CallbackAnswer:
    query_id: str
    text: str | None
    show_alert: bool
    url: str | None
    cache_time: int
    message_id: int | None
    data: str | None


@dataclass
class CallbackQueryRecord:
    id: str
    user: User
    message: Message
    data: str
    chat_instance: str
    created_at: float
    answer: CallbackAnswer | None = None
    update_id: int | None = None


@dataclass(frozen=True)
class PendingUpdate:
    update_id: int
    type: str
    payload: dict[str, Any]

    def to_api(self) -> dict[str, Any]:
        return {"update_id": self.update_id, self.type: copy.deepcopy(self.payload)}


@dataclass
class CallRecord:
    """One HTTP request the bot made, as the emulator saw and answered it."""

    seq: int
    method: str
    params: dict[str, Any]
    files: dict[str, tuple[str | None, int]]
    http_status: int = 0
    ok: bool = False
    description: str | None = None
    result: Any = None
    rejected: bool = False
    fault: str | None = None
    flood_limited: bool = False  # answered 429 by flood control (not a rejection of the request)
    started_at: float = 0.0
    finished_at: float | None = None
