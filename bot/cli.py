"""``checkbot``: the command line.

With no sub-command it serves Telegram when ``TELEGRAM_BOT_TOKEN`` is set,
and otherwise opens the same conversation in the terminal.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import getpass
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from content.loader import ContentError, load_content

# `checkbot ask` must start cold in under a second (bench/matcher.py): the engine, the
# store and the console are imported by the commands that use them, not here
if TYPE_CHECKING:
    from bot.events import UserRef


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="checkbot",
        description="De checklist Aanpak loverboyproblematiek (NJi) als gesprek, in Telegram of in de terminal.",
    )
    db_help = "SQLite-bestand (standaard: $CHECKBOT_DB of ./checkbot.db)"
    parser.add_argument("--db", default=None, help=db_help)
    # "checkbot chat --db X" as well as "checkbot --db X chat": SUPPRESS keeps the value given before the command
    with_db = argparse.ArgumentParser(add_help=False)
    with_db.add_argument("--db", default=argparse.SUPPRESS, help=db_help)
    sub = parser.add_subparsers(dest="command")
    chat = sub.add_parser("chat", parents=[with_db], help="de checklist in de terminal")
    chat.add_argument("--user", default=None, help="naam van de lokale gebruiker (standaard: uw loginnaam)")
    sub.add_parser("telegram", parents=[with_db], help="de bot op Telegram (TELEGRAM_BOT_TOKEN nodig)")
    ask = sub.add_parser("ask", help="welke bronnen van de checklist passen bij een vraag")
    ask.add_argument("question", help="de vraag, bijvoorbeeld 'waar meld ik bij CoMensha?'")
    ask.add_argument("--json", action="store_true", help="JSON: {kind, hits: [{kind, id, title, url, score}]}, beste eerst")
    sub.add_parser("unanswered", parents=[with_db], help="vragen zonder zeker antwoord (zonder persoonsgegevens), met aantallen")
    report = sub.add_parser("report", parents=[with_db], help="het rapport (PDF) van een checklist")
    report.add_argument("--out", required=True, help="het PDF-bestand om te schrijven")
    pick = report.add_mutually_exclusive_group(required=True)
    pick.add_argument("--id", type=int, help="het nummer van de checklist (assessment)")
    pick.add_argument("--municipality", help="de gemeente: de nieuwste ronde van die gemeente")
    report.add_argument("--user", help="met --municipality: alleen checklists van deze gebruiker (bijv. tg:12345)")
    return parser


def _local_user(name: str | None) -> UserRef:
    from bot.events import UserRef

    if name is None:
        try:
            name = getpass.getuser()
        except Exception:  # no login name in some containers
            name = "local"
    return UserRef(key=f"console:{name}", name=name)


async def _chat(db_path: str, user: UserRef) -> int:
    from bot.console import ConsoleChat, stdin_reader
    from bot.engine import Engine
    from storage.store import Store

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
    from bot.telegram.loop import run_on

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
        run_on(config.event_loop, run(config, content))
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


def _ask(question: str, as_json: bool) -> int:
    """The same decision as the chat (bot.answering): kind, links, and the threshold it used."""
    from bot.answering import Answerer
    from bot.html import to_plain

    composed = Answerer(load_content()).compose(question)
    if as_json:
        hits = [
            {"kind": h.kind, "id": h.id, "title": h.title, "url": h.url, "score": h.score} for h in composed.hits
        ]
        print(json.dumps({"kind": composed.kind.value, "hits": hits}, ensure_ascii=False))
        return 0
    print(f"({composed.kind.value})")
    if composed.kind.value in ("urgent", "concern", "about_bot", "about_subject", "greeting", "thanks", "none"):
        print(to_plain(composed.text))
        return 0
    if composed.kind.value == "unsure":
        print("Niet zeker; bedoelt u:")
    for h in composed.hits:
        print(f"{h.score:5.1f}  {h.title}" + (f"\n       {h.url}" if h.url else ""))
    return 0


async def _unanswered(db_path: str) -> int:
    from storage.store import Store

    store = await Store.open(db_path)
    try:
        async with store.transaction(write=False) as tx:
            rows = await tx.logged_questions()
    finally:
        await store.close()
    if not rows:
        print("Nog geen onbeantwoorde vragen.")
    else:
        print("Vragen zonder zeker antwoord, zonder persoonsgegevens (de laatste 180 dagen):")
    for q in rows:
        print(f"{q.count:4d}  {q.text}  ({'twijfel' if q.kind == 'unsure' else 'geen antwoord'}, laatst {q.last_day})")
    return 0


async def _report(db_path: str, args: argparse.Namespace) -> int:
    from bot.engine import Engine
    from bot.report.chart import render_chart
    from bot.report.pdf import render_pdf
    from content.municipalities import MunicipalityFinder
    from storage.store import Store

    content = load_content()
    store = await Store.open(db_path)
    try:
        engine = Engine(content, store)
        assessment_id = args.id
        if assessment_id is None:
            finder = MunicipalityFinder(content)
            match = finder.find(args.municipality)
            if match.municipality is None:
                names = ", ".join(m.name for m in match.candidates) or "geen"
                print(f"checkbot: gemeente '{args.municipality}' niet eenduidig gevonden (kandidaten: {names})", file=sys.stderr)
                return 2
            async with store.transaction(write=False) as tx:
                found = await tx.find_assessments(match.municipality.code, args.user)
            if not found:
                print(f"checkbot: geen checklist voor {match.municipality.name}", file=sys.stderr)
                return 2
            assessment_id = found[-1].id
        report = await engine.report_for(assessment_id)
    finally:
        await store.close()
    if report is None:
        print(f"checkbot: geen checklist met nummer {assessment_id}", file=sys.stderr)
        return 2
    if not report.has_answers:  # as /rapport in the chat: no PDF of 24 times "Niet beantwoord"
        print(f"checkbot: nog geen antwoorden in de checklist voor {report.municipality} (ronde {report.round})",
              file=sys.stderr)
        return 2
    Path(args.out).write_bytes(render_pdf(report, render_chart(report)))
    print(f"Rapport geschreven: {args.out} ({report.municipality}, ronde {report.round})")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    from storage.db import default_path

    args = build_parser().parse_args(argv)
    db_path = args.db or default_path()
    command = args.command or ("telegram" if os.environ.get("TELEGRAM_BOT_TOKEN") else "chat")
    try:
        if command == "chat":
            return asyncio.run(_chat(db_path, _local_user(getattr(args, "user", None))))
        if command == "telegram":
            return _telegram(args.db)
        if command == "ask":
            return _ask(args.question, args.json)
        if command == "unanswered":
            return asyncio.run(_unanswered(db_path))
        if command == "report":
            return asyncio.run(_report(db_path, args))
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
