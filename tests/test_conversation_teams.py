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


async def test_when_the_coordinator_deletes_their_data_the_longest_member_is_told(engine: Engine) -> None:
    """Issue 11 finding 5: the role passed on in storage, but nobody was told (contract §1 notices)."""
    anna = Driver(engine, "tg:1", "Anna")
    await on_question(anna)
    await join(engine, anna, "tg:2", "Bob")
    await join(engine, anna, "tg:3", "Carla")
    await anna.cmd("/verwijder")
    reply = await anna.press("Ja, verwijder alles")
    (notice,) = reply.notices
    assert notice.user_key == "tg:2" and "U bent nu coördinator" in notice.message.text
    bob = Driver(engine, "tg:2", "Bob")
    await bob.cmd("/team")
    assert "Verwijder Carla" in bob.labels


async def test_the_coordinator_sees_and_revokes_every_open_invite(engine: Engine) -> None:
    """Issue 11 finding 5: an invite a member made was invisible to the coordinator, so a removed
    member (or anyone with that link) could still join."""
    import re

    anna = Driver(engine, "tg:1", "Anna")
    await on_question(anna)
    bob = await join(engine, anna, "tg:2", "Bob")
    reply = await bob.cmd("/uitnodigen")
    code = re.search(r"/start ([A-Za-z0-9_-]{22})", bob.plain(reply)).group(1)  # type: ignore[union-attr]
    reply = await anna.cmd("/team")
    text = anna.plain(reply)
    assert "Open uitnodigingen (" in text and "van Bob" in text
    reply = await anna.press("Alle open uitnodigingen intrekken")
    assert "uitnodiging(en) ingetrokken" in anna.plain(reply)
    assert "Open uitnodigingen" not in anna.plain(reply)
    carla = Driver(engine, "tg:3", "Carla")
    reply = await carla.cmd(f"/start {code}")
    assert "ingetrokken" in carla.plain(reply) and "Meedoen" not in carla.labels


async def test_a_member_cannot_revoke_all_invites(engine: Engine) -> None:
    anna = Driver(engine, "tg:1", "Anna")
    await on_question(anna)
    bob = await join(engine, anna, "tg:2", "Bob")
    await anna.cmd("/uitnodigen")
    await anna.cmd("/team")
    revoke_all = anna.button("Alle open uitnodigingen intrekken").data
    await bob.cmd("/team")
    assert "Alle open uitnodigingen intrekken" not in bob.labels
    await bob.press_data(revoke_all)  # the coordinator's button, forged by a member
    assert "Open uitnodigingen (2)" in anna.plain(await anna.cmd("/team"))  # the one Bob used, and the new one
