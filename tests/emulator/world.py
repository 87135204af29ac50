"""The state of one emulated Telegram, shared by the bot side and the user side.

This module knows nothing about HTTP: bot-side operations raise
:class:`BotApiError` with Telegram's descriptions, user-side operations create
updates. Everything runs on the event loop's thread; nothing blocks.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import Any

from . import api_errors as e
from .clock import Clock
from .entities import FormattedText
from .formatted_text import entities_from_api, find_entities
from .markup import InlineKeyboard, ReplyKeyboard
from .media import make_file_ids
from .model import (
    CallbackAnswer,
    CallbackQueryRecord,
    Chat,
    ChatEvent,
    ChatType,
    EventKind,
    Message,
    StoredFile,
    UploadedFile,
    User,
)
from .update_queue import UpdateQueue


@dataclass
class ChatState:
    chat: Chat
    known_to_bot: bool = False
    blocked: bool = False
    next_message_id: int = 1
    messages: dict[int, Message] = field(default_factory=dict)
    events: list[ChatEvent] = field(default_factory=list)
    documents: list[UploadedFile] = field(default_factory=list)
    photos: list[UploadedFile] = field(default_factory=list)
    callback_answers: list[CallbackAnswer] = field(default_factory=list)


@dataclass
class WebhookConfig:
    url: str
    secret_token: str | None = None
    max_connections: int = 40
    ip_address: str | None = None
    last_error_date: int | None = None
    last_error_message: str | None = None


@dataclass(frozen=True)
class WorldSettings:
    token: str
    bot_username: str
    bot_first_name: str
    first_update_id: int
    callback_query_timeout: float
    group_privacy: bool


class BotWorld:
    def __init__(self, settings: WorldSettings, clock: Clock) -> None:
        self.settings = settings
        self.clock = clock
        self.bot = User(
            id=int(settings.token.split(":", 1)[0]),
            first_name=settings.bot_first_name,
            is_bot=True,
            username=settings.bot_username,
        )
        self.updates = UpdateQueue(settings.first_update_id)
        self.webhook: WebhookConfig | None = None
        self.commands: dict[tuple[str, str], list[dict[str, str]]] = {}
        self.set_commands_result: bool | str | None = None
        self._users: dict[int, User] = {}
        self._chats: dict[int, ChatState] = {}
        self._files: dict[str, StoredFile] = {}
        self._callbacks: dict[str, CallbackQueryRecord] = {}
        self._file_seq = 0
        self._callback_seq = 0
        self._event_seq = 0
        self._changed = asyncio.Event()

    # --- time ----------------------------------------------------------------------

    def now(self) -> int:
        return int(self.clock.now())

    # --- users and chats -------------------------------------------------------------

    def add_user(self, user: User) -> User:
        self._users[user.id] = user
        return user

    def user(self, user_id: int) -> User | None:
        return self._users.get(user_id)

    def user_api(self, user_id: int) -> dict[str, Any] | None:
        user = self._users.get(user_id)
        return user.to_api() if user is not None else None

    def chat_state(self, chat_id: int) -> ChatState | None:
        return self._chats.get(chat_id)

    def ensure_private_chat(self, user: User) -> ChatState:
        state = self._chats.get(user.id)
        if state is None:
            chat = Chat(
                id=user.id,
                type="private",
                first_name=user.first_name,
                last_name=user.last_name,
                username=user.username,
            )
            state = ChatState(chat)
            self._chats[user.id] = state
        return state

    def ensure_group(self, chat_id: int, title: str, chat_type: ChatType) -> ChatState:
        state = self._chats.get(chat_id)
        if state is None:
            # The bot is a member from the start: a group is known to it.
            state = ChatState(Chat(id=chat_id, type=chat_type, title=title), known_to_bot=True)
            self._chats[chat_id] = state
        return state

    def resolve_chat(self, raw: str | None) -> ChatState:
        """The chat a bot addresses by ``chat_id``; Telegram's errors if it can't."""
        if raw is None or raw.strip() == "":
            raise e.bad_request(e.CHAT_ID_EMPTY)
        try:
            chat_id = int(raw.strip())
        except ValueError:
            raise e.bad_request(e.CHAT_NOT_FOUND) from None
        state = self._chats.get(chat_id)
        if state is None or not state.known_to_bot:
            raise e.bad_request(e.CHAT_NOT_FOUND)
        return state

    # --- files ---------------------------------------------------------------------

    def store_file(self, kind: str, content: bytes, filename: str | None, mime_type: str | None) -> StoredFile:
        self._file_seq += 1
        file_id, unique_id = make_file_ids(kind, self._file_seq)
        stored = StoredFile(file_id, unique_id, content, filename, mime_type, kind)
        self._files[file_id] = stored
        return stored

    def file(self, file_id: str) -> StoredFile | None:
        return self._files.get(file_id)

    def file_by_path(self, path: str) -> StoredFile | None:
        for stored in self._files.values():
            if file_path(stored) == path:
                return stored
        return None

    # --- events the user side waits for -------------------------------------------------

    def record_event(self, state: ChatState, kind: EventKind, message: Message | None,
                     action: str | None = None) -> None:
        self._event_seq += 1
        snapshot = message.snapshot() if message is not None else None
        state.events.append(ChatEvent(self._event_seq, kind, snapshot, action, time.monotonic()))
        self._changed.set()
        self._changed = asyncio.Event()

    async def wait_for_change(self, timeout: float) -> bool:
        # asyncio.timeout, not wait_for: on 3.11 wait_for can swallow a cancel that
        # arrives just as the event fires, and a waiting test would never end
        try:
            async with asyncio.timeout(timeout):
                await self._changed.wait()
            return True
        except TimeoutError:
            return False

    # --- the bot's side -----------------------------------------------------------------

    def bot_message(
        self,
        state: ChatState,
        *,
        text: FormattedText | None = None,
        caption: FormattedText | None = None,
        media: dict[str, Any] | None = None,
        markup: InlineKeyboard | ReplyKeyboard | None = None,
        reply_to: Message | None = None,
        files: list[StoredFile] | None = None,
    ) -> Message:
        if state.blocked:
            raise e.BotApiError(403, e.BOT_BLOCKED)
        message = Message(
            chat=state.chat,
            message_id=state.next_message_id,
            sender=self.bot,
            date=self.now(),
            text=text,
            caption=caption,
            media=dict(media or {}),
            inline_keyboard=markup if isinstance(markup, InlineKeyboard) else None,
            reply_keyboard=markup if isinstance(markup, ReplyKeyboard) else None,
            reply_to=reply_to,
            files=list(files or []),
        )
        state.next_message_id += 1
        state.messages[message.message_id] = message
        self.record_event(state, "message", message)
        return message

    def answer_callback(self, query_id: str, *, text: str | None, show_alert: bool,
                        url: str | None, cache_time: int) -> None:
        record = self._callbacks.get(query_id)
        if (
            record is None
            or record.answer is not None
            or self.clock.now() - record.created_at > self.settings.callback_query_timeout
        ):
            raise e.bad_request(e.QUERY_ID_INVALID)
        record.answer = CallbackAnswer(
            query_id=query_id,
            text=text,
            show_alert=show_alert,
            url=url,
            cache_time=cache_time,
            message_id=record.message.message_id,
            data=record.data,
        )
        state = self._chats.get(record.message.chat.id)
        if state is not None:
            state.callback_answers.append(record.answer)

    # --- the user's side -------------------------------------------------------------

    def user_message(
        self,
        state: ChatState,
        sender: User,
        *,
        text: str | None = None,
        entities: list[dict[str, Any]] | None = None,
        caption: str | None = None,
        media: dict[str, Any] | None = None,
        reply_to_message_id: int | None = None,
    ) -> tuple[Message, int | None]:
        """A message a user sends; returns it and the update_id (None if not delivered)."""
        formatted = None
        if text is not None:
            found = entities_from_api(entities) if entities is not None else find_entities(text)
            formatted = FormattedText(text, found)
        reply_to = state.messages.get(reply_to_message_id) if reply_to_message_id else None
        if reply_to_message_id and reply_to is None:
            raise LookupError(f"no message {reply_to_message_id} in chat {state.chat.id}")
        message = Message(
            chat=state.chat,
            message_id=state.next_message_id,
            sender=sender,
            date=self.now(),
            text=formatted,
            caption=FormattedText(caption, find_entities(caption)) if caption else None,
            media=dict(media or {}),
            reply_to=reply_to,
        )
        state.next_message_id += 1
        state.messages[message.message_id] = message
        if state.chat.type == "private":
            state.known_to_bot = True
            if state.blocked:
                return message, None
        if not self._reaches_bot(state, message):
            return message, None
        return message, self.updates.add("message", message.to_api())

    def _reaches_bot(self, state: ChatState, message: Message) -> bool:
        """Privacy mode: in groups a bot sees commands meant for it and replies to it."""
        if state.chat.type == "private" or not self.settings.group_privacy:
            return True
        if message.reply_to is not None and message.reply_to.from_bot:
            return message.reply_to.sender.id == self.bot.id
        text = message.text
        if text is None:
            return False
        for entity in text.entities:
            if entity.type == "bot_command" and entity.offset == 0:
                command = text.text[: entity.length]
                if "@" not in command:
                    return True
                return command.split("@", 1)[1].lower() == self.bot.username.lower()  # type: ignore[union-attr]
        return False

    def user_edit(self, state: ChatState, message_id: int, text: str) -> int | None:
        message = state.messages.get(message_id)
        if message is None or message.from_bot or message.deleted:
            raise LookupError(f"no message {message_id} of a user in chat {state.chat.id}")
        if message.text is None:
            raise ValueError("only text messages can be edited this way")
        message.text = FormattedText(text, find_entities(text))
        message.edit_date = self.now()
        if state.chat.type != "private" and not self._reaches_bot(state, message):
            return None
        return self.updates.add("edited_message", message.to_api())

    def press_button(self, state: ChatState, user: User, message: Message, data: str) -> int | None:
        self._callback_seq += 1
        query_id = str(4_000_000_000_000_000_000 + self._callback_seq * 7_919 + abs(user.id))
        record = CallbackQueryRecord(
            id=query_id,
            user=user,
            message=message,
            data=data,
            chat_instance=str(abs(state.chat.id) * 1_000_003 + 77),
            created_at=self.clock.now(),
        )
        self._callbacks[query_id] = record
        payload = {
            "id": query_id,
            "from": user.to_api(),
            "message": message.to_api(),
            "chat_instance": record.chat_instance,
            "data": data,
        }
        record.update_id = self.updates.add("callback_query", payload)
        return record.update_id

    def unanswered_callbacks(self, older_than: float = 0.0) -> list[CallbackQueryRecord]:
        """Callback queries the bot received (their update confirmed) and never answered.

        Telegram's client shows a spinner until the answer comes; every query must be answered.
        """
        now = self.clock.now()
        confirmed = self.updates.confirmed_offset
        return [
            record
            for record in self._callbacks.values()
            if record.answer is None
            and record.update_id is not None
            and record.update_id < confirmed
            and now - record.created_at >= older_than
        ]

    def user_delete(self, state: ChatState, message_id: int) -> None:
        """The user deletes a message in their private chat (the bot is not told)."""
        message = state.messages.get(message_id)
        if message is None or message.deleted:
            raise LookupError(f"no message {message_id} in chat {state.chat.id}")
        message.deleted = True

    def set_blocked(self, state: ChatState, user: User, blocked: bool) -> int | None:
        if state.blocked == blocked:
            return None
        state.blocked = blocked
        old, new = ("member", "kicked") if blocked else ("kicked", "member")
        new_member: dict[str, Any] = {"user": self.bot.to_api(), "status": new}
        if blocked:
            new_member["until_date"] = 0
        payload = {
            "chat": state.chat.to_api(),
            "from": user.to_api(),
            "date": self.now(),
            "old_chat_member": {"user": self.bot.to_api(), "status": old},
            "new_chat_member": new_member,
        }
        return self.updates.add("my_chat_member", payload)


def file_path(stored: StoredFile) -> str:
    folder = {"photo": "photos", "voice": "voice", "sticker": "stickers"}.get(stored.kind, "documents")
    extension = ""
    if stored.filename and "." in stored.filename:
        extension = stored.filename.rsplit(".", 1)[1]
    elif stored.kind == "photo":
        extension = "jpg"
    elif stored.kind == "voice":
        extension = "oga"
    elif stored.kind == "sticker":
        extension = "webp"
    name = f"file_{stored.file_unique_id}"
    return f"{folder}/{name}.{extension}" if extension else f"{folder}/{name}"
