"""Pausing, reminders and rounds: /stop, /herinnering, /opnieuw."""

from __future__ import annotations

from bot import payloads
from bot.conversation.context import Ctx
from bot.conversation.place import Place, Screen
from bot.payloads import Payload
from bot.views import Button, Message


async def cmd_stop(ctx: Ctx, _: str = "") -> None:
    """Pause; the first time (with a checklist and reminders off) a reminder is offered."""
    offer = ctx.assessment is not None and not ctx.user.reminder_offered and not ctx.user.reminders
    if offer:
        await ctx.tx.mark_reminder_offered(ctx.user.id)
    ctx.open_menu(Place(Screen.PAUSED, page=1 if offer else 0))


async def paused_view(ctx: Ctx) -> Message:
    if ctx.place.page:  # page 1: the reminder is offered
        text = ctx.t("paused") + "\n\n" + ctx.t("reminder_offer", days=ctx.engine.reminder_days)
        rows = (
            (Button(ctx.label("reminder_offer_button"), payloads.make("l", 1)),),
            (Button(ctx.label("reminder_decline_button"), payloads.make("l", 0)),),
        )
        return Message(text, rows)
    return Message(ctx.t("paused"), ((Button(ctx.label("resume_button"), payloads.make("u")),),))


async def cmd_reminders(ctx: Ctx, _: str = "") -> None:
    """/herinnering shows the setting first and offers to change it."""
    ctx.open_menu(Place(Screen.REMINDERS))


async def reminders_view(ctx: Ctx) -> Message:
    days = ctx.engine.reminder_days
    if ctx.user.reminders:
        text, button = ctx.t("reminders_state_on", days=days), Button(ctx.label("reminders_off_button"), payloads.make("l", 0))
    else:
        text, button = ctx.t("reminders_state_off", days=days), Button(ctx.label("reminders_on_button"), payloads.make("l", 1))
    return Message(text, ((button,), (Button(ctx.label("close_button"), payloads.make("q")),)))


async def press_reminders(ctx: Ctx, p: Payload) -> bool:
    if ctx.place.screen not in (Screen.PAUSED, Screen.REMINDERS):
        return False
    enabled = p.args[0] == "1"
    await ctx.tx.set_reminders(ctx.user.id, enabled)
    ctx.toast = ctx.label("reminders_on_toast" if enabled else "reminders_off_toast")
    ctx.edit = Message(ctx.t("reminders_on" if enabled else "reminders_off", days=ctx.engine.reminder_days))
    ctx.pop()
    ctx.silent = True
    return True


async def cmd_new_round(ctx: Ctx, _: str = "") -> None:
    ctx.open_menu(Place(Screen.CONFIRM_ROUND))


async def round_view(ctx: Ctx) -> Message:
    return Message(
        ctx.t("round_confirm", municipality=ctx.municipality_name(), round=ctx.active.round + 1),
        (
            (Button(ctx.label("round_yes_button"), payloads.make("p", ctx.active.id)),),
            (Button(ctx.label("cancel_button"), payloads.make("q")),),
        ),
    )


async def press_new_round(ctx: Ctx, p: Payload) -> bool:
    from bot.conversation.checklist import go_check
    from bot.conversation.municipality import activate

    if ctx.place.screen is not Screen.CONFIRM_ROUND or ctx.assessment is None or p.int(0) != ctx.active.id:
        return False
    previous = ctx.active
    assessment = await ctx.tx.start_round(previous, ctx.user.id, ctx.now)
    await activate(ctx, assessment)
    ctx.note(ctx.t("round_started", municipality=ctx.municipality_name(), round=assessment.round, previous=previous.round))
    await go_check(ctx, ctx.content.checks[0], intro=True)
    return True
