"""Typed questions: the answer composed by :mod:`bot.answering` (contract §3), and "Bedoelt u…"."""

from __future__ import annotations

from bot import payloads
from bot.answering import AnswerKind, Composed, cut_label
from bot.conversation.context import Ctx
from bot.conversation.place import Place, Screen
from bot.payloads import Payload
from bot.views import Button, Message

QUESTION_CHARS = 500


async def answer_question(ctx: Ctx, composed: Composed) -> None:
    """The answer to a typed question, to scroll back to; then the screen once more, briefly."""
    if composed.log_text is not None:
        await ctx.tx.log_question(composed.log_text, composed.kind.value, ctx.now, user_id=ctx.user.id)
    if ctx.place.screen is Screen.CHOICES:
        ctx.pop()  # a new question replaces the "Bedoelt u…" of the last one
    if composed.kind is AnswerKind.UNSURE and composed.choices:
        # each choice as "kind:id:label": the label is shown again without searching again
        ctx.push(Place(Screen.CHOICES, choices=tuple(f"{c.kind}:{c.id}:{c.label}" for c in composed.choices)))
        ctx.note(composed.text)
        return
    ctx.keep(composed.text)
    ctx.brief = True


async def choices_view(ctx: Ctx) -> Message:
    rows = []
    for choice in ctx.place.choices:
        kind, id, label = (choice.split(":", 2) + ["", ""])[:3]
        if payloads.parse(f"1|r|{id}") is None:
            continue
        rows.append((Button(cut_label(label or id), payloads.make("r" if kind == "resource" else "e", id)),))
    rows.append((Button(ctx.label("none_of_these_button"), payloads.make("nn")),))
    return Message(ctx.t("question_unsure"), tuple(rows))


async def press_pick(ctx: Ctx, p: Payload) -> bool:
    kind = "resource" if p.kind == "r" else "example"
    offered = {":".join(c.split(":", 2)[:2]) for c in ctx.place.choices}
    if ctx.place.screen is not Screen.CHOICES or f"{kind}:{p.args[0]}" not in offered:
        return False
    html = ctx.engine.answerer.compose_pick(kind, p.args[0])
    if html is None:
        return False
    ctx.edit = Message(html)  # the pressed "Bedoelt u…" becomes the answer
    ctx.pop()
    return True


async def press_none(ctx: Ctx, p: Payload) -> bool:
    if ctx.place.screen is not Screen.CHOICES:
        return False
    ctx.pop()
    ctx.note(ctx.t("none_of_these_done"))
    return True
