"""The report data of an assessment and its rendered documents (chart, PDF)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from bot.report.data import ReportData, build_report
from bot.views import Document
from content.model import Content
from storage.store import Assessment, Tx

AMSTERDAM = ZoneInfo("Europe/Amsterdam")  # dates shown to users are Dutch dates


async def build_report_data(content: Content, tx: Tx, assessment: Assessment, now: datetime) -> ReportData:
    answers = await tx.current_answers(assessment.id)
    previous = await tx.current_answers(assessment.previous_id) if assessment.previous_id else None
    known = {a.answered_by for a in answers.values() if a.answered_by is not None}
    contributors = len(known) + (1 if any(a.answered_by is None for a in answers.values()) else 0)
    return build_report(
        content,
        municipality_code=assessment.municipality_code,
        round=assessment.round,
        date=now.astimezone(AMSTERDAM).date(),
        answers=answers,
        previous=previous,
        contributors=contributors,
    )


def render_documents(report: ReportData, kinds: tuple[str, ...]) -> tuple[Document, ...]:
    """The chart and/or the PDF of a report (CPU work: run it in a thread)."""
    from bot.report.chart import render_chart
    from bot.report.pdf import render_pdf, report_filename

    chart = render_chart(report)
    out: list[Document] = []
    if "chart" in kinds:
        name = report_filename(report).replace(".pdf", ".png")
        out.append(Document(name, chart, f"Score per thema – {report.municipality}, ronde {report.round}", kind="photo"))
    if "pdf" in kinds:
        caption = f"Rapport checklist Aanpak loverboyproblematiek – {report.municipality}, ronde {report.round}"
        out.append(Document(report_filename(report), render_pdf(report, chart), caption))
    return tuple(out)
