"""The seam every door uses: ``Engine.handle(user, event) -> Reply``.

One user action is one database transaction: the update is claimed first
(a redelivery writes nothing and shows the current place), the user's place
is loaded, the router applies the event against the routing table
(:mod:`bot.conversation.table`) and renders the next screen. Nothing is kept
in memory between actions. A typed question is answered outside the
transaction: its text is classified in a short read, the answer composed in
a thread, and the write transaction then logs it and replies.

Storage errors propagate: the dispatcher keeps the update and retries.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from bot import payloads
from bot.answering import Answerer, Composed
from bot.conversation import router
from bot.conversation.context import Ctx
from bot.conversation.documents import build_report_data, render_documents
from bot.conversation.questions import QUESTION_CHARS
from bot.events import Event, Press, Text, UserRef
from bot.html import esc
from bot.report.data import ReportData
from bot.views import Button, Message, Reply
from content.model import Content
from content.municipalities import MunicipalityFinder
from storage.store import Store

Clock = Callable[[], datetime]
DEFAULT_REMINDER_DAYS = 7

__all__ = ["Engine", "render_documents"]


def utc_now() -> datetime:
    return datetime.now(UTC)


class Engine:
    def __init__(
        self,
        content: Content,
        store: Store,
        clock: Clock = utc_now,
        *,
        bot_username: str | None = None,
        reminder_days: int = DEFAULT_REMINDER_DAYS,
        answerer: Answerer | None = None,
    ) -> None:
        self.content = content
        self.store = store
        self.clock = clock
        self.bot_username = bot_username
        self.reminder_days = reminder_days
        self.municipalities = MunicipalityFinder(content)
        self.answerer = answerer or Answerer(content)

    async def handle(self, user: UserRef, event: Event, *, update_id: int | None = None) -> Reply:
        """Apply one user action and return what to show.

        With ``update_id`` the action is applied at most once: a redelivered
        update changes nothing and shows the user's current place again.
        """
        now = self.clock()
        composed = await self.compose_for(user, event.text, now) if isinstance(event, Text) else None
        async with self.store.transaction() as tx:
            # a stale button never re-creates a deleted user: a press only touches an existing one
            started = await tx.start_action(user.key, user.name, now, update_id=update_id,
                                            create=not isinstance(event, Press))  # fmt: skip
            if started.user is None:
                return Reply(messages=(Message(self.content.texts("start_again")),), duplicate=not started.fresh,
                             toast=self.content.texts("expired_button") if started.fresh else None)  # fmt: skip
            ctx = Ctx(self, tx, started.user, now)
            ctx.start_from(started.loaded)
            if not started.fresh:  # a redelivered update: show where the user is, write nothing
                return Reply(messages=tuple(router.split(await router.render_current(ctx))), duplicate=True)
            await router.dispatch(ctx, event, composed)
            reply = await router.finish(ctx)
        if ctx.deleted:
            await self.store.db.checkpoint()  # no copy of the deleted data stays in the WAL
        if ctx.report is not None:
            # rendering takes a while: outside the transaction, off the event loop
            documents = await asyncio.to_thread(render_documents, ctx.report, ctx.report_kinds)
            reply = dataclasses.replace(reply, documents=reply.documents + documents)
        return reply

    async def compose_for(self, user: UserRef, text: str, now: datetime) -> Composed | None:
        """A typed question's answer, composed off the event loop and outside any transaction.

        A safety message (a young person in danger, a worry) is answered on every screen, also as
        a first message or where a municipality is asked: help comes before anything else.
        """
        question = " ".join(text.split())[:QUESTION_CHARS]
        if self.answerer.safety(question) is not None:
            return await asyncio.to_thread(self.answerer.compose, question)
        async with self.store.transaction(write=False) as tx:
            row = await tx.find_user(user.key)
            if row is None:
                return None
            ctx = Ctx(self, tx, row, now)
            await ctx.load()
            route = await router.classify(ctx, text)
        if not route.needs_answer:
            return None
        return await asyncio.to_thread(self.answerer.compose, question)

    async def collect_reminders(self, inactive: timedelta | None = None) -> list[tuple[str, Message]]:
        """Reminders that are due now, each marked as sent in the same transaction.

        Marking first means a reminder is never sent twice; a crash between
        this commit and the send loses one reminder, which is the better failure.
        """
        now = self.clock()
        inactive = inactive if inactive is not None else timedelta(days=self.reminder_days)
        out: list[tuple[str, Message]] = []
        async with self.store.transaction() as tx:
            for user, assessment in await tx.due_reminders(now - inactive):
                await tx.mark_reminded(user.id, now)
                answered = len(await tx.current_answers(assessment.id))
                name = self.content.municipality(assessment.municipality_code).name
                text = self.content.texts("reminder", municipality=esc(name), answered=answered,
                                          total=len(self.content.checks))  # fmt: skip
                button = Button(self.content.texts("reminder_button"), payloads.make("u"))
                out.append((user.external_id, Message(text, ((button,),))))
        return out

    async def report_for(self, assessment_id: int) -> ReportData | None:
        """The report data of one assessment, for the command line."""
        async with self.store.transaction(write=False) as tx:
            assessment = await tx.assessment(assessment_id)
            if assessment is None:
                return None
            return await build_report_data(self.content, tx, assessment, self.clock())
