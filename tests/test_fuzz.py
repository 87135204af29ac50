"""Property-based tests: random conversations of two or three users against the engine.

A hypothesis state machine drives :class:`bot.engine.Engine` on a fresh
temporary database per example with every kind of input a Telegram user can
produce: all commands (and unknown ones) with random arguments; buttons from
the last reply, stale buttons from earlier replies, other users' buttons,
forged payloads built with :func:`bot.payloads.make` from random ids, random
strings and bytes as callback data; free text (empty, 4096 characters, emoji,
right-to-left, control characters, SQL, HTML); invites passed between the
users; and redelivered updates.

After every action:

* no exception escapes ``Engine.handle``;
* the reply shows something; every message is non-empty, at most 4096
  UTF-16 units and valid Telegram HTML; every button has a label and callback
  data of at most 64 bytes that :func:`bot.payloads.parse` accepts;
* a redelivered update changes nothing;
* the action touched no other user's data (what they share with the acting
  user in a team is theirs together);
* new answers are the acting user's, in an assessment they are a member of;
* one current answer per (assessment, check), and every user's stored place
  is a valid place.

Rendering the chart and the PDF takes half a second; the state machine
replaces it by a stub (the report data is still built from the database) and
:func:`test_report_documents_render_whatever_users_typed` renders real ones
from random notes.
"""

from __future__ import annotations

import asyncio
import os
import json
import re
import sqlite3
import tempfile
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

import bot.engine
from bot import payloads
from bot.answering import AnswerKind, Choice, Composed
from bot.conversation.place import WITHOUT_ASSESSMENT as PLACES_WITHOUT_ASSESSMENT
from bot.conversation.place import Place, Screen
from bot.engine import Engine
from bot.events import Command, Event, Press, Text, UserRef
from bot.html import to_plain, units
from bot.views import MAX_CALLBACK_BYTES, MAX_MESSAGE_CHARS, Button, Document, Reply
from content.loader import load_content
from storage.store import Store
from tests.conversation_helpers import StubSafety

try:  # the emulator's parser for Telegram's HTML parse mode: stricter than counting tags
    from tests.emulator.html_parse_mode import parse_html
except ImportError:  # pragma: no cover - the emulator is being reworked: the other checks still run
    parse_html = None

CONTENT = load_content()
CHECK_IDS = [c.id for c in CONTENT.checks]
USERS = 3
COMMANDS = [
    "start", "verder", "samenvatting", "wijzig", "thema", "notitie", "gemeente", "hulp", "help", "stop", "verwijder",
    "uitnodigen", "team", "mijngegevens", "opnieuw", "herinnering", "rapport",
]  # fmt: skip
SCREENS = {s.value for s in Screen}
WITHOUT_ASSESSMENT = {s.value for s in PLACES_WITHOUT_ASSESSMENT}  # the screens that make sense without one
INVITE_CODE = re.compile(r"(?<![A-Za-z0-9_-])[A-Za-z0-9_-]{22}(?![A-Za-z0-9_-])")

# --- strategies -------------------------------------------------------------------------------------

SPECIAL_TEXTS = [
    "",
    " ",
    "\n\t ",
    "x" * 4096,
    "🙂" * 2048,  # 4096 UTF-16 units
    "é" * 4096,
    "مرحبا، أريد أن أملأ القائمة",
    "שלום \u202eevil\u202c",
    "\x00\x01\x07\x1b[31mred\x1b[0m\x7f",
    "'; DROP TABLE answers; --",
    '" OR 1=1 --',
    "Robert'); DELETE FROM users WHERE ('1'='1",
    "<b>vet</b> <a href='x'>link</a> & &amp; <script>alert(1)</script>",
    "{municipality} {0} %s %(x)s",
    "/",
    "//start",
    "/start@other_bot",
    "ja",
    "Nee.",
    "deels!",
    "weet ik niet",
    "?",
    "hallo",
    "bedankt!",
    "Waar vind ik de handreiking over mensenhandel?",
    "wat is een loverboy",
]
TOWNS = ["Enschede", "Utrecht", "Bergen", "Enschde", "den haag", "'s-Hertogenbosch", "Hengelo", "Zzyzx", "Súdwest-Fryslân"]
texts = st.one_of(
    st.sampled_from(SPECIAL_TEXTS),
    st.sampled_from(TOWNS),
    st.text(max_size=80),
    st.text(alphabet=st.characters(codec="utf-8"), min_size=1000, max_size=1100),
)
known_commands = st.sampled_from(COMMANDS)
command_names = st.one_of(known_commands, known_commands, known_commands, st.from_regex(r"[a-z_]{1,12}", fullmatch=True))
command_args = st.one_of(
    st.just(""), st.sampled_from(SPECIAL_TEXTS), st.text(max_size=40), st.from_regex(r"[A-Za-z0-9_-]{22}", fullmatch=True)
)

ids = st.one_of(st.integers(1, 8), st.integers(1, 10**12 - 1))
checks = st.builds(lambda t, n: f"{t}.{n}", st.integers(1, 5), st.integers(1, 9))
themes = st.integers(1, 5)
codes = st.one_of(
    st.sampled_from(["GM0153", "GM0344", "GM0893", "GM0373", "GM0363"]), st.from_regex(r"GM[0-9]{4}", fullmatch=True)
)
names = st.from_regex(r"[a-z0-9-]{1,58}", fullmatch=True)
forged = st.one_of(
    st.tuples(st.just("a"), ids, checks, st.sampled_from("jdno")),
    st.tuples(st.sampled_from(["w", "s", "k", "j"]), ids, checks),
    st.tuples(st.just("sd"), ids, st.integers(0, 5)),
    st.tuples(st.sampled_from(["sr", "ss"]), ids),
    st.tuples(st.just("pg"), st.integers(0, 999)),
    st.tuples(st.just("nn")),
    st.tuples(st.sampled_from("vct"), ids, themes),
    st.tuples(st.sampled_from("fobgiyp"), ids),
    st.tuples(st.sampled_from("dh"), ids, ids),
    st.tuples(st.just("m"), codes),
    st.tuples(st.sampled_from("nquz")),
    st.tuples(st.just("x"), st.sampled_from("yn")),
    st.tuples(st.just("l"), st.sampled_from("01")),
    st.tuples(st.sampled_from("re"), names),
).map(lambda fields: payloads.make(*fields))
junk = st.one_of(
    st.text(max_size=80),
    st.binary(max_size=80).map(lambda b: b.decode("utf-8", "replace")),
    st.binary(max_size=80),  # not str at all: the door never sends it, parse must still refuse it
    st.builds(lambda s: "1|a|" + s, st.text(max_size=70)),
    st.sampled_from(["", "1|", "1|a", "2|a|1|1.1|j", "1|a|1|1.1|j|extra", "1|a|01|1.1|j", "1|a|1|1.1|J", "1|k|1|1.9"]),
)


# --- checks on a reply ------------------------------------------------------------------------------


def check_message_text(text: str) -> None:
    assert isinstance(text, str) and text.strip(), f"empty message {text!r}"
    assert to_plain(text).strip(), f"message without visible text {text!r}"
    assert units(text) <= MAX_MESSAGE_CHARS, f"message of {units(text)} UTF-16 units"
    if parse_html is not None:
        plain, _ = parse_html(text)
        assert plain.strip(), f"message empty once parsed {text!r}"


def check_button(button: Button) -> None:
    assert button.label.strip(), f"button without label {button!r}"
    assert len(button.data.encode("utf-8")) <= MAX_CALLBACK_BYTES, button.data
    assert payloads.parse(button.data) is not None, f"button data {button.data!r} does not parse"


def check_document(document: Document) -> None:
    assert document.filename.strip() and document.data, document.filename
    assert document.kind in ("document", "photo")


def check_reply(reply: Reply) -> None:
    assert reply.messages or reply.documents or reply.edit or reply.toast, "a reply that shows nothing"
    shown = [*reply.messages, *([reply.edit] if reply.edit else [])]
    for message in shown:
        assert len(message.buttons) <= 10, f"a keyboard of {len(message.buttons)} rows"
        assert all(len(row) <= 3 for row in message.buttons), "a keyboard row of more than three buttons"
    for notice in reply.notices:
        check_message_text(notice.message.text)
    for message in reply.messages:
        check_message_text(message.text)
        for row in message.buttons:
            assert row, "an empty keyboard row"
            for button in row:
                check_button(button)
    if reply.edit is not None:
        check_message_text(reply.edit.text)
        for row in reply.edit.buttons:
            for button in row:
                check_button(button)
    if reply.toast is not None:
        assert reply.toast.strip()
    for document in reply.documents:
        check_document(document)


# --- the database, read directly -----------------------------------------------------------------


class Db:
    """A second, read-only connection: what is committed, without going through the engine."""

    def __init__(self, path: Path | None = None, conn: sqlite3.Connection | None = None) -> None:
        self.conn = conn or sqlite3.connect(f"file:{path}?mode=ro", uri=True)

    def close(self) -> None:
        self.conn.close()

    def snapshot(self) -> Db:
        """An in-memory copy of the database as it is now."""
        copy = sqlite3.connect(":memory:")
        self.conn.backup(copy)
        return Db(conn=copy)

    def rows(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        return [tuple(r) for r in self.conn.execute(sql, params)]

    def user_id(self, key: str) -> int | None:
        found = self.rows("SELECT id FROM users WHERE external_id = ?", (key,))
        return found[0][0] if found else None

    def memberships(self, uid: int | None) -> set[int]:
        return {r[0] for r in self.rows("SELECT assessment_id FROM members WHERE user_id = ?", (uid,))}

    def private_data(self, key: str, shared: set[int]) -> dict[str, Any]:
        """What belongs to one user alone: everything but what they share with ``shared``'s team."""
        uid = self.user_id(key)
        if uid is None:
            return {}
        users = self.rows("SELECT * FROM users WHERE id = ?", (uid,))
        columns = [c[1] for c in self.rows("PRAGMA table_info(users)")]
        row = dict(zip(columns, users[0]))
        if row["active_assessment_id"] in shared:  # a coordinator may remove them from a shared one: NULL then
            row["active_assessment_id"] = None
        own = sorted(self.memberships(uid) - shared)
        marks = ",".join("?" * len(own))

        def of(table: str, column: str = "assessment_id") -> list[tuple[Any, ...]]:
            return self.rows(f"SELECT * FROM {table} WHERE {column} IN ({marks}) ORDER BY 1, 2", tuple(own))

        return {
            "user": row,
            "conversation": self.rows("SELECT * FROM conversations WHERE user_id = ?", (uid,)),
            "positions": [p for p in self.rows("SELECT * FROM positions WHERE user_id = ? ORDER BY 2", (uid,)) if p[1] not in shared],
            "assessments": of("assessments", "id"),
            "members": of("members"),
            "answers": of("answers"),
            "invites": of("invites"),
            "invite_uses": self.rows(
                f"SELECT u.* FROM invite_uses u JOIN invites i ON i.id = u.invite_id WHERE i.assessment_id IN ({marks}) ORDER BY 1, 2",
                tuple(own),
            ),
        }

    def everything(self) -> dict[str, list[tuple[Any, ...]]]:
        """Every table, users without last_seen_at (a redelivery still says the user was here)."""
        tables = [r[0] for r in self.rows("SELECT name FROM sqlite_master WHERE type = 'table' AND name <> 'users'")]
        dump = {t: self.rows(f"SELECT * FROM {t} ORDER BY 1") for t in tables}
        columns = [c[1] for c in self.rows("PRAGMA table_info(users)") if c[1] != "last_seen_at"]
        dump["users"] = self.rows(f"SELECT {', '.join(columns)} FROM users ORDER BY id")
        return dump


def valid_place(place: Any, active: int | None, member_of: set[int], depth: int = 0) -> str | None:
    """Why ``place`` is not a valid stored place, or None.

    A place may name an assessment the user has since been removed from (a
    coordinator did it, or the assessment went with a colleague's deletion):
    the engine drops such a place on the user's next action.
    """
    if not isinstance(place, dict):
        return "not an object"
    if not place:
        return None
    if depth > 100:
        return "places nested more than 100 deep"
    screen = place.get("screen")
    if screen not in SCREENS:
        return f"unknown screen {screen!r}"
    aid = place.get("aid")
    stale = aid is not None and aid not in member_of
    if aid is not None and aid != active and not stale:
        return f"place of assessment {aid} while {active} is active"
    if screen not in WITHOUT_ASSESSMENT and active is None and not stale:
        return f"{screen} without an active assessment"
    if screen == "question":
        if place.get("check") not in CHECK_IDS or place.get("mode", "flow") not in ("flow", "change", "open"):
            return f"bad question place {place}"
    if screen == "theme_done":
        if place.get("theme") not in range(1, 6) or place.get("next", None) not in (None, *range(1, 6)):
            return f"bad theme_done place {place}"
    if screen == "change_check" and place.get("theme") not in range(1, 6):
        return f"bad change_check place {place}"
    if screen == "join" and not isinstance(place.get("invite"), int):
        return f"bad join place {place}"
    if screen == "municipality":
        candidates = place.get("candidates", [])
        if not all(isinstance(c, str) and CONTENT.has_municipality(c) for c in candidates):
            return f"unknown municipality candidates {candidates}"
    if Place.from_dict(place) == Place() and screen != "nowhere":
        return f"a place that does not read back {place}"
    for below in place.get("back", []):
        problem = valid_place(below, active, member_of, depth + 1)
        if problem is not None:
            return problem
    return None


# --- the state machine ---------------------------------------------------------------------------------


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 28, 9, 0, tzinfo=timezone.utc)

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=7)
        return self.now


def stub_documents(report: Any, kinds: tuple[str, ...]) -> tuple[Document, ...]:
    """Stands in for bot.engine.render_documents: no matplotlib, no PDF, half a second less per report."""
    assert report.municipality and report.round >= 1
    return tuple(Document(f"stub.{kind}", b"stub", kind="photo" if kind == "chart" else "document") for kind in kinds)


class QuickAnswerer(StubSafety):
    """Stands in for bot.answering.Answerer (contract §3): every kind of answer, at once, from a hash of the text.

    The real answerer is tested in tests/test_matcher.py and its own tests; here the conversation around it is.
    """

    RESOURCES = list(CONTENT.resources)[:3]

    def compose(self, question: str) -> Composed:
        if (safe := self.safety_answer(question)) is not None:
            return safe
        pick = sum(question.encode("utf-8", "surrogatepass")) % 4
        if pick == 0:
            choices = tuple(Choice(CONTENT.resources[r].title[:40], "resource", r) for r in self.RESOURCES)
            return Composed(AnswerKind.UNSURE, "Bedoelt u een van deze?", choices, "vraag")
        if pick == 1:
            return Composed(AnswerKind.CONFIDENT, "<b>Dit kan u helpen:</b> een bron", (), None)
        if pick == 2:
            return Composed(AnswerKind.GREETING, "Hallo!", (), None)
        return Composed(AnswerKind.NONE, "Daar weet ik geen antwoord op.", (), "vraag")

    def compose_pick(self, kind: str, id: str) -> str | None:
        return f"<b>{id}</b>" if kind == "resource" and id in CONTENT.resources else None


class Conversations(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.tmp = tempfile.TemporaryDirectory(prefix="checkbot-fuzz-")
        path = Path(self.tmp.name) / "fuzz.db"
        self.loop = asyncio.new_event_loop()
        self.store = self.loop.run_until_complete(Store.open(str(path)))
        self.db = Db(path)
        self.engine = Engine(CONTENT, self.store, Clock(), answerer=QuickAnswerer())  # type: ignore[arg-type]
        self.render = bot.engine.render_documents
        bot.engine.render_documents = stub_documents
        self.users = [UserRef(f"tg:{7000 + i}", name) for i, name in enumerate(["Anna", "Bram", None])]
        self.current: list[list[str]] = [[] for _ in range(USERS)]  # buttons of the last reply with buttons
        self.labels: list[list[str]] = [[] for _ in range(USERS)]  # their labels
        self.seen: list[list[str]] = [[] for _ in range(USERS)]  # every button ever shown to the user
        self.invites: list[str] = []  # invite codes the bot handed out
        self.invitations = 0
        self.update_id = 500_000_000
        self.last: tuple[int, Event, int] | None = None  # for a redelivery

    def teardown(self) -> None:
        bot.engine.render_documents = self.render
        self.db.close()
        self.loop.run_until_complete(self.store.close())
        self.loop.close()
        self.tmp.cleanup()

    # -- one action ------------------------------------------------------------------------------
    def act(self, who: int, event: Event, *, with_update_id: bool = True) -> Reply:
        me = self.users[who].key
        before = self.db.snapshot()
        update_id = None
        if with_update_id:
            self.update_id += 1
            update_id = self.update_id
            self.last = (who, event, update_id)

        reply = self.loop.run_until_complete(self.engine.handle(self.users[who], event, update_id=update_id))

        check_reply(reply)
        assert not reply.duplicate
        visible = [*([reply.edit] if reply.edit else []), *reply.messages]
        shown = [b.data for m in visible for row in m.buttons for b in row]
        if shown:
            keyboard = [m for m in visible if m.buttons][-1]
            self.current[who] = [b.data for row in keyboard.buttons for b in row]
            self.labels[who] = [b.label for row in keyboard.buttons for b in row]
            self.seen[who].extend(shown)
        for message in reply.messages:
            self.invites.extend(INVITE_CODE.findall(to_plain(message.text)))

        uid = self.db.user_id(me) or before.user_id(me)
        shared = before.memberships(uid) | self.db.memberships(uid)
        for other in self.users:
            if other.key != me:
                assert before.private_data(other.key, shared) == self.db.private_data(other.key, shared), (
                    f"{me}'s {event!r} changed {other.key}'s data"
                )
        last_answer = before.rows("SELECT coalesce(max(id), 0) FROM answers")[0][0]
        for assessment_id, answered_by in self.db.rows(
            "SELECT assessment_id, answered_by FROM answers WHERE id > ?", (last_answer,)
        ):
            assert answered_by == uid and assessment_id in self.db.memberships(uid), (
                f"answer in assessment {assessment_id} by user {answered_by} after {me}'s {event!r}"
            )
        self.answers_change_only_by_answering(before, who, event)
        before.close()
        return reply

    def answers_change_only_by_answering(self, before: Db, who: int, event: Event) -> None:
        """Only an answer button (or "↩ Vorige"), or text typed on a question screen, changes an answer."""
        sql = "SELECT assessment_id, check_id, answer FROM answers WHERE superseded_at IS NULL"
        kept = {r[0] for r in self.db.rows("SELECT id FROM assessments")} & {r[0] for r in before.rows("SELECT id FROM assessments")}
        old = {r for r in before.rows(sql) if r[0] in kept}
        new = {r for r in self.db.rows(sql) if r[0] in kept}
        if old == new:
            return
        if isinstance(event, Press):
            parsed = payloads.parse(event.data)
            assert parsed is not None and parsed.kind in ("a", "j"), f"{event!r} changed answers"
            return
        assert isinstance(event, Text), f"{event!r} changed answers"
        uid = before.user_id(self.users[who].key)
        state = before.rows("SELECT state FROM conversations WHERE user_id = ?", (uid,))
        place = Place.from_dict(json.loads(state[0][0])) if state else Place()
        assert place.screen is Screen.QUESTION, f"typed {event.text!r} on {place.screen} changed answers"

    # -- rules --------------------------------------------------------------------------------------
    @rule(who=st.integers(0, USERS - 1), name=command_names, args=command_args)
    def command(self, who: int, name: str, args: str) -> None:
        self.act(who, Command(name, args))

    @rule(who=st.integers(0, USERS - 1), town=st.sampled_from(["Enschede", "Utrecht", "Bergen"]))
    def start_with_a_town(self, who: int, town: str) -> None:
        self.act(who, Command("start"))
        self.act(who, Text(town))

    @rule(who=st.integers(0, USERS - 1), picks=st.lists(st.integers(0, 7), min_size=1, max_size=12))
    def press_current(self, who: int, picks: list[int]) -> None:
        """Press buttons of the last keyboard, one after another: deep into the checklist."""
        for pick in picks:
            if not self.current[who]:
                return
            self.act(who, Press(self.current[who][pick % len(self.current[who])]))

    @rule(
        who=st.integers(0, USERS - 1),
        menu=st.sampled_from(["wijzig", "thema", "gemeente", "team", "opnieuw"]),
        picks=st.lists(st.integers(0, 20), max_size=3),
    )
    def use_a_menu(self, who: int, menu: str, picks: list[int]) -> None:
        """Open a menu and press some of its buttons (a theme, a check, a team member, ...)."""
        self.act(who, Command(menu))
        for pick in picks:
            if not self.current[who]:
                return
            self.act(who, Press(self.current[who][pick % len(self.current[who])]))

    @rule(who=st.integers(0, USERS - 1), picks=st.lists(st.integers(0, 3), min_size=1, max_size=12))
    def answer_questions(self, who: int, picks: list[int]) -> None:
        """Answer the checks as they come (and go on to the next theme): the way most users go."""
        for pick in picks:
            onward = [d for d in self.current[who] if d.startswith(("1|v|", "1|f|", "1|o|", "1|u", "1|q"))]
            answers = [d for d in self.current[who] if d.startswith("1|a|")]
            if not (answers or onward):
                return
            self.act(who, Press(answers[pick % len(answers)] if answers else onward[0]))

    @precondition(lambda self: any(self.seen))
    @rule(who=st.integers(0, USERS - 1), owner=st.integers(0, USERS - 1), pick=st.integers(0, 10**6))
    def press_old(self, who: int, owner: int, pick: int) -> None:
        """A button from any earlier reply: the user's own stale one, or another user's."""
        if self.seen[owner]:
            self.act(who, Press(self.seen[owner][pick % len(self.seen[owner])]))

    @rule(who=st.integers(0, USERS - 1), data=forged)
    def press_forged(self, who: int, data: str) -> None:
        self.act(who, Press(data))

    @precondition(lambda self: any(self.seen))
    @rule(who=st.integers(0, USERS - 1), pick=st.integers(0, 10**6), field=st.integers(2, 4), data=st.data())
    def press_tampered(self, who: int, pick: int, field: int, data: st.DataObject) -> None:
        """A real button of the user's with one field changed: forged, but close enough to reach deep branches."""
        own = self.current[who] or self.seen[who]
        if not own:
            return
        parts = own[pick % len(own)].split("|")
        if field >= len(parts):
            return
        old = parts[field]
        if re.fullmatch(r"[1-5]\.[1-9]", old):
            parts[field] = data.draw(checks)
        elif old.isdigit():
            parts[field] = str(data.draw(st.one_of(ids, st.just(int(old) + 1), st.just(max(int(old) - 1, 1)))))
        elif old.startswith("GM"):
            parts[field] = data.draw(codes)
        else:
            parts[field] = data.draw(st.sampled_from("jdnoyn01"))
        try:
            forged_data = payloads.make(*parts[1:])
        except ValueError:
            return  # not well-formed: press_junk covers those
        self.act(who, Press(forged_data))

    @rule(who=st.integers(0, USERS - 1), data=junk)
    def press_junk(self, who: int, data: Any) -> None:
        self.act(who, Press(data))

    @rule(who=st.integers(0, USERS - 1), pick=st.integers(0, 30), how=st.sampled_from(["label", "first", "number", "upper"]))
    def type_a_button(self, who: int, pick: int, how: str) -> None:
        """Type what a button says (or its number, or a number past the last): the way a phone user answers."""
        labels = self.labels[who]
        if how == "number":
            self.act(who, Text(str(pick + 1)))
        elif labels:
            label = labels[pick % len(labels)]
            typed = {"label": label, "first": label.split(" ")[0], "upper": label.upper()}[how]
            self.act(who, Text(typed))

    @rule(who=st.integers(0, USERS - 1), text=texts, console=st.booleans())
    def text(self, who: int, text: str, console: bool) -> None:
        self.act(who, Text(text), with_update_id=not console)

    @precondition(lambda self: self.invitations < 4)
    @rule(inviter=st.integers(0, USERS - 1), guest=st.integers(0, USERS - 1), join=st.booleans())
    def invite(self, inviter: int, guest: int, join: bool) -> None:
        """An invite from one user, opened by another (or the same): join or decline."""
        self.invitations += 1
        self.act(inviter, Command("uitnodigen"))
        if self.invites:
            self.act(guest, Command("start", self.invites[-1]))
            wanted = "1|y|" if join else "1|z"
            choice = next((d for d in self.current[guest] if d.startswith(wanted)), None)
            if choice is not None:
                self.act(guest, Press(choice))

    @precondition(lambda self: bool(self.invites))
    @rule(who=st.integers(0, USERS - 1), pick=st.integers(0, 100))
    def reuse_invite(self, who: int, pick: int) -> None:
        self.act(who, Command("start", self.invites[pick % len(self.invites)]))

    @precondition(lambda self: self.last is not None)
    @rule()
    def redeliver(self) -> None:
        """Telegram sends the last update again: it shows the place and changes nothing."""
        assert self.last is not None
        who, event, update_id = self.last
        before = self.db.everything()
        reply = self.loop.run_until_complete(self.engine.handle(self.users[who], event, update_id=update_id))
        assert reply.duplicate
        check_reply(reply)
        assert self.db.everything() == before

    # -- invariants ----------------------------------------------------------------------------------
    @invariant()
    def one_current_answer_per_check(self) -> None:
        doubles = self.db.rows(
            "SELECT assessment_id, check_id, count(*) FROM answers WHERE superseded_at IS NULL "
            "GROUP BY assessment_id, check_id HAVING count(*) > 1"
        )
        assert doubles == []
        unknown = self.db.rows(
            f"SELECT id, check_id FROM answers WHERE check_id NOT IN ({','.join('?' * len(CHECK_IDS))})", tuple(CHECK_IDS)
        )
        assert unknown == []

    @invariant()
    def every_place_is_valid(self) -> None:
        for uid, active, state in self.db.rows(
            "SELECT u.id, u.active_assessment_id, c.state FROM users u LEFT JOIN conversations c ON c.user_id = u.id"
        ):
            member_of = self.db.memberships(uid)
            assert active is None or active in member_of, f"user {uid} is active in {active}, a member of {member_of}"
            if state is not None:
                problem = valid_place(json.loads(state), active, member_of)
                assert problem is None, f"user {uid}: {problem}: {state}"


Conversations.TestCase.settings = settings(
    max_examples=int(os.environ.get("FUZZ_EXAMPLES", "40")),
    stateful_step_count=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    derandomize=True,  # the same examples on every run: CI stays deterministic
    database=None,
)
TestConversations = Conversations.TestCase


@pytest.mark.parametrize("data", ["1|k|1|1.9", "1|a|1|2.7|j", "1|w|1|5.5"])
def test_a_forged_check_is_an_expired_button(data: str) -> None:
    """Well-formed payloads naming a check that does not exist (found by the state machine)."""
    machine = Conversations()
    try:
        machine.act(0, Command("start"))
        machine.act(0, Text("Enschede"))
        machine.act(0, Command("wijzig"))
        machine.act(0, Press(next(d for d in machine.current[0] if d.startswith("1|c|") and d.endswith("|1"))))
        reply = machine.act(0, Press(data))
        assert reply.toast == CONTENT.texts("expired_button")
    finally:
        machine.teardown()


@settings(max_examples=3, deadline=None, derandomize=True, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    notes=st.lists(texts.filter(lambda t: 0 < len(" ".join(t.split())) <= 1000), min_size=1, max_size=4),
    values=st.lists(st.sampled_from(["Ja", "Deels", "Nee", "Weet ik niet"]), min_size=1, max_size=24),
    town=st.sampled_from(["Enschede", "'s-Hertogenbosch", "Súdwest-Fryslân"]),
)
def test_report_documents_render_whatever_users_typed(notes: list[str], values: list[str], town: str) -> None:
    """The real chart and PDF, from answers with random notes (emoji, RTL, control characters, HTML)."""
    machine = Conversations()
    bot.engine.render_documents = machine.render
    try:
        machine.act(0, Command("start"))
        machine.act(0, Text(town))
        for i, value in enumerate(values):
            onward = next((d for d in machine.current[0] if d.startswith("1|v|")), None)
            if onward is not None:  # a theme is done: on to the next
                machine.act(0, Press(onward))
            machine.act(0, Text(value.lower()))
            if i < len(notes):
                machine.act(0, Command("notitie", notes[i]))
        reply = machine.act(0, Command("rapport"))
        kinds = sorted(d.kind for d in reply.documents)
        assert kinds == ["document"] and reply.documents[0].data.startswith(b"%PDF")
        reply = machine.act(0, Command("samenvatting"))
        assert [d.kind for d in reply.documents] == ["photo"] and reply.documents[0].data.startswith(b"\x89PNG")
    finally:
        machine.teardown()
