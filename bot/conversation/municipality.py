"""Choosing the municipality (by its name, an alias or a place in it) and switching between checklists."""

from __future__ import annotations

from dataclasses import replace

from bot import payloads
from bot.conversation.context import Ctx
from bot.conversation.place import Place, Screen
from bot.payloads import Payload
from bot.views import Button, Message
from content.model import Municipality

PAGE = 6  # checklists per page of /gemeente: a phone shows the whole keyboard


def ask_municipality(ctx: Ctx, *, over: bool = False) -> None:
    place = Place(Screen.MUNICIPALITY)
    if over and ctx.assessment is not None:
        ctx.push(place)  # "Andere gemeente": Annuleren goes back
    else:
        ctx.reset(place)


def finds(ctx: Ctx, text: str) -> str:
    """The finder's kind for ``text`` ("exact", "place", "ambiguous", "suggestions", "none")."""
    return ctx.engine.municipalities.find(text[:100]).kind


async def typed_name(ctx: Ctx, text: str) -> None:
    """A name typed where a municipality is expected (or before anything else)."""
    from bot.conversation.commands import welcome

    cleaned = " ".join(text.split())[:100]
    match = ctx.engine.municipalities.find(cleaned)
    if ctx.place.screen is Screen.NOWHERE and match.kind not in ("exact", "place"):
        await welcome(ctx)  # typed before /start: a name is welcome, anything else gets the welcome
        return
    place_name = getattr(match, "place", None)
    if match.kind in ("exact", "place") and match.municipality is not None:
        if match.kind == "place" and place_name:
            ctx.note(ctx.t("municipality_by_place", place=place_name, municipality=match.municipality.name))
        await choose(ctx, match.municipality.code)
        return
    if match.kind == "none" or not match.candidates:
        ctx.note(ctx.t("municipality_unknown", query=cleaned[:60]))
        if ctx.place.screen is not Screen.MUNICIPALITY:
            ask_municipality(ctx)
        ctx.go(replace(ctx.place, candidates=()))
        return
    if match.kind == "ambiguous":
        key = "municipality_place_ambiguous" if place_name else "municipality_ambiguous"
    else:
        key = "municipality_suggestions"
    ctx.note(ctx.t(key, query=cleaned[:60], place=place_name or ""))
    ctx.go(replace(ctx.place, screen=Screen.MUNICIPALITY, candidates=tuple(m.code for m in match.candidates)))


async def press_municipality(ctx: Ctx, p: Payload) -> bool:
    if ctx.place.screen is not Screen.MUNICIPALITY or p.args[0] not in ctx.place.candidates:
        return False
    await choose(ctx, p.args[0])
    return True


async def choose(ctx: Ctx, code: str) -> None:
    from bot.conversation.checklist import go_check, resume

    existing = [a for a in await ctx.tx.assessments_of(ctx.user.id) if a.municipality_code == code]
    if existing:
        await activate(ctx, existing[-1])
        ctx.note(ctx.t("municipality_resumed", municipality=ctx.municipality_name()))
        await resume(ctx)
        return
    assessment = await ctx.tx.create_assessment(code, ctx.user.id, ctx.now)
    await activate(ctx, assessment)
    m = ctx.content.municipality(code)
    ctx.note(ctx.t("municipality_chosen", municipality=m.name, province=m.province))
    await go_check(ctx, ctx.content.checks[0], intro=True)


async def activate(ctx: Ctx, assessment) -> None:  # type: ignore[no-untyped-def]
    ctx.assessment = assessment
    ctx.forget_answers()
    ctx.reset(Place())
    await ctx.tx.set_active_assessment(ctx.user.id, assessment.id)


def candidate_label(m: Municipality) -> str:
    return f"{m.name} ({m.province})"


async def municipality_view(ctx: Ctx) -> Message:
    rows = [
        (Button(candidate_label(m), payloads.make("m", m.code)),)
        for m in (ctx.content.municipality(c) for c in ctx.place.candidates if ctx.content.has_municipality(c))
    ]
    if ctx.place.back:
        rows.append((Button(ctx.label("cancel_button"), payloads.make("q")),))
    text = ctx.t("municipality_choose") if ctx.place.candidates else ctx.t("ask_municipality")
    return Message(text, tuple(rows))


# -- /gemeente: the user's checklists ------------------------------------------------------------
async def cmd_municipality(ctx: Ctx, _: str = "") -> None:
    if ctx.assessment is None:
        ask_municipality(ctx)
        return
    ctx.open_menu(Place(Screen.ASSESSMENTS))


async def assessments_view(ctx: Ctx) -> Message:
    answers = await ctx.answers()
    total = len(ctx.content.checks)
    parts = [ctx.t("assessments_title", municipality=ctx.municipality_name(), round=ctx.active.round,
                   answered=len(answers), total=total)]  # fmt: skip
    others = [a for a in await ctx.tx.assessments_of(ctx.user.id) if a.id != ctx.active.id]
    pages = max(1, -(-len(others) // PAGE))
    page = min(ctx.place.page, pages - 1)
    rows = []
    for other in others[page * PAGE : (page + 1) * PAGE]:
        name = ctx.content.municipality(other.municipality_code).name
        count = len(await ctx.tx.current_answers(other.id))
        rows.append((Button(ctx.label("assessment_button", municipality=name, round=other.round, answered=count,
                                      total=total)[:60], payloads.make("g", other.id)),))  # fmt: skip
    if pages > 1:
        parts.append(ctx.t("page_of", page=page + 1, pages=pages))
        rows.append((Button(ctx.label("more_button"), payloads.make("pg", (page + 1) % pages)),))
    parts.append(ctx.t("assessments_other" if others else "assessments_none_other"))
    rows.append((Button(ctx.label("new_assessment_button"), payloads.make("n")),))
    rows.append((Button(ctx.label("cancel_button"), payloads.make("q")),))
    return Message("\n\n".join(parts), tuple(rows))


async def press_switch(ctx: Ctx, p: Payload) -> bool:
    from bot.conversation.checklist import resume

    if ctx.place.screen is not Screen.ASSESSMENTS:
        return False
    target = await ctx.tx.assessment_for_member(p.int(0), ctx.user.id)
    if target is None:
        return False
    await activate(ctx, target)
    ctx.note(ctx.t("municipality_resumed", municipality=ctx.municipality_name()))
    await resume(ctx)
    return True


async def press_new(ctx: Ctx, p: Payload) -> bool:
    if ctx.place.screen is not Screen.ASSESSMENTS:
        return False
    ctx.pop()
    ask_municipality(ctx, over=True)
    return True


async def press_page(ctx: Ctx, p: Payload) -> bool:
    if ctx.place.screen not in (Screen.ASSESSMENTS, Screen.TEAM):
        return False
    ctx.go(replace(ctx.place, page=p.int(0)))
    return True
