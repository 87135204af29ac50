"""Changing an answer (/wijzig, /wijzig 7) and going to another theme (/thema, /thema 3)."""

from __future__ import annotations

from bot import payloads
from bot.conversation.checklist import go_check
from bot.conversation.context import Ctx
from bot.conversation.place import Place, Screen
from bot.html import esc
from bot.payloads import Payload
from bot.views import Button, Message
from content.model import AnswerValue


def number_arg(text: str, top: int) -> int | None:
    word = text.strip().split(" ", 1)[0].rstrip(".:")
    return int(word) if word.isdigit() and 1 <= int(word) <= top else None


def change_check(ctx: Ctx, number: int) -> None:
    """Open "vraag N/24" to change its answer, over the place the user was."""
    check = ctx.content.checks[number - 1]
    if ctx.place.screen in (Screen.CHANGE_THEME, Screen.CHANGE_CHECK):
        ctx.go(Place(Screen.QUESTION, check=check.id, mode="change"))
    else:
        ctx.open_menu(Place(Screen.QUESTION, check=check.id, mode="change"))


async def cmd_change(ctx: Ctx, args: str = "") -> None:
    number = number_arg(args, len(ctx.content.checks))
    if number is not None:
        change_check(ctx, number)
        return
    if args.strip():
        ctx.note(ctx.t("change_usage", total=len(ctx.content.checks)))
    ctx.open_menu(Place(Screen.CHANGE_THEME))


async def typed_check_number(ctx: Ctx, text: str) -> bool:
    """On the change menus a typed number is the one numbering: "7" is vraag 7/24."""
    word = text.strip()
    if not word.isdigit():
        return False
    number = number_arg(word, len(ctx.content.checks))
    if number is None:
        ctx.note(ctx.t("choose_check_range", total=len(ctx.content.checks)))
        return True
    change_check(ctx, number)
    return True


async def theme_menu_view(ctx: Ctx) -> Message:
    answers = await ctx.answers()
    change = ctx.place.screen is Screen.CHANGE_THEME
    rows = []
    for theme in ctx.content.themes:
        done = sum(1 for c in theme.checks if c.id in answers)
        label = f"{theme.id}. {theme.title} ({done}/{len(theme.checks)})"
        rows.append((Button(label, payloads.make("c" if change else "t", ctx.active.id, theme.id)),))
    rows.append((Button(ctx.label("cancel_button"), payloads.make("q")),))
    text = ctx.t("change_choose_theme", total=len(ctx.content.checks)) if change else ctx.t("jump_choose_theme")
    return Message(text, tuple(rows))


async def check_menu_view(ctx: Ctx) -> Message:
    answers = await ctx.answers()
    assert ctx.place.theme is not None
    theme = ctx.content.theme(ctx.place.theme)
    lines = [ctx.t("change_choose_check", title=theme.title)]
    buttons = []
    for check in theme.checks:
        value = AnswerValue(answers[check.id].answer) if check.id in answers else None
        lines.append(f"<b>{esc(ctx.check_ref(check))}</b> {esc(check.text)} — {esc(ctx.answer_text(value))}")
        label = ctx.label("change_check_button", number=check.number, answer=ctx.answer_text(value))
        buttons.append(Button(label, payloads.make("k", ctx.active.id, check.id)))
    rows = [tuple(buttons[i : i + 2]) for i in range(0, len(buttons), 2)]
    rows.append((Button(ctx.label("change_back_button"), payloads.make("b", ctx.active.id)),
                 Button(ctx.label("cancel_button"), payloads.make("q"))))  # fmt: skip
    return Message("\n\n".join(lines), tuple(rows))


def mine(ctx: Ctx, p: Payload) -> bool:
    return ctx.assessment is not None and p.int(0) == ctx.active.id


async def press_change_theme(ctx: Ctx, p: Payload) -> bool:
    if not mine(ctx, p) or ctx.place.screen not in (Screen.CHANGE_THEME, Screen.CHANGE_CHECK):
        return False
    ctx.go(Place(Screen.CHANGE_CHECK, theme=p.int(1)))
    return True


async def press_change_back(ctx: Ctx, p: Payload) -> bool:
    if not mine(ctx, p) or ctx.place.screen is not Screen.CHANGE_CHECK:
        return False
    ctx.go(Place(Screen.CHANGE_THEME))
    return True


async def press_change_check(ctx: Ctx, p: Payload) -> bool:
    if not mine(ctx, p) or ctx.place.screen is not Screen.CHANGE_CHECK or not ctx.content.has_check(p.args[1]):
        return False
    check = ctx.content.check(p.args[1])
    if check.theme_id != ctx.place.theme:
        return False
    change_check(ctx, check.number)
    return True


async def cmd_jump(ctx: Ctx, args: str = "") -> None:
    number = number_arg(args, len(ctx.content.themes))
    if number is not None:
        await jump(ctx, number)
        return
    ctx.open_menu(Place(Screen.JUMP_THEME))


async def jump(ctx: Ctx, theme_id: int) -> None:
    theme = ctx.content.theme(theme_id)
    answers = await ctx.answers()
    target = next((c for c in theme.checks if c.id not in answers), theme.checks[0])
    await go_check(ctx, target, intro=True)


async def press_jump(ctx: Ctx, p: Payload) -> bool:
    if not mine(ctx, p) or ctx.place.screen is not Screen.JUMP_THEME:
        return False
    await jump(ctx, p.int(1))
    return True
