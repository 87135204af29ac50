"""The report's tables: scores per theme, every check with its answer, the open points.

Checks are numbered as the chat numbers them ("9/24"), notes sit in a row
right under their own check, and the narrow columns are made wide enough for
their longest word ("Niet beantwoord", "nog niet ingevuld") so that nothing
there wraps; the text column gets the rest.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from types import MappingProxyType
from typing import Any

from fpdf import FPDF, FontFace
from fpdf.enums import TableBordersLayout

from bot.report.data import NOT_STARTED, CheckRow, ReportData, ThemeRow, answer_label
from bot.report.document import ANSWER_FILL, FONT, HEAD_FILL, MUTED, NOTE_STYLE, ReportDocument
from bot.scoring import format_points
from content.model import UNANSWERED_LABEL, AnswerValue

WIDTH = 170.0  # the text width of the page
CHECK_SIZE = 9.0
SCORE_SIZE = 9.5
PADDING = (1.5, 1.6)  # vertical, horizontal
SCORE_PADDING = (1.6, 1.8)
TABLE_STYLE: Mapping[str, Any] = MappingProxyType({
    "align": "L",
    "text_align": "LEFT",
    "v_align": "TOP",
    "line_height": 4.6,
    "padding": PADDING,
    "borders_layout": TableBordersLayout.HORIZONTAL_LINES,
})
ANSWER_LABELS = (*(v.label for v in AnswerValue), UNANSWERED_LABEL)
NOTE_MAX = 2000  # the chat takes notes of up to 1,000 characters; a table row must fit on a page


def note_text(pdf: ReportDocument, note: str) -> str:
    """'Notitie: …', cut (visibly) where a row would no longer fit on a page."""
    if len(note) > NOTE_MAX:
        note = note[:NOTE_MAX].rsplit(" ", 1)[0] + " … (ingekort)"
    return f"Notitie: {pdf.user_text(note)}"


def fit(pdf: FPDF, texts: Sequence[str], *, style: str = "", size: float, padding: float) -> float:
    """The width of a column in which none of ``texts`` wraps."""
    pdf.set_font(FONT, style, size)
    return max(pdf.get_string_width(t) for t in texts) + 2 * padding + 1.0


# -- score per theme --------------------------------------------------------------


def score_table(pdf: ReportDocument, report: ReportData) -> None:
    prev = report.previous_round
    pad = SCORE_PADDING[1]
    headings = ["Thema", "Punten", "Beantwoord"]
    percents = ["100%", NOT_STARTED]
    widths = [
        fit(pdf, ["Punten", "1½ van 6"], style="B", size=SCORE_SIZE, padding=pad),
        fit(pdf, ["Beantwoord"], style="B", size=SCORE_SIZE, padding=pad),
    ]
    if prev is None:
        headings += ["Score"]
        widths += [fit(pdf, ["Score", *percents], size=SCORE_SIZE, padding=pad)]
    else:
        headings += [f"Ronde {prev}", f"Ronde {report.round}", "Verschil"]
        # two rounds side by side: "nog niet ingevuld" may take two lines there, a word never breaks
        words = [f"Ronde {report.round}", "100%", *NOT_STARTED.split()]
        widths += [fit(pdf, words, style="B", size=SCORE_SIZE, padding=pad)] * 2
        widths += [fit(pdf, ["Verschil"], style="B", size=SCORE_SIZE, padding=pad)]
    widths = [WIDTH - sum(widths), *widths]
    pdf.set_font(FONT, "", SCORE_SIZE)
    with pdf.table(
        col_widths=widths,
        width=WIDTH,
        align="L",
        text_align=("LEFT",) + ("CENTER",) * (len(widths) - 1),
        headings_style=FontFace(emphasis="BOLD", fill_color=HEAD_FILL),
        line_height=5.2,
        padding=SCORE_PADDING,
        borders_layout=TableBordersLayout.HORIZONTAL_LINES,
    ) as table:
        table.row(headings)
        for row in report.themes:
            cells = [
                f"{row.theme.id}. {row.theme.title}",
                f"{format_points(row.score)} van {row.total}" if row.started else "–",
                f"{row.answered}/{row.total}",
            ]
            if prev is not None:
                cells.append(row.previous_percent_text or "–")
            cells.append(row.percent_text)
            if prev is not None:
                cells.append(signed(row))
            table.row(cells)
    pdf.ln(2)


def signed(row: ThemeRow) -> str:
    change = row.change
    if change is None:
        return "–"
    return f"+{change}" if change > 0 else ("0" if change == 0 else f"−{-change}")


# -- every check ------------------------------------------------------------------


def lines_at_most(pdf: FPDF, text: str, width: float, *, style: str = "", size: float = CHECK_SIZE) -> int:
    """An upper bound of the lines ``text`` takes in a cell ``width`` wide (padding included).

    Greedy wrapping fills every line but the last beyond ``room - longest word - space``.
    """
    pdf.set_font(FONT, style, size)
    room = width - 2 * PADDING[1]
    count = 0
    for paragraph in text.split("\n"):
        words = paragraph.split() or [""]
        longest = max(pdf.get_string_width(w) for w in words)
        usable = room - longest - pdf.get_string_width(" ")
        if usable <= room / 4:  # very long words: one line per word at most… or per piece
            count += sum(int(pdf.get_string_width(w) // room) + 1 for w in words)
        else:
            count += int(pdf.get_string_width(paragraph) // usable) + 1
    return count


def lines_at_least(pdf: FPDF, text: str, width: float, *, style: str = "", size: float = CHECK_SIZE) -> int:
    """A lower bound of the lines ``text`` takes in a cell ``width`` wide: its width over the room."""
    pdf.set_font(FONT, style, size)
    room = width - 2 * PADDING[1]
    return sum(max(1, math.ceil(pdf.get_string_width(p) / room)) for p in text.split("\n"))


def _row(lines: int) -> float:
    return lines * TABLE_STYLE["line_height"] + 2 * PADDING[0]



def _check_columns(pdf: FPDF, report: ReportData) -> tuple[list[str], list[float]]:
    pad = PADDING[1]
    previous_round = report.previous_round
    number = fit(pdf, ["Vraag", "24/24"], style="B", size=CHECK_SIZE, padding=pad)
    answer = fit(pdf, ANSWER_LABELS, style="B", size=CHECK_SIZE, padding=pad)
    headings = ["Vraag", "", "Antwoord", "Door"]
    widths = [number, 0.0, answer, 29.0]
    if previous_round is not None:
        before = fit(pdf, [*ANSWER_LABELS, f"Ronde {previous_round}"], size=CHECK_SIZE, padding=pad)
        headings = ["Vraag", "", f"Ronde {previous_round}", "Antwoord", "Door"]
        widths = [number, 0.0, before, answer, 26.0]
    widths[1] = WIDTH - sum(widths)
    return headings, widths


def check_table_height(pdf: ReportDocument, report: ReportData, rows: Sequence[CheckRow]) -> tuple[float, float]:
    """Lower and upper bounds of the height check_table takes, in mm (to skip trying it on a scratch page)."""
    _, widths = _check_columns(pdf, report)
    low = high = _row(1) + 2  # the headings, the space after
    for row in rows:
        low += _row(lines_at_least(pdf, row.check.text, widths[1]))
        lines = max(
            lines_at_most(pdf, row.check.text, widths[1]),
            lines_at_most(pdf, pdf.user_text(row.answered_by or ""), widths[-1], size=8.5),
            2,  # "Niet beantwoord" fits on one line, a number too; a margin
        )
        high += _row(lines)
        if row.note:
            note = note_text(pdf, row.note)
            low += _row(lines_at_least(pdf, note, sum(widths[1:]), style="I"))
            high += _row(lines_at_most(pdf, note, sum(widths[1:]), style="I"))
    return low, high


def check_table(pdf: ReportDocument, report: ReportData, rows: Sequence[CheckRow]) -> None:
    """One theme's checks: number, text, (previous answer,) answer, who; a note under its check."""
    previous_round = report.previous_round
    headings, widths = _check_columns(pdf, report)
    pdf.set_font(FONT, "", CHECK_SIZE)
    with pdf.table(
        col_widths=widths,
        width=WIDTH,
        headings_style=FontFace(emphasis="BOLD", fill_color=HEAD_FILL),
        **TABLE_STYLE,
    ) as table:
        table.row(headings)
        for row in rows:
            line = table.row()
            line.cell(report.number(row), style=FontFace(emphasis="BOLD"))
            line.cell(row.check.text)
            if previous_round is not None:
                line.cell(answer_label(row.previous), style=FontFace(color=MUTED))
            line.cell(row.label, style=FontFace(emphasis="BOLD", fill_color=ANSWER_FILL[row.answer]))
            line.cell(pdf.user_text(row.answered_by or ""), style=FontFace(size_pt=8.5, color=MUTED))
            if row.note:
                note = table.row()
                note.cell("")
                note.cell(note_text(pdf, row.note), colspan=len(widths) - 1, style=NOTE_STYLE)
    pdf.ln(2)


# -- open points ------------------------------------------------------------------


def _open_columns(pdf: FPDF) -> tuple[float, float, float]:
    answer = fit(pdf, ANSWER_LABELS, style="B", size=CHECK_SIZE, padding=PADDING[1])
    number = fit(pdf, ["24/24"], style="B", size=CHECK_SIZE, padding=PADDING[1])
    return answer, number, WIDTH - answer - number


def open_table_height(pdf: ReportDocument, rows: Sequence[CheckRow]) -> tuple[float, float]:
    """Lower and upper bounds of the height open_table takes, in mm."""
    widths = _open_columns(pdf)
    low = high = 1.0
    for row in rows:
        low += _row(lines_at_least(pdf, row.check.text, widths[2]))
        high += _row(max(lines_at_most(pdf, row.check.text, widths[2]), 2))
        if row.note:
            note = note_text(pdf, row.note)
            low += _row(lines_at_least(pdf, note, widths[1] + widths[2], style="I"))
            high += _row(lines_at_most(pdf, note, widths[1] + widths[2], style="I"))
    return low, high


def open_table(pdf: ReportDocument, report: ReportData, rows: Sequence[CheckRow]) -> None:
    """Answer, number and text of each open point of a theme, a note under its check."""
    widths = _open_columns(pdf)
    pdf.set_font(FONT, "", CHECK_SIZE)
    with pdf.table(col_widths=widths, width=WIDTH, first_row_as_headings=False, **TABLE_STYLE) as table:
        for row in rows:
            line = table.row()
            line.cell(row.label, style=FontFace(emphasis="BOLD", fill_color=ANSWER_FILL[row.answer]))
            line.cell(report.number(row), style=FontFace(emphasis="BOLD"))
            line.cell(row.check.text)
            if row.note:
                note = table.row()
                note.cell("")
                note.cell(note_text(pdf, row.note), colspan=2, style=NOTE_STYLE)
    pdf.ln(1)
