"""The slash commands: what each one does, and the ones that need a checklist first."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from bot.conversation import changes, municipality, privacy, rounds, summary, teams
from bot.conversation.checklist import resume
from bot.conversation.context import Ctx
from bot.conversation.place import Place, Screen

MAX_NOTE = 1000
NOTE_QUOTE = 40  # characters of the note quoted back


async def welcome(ctx: Ctx) -> None:
    ctx.note(ctx.t("welcome", lead=ctx.content.intro.lead, total=len(ctx.content.checks)))
    municipality.ask_municipality(ctx)


async def cmd_start(ctx: Ctx, args: str = "") -> None:
    code = args.strip()
    if teams.INVITE_CODE.match(code):
        await teams.offer_invite(ctx, code)
        return
    if ctx.assessment is None:
        await welcome(ctx)
        return
    ctx.note(ctx.t("welcome_back", municipality=ctx.municipality_name()))
    await resume(ctx)


async def cmd_resume(ctx: Ctx, _: str = "") -> None:
    await resume(ctx)


async def cmd_help(ctx: Ctx, _: str = "") -> None:
    ctx.note(ctx.t("help", days=ctx.engine.reminder_days, total=len(ctx.content.checks)))


async def cmd_note(ctx: Ctx, args: str) -> None:
    """/notitie tekst: on the check on screen; /notitie 7 tekst: on vraag 7/24."""
    note = " ".join(args.split())
    total = len(ctx.content.checks)
    head, _, rest = note.partition(" ")
    target = None
    if head.isdigit() and rest:
        if not 1 <= int(head) <= total:
            ctx.note(ctx.t("note_range", total=total))
            return
        target, note = ctx.content.checks[int(head) - 1], rest
    if not note:
        ctx.note(ctx.t("note_usage"))
        return
    if len(note) > MAX_NOTE:
        ctx.note(ctx.t("note_too_long", max=MAX_NOTE, length=len(note)))
        return
    answers = await ctx.answers()
    if target is None:
        base = ctx.place if ctx.place.screen is Screen.QUESTION else ctx.place.base
        if base.screen is Screen.QUESTION and base.check in answers:
            target = ctx.content.check(base.check)
        elif base.last is not None and base.last.check in answers:
            target = ctx.content.check(base.last.check)  # the "Vorige: vraag N/24" line on screen
        elif base.screen is Screen.QUESTION and base.check is not None:
            ctx.note(ctx.t("note_unanswered", check=ctx.check_ref(ctx.content.check(base.check))))
            return
        else:
            ctx.note(ctx.t("note_no_answer"))
            return
    if target.id not in answers:
        ctx.note(ctx.t("note_unanswered", check=ctx.check_ref(target)))
        return
    await ctx.tx.set_note(ctx.active.id, target.id, note)
    quote = note if len(note) <= NOTE_QUOTE else note[:NOTE_QUOTE].rsplit(" ", 1)[0] + "…"
    ctx.note(ctx.t("note_saved", check=ctx.check_ref(target), words=quote))


Handler = Callable[[Ctx, str], Awaitable[None]]

# name -> (handler, needs an active checklist)
COMMANDS: dict[str, tuple[Handler, bool]] = {
    "start": (cmd_start, False),
    "verder": (cmd_resume, False),
    "samenvatting": (summary.cmd_summary, True),
    "wijzig": (changes.cmd_change, True),
    "thema": (changes.cmd_jump, True),
    "notitie": (cmd_note, True),
    "gemeente": (municipality.cmd_municipality, False),
    "hulp": (cmd_help, False),
    "help": (cmd_help, False),
    "stop": (rounds.cmd_stop, False),
    "verwijder": (privacy.cmd_delete, False),
    "uitnodigen": (teams.cmd_invite, True),
    "team": (teams.cmd_team, True),
    "mijngegevens": (privacy.cmd_my_data, False),
    "opnieuw": (rounds.cmd_new_round, True),
    "herinnering": (rounds.cmd_reminders, False),
    "rapport": (summary.cmd_report, True),
}


async def run_command(ctx: Ctx, name: str, args: str) -> None:
    entry = COMMANDS.get(name)
    if entry is None:
        ctx.note(ctx.t("unknown_command"))
        return
    handler, needs_checklist = entry
    if needs_checklist and ctx.assessment is None:
        ctx.note(ctx.t("no_assessment"))
        return
    await handler(ctx, args)


__all__ = ["COMMANDS", "Place", "run_command", "welcome"]
