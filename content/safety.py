"""Safety first: recognise a message about a young person in danger, and what to say.

``SafetyRule.classify(text)`` says ``"urgent"`` (acute danger now: 112 and
Veilig Thuis first), ``"concern"`` (a worry about a particular young person:
Veilig Thuis for advice and the signalling resources) or ``None`` (an ordinary
question: no emergency numbers). The texts and their sources are data in
``content/safety.yaml``; the words below are what recognises the messages.

The rule is plain word lists on the folded words of the message (accents,
case and punctuation dropped, see :func:`content.matcher.fold`), with a
rapidfuzz typo match for the longer signal words ("sppoed", "bedreigt"). It is
deliberately generous: a false alarm costs a few lines above the answer; a
missed emergency costs far more. Its labelled set is tests/data/safety.yaml.

- **urgent** when the message names
  * an acute act against someone (threatened, held, locked up, raped, taken,
    missing, "in danger") together with a person or an urgency word, or
  * ongoing harm (forced, exploited, abused, blackmailed) together with an
    urgency word ("nu", "net", "vanavond", "spoed", "right now"; "hulp"/"help" not in
    a general question: "hoe betrek je de ouders bij de hulp aan hun uitgebuite kind"), or
  * a strong urgency word ("spoed", "noodgeval", "emergency") together with
    a person or any danger word.
- **concern** when it names one young person ("een meisje", "mijn leerling",
  "my student") together with a worry ("zorgen", "vermoed", "vertrouw het
  niet", "worried") or a signal of exploitation from the signalling guides
  (loverboy, prostitution, an older boyfriend, expensive things, new phones,
  truancy, nights away, getting into cars, having to send photos); not when it
  is a general question ("hoe merk je dat een jongen …", without "ik" or "mijn").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Literal

import yaml
from rapidfuzz import fuzz, process

from content.matcher import fold

Safety = Literal["urgent", "concern"]

# -- the words ------------------------------------------------------------------------
_ACUTE_ACTS = frozenset(
    """
    bedreigd bedreigt bedreig dreigt dreigen bedreiging bedreigen vastgehouden vastgebonden opgesloten
    ontvoerd ontvoering vermist weggelopen ontsnapt meegenomen meenemen verkracht aangerand
    slaat geslagen sloeg steekt gestoken neergestoken mes wapen pistool levensgevaar gevaar vermoorden
    doodmaken doden
    threatened threatening threatens threat held locked kidnapped abducted missing raped assaulted
    attacked beaten hitting stabbed knife gun danger kill killing
    """.split()
)
_ONGOING = frozenset(
    """
    uitgebuit gedwongen dwingt dwingen afgeperst afpersing mishandeld mishandelt misbruikt misbruik
    klant klanten pooier pimp verhandeld tippelen
    exploited forced abused abusing trafficked blackmailed pimped
    """.split()
)
_STRONG_URGENCY = frozenset("spoed dringend noodgeval nood acuut acute alarm urgent emergency sos asap".split())
_WEAK_URGENCY = frozenset(
    "nu net zojuist vannacht vanavond vandaag momenteel meteen direct help hulp now just tonight currently".split()
)
_URGENT_PHRASES = (
    "op dit moment", "op het moment", "op dit ogenblik", "right now", "at the moment", "kan niet weg",
    "can t get out", "cannot get out", "against her will", "against his will", "tegen haar wil", "tegen zijn wil",
)
_PERSONS = frozenset(
    """
    meisje meid meiden jongen jongens kind kinderen leerling leerlinge leerlingen client clienten
    cliente dochter zoon nichtje neefje buurmeisje buurjongen minderjarige jongere tiener puber
    ze zij haar hem hij iemand slachtoffer
    girl girls boy boys child children kid kids minor student pupil client daughter son teenager teen
    she her he him someone somebody victim
    """.split()
)
_ONE_YOUNG_PERSON = frozenset(
    """
    meisje meid jongen kind leerling leerlinge client cliente dochter zoon nichtje neefje buurmeisje
    buurjongen minderjarige jongere tiener puber
    girl boy child kid minor student pupil client daughter son teenager niece nephew
    """.split()
)
_WORRY = frozenset(
    """
    zorgen zorg bezorgd ongerust vermoed vermoeden vermoedelijk verdenk vertrouw pluis twijfel
    signalen signaal
    worried worry concerned concern suspect suspicion suspicious
    """.split()
)
_SIGNS = frozenset(
    """
    loverboy loverboys prostitutie prostitueert uitbuiting uitgebuit mensenhandel ronselen geronseld
    dure spullen cadeaus geld oudere vriend vriendje telefoon telefoons spijbelt spijbelen weg nachts
    auto mannen fotos naaktfotos sexting grooming groomed exploited exploitation trafficking
    older boyfriend gifts money phone truancy photos pictures
    """.split()
)
# a question that starts like "hoe merk je dat een jongen …" and names no "ik"/"mijn" asks about
# young people in general (a policy or how-to question), not about one the asker worries about
_QUESTION_WORDS = frozenset("hoe wat welke wie waar wanneer waaraan waardoor how what which who where when".split())
_FIRST_PERSON = frozenset("ik mij me mijn m i my mine".split())
_HELP = frozenset("hulp help".split())  # not an urgency word in such a general question
_AGED = re.compile(r"^\d{1,2}jarige?$")  # "14-jarige" folds to "14", "jarige"; joined below

_FUZZY_WORDS = tuple(sorted(w for w in _ACUTE_ACTS | _ONGOING | _STRONG_URGENCY if len(w) >= 5))
_FUZZY_CUTOFF = 85.0


@dataclass(frozen=True)
class SafetyText:
    title: str  # HTML
    lines: tuple[str, ...]  # HTML
    resource_ids: tuple[str, ...] = ()

    def html(self) -> str:
        return "\n".join([self.title, *(f"• {line}" for line in self.lines)])


@dataclass(frozen=True)
class SafetyTexts:
    urgent: SafetyText
    concern: SafetyText


class SafetyError(ValueError):
    """content/safety.yaml is incomplete or names an unknown resource (refused at start-up)."""


def load_safety_texts(resource_ids: frozenset[str] | None = None) -> SafetyTexts:
    """content/safety.yaml, checked: both texts there, the numbers present, resource ids known."""
    raw = yaml.safe_load((resources.files("content") / "safety.yaml").read_text(encoding="utf-8"))
    try:
        texts = {
            key: SafetyText(
                str(raw[key]["title"]),
                tuple(str(line) for line in raw[key]["lines"]),
                tuple(str(r) for r in raw[key].get("resources", ())),
            )
            for key in ("urgent", "concern")
        }
    except (KeyError, TypeError) as exc:
        raise SafetyError(f"content/safety.yaml: missing or malformed entry: {exc}") from exc
    urgent = texts["urgent"].html()
    for number in ("112", "0900-8844", "0800-2000", "0800-0188", "mensenhandel.nl"):
        if number not in urgent:
            raise SafetyError(f"content/safety.yaml: the urgent text lacks {number}")
    if "0800-2000" not in texts["concern"].html():
        raise SafetyError("content/safety.yaml: the concern text lacks Veilig Thuis 0800-2000")
    if resource_ids is not None:
        unknown = [r for t in texts.values() for r in t.resource_ids if r not in resource_ids]
        if unknown:
            raise SafetyError(f"content/safety.yaml: unknown resource ids {unknown}")
    return SafetyTexts(texts["urgent"], texts["concern"])


@lru_cache(maxsize=4096)
def _fuzzy(word: str) -> str:
    """The signal word a typo stands for ("sppoed" -> "spoed"), or the word itself."""
    if len(word) < 5:
        return word
    near = [w for w in _FUZZY_WORDS if abs(len(w) - len(word)) <= 1]  # "gesloten" is not "opgesloten"
    found = process.extractOne(word, near, scorer=fuzz.ratio, score_cutoff=_FUZZY_CUTOFF)
    return found[0] if found else word


class SafetyRule:
    """Classifies a message: "urgent", "concern" or None (an ordinary question)."""

    def classify(self, text: str) -> Safety | None:
        words = fold(text[:2000])
        if not words:
            return None
        words = [_fuzzy(w) if w not in _PERSONS else w for w in words]
        joined = " ".join(words)
        present = set(words)
        for a, b in zip(words, words[1:], strict=False):  # "14-jarige" -> "14jarige"
            if a.isdigit() and _AGED.match(a + b):
                present.add("minderjarige")
        person = bool(present & _PERSONS)
        acute = bool(present & _ACUTE_ACTS) or "in gevaar" in joined
        ongoing = bool(present & _ONGOING)
        strong = bool(present & _STRONG_URGENCY)
        general = words[0] in _QUESTION_WORDS and not present & _FIRST_PERSON
        weak = present & _WEAK_URGENCY
        if general:  # "hoe betrek je de ouders bij de hulp aan hun uitgebuite kind": help, not a cry for it
            weak = weak - _HELP
        urgency = strong or bool(weak) or any(p in joined for p in _URGENT_PHRASES)
        if (acute and (person or urgency)) or (ongoing and urgency) or (strong and (person or acute or ongoing)):
            return "urgent"
        one = bool(present & _ONE_YOUNG_PERSON) or any(p in joined for p in ("een van mijn", "one of my"))
        if one and not general and (present & _WORRY or present & _SIGNS or ongoing):
            return "concern"
        return None
