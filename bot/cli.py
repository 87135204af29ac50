"""``checkbot``: the command line.

With no sub-command it serves Telegram when ``TELEGRAM_BOT_TOKEN`` is set,
and otherwise opens the same conversation in the terminal.
"""

from __future__ import annotations

import argparse
import dataclasses
import asyncio
import getpass
import os
import sys
from collections.abc import Sequence

from bot.console import ConsoleChat, stdin_reader
from bot.engine import Engine
from bot.events import UserRef
from content.loader import ContentError, load_content
from storage.db import default_path
from storage.store import Store


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="checkbot",
        description="De checklist Aanpak loverboyproblematiek (NJi) als gesprek, in Telegram of in de terminal.",
    )
    parser.add_argument("--db", default=None, help="SQLite-bestand (standaard: $CHECKBOT_DB of ./checkbot.db)")
    sub = parser.add_subparsers(dest="command")
    chat = sub.add_parser("chat", help="de checklist in de terminal")
    chat.add_argument("--user", default=None, help="naam van de lokale gebruiker (standaard: uw loginnaam)")
    sub.add_parser("telegram", help="de bot op Telegram (TELEGRAM_BOT_TOKEN nodig)")
    return parser


def _local_user(name: str | None) -> UserRef:
    if name is None:
        try:
            name = getpass.getuser()
        except Exception:  # no login name in some containers
            name = "local"
    return UserRef(key=f"console:{name}", name=name)


async def _chat(db_path: str, user: UserRef) -> int:
    content = load_content()
    store = await Store.open(db_path)
    try:
        interactive = sys.stdin.isatty()
        chat = ConsoleChat(Engine(content, store), user, sys.stdout, echo_input=not interactive)
        await chat.run(stdin_reader(interactive))
    finally:
        await store.close()
    return 0


def _telegram(db_path: str | None) -> int:
    # imported here so the terminal chat starts without loading PTB
    from telegram.error import InvalidToken, NetworkError, TelegramError

    from bot.telegram.app import run
    from bot.telegram.config import ConfigError, TelegramConfig
    from bot.telegram.logs import setup_logging

    try:
        config = TelegramConfig.from_env()
    except ConfigError as exc:
        print(f"checkbot: {exc}", file=sys.stderr)
        return 2
    if db_path:
        config = dataclasses.replace(config, db_path=db_path)
    content = load_content()
    setup_logging(config.token)
    try:
        asyncio.run(run(config, content))
    except InvalidToken:
        print("checkbot: Telegram rejected TELEGRAM_BOT_TOKEN (Unauthorized): check the token", file=sys.stderr)
        return 2
    except NetworkError as exc:
        print(f"checkbot: cannot reach the Telegram Bot API: {exc.message}", file=sys.stderr)
        return 3
    except TelegramError as exc:
        print(f"checkbot: Telegram error at start-up: {exc.message}", file=sys.stderr)
        return 3
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    db_path = args.db or default_path()
    command = args.command or ("telegram" if os.environ.get("TELEGRAM_BOT_TOKEN") else "chat")
    try:
        if command == "chat":
            return asyncio.run(_chat(db_path, _local_user(getattr(args, "user", None))))
        if command == "telegram":
            return _telegram(args.db)
    except ContentError as exc:
        print(f"checkbot: content error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("\nTot ziens! Uw voortgang is bewaard.")
        return 130
    except BrokenPipeError:  # output piped into `head` and the like
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
