"""De-identification of a question before it goes into the question log.

Rules, in this order, on the text as typed (Dutch and English):

1. e-mail addresses -> [E-MAIL]; web addresses -> [URL];
2. dates ("3 maart 2024", "12-05-2025", "01/02/2010", "maart 2024") -> [DATUM];
3. postcodes ("7511 AB") -> [POSTCODE]; phone numbers (6 or more digits, with
   spaces, dashes, "+31") -> [TELEFOON];
4. street addresses (a word ending in straat, laan, weg, plein, … or "Street",
   with its house number) -> [ADRES];
5. ages ("(14)", "14 jaar", "14-jarige", "van 13", "is 17", "aged 16") -> [LEEFTIJD];
6. every other number -> #;
7. names of municipalities and CBS places -> [PLAATS];
8. names -> [NAAM]: every capitalised word the checklist does not know
   (its own vocabulary, stop words, the greetings), with the particles of a
   surname ("de Vries", "van der Berg") and the words a name follows
   ("nichtje", "dochter", "leerling", "heet", "named" …) even in lower case.

It errs on the side of removing: a capitalised word the checklist does not
know becomes [NAAM] also when it was an ordinary word. Measured against the
Dutch de-identifier ``deduce`` on tests/data/deidentify.yaml, see
tests/test_question_log.py and the README's AVG section.
"""

from __future__ import annotations

import re
import unicodedata

from content.matcher import STOP_WORDS, ResourceMatcher, fold
from content.model import Content

_MONTHS = (
    "januari|februari|maart|april|mei|juni|juli|augustus|september|oktober|november|december|"
    "jan|feb|mrt|apr|jun|jul|aug|sep|sept|okt|nov|dec|"
    "january|february|march|may|june|july|august|october"
)
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
_URL = re.compile(r"\b(?:https?://|www\.)\S+|\b[\w-]+(?:\.[\w-]+)*\.(?:nl|com|org|net|eu|be)\b\S*", re.IGNORECASE)
_DATE = re.compile(
    rf"\b\d{{1,2}}\s*[-/.]\s*\d{{1,2}}\s*[-/.]\s*\d{{2,4}}\b"
    rf"|\b\d{{1,2}}\s+(?:{_MONTHS})\.?(?:\s+\d{{4}})?\b"
    rf"|\b(?:{_MONTHS})\.?\s+\d{{4}}\b",
    re.IGNORECASE,
)
_POSTCODE = re.compile(r"\b\d{4}\s?[A-Z]{2}\b")
_PHONE = re.compile(r"(?<![\w])(?:\+|00)?\d(?:[\s-]?\d){5,}")
_STREET = re.compile(
    r"\b[\w\-']*(?:straat|laan|weg|plein|gracht|kade|singel|dreef|hof|pad|steeg|dijk|park|markt|erf|"
    r"street|road|avenue|lane)\b(?:\s+\d+[a-zA-Z]?\b)?"
    r"|\b\d+\s+[A-Z][\w']*\s+(?:Street|Road|Avenue|Lane)\b",
    re.IGNORECASE,
)
_AGE = re.compile(
    r"\(\s*\d{1,2}\s*\)"
    r"|\b\d{1,2}\s*(?:jaar|jr|jarige?|years?\s+old|year-old|yo)\b"
    r"|\b(?:van|is|aged|age|leeftijd)\s+\d{1,2}\b",
    re.IGNORECASE,
)
_NUMBER = re.compile(r"\d+[a-zA-Z]?")
_WORD = re.compile(r"[^\W\d_][\w'’-]*", re.UNICODE)
_PARTICLES = frozenset("van de der den ter ten el al bin ben da di du le la von".split())
_NAME_AFTER = frozenset(
    """
    nichtje neefje dochter zoon leerling leerlinge client cliente clienten meisje jongen buurmeisje
    buurjongen vriendin vriend broer zus moeder vader collega heet genaamd naam mevrouw meneer juf meester
    named called student daughter son niece nephew client girl boy friend sister brother mr mrs ms
    """.split()
)
_COMMON = frozenset("best lent wijk haren hoorn goes nes put meer zetten buren nederland holland gemeente".split())
_TAG = re.compile(r"\[[A-Z-]+\]")
MAX_TEXT = 200


def _plain(word: str) -> str:
    folded = unicodedata.normalize("NFKD", word.casefold())
    return "".join(ch for ch in folded if not unicodedata.combining(ch))


class Deidentifier:
    """Removes personal data from a question (see the module's rules)."""

    def __init__(self, content: Content, matcher: ResourceMatcher | None = None) -> None:
        self._matcher = matcher or ResourceMatcher(content)
        places = {m.name for m in content.municipalities} | set(content.aliases)
        places |= {p.name for p in getattr(content, "places", ())}
        # not the places that are also common words ("Een" in Noordenveld, "Best")
        folded = {" ".join(fold(p)) for p in places}
        self._places = frozenset(p for p in folded if len(p) > 3 and p not in STOP_WORDS and p not in _COMMON)
        self._longest_place = max((len(p.split()) for p in self._places), default=1)

    def __call__(self, text: str) -> str:
        text = " ".join(text.split())
        text = _EMAIL.sub("[E-MAIL]", text)
        text = _URL.sub("[URL]", text)
        text = _DATE.sub("[DATUM]", text)
        text = _POSTCODE.sub("[POSTCODE]", text)
        text = _PHONE.sub("[TELEFOON]", text)
        text = _STREET.sub("[ADRES]", text)
        text = _AGE.sub("[LEEFTIJD]", text)
        text = _NUMBER.sub("#", text)
        text = self._places_out(text)
        text = self._names_out(text)
        return text[:MAX_TEXT]

    def _known(self, word: str) -> bool:
        plain = _plain(word)
        return plain in STOP_WORDS or self._matcher.knows(plain)

    def _places_out(self, text: str) -> str:
        words = list(_WORD.finditer(text))
        spans: list[tuple[int, int]] = []
        i = 0
        while i < len(words):
            for n in range(min(self._longest_place, len(words) - i), 0, -1):
                group = words[i : i + n]
                if " ".join(fold(" ".join(w.group() for w in group))) in self._places:
                    spans.append((group[0].start(), group[-1].end()))
                    i += n
                    break
            else:
                i += 1
        for start, end in reversed(spans):
            text = text[:start] + "[PLAATS]" + text[end:]
        return text

    def _names_out(self, text: str) -> str:
        out: list[str] = []
        last = 0
        previous = ""
        in_name = False
        for m in _WORD.finditer(text):
            word = m.group()
            if _TAG.fullmatch(text[max(0, m.start() - 1) : m.end() + 1]):
                previous, in_name = word.lower(), False
                continue
            plain = _plain(word)
            capital = word[:1].isupper() and not word.isupper() or (word.isupper() and len(word) > 1 and not self._known(word))
            name = (capital and not self._known(word)) or (
                _plain(previous) in _NAME_AFTER and not self._known(word) and plain not in _PARTICLES
            )
            if in_name and plain in _PARTICLES:
                name = True  # "de" in "Sanne de Vries"
            if name:
                out.append(text[last : m.start()])
                out.append("[NAAM]")
                last = m.end()
            in_name = name
            previous = word
        out.append(text[last:])
        joined = "".join(out)
        return re.sub(r"\[NAAM\](?:\s+\[NAAM\])+", "[NAAM]", joined)
