"""THE routing table: for every screen, its view, the buttons it accepts and what typed text means on it.

Typed text is read in this order (see :mod:`bot.conversation.router`): a
command; a number or word naming a button of the screen (its position, its
label, the label's first word, a synonym listed under ``words``); the
screen's own ``numbers`` rule; on a question screen an answer word; the
screen's free ``input`` (a municipality name); otherwise a question for the
matcher. Only screens with ``answers=True`` let typed text change an answer.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from bot.conversation import changes, checklist, municipality, privacy, questions, rounds, summary, teams
from bot.conversation.checklist_views import end_view, question_view, theme_done_view
from bot.conversation.context import Ctx
from bot.conversation.place import Screen
from bot.payloads import Payload
from bot.views import Message

View = Callable[[Ctx], Awaitable[Message]]
PressHandler = Callable[[Ctx, Payload], Awaitable[bool]]
TypedHandler = Callable[[Ctx, str], Awaitable[bool]]


async def close(ctx: Ctx, p: Payload) -> bool:
    """Close this menu: back to the place under it."""
    ctx.pop()
    return True


async def cancel(ctx: Ctx, p: Payload) -> bool:
    ctx.pop()
    ctx.note(ctx.t("cancelled"))
    return True


async def resume(ctx: Ctx, p: Payload) -> bool:
    await checklist.resume(ctx)
    return True


async def nowhere_view(ctx: Ctx) -> Message:  # the router resumes before it renders: only a fallback
    return Message(ctx.t("paused"))


@dataclass(frozen=True)
class ScreenSpec:
    view: View
    presses: Mapping[str, PressHandler] = field(default_factory=dict)
    words: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # texts key of a word list -> button kinds
    numbers: TypedHandler | None = None  # what a typed number means here, instead of the n-th button
    answers: bool = False  # typed answer words answer the question on screen
    input: bool = False  # typed text that names no button is input here (a municipality name)


def spec(view: View, presses: Mapping[str, PressHandler] | None = None, **kw: object) -> ScreenSpec:
    return ScreenSpec(view, MappingProxyType(dict(presses or {})), **kw)  # type: ignore[arg-type]


# Buttons that work wherever they are pressed (each checks what it names itself).
ANYWHERE: Mapping[str, PressHandler] = MappingProxyType({
    "u": resume,
    "i": teams.press_revoke,
    "ss": summary.press_show,
    "sr": summary.press_report,
})

ONWARD = {"words_onward": ("v", "f")}

TABLE: Mapping[Screen, ScreenSpec] = MappingProxyType({
    Screen.NOWHERE: spec(nowhere_view, input=True),
    Screen.MUNICIPALITY: spec(municipality.municipality_view, {"m": municipality.press_municipality, "q": cancel},
                              input=True),
    Screen.QUESTION: spec(question_view, {"a": checklist.press_answer, "w": checklist.press_why, "s": checklist.press_skip,
                                          "j": checklist.press_back, "q": cancel}, answers=True),
    Screen.THEME_DONE: spec(theme_done_view, {"v": checklist.press_next_theme, "f": checklist.press_finish,
                                              "j": checklist.press_back}, words=ONWARD),
    Screen.END: spec(end_view, {"o": checklist.press_open, "j": checklist.press_back},
                     words={"words_onward": ("o", "ss")}),
    Screen.SUMMARY: spec(summary.summary_view, {"sd": summary.press_detail, "q": close},
                         words={"words_onward": ("q",)}),
    Screen.CHANGE_THEME: spec(changes.theme_menu_view, {"c": changes.press_change_theme, "q": cancel},
                              numbers=changes.typed_check_number),
    Screen.CHANGE_CHECK: spec(changes.check_menu_view, {"k": changes.press_change_check, "b": changes.press_change_back,
                                                         "c": changes.press_change_theme, "q": cancel},
                              numbers=changes.typed_check_number),
    Screen.JUMP_THEME: spec(changes.theme_menu_view, {"t": changes.press_jump, "q": cancel}),
    Screen.ASSESSMENTS: spec(municipality.assessments_view, {"g": municipality.press_switch, "n": municipality.press_new,
                                                              "pg": municipality.press_page, "q": cancel}),
    Screen.CONFIRM_DELETE: spec(privacy.delete_view, {"x": privacy.press_delete}),
    Screen.CONFIRM_ROUND: spec(rounds.round_view, {"p": rounds.press_new_round, "q": cancel},
                               words={"words_no": ("q",)}),
    Screen.JOIN: spec(teams.join_view, {"y": teams.press_join, "z": teams.press_decline},
                      words={"words_yes": ("y",), "words_no": ("z",)}),
    Screen.TEAM: spec(teams.team_view, {"d": teams.press_team_change, "h": teams.press_team_change,
                                        "ia": teams.press_revoke_all,
                                        "pg": municipality.press_page, "q": close}),
    Screen.PAUSED: spec(rounds.paused_view, {"l": rounds.press_reminders}),
    Screen.REMINDERS: spec(rounds.reminders_view, {"l": rounds.press_reminders, "q": close},
                           words={"words_yes": ("l",), "words_no": ("q",)}),
    Screen.CHOICES: spec(questions.choices_view, {"r": questions.press_pick, "e": questions.press_pick,
                                                  "nn": questions.press_none}, words={"words_none": ("nn",)}),
})  # fmt: skip

assert set(TABLE) == set(Screen), "every screen is in the table"
