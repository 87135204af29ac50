"""Shared set-ups for the conversation tests: a quick answerer and ways to reach every screen."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from bot.answering import AnswerKind, Choice, Composed
from content.model import Content
from content.safety import SafetyRule
from storage.store import Store
from tests.driver import Driver


class StubSafety:
    """The real, cheap safety rule of contract §3's Answerer, for answerers that stand in for it."""

    _rule = SafetyRule()

    def safety(self, text: str) -> AnswerKind | None:
        found = self._rule.classify(text)
        return None if found is None else AnswerKind.URGENT if found == "urgent" else AnswerKind.CONCERN

    def safety_answer(self, question: str) -> Composed | None:
        kind = self.safety(question)
        return None if kind is None else Composed(kind, "Bel 112 bij acuut gevaar; Veilig Thuis 0800-2000.", (), None)


class StubAnswerer(StubSafety):
    """contract §3's Answerer, answering at once: "bedoelt" -> Bedoelt u…, "hallo" -> greeting, else none."""

    def __init__(self, content: Content) -> None:
        self.content = content
        self.ids = list(content.resources)[:2]

    def compose(self, question: str) -> Composed:
        if (safe := self.safety_answer(question)) is not None:
            return safe
        if "bedoelt" in question.lower():
            choices = tuple(Choice(self.content.resources[r].title[:40], "resource", r) for r in self.ids)
            return Composed(AnswerKind.UNSURE, "Ik weet niet zeker wat u zoekt. Bedoelt u een van deze?", choices, "q")
        if "comensha" in question.lower():
            return Composed(AnswerKind.CONFIDENT, "<b>Dit kan u helpen:</b> CoMensha", (), None)
        return Composed(AnswerKind.NONE, "Daar weet ik helaas geen antwoord op.", (), "q")

    def compose_pick(self, kind: str, id: str) -> str | None:
        return f"<b>{self.content.resources[id].title}</b>" if id in self.content.resources else None


async def answers_of(store: Store, key: str) -> dict[str, str]:
    async with store.transaction(write=False) as tx:
        user = await tx.find_user(key)
        if user is None or user.active_assessment_id is None:
            return {}
        return {k: a.answer for k, a in (await tx.current_answers(user.active_assessment_id)).items()}


async def all_answers_of(store: Store, key: str) -> dict[tuple[int, str], str]:
    """Every current answer in the user's checklists, by (assessment, check)."""
    async with store.transaction(write=False) as tx:
        user = await tx.find_user(key)
        out: dict[tuple[int, str], str] = {}
        for assessment in await tx.assessments_of(user.id) if user else []:
            for k, a in (await tx.current_answers(assessment.id)).items():
                out[(assessment.id, k)] = a.answer
        return out


async def existing(store: Store) -> set[int]:
    async with store.db.conn.execute("SELECT id FROM assessments") as cur:
        return {r[0] for r in await cur.fetchall()}


async def place_of(store: Store, key: str) -> str:
    async with store.transaction(write=False) as tx:
        user = await tx.find_user(key)
        state = await tx.get_state(user.id) if user else None
    return (state or {}).get("screen", "nowhere")


async def started(u: Driver) -> None:
    await u.cmd("/start")
    await u.text("Enschede")


async def on_question(u: Driver) -> None:
    await started(u)
    await u.press("Ja")


async def on_theme_done(u: Driver) -> None:
    await started(u)
    for label in ["Ja", "Nee", "Deels", "Ja"]:
        await u.press(label)


async def on_end(u: Driver) -> None:
    await started(u)
    await u.cmd("/thema 5")
    for label in ["Ja", "Nee", "Deels", "Ja"]:
        await u.press(label)


async def with_command(command: str, before: Callable[[Driver], Awaitable[None]] = on_question) -> Callable[[Driver], Awaitable[None]]:
    async def go(u: Driver) -> None:
        await before(u)
        await u.cmd(command)

    return go  # type: ignore[return-value]


def after(*steps: Callable[[Driver], Awaitable[object]]) -> Callable[[Driver], Awaitable[None]]:
    async def go(u: Driver) -> None:
        for step in steps:
            await step(u)

    return go


SCREENS: dict[str, Callable[[Driver], Awaitable[None]]] = {
    "municipality": lambda u: u.cmd("/start"),  # type: ignore[dict-item]
    "municipality_candidates": after(lambda u: u.cmd("/start"), lambda u: u.text("Bergen")),
    "question": on_question,
    "theme_done": on_theme_done,
    "end": on_end,
    "summary": after(on_question, lambda u: u.cmd("/samenvatting")),
    "change_theme": after(on_question, lambda u: u.cmd("/wijzig")),
    "change_check": after(on_question, lambda u: u.cmd("/wijzig"), lambda u: u.press(u.labels[0])),
    "jump_theme": after(on_question, lambda u: u.cmd("/thema")),
    "assessments": after(on_question, lambda u: u.cmd("/gemeente")),
    "confirm_delete": after(on_question, lambda u: u.cmd("/verwijder")),
    "confirm_round": after(on_question, lambda u: u.cmd("/opnieuw")),
    "team": after(on_question, lambda u: u.cmd("/team")),
    "paused": after(on_question, lambda u: u.cmd("/stop")),
    "reminders": after(on_question, lambda u: u.cmd("/herinnering")),
    "choices": after(on_question, lambda u: u.text("bedoelt u iets")),
}
