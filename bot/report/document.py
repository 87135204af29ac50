"""The report's A4 page: fonts, running header and footer, and the building blocks sections use.

Text is set in DejaVu Sans, embedded from matplotlib's data directory, so
every character of the content (ë, ’, “ ”, –, ½) renders and extracts; text a
user typed goes through :meth:`ReportDocument.user_text`, which marks the
characters the font lacks (see :mod:`bot.report.glyphs`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import datetime, time
from pathlib import Path
from types import MappingProxyType

import matplotlib
from fpdf import FPDF, FontFace
from fpdf.enums import XPos, YPos

from bot.report.data import ReportData, dutch_date
from bot.report.glyphs import Glyphs, quiet_fpdf_glyph_warnings
from content.model import AnswerValue, Resource, Theme

TITLE = "Checklist Aanpak loverboyproblematiek"
SOURCE = "Bron: Nederlands Jeugdinstituut, checklist Aanpak loverboyproblematiek"
FONT = "DejaVu"
FONT_FILES = (("", "DejaVuSans.ttf"), ("B", "DejaVuSans-Bold.ttf"), ("I", "DejaVuSans-Oblique.ttf"))

RGB = tuple[int, int, int]
TEXT: RGB = (29, 43, 54)
MUTED: RGB = (91, 107, 120)
ACCENT: RGB = (27, 94, 140)
RULE: RGB = (200, 210, 218)
HEAD_FILL: RGB = (231, 239, 245)
ANSWER_FILL: Mapping[AnswerValue | None, RGB] = MappingProxyType({
    AnswerValue.JA: (214, 240, 220),
    AnswerValue.DEELS: (253, 235, 204),
    AnswerValue.NEE: (250, 218, 215),
    AnswerValue.ONBEKEND: (232, 232, 236),
    None: (245, 245, 245),  # not answered
})

MARGIN = 20.0
BOTTOM = 22.0  # room for the footer
BODY = 10.0
SMALL = 8.5
LINE = 5.0
NOTE_STYLE = FontFace(emphasis="ITALICS", color=MUTED)
HEADING_KEEP = 35.0  # a theme heading needs this much room below it, or it goes to the next page
HEADING_AT_MOST = 27.0  # a theme heading's height: title and question, two lines each at most
HEADING_AT_LEAST = 10.0  # …and one line of title at least


def url_lines(pdf: FPDF, url: str, width: float) -> list[str]:
    """``url`` in lines at most ``width`` wide in pdf's current font, broken after / - _ ? & = where possible."""
    lines = [""]
    for piece in re.findall(r"[^/\-_?&=]+[/\-_?&=]*|[/\-_?&=]+", url):
        while piece:
            if pdf.get_string_width(lines[-1] + piece) <= width:
                lines[-1] += piece
                piece = ""
            elif lines[-1]:
                lines.append("")
            else:  # one piece wider than a line: break it where it must
                fitting = (n for n in range(len(piece), 1, -1) if pdf.get_string_width(piece[:n]) <= width)
                fits = next(fitting, 1)
                lines[-1], piece = piece[:fits], piece[fits:]
                lines.append("")
    return [line for line in lines if line]


class ReportDocument(FPDF):
    """An A4 page with the report's running header and footer."""

    def __init__(self, report: ReportData, *, scratch: bool = False) -> None:
        quiet_fpdf_glyph_warnings()  # idempotent: fpdf must never log the user's text
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.report = report
        self._scratch: ReportDocument | None = None  # where keep_together tries a block first
        fonts = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
        for style, file in FONT_FILES:
            self.add_font(FONT, style, str(fonts / file))
        self.glyphs = Glyphs(self.fonts[f"{FONT.lower()}{style}"].cmap for style, _ in FONT_FILES)
        self.set_margins(MARGIN, 18, MARGIN)
        self.set_auto_page_break(True, margin=BOTTOM)
        self.alias_nb_pages("{nb}")
        heading = f"{TITLE} – {report.municipality}"
        self.set_title(heading)
        self.set_subject(f"Uitkomst ronde {report.round}, {dutch_date(report.date)}")
        self.set_author("checkbot")
        self.set_creator("checkbot")
        self.set_keywords(["loverboyproblematiek", "mensenhandel", "gemeente", "checklist", "NJi"])
        self.set_lang("nl")
        self.set_creation_date(datetime.combine(report.date, time(12, 0)))
        self.set_text_color(*TEXT)
        self.set_draw_color(*RULE)
        if not scratch:
            self.add_page()

    def user_text(self, text: str) -> str:
        """Text a user typed (a note, a name), with the characters the font lacks marked."""
        return self.glyphs.clean(text)

    def header(self) -> None:
        if self.page_no() == 1:
            return
        self.set_font(FONT, "", SMALL)
        self.set_text_color(*MUTED)
        self.cell(0, 5, f"{TITLE} – {self.report.municipality} · ronde {self.report.round}", align="L")
        self.ln(9)
        self.set_text_color(*TEXT)

    def footer(self) -> None:
        self.set_y(-15)
        self.set_draw_color(*RULE)
        self.line(MARGIN, self.get_y(), self.w - MARGIN, self.get_y())
        self.ln(1.5)
        self.set_font(FONT, "", 7.5)
        self.set_text_color(*MUTED)
        self.cell(self.epw * 0.75, 5, SOURCE, align="L")
        self.cell(0, 5, f"Pagina {self.page_no()} van {{nb}}", align="R")
        self.set_text_color(*TEXT)

    # -- building blocks ---------------------------------------------------------
    def space_left(self) -> float:
        return self.h - BOTTOM - self.get_y()

    def keep(self, height: float) -> None:
        """Start a new page unless ``height`` mm still fit on this one."""
        if self.space_left() < height:
            self.add_page()

    def keep_together(self, draw: Callable[[FPDF], None], *, height: tuple[float, float] | None = None) -> None:
        """Draw a block on one page: on a new page if it would break.

        With ``height`` (lower and upper bounds of the block's height) a block
        that surely fits is drawn at once and one that surely does not starts a
        new page; otherwise it is tried first on a scratch document. A block
        taller than a page still breaks (it must), but never leaves its heading
        or a lone last row behind on the page before.
        """
        top = self.get_y()
        if top <= self.t_margin + 12:  # already at the top of a page: nothing to gain
            draw(self)
            return
        space = self.space_left()
        if height is not None and space >= max(height[1], HEADING_KEEP):
            breaks = False
        elif height is not None and space < height[0] - 0.5:  # (a margin for rounding)
            breaks = True
        else:
            breaks = self._would_break(draw, top)
        if breaks:
            self.add_page()
        draw(self)

    def _would_break(self, draw: Callable[[FPDF], None], top: float) -> bool:
        """Whether ``draw`` starting at ``top`` runs onto another page, tried on a scratch document.

        (fpdf's offset_rendering does the same by deep-copying the whole
        document, fonts included, which took longer than rendering it.)
        """
        if self._scratch is None:
            self._scratch = ReportDocument(self.report, scratch=True)
        trial = self._scratch
        trial.add_page()
        trial.set_y(top)
        page = trial.page
        draw(trial)
        return trial.page != page

    def section(self, title: str, *, new_page: bool = True) -> None:
        if new_page:
            self.add_page()
        else:
            self.keep(40)
        self.set_font(FONT, "B", 16)
        self.set_text_color(*ACCENT)
        self.lines(title, height=8)
        self.set_text_color(*TEXT)
        self.ln(2)

    def theme_heading(self, theme: Theme, *, question: bool = False) -> None:
        self.keep(HEADING_KEEP)
        self.ln(2)
        self.set_font(FONT, "B", 12.5)
        self.lines(f"{theme.id}. {theme.title}", height=6.5)
        if question:
            self.set_font(FONT, "I", BODY)
            self.set_text_color(*MUTED)
            self.lines(theme.heading)
            self.set_text_color(*TEXT)
        self.ln(1.5)

    def subheading(self, text: str) -> None:
        self.keep(18)
        self.ln(1.5)
        self.set_font(FONT, "B", BODY + 0.5)
        self.lines(text, height=6)
        self.ln(0.5)

    def paragraph(self, text: str, *, size: float = BODY, style: str = "", color: RGB = TEXT) -> None:
        self.set_font(FONT, style, size)
        self.set_text_color(*color)
        self.lines(text, height=size * 0.5)
        self.set_text_color(*TEXT)

    def lines(self, text: str, *, height: float = LINE, link: str | None = None) -> None:
        """Left-aligned text from the current x to the right margin, wrapped; then back to the left margin."""
        self.multi_cell(0, height, text, align="L", link=link, new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def bullet(self, text: str) -> None:
        self.set_font(FONT, "", BODY)
        self.cell(5, LINE, "•")
        self.lines(text)
        self.ln(0.8)

    def resource(self, resource: Resource) -> None:
        """Title (a link when there is a URL) and the URL itself, wrapped, or where to get it."""
        self.keep(12)
        self.set_font(FONT, "", BODY)
        self.cell(5, LINE, "•")
        if resource.url:
            self.set_text_color(*ACCENT)
            self.lines(resource.title, link=resource.url)
            self.set_font(FONT, "", SMALL)
            for part in url_lines(self, resource.url, self.w - self.r_margin - self.l_margin - 5):
                self.set_x(self.l_margin + 5)
                self.cell(0, SMALL * 0.45, part, link=resource.url, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        else:
            self.lines(resource.title)
            if resource.availability:
                self.set_x(self.l_margin + 5)
                self.set_font(FONT, "I", SMALL)
                self.set_text_color(*MUTED)
                self.lines(resource.availability, height=SMALL * 0.45)
        self.set_text_color(*TEXT)
        self.ln(1.2)
