"""What a user did, as the conversation core understands it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class UserRef:
    """A person at a door: ``key`` is stable per transport ("tg:42", "console:local")."""

    key: str
    name: str | None = None


@dataclass(frozen=True, slots=True)
class Command:
    name: str  # without the slash, lower case: "start", "verder"
    args: str = ""


@dataclass(frozen=True, slots=True)
class Press:
    data: str  # the callback payload of the button


@dataclass(frozen=True, slots=True)
class Text:
    text: str


Event = Command | Press | Text


def parse_command(text: str, bot_username: str | None = None) -> Command | None:
    """``"/notitie Besproken"`` -> Command("notitie", "Besproken"); None if not a command."""
    stripped = text.strip()
    if not stripped.startswith("/") or len(stripped) < 2:
        return None
    head, _, args = stripped[1:].partition(" ")
    name, _, target = head.partition("@")
    if target and bot_username and target.lower() != bot_username.lower():
        return None
    if not name or not all(ch.isalnum() or ch == "_" for ch in name):
        return None
    return Command(name.lower(), args.strip())
