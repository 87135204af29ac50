"""Text users typed (notes, names) in a PDF whose font cannot show every character.

The report is set in DejaVu Sans: every character of the checklist is in it,
but a note may hold Chinese, an emoji or another script it lacks. fpdf would
then leave those characters blank and log them ("missing glyphs: '李' '小'…"),
which puts user text in the log. Instead, :class:`Glyphs` replaces each
character the font cannot show with a visible :data:`MARKER` before fpdf sees
it, invisible joiners and variation selectors are dropped, and the report
explains the marker once. :func:`quiet_fpdf_glyph_warnings` keeps fpdf's
missing-glyph records (which quote the text) out of the log altogether.
"""

from __future__ import annotations

import logging
import unicodedata
from collections.abc import Iterable, Mapping

MARKER = "□"  # U+25A1 WHITE SQUARE, in DejaVu Sans
MARKER_EXPLAINED = (
    f"{MARKER} staat voor een teken dat dit lettertype niet kan weergeven, zoals Chinees schrift of een emoji. "
    "In de chat staat de notitie volledig."
)
_FPDF_LOGGERS = ("fpdf", "fpdf.output", "fpdf.fonts")
_GLYPH_WARNING = "missing the following glyphs"


class Glyphs:
    """The characters every style of the report's font can show."""

    def __init__(self, cmaps: Iterable[Mapping[int, object]]) -> None:
        maps = [set(cmap) for cmap in cmaps]
        self._shown: frozenset[int] = frozenset(set.intersection(*maps)) if maps else frozenset()
        self.replaced = 0  # characters replaced so far, to explain the marker once

    def can_show(self, ch: str) -> bool:
        return ch in "\n\t" or ord(ch) in self._shown

    def clean(self, text: str) -> str:
        """``text`` with each character the font lacks as MARKER; invisible format characters dropped."""
        if all(self.can_show(ch) for ch in text):
            return text
        out = []
        for ch in text:
            if self.can_show(ch):
                out.append(ch)
            elif unicodedata.category(ch) in ("Cf", "Mn", "Me", "Cc", "Sk"):  # ZWJ, variation selectors, skin tones…
                continue
            else:
                out.append(MARKER)
                self.replaced += 1
        return "".join(out)


class _DropGlyphWarnings(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return _GLYPH_WARNING not in record.getMessage()


_FILTER = _DropGlyphWarnings()


def quiet_fpdf_glyph_warnings() -> None:
    """Drop fpdf's missing-glyph records: they quote the user's text. Idempotent."""
    for name in _FPDF_LOGGERS:
        logger = logging.getLogger(name)
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)
