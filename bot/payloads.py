"""Callback payloads: compact, versioned, validated.

A payload is ``"1|<kind>|<field>|..."``: the version, a short kind and its
fields, at most 64 bytes (Telegram's limit). :func:`parse` accepts only
well-formed payloads of known kinds; anything else (an old version, a forged
or truncated string, random bytes) is ``None`` and the core treats the button
as expired. Which kinds a screen accepts is declared in
:mod:`bot.conversation.table`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from content.model import AnswerValue

VERSION = "1"

_INT = r"[1-9][0-9]{0,11}"
_CHECK = r"[1-5]\.[1-9]"
_ANSWER = "[" + "".join(v.code for v in AnswerValue) + "]"
_FIELDS: dict[str, tuple[str, ...]] = {
    "a": (_INT, _CHECK, _ANSWER),  # answer: assessment, check, AnswerValue.code
    "w": (_INT, _CHECK),  # why is this important
    "s": (_INT, _CHECK),  # skip
    "j": (_INT, _CHECK),  # "↩ Vorige" on this check: undo the last answer, back one question
    "v": (_INT, r"[1-5]"),  # continue with theme
    "f": (_INT,),  # to the end of the checklist
    "o": (_INT,),  # answer the open questions
    "m": (r"GM[0-9]{4}",),  # choose municipality
    "c": (_INT, r"[1-5]"),  # change: choose theme
    "k": (_INT, _CHECK),  # change: choose check
    "b": (_INT,),  # change: back to the themes
    "t": (_INT, r"[1-5]"),  # jump to theme
    "g": (_INT,),  # switch to assessment
    "n": (),  # start for another municipality
    "x": (r"[yn]",),  # confirm / cancel deleting all data
    "q": (),  # close this menu, back to where you were
    "u": (),  # resume
    "r": (r"[a-z0-9-]{1,58}",),  # show a resource
    "e": (r"[a-z0-9-]{1,58}",),  # show a practice example
    "nn": (),  # none of these suggestions
    "i": (_INT,),  # revoke an invite
    "ia": (_INT,),  # revoke every open invite of this assessment (the coordinator, on /team)
    "y": (_INT,),  # join through an invite
    "z": (),  # do not join
    "d": (_INT, _INT),  # remove a member: assessment, user
    "h": (_INT, _INT),  # hand over the coordinator role: assessment, user
    "p": (_INT,),  # start a new round after this assessment
    "l": (r"[01]",),  # reminders off / on
    "sd": (_INT, r"[0-5]"),  # summary: a theme's details (0 = every open point)
    "sr": (_INT,),  # the report as PDF
    "ss": (_INT,),  # show the summary
    "pg": (r"[0-9]{1,3}",),  # a page of a long menu
}
_FIELD_RE = {kind: [re.compile(f) for f in fields] for kind, fields in _FIELDS.items()}
KINDS = frozenset(_FIELDS)
# Kinds whose first field is the assessment the button belongs to: only the user's active one is accepted.
OF_ASSESSMENT = frozenset({"ia", "a", "w", "s", "j", "v", "f", "o", "c", "k", "b", "t", "d", "h", "p", "sd", "sr", "ss"})


@dataclass(frozen=True, slots=True)
class Payload:
    kind: str
    args: tuple[str, ...] = ()

    def int(self, index: int) -> int:
        return int(self.args[index])

    def answer(self) -> AnswerValue:
        return AnswerValue.from_code(self.args[2])


def make(kind: str, *args: object) -> str:
    data = "|".join((VERSION, kind, *(str(a) for a in args)))
    if parse(data) is None:
        raise ValueError(f"invalid payload {data!r}")
    return data


def parse(data: str | bytes | None) -> Payload | None:
    if not isinstance(data, str) or len(data.encode("utf-8", "surrogatepass")) > 64:
        return None
    parts = data.split("|")
    if len(parts) < 2 or parts[0] != VERSION or parts[1] not in _FIELD_RE:
        return None
    kind, args = parts[1], tuple(parts[2:])
    patterns = _FIELD_RE[kind]
    if len(args) != len(patterns):
        return None
    if not all(p.fullmatch(a) for p, a in zip(patterns, args, strict=True)):
        return None
    return Payload(kind, args)
