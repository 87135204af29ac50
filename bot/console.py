"""The terminal door: the same conversation, typed instead of tapped.

Each bot message is printed as plain text with its buttons listed as
``[1] Ja  [2] Deels …``; the user types a number, a button label, a
/command or free text. A button press's reply edits the pressed message on a
phone; here the edited message is printed anew, so the terminal shows the
same sequence. Works interactively and with input piped from a file.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from bot.engine import Engine
from bot.events import Event, Press, Text, UserRef, parse_command
from bot.html import to_plain
from bot.views import Button, Reply

GOODBYE = "Tot ziens! Uw voortgang is bewaard; start checkbot opnieuw om verder te gaan."


class ConsoleChat:
    def __init__(
        self, engine: Engine, user: UserRef, out: TextIO, *, echo_input: bool, folder: Path | None = None
    ) -> None:
        self.folder = folder or Path.cwd() / "checkbot-bestanden"
        self.engine = engine
        self.user = user
        self.out = out
        self.echo_input = echo_input
        self.buttons: list[Button] = []

    def show(self, reply: Reply) -> None:
        """The same sequence a phone shows: the toast, the pressed message as edited, then new messages."""
        if reply.toast:
            self.write(f"({reply.toast})")
        for message in ([reply.edit] if reply.edit is not None else []) + list(reply.messages):
            self.write(to_plain(message.text))
            if message.buttons:
                self.buttons = [b for row in message.buttons for b in row]
                self.write("  ".join(f"[{i}] {b.label}" for i, b in enumerate(self.buttons, start=1)))
            self.write("")
        for document in reply.documents:
            path = self.save(document.filename, document.data)
            self.write(f"[bestand opgeslagen: {path} ({len(document.data)} bytes)]")
            self.write("")

    def save(self, filename: str, data: bytes) -> Path:
        """Documents (report, data export) go to the output folder, never overwriting."""
        self.folder.mkdir(parents=True, exist_ok=True)
        target = self.folder / filename
        stem, suffix, n = target.stem, target.suffix, 1
        while target.exists():
            n += 1
            target = self.folder / f"{stem}-{n}{suffix}"
        target.write_bytes(data)
        return target

    def write(self, text: str) -> None:
        print(text, file=self.out, flush=True)

    def interpret(self, line: str) -> Event:
        text = line.strip()
        if text.isdigit() and 1 <= int(text) <= len(self.buttons):
            return Press(self.buttons[int(text) - 1].data)
        for button in self.buttons:
            if text.casefold() == button.label.casefold():
                return Press(button.data)
        command = parse_command(text)
        return command if command is not None else Text(text)

    async def send(self, event: Event) -> None:
        self.show(await self.engine.handle(self.user, event))

    async def run(self, read_line: Callable[[], str | None]) -> None:
        """Talk until the input ends; ``read_line`` returns None at end of input."""
        loop = asyncio.get_running_loop()
        await self.send(parse_command("/start"))  # type: ignore[arg-type]
        while True:
            line = await loop.run_in_executor(None, read_line)
            if line is None:
                break
            if self.echo_input:
                self.write(f"> {line.strip()}")
            if not line.strip():
                continue
            await self.send(self.interpret(line))
        self.write(GOODBYE)


def stdin_reader(interactive: bool) -> Callable[[], str | None]:
    def read() -> str | None:
        if interactive:
            try:
                return input("> ")
            except EOFError:
                print(file=sys.stdout)
                return None
        line = sys.stdin.readline()
        return line if line else None

    return read
