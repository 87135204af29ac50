"""What the conversation core hands to a transport: messages, buttons, replies.

Message text is a small, safe subset of Telegram's HTML (``<b>``, ``<i>``,
``<a href>``) with all content escaped; :func:`bot.html.to_plain` turns it
into plain text for the terminal.
"""

from __future__ import annotations

from dataclasses import dataclass, field

MAX_CALLBACK_BYTES = 64
MAX_MESSAGE_CHARS = 4096


@dataclass(frozen=True, slots=True)
class Button:
    label: str
    data: str  # callback payload, see bot.payloads

    def __post_init__(self) -> None:
        size = len(self.data.encode("utf-8"))
        if not 1 <= size <= MAX_CALLBACK_BYTES:
            raise ValueError(f"callback data of {size} bytes for button {self.label!r} (1..64 allowed)")


Keyboard = tuple[tuple[Button, ...], ...]


@dataclass(frozen=True, slots=True)
class Message:
    text: str
    buttons: Keyboard = ()

    def labels(self) -> list[str]:
        return [b.label for row in self.buttons for b in row]


@dataclass(frozen=True, slots=True)
class Notice:
    """A message for another user (``user_key`` as in UserRef.key, "tg:42")."""

    user_key: str
    message: Message


@dataclass(frozen=True, slots=True)
class Reply:
    """The outcome of one user action (contract §1: one message per tap).

    ``edit``: for a button press, the next screen (text and buttons) that
    replaces the pressed message in place; None leaves it as it is.
    ``messages``: new messages, in order after the edit: only what the user
    will scroll back to (a summary's details, documents' captions, answers to
    typed questions), or everything when there was no press.
    ``toast``: the callback-query answer ("✅ Ja opgeslagen").
    ``duplicate`` marks a redelivered update that changed nothing.
    ``notices``: messages for other users (a role handed over).
    """

    messages: tuple[Message, ...] = ()
    edit: Message | None = None
    toast: str | None = None
    duplicate: bool = False
    documents: tuple["Document", ...] = field(default=())
    notices: tuple[Notice, ...] = field(default=())


@dataclass(frozen=True, slots=True)
class Document:
    """A file to send (a report, a chart, a data export)."""

    filename: str
    data: bytes
    caption: str = ""
    kind: str = "document"  # "document" or "photo"
