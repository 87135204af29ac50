"""The summary: a phone-sized overview, details per theme on request, and the report."""

from __future__ import annotations

from bot import payloads
from bot.conversation.checklist_views import progress_line, score_text
from bot.conversation.context import Ctx, clean_name
from bot.conversation.documents import build_report_data
from bot.conversation.place import Place, Screen
from bot.html import esc, link, pack
from bot.payloads import Payload
from bot.scoring import answered_open_points, theme_scores
from bot.views import Button, Message
from content.model import AnswerValue, Resource

URGENT = 3  # open points named in the overview
LINE_CHARS = 90  # a check's text in the overview, cut at a word


def short(text: str, limit: int = LINE_CHARS) -> str:
    if len(text) <= limit:
        return text
    head = text[: limit - 1].rsplit(" ", 1)[0]
    return head.rstrip(" ,.;:") + "…"


async def cmd_summary(ctx: Ctx, _: str = "") -> None:
    answers = await ctx.answers()
    if not answers:
        ctx.note(ctx.t("summary_empty"))
        return
    ctx.open_menu(Place(Screen.SUMMARY))
    ctx.report = await build_report_data(ctx.content, ctx.tx, ctx.active, ctx.now)
    ctx.report_kinds = ("chart",)


async def press_show(ctx: Ctx, p: Payload) -> bool:
    if ctx.assessment is None or p.int(0) != ctx.active.id or not await ctx.answers():
        return False
    ctx.open_menu(Place(Screen.SUMMARY))
    return True


async def summary_view(ctx: Ctx) -> Message:
    """At most ~1,500 characters: scores, how many open points, the most urgent three, buttons for the rest."""
    answers = await ctx.answers()
    aid = ctx.active.id
    lines = [ctx.t("summary_title", municipality=ctx.municipality_name(), round=ctx.active.round),
             progress_line(ctx, len(answers)), "", ctx.t("summary_scores_title")]  # fmt: skip
    members = await ctx.tx.members(ctx.active.id)
    if len(members) > 1 or any(a.answered_by != ctx.user.id for a in answers.values()):
        counts: dict[str, int] = {}
        for a in answers.values():
            name = clean_name(a.answered_by_name) or ctx.label("someone")
            counts[name] = counts.get(name, 0) + 1
        names = ", ".join(f"{name} ({n})" for name, n in sorted(counts.items(), key=lambda kv: -kv[1])[:5])
        lines.insert(2, ctx.t("summary_contributors", names=names))
    before: dict[int, object] = {}
    previous: dict = {}  # type: ignore[type-arg]
    if ctx.active.previous_id is not None:
        previous = await ctx.tx.current_answers(ctx.active.previous_id)
        before = {s.theme_id: s for s in theme_scores(ctx.content, previous)}
    scores = theme_scores(ctx.content, answers)
    for s in scores:
        line = f"{s.theme_id}. {esc(s.title)}: {score_text(ctx, s)}"
        old = before.get(s.theme_id)
        if old is not None and old.started:  # type: ignore[attr-defined]
            after = f"{s.percent}%" if s.started else ctx.label("not_started")
            line += " · " + ctx.t("summary_change", before=f"{old.percent}%", after=after)  # type: ignore[attr-defined]
        lines.append(line)
    if before:
        improved = [c.number for c in ctx.content.checks if c.id in answers and c.id in previous
                    and AnswerValue(previous[c.id].answer) is AnswerValue.NEE
                    and AnswerValue(answers[c.id].answer) is AnswerValue.JA]  # fmt: skip
        if improved:
            lines.append(ctx.t("summary_improved", checks=", ".join(map(str, improved[:12])), total=len(ctx.content.checks)))
    points = answered_open_points(ctx.content, answers)
    unanswered = len(ctx.content.checks) - len(answers)
    lines.append("")
    if points:
        key = "summary_open_count_one" if len(points) == 1 else "summary_open_count"
        lines.append(ctx.t(key, count=len(points), unanswered=unanswered))
        lines.append(ctx.t("summary_urgent_title"))
        for p in points[:URGENT]:
            lines.append(f"{p.answer_value.icon} {esc(ctx.check_ref(p.check))}: {esc(short(p.check.text))}")  # type: ignore[union-attr]
    elif unanswered:
        lines.append(ctx.t("summary_no_open_yet", unanswered=unanswered))
    else:
        lines.append(ctx.t("summary_no_open"))
    rows: list[tuple[Button, ...]] = []
    started = [s for s in scores if s.started]
    theme_buttons = [Button(ctx.label("summary_theme_button", number=s.theme_id), payloads.make("sd", aid, s.theme_id))
                     for s in started]  # fmt: skip
    for i in range(0, len(theme_buttons), 3):
        rows.append(tuple(theme_buttons[i : i + 3]))
    if points:
        rows.append((Button(ctx.label("summary_all_open_button", count=len(points)), payloads.make("sd", aid, 0)),))
    rows.append((Button(ctx.label("report_button"), payloads.make("sr", aid)),))
    rows.append((Button(ctx.label("resume_button"), payloads.make("q")),))
    return Message("\n".join(lines), tuple(rows))


def resource_line(resource: Resource) -> str:
    if resource.url:
        return f"• {link(resource.title, resource.url)}"
    extra = f" – {esc(resource.availability)}" if resource.availability else ""
    return f"• {esc(resource.title)}{extra}"


async def press_detail(ctx: Ctx, p: Payload) -> bool:
    """A theme's details (or every open point), as new messages to scroll back to."""
    if ctx.place.screen is not Screen.SUMMARY or ctx.assessment is None or p.int(0) != ctx.active.id:
        return False
    answers = await ctx.answers()
    members = await ctx.tx.members(ctx.active.id)
    team = len(members) > 1 or any(a.answered_by != ctx.user.id for a in answers.values())
    theme_id = p.int(1)
    sections: list[str] = []
    if theme_id == 0:
        points = answered_open_points(ctx.content, answers)
        lines = [ctx.t("summary_open_title")]
        for point in points:
            lines.append(check_line(ctx, point.check.id, answers, team))
        sections.append("\n".join(lines) if points else ctx.t("summary_no_open"))
    else:
        theme = ctx.content.theme(theme_id)
        score = next(s for s in theme_scores(ctx.content, answers) if s.theme_id == theme_id)
        sections.append(ctx.t("summary_theme_title", number=theme.id, title=theme.title) + "\n"
                        + ctx.t("theme_score", score=score_text(ctx, score)))  # fmt: skip
        sections.append("\n".join(check_line(ctx, c.id, answers, team) for c in theme.checks))
        if answered_open_points(ctx.content, answers, theme_id):
            sections.append("\n".join([ctx.t("theme_actions_title"), *(f"• {esc(a)}" for a in theme.actions)]))
            resources = ctx.content.theme_resources(theme_id)
            if resources:
                sections.append("\n".join([ctx.t("summary_links_title"), *(resource_line(r) for r in resources)]))
    for text in pack(sections):
        ctx.keep(text)
    ctx.silent = True
    return True


def check_line(ctx: Ctx, check_id: str, answers: dict, team: bool) -> str:  # type: ignore[type-arg]
    check = ctx.content.check(check_id)
    answer = answers.get(check_id)
    value = AnswerValue(answer.answer) if answer else None
    line = f"{ctx.answer_text(value).split(' ')[0]} <b>{esc(ctx.check_ref(check))}</b> {esc(check.text)}"
    line += f" ({esc(ctx.answer_text(value, icon=False))})"
    if team and answer is not None:
        line += " – " + ctx.t("summary_by", name=clean_name(answer.answered_by_name) or ctx.label("someone"))
    if answer is not None and answer.note:
        line += "\n    " + ctx.t("summary_note", note=answer.note)
    return line


async def cmd_report(ctx: Ctx, _: str = "") -> None:
    if not await ctx.answers():
        ctx.note(ctx.t("report_nothing_yet"))
        return
    ctx.report = await build_report_data(ctx.content, ctx.tx, ctx.active, ctx.now)
    ctx.report_kinds = ("pdf",)
    ctx.note(ctx.t("report_coming"))
    ctx.brief = True


async def press_report(ctx: Ctx, p: Payload) -> bool:
    if ctx.assessment is None or p.int(0) != ctx.active.id:
        return False
    if not await ctx.answers():
        ctx.toast = ctx.label("report_nothing_toast")
        return True
    ctx.report = await build_report_data(ctx.content, ctx.tx, ctx.active, ctx.now)
    ctx.report_kinds = ("pdf",)
    ctx.toast = ctx.label("report_coming_toast")
    ctx.silent = True
    return True
