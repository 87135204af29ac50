"""The report a municipality takes away: data, chart (PNG) and PDF.

The PDF is read back with pypdf, so these tests check what a reader gets:
the text (whitespace normalised, because lines wrap), the link annotations,
the page size and the metadata.
"""

from __future__ import annotations

import dataclasses
import datetime
import logging
import re
import subprocess
import sys
from io import BytesIO
from pathlib import Path

import pytest
from fpdf import FPDF
from PIL import Image
from pypdf import PdfReader

from bot.report.chart import render_chart
from bot.report.data import ReportData, answer_label, build_report, change_line, dutch_date
from bot.report.glyphs import MARKER
from bot.report.pdf import SOURCE, render_pdf, report_filename, slug, url_lines
from bot.scoring import open_points, theme_scores
from content.model import UNANSWERED_LABEL, AnswerValue, Content, Resource
from content.loader import load_content

DATE = datetime.date(2026, 11, 28)
ENSCHEDE = "GM0153"
NOTE_SPECIAL = "Cijfers van de GGD – “regiomonitor” ’24; zie <bijlage> & notulen, vraag Zoë of Loïs"
NOTE_OPEN = "Beleidsplan ‘in concept’ – klaar in 2027 <na overleg> & besluit"
NAMES = ("Joëlle ’t Hart", "Anna de Vries")

# Round 2: theme 1 all Ja; theme 2 everything else (2.4 unanswered); theme 3
# 80 % (40 % in round 1); theme 4 Deels; theme 5 mixed. Nee -> Ja: 3.3, 3.4, 5.3.
CURRENT = {
    "1.1": "ja", "1.2": "ja", "1.3": "ja", "1.4": "ja",
    "2.1": "nee", "2.2": "deels", "2.3": "onbekend", "2.5": "ja", "2.6": "nee",
    "3.1": "ja", "3.2": "ja", "3.3": "ja", "3.4": "ja", "3.5": "nee",
    "4.1": "deels", "4.2": "deels", "4.3": "deels", "4.4": "deels", "4.5": "deels",
    "5.1": "nee", "5.2": "onbekend", "5.3": "ja", "5.4": "deels",
}  # fmt: skip
PREVIOUS = {
    "1.1": "deels", "1.2": "deels", "1.3": "deels", "1.4": "deels",
    "2.1": "nee", "2.2": "deels", "2.3": "onbekend", "2.5": "deels", "2.6": "nee",
    "3.1": "ja", "3.2": "ja", "3.3": "nee", "3.4": "nee", "3.5": "nee",
    "5.1": "nee", "5.2": "nee", "5.3": "nee", "5.4": "nee",
}  # fmt: skip
NOTES = {"1.2": NOTE_SPECIAL, "2.1": NOTE_OPEN}


@dataclasses.dataclass(frozen=True)
class Given:
    """An answer as the report is given it: the report knows nothing of the database."""

    check_id: str
    answer: str
    note: str | None
    answered_by_name: str | None


def answers(values: dict[str, str], notes: dict[str, str] | None = None) -> dict[str, Given]:
    notes = notes or {}
    return {
        check_id: Given(check_id, value, notes.get(check_id), NAMES[n % 2])
        for n, (check_id, value) in enumerate(values.items())
    }


@pytest.fixture(scope="module")
def content() -> Content:
    return load_content()


def make_report(
    content: Content, *, previous: bool, code: str = ENSCHEDE, values: dict[str, str] = CURRENT
) -> ReportData:
    return build_report(
        content,
        municipality_code=code,
        round=2 if previous else 1,
        date=DATE,
        answers=answers(values, NOTES),
        previous=answers(PREVIOUS) if previous else None,
        contributors=3,
    )


def flat(text: str) -> str:
    return " ".join(text.split())


@dataclasses.dataclass(frozen=True)
class Rendered:
    report: ReportData
    pdf: bytes
    reader: PdfReader
    pages: tuple[str, ...]  # extracted text per page
    text: str  # all pages, whitespace normalised, without running header and footer

    def section(self, start: str, end: str | None = None) -> str:
        text = self.text
        begin = text.index(start)
        return text[begin : text.index(end, begin) if end else None]

    def uris(self) -> set[str]:
        found = set()
        for page in self.reader.pages:
            for annot in page.get("/Annots") or []:
                action = annot.get_object().get("/A")
                if action is not None and "/URI" in action:
                    found.add(str(action["/URI"]))
        return found


def render(report: ReportData, *, chart: bool = True) -> Rendered:
    pdf = render_pdf(report, render_chart(report) if chart else None)
    reader = PdfReader(BytesIO(pdf))
    pages = tuple(page.extract_text() for page in reader.pages)
    # The running header and footer interrupt paragraphs that continue on the next page.
    header = r"Checklist Aanpak loverboyproblematiek – .* · ronde \d+"
    furniture = re.compile(rf"^({header}|{SOURCE} Pagina \d+ van \d+)$")
    lines = [line for page in pages for line in page.splitlines() if not furniture.match(line.strip())]
    return Rendered(report, pdf, reader, pages, flat(" ".join(lines)))


@pytest.fixture(scope="module")
def with_previous(content: Content) -> Rendered:
    return render(make_report(content, previous=True))


@pytest.fixture(scope="module")
def first_round(content: Content) -> Rendered:
    return render(make_report(content, previous=False))


# -- data ---------------------------------------------------------------------------


def test_report_data_agrees_with_the_chat_scores(content: Content) -> None:
    report = make_report(content, previous=True)
    given = answers(CURRENT)
    for row, score in zip(report.themes, theme_scores(content, given), strict=True):
        mine = (row.theme.id, row.score, row.total, row.answered, row.percent)
        assert mine == (score.theme_id, score.score, score.total, score.answered, score.percent)
    assert [row.percent for row in report.themes] == [100, 25, 80, 50, 38]  # 1½/4 = 37.5 -> 38
    assert [row.previous_percent for row in report.themes] == [50, 17, 40, 0, 0]
    assert [row.check.id for row in report.open_points()] == [p.check.id for p in open_points(content, given)]


def test_report_data_rows(content: Content) -> None:
    report = make_report(content, previous=True)
    assert (report.municipality, report.province) == ("Enschede", "Overijssel")
    assert (report.round, report.previous_round, report.contributors, report.date) == (2, 1, 3, DATE)
    assert [row.check.id for row in report.checks] == [c.id for c in content.checks]
    assert [row.check.id for row in report.improved] == ["3.3", "3.4", "5.3"]
    by_id = {row.check.id: row for row in report.checks}
    assert by_id["1.2"].note == NOTE_SPECIAL and by_id["1.2"].answered_by in NAMES
    assert (by_id["2.4"].answer, by_id["2.4"].label, by_id["2.4"].previous) == (None, "Niet beantwoord", None)
    assert (by_id["3.3"].answer, by_id["3.3"].previous) == (AnswerValue.JA, AnswerValue.NEE)
    assert [r.check.id for r in report.open_points() if r.check.theme_id == 2] == ["2.1", "2.6", "2.2", "2.3", "2.4"]
    assert report.resources == tuple(content.resources.values())
    assert report.answered == len(CURRENT)
    with pytest.raises(dataclasses.FrozenInstanceError):
        report.round = 3  # type: ignore[misc]


def test_change_line(content: Content) -> None:
    themes = make_report(content, previous=True).themes
    assert change_line(themes[2]) == "Signaleren en melden: 40% → 80%"
    assert themes[2].change == 40
    first = make_report(content, previous=False).themes
    assert change_line(first[2]) == "Signaleren en melden: 80%"
    assert first[2].change is None


def test_answer_labels_are_the_chats(content: Content) -> None:
    """The report and the chat take their labels from the one vocabulary, content.model.AnswerValue
    (texts.yaml no longer holds a copy of them)."""
    for value in AnswerValue:
        assert answer_label(value) == value.label
        assert f"answer_{value.value}" not in content.texts.strings
    assert answer_label(None) == UNANSWERED_LABEL


def test_build_report_rejects_what_cannot_be(content: Content) -> None:
    with pytest.raises(ValueError, match="previous round"):
        build_report(content, municipality_code=ENSCHEDE, round=1, date=DATE, answers={}, previous={}, contributors=1)
    with pytest.raises(ValueError, match="unknown answer"):
        build_report(
            content,
            municipality_code=ENSCHEDE,
            round=1,
            date=DATE,
            answers=answers({"1.1": "misschien"}),
            previous=None,
            contributors=1,
        )


def test_dutch_date() -> None:
    assert dutch_date(DATE) == "28 november 2026"
    assert dutch_date(datetime.date(2027, 3, 1)) == "1 maart 2027"


# -- chart --------------------------------------------------------------------------


def png_size(png: bytes) -> tuple[int, int]:
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    with Image.open(BytesIO(png)) as image:
        image.load()  # decodes the whole image
        return image.size


def test_chart_is_a_phone_sized_png(content: Content) -> None:
    first = render_chart(make_report(content, previous=False))
    second = render_chart(make_report(content, previous=True))
    (w1, h1), (w2, h2) = png_size(first), png_size(second)
    assert abs(w1 - 1080) <= 10 and abs(w2 - 1080) <= 10
    assert 600 <= h1 < h2 <= 1800  # the previous round adds a bar per theme
    assert render_chart(make_report(content, previous=True)) == second  # deterministic


def test_chart_without_answers_and_all_ja(content: Content) -> None:
    empty = build_report(
        content, municipality_code=ENSCHEDE, round=1, date=DATE, answers={}, previous=None, contributors=0
    )
    full = make_report(content, previous=False, values={c.id: "ja" for c in content.checks})
    assert png_size(render_chart(empty))[0] == png_size(render_chart(full))[0]


def test_chart_leaves_pyplot_alone() -> None:
    code = (
        "import sys, datetime; from content.loader import load_content; from bot.report.data import build_report;"
        "from bot.report.chart import render_chart; c = load_content();"
        "r = build_report(c, municipality_code='GM0153', round=1, date=datetime.date(2026, 11, 28), answers={},"
        " previous=None, contributors=1); render_chart(r); assert 'matplotlib.pyplot' not in sys.modules"
    )
    root = Path(__file__).resolve().parent.parent
    subprocess.run([sys.executable, "-c", code], cwd=root, check=True, timeout=60)


# -- pdf ----------------------------------------------------------------------------


def test_pdf_header_facts(with_previous: Rendered) -> None:
    first_page = flat(with_previous.pages[0])
    assert "Checklist Aanpak loverboyproblematiek – Enschede" in first_page
    assert "Gemeente Enschede, provincie Overijssel" in first_page
    assert "Datum 28 november 2026" in first_page
    assert "Ronde 2 (vergeleken met ronde 1)" in first_page
    assert "Ingevuld door 3 personen" in first_page
    assert "Beantwoord 23 van 24 vragen" in first_page


def test_pdf_every_check_with_its_answer(with_previous: Rendered, first_round: Rendered) -> None:
    for rendered, with_prev in ((with_previous, True), (first_round, False)):
        section = rendered.section("Alle vragen en antwoorden", "Open punten en acties")
        for row in rendered.report.checks:
            previous = f" {answer_label(row.previous)}" if with_prev else ""
            who = f" {row.answered_by}" if row.answered_by else ""
            assert f"{row.check.number}/24 {flat(row.check.text)}{previous} {row.label}{who}" in section


def test_pdf_notes_and_characters_survive(with_previous: Rendered) -> None:
    text = with_previous.text
    assert f"Notitie: {NOTE_SPECIAL}" in text
    assert f"Notitie: {NOTE_OPEN}" in text
    for ch in "ë’‘“”–½ï<&":
        assert ch in text
    assert "Creëer de randvoorwaarden" in text  # from the content, theme 3's actions


def test_pdf_scores_changes_and_improved(with_previous: Rendered, first_round: Rendered) -> None:
    scores = with_previous.section("Score per thema", "Alle vragen en antwoorden")
    assert "Ronde 1 Ronde 2 Verschil" in scores
    assert "3. Signaleren en melden 4 van 5 5/5 40% 80% +40" in scores
    assert "2. Preventie en voorlichting 1½ van 6 5/6 17% 25% +8" in scores
    for row in with_previous.report.themes:
        assert change_line(row) in scores
    assert "Signaleren en melden: 40% → 80%" in scores
    improved = with_previous.section("(Nee → Ja)", "Alle vragen en antwoorden")
    for row in with_previous.report.checks:
        shown = f"vraag {row.check.number}/24 {flat(row.check.text)}" in improved
        assert shown == (row.check.id in {"3.3", "3.4", "5.3"})

    first = first_round.section("Score per thema", "Alle vragen en antwoorden")
    assert "3. Signaleren en melden 4 van 5 5/5 80%" in first
    for absent in ("→", "Ronde 1 Ronde 2", "Ontwikkeling sinds", "Verbeterd sinds", "vergeleken met"):
        assert absent not in first_round.text


def test_pdf_open_points_with_actions_and_links(with_previous: Rendered) -> None:
    report = with_previous.report
    section = with_previous.section("Open punten en acties", "Voorbeelden uit de praktijk")
    assert "14 van de 24 vragen zijn nog niet met Ja beantwoord" in section
    themes = report.themes
    for row, next_row in zip(themes, (*themes[1:], None)):
        theme = row.theme
        points = [p for p in report.open_points() if p.check.theme_id == theme.id]
        heading = f"{theme.id}. {theme.title} "
        if not points:  # theme 1: all Ja
            assert heading not in section
            assert all(flat(action) not in with_previous.text for action in theme.actions)
            continue
        start = section.index(heading)
        end = section.index(f"{next_row.theme.id}. {next_row.theme.title} ", start) if next_row else len(section)
        block = section[start:end]
        positions = [block.index(f"{p.label} {p.check.number}/24 {flat(p.check.text)}") for p in points]
        assert positions == sorted(positions)  # Nee first, then Deels, Weet ik niet, unanswered
        actions = block.index("Wat kunt u als gemeente doen?")
        assert positions[-1] < actions
        for action in theme.actions:
            assert flat(action) in block[actions:]
        for resource_id in theme.resource_ids:
            resource = content_resource(report, resource_id)
            assert flat(resource.title) in block
            if resource.availability and not resource.url:
                assert flat(resource.availability) in block
    assert "Notitie: " + NOTE_OPEN in section and NOTE_SPECIAL not in section  # 1.2 is Ja


def content_resource(report: ReportData, resource_id: str) -> Resource:
    return next(r for r in report.resources if r.id == resource_id)


def test_pdf_examples_only_for_themes_with_open_points(with_previous: Rendered) -> None:
    section = with_previous.section("Voorbeelden uit de praktijk", "Alle bronnen en links")
    for row in with_previous.report.themes:
        for example in row.theme.examples:
            first_paragraph = flat(example.text.split("\n\n")[0])
            assert (first_paragraph in section) == (row.theme.id != 1)


def test_pdf_resources_are_clickable_and_inside_the_page(with_previous: Rendered) -> None:
    urls = {r.url for r in with_previous.report.resources if r.url}
    assert len(urls) > 30
    assert urls <= with_previous.uris()
    section = with_previous.section("Alle bronnen en links")
    for resource in with_previous.report.resources:
        assert flat(resource.title) in section
        if not resource.url and resource.availability:
            assert flat(resource.availability) in section
    for page in with_previous.reader.pages:
        width = float(page.mediabox.width)
        for annot in page.get("/Annots") or []:
            x1, _, x2, _ = (float(v) for v in annot.get_object()["/Rect"])
            assert 0 <= x1 < x2 <= width - 20 * 72 / 25.4 + 1  # within the right margin: long URLs wrap


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://www.nji.nl/", ["https://www.nji.nl/"]),
        ("https://a.nl/Slachtoffers-loverboys/Aanpak?x=1", ["https://a.nl/", "Slachtoffers-loverboys/", "Aanpak?x=1"]),
        ("https://a.nl/" + "x" * 40, ["https://a.nl/", "x" * 24, "x" * 16]),
    ],
)
def test_url_lines_break_after_separators_and_fit(url: str, expected: list[str]) -> None:
    pdf = FPDF()
    pdf.set_font("courier", size=10)  # 2.117 mm per character: 24 fit in 52 mm
    lines = url_lines(pdf, url, 52)
    assert lines == expected
    assert all(pdf.get_string_width(line) <= 52 for line in lines)


def test_pdf_pages_footer_and_metadata(with_previous: Rendered) -> None:
    reader = with_previous.reader
    pages = len(reader.pages)
    assert pages >= 5
    for number, page in enumerate(reader.pages, start=1):
        assert (round(float(page.mediabox.width)), round(float(page.mediabox.height))) == (595, 842)  # A4
        text = flat(with_previous.pages[number - 1])
        assert f"Pagina {number} van {pages}" in text
        assert SOURCE in text
    meta = reader.metadata
    assert meta is not None
    assert meta.title == "Checklist Aanpak loverboyproblematiek – Enschede"
    assert meta.author == "checkbot"
    assert reader.trailer["/Root"]["/Lang"] == "nl"


def test_pdf_with_nothing_open_and_without_chart(content: Content) -> None:
    report = make_report(content, previous=False, values={c.id: "ja" for c in content.checks})
    rendered = render(report, chart=False)
    assert "Er zijn geen open punten: alle vragen zijn met Ja beantwoord." in rendered.text
    assert "Voorbeelden uit de praktijk" not in rendered.text
    assert "Wat kunt u als gemeente doen?" not in rendered.text
    assert not any("/Image" in str(page["/Resources"].get("/XObject", {})) for page in rendered.reader.pages)
    assert "Ingevuld door 3 personen" in rendered.text


def test_pdf_rejects_a_chart_that_is_not_a_png(content: Content) -> None:
    with pytest.raises(ValueError, match="PNG"):
        render_pdf(make_report(content, previous=False), b"GIF89a not a png")


# -- file name ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("GM0153", "checklist-loverboyaanpak-enschede-2026-11-28.pdf"),
        ("GM0796", "checklist-loverboyaanpak-s-hertogenbosch-2026-11-28.pdf"),
        ("GM1900", "checklist-loverboyaanpak-sudwest-fryslan-2026-11-28.pdf"),
        ("GM0820", "checklist-loverboyaanpak-nuenen-gerwen-en-nederwetten-2026-11-28.pdf"),
    ],
)
def test_report_filename(content: Content, code: str, expected: str) -> None:
    report = build_report(
        content, municipality_code=code, round=1, date=DATE, answers={}, previous=None, contributors=1
    )
    assert report_filename(report) == expected


def test_every_municipality_slugs_cleanly(content: Content) -> None:
    slugs = [slug(m.name) for m in content.municipalities]
    assert all(re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", s) for s in slugs)
    assert len(set(slugs)) == len(slugs)
    assert slug("Súdwest-Fryslân ") == "sudwest-fryslan" and slug("’s-Gravenhage") == "s-gravenhage"


# -- issue 10: the report renders data it is given, themes not started, one numbering, layout --------------


def test_the_report_does_not_reach_into_storage() -> None:
    """The report renders data it is given: no module of bot/report imports storage (issue 10)."""
    package = Path(__file__).resolve().parent.parent / "bot" / "report"
    for module in package.glob("*.py"):
        source = module.read_text(encoding="utf-8")
        assert not re.search(r"^\s*(from|import)\s+storage\b", source, re.MULTILINE), module.name


def test_report_rows_carry_answer_values(content: Content) -> None:
    report = make_report(content, previous=True)
    assert all(row.answer is None or isinstance(row.answer, AnswerValue) for row in report.checks)
    by_id = {row.check.id: row for row in report.checks}
    assert by_id["2.3"].label == AnswerValue.ONBEKEND.label == "Weet ik niet"
    assert [row.order for row in report.open_points()] == sorted(row.order for row in report.open_points())


def test_has_answers_tells_an_empty_report(content: Content) -> None:
    empty = build_report(content, municipality_code=ENSCHEDE, round=1, date=DATE, answers={}, previous=None, contributors=0)
    assert not empty.has_answers and empty.answered == 0
    assert make_report(content, previous=False, values={"3.2": "nee"}).has_answers


# Round 2 with theme 4 not started now, and theme 2 not started in round 1 (theme 5 all Nee then: a real 0 %).
NOT_STARTED_NOW = {k: v for k, v in CURRENT.items() if not k.startswith("4.")}
NOT_STARTED_BEFORE = {
    **{k: v for k, v in PREVIOUS.items() if not k.startswith("2.")},
    "4.1": "ja", "4.2": "ja", "4.3": "deels", "4.4": "deels", "4.5": "nee",  # 3 of 5: 60 %
}  # fmt: skip


@pytest.fixture(scope="module")
def not_started(content: Content) -> Rendered:
    report = build_report(
        content,
        municipality_code=ENSCHEDE,
        round=2,
        date=DATE,
        answers=answers(NOT_STARTED_NOW),
        previous=answers(NOT_STARTED_BEFORE),
        contributors=2,
    )
    return render(report)


def test_a_theme_not_started_is_not_zero_percent_in_the_data(not_started: Rendered) -> None:
    themes = {row.theme.id: row for row in not_started.report.themes}
    assert (themes[4].started, themes[4].percent_text, themes[4].change) == (False, "nog niet ingevuld", None)
    assert (themes[2].previous_started, themes[2].previous_percent_text) == (False, "nog niet ingevuld")
    assert themes[2].change is None and themes[2].percent_text == "25%"
    assert (themes[5].previous_percent_text, themes[5].change) == ("0%", 38)  # all Nee is a real 0 %
    assert change_line(themes[4]) == "Samenwerken in de zorg- en veiligheidsketen: 60% → nog niet ingevuld"
    assert change_line(themes[2]) == "Preventie en voorlichting: nog niet ingevuld → 25%"


def test_a_theme_not_started_is_not_zero_percent_in_the_pdf(not_started: Rendered) -> None:
    scores = not_started.section("Score per thema", "Alle vragen en antwoorden")
    assert "4. Samenwerken in de zorg- en veiligheidsketen – 0/5 60% nog niet ingevuld –" in scores
    assert "2. Preventie en voorlichting 1½ van 6 5/6 nog niet ingevuld 25% –" in scores
    assert "Samenwerken in de zorg- en veiligheidsketen: 60% → nog niet ingevuld" in scores
    assert "Preventie en voorlichting: nog niet ingevuld → 25%" in scores
    assert "→ 0%" not in scores
    assert re.findall(r"\b0%", scores) == ["0%", "0%"]  # theme 5 in round 1 (all Nee): table and change line


def test_a_theme_not_started_has_no_zero_bar_in_the_chart(content: Content) -> None:
    """An unstarted theme and a theme answered all Nee look different: only the second is 0 %."""
    all_nee = make_report(content, previous=False, values={**CURRENT, **{f"4.{i}": "nee" for i in range(1, 6)}})
    none = make_report(content, previous=False, values=NOT_STARTED_NOW)
    assert [r.percent for r in all_nee.themes] == [r.percent for r in none.themes]
    assert render_chart(all_nee) != render_chart(none)


def test_pdf_numbers_checks_as_the_chat_and_notes_sit_under_their_check(content: Content) -> None:
    """Issue 10 item 5: 2.4 skipped, a note on 2.5 is printed under vraag 9/24, not under 2.3."""
    values = {"2.1": "ja", "2.2": "ja", "2.3": "nee", "2.5": "deels"}
    report = build_report(
        content, municipality_code=ENSCHEDE, round=1, date=DATE,
        answers=answers(values, {"2.5": "Loopt via het jongerenwerk"}), previous=None, contributors=1,
    )  # fmt: skip
    rendered = render(report, chart=False)
    checks = rendered.section("Alle vragen en antwoorden", "Open punten en acties")
    nine, ten = content.check("2.5"), content.check("2.6")
    assert (nine.number, ten.number) == (9, 10)
    start = checks.index(f"9/24 {flat(nine.text)}")
    assert checks.index("Notitie: Loopt via het jongerenwerk") in range(start, checks.index(f"10/24 {flat(ten.text)}"))
    for check in content.checks:
        assert f"{check.number}/24 {flat(check.text)}" in checks
    opened = rendered.section("Open punten en acties", "Voorbeelden uit de praktijk")
    assert f"Deels 9/24 {flat(nine.text)} Notitie: Loopt via het jongerenwerk" in opened


def _pages_of(rendered: Rendered, texts: list[str], first: str, last: str) -> set[int]:
    pages = [flat(p) for p in rendered.pages]
    start = next(i for i, p in enumerate(pages) if first in p)
    end = next(i for i, p in enumerate(pages) if last in p)
    return {next(i for i in range(start, end + 1) if text in pages[i]) for text in texts}


def test_pdf_keeps_each_themes_table_on_one_page(
    content: Content, with_previous: Rendered, first_round: Rendered, not_started: Rendered
) -> None:
    """Issue 10 item 12: no page holding only row 5.4; each theme's table of checks stays together.

    The first report is one the old layout split (theme 4 over two pages)."""
    values = {c.id: ("ja", "nee", "deels", "onbekend")[i % 4] for i, c in enumerate(content.checks)}
    notes = {c.id: "Notitie " + "tekst " * 10 for c in content.checks[::3]}
    report = build_report(
        content, municipality_code=ENSCHEDE, round=2, date=DATE,
        answers=answers(values, notes), previous=answers(PREVIOUS), contributors=1,
    )  # fmt: skip
    for rendered in (render(report, chart=False), with_previous, first_round, not_started):
        for theme in content.themes:
            rows = [flat(c.text)[:40] for c in theme.checks]
            assert len(_pages_of(rendered, rows, "Alle vragen en antwoorden", "Open punten en acties")) == 1, theme.id


def test_pdf_answer_labels_do_not_wrap(with_previous: Rendered, not_started: Rendered) -> None:
    for rendered in (with_previous, not_started):
        raw = "\n".join(rendered.pages)
        assert not re.search(r"Niet\s*\n\s*beantwoord", raw)
        assert not re.search(r"Weet ik\s*\n\s*niet", raw)
    assert "\n".join(not_started.pages).count("Niet beantwoord") >= 10  # theme 4, both columns


def test_pdf_names_the_source_once_on_the_last_page(with_previous: Rendered) -> None:
    last = flat(with_previous.pages[-1])
    assert last.count("Bron:") == 1
    assert "Rapport gemaakt met checkbot op 28 november 2026." in last


# -- issue 11 item 8: characters the font lacks -------------------------------------------------------------


def test_a_note_in_another_script_is_marked_and_never_logged(content: Content, caplog: pytest.LogCaptureFixture) -> None:
    """fpdf logged "missing glyphs: '李' '小'…" (user text in the log) and left them blank."""
    note = "Overleg met 李小龙 🙂👍🏽 over de aanpak"
    given = answers({"1.1": "deels", "1.2": "ja"}, {"1.1": note})
    given["1.2"] = dataclasses.replace(given["1.2"], answered_by_name="Zoë 🌸")
    report = build_report(
        content, municipality_code=ENSCHEDE, round=1, date=DATE, answers=given, previous=None, contributors=2
    )
    caplog.set_level(logging.DEBUG)
    rendered = render(report, chart=False)
    for record in caplog.records:
        message = record.getMessage()
        assert not any(ch in message for ch in "李小龙🙂👍🌸"), (record.name, message)
        assert "Overleg met" not in message
    # each character the font cannot show is a visible marker (the skin tone modifier goes with its emoji)
    assert f"Notitie: Overleg met {MARKER * 3} {MARKER * 2} over de aanpak" in rendered.text
    assert f"Zoë {MARKER}" in rendered.text
    assert f"{MARKER} staat voor een teken dat dit lettertype niet kan weergeven" in rendered.text


def test_no_marker_explanation_when_every_character_shows(first_round: Rendered) -> None:
    assert MARKER not in first_round.text
    assert "staat voor een teken" not in first_round.text


def test_a_note_longer_than_a_page_is_cut_visibly_not_a_crash(content: Content) -> None:
    """fpdf refuses a table row taller than a page; a note that long is cut, and says so."""
    note = ("Een heel lange notitie met veel woorden " * 120)[:4000]
    report = build_report(
        content, municipality_code=ENSCHEDE, round=1, date=DATE,
        answers=answers(CURRENT, {"5.4": note}), previous=None, contributors=1,
    )  # fmt: skip
    rendered = render(report, chart=False)
    assert rendered.text.count("… (ingekort)") == 2  # all checks, and open points
    assert flat(note[:1500]) in rendered.text


def test_table_height_bounds_hold(content: Content, monkeypatch: pytest.MonkeyPatch) -> None:
    """keep_together skips its trial on the strength of these bounds: they must hold for every table."""
    from bot.report.document import ReportDocument

    measured: list[tuple[tuple[float, float], float]] = []

    def measure(self: ReportDocument, draw, *, height=None) -> None:  # type: ignore[no-untyped-def]
        self.add_page()
        page, top, room = self.page, self.get_y(), self.space_left()
        draw(self)
        assert height is not None
        if self.page == page:
            measured.append((height, self.get_y() - top))
        else:  # taller than a page: the upper bound must say it might be
            assert height[1] > room
            measured.append(((height[0], height[1]), height[1]))

    monkeypatch.setattr(ReportDocument, "keep_together", measure)
    values = {c.id: ("ja", "nee", "deels", "onbekend")[i % 4] for i, c in enumerate(content.checks)}
    notes = {c.id: ("Notitie over de aanpak " * 60)[: 40 * c.number] for c in content.checks[::2]}  # up to 920
    given = {k: dataclasses.replace(v, answered_by_name="Joëlle ’t Hart-van der Zwaluw de Groot") for k, v in answers(values, notes).items()}
    report = build_report(
        content, municipality_code=ENSCHEDE, round=2, date=DATE, answers=given, previous=answers(PREVIOUS), contributors=1
    )
    render_pdf(report)
    assert len(measured) == 5 + 5  # every theme's checks, every theme's open points
    for (low, high), actual in measured:
        assert low - 0.5 <= actual <= high


def test_fpdf_missing_glyph_records_are_dropped(caplog: pytest.LogCaptureFixture) -> None:
    """Even if fpdf met a character the marker missed, its record (which quotes it) is not logged."""
    from bot.report.glyphs import quiet_fpdf_glyph_warnings

    quiet_fpdf_glyph_warnings()
    caplog.set_level(logging.DEBUG)
    logging.getLogger("fpdf.output").warning("Font X is missing the following glyphs: '李' (\\u674e)")
    logging.getLogger("fpdf.output").warning("some other fpdf warning")
    assert [r.getMessage() for r in caplog.records] == ["some other fpdf warning"]
