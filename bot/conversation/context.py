"""One user action in progress: its transaction, its user, its place and its outbox.

Handlers read and write through a :class:`Ctx`, set the next place and
return; they never render a screen (the router does, once, at the end).
What they may add is short notes shown above the next screen, messages the
user will scroll back to, documents, a toast and notices for other users.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import TYPE_CHECKING

from bot.conversation.place import WITHOUT_ASSESSMENT, Place, Screen
from bot.html import esc
from bot.report.data import ReportData
from bot.views import Document, Message, Notice
from content.model import UNANSWERED_ICON, UNANSWERED_LABEL, AnswerValue, Check, Content
from storage.store import Answer, Assessment, Loaded, Tx, User

if TYPE_CHECKING:
    from bot.engine import Engine

# Bidirectional controls and marks: a name with them could reorder a button's text.
_BIDI = re.compile("[\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def clean_name(name: str | None, limit: int = 24) -> str | None:
    """A user's name as shown on a button or in a list: no bidi controls, no line breaks, cut short."""
    if name is None:
        return None
    cleaned = " ".join(_BIDI.sub("", name).split())[:limit]
    return cleaned or None


@dataclass
class Ctx:
    engine: "Engine"
    tx: Tx
    user: User
    now: datetime
    place: Place = field(default_factory=Place)
    assessment: Assessment | None = None
    pressed: bool = False  # the action is a button press: the next screen replaces the pressed message
    # -- the outbox -----------------------------------------------------------
    notes: list[str] = field(default_factory=list)  # short lines above the next screen
    scroll: list[Message] = field(default_factory=list)  # messages to keep (answers, details)
    edit: Message | None = None  # an explicit replacement for the pressed message
    toast: str | None = None
    silent: bool = False  # do not show the screen again (the pressed message still shows it)
    brief: bool = False  # show the screen once more, briefly (after an answer to a typed question)
    documents: list[Document] = field(default_factory=list)
    notices: list[Notice] = field(default_factory=list)
    report: ReportData | None = None
    report_kinds: tuple[str, ...] = ()
    deleted: bool = False
    _answers: dict[str, Answer] | None = None

    # -- loading ----------------------------------------------------------------
    async def load(self) -> None:
        self.start_from(await self.tx.load(self.user))

    def start_from(self, loaded: Loaded) -> None:
        """Where the user is, from what storage loaded (:meth:`storage.store.Tx.load`)."""
        self.place = Place.from_dict(loaded.state)
        self.assessment = loaded.assessment
        self._answers = loaded.answers if loaded.assessment is not None else None
        if self.assessment is None:
            if self.place.screen not in WITHOUT_ASSESSMENT or self.place.aid is not None:
                self.place = Place()
        elif self.place.aid not in (None, self.assessment.id):
            self.place = Place()  # the place belongs to another assessment: find it anew

    async def save(self) -> None:
        if not self.deleted:
            await self.tx.set_state(self.user.id, self.place.to_dict(), self.now)

    # -- reading ----------------------------------------------------------------
    @property
    def content(self) -> Content:
        return self.engine.content

    @property
    def active(self) -> Assessment:
        """The active assessment, where the route guarantees there is one."""
        assert self.assessment is not None, "no active assessment"
        return self.assessment

    async def answers(self) -> dict[str, Answer]:
        if self._answers is None:
            self._answers = await self.tx.current_answers(self.active.id) if self.assessment else {}
        return self._answers

    def forget_answers(self) -> None:
        self._answers = None

    def t(self, key: str, **values: object) -> str:
        """A text of texts.yaml with its values escaped (the text's own markup stays)."""
        return self.content.texts(key, **{k: esc(v) for k, v in values.items()})

    def label(self, key: str, **values: object) -> str:
        """A button label: plain text, not escaped."""
        return self.content.texts(key, **values)

    def municipality_name(self) -> str:
        return self.content.municipality(self.active.municipality_code).name

    def check_ref(self, check: Check) -> str:
        """The one numbering the user sees: "vraag 9/24"."""
        return self.content.texts("check_ref", number=check.number, total=len(self.content.checks))

    @staticmethod
    def answer_text(value: AnswerValue | None, *, icon: bool = True) -> str:
        if value is None:
            return f"{UNANSWERED_ICON} {UNANSWERED_LABEL}" if icon else UNANSWERED_LABEL
        return f"{value.icon} {value.label}" if icon else value.label

    # -- moving -----------------------------------------------------------------
    def go(self, place: Place) -> None:
        """Replace the current place (keeping the menus under it)."""
        self.place = replace(place, back=self.place.back) if not place.back else place
        self._stamp()

    def reset(self, place: Place) -> None:
        """A new base place: every menu closes."""
        self.place = place
        self._stamp()

    def push(self, place: Place) -> None:
        """A menu over the current place."""
        self.place = self.place.push(place)
        self._stamp()

    def open_menu(self, place: Place) -> None:
        """A menu opened by a command: over the base, closing other menus."""
        self.place = self.place.over_base(place)
        self._stamp()

    def pop(self) -> None:
        self.place = self.place.pop()
        stale = self.place.aid is not None and (self.assessment is None or self.place.aid != self.assessment.id)
        if stale or (self.assessment is None and self.place.screen not in WITHOUT_ASSESSMENT):
            self.place = Place()  # the place under the menu is gone (a checklist left, or deleted): resume

    def _stamp(self) -> None:
        if self.assessment is not None and self.place.aid is None and self.place.screen not in (Screen.NOWHERE,):
            self.place = replace(self.place, aid=self.assessment.id)

    # -- writing to the outbox --------------------------------------------------
    def note(self, text: str) -> None:
        self.notes.append(text)

    def keep(self, text: str, buttons: tuple = ()) -> None:
        """A message to scroll back to, before the screen."""
        self.scroll.append(Message(text, buttons))
