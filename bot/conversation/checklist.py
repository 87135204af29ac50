"""The checklist flow: questions, answers, skipping, undo, theme results and the end."""

from __future__ import annotations

from dataclasses import replace

from bot import payloads
from bot.conversation.context import Ctx
from bot.conversation.place import Last, Place, Screen
from bot.conversation.typed import answer_word
from bot.payloads import Payload
from bot.views import Button
from content.model import AnswerValue, Check
from storage.store import Answer, iso


# -- where to go ----------------------------------------------------------------------------
def is_open(answers: dict[str, Answer], check: Check) -> bool:
    """Open for "Open vragen beantwoorden": skipped (no answer) or "Weet ik niet"."""
    answer = answers.get(check.id)
    return answer is None or AnswerValue(answer.answer) is AnswerValue.ONBEKEND


def open_checks(ctx: Ctx, answers: dict[str, Answer]) -> list[Check]:
    return [c for c in ctx.content.checks if is_open(answers, c)]


async def next_check(ctx: Ctx, after: Check | None, mode: str, within: int | None = None) -> Check | None:
    answers = await ctx.answers()
    start = after.number if after else 0
    for check in ctx.content.checks[start:]:
        wanted = is_open(answers, check) if mode == "open" else check.id not in answers
        if wanted and (within is None or check.theme_id == within):
            return check
    return None


async def resume(ctx: Ctx) -> None:
    """Back to the place under the menus, or to the next open check."""
    from bot.conversation.municipality import ask_municipality

    if ctx.assessment is None:
        ask_municipality(ctx)
        return
    base = ctx.place.base
    if base.screen in (Screen.QUESTION, Screen.THEME_DONE, Screen.END) and base.aid == ctx.active.id:
        ctx.reset(base)
        return
    answers = await ctx.answers()
    position = await ctx.tx.get_position(ctx.user.id, ctx.active.id)
    start = ctx.content.check(position) if position and ctx.content.has_check(position) else None
    if start is not None and start.id not in answers:
        target: Check | None = start
    else:
        target = await next_check(ctx, start, "flow") or await next_check(ctx, None, "flow")
    if target is None:
        await go_end(ctx)
    else:
        await go_check(ctx, target, intro=True)


async def go_check(ctx: Ctx, check: Check, *, intro: bool = False, mode: str = "flow", last: Last | None = None) -> None:
    ctx.reset(Place(Screen.QUESTION, check=check.id, mode=mode, last=last))
    await ctx.tx.set_position(ctx.user.id, ctx.active.id, check.id, ctx.now)
    if intro:
        theme = ctx.content.theme_of(check.id)
        ctx.note(ctx.t("theme_intro", number=theme.id, total=len(ctx.content.themes), title=theme.title, heading=theme.heading))


async def advance(ctx: Ctx, check: Check, mode: str, last: Last | None) -> None:
    """After a check was answered or skipped in the flow (or while revisiting the open ones)."""
    if mode == "open":
        nxt = await next_check(ctx, check, "open")
        if nxt is None:
            ctx.note(ctx.t("open_done"))
            await go_end(ctx, last=last)
        else:
            await go_check(ctx, nxt, mode="open", last=last)
        return
    nxt = await next_check(ctx, check, "flow")
    if nxt is not None and nxt.theme_id == check.theme_id:
        await go_check(ctx, nxt, last=last)
        return
    if nxt is None and check.theme_id == len(ctx.content.themes):
        await go_end(ctx, last=last)
        return
    ctx.reset(Place(Screen.THEME_DONE, theme=check.theme_id, next=nxt.theme_id if nxt else None, last=last))
    await ctx.tx.set_position(ctx.user.id, ctx.active.id, (nxt or check).id, ctx.now)


async def go_end(ctx: Ctx, last: Last | None = None) -> None:
    ctx.reset(Place(Screen.END, last=last))
    await mark_completed(ctx)


async def mark_completed(ctx: Ctx) -> None:
    answers = await ctx.answers()
    done = all(c.id in answers for c in ctx.content.checks)
    if done and ctx.active.completed_at is None:
        await ctx.tx.set_completed(ctx.active.id, ctx.now)
        ctx.assessment = replace(ctx.active, completed_at=iso(ctx.now))
    elif not done and ctx.active.completed_at is not None:
        await ctx.tx.set_completed(ctx.active.id, None)
        ctx.assessment = replace(ctx.active, completed_at=None)


# -- buttons ------------------------------------------------------------------------------------
def shown_check(ctx: Ctx, p: Payload) -> Check | None:
    """The check a question button names, if it is the one on screen."""
    if ctx.place.screen is not Screen.QUESTION or ctx.place.check != p.args[1] or not ctx.content.has_check(p.args[1]):
        return None
    return ctx.content.check(p.args[1])


async def record(ctx: Ctx, check: Check, value: AnswerValue) -> AnswerValue | None:
    answers = await ctx.answers()
    previous = answers.get(check.id)
    await ctx.tx.record_answer(ctx.active.id, check.id, value.value, ctx.user.id, ctx.now)
    answers[check.id] = Answer(0, check.id, value.value, previous.note if previous else None, ctx.user.id,
                               ctx.user.display_name, iso(ctx.now))  # fmt: skip
    return AnswerValue(previous.answer) if previous else None


async def give_answer(ctx: Ctx, check: Check, value: AnswerValue) -> None:
    old = await record(ctx, check, value)
    ctx.toast = ctx.label("answer_saved", answer=ctx.answer_text(value))
    place = ctx.place
    await mark_completed(ctx)
    if place.mode == "change":
        ctx.note(ctx.t("answer_changed", check=ctx.check_ref(check), old=ctx.answer_text(old), new=ctx.answer_text(value)))
        ctx.pop()
        base = ctx.place
        if base.screen is Screen.QUESTION and base.check == check.id:
            await advance(ctx, check, base.mode, Last(check.id, value.value))  # the changed check was on screen
        elif ctx.place.screen is Screen.NOWHERE:
            await resume(ctx)
        return
    await advance(ctx, check, place.mode, Last(check.id, value.value))


async def press_answer(ctx: Ctx, p: Payload) -> bool:
    check = shown_check(ctx, p)
    if check is None:
        return False
    await give_answer(ctx, check, p.answer())
    return True


async def press_skip(ctx: Ctx, p: Payload) -> bool:
    check = shown_check(ctx, p)
    if check is None:
        return False
    if ctx.place.mode == "change":
        ctx.pop()
        if ctx.place.screen is Screen.NOWHERE:
            await resume(ctx)
        return True
    ctx.toast = ctx.label("skipped_toast", check=ctx.check_ref(check))
    await advance(ctx, check, ctx.place.mode, Last(check.id, None))
    return True


async def press_why(ctx: Ctx, p: Payload) -> bool:
    if shown_check(ctx, p) is None:
        return False
    ctx.go(replace(ctx.place, why=True))
    return True


async def press_back(ctx: Ctx, p: Payload) -> bool:
    """"↩ Vorige" on a question: undo the answer just given and show that question again.

    From a theme's result or the end it goes back to the last question, which shows its answer: answers
    change only on a question screen."""
    place, cid = ctx.place, p.args[1]
    if not ctx.content.has_check(cid):
        return False
    if place.screen is Screen.QUESTION and place.check == cid:
        if place.last is not None:
            target, undo = ctx.content.check(place.last.check), place.last.value is not None
        else:
            number = ctx.content.check(cid).number
            if number == 1:
                return False
            target, undo = ctx.content.checks[number - 2], False
    elif place.screen in (Screen.THEME_DONE, Screen.END) and place.last is not None and place.last.check == cid:
        target, undo = ctx.content.check(cid), False  # back to the question; only there an answer changes
    else:
        return False
    mode = place.mode if place.screen is Screen.QUESTION else "flow"
    if undo and await ctx.tx.undo_answer(ctx.active.id, target.id, ctx.user.id):
        ctx.forget_answers()
        await mark_completed(ctx)
        ctx.toast = ctx.label("undone_toast", check=ctx.check_ref(target))
    theme_changes = ctx.content.check(cid).theme_id != target.theme_id and place.screen is Screen.QUESTION
    await go_check(ctx, target, mode=mode, intro=theme_changes)
    return True


async def press_next_theme(ctx: Ctx, p: Payload) -> bool:
    if ctx.place.screen is not Screen.THEME_DONE or ctx.place.next != p.int(1):
        return False
    target = await next_check(ctx, None, "flow", within=p.int(1)) or await next_check(ctx, None, "flow")
    if target is None:
        await go_end(ctx)
    else:
        await go_check(ctx, target, intro=True)
    return True


async def press_finish(ctx: Ctx, p: Payload) -> bool:
    if ctx.place.screen is not Screen.THEME_DONE or ctx.place.next is not None:
        return False
    await go_end(ctx, last=ctx.place.last)
    return True


async def press_open(ctx: Ctx, p: Payload) -> bool:
    """"Open vragen beantwoorden": only the skipped and "Weet ik niet" checks, then done."""
    target = await next_check(ctx, None, "open")
    if ctx.place.screen is not Screen.END or target is None:
        return False
    await go_check(ctx, target, mode="open")
    return True


async def typed_answer(ctx: Ctx, text: str) -> bool:
    """On a question screen, a typed answer word ("ja hoor", "weet niet", "skip") answers it."""
    word = answer_word(ctx.content, text)
    if word is None or ctx.place.check is None:
        return False
    check = ctx.content.check(ctx.place.check)
    if word == "skip":
        return await press_skip(ctx, Payload("s", (str(ctx.active.id), check.id)))
    await give_answer(ctx, check, word)
    ctx.toast = None
    return True


# -- keyboards --------------------------------------------------------------------------------
def question_buttons(ctx: Ctx, check: Check, place: Place) -> tuple[tuple[Button, ...], ...]:
    aid = ctx.active.id

    def answer(value: AnswerValue) -> Button:
        return Button(value.label, payloads.make("a", aid, check.id, value.code))

    rows: list[tuple[Button, ...]] = [
        (answer(AnswerValue.JA), answer(AnswerValue.DEELS)),
        (answer(AnswerValue.NEE), answer(AnswerValue.ONBEKEND)),
    ]
    why = Button(ctx.label("why_button"), payloads.make("w", aid, check.id))
    if place.mode == "change":
        rows.append((why, Button(ctx.label("cancel_button"), payloads.make("q"))))
        return tuple(rows)
    rows.append((why, Button(ctx.label("skip_button"), payloads.make("s", aid, check.id))))
    if place.last is not None or check.number > 1:
        rows.append((Button(ctx.label("back_button"), payloads.make("j", aid, check.id)),))
    return tuple(rows)
