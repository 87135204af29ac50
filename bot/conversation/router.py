"""The router: the one place that reads an event against the table and renders the next screen."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from bot import payloads
from bot.answering import AnswerKind, Composed
from bot.conversation import checklist, municipality, questions
from bot.conversation.commands import run_command
from bot.conversation.context import Ctx
from bot.conversation.place import Screen
from bot.conversation.table import ANYWHERE, TABLE, ScreenSpec
from bot.conversation.typed import OutOfRange, answer_word, match_button, word_list
from bot.events import Command, Event, Press, Text
from bot.html import esc, pack, units
from bot.payloads import Payload
from bot.views import MAX_MESSAGE_CHARS, Button, Message, Reply

SAFETY = frozenset({AnswerKind.URGENT, AnswerKind.CONCERN})
RouteKind = Literal["empty", "button", "range", "numbers", "answer", "not_here", "input", "maybe_ask", "ask"]


@dataclass(frozen=True, slots=True)
class Route:
    kind: RouteKind
    button: Button | None = None
    count: int = 0

    @property
    def needs_answer(self) -> bool:
        """Whether the matcher's answer is needed (compose it outside the transaction)."""
        return self.kind in ("ask", "maybe_ask")


def synonyms(ctx: Ctx, spec: ScreenSpec) -> dict[str, tuple[str, ...]]:
    out: dict[str, tuple[str, ...]] = {}
    for key, kinds in spec.words.items():
        for word in word_list(ctx.content, key):
            out.setdefault(word, kinds)
    return out


async def classify(ctx: Ctx, text: str) -> Route:
    """What typed text means on the current screen. Reads only: it also runs before the transaction."""
    cleaned = " ".join(text.split())
    if not cleaned:
        return Route("empty")
    spec = TABLE[ctx.place.screen]
    if ctx.place.screen is Screen.NOWHERE:
        return Route("input")
    if spec.numbers is not None and cleaned.isdigit():
        return Route("numbers")
    view = await spec.view(ctx)
    found = match_button(cleaned, [b for row in view.buttons for b in row], synonyms(ctx, spec))
    if isinstance(found, Button):
        return Route("button", button=found)
    if isinstance(found, OutOfRange) and not spec.input:
        return Route("range", count=found.count)
    if answer_word(ctx.content, cleaned) is not None:
        return Route("answer" if spec.answers else "not_here")  # an answer word where no question is
    if spec.input:
        kind = municipality.finds(ctx, cleaned)
        return Route("maybe_ask" if kind in ("none", "suggestions") else "input")
    return Route("ask")


async def dispatch(ctx: Ctx, event: Event, composed: Composed | None = None) -> None:
    if ctx.place.screen is Screen.NOWHERE and ctx.assessment is not None and not isinstance(event, Command):
        await checklist.resume(ctx)
    if isinstance(event, Command):
        await run_command(ctx, event.name, event.args)
    elif isinstance(event, Press):
        ctx.pressed = True
        payload = payloads.parse(event.data)
        if payload is not None and double_tap(ctx, payload):
            ctx.toast = ctx.label("already_saved")
            ctx.silent = True  # the message already shows the next question: nothing to send
        elif payload is None or not await press(ctx, payload):
            expired(ctx)
    elif isinstance(event, Text):
        await typed(ctx, event.text, composed)


async def press(ctx: Ctx, p: Payload) -> bool:
    if p.kind in payloads.OF_ASSESSMENT and (ctx.assessment is None or p.int(0) != ctx.assessment.id):
        return False  # a button of another checklist (an old one, or forged)
    handler = TABLE[ctx.place.screen].presses.get(p.kind) or ANYWHERE.get(p.kind)
    return handler is not None and await handler(ctx, p)


def double_tap(ctx: Ctx, p: Payload) -> bool:
    """The answer button of the question just answered, pressed again before the edit arrived."""
    last = ctx.place.last
    return (p.kind == "a" and last is not None and last.check == p.args[1] and last.value == p.answer().value
            and ctx.assessment is not None and p.int(0) == ctx.assessment.id)  # fmt: skip


def expired(ctx: Ctx) -> None:
    """A button that does not fit the place: nothing changes; the place is shown as a new message."""
    ctx.toast = ctx.label("expired_button")
    ctx.pressed = False
    ctx.notes.clear()
    ctx.scroll.clear()
    ctx.edit = None
    ctx.silent = False


async def typed(ctx: Ctx, text: str, composed: Composed | None) -> None:
    if composed is not None and composed.kind in SAFETY:
        await questions.answer_question(ctx, composed)  # help first, whatever the screen; nothing else changes
        return
    route = await classify(ctx, text)
    cleaned = " ".join(text.split())
    if route.kind == "empty":
        ctx.note(ctx.t("use_buttons" if ctx.place.screen is Screen.QUESTION else "use_buttons_general"))
    elif route.kind == "button":
        assert route.button is not None
        payload = payloads.parse(route.button.data)
        if payload is None or not await press(ctx, payload):
            expired(ctx)
    elif route.kind == "range":
        ctx.note(ctx.t("choose_range", count=route.count))
    elif route.kind == "numbers":
        handler = TABLE[ctx.place.screen].numbers
        assert handler is not None
        await handler(ctx, cleaned)
    elif route.kind == "answer":
        await checklist.typed_answer(ctx, cleaned)
    elif route.kind == "not_here":
        ctx.note(ctx.t("no_question_here"))
    elif route.kind == "input":
        await municipality.typed_name(ctx, cleaned)
    else:
        composed = composed or ctx.engine.answerer.compose(cleaned[: questions.QUESTION_CHARS])
        if route.kind == "maybe_ask" and composed.kind.value != "confident":
            await municipality.typed_name(ctx, cleaned)
        else:
            await questions.answer_question(ctx, composed)


async def finish(ctx: Ctx) -> Reply:
    """Save the place and render it: the only place a screen is drawn."""
    if not ctx.deleted:
        if ctx.place.screen is Screen.NOWHERE:
            await checklist.resume(ctx)
        await ctx.save()
    screen: Message | None = None
    if not ctx.silent and not ctx.deleted:
        view = await TABLE[ctx.place.screen].view(ctx)
        screen = Message("\n\n".join([*ctx.notes, view.text]), view.buttons)
    elif ctx.notes:
        screen = Message("\n\n".join(ctx.notes))
    parts = split(screen) if screen is not None else []
    ctx.scroll = [part for message in ctx.scroll for part in split(message)]  # each within Telegram's limit
    if ctx.edit is not None and units(ctx.edit.text) > MAX_MESSAGE_CHARS:
        first, *rest = split(ctx.edit)
        ctx.edit, ctx.scroll = first, [*rest, *ctx.scroll]
    if ctx.pressed:
        if ctx.edit is not None:
            edit, messages = ctx.edit, [*ctx.scroll, *parts]
        elif ctx.scroll or not parts:
            edit, messages = None, [*ctx.scroll, *parts]
        else:
            edit, messages = parts[0], parts[1:]
    else:
        edit, messages = None, [*ctx.scroll, *([ctx.edit] if ctx.edit else []), *parts]
        if not messages and ctx.toast:  # a button named by typing: there is no tap to answer with a toast
            messages = [Message(esc(ctx.toast))]
    return Reply(messages=tuple(messages), edit=edit, toast=ctx.toast, documents=tuple(ctx.documents),
                 notices=tuple(ctx.notices))  # fmt: skip


async def render_current(ctx: Ctx) -> Message:
    """The current place, for a redelivered update: reads only."""
    if ctx.place.screen is Screen.NOWHERE:
        return Message(ctx.t("no_assessment") if ctx.assessment is None else ctx.t("paused"))
    return (await TABLE[ctx.place.screen].view(ctx))


def split(message: Message) -> list[Message]:
    """A message within Telegram's 4096 characters, or several; the buttons go with the last."""
    texts = pack([message.text])
    return [Message(t) for t in texts[:-1]] + [Message(texts[-1], message.buttons)]
