"""The conversation: one core for every door (Telegram, the terminal).

:meth:`Engine.handle` takes "this user did this", loads the user's state from
storage, decides, writes, and returns what to show — all in one database
transaction, so an action takes effect completely or not at all. The engine
keeps nothing in memory between actions.

The user's place is a small JSON document (``screen`` plus its fields):

* ``municipality`` – waiting for a municipality name (``candidates`` offered);
* ``question`` – a check is shown (``check``; ``mode`` "flow" or "change");
* ``theme_done`` – a theme's result is shown, with a button to the next theme;
* ``end`` – the last check is behind the user;
* ``change_theme`` / ``change_check`` / ``jump_theme`` / ``assessments`` /
  ``confirm_delete`` – menus; ``return`` holds the place to go back to.
"""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import json
import re
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot import payloads
from bot.events import Command, Event, Press, Text, UserRef
from bot.html import esc, link, pack
from bot.payloads import ANSWER_CODES, CODE_OF_ANSWER, Payload
from bot.report.data import ReportData, build_report, dutch_date
from bot.scoring import format_points, open_points, theme_scores
from bot.views import Button, Document, Keyboard, Message, Reply
from content.matcher import Hit, ResourceMatcher
from content.model import Check, Content, Resource, Theme
from content.municipalities import MunicipalityFinder, normalise
from storage.store import Answer, Assessment, Invite, Store, Tx, User, iso, parse_iso

Clock = Callable[[], datetime]
AMSTERDAM = ZoneInfo("Europe/Amsterdam")  # dates shown to users are Dutch dates
State = dict[str, Any]

ANSWER_ICONS = {"ja": "✅", "deels": "🟠", "nee": "❌", "onbekend": "❔", None: "⬜"}
TYPED_ANSWERS = {
    "ja": "ja",
    "j": "ja",
    "yes": "ja",
    "deels": "deels",
    "gedeeltelijk": "deels",
    "nee": "nee",
    "n": "nee",
    "no": "nee",
    "weet ik niet": "onbekend",
    "weetikniet": "onbekend",
    "onbekend": "onbekend",
    "?": "onbekend",
}
MAX_NOTE = 1000
MENU_SCREENS = {"change_theme", "change_check", "jump_theme", "assessments", "confirm_delete", "join", "confirm_round"}
# commands that work on the active assessment; before there is one they say how to start
NEEDS_ASSESSMENT = frozenset({"samenvatting", "wijzig", "thema", "notitie", "uitnodigen", "team", "opnieuw", "rapport"})
INVITE_DAYS = 7
REMINDER_DAYS = 7
INVITE_MAX_USES = 10
INVITE_CODE = re.compile(r"^[A-Za-z0-9_-]{22}$")  # secrets.token_urlsafe(16): 128 bits


def utc_now() -> datetime:
    return datetime.now(UTC)


class Engine:
    def __init__(
        self, content: Content, store: Store, clock: Clock = utc_now, *, bot_username: str | None = None
    ) -> None:
        self.content = content
        self.store = store
        self.clock = clock
        self.bot_username = bot_username
        self.municipalities = MunicipalityFinder(content)
        self.matcher = ResourceMatcher(content)

    async def handle(self, user: UserRef, event: Event, *, update_id: int | None = None) -> Reply:
        """Apply one user action and return what to show.

        With ``update_id`` the action is applied at most once: a redelivered
        update changes nothing and shows the user's current place again.
        """
        now = self.clock()
        async with self.store.transaction() as tx:
            row = await tx.touch_user(user.key, user.name, now)
            turn = Turn(self, tx, row, now)
            await turn.load()
            if update_id is not None and not await tx.claim_update(update_id, now):
                return Reply(messages=tuple(await turn.render()), duplicate=True)
            await turn.dispatch(event)
            reply = await turn.finish()
        if turn.deleted:
            await self.store.db.checkpoint()  # no copy of the deleted data stays in the WAL
        if turn.report is not None:
            # rendering takes a while: outside the transaction, off the event loop
            documents = await asyncio.to_thread(render_documents, turn.report, turn.report_kinds)
            reply = dataclasses.replace(reply, documents=reply.documents + documents)
        return reply

    async def collect_reminders(self, inactive: timedelta) -> list[tuple[str, Message]]:
        """Reminders that are due now, each marked as sent in the same transaction.

        Marking first means a reminder is never sent twice; a crash between
        this commit and the send loses one reminder, which is the better failure.
        """
        now = self.clock()
        out: list[tuple[str, Message]] = []
        async with self.store.transaction() as tx:
            for user, assessment in await tx.due_reminders(now - inactive):
                await tx.mark_reminded(user.id, now)
                answered = len(await tx.current_answers(assessment.id))
                name = self.content.municipality(assessment.municipality_code).name
                text = self.content.texts(
                    "reminder",
                    municipality=esc(name),
                    answered=answered,
                    total=len(self.content.checks),
                )
                button = Button(self.content.texts("reminder_button"), payloads.make("u"))
                out.append((user.external_id, Message(text, ((button,),))))
        return out

    async def report_for(self, assessment_id: int) -> "ReportData | None":
        """The report data of one assessment, for the command line."""
        async with self.store.transaction(write=False) as tx:
            assessment = await tx.assessment(assessment_id)
            if assessment is None:
                return None
            return await build_report_data(self.content, tx, assessment, self.clock())


@dataclass
class Turn:
    """One user action in progress, inside its transaction."""

    engine: Engine
    tx: Tx
    user: User
    now: datetime
    state: State = field(default_factory=dict)
    assessment: Assessment | None = None
    messages: list[Message] = field(default_factory=list)
    edit: Message | None = None
    toast: str | None = None
    deleted: bool = False
    documents: list[Document] = field(default_factory=list)
    report: ReportData | None = None
    report_kinds: tuple[str, ...] = ()
    _answers: dict[str, Answer] | None = None

    # -- plumbing -----------------------------------------------------------
    @property
    def content(self) -> Content:
        return self.engine.content

    @property
    def active(self) -> Assessment:
        """The active assessment, where the flow guarantees there is one."""
        assert self.assessment is not None, "no active assessment"
        return self.assessment

    def t(self, key: str, **values: object) -> str:
        return self.content.texts(key, **{k: esc(v) for k, v in values.items()})

    def say(self, text: str, buttons: Keyboard = ()) -> None:
        self.messages.append(Message(text, buttons))

    async def load(self) -> None:
        self.state = await self.tx.get_state(self.user.id) or {}
        if self.user.active_assessment_id is not None:
            self.assessment = await self.tx.assessment_for_member(self.user.active_assessment_id, self.user.id)
        if self.assessment is None:
            if self.state.get("screen") not in ("municipality", "confirm_delete", "join"):
                self.state = {}
        elif self.state.get("aid") not in (None, self.active.id):
            self.state = {}  # the place belongs to another assessment: find it anew

    async def answers(self) -> dict[str, Answer]:
        if self._answers is None:
            self._answers = await self.tx.current_answers(self.active.id) if self.assessment else {}
        return self._answers

    def set_state(self, screen: str, **fields: Any) -> None:
        self.state = {"screen": screen, **fields}
        if self.assessment is not None:
            self.state["aid"] = self.active.id

    def saved_place(self) -> State:
        """The current place, to come back to after a menu."""
        return self.state.get("return", self.state) if self.state.get("screen") in MENU_SCREENS else dict(self.state)

    async def finish(self) -> Reply:
        if not self.deleted:
            await self.tx.set_state(self.user.id, self.state, self.now)
        messages: list[Message] = []
        for message in self.messages:
            parts = pack([message.text])
            messages.extend(Message(p) for p in parts[:-1])
            messages.append(Message(parts[-1], message.buttons))
        return Reply(messages=tuple(messages), edit=self.edit, toast=self.toast, documents=tuple(self.documents))

    # -- dispatch -----------------------------------------------------------
    async def dispatch(self, event: Event) -> None:
        if isinstance(event, Command):
            await self.on_command(event)
        elif isinstance(event, Press):
            payload = payloads.parse(event.data)
            if payload is None or not await self.on_press(payload):
                self.toast = self.t("expired_button")
                self.messages = []
                self.edit = None
                await self.show_place()
        elif isinstance(event, Text):
            await self.on_text(event.text)

    async def on_command(self, cmd: Command) -> None:
        handlers: dict[str, Callable[[str], Awaitable[None]]] = {
            "start": self.cmd_start,
            "verder": self.cmd_resume,
            "samenvatting": self.cmd_summary,
            "wijzig": self.cmd_change,
            "thema": self.cmd_jump,
            "notitie": self.cmd_note,
            "gemeente": self.cmd_municipality,
            "hulp": self.cmd_help,
            "help": self.cmd_help,
            "stop": self.cmd_stop,
            "verwijder": self.cmd_delete,
            "uitnodigen": self.cmd_invite,
            "team": self.cmd_team,
            "mijngegevens": self.cmd_my_data,
            "opnieuw": self.cmd_new_round,
            "herinnering": self.cmd_reminders,
            "rapport": self.cmd_report,
        }
        handler = handlers.get(cmd.name)
        if handler is None:
            self.say(self.t("unknown_command"))
            return
        if cmd.name in NEEDS_ASSESSMENT and self.assessment is None:
            self.say(self.t("no_assessment"))
            return
        await handler(cmd.args)

    # -- commands -----------------------------------------------------------
    async def cmd_start(self, args: str) -> None:
        if INVITE_CODE.match(args.strip()):
            await self.offer_invite(args.strip())
            return
        if self.assessment is None:
            self.say(self.t("welcome", lead=self.content.intro.lead))
            self.ask_municipality()
            return
        self.say(self.t("welcome_back", municipality=self.municipality_name()))
        await self.resume()

    async def cmd_resume(self, _: str = "") -> None:
        if self.assessment is None:
            self.ask_municipality()
            return
        await self.resume()

    async def resume(self) -> None:
        """Back to the place the user was, or to the next open check."""
        if self.assessment is None:
            self.ask_municipality()
            return
        screen = self.state.get("screen")
        if screen in MENU_SCREENS:
            self.state = dict(self.state.get("return") or {})
            screen = self.state.get("screen")
        if screen in ("question", "theme_done", "end"):
            await self.show_place()
            return
        answers = await self.answers()
        position = await self.tx.get_position(self.user.id, self.active.id) if self.assessment else None
        start = self.content.check(position) if position and self.content.has_check(position) else None
        target = None
        if start is not None and start.id not in answers:
            target = start
        else:
            target = self.next_open(after=start) or self.next_open()
        if target is None:
            await self.go_end()
        else:
            await self.go_check(target, intro=True)

    async def cmd_summary(self, _: str = "") -> None:
        await self.add_summary(with_resume_button=True)
        if await self.answers():
            self.report = await build_report_data(self.content, self.tx, self.active, self.now)
            self.report_kinds = ("chart",)

    async def cmd_change(self, _: str = "") -> None:
        self.set_state("change_theme", **{"return": self.saved_place()})
        await self.show_place()

    async def cmd_jump(self, _: str = "") -> None:
        self.set_state("jump_theme", **{"return": self.saved_place()})
        await self.show_place()

    async def cmd_note(self, args: str) -> None:
        note = " ".join(args.split())
        if not note:
            self.say(self.t("note_usage"))
            return
        if len(note) > MAX_NOTE:
            self.say(self.t("note_too_long", max=MAX_NOTE, length=len(note)))
            return
        answers = await self.answers()
        target: str | None = None
        if self.state.get("screen") == "question" and self.state.get("check") in answers:
            target = self.state["check"]
        else:
            last = await self.tx.last_answer_by(self.active.id, self.user.id)
            target = last.check_id if last else None
        if target is None:
            self.say(self.t("note_no_answer"))
            return
        await self.tx.set_note(self.active.id, target, note)
        self.say(self.t("note_saved", check=target))

    async def cmd_municipality(self, _: str = "") -> None:
        if self.assessment is None:
            self.ask_municipality()
            return
        self.set_state("assessments", **{"return": self.saved_place()})
        await self.show_place()

    async def cmd_help(self, _: str = "") -> None:
        self.say(self.t("help"))

    async def cmd_stop(self, _: str = "") -> None:
        if self.state.get("screen") in MENU_SCREENS:
            self.state = dict(self.state.get("return") or {})
        self.say(self.t("paused"))
        if self.assessment is not None and not self.user.reminder_offered and not self.user.reminders:
            await self.tx.mark_reminder_offered(self.user.id)
            self.say(
                self.t("reminder_offer", days=REMINDER_DAYS),
                ((Button(self.content.texts("reminder_offer_button"), payloads.make("l", 1)),),),
            )

    async def cmd_reminders(self, _: str = "") -> None:
        enabled = not self.user.reminders
        await self.tx.set_reminders(self.user.id, enabled)
        self.say(self.t("reminders_on" if enabled else "reminders_off", days=REMINDER_DAYS))

    async def cmd_new_round(self, _: str = "") -> None:
        self.set_state("confirm_round", **{"return": self.saved_place()})
        await self.show_place()

    async def start_new_round(self) -> None:
        assert self.assessment is not None
        previous = self.assessment
        assessment = await self.tx.start_round(previous, self.user.id, self.now)
        await self.activate(assessment)
        self.say(self.t("round_started", municipality=self.municipality_name(), round=assessment.round, previous=previous.round))
        await self.go_check(self.content.checks[0], intro=True)

    async def cmd_report(self, _: str = "") -> None:
        self.report = await build_report_data(self.content, self.tx, self.active, self.now)
        self.report_kinds = ("pdf",)
        self.say(self.t("report_coming"))

    async def cmd_delete(self, _: str = "") -> None:
        self.set_state("confirm_delete", **{"return": self.saved_place()})
        await self.show_place()

    # -- buttons --------------------------------------------------------------
    async def on_press(self, p: Payload) -> bool:
        """Apply a button; False when it does not fit the user's current place."""
        kind = p.kind
        if kind == "u":
            await self.resume()
            return True
        if kind == "q":
            if self.state.get("screen") not in MENU_SCREENS:
                return False
            self.state = dict(self.state.get("return") or {})
            self.say(self.t("cancelled"))
            await self.show_place()
            return True
        if kind == "x":
            return await self.press_delete(p.args[0] == "y")
        if kind == "m":
            return await self.press_municipality(p.args[0])
        if kind == "y":
            return await self.press_join(p.int(0))
        if kind == "z":
            if self.state.get("screen") != "join":
                return False
            self.state = dict(self.state.get("return") or {})
            self.say(self.t("invite_declined"))
            return True
        if kind == "i":
            return await self.press_revoke(p.int(0))
        if kind in ("r", "e"):
            hit = self.engine.matcher.hit("resource" if kind == "r" else "example", p.args[0])
            if hit is None:
                return False
            self.say(self.hit_text(hit))
            if self.assessment is not None and self.state.get("screen") == "question":
                await self.show_place()
            return True
        if kind == "l":
            await self.tx.set_reminders(self.user.id, p.args[0] == "1")
            self.say(self.t("reminders_on" if p.args[0] == "1" else "reminders_off", days=REMINDER_DAYS))
            return True
        if kind == "n":
            if self.state.get("screen") != "assessments":
                return False
            self.ask_municipality(return_to=self.state.get("return"))
            return True
        if kind in ("a", "w", "s", "k") and not self.content.has_check(p.args[1]):
            return False  # well-formed, but no such check ("1.9")
        # every other kind names an assessment: it must be the user's active one
        if self.assessment is None or p.int(0) != self.active.id:
            if kind == "g":
                return await self.press_switch(p.int(0))
            return False
        screen = self.state.get("screen")
        if kind in ("a", "w", "s"):
            if screen != "question" or self.state.get("check") != p.args[1]:
                return False
            check = self.content.check(p.args[1])
            if kind == "a":
                await self.press_answer(check, ANSWER_CODES[p.args[2]])
            elif kind == "w":
                await self.press_why(check)
            else:
                await self.press_skip(check)
            return True
        if kind == "v":
            if screen != "theme_done" or self.state.get("next") != p.int(1):
                return False
            target = self.next_open(within=p.int(1)) or self.next_open()
            if target is None:
                await self.go_end()
            else:
                await self.go_check(target, intro=True)
            return True
        if kind == "f":
            if screen != "theme_done" or self.state.get("next") is not None:
                return False
            await self.go_end()
            return True
        if kind == "o":
            target = self.next_open()
            if screen != "end" or target is None:
                return False
            await self.go_check(target, intro=True)
            return True
        if kind == "c":
            if screen not in ("change_theme", "change_check"):
                return False
            self.set_state("change_check", theme=p.int(1), **{"return": self.state.get("return", {})})
            await self.show_place()
            return True
        if kind == "b":
            if screen != "change_check":
                return False
            self.set_state("change_theme", **{"return": self.state.get("return", {})})
            await self.show_place()
            return True
        if kind == "k":
            if screen != "change_check" or self.content.check(p.args[1]).theme_id != self.state.get("theme"):
                return False
            self.set_state("question", check=p.args[1], mode="change", **{"return": self.state.get("return", {})})
            await self.show_place()
            return True
        if kind == "t":
            if screen != "jump_theme":
                return False
            theme = self.content.theme(p.int(1))
            answers = await self.answers()
            target = next((c for c in theme.checks if c.id not in answers), theme.checks[0])
            await self.go_check(target, intro=True)
            return True
        if kind in ("d", "h"):
            return await self.press_team_change(kind, p.int(1))
        if kind == "p":
            if screen != "confirm_round":
                return False
            await self.start_new_round()
            return True
        return False

    async def press_answer(self, check: Check, value: str) -> None:
        answers = await self.answers()
        previous = answers.get(check.id)
        await self.tx.record_answer(self.active.id, check.id, value, self.user.id, self.now)
        answers[check.id] = Answer(  # keep the loaded answers current instead of reading them again
            id=0,
            check_id=check.id,
            answer=value,
            note=previous.note if previous else None,
            answered_by=self.user.id,
            answered_by_name=self.user.display_name,
            answered_at=iso(self.now),
        )
        await self.mark_completed_if_done()
        self.edit = Message(f"{self.question_text(check, show_current=False)}\n\n<b>{self.answer_label(value)}</b>")
        self.toast = self.answer_label(value)
        if self.state.get("mode") == "change":
            old = self.plain_answer(previous.answer if previous else None)
            self.say(self.t("answer_changed", check=check.id, old=old, new=self.plain_answer(value)))
            await self.mark_completed_if_done()
            self.state = dict(self.state.get("return") or {})
            if self.state.get("screen") == "question" and self.state.get("check") == check.id:
                # the changed check was the one the user was at: move on from it
                self.set_state("question", check=check.id, mode="flow")
                await self.advance(check)
                return
            await self.show_place()
            return
        await self.advance(check)

    async def press_skip(self, check: Check) -> None:
        self.edit = Message(f"{self.question_text(check, show_current=True)}\n\n<i>⏭ {esc(self.t('skip_button'))}</i>")
        if self.state.get("mode") == "change":
            self.state = dict(self.state.get("return") or {})
            await self.show_place()
            return
        await self.advance(check)

    async def press_why(self, check: Check) -> None:
        theme = self.content.theme_of(check.id)
        self.edit = Message(self.question_text(check, show_current=True))
        parts = [self.t("why_title"), esc(theme.why)]
        if theme.examples:
            example = theme.examples[(check.number - 1) % len(theme.examples)]
            parts += [self.t("example_title", place=example.place), esc(example.text)]
        self.say("\n\n".join(parts))
        await self.show_place()

    async def press_municipality(self, code: str) -> bool:
        if self.state.get("screen") != "municipality" or code not in self.state.get("candidates", []):
            return False
        await self.choose_municipality(code)
        return True

    async def press_switch(self, assessment_id: int) -> bool:
        if self.state.get("screen") != "assessments":
            return False
        target = await self.tx.assessment_for_member(assessment_id, self.user.id)
        if target is None:
            return False
        await self.activate(target)
        self.say(self.t("municipality_resumed", municipality=self.municipality_name()))
        await self.resume()
        return True

    async def press_delete(self, confirmed: bool) -> bool:
        if self.state.get("screen") != "confirm_delete":
            return False
        if not confirmed:
            self.state = dict(self.state.get("return") or {})
            self.say(self.t("delete_cancelled"))
            return True
        await self.tx.delete_user(self.user.id)
        self.deleted = True
        self.assessment = None
        self.say(self.t("deleted"))
        return True

    # -- teams ----------------------------------------------------------------------
    async def cmd_invite(self, _: str = "") -> None:
        code = secrets.token_urlsafe(16)
        expires = self.now + timedelta(days=INVITE_DAYS)
        invite_id = await self.tx.create_invite(
            self.active.id, code_hash(code), self.user.id, self.now, expires, INVITE_MAX_USES
        )
        values = {
            "municipality": self.municipality_name(),
            "code": code,
            "expires": dutch_date(expires.astimezone(AMSTERDAM).date()),
            "max": INVITE_MAX_USES,
        }
        if self.engine.bot_username:
            text = self.t("invite_created", link=f"https://t.me/{self.engine.bot_username}?start={code}", **values)
        else:
            text = self.t("invite_code_only", **values)
        buttons: Keyboard = ()
        if await self.tx.role(self.active.id, self.user.id) == "coordinator":
            buttons = ((Button(self.content.texts("invite_revoke_button"), payloads.make("i", invite_id)),),)
        self.say(text, buttons)

    def invite_problem(self, invite: Invite | None, used: bool) -> str | None:
        if invite is None:
            return "invite_unknown"
        if invite.revoked_at is not None:
            return "invite_revoked"
        if parse_iso(invite.expires_at) <= self.now:
            return "invite_expired"
        if used:
            return "invite_used"
        if invite.uses >= invite.max_uses:
            return "invite_full"
        return None

    async def offer_invite(self, code: str) -> None:
        invite = await self.tx.invite_by_hash(code_hash(code))
        if invite is not None and await self.tx.assessment_for_member(invite.assessment_id, self.user.id):
            target = await self.tx.assessment_for_member(invite.assessment_id, self.user.id)
            assert target is not None
            await self.activate(target)
            self.say(self.t("invite_already_member", municipality=self.municipality_name()))
            await self.resume()
            return
        used = invite is not None and await self.tx.invite_used_by(invite.id, self.user.id)
        problem = self.invite_problem(invite, used)
        if problem is not None or invite is None:
            self.say(self.t(problem or "invite_unknown"))
            if self.assessment is None and self.state.get("screen") != "municipality":
                self.ask_municipality()
            return
        self.state = {"screen": "join", "invite": invite.id, "return": self.saved_place()}
        await self.show_join(invite.id)

    async def show_join(self, invite_id: int) -> None:
        invite = await self.tx.invite(invite_id)
        target = await self.tx.assessment(invite.assessment_id) if invite else None
        if invite is None or target is None:
            self.state = dict(self.state.get("return") or {})
            self.say(self.t("invite_unknown"))
            return
        self.say(
            self.t(
                "invite_offer",
                inviter=invite.created_by_name or self.content.texts("someone"),
                municipality=self.content.municipality(target.municipality_code).name,
                round=target.round,
            ),
            (
                (Button(self.content.texts("invite_join_button"), payloads.make("y", invite.id)),),
                (Button(self.content.texts("invite_decline_button"), payloads.make("z")),),
            ),
        )

    async def press_join(self, invite_id: int) -> bool:
        if self.state.get("screen") != "join" or self.state.get("invite") != invite_id:
            return False
        invite = await self.tx.invite(invite_id)
        used = invite is not None and await self.tx.invite_used_by(invite_id, self.user.id)
        problem = self.invite_problem(invite, used)
        if problem is not None or invite is None:
            self.state = dict(self.state.get("return") or {})
            self.say(self.t(problem or "invite_unknown"))
            return True
        await self.tx.add_member(invite.assessment_id, self.user.id, self.now)
        await self.tx.use_invite(invite.id, self.user.id, self.now)
        target = await self.tx.assessment(invite.assessment_id)
        assert target is not None
        await self.activate(target)
        self.say(self.t("invite_joined", municipality=self.municipality_name()))
        await self.resume()
        return True

    async def press_revoke(self, invite_id: int) -> bool:
        invite = await self.tx.invite(invite_id)
        if invite is None or await self.tx.role(invite.assessment_id, self.user.id) != "coordinator":
            return False
        if not await self.tx.revoke_invite(invite_id, self.now):
            return False
        self.say(self.t("invite_revoked_done"))
        return True

    async def cmd_team(self, _: str = "") -> None:
        await self.show_team()

    async def show_team(self) -> None:
        assert self.assessment is not None
        members = await self.tx.members(self.active.id)
        lines = [self.t("team_title", municipality=self.municipality_name(), round=self.active.round)]
        coordinator = False
        rows: list[tuple[Button, ...]] = []
        for m in members:
            name = m.display_name or self.content.texts("someone")
            key = "team_coordinator" if m.role == "coordinator" else "team_member"
            line = self.t(key, name=name)
            if m.user_id == self.user.id:
                line += esc(self.content.texts("team_you"))
                coordinator = m.role == "coordinator"
            lines.append(line)
        if coordinator:
            for m in members:
                if m.user_id == self.user.id:
                    continue
                name = (m.display_name or self.content.texts("someone"))[:24]
                rows.append(
                    (
                        Button(self.content.texts("team_remove_button", name=name), payloads.make("d", self.active.id, m.user_id)),
                        Button(self.content.texts("team_handover_button", name=name), payloads.make("h", self.active.id, m.user_id)),
                    )
                )
        hint = self.t("team_hint_coordinator" if coordinator else "team_hint_member")
        self.say("\n".join(lines) + "\n\n" + hint, tuple(rows))

    async def press_team_change(self, kind: str, target_user: int) -> bool:
        assert self.assessment is not None
        if target_user == self.user.id or await self.tx.role(self.active.id, self.user.id) != "coordinator":
            return False
        members = {m.user_id: m for m in await self.tx.members(self.active.id)}
        target = members.get(target_user)
        if target is None:
            return False
        name = target.display_name or self.content.texts("someone")
        if kind == "d":
            if not await self.tx.remove_member(self.active.id, target_user):
                return False
            self.say(self.t("team_removed", name=name))
        else:
            if not await self.tx.hand_over(self.active.id, self.user.id, target_user):
                return False
            self.say(self.t("team_handed_over", name=name))
        await self.show_team()
        return True

    async def cmd_my_data(self, _: str = "") -> None:
        data = await self.tx.export_user(self.user.id)
        for item in data["assessments"]:
            if self.content.has_municipality(item["municipality_code"]):
                item["municipality"] = self.content.municipality(item["municipality_code"]).name
        payload = json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True).encode("utf-8")
        self.documents.append(Document("mijn-gegevens-checkbot.json", payload, self.t("mydata_caption")))

    # -- free text --------------------------------------------------------------
    async def on_text(self, text: str) -> None:
        screen = self.state.get("screen")
        cleaned = " ".join(text.split())
        if self.assessment is None or screen == "municipality":
            if not cleaned:
                self.ask_municipality(return_to=self.state.get("return"))
                return
            match = self.engine.municipalities.find(cleaned)
            if match.kind not in ("exact", "ambiguous"):
                # not a municipality: perhaps a question the checklist answers
                answer = self.engine.matcher.ask(cleaned[:500])
                if answer.kind == "confident":
                    self.say("\n\n".join([self.t("question_answer_title"), *(self.hit_text(h) for h in answer.hits)]))
                    self.ask_municipality(return_to=self.state.get("return"))
                    return
            if screen != "municipality":
                # typed before /start: a municipality name is welcome, anything else gets the welcome
                if match.kind != "exact" or match.municipality is None:
                    await self.cmd_start("")
                    return
            await self.match_municipality(cleaned)
            return
        if screen == "question":
            value = TYPED_ANSWERS.get(cleaned.lower().strip(".!"))
            if value is not None:
                await self.press_answer(self.content.check(self.state["check"]), value)
                self.edit = None
                self.toast = None
                return
        if not cleaned:
            self.say(self.t("use_buttons" if screen == "question" else "use_buttons_general"))
            await self.show_place()
            return
        await self.answer_question(cleaned)

    async def answer_question(self, question: str) -> None:
        """A free-text question: the checklist's links that fit, honestly."""
        answer = self.engine.matcher.ask(question[:500])
        if answer.kind == "greeting":
            self.say(self.t("question_greeting"))
        elif answer.kind == "thanks":
            self.say(self.t("question_thanks"))
            return
        elif answer.kind == "confident":
            self.say("\n\n".join([self.t("question_answer_title"), *(self.hit_text(h) for h in answer.hits)]))
        elif answer.kind == "unsure":
            await self.tx.count_unanswered(normalise(question)[:200] or "?", question, self.now)
            rows = tuple(
                (Button(h.title[:60], payloads.make("r" if h.kind == "resource" else "e", h.id)),) for h in answer.hits
            )
            self.say(self.t("question_unsure"), rows)
            return
        else:
            await self.tx.count_unanswered(normalise(question)[:200] or "?", question, self.now)
            self.say(self.t("question_none"))
        if self.assessment is not None and self.state.get("screen") in ("question", "theme_done", "end"):
            await self.show_place()

    def hit_text(self, hit: Hit) -> str:
        title = link(hit.title, hit.url) if hit.url else f"<b>{esc(hit.title)}</b>"
        text = f"• {title}\n{esc(hit.description)}"
        if hit.resource is not None and not hit.url and hit.resource.availability:
            text += "\n" + esc(hit.resource.availability)
        return text

    # -- municipality -------------------------------------------------------------
    def ask_municipality(self, candidates: list[str] | None = None, return_to: State | None = None) -> None:
        fields: dict[str, Any] = {"candidates": candidates or []}
        if return_to:
            fields["return"] = return_to
        self.state = {"screen": "municipality", **fields}
        self.say(self.t("ask_municipality"))

    async def match_municipality(self, text: str) -> None:
        match = self.engine.municipalities.find(text)
        return_to = self.state.get("return")
        if match.kind == "exact" and match.municipality:
            await self.choose_municipality(match.municipality.code)
            return
        if match.kind == "none" or not match.candidates:
            self.say(self.t("municipality_unknown", query=text[:60]))
            return
        key = "municipality_ambiguous" if match.kind == "ambiguous" else "municipality_suggestions"
        codes = [m.code for m in match.candidates]
        self.state = {"screen": "municipality", "candidates": codes}
        if return_to:
            self.state["return"] = return_to
        buttons = tuple(
            (Button(f"{m.name} ({m.province})", payloads.make("m", m.code)),) for m in match.candidates
        )
        self.say(self.t(key, query=text[:60]), buttons)

    async def choose_municipality(self, code: str) -> None:
        existing = [a for a in await self.tx.assessments_of(self.user.id) if a.municipality_code == code]
        if existing:
            await self.activate(existing[-1])
            self.say(self.t("municipality_resumed", municipality=self.municipality_name()))
            await self.resume()
            return
        assessment = await self.tx.create_assessment(code, self.user.id, self.now)
        await self.activate(assessment)
        m = self.content.municipality(code)
        self.say(self.t("municipality_chosen", municipality=m.name, province=m.province))
        await self.go_check(self.content.checks[0], intro=True)

    async def activate(self, assessment: Assessment) -> None:
        self.assessment = assessment
        self._answers = None
        self.state = {}
        await self.tx.set_active_assessment(self.user.id, assessment.id)

    def municipality_name(self) -> str:
        assert self.assessment is not None
        return self.content.municipality(self.active.municipality_code).name

    # -- moving through the checklist ---------------------------------------------
    def next_open(self, after: Check | None = None, within: int | None = None) -> Check | None:
        answers = self._answers or {}
        start = after.number if after else 0
        for check in self.content.checks[start:]:
            if check.id not in answers and (within is None or check.theme_id == within):
                return check
        return None

    async def go_check(self, check: Check, *, intro: bool = False) -> None:
        await self.answers()
        self.set_state("question", check=check.id, mode="flow")
        await self.tx.set_position(self.user.id, self.active.id, check.id, self.now)
        if intro:
            self.say(self.theme_intro(self.content.theme_of(check.id)))
        await self.show_place()

    async def advance(self, check: Check) -> None:
        """After a check was answered or skipped in the normal flow."""
        await self.answers()
        nxt = self.next_open(after=check)
        if nxt is not None and nxt.theme_id == check.theme_id:
            await self.go_check(nxt)
            return
        if nxt is None and check.theme_id == len(self.content.themes):
            await self.go_end(theme_done=check.theme_id)
            return
        self.set_state("theme_done", theme=check.theme_id, next=nxt.theme_id if nxt else None)
        await self.tx.set_position(self.user.id, self.active.id, (nxt or check).id, self.now)
        await self.show_place()

    async def go_end(self, theme_done: int | None = None) -> None:
        if theme_done is not None:
            self.say(await self.theme_result(self.content.theme(theme_done)))
        self.set_state("end")
        await self.mark_completed_if_done()
        await self.show_place()
        await self.add_summary(with_resume_button=False)

    async def mark_completed_if_done(self) -> bool:
        answers = await self.answers()
        done = all(c.id in answers for c in self.content.checks)
        if done and self.assessment and self.active.completed_at is None:
            await self.tx.set_completed(self.active.id, self.now)
        return done

    # -- rendering ----------------------------------------------------------------
    async def render(self) -> list[Message]:
        """The messages that show the user's current place (for a redelivery)."""
        self.messages = []
        await self.show_place()
        return self.messages

    async def show_place(self) -> None:
        await self.answers()
        screen = self.state.get("screen")
        if screen == "join":
            await self.show_join(int(self.state.get("invite", 0)))
            return
        if self.assessment is None or screen == "municipality":
            if screen == "municipality" and self.state.get("candidates"):
                buttons = tuple(
                    (Button(f"{m.name} ({m.province})", payloads.make("m", m.code)),)
                    for m in (self.content.municipality(c) for c in self.state["candidates"])
                )
                self.say(self.t("municipality_ambiguous"), buttons)
            elif screen == "confirm_delete":
                self.show_delete()
            else:
                self.ask_municipality(return_to=self.state.get("return"))
            return
        if screen == "question":
            check = self.content.check(self.state["check"])
            self.say(self.question_text(check, show_current=True), self.answer_buttons(check))
        elif screen == "theme_done":
            theme = self.content.theme(self.state["theme"])
            nxt = self.state.get("next")
            if nxt:
                button = Button(self.t("next_theme_button", number=nxt), payloads.make("v", self.active.id, nxt))
            else:
                button = Button(self.t("finish_button"), payloads.make("f", self.active.id))
            self.say(await self.theme_result(theme), ((button,),))
        elif screen == "end":
            answers = await self.answers()
            missing = sum(1 for c in self.content.checks if c.id not in answers)
            if missing:
                button = Button(self.t("answer_open_button"), payloads.make("o", self.active.id))
                self.say(self.t("end_with_open", count=missing), ((button,),))
            else:
                self.say(self.t("completed", municipality=self.municipality_name()))
        elif screen in ("change_theme", "jump_theme"):
            await self.show_theme_menu(screen)
        elif screen == "change_check":
            await self.show_check_menu(self.content.theme(self.state["theme"]))
        elif screen == "assessments":
            await self.show_assessments()
        elif screen == "confirm_delete":
            self.show_delete()
        elif screen == "confirm_round":
            self.say(
                self.t("round_confirm", municipality=self.municipality_name(), round=self.active.round + 1),
                (
                    (Button(self.content.texts("round_yes_button"), payloads.make("p", self.active.id)),),
                    (Button(self.content.texts("cancel_button"), payloads.make("q")),),
                ),
            )
        else:
            await self.resume()

    def theme_intro(self, theme: Theme) -> str:
        return self.t(
            "theme_intro", number=theme.id, total=len(self.content.themes), title=theme.title, heading=theme.heading
        )

    def progress_bar(self, number: int, total: int, width: int = 10) -> str:
        filled = -(-width * number // total)  # ceil: the current question counts
        return "▰" * filled + "▱" * (width - filled)

    def question_text(self, check: Check, *, show_current: bool) -> str:
        total = len(self.content.checks)
        progress = self.t(
            "progress", theme=check.theme_id, themes=len(self.content.themes), number=check.number, total=total
        )
        text = f"<b>{progress}</b>  {self.progress_bar(check.number, total)}\n\n{esc(check.text)}"
        answers = self._answers or {}
        if show_current and check.id in answers:
            text += "\n\n" + self.t("current_answer", answer=self.plain_answer(answers[check.id].answer, icon=True))
        return text

    def answer_buttons(self, check: Check) -> Keyboard:
        aid = self.active.id

        def answer(value: str) -> Button:
            return Button(self.plain_answer(value), payloads.make("a", aid, check.id, CODE_OF_ANSWER[value]))

        return (
            (answer("ja"), answer("deels")),
            (answer("nee"), answer("onbekend")),
            (
                Button(self.content.texts("why_button"), payloads.make("w", aid, check.id)),
                Button(self.content.texts("skip_button"), payloads.make("s", aid, check.id)),
            ),
        )

    def plain_answer(self, value: str | None, *, icon: bool = False) -> str:
        label = self.content.texts(f"answer_{value or 'open'}")
        return f"{ANSWER_ICONS[value]} {label}" if icon else label

    def answer_label(self, value: str) -> str:
        return self.plain_answer(value, icon=True)

    async def theme_result(self, theme: Theme) -> str:
        answers = await self.answers()
        score = next(s for s in theme_scores(self.content, answers) if s.theme_id == theme.id)
        parts = [
            self.t("theme_done", number=theme.id, title=theme.title),
            self.t("theme_score", score=format_points(score.score), total=score.total, percent=score.percent),
        ]
        points = open_points(self.content, answers, theme.id)
        if not points:
            parts.append(self.t("theme_all_yes"))
            return "\n\n".join(parts)
        lines = [self.t("theme_open_title")]
        lines += [f"{ANSWER_ICONS[p.value]} {esc(p.check.text)}" for p in points]
        parts.append("\n".join(lines))
        parts.append("\n".join([self.t("theme_actions_title"), *(f"• {esc(a)}" for a in theme.actions)]))
        return "\n\n".join(parts)

    async def show_theme_menu(self, screen: str) -> None:
        answers = await self.answers()
        kind = "c" if screen == "change_theme" else "t"
        rows = []
        for theme in self.content.themes:
            done = sum(1 for c in theme.checks if c.id in answers)
            label = f"{theme.id}. {theme.title} ({done}/{len(theme.checks)})"
            rows.append((Button(label, payloads.make(kind, self.active.id, theme.id)),))
        rows.append((Button(self.content.texts("cancel_button"), payloads.make("q")),))
        key = "change_choose_theme" if screen == "change_theme" else "jump_choose_theme"
        self.say(self.t(key), tuple(rows))

    async def show_check_menu(self, theme: Theme) -> None:
        answers = await self.answers()
        lines = [self.t("change_choose_check", title=theme.title)]
        buttons = []
        for check in theme.checks:
            value = answers[check.id].answer if check.id in answers else None
            lines.append(f"<b>{check.id}</b> {esc(check.text)} — {esc(self.plain_answer(value, icon=True))}")
            label = f"{check.id} · {self.plain_answer(value)}"
            buttons.append(Button(label, payloads.make("k", self.active.id, check.id)))
        rows = [tuple(buttons[i : i + 2]) for i in range(0, len(buttons), 2)]
        rows.append(
            (
                Button(self.content.texts("change_back_button"), payloads.make("b", self.active.id)),
                Button(self.content.texts("cancel_button"), payloads.make("q")),
            )
        )
        self.say("\n\n".join(lines), tuple(rows))

    async def show_assessments(self) -> None:
        answers = await self.answers()
        total = len(self.content.checks)
        parts = [
            self.t(
                "assessments_title",
                municipality=self.municipality_name(),
                round=self.active.round,
                answered=len(answers),
                total=total,
            )
        ]
        rows = []
        others = [a for a in await self.tx.assessments_of(self.user.id) if a.id != self.active.id]
        for other in others:
            name = self.content.municipality(other.municipality_code).name
            count = len(await self.tx.current_answers(other.id))
            rows.append((Button(f"{name} (ronde {other.round}, {count}/{total})", payloads.make("g", other.id)),))
        parts.append(self.t("assessments_other" if others else "assessments_none_other"))
        rows.append((Button(self.content.texts("new_assessment_button"), payloads.make("n")),))
        rows.append((Button(self.content.texts("cancel_button"), payloads.make("q")),))
        self.say("\n\n".join(parts), tuple(rows))

    def show_delete(self) -> None:
        self.say(
            self.t("delete_confirm"),
            (
                (Button(self.content.texts("delete_yes_button"), payloads.make("x", "y")),),
                (Button(self.content.texts("delete_no_button"), payloads.make("x", "n")),),
            ),
        )

    async def previous_answers(self) -> dict[str, Answer] | None:
        if self.assessment is None or self.active.previous_id is None:
            return None
        return await self.tx.current_answers(self.active.previous_id)

    def resource_line(self, resource: Resource) -> str:
        if resource.url:
            return f"• {link(resource.title, resource.url)}"
        extra = f" – {esc(resource.availability)}" if resource.availability else ""
        return f"• {esc(resource.title)}{extra}"

    async def add_summary(self, *, with_resume_button: bool) -> None:
        answers = await self.answers()
        total = len(self.content.checks)
        if not answers:
            self.say(self.t("summary_empty"))
            return
        sections = [
            "\n".join(
                [
                    self.t("summary_title", municipality=self.municipality_name()),
                    self.t("summary_progress", answered=len(answers), total=total),
                ]
            )
        ]
        lines = [self.t("summary_scores_title")]
        previous = await self.previous_answers()
        before = {s.theme_id: s.percent for s in theme_scores(self.content, previous)} if previous is not None else {}
        for s in theme_scores(self.content, answers):
            line = self.t(
                "summary_theme_line",
                number=s.theme_id,
                title=s.title,
                percent=s.percent,
                score=format_points(s.score),
                total=s.total,
                answered=s.answered,
            )
            if s.theme_id in before:
                line += " · " + self.t("summary_change", before=before[s.theme_id], after=s.percent)
            lines.append(line)
        sections.append("\n".join(lines))
        if previous is not None:
            improved = [
                c for c in self.content.checks
                if c.id in previous and previous[c.id].answer == "nee" and c.id in answers and answers[c.id].answer == "ja"
            ]
            if improved:
                sections.append(
                    "\n".join([self.t("summary_improved_title"), *(f"✅ <b>{c.id}</b> {esc(c.text)}" for c in improved)])
                )
        members = await self.tx.members(self.active.id)
        team = len(members) > 1 or any(a.answered_by != self.user.id for a in answers.values())
        if team:
            counts: dict[str, int] = {}
            for a in answers.values():
                name = a.answered_by_name or self.content.texts("someone")
                counts[name] = counts.get(name, 0) + 1
            names = ", ".join(f"{name} ({n})" for name, n in sorted(counts.items(), key=lambda kv: -kv[1]))
            sections[0] += "\n" + self.t("summary_contributors", names=names)
        points = open_points(self.content, answers)
        if not points:
            sections.append(self.t("summary_no_open"))
        else:
            lines = [self.t("summary_open_title")]
            for p in points:
                line = f"{ANSWER_ICONS[p.value]} <b>{p.check.id}</b> {esc(p.check.text)} ({esc(self.plain_answer(p.value))})"
                if team and p.answer:
                    by = p.answer.answered_by_name or self.content.texts("someone")
                    line += " – " + self.t("summary_by", name=by)
                if p.answer and p.answer.note:
                    line += "\n    " + self.t("summary_note", note=p.answer.note)
                lines.append(line)
            sections.append("\n".join(lines))
            for theme in self.content.themes:
                if not any(p.check.theme_id == theme.id for p in points):
                    continue
                block = [self.t("summary_actions_title", title=theme.title), *(f"• {esc(a)}" for a in theme.actions)]
                resources = self.content.theme_resources(theme.id)
                if resources:
                    block += [self.t("summary_links_title"), *(self.resource_line(r) for r in resources)]
                sections.append("\n".join(block))
        noted = [(c, answers[c.id]) for c in self.content.checks if c.id in answers and answers[c.id].note]
        noted = [(c, a) for c, a in noted if a.answer == "ja"]
        if noted:
            sections.append(
                "\n".join(f"✅ <b>{c.id}</b> " + self.t("summary_note", note=a.note) for c, a in noted)
            )
        texts = pack(sections)
        for text in texts[:-1]:
            self.say(text)
        buttons: Keyboard = ()
        if with_resume_button and self.state.get("screen") != "end" and len(answers) < total:
            buttons = ((Button(self.content.texts("resume_button"), payloads.make("u")),),)
        self.say(texts[-1], buttons)


def code_hash(code: str) -> str:
    return hashlib.sha256(code.encode("utf-8")).hexdigest()



async def build_report_data(content: Content, tx: Tx, assessment: Assessment, now: datetime) -> ReportData:
    answers = await tx.current_answers(assessment.id)
    previous = await tx.current_answers(assessment.previous_id) if assessment.previous_id else None
    known = {a.answered_by for a in answers.values() if a.answered_by is not None}
    contributors = len(known) + (1 if any(a.answered_by is None for a in answers.values()) else 0)
    return build_report(
        content,
        municipality_code=assessment.municipality_code,
        round=assessment.round,
        date=now.astimezone(AMSTERDAM).date(),
        answers=answers,
        previous=previous,
        contributors=contributors,
    )


def render_documents(report: ReportData, kinds: tuple[str, ...]) -> tuple[Document, ...]:
    """The chart and/or the PDF of a report (CPU work: run it in a thread)."""
    from bot.report.chart import render_chart
    from bot.report.pdf import render_pdf, report_filename

    chart = render_chart(report)
    out: list[Document] = []
    if "chart" in kinds:
        name = report_filename(report).replace(".pdf", ".png")
        out.append(Document(name, chart, f"Score per thema – {report.municipality}, ronde {report.round}", kind="photo"))
    if "pdf" in kinds:
        caption = f"Rapport checklist Aanpak loverboyproblematiek – {report.municipality}, ronde {report.round}"
        out.append(Document(report_filename(report), render_pdf(report, chart), caption))
    return tuple(out)
