"""How the checklist's screens look: a question, a theme's result, the end."""

from __future__ import annotations

from bot import payloads
from bot.conversation.checklist import is_open, question_buttons
from bot.conversation.context import Ctx
from bot.conversation.place import Screen
from bot.html import esc
from bot.scoring import ThemeScore, format_points, open_points, theme_scores
from bot.views import Button, Message
from content.model import AnswerValue, Theme

BAR = 10


def progress_line(ctx: Ctx, answered: int) -> str:
    """Progress is what is answered, not where the user is: "▰▰▰▱▱ 12 van 24 beantwoord"."""
    total = len(ctx.content.checks)
    filled = answered * BAR // total
    if answered and not filled:
        filled = 1
    return ctx.t("progress_answered", bar="▰" * filled + "▱" * (BAR - filled), answered=answered, total=total)


def score_text(ctx: Ctx, score: ThemeScore) -> str:
    if not score.started:
        return ctx.t("not_started")
    return ctx.t("score_value", score=format_points(score.score), total=score.total, percent=score.percent)


async def question_view(ctx: Ctx) -> Message:
    place = ctx.place
    assert place.check is not None
    check = ctx.content.check(place.check)
    theme = ctx.content.theme_of(check.id)
    answers = await ctx.answers()
    lines: list[str] = []
    if place.last is not None and place.mode != "change" and ctx.content.has_check(place.last.check):
        before = ctx.content.check(place.last.check)
        value = AnswerValue(place.last.value) if place.last.value else None
        shown = ctx.answer_text(value) if value else "⏭ " + ctx.label("skip_button")
        lines.append("<i>" + ctx.t("previous_line", check=ctx.check_ref(before), answer=shown) + "</i>")
    lines.append(
        ctx.t("question_head", number=check.number, total=len(ctx.content.checks), theme=theme.id, themes=len(ctx.content.themes), title=theme.title)
    )
    lines.append(progress_line(ctx, len(answers)))
    text = "\n".join(lines) + "\n\n" + esc(check.text)
    if check.id in answers:
        current = AnswerValue(answers[check.id].answer)
        text += "\n\n" + ctx.t("current_answer", answer=ctx.answer_text(current))
    if place.mode == "open":
        text += "\n" + ctx.t("open_mode_hint")
    if place.why and not ctx.brief:
        parts = [ctx.t("why_title"), esc(theme.why)]
        if theme.examples:
            example = theme.examples[(check.number - 1) % len(theme.examples)]
            parts += [ctx.t("example_title", place=example.place), esc(example.text)]
        text += "\n\n" + "\n".join(parts)
    return Message(text, question_buttons(ctx, check, place))


async def theme_result(ctx: Ctx, theme: Theme, *, brief: bool = False) -> str:
    answers = await ctx.answers()
    score = next(s for s in theme_scores(ctx.content, answers) if s.theme_id == theme.id)
    parts = [ctx.t("theme_done", number=theme.id, title=theme.title), ctx.t("theme_score", score=score_text(ctx, score))]
    if brief:
        return "\n".join(parts)
    points = open_points(ctx.content, answers, theme.id)
    if not points:
        parts.append(ctx.t("theme_all_yes"))
        return "\n\n".join(parts)
    lines = [ctx.t("theme_open_title")]
    for p in points:
        lines.append(f"{ctx.answer_text(p.answer_value).split(' ')[0]} {esc(ctx.check_ref(p.check))}: {esc(p.check.text)}")
    parts.append("\n".join(lines))
    parts.append("\n".join([ctx.t("theme_actions_title"), *(f"• {esc(a)}" for a in theme.actions)]))
    return "\n\n".join(parts)


async def theme_done_view(ctx: Ctx) -> Message:
    place = ctx.place
    assert place.theme is not None
    aid = ctx.active.id
    if place.next:
        onward = Button(ctx.label("next_theme_button", number=place.next), payloads.make("v", aid, place.next))
    else:
        onward = Button(ctx.label("finish_button"), payloads.make("f", aid))
    rows: list[tuple[Button, ...]] = [(onward,)]
    if place.last is not None:
        rows.append((Button(ctx.label("back_button"), payloads.make("j", aid, place.last.check)),))
    return Message(await theme_result(ctx, ctx.content.theme(place.theme), brief=ctx.brief), tuple(rows))


async def end_view(ctx: Ctx) -> Message:
    answers = await ctx.answers()
    aid = ctx.active.id
    still_open = sum(1 for c in ctx.content.checks if is_open(answers, c))
    unanswered = sum(1 for c in ctx.content.checks if c.id not in answers)
    rows: list[tuple[Button, ...]] = []
    if unanswered:
        parts = [ctx.t("end_with_open_one") if unanswered == 1 else ctx.t("end_with_open", count=unanswered)]
    else:
        parts = [ctx.t("completed", municipality=ctx.municipality_name())]
    if not ctx.brief:
        scores = theme_scores(ctx.content, answers)
        parts.append("\n".join(f"{s.theme_id}. {esc(s.title)}: {score_text(ctx, s)}" for s in scores))
        parts.append(ctx.t("what_next"))
    if still_open:
        rows.append((Button(ctx.label("answer_open_button", count=still_open), payloads.make("o", aid)),))
    rows.append((Button(ctx.label("summary_button"), payloads.make("ss", aid)),
                 Button(ctx.label("report_button"), payloads.make("sr", aid))))  # fmt: skip
    if ctx.place.last is not None and ctx.place.screen is Screen.END:
        rows.append((Button(ctx.label("back_button"), payloads.make("j", aid, ctx.place.last.check)),))
    return Message("\n\n".join(parts), tuple(rows))
