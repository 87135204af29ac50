"""Municipality by place (issue 10 item 10): people type the town they work in.

``content/woonplaatsen.csv`` maps the CBS places to their municipality; the
finder answers with one of the kinds of contract §4: exact, place, ambiguous,
suggestions or none, and never offers random names for nonsense.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from content.loader import CONTENT_DIR, ContentError, load_content
from content.model import Content
from content.municipalities import MunicipalityFinder


@pytest.fixture(scope="module")
def content() -> Content:
    return load_content()


@pytest.fixture(scope="module")
def finder(content: Content) -> MunicipalityFinder:
    return MunicipalityFinder(content)


# -- the data ---------------------------------------------------------------


def test_places_are_loaded_and_each_lies_in_a_known_municipality(content: Content) -> None:
    assert len(content.places) == 2501
    assert all(content.has_municipality(p.municipality_code) for p in content.places)
    # every municipality has at least one place (the README of the data says so)
    assert {p.municipality_code for p in content.places} == {m.code for m in content.municipalities}


def test_places_file_matches_the_shared_reference_data() -> None:
    shared = Path("/work/shared/data/woonplaatsen.csv")
    if not shared.exists():
        pytest.skip("reference data not on this machine")
    assert (CONTENT_DIR / "woonplaatsen.csv").read_bytes() == shared.read_bytes()


def test_source_of_the_places_is_documented(content: Content) -> None:
    source = (CONTENT_DIR / "SOURCE.md").read_text(encoding="utf-8")
    assert "woonplaatsen.csv" in source and "woningwaardering" in source and "CC BY 4.0" in source


def _content_copy(tmp_path: Path) -> Path:
    target = tmp_path / "content"
    shutil.copytree(CONTENT_DIR, target, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    return target


def test_a_place_in_an_unknown_municipality_stops_the_loader(tmp_path: Path) -> None:
    target = _content_copy(tmp_path)
    csv = target / "woonplaatsen.csv"
    csv.write_text(csv.read_text(encoding="utf-8") + "9999,Nergenshuizen,GM9999\n", encoding="utf-8")
    with pytest.raises(ContentError, match=r"woonplaatsen\.csv: line 2503: .*Nergenshuizen.*GM9999"):
        load_content(target)


def test_a_missing_places_file_stops_the_loader(tmp_path: Path) -> None:
    target = _content_copy(tmp_path)
    (target / "woonplaatsen.csv").unlink()
    with pytest.raises(ContentError, match="woonplaatsen.csv: file not found"):
        load_content(target)


# -- the finder ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "place", "code"),
    [
        ("Hoofddorp", "Hoofddorp", "GM0394"),  # Haarlemmermeer
        ("hoofddorp", "Hoofddorp", "GM0394"),
        ("Weesp", "Weesp", "GM0363"),  # Amsterdam since 2022
        ("Brielle", "Brielle", "GM1992"),  # Voorne aan Zee since 2023
        ("Sneek", "Sneek", "GM1900"),  # Súdwest-Fryslân
        ("Hengelo (Gld)", "Hengelo (Gld)", "GM1876"),  # Bronckhorst, not the municipality Hengelo
        ("ik werk in Drachten", "Drachten", "GM0090"),  # Smallingerland
    ],
)
def test_a_place_names_its_municipality(finder: MunicipalityFinder, typed: str, place: str, code: str) -> None:
    match = finder.find(typed)
    assert match.kind == "place"
    assert match.place == place
    assert match.municipality is not None and match.municipality.code == code
    assert [m.code for m in match.candidates] == [code]


def test_a_place_with_a_typo_is_still_found(finder: MunicipalityFinder) -> None:
    match = finder.find("Hoofdorp")
    assert (match.kind, match.place, match.fuzzy) == ("place", "Hoofddorp", True)
    assert match.municipality is not None and match.municipality.name == "Haarlemmermeer"


@pytest.mark.parametrize(
    ("typed", "names"),
    [
        ("Broekhuizen", ["Horst aan de Maas", "Meppel"]),
        ("Haarle", ["Hellendoorn", "Tubbergen"]),
        ("Vianen", ["Land van Cuijk", "Vijfheerenlanden"]),  # "Vianen NB" is also typed plain
    ],
)
def test_a_place_in_several_municipalities_is_a_question(
    finder: MunicipalityFinder, typed: str, names: list[str]
) -> None:
    match = finder.find(typed)
    assert match.kind == "ambiguous"
    assert match.place == typed
    assert match.municipality is None
    assert [m.name for m in match.candidates] == names


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("Hengelo", "GM0164"),  # the municipality wins over the place in Bronckhorst
        ("Laren", "GM0417"),
        ("Hoorn", "GM0405"),  # also a place on Terschelling
        ("Groningen", "GM0014"),
    ],
)
def test_the_municipality_list_wins_over_a_place(finder: MunicipalityFinder, typed: str, code: str) -> None:
    match = finder.find(typed)
    assert match.kind == "exact" and match.place is None and not match.fuzzy
    assert match.municipality is not None and match.municipality.code == code


def test_bare_bergen_is_still_a_question_between_municipalities(finder: MunicipalityFinder) -> None:
    match = finder.find("Bergen")
    assert match.kind == "ambiguous" and match.place is None
    assert [m.code for m in match.candidates] == ["GM0893", "GM0373"]


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("Enschde", "GM0153"),
        ("Groningn", "GM0014"),  # not "Groeningen" in Land van Cuijk
        ("Amsterdm", "GM0363"),
        ("Harlemmermeer", "GM0394"),
        ("gemeente Haarlemermeer", "GM0394"),
        ("Maastrict", "GM0935"),
    ],
)
def test_a_clear_typo_of_a_municipality_is_taken(finder: MunicipalityFinder, typed: str, code: str) -> None:
    match = finder.find(typed)
    assert match.kind == "exact" and match.fuzzy
    assert match.municipality is not None and match.municipality.code == code


@pytest.mark.parametrize(
    ("typed", "code"),
    [("Den Bosch", "GM0796"), ("s-Hertogenbosch", "GM0796"), ("’s Hertogenbosch", "GM0796"), ("den haag", "GM0518")],
)
def test_aliases_and_formal_names_are_exact(finder: MunicipalityFinder, typed: str, code: str) -> None:
    match = finder.find(typed)
    assert match.kind == "exact" and not match.fuzzy
    assert match.municipality is not None and match.municipality.code == code


@pytest.mark.parametrize(("typed", "name"), [("Zwolel", "Zwolle"), ("Bred", "Breda"), ("Almre", "Almere")])
def test_a_less_certain_typo_is_a_suggestion(finder: MunicipalityFinder, typed: str, name: str) -> None:
    match = finder.find(typed)
    assert match.kind == "suggestions" and match.municipality is None
    assert match.candidates[0].name == name
    assert len(match.places) == len(match.candidates)


def test_a_suggestion_found_through_a_place_says_which_place(finder: MunicipalityFinder) -> None:
    match = finder.find("Brill")
    assert match.kind == "suggestions"
    assert ("Voorne aan Zee", "Brielle") in zip((m.name for m in match.candidates), match.places)


@pytest.mark.parametrize(
    "typed",
    ["12345", "asdf", "xqzwv", "qwerty", "blabla", "hallo", "help", "test", "loverboy", "weet ik niet", "", "  ", "?!"],
)
def test_nonsense_gets_no_suggestions(finder: MunicipalityFinder, typed: str) -> None:
    match = finder.find(typed)
    assert match.kind == "none"
    assert match.candidates == () and match.municipality is None and match.place is None


@pytest.mark.parametrize(
    ("typed", "code"),
    [("Capelle", "GM0502"), ("Baarle", "GM0744"), ("sudwest", "GM1900"), ("Hendrik", "GM0531")],
)
def test_the_first_word_of_a_longer_name_stands_for_it(finder: MunicipalityFinder, typed: str, code: str) -> None:
    """People say "Capelle" for Capelle aan den IJssel; it used to suggest Kapelle."""
    match = finder.find(typed)
    assert match.kind == "exact" and match.fuzzy
    assert match.municipality is not None and match.municipality.code == code


@pytest.mark.parametrize(
    ("typed", "names", "places"),
    [
        ("Alphen", ["Alphen aan den Rijn", "Alphen-Chaam", "West Maas en Waal"], (None, "Alphen", "Alphen")),
        ("Etten", ["Etten-Leur", "Oude IJsselstreek"], (None, "Etten")),
        ("Loon", ["Assen", "Loon op Zand"], ("Loon", None)),
    ],
)
def test_a_place_that_also_starts_a_municipality_name_is_a_question(
    finder: MunicipalityFinder, typed: str, names: list[str], places: tuple[str | None, ...]
) -> None:
    match = finder.find(typed)
    assert match.kind == "ambiguous" and match.place == typed
    assert [m.name for m in match.candidates] == names
    assert match.places == places


def test_a_place_inside_the_municipality_it_names_stays_a_place(finder: MunicipalityFinder) -> None:
    match = finder.find("Gemert")  # the place Gemert lies in Gemert-Bakel
    assert (match.kind, match.place) == ("place", "Gemert")
    assert match.municipality is not None and match.municipality.name == "Gemert-Bakel"


@pytest.mark.parametrize("typed", ["Oost", "West", "Land", "Son", "Den"])
def test_a_general_first_word_is_no_short_name(finder: MunicipalityFinder, typed: str) -> None:
    assert finder.find(typed).kind in ("none", "suggestions", "place", "ambiguous")
    assert not (finder.find(typed).kind == "exact" and finder.find(typed).fuzzy)


@pytest.mark.parametrize(
    ("typed", "kind", "name"),
    [
        ("Hengelo (Gelderland)", "place", "Bronckhorst"),  # the name alone is the municipality in Overijssel
        ("Hengelo Overijssel", "exact", "Hengelo (O.)"),
        ("Laren Gelderland", "place", "Lochem"),
        ("Bergen Noord-Holland", "exact", "Bergen (NH.)"),
        ("Bergen (Limburg)", "exact", "Bergen (L.)"),
        ("Broekhuizen Drenthe", "place", "Meppel"),
        ("Alphen Zuid-Holland", "exact", "Alphen aan den Rijn"),
        ("Hoorn Friesland", "place", "Terschelling"),
    ],
)
def test_a_province_after_the_name_narrows_it_down(finder: MunicipalityFinder, typed: str, kind: str, name: str) -> None:
    match = finder.find(typed)
    assert match.kind == kind and match.municipality is not None and match.municipality.name == name


def test_a_province_that_does_not_fit_only_suggests(finder: MunicipalityFinder) -> None:
    match = finder.find("Leiden Noord-Holland")  # Leiden is in Zuid-Holland
    assert match.kind == "suggestions" and [m.name for m in match.candidates] == ["Leiden"]


@pytest.mark.parametrize(
    ("typed", "kind", "name"),
    [
        ("Amsterdam Zuidoost", "exact", "Amsterdam"),
        ("Rotterdam-Zuid", "exact", "Rotterdam"),
        ("Den Bosch centrum", "exact", "'s-Hertogenbosch"),
        ("Almere Buiten", "exact", "Almere"),
        ("Hoofddorp Noord", "place", "Haarlemmermeer"),
    ],
)
def test_a_name_with_a_district_after_it(finder: MunicipalityFinder, typed: str, kind: str, name: str) -> None:
    match = finder.find(typed)
    assert match.kind == kind and match.fuzzy
    assert match.municipality is not None and match.municipality.name == name


@pytest.mark.parametrize("typed", ["Noord-Holland", "provincie Utrecht", "asdf nh", "Limburg", "waar meld ik een zorg over een leerling"])
def test_a_province_alone_or_a_sentence_is_no_municipality(finder: MunicipalityFinder, typed: str) -> None:
    assert finder.find(typed).kind == "none"
