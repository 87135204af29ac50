"""The report as an A4 PDF for the alderman, with fpdf2.

Sections, in order: the header (municipality, date, round, contributors),
the score per theme (chart, table, change since the previous round, checks
that went from Nee to Ja), all checks with their answers and notes, the open
points per theme with the theme's actions and links, the practice examples
of those themes, and every resource of the checklist.

The page and its building blocks are in :mod:`bot.report.document`, the
tables in :mod:`bot.report.tables`. Checks are numbered as in the chat
("vraag 9/24"); a theme without answers reads "nog niet ingevuld", never 0 %.
A theme's heading and table of checks stay on one page.
"""

from __future__ import annotations

import re
import unicodedata
from io import BytesIO

from bot.report.data import ReportData, change_line, dutch_date
from fpdf import FPDF
from fpdf.enums import XPos, YPos

from bot.report.data import CheckRow
from bot.report.document import (
    ACCENT,
    BODY,
    FONT,
    HEADING_AT_LEAST,
    HEADING_AT_MOST,
    MUTED,
    SMALL,
    SOURCE,
    TEXT,
    TITLE,
    ReportDocument,
    url_lines,
)
from bot.report.glyphs import MARKER, MARKER_EXPLAINED
from bot.report.tables import check_table, check_table_height, open_table, open_table_height, score_table
from content.model import Theme

__all__ = ["SOURCE", "render_pdf", "report_filename", "slug", "url_lines"]

CHART_WIDTH = 125.0  # mm, at most
CHART_MIN_WIDTH = 95.0  # smaller than this on the current page: next page


def render_pdf(report: ReportData, chart_png: bytes | None = None) -> bytes:
    """The report as PDF bytes; ``chart_png`` (from render_chart) is shown with the scores."""
    pdf = ReportDocument(report)
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


# -- sections ----------------------------------------------------------------------


def _cover(pdf: ReportDocument, report: ReportData) -> None:
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


def _scores(pdf: ReportDocument, report: ReportData, chart_png: bytes | None) -> None:
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
    score_table(pdf, report)
    if report.previous_round is not None:
        pdf.subheading(f"Ontwikkeling sinds ronde {report.previous_round}")
        for row in report.themes:
            pdf.bullet(change_line(row))
        pdf.subheading(f"Verbeterd sinds ronde {report.previous_round} (Nee → Ja)")
        if report.improved:
            for check_row in report.improved:
                pdf.bullet(f"vraag {report.number(check_row)}  {check_row.check.text}")
        else:
            pdf.paragraph("Geen vragen gingen van Nee naar Ja.")


def _chart(pdf: ReportDocument, png: bytes, *, room_below: float) -> None:
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


def _all_checks(pdf: ReportDocument, report: ReportData) -> None:
    pdf.section("Alle vragen en antwoorden")
    pdf.paragraph(
        f"De vragen zijn genummerd zoals in de chat: vraag 1/{len(report.checks)} tot en met "
        f"{len(report.checks)}/{len(report.checks)}. Een notitie staat onder de vraag waar zij bij hoort.",
        size=9,
        color=MUTED,
    )
    if _needs_marker(pdf, report.checks):
        pdf.ln(1)
        pdf.paragraph(MARKER_EXPLAINED, size=9, color=MUTED)
    for theme_row in report.themes:
        theme, rows = theme_row.theme, report.theme_checks(theme_row.theme.id)

        def block(doc: FPDF, theme: Theme = theme, rows: list[CheckRow] = rows) -> None:
            doc.theme_heading(theme, question=True)
            check_table(doc, report, rows)

        low, high = check_table_height(pdf, report, rows)
        pdf.keep_together(block, height=(HEADING_AT_LEAST + low, HEADING_AT_MOST + high))


def _needs_marker(pdf: ReportDocument, rows: tuple[CheckRow, ...]) -> bool:
    """Whether a note or a name holds a character the font cannot show."""
    texts = [t for row in rows for t in (row.note, row.answered_by) if t]
    return any(MARKER in pdf.user_text(t) and MARKER not in t for t in texts)


def _open_points(pdf: ReportDocument, report: ReportData) -> None:
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

        def block(doc: FPDF, theme: Theme = theme, rows: list[CheckRow] = theme_points) -> None:
            doc.theme_heading(theme)
            open_table(doc, report, rows)

        low, high = open_table_height(pdf, theme_points)
        pdf.keep_together(block, height=(HEADING_AT_LEAST + low, HEADING_AT_MOST + high))
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


def _examples(pdf: ReportDocument, report: ReportData) -> None:
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


def _resources(pdf: ReportDocument, report: ReportData) -> None:
    pdf.section("Alle bronnen en links")
    pdf.paragraph("Alle informatie, tools en websites uit de checklist.", size=9, color=MUTED)
    pdf.ln(2)
    for resource in report.resources:
        pdf.resource(resource)
    pdf.ln(4)
    # the source stands in every page's footer: not a second time here
    pdf.paragraph(f"Rapport gemaakt met checkbot op {dutch_date(report.date)}.", size=SMALL, color=MUTED)


def _png_ratio(png: bytes) -> float:
    """Height / width of a PNG, from its IHDR chunk."""
    if png[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("chart_png is not a PNG")
    width, height = int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
    if not width or not height:
        raise ValueError("chart_png has no size")
    return height / width
