"""The report as an A4 PDF for the alderman, with fpdf2.

Sections, in order: the header (municipality, date, round, contributors),
the score per theme (chart, table, change since the previous round, checks
that went from Nee to Ja), all checks with their answers and notes, the open
points per theme with the theme's actions and links, the practice examples
of those themes, and every resource of the checklist.

Text is set in DejaVu Sans, embedded from matplotlib's data directory, so
every character of the content (ë, ’, “ ”, –, ½) renders and extracts.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from datetime import datetime, time
from io import BytesIO
from pathlib import Path
from types import MappingProxyType
from typing import Any

import matplotlib
from fpdf import FPDF, FontFace
from fpdf.enums import TableBordersLayout, XPos, YPos

from bot.report.data import (
    ANSWER_LABELS,
    CheckRow,
    ReportData,
    ThemeRow,
    change_line,
    dutch_date,
)
from bot.scoring import format_points
from content.model import Resource, Theme

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
ANSWER_FILL: Mapping[str | None, RGB] = MappingProxyType({
    "ja": (214, 240, 220),
    "deels": (253, 235, 204),
    "nee": (250, 218, 215),
    "onbekend": (232, 232, 236),
    None: (245, 245, 245),
})

MARGIN = 20.0
BOTTOM = 22.0  # room for the footer
BODY = 10.0
SMALL = 8.5
LINE = 5.0
CHART_WIDTH = 125.0  # mm, at most
CHART_MIN_WIDTH = 95.0  # smaller than this on the current page: next page
NOTE_STYLE = FontFace(emphasis="ITALICS", color=MUTED)
TABLE_STYLE: Mapping[str, Any] = MappingProxyType({
    "align": "L",
    "text_align": "LEFT",
    "v_align": "TOP",
    "line_height": 4.6,
    "padding": (1.5, 1.6),
    "borders_layout": TableBordersLayout.HORIZONTAL_LINES,
})


def render_pdf(report: ReportData, chart_png: bytes | None = None) -> bytes:
    """The report as PDF bytes; ``chart_png`` (from render_chart) is shown with the scores."""
    pdf = _Document(report)
    _cover(pdf, report)
    _scores(pdf, report, chart_png)
    _all_checks(pdf, report)
    _open_points(pdf, report)
    _examples(pdf, report)
    _resources(pdf, report)
    return bytes(pdf.output())


def report_filename(report: ReportData) -> str:
    """checklist-loverboyaanpak-enschede-2026-11-28.pdf"""
    return f"checklist-loverboyaanpak-{slug(report.municipality)}-{report.date.isoformat()}.pdf"


def slug(name: str) -> str:
    """"'s-Hertogenbosch" -> "s-hertogenbosch", "Súdwest-Fryslân" -> "sudwest-fryslan"."""
    folded = unicodedata.normalize("NFKD", name)
    ascii_only = "".join(ch for ch in folded if not unicodedata.combining(ch)).lower()
    ascii_only = re.sub(r"['’‘`]", "", ascii_only)
    return re.sub(r"[^a-z0-9]+", "-", ascii_only).strip("-") or "gemeente"


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


# -- the document ----------------------------------------------------------------


class _Document(FPDF):
    """An A4 page with the report's running header and footer."""

    def __init__(self, report: ReportData) -> None:
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.report = report
        fonts = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
        for style, file in FONT_FILES:
            self.add_font(FONT, style, str(fonts / file))
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
        self.add_page()

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
        self.keep(35)
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


# -- sections ----------------------------------------------------------------------


def _cover(pdf: _Document, report: ReportData) -> None:
    pdf.set_font(FONT, "B", 20)
    pdf.set_text_color(*ACCENT)
    pdf.lines(f"{TITLE} – {report.municipality}", height=9.5)
    pdf.set_text_color(*TEXT)
    pdf.ln(1)
    pdf.paragraph(f"Gemeente {report.municipality}, provincie {report.province}", size=11, color=MUTED)
    pdf.ln(4)
    people = "persoon" if report.contributors == 1 else "personen"
    compared = f" (vergeleken met ronde {report.previous_round})" if report.previous_round else ""
    facts = [
        ("Datum", dutch_date(report.date)),
        ("Ronde", f"{report.round}{compared}"),
        ("Ingevuld door", f"{report.contributors} {people}"),
        ("Beantwoord", f"{report.answered} van {len(report.checks)} vragen"),
    ]
    for label, value in facts:
        pdf.set_font(FONT, "B", BODY)
        pdf.cell(32, 6, label)
        pdf.set_font(FONT, "", BODY)
        pdf.cell(0, 6, value, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(4)
    pdf.paragraph(
        "Met de checklist van het Nederlands Jeugdinstituut gaat de gemeente na of het beleid voor de aanpak "
        "van loverboyproblematiek op orde is en op welke punten nog acties nodig zijn. De checklist telt "
        f"{len(report.checks)} vragen in {len(report.themes)} thema’s. Dit rapport geeft de antwoorden, de score "
        "per thema en voor elk open punt wat de gemeente kan doen."
    )


def _scores(pdf: _Document, report: ReportData, chart_png: bytes | None) -> None:
    pdf.ln(6)
    pdf.section("Score per thema", new_page=False)
    pdf.paragraph(
        "Per thema telt een Ja als 1 punt en Deels als ½ punt; Nee en Weet ik niet tellen niet mee.",
        size=9,
        color=MUTED,
    )
    pdf.ln(3)
    table_height = 10 + 8.5 * len(report.themes)  # a little more than it takes
    if chart_png is not None:
        _chart(pdf, chart_png, room_below=table_height)
    pdf.keep(table_height)
    _score_table(pdf, report)
    if report.previous_round is not None:
        pdf.subheading(f"Ontwikkeling sinds ronde {report.previous_round}")
        for row in report.themes:
            pdf.bullet(change_line(row))
        pdf.subheading(f"Verbeterd sinds ronde {report.previous_round} (Nee → Ja)")
        if report.improved:
            for check_row in report.improved:
                pdf.bullet(f"{check_row.check.id}  {check_row.check.text}")
        else:
            pdf.paragraph("Geen vragen gingen van Nee naar Ja.")


def _chart(pdf: _Document, png: bytes, *, room_below: float) -> None:
    """The chart centred, CHART_WIDTH mm wide at most.

    Smaller when that keeps ``room_below`` mm free for what follows on this
    page; on this page without that room if it must; else on the next page.
    """
    ratio = _png_ratio(png)  # height / width
    width = min(CHART_WIDTH, (pdf.space_left() - 4 - room_below) / ratio)
    if width < CHART_MIN_WIDTH:
        width = min(CHART_WIDTH, (pdf.space_left() - 4) / ratio)
    if width < CHART_MIN_WIDTH:
        pdf.add_page()
        width = min(CHART_WIDTH, (pdf.space_left() - 4) / ratio)
    pdf.image(BytesIO(png), x=(pdf.w - width) / 2, w=width)
    pdf.ln(4)


def _score_table(pdf: _Document, report: ReportData) -> None:
    prev = report.previous_round
    headings = ["Thema", "Punten", "Beantwoord"]
    widths: list[float] = [96, 25, 27]
    if prev is None:
        headings += ["Score"]
        widths += [22]
    else:
        headings += [f"Ronde {prev}", f"Ronde {report.round}", "Verschil"]
        widths = [60, 23, 27, 20, 20, 20]
    pdf.set_font(FONT, "", 9.5)
    with pdf.table(
        col_widths=widths,
        width=sum(widths),
        align="L",
        text_align=("LEFT",) + ("CENTER",) * (len(widths) - 1),
        headings_style=FontFace(emphasis="BOLD", fill_color=HEAD_FILL),
        line_height=5.2,
        padding=(1.6, 1.8),
        borders_layout=TableBordersLayout.HORIZONTAL_LINES,
    ) as table:
        table.row(headings)
        for row in report.themes:
            cells = [
                f"{row.theme.id}. {row.theme.title}",
                f"{format_points(row.score)} van {row.total}",
                f"{row.answered}/{row.total}",
            ]
            if prev is not None:
                cells.append("–" if row.previous_percent is None else f"{row.previous_percent}%")
            cells.append(f"{row.percent}%")
            if prev is not None:
                cells.append(_signed(row))
            table.row(cells)
    pdf.ln(2)


def _signed(row: ThemeRow) -> str:
    change = row.change
    if change is None:
        return "–"
    return f"+{change}" if change > 0 else ("0" if change == 0 else f"−{-change}")


def _all_checks(pdf: _Document, report: ReportData) -> None:
    pdf.section("Alle vragen en antwoorden")
    for theme_row in report.themes:
        pdf.theme_heading(theme_row.theme, question=True)
        _check_table(pdf, report.theme_checks(theme_row.theme.id), report.previous_round)


def _check_table(pdf: _Document, rows: Sequence[CheckRow], previous_round: int | None) -> None:
    headings = ["Nr.", "Vraag", "Antwoord", "Door"]
    widths: list[float] = [11, 103, 25, 31]
    if previous_round is not None:
        headings = ["Nr.", "Vraag", f"Ronde {previous_round}", "Antwoord", "Door"]
        widths = [11, 82, 23, 25, 29]
    pdf.set_font(FONT, "", 9)
    with pdf.table(
        col_widths=widths,
        width=sum(widths),
        headings_style=FontFace(emphasis="BOLD", fill_color=HEAD_FILL),
        **TABLE_STYLE,
    ) as table:
        table.row(headings)
        for row in rows:
            line = table.row()
            line.cell(row.check.id, style=FontFace(emphasis="BOLD"))
            line.cell(row.check.text)
            if previous_round is not None:
                line.cell(ANSWER_LABELS[row.previous], style=FontFace(color=MUTED))
            line.cell(row.label, style=FontFace(emphasis="BOLD", fill_color=ANSWER_FILL[row.answer]))
            line.cell(row.answered_by or "", style=FontFace(size_pt=8.5, color=MUTED))
            if row.note:
                note = table.row()
                note.cell("")
                note.cell(f"Notitie: {row.note}", colspan=len(widths) - 1, style=NOTE_STYLE)
    pdf.ln(2)


def _open_points(pdf: _Document, report: ReportData) -> None:
    pdf.section("Open punten en acties")
    points = report.open_points()
    if not points:
        pdf.paragraph("Er zijn geen open punten: alle vragen zijn met Ja beantwoord.")
        return
    pdf.paragraph(
        f"{len(points)} van de {len(report.checks)} vragen zijn nog niet met Ja beantwoord. Per thema staan "
        "hieronder de open punten (Nee eerst), wat u als gemeente kunt doen en waar u meer informatie vindt."
    )
    for theme_row in report.themes:
        theme = theme_row.theme
        theme_points = [p for p in points if p.check.theme_id == theme.id]
        if not theme_points:
            continue
        pdf.theme_heading(theme)
        _open_table(pdf, theme_points)
        pdf.subheading("Wat kunt u als gemeente doen?")
        for action in theme.actions:
            pdf.bullet(action)
        by_id = {r.id: r for r in report.resources}
        resources = [by_id[i] for i in theme.resource_ids if i in by_id]
        if resources:
            pdf.subheading("Meer informatie")
            for resource in resources:
                pdf.resource(resource)
        pdf.ln(3)


def _open_table(pdf: _Document, rows: Sequence[CheckRow]) -> None:
    pdf.set_font(FONT, "", 9)
    with pdf.table(col_widths=(25, 11, 134), width=170, first_row_as_headings=False, **TABLE_STYLE) as table:
        for row in rows:
            line = table.row()
            line.cell(row.label, style=FontFace(emphasis="BOLD", fill_color=ANSWER_FILL[row.answer]))
            line.cell(row.check.id, style=FontFace(emphasis="BOLD"))
            line.cell(row.check.text)
            if row.note:
                note = table.row()
                note.cell("")
                note.cell(f"Notitie: {row.note}", colspan=2, style=NOTE_STYLE)
    pdf.ln(1)


def _examples(pdf: _Document, report: ReportData) -> None:
    open_themes = {p.check.theme_id for p in report.open_points()}
    themes = [row.theme for row in report.themes if row.theme.id in open_themes and row.theme.examples]
    if not themes:
        return
    pdf.section("Voorbeelden uit de praktijk")
    pdf.paragraph(
        "Zo pakken andere gemeenten en regio’s de thema’s aan waarop bij u nog open punten staan.",
        size=9,
        color=MUTED,
    )
    for theme in themes:
        pdf.theme_heading(theme)
        for example in theme.examples:
            pdf.keep(20)
            pdf.set_font(FONT, "B", BODY)
            pdf.cell(0, 6, example.place, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
            for paragraph in example.text.split("\n\n"):
                pdf.paragraph(paragraph)
                pdf.ln(1.2)
            pdf.ln(1.5)


def _resources(pdf: _Document, report: ReportData) -> None:
    pdf.section("Alle bronnen en links")
    pdf.paragraph("Alle informatie, tools en websites uit de checklist.", size=9, color=MUTED)
    pdf.ln(2)
    for resource in report.resources:
        pdf.resource(resource)
    pdf.ln(4)
    pdf.paragraph(f"{SOURCE}. Rapport gemaakt met checkbot op {dutch_date(report.date)}.", size=SMALL, color=MUTED)


def _png_ratio(png: bytes) -> float:
    """Height / width of a PNG, from its IHDR chunk."""
    if png[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("chart_png is not a PNG")
    width, height = int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
    if not width or not height:
        raise ValueError("chart_png has no size")
    return height / width
