"""Callback payloads: compact, versioned, validated.

A payload is ``"1|<kind>|<field>|..."``: the version, a one-letter kind and
its fields, at most 64 bytes (Telegram's limit). :func:`parse` accepts only
well-formed payloads of known kinds; anything else (an old version, a
forged or truncated string, random bytes) is ``None`` and the engine treats
the button as expired.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

VERSION = "1"

_INT = r"[1-9][0-9]{0,11}"
_FIELDS: dict[str, tuple[str, ...]] = {
    "a": (_INT, r"[1-5]\.[1-9]", r"[jdno]"),  # answer: assessment, check, value
    "w": (_INT, r"[1-5]\.[1-9]"),  # why is this important
    "s": (_INT, r"[1-5]\.[1-9]"),  # skip
    "v": (_INT, r"[1-5]"),  # continue with theme
    "f": (_INT,),  # to the end of the checklist
    "o": (_INT,),  # answer the open questions
    "m": (r"GM[0-9]{4}",),  # choose municipality
    "c": (_INT, r"[1-5]"),  # change: choose theme
    "k": (_INT, r"[1-5]\.[1-9]"),  # change: choose check
    "b": (_INT,),  # change: back to the themes
    "t": (_INT, r"[1-5]"),  # jump to theme
    "g": (_INT,),  # switch to assessment
    "n": (),  # start for another municipality
    "x": (r"[yn]",),  # confirm / cancel deleting all data
    "q": (),  # cancel, back to where you were
    "u": (),  # resume
    "r": (r"[a-z0-9-]{1,58}",),  # show a resource
    "e": (r"[a-z0-9-]{1,58}",),  # show a practice example
    "i": (_INT,),  # revoke an invite
    "y": (_INT,),  # join through an invite
    "z": (),  # do not join
    "d": (_INT, _INT),  # remove a member: assessment, user
    "h": (_INT, _INT),  # hand over the coordinator role: assessment, user
    "p": (_INT,),  # start a new round after this assessment
    "l": (r"[01]",),  # reminders off / on
}
_FIELD_RE = {kind: [re.compile(f) for f in fields] for kind, fields in _FIELDS.items()}

ANSWER_CODES = {"j": "ja", "d": "deels", "n": "nee", "o": "onbekend"}
CODE_OF_ANSWER = {v: k for k, v in ANSWER_CODES.items()}


@dataclass(frozen=True, slots=True)
class Payload:
    kind: str
    args: tuple[str, ...] = ()

    def int(self, index: int) -> int:
        return int(self.args[index])


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
