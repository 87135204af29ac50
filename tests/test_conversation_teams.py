"""Teams and long lists on a phone: notices to others, clean names on buttons, paged keyboards
(contract §1 notices, issue 11 items 10 and 12)."""

from __future__ import annotations

import pytest

from bot.engine import Engine
from content.model import Content
from storage.store import Store
from tests.conversation_helpers import StubAnswerer, on_question
from tests.driver import Driver


@pytest.fixture
def engine(content: Content, store: Store, clock) -> Engine:  # type: ignore[no-untyped-def]
    return Engine(content, store, clock, answerer=StubAnswerer(content))  # type: ignore[arg-type]


async def join(engine: Engine, inviter: Driver, key: str, name: str) -> Driver:
    import re

    reply = await inviter.cmd("/uitnodigen")
    code = re.search(r"/start ([A-Za-z0-9_-]{22})", inviter.plain(reply)).group(1)  # type: ignore[union-attr]
    guest = Driver(engine, key, name)
    await guest.cmd(f"/start {code}")
    await guest.press("Meedoen")
    return guest


async def test_handing_over_the_role_tells_the_new_coordinator(engine: Engine) -> None:
    anna = Driver(engine, "tg:1", "Anna")
    await on_question(anna)
    await join(engine, anna, "tg:2", "Bob")
    await anna.cmd("/team")
    reply = await anna.press("Maak Bob coördinator")
    assert "Bob is nu coördinator" in anna.plain(reply)
    (notice,) = reply.notices
    assert notice.user_key == "tg:2" and "Anna heeft u coördinator gemaakt" in notice.message.text


async def test_bidi_controls_are_stripped_from_names_on_buttons(engine: Engine) -> None:
    anna = Driver(engine, "tg:1", "Anna")
    await on_question(anna)
    await join(engine, anna, "tg:2", "Bob\u202e nimda\u202c\u2066x\u2069\u200f")
    await anna.cmd("/team")
    labels = " ".join(anna.labels)
    assert not any(ch in labels for ch in "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f")
    assert "Verwijder Bob nimdax" in anna.labels


async def test_hundreds_of_checklists_are_paged(engine: Engine, store: Store, content: Content) -> None:
    anna = Driver(engine, "tg:1", "Anna")
    await on_question(anna)
    async with store.transaction() as tx:
        user = await tx.find_user("tg:1")
        for m in content.municipalities[:300]:
            await tx.create_assessment(m.code, user.id, engine.clock())  # type: ignore[union-attr]
    reply = await anna.cmd("/gemeente")
    rows = reply.messages[-1].buttons
    assert len(rows) <= 9 and "Meer…" in anna.labels and "Pagina 1 van" in anna.plain(reply)
    first = anna.labels[0]
    reply = await anna.press("Meer…")
    assert reply.edit is not None and "Pagina 2 van" in anna.plain(reply) and anna.labels[0] != first
    await anna.press(anna.labels[0])
    assert "U werkt weer aan de checklist" in anna.plain(anna.last)
