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
class Reply:
    """The outcome of one user action.

    ``edit`` replaces the message whose button was pressed (its keyboard
    removed), so the scroll-back keeps a readable record of the answer.
    ``toast`` is a short notice for a button press (Telegram shows it as a
    callback-query answer). ``duplicate`` marks a redelivered update that
    changed nothing.
    """

    messages: tuple[Message, ...] = ()
    edit: Message | None = None
    toast: str | None = None
    duplicate: bool = False
    documents: tuple["Document", ...] = field(default=())


@dataclass(frozen=True, slots=True)
class Document:
    """A file to send (a report, a chart, a data export)."""

    filename: str
    data: bytes
    caption: str = ""
    kind: str = "document"  # "document" or "photo"
