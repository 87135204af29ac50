"""What tests do as Telegram users: write to the bot, press buttons, read answers.

A :class:`ChatView` reads what the bot did in one chat. It keeps its own
cursors: ``next_message()`` returns the oldest bot message the view has not
returned yet, ``next_edit()`` the oldest edit, ``next_event(kind)`` the oldest
event of that kind (or of any kind); the cursors are independent of each other.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from .markup import InlineButton
from .media import TINY_PNG, image_size, photo_sizes
from .model import CallbackAnswer, CallRecord, ChatEvent, EventKind, Message, UploadedFile, User
from .world import BotWorld, ChatState

_OGG_VOICE = b"OggS\x00\x02" + bytes(50)


class ChatView:
    def __init__(self, world: BotWorld, state: ChatState,
                 rejections: Callable[[], list[CallRecord]]) -> None:
        self._world = world
        self._state = state
        self._rejections = rejections
        self._cursors: dict[str, int] = {}

    @property
    def chat_id(self) -> int:
        return self._state.chat.id

    # --- waiting for the bot ---------------------------------------------------------

    async def next_event(self, kind: EventKind | None = None, timeout: float = 5.0) -> ChatEvent:
        key = kind or "*"
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            events = self._state.events
            for index in range(self._cursors.get(key, 0), len(events)):
                if kind is None or events[index].kind == kind:
                    self._cursors[key] = index + 1
                    return events[index]
            self._cursors[key] = len(events)
            remaining = deadline - loop.time()
            if remaining <= 0 or not await self._world.wait_for_change(remaining):
                rejected = [f"{r.method}: {r.description}" for r in self._rejections()[-5:]]
                raise TimeoutError(
                    f"the bot did not {_describe(kind)} in chat {self.chat_id} within {timeout}s"
                    + (f"; recent rejections: {rejected}" if rejected else "")
                )

    async def next_message(self, timeout: float = 5.0) -> Message:
        event = await self.next_event("message", timeout)
        assert event.message is not None
        return event.message

    async def next_edit(self, timeout: float = 5.0) -> Message:
        event = await self.next_event("edit", timeout)
        assert event.message is not None
        return event.message

    def mark_seen(self) -> None:
        """Move every cursor past what the bot did so far."""
        for key in ("*", "message", "edit", "delete", "chat_action"):
            self._cursors[key] = len(self._state.events)

    # --- the chat as it is now -----------------------------------------------------------

    def messages(self) -> list[Message]:
        """Bot messages in their current state (after edits, without deleted ones), oldest first."""
        return [
            m.snapshot()
            for m in sorted(self._state.messages.values(), key=lambda m: m.message_id)
            if m.from_bot and not m.deleted
        ]

    def all_messages(self) -> list[Message]:
        """Every message in the chat, the users' included, without deleted ones."""
        return [m.snapshot() for m in sorted(self._state.messages.values(), key=lambda m: m.message_id)
                if not m.deleted]

    def last_message(self) -> Message | None:
        messages = self.messages()
        return messages[-1] if messages else None

    def message(self, message_id: int) -> Message:
        message = self._state.messages.get(message_id)
        if message is None:
            raise LookupError(f"no message {message_id} in chat {self.chat_id}")
        return message.snapshot()

    def _message_or_last(self, message_id: int | None) -> Message:
        if message_id is not None:
            return self.message(message_id)
        last = self.last_message()
        if last is None:
            raise LookupError(f"the bot sent nothing to chat {self.chat_id}")
        return last

    def keyboard(self, message_id: int | None = None) -> list[list[str]]:
        """Labels of the inline keyboard of a message (default: the newest bot message)."""
        return self._message_or_last(message_id).keyboard()

    def buttons(self, message_id: int | None = None) -> list[tuple[str, str | None]]:
        """(label, callback_data) of the inline buttons of a message (default: the newest)."""
        return self._message_or_last(message_id).buttons()

    def reply_keyboard(self) -> list[list[str]] | None:
        """The custom reply keyboard the bot shows now, or None."""
        for message in reversed(self.messages()):
            if message.reply_keyboard is not None:
                if message.reply_keyboard.kind == "keyboard":
                    return [list(row) for row in message.reply_keyboard.rows]
                if message.reply_keyboard.kind == "remove_keyboard":
                    return None
        return None

    @property
    def callback_answers(self) -> list[CallbackAnswer]:
        return list(self._state.callback_answers)

    def chat_actions(self) -> list[str]:
        return [ev.action for ev in self._state.events if ev.kind == "chat_action" and ev.action]

    def documents(self) -> list[UploadedFile]:
        return list(self._state.documents)

    def photos(self) -> list[UploadedFile]:
        return list(self._state.photos)

    # --- acting as a user ---------------------------------------------------------------

    def _find_button(self, label: str, message_id: int | None) -> tuple[Message, InlineButton]:
        if message_id is not None:
            message = self._state.messages.get(message_id)
            if message is None or not message.from_bot or message.deleted:
                raise LookupError(f"no bot message {message_id} in chat {self.chat_id}")
            candidates = [message]
        else:
            candidates = sorted(
                (m for m in self._state.messages.values() if m.from_bot and not m.deleted),
                key=lambda m: m.message_id,
                reverse=True,
            )
        for message in candidates:
            button = message.find_button(label)
            if button is not None:
                return message, button
        shown = [m.keyboard() for m in candidates if m.inline_keyboard is not None][:3]
        raise LookupError(f"no button {label!r} in chat {self.chat_id}; keyboards: {shown}")

    async def _press(self, user: User, label: str, message_id: int | None) -> int | None:
        message, button = self._find_button(label, message_id)
        if button.callback_data is None:
            raise ValueError(
                f"button {label!r} is a {button.action} button; pressing it sends the bot nothing"
            )
        return self._world.press_button(self._state, user, message, button.callback_data)

    async def _press_data(self, user: User, message_id: int, data: str) -> int | None:
        message = self._state.messages.get(message_id)
        if message is None or message.deleted:
            raise LookupError(f"no message {message_id} in chat {self.chat_id}")
        return self._world.press_button(self._state, user, message, data)

    def _send(self, user: User, **content: object) -> int | None:
        _, update_id = self._world.user_message(self._state, user, **content)  # type: ignore[arg-type]
        return update_id

    def _photo(self, content: bytes) -> dict[str, object]:
        stored = self._world.store_file("photo", content, None, "image/jpeg")
        size = image_size(content) or (1, 1)
        return {"photo": photo_sizes(stored.file_id, stored.file_unique_id, size, stored.file_size)}

    def _document(self, content: bytes, filename: str, mime_type: str | None) -> dict[str, object]:
        stored = self._world.store_file("document", content, filename, mime_type)
        document: dict[str, object] = {"file_name": filename, "file_id": stored.file_id,
                                       "file_unique_id": stored.file_unique_id,
                                       "file_size": stored.file_size}
        if mime_type:
            document["mime_type"] = mime_type
        return {"document": document}

    def _voice(self, content: bytes, duration: int) -> dict[str, object]:
        stored = self._world.store_file("voice", content, None, "audio/ogg")
        return {"voice": {"duration": duration, "mime_type": "audio/ogg", "file_id": stored.file_id,
                          "file_unique_id": stored.file_unique_id, "file_size": stored.file_size}}

    def _sticker(self, emoji: str) -> dict[str, object]:
        stored = self._world.store_file("sticker", b"RIFF\x00\x00\x00\x00WEBP", None, "image/webp")
        return {"sticker": {"width": 512, "height": 512, "emoji": emoji, "set_name": "EmulatorStickers",
                            "is_animated": False, "is_video": False, "type": "regular",
                            "file_id": stored.file_id, "file_unique_id": stored.file_unique_id,
                            "file_size": stored.file_size}}


def _describe(kind: str | None) -> str:
    return {
        None: "do anything",
        "message": "send a message",
        "edit": "edit a message",
        "delete": "delete a message",
        "chat_action": "send a chat action",
    }.get(kind, f"produce {kind}")


def _command_text(command: str, args: tuple[str, ...], mention: str | None) -> str:
    text = command if command.startswith("/") else "/" + command
    if mention:
        text += "@" + mention
    return " ".join((text, *args)) if args else text


class UserClient(ChatView):
    """A user in their private chat with the bot (chat id == user id, as in Telegram)."""

    def __init__(self, world: BotWorld, user: User, rejections: Callable[[], list[CallRecord]]) -> None:
        super().__init__(world, world.ensure_private_chat(user), rejections)
        self.user = user

    async def send_text(self, text: str, *, reply_to: int | None = None) -> int | None:
        """Send a text; returns the update_id (None if the bot will never see it)."""
        return self._send(self.user, text=text, reply_to_message_id=reply_to)

    async def send_command(self, command: str, *args: str) -> int | None:
        return self._send(self.user, text=_command_text(command, args, None))

    async def press(self, label: str, message_id: int | None = None) -> int | None:
        return await self._press(self.user, label, message_id)

    async def press_data(self, message_id: int, data: str) -> int | None:
        return await self._press_data(self.user, message_id, data)

    async def send_photo(self, content: bytes = TINY_PNG, *, caption: str | None = None) -> int | None:
        return self._send(self.user, media=self._photo(content), caption=caption)

    async def send_document(self, content: bytes = b"hello\n", *, filename: str = "notes.txt",
                            mime_type: str | None = "text/plain", caption: str | None = None) -> int | None:
        return self._send(self.user, media=self._document(content, filename, mime_type), caption=caption)

    async def send_voice(self, content: bytes = _OGG_VOICE, *, duration: int = 2) -> int | None:
        return self._send(self.user, media=self._voice(content, duration))

    async def send_sticker(self, emoji: str = "👍") -> int | None:
        return self._send(self.user, media=self._sticker(emoji))

    async def edit_message(self, message_id: int, text: str) -> int | None:
        return self._world.user_edit(self._state, message_id, text)

    async def delete_message(self, message_id: int) -> None:
        """The user deletes a message (theirs or the bot's) from the private chat."""
        self._world.user_delete(self._state, message_id)

    async def block(self) -> int | None:
        """The user blocks the bot: a my_chat_member update, then 403 for the bot."""
        return self._world.set_blocked(self._state, self.user, True)

    async def unblock(self) -> int | None:
        return self._world.set_blocked(self._state, self.user, False)


class GroupClient(ChatView):
    """A group the bot is a member of; every action names the acting user."""

    def __init__(self, world: BotWorld, state: ChatState, member: Callable[[int], User],
                 rejections: Callable[[], list[CallRecord]]) -> None:
        super().__init__(world, state, rejections)
        self._member = member

    async def send_text(self, user_id: int, text: str, *, reply_to: int | None = None) -> int | None:
        return self._send(self._member(user_id), text=text, reply_to_message_id=reply_to)

    async def send_command(self, user_id: int, command: str, *args: str,
                           mention_bot: bool = False) -> int | None:
        mention = self._world.bot.username if mention_bot else None
        return self._send(self._member(user_id), text=_command_text(command, args, mention))

    async def press(self, user_id: int, label: str, message_id: int | None = None) -> int | None:
        return await self._press(self._member(user_id), label, message_id)

    async def press_data(self, user_id: int, message_id: int, data: str) -> int | None:
        return await self._press_data(self._member(user_id), message_id, data)
