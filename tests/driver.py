"""Drive the conversation core as a user would, for tests.

A press's reply usually edits the pressed message into the next screen
(``Reply.edit``); the driver's buttons are those of the last message shown
with buttons, edited or new.
"""

from __future__ import annotations

from bot.engine import Engine
from bot.events import Command, Event, Press, Text, UserRef, parse_command
from bot.html import to_plain
from bot.views import Button, Message, Reply


def shown(reply: Reply) -> list[Message]:
    """What the user sees after a reply, in order: the edited message, then the new ones."""
    return ([reply.edit] if reply.edit is not None else []) + list(reply.messages)


class Driver:
    def __init__(self, engine: Engine, key: str, name: str | None = None) -> None:
        self.engine = engine
        self.user = UserRef(key, name)
        self.buttons: list[Button] = []
        self.last: Reply = Reply()
        self.update_id: int | None = None

    async def send(self, event: Event, update_id: int | None = None) -> Reply:
        reply = await self.engine.handle(self.user, event, update_id=update_id)
        self.last = reply
        with_buttons = [m for m in shown(reply) if m.buttons]
        if with_buttons:
            self.buttons = [b for row in with_buttons[-1].buttons for b in row]
        return reply

    async def cmd(self, text: str) -> Reply:
        command = parse_command(text)
        assert isinstance(command, Command), text
        return await self.send(command)

    async def text(self, text: str) -> Reply:
        return await self.send(Text(text))

    async def press(self, label: str) -> Reply:
        for button in self.buttons:
            if button.label == label:
                return await self.send(Press(button.data))
        raise AssertionError(f"no button {label!r} in {[b.label for b in self.buttons]}")

    async def press_data(self, data: str) -> Reply:
        return await self.send(Press(data))

    def button(self, label: str) -> Button:
        return next(b for b in self.buttons if b.label == label)

    @property
    def labels(self) -> list[str]:
        return [b.label for b in self.buttons]

    @staticmethod
    def plain(reply: Reply) -> str:
        return "\n\n".join(to_plain(m.text) for m in shown(reply))

    @property
    def last_message(self) -> Message:
        return shown(self.last)[-1]
