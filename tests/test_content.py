"""The transcribed checklist content against its source, the OCR'd PDF text.

``tests/data/checklist-seed.txt`` is a copy of the seed the YAML was made
from; these tests check that the transcription is complete (every check,
every URL) and that no OCR damage survived.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest
import yaml

from content.loader import CONTENT_DIR, load_content
from content.urls import canonical_key, is_well_formed

SEED = Path(__file__).resolve().parent / "data" / "checklist-seed.txt"
CHECKLIST_YAML = CONTENT_DIR / "checklist.yaml"
RESOURCES_YAML = CONTENT_DIR / "resources.yaml"

THEME_TITLES = (
    "Kennis en bewustwording",
    "Preventie en voorlichting",
    "Signaleren en melden",
    "Samenwerken in de zorg- en veiligheidsketen",
    "Opvang, behandeling en nazorg",
)
CHECKS_PER_THEME = (4, 6, 5, 5, 4)


@pytest.fixture(scope="module")
def content():
    return load_content()


@pytest.fixture(scope="module")
def raw_yaml() -> dict[str, str]:
    return {p.name: p.read_text(encoding="utf-8") for p in (CHECKLIST_YAML, RESOURCES_YAML)}


def _strings(node):
    """Every string value in a parsed YAML tree."""
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for value in node.values():
            yield from _strings(value)
    elif isinstance(node, list):
        for value in node:
            yield from _strings(value)


@pytest.fixture(scope="module")
def yaml_values() -> list[str]:
    values: list[str] = []
    for path in (CHECKLIST_YAML, RESOURCES_YAML):
        values.extend(_strings(yaml.safe_load(path.read_text(encoding="utf-8"))))
    return values


# --------------------------------------------------------------------------
# structure


def test_five_themes_in_order(content):
    assert tuple(t.title for t in content.themes) == THEME_TITLES
    assert tuple(t.id for t in content.themes) == (1, 2, 3, 4, 5)


def test_checks_per_theme_and_ids(content):
    assert tuple(len(t.checks) for t in content.themes) == CHECKS_PER_THEME
    expected_ids = [f"{t}.{n}" for t, count in enumerate(CHECKS_PER_THEME, start=1) for n in range(1, count + 1)]
    assert [c.id for c in content.checks] == expected_ids
    assert len(content.checks) == 24
    assert [c.number for c in content.checks] == list(range(1, 25))


def test_every_theme_is_complete(content):
    for theme in content.themes:
        assert theme.heading.endswith("?"), theme.id
        assert not theme.heading.startswith("Check"), theme.id
        assert theme.why and theme.actions and theme.resource_ids and theme.examples, theme.id
        for check in theme.checks:
            assert check.text[0].isupper() and "?" in check.text, check.id
            assert check.text.endswith(("?", ".")), check.id


def test_intro_and_closing_sections(content):
    assert content.intro.title == "Hoe pak je loverboyproblematiek aan?"
    assert content.intro.subtitle == "Checklist voor gemeenten"
    assert [s.id for s in content.intro.sections] == ["waarom", "rol-gemeenten", "gebruik"]
    assert [s.id for s in content.closing] == [
        "wijkteams",
        "commissie-aanpak-meisjesslachtoffers",
        "informatie-en-tools",
        "websites",
    ]


def test_example_ids_are_unique(content):
    ids = [e.id for t in content.themes for e in t.examples]
    assert len(ids) == len(set(ids))


# --------------------------------------------------------------------------
# verbatim spot checks


@pytest.mark.parametrize(
    ("check_id", "text"),
    [
        ("1.1", "Zijn de landelijke cijfers over de aard en omvang van mensenhandel en loverboyproblematiek bekend?"),
        (
            "1.3",
            "Is de procedure voor registratie bij CoMensha bekend bij professionals in de gemeente? "
            "Wordt er volgens deze procedure gehandeld?",
        ),
        (
            "2.5",
            "Is het duidelijk waar voor (potentiële) afnemers informatie beschikbaar is over het aanbod van "
            "voorlichtings- en preventieprogramma’s?",
        ),
        (
            "3.1",
            "Zijn de professionals in basisvoorzieningen en eerstelijnsvoorzieningen (zoals wijkteams) op de hoogte "
            "van de signalen? Weten ze hoe ze moeten handelen bij signalen van loverboyproblematiek?",
        ),
        ("3.5", "Is er vanuit het meldpunt samenwerking met de zorg- en veiligheidsketen?"),
        ("4.3", "Is de zorgcoördinatie belegd?"),
        ("5.3", "Is de nazorg gerealiseerd?"),
        ("5.4", "Worden de ouders en het netwerk betrokken?"),
    ],
)
def test_check_text_verbatim(content, check_id, text):
    assert content.check(check_id).text == text


def test_theme_headings(content):
    assert [t.heading for t in content.themes] == [
        "Is er kennis en bewustwording bij de beleidsmakers?",
        "Is er aandacht voor preventie en voorlichting in de gemeente?",
        "Kunnen professionals signaleren en melden?",
        "Is er samenwerking tussen de zorg- en veiligheidsketen?",
        "Is er passende opvang, behandeling en nazorg?",
    ]


def test_repaired_passages(content):
    theme1 = content.theme(1)
    assert theme1.actions[1] == (
        "Zorg ervoor dat (vermoedelijke) slachtoffers gemeld worden bij CoMensha, het landelijk "
        "Coördinatiecentrum Mensenhandel. Gemeentelijk preventie- en interventiebeleid begint met betrouwbare cijfers."
    )
    assert "speelt zich af ‘onder de radar’." in theme1.why
    assert "casuïstiek" in theme1.why
    # hyphenation at a line end: "doel-\ngroep"
    assert "aansluiten bij de doelgroep en bij actuele ontwikkelingen" in content.theme(2).why
    assert content.theme(3).actions[0].startswith("Creëer de randvoorwaarden, zoals een meldpunt")
    enschede = next(e for e in content.theme(3).examples if e.place == "Enschede")
    assert "wordt gecoördineerd door twee gespecialiseerde wijkcoaches" in enschede.text
    assert any("residentiële hulp: een combinatie van verblijf en behandeling" in e.text for e in content.theme(5).examples)
    titles = {r.title for r in content.resources.values()}
    assert "De folder over melden ‘Is uw kind vermoedelijk slachtoffer van een loverboy?’" in titles
    assert "De rapportage van de commissie Lenferink (PDF) over zorgcoördinatie voor slachtoffers van mensenhandel" in titles


def test_practice_example_places(content):
    places = [[e.place for e in t.examples] for t in content.themes]
    assert places == [
        ["Amsterdam", "Utrecht", "Rotterdam", "Limburg"],
        ["Den Haag", "Amsterdam", "Utrecht", "Utrecht", "Apeldoorn"],
        ["Enschede", "West-Brabant"],
        ["Rotterdam", "Utrecht"],
        ["Nederland", "Nederland"],
    ]


def test_risicotaxatie_instrument_has_availability_not_url(content):
    (resource,) = [r for r in content.resources.values() if r.title.startswith("Risicotaxatie-instrument")]
    assert resource.url is None
    assert resource.availability and "beveiligde omgeving van Jeugdzorg Nederland" in resource.availability


# --------------------------------------------------------------------------
# OCR artefacts


OCR_ARTEFACTS = [
    "n|",
    "Codrdinatie",
    "codrdinat",
    "codrdin",
    "potentiéle",
    "creéren",
    "Creéer",
    "gemeeéenten",
    "¥",
    "@",
    "(Y",
    "()",
    "vk W",
    "A\\",
    "ls uw kind",
    "Derapportage",
    "'’",
    "residentiéle",
    "barriéres",
    "Barriéremodel",
    "pak’je",
    "casuistiek",
    "Doe nu de check",
]


@pytest.mark.parametrize("artefact", OCR_ARTEFACTS)
def test_no_ocr_artefact_in_yaml(raw_yaml, artefact):
    for name, text in raw_yaml.items():
        assert artefact not in text, f"{artefact!r} in {name}"


def test_no_ascii_quotes_or_apostrophes_in_values(yaml_values):
    """Typographic ‘ ’ throughout; the seed's mix of ' " ’ is OCR noise."""
    bad = [v for v in yaml_values if "'" in v or '"' in v]
    assert not bad


def test_typographic_quotes_are_paired(yaml_values):
    for value in yaml_values:
        opened = value.count("‘")
        assert len(re.findall(r"‘[^‘’]+’", value)) == opened, value


def test_no_hard_line_breaks_or_split_words(yaml_values):
    for value in yaml_values:
        assert "-\n" not in value, value
        # paragraphs are separated by exactly one blank line, lines are not broken
        assert not re.search(r"(?<!\n)\n(?!\n)|\n\n\n", value), value
        assert value == value.strip(), value
        # a word split at a line end and re-joined with a space ("doel- groep");
        # "preventie- en", "organisatie- als" etc. are proper Dutch
        assert not re.search(r"[a-zë]- (?!(?:en|of|als|tot)\b)[a-z]", value), value
        assert "  " not in value, value
        # bullet glyphs at the start of a value
        assert not re.match(r"[*>»•e] ", value), value


def test_no_url_with_white_space(content, raw_yaml):
    for resource in content.resources.values():
        if resource.url is not None:
            assert not re.search(r"\s", resource.url), resource.id
    for name, text in raw_yaml.items():
        assert "handreiking aanpak_" not in text, name
        assert not re.search(r"https?://\S*\s+[\w/-]*\.(?:pdf|aspx)\b", text), name


# --------------------------------------------------------------------------
# URLs: every URL of the seed is a resource, exactly once

_URL = re.compile(r"(?:https?://|www\.)\S+")
_CONTINUES = ("-", "/", "_")
# What cannot be repaired generically: an OCR space inside a URL.
_OCR_URL_FIXES = {
    "https://hetccv.nl/fileadmin//Bestanden/Bestellen/Algemeen/handreiking":
        "https://hetccv.nl/fileadmin//Bestanden/Bestellen/Algemeen/handreiking_aanpak_loverboyproblematiek.pdf",
}


def _looks_like_url_tail(token: str) -> bool:
    return not _URL.match(token) and any(ch in token for ch in "/.-_")


def seed_urls(text: str) -> list[str]:
    """The URLs of the OCR text, with the ones broken over two lines re-joined."""
    lines = text.splitlines()
    urls: list[str] = []
    for i, line in enumerate(lines):
        for match in _URL.finditer(line):
            url = match.group(0)
            if match.end() == len(line.rstrip()):
                # continues on the next non-empty line?
                j = i + 1
                while url.endswith(_CONTINUES):
                    while j < len(lines) and not lines[j].strip():
                        j += 1
                    if j == len(lines):
                        break
                    head = lines[j].split()[0]
                    if not _looks_like_url_tail(head):
                        break
                    url += head
                    if len(lines[j].split()) > 1:
                        break
                    j += 1
            url = url.rstrip(".,;:)\"'’").replace("n|", "nl")
            url = _OCR_URL_FIXES.get(url, url)
            urls.append(url)
    return urls


@pytest.fixture(scope="module")
def urls_in_seed() -> list[str]:
    return seed_urls(SEED.read_text(encoding="utf-8"))


def test_seed_url_extraction_repairs_broken_urls(urls_in_seed):
    """The extraction itself: known broken URLs come out whole, none is cut short."""
    assert "https://hetccv.nl/onderwerpen/mensenhandel/" in urls_in_seed
    assert (
        "http://www.nji.nl/nl/Download-NJi/Publicatie-NJi/Actieplan-Hun-verleden-is-niet-hun-toekomst.pdf"
        in urls_in_seed
    )
    assert "www.mensenhandel.nl" in urls_in_seed
    assert "https://www.wegwijzermensenhandel.nl/" in urls_in_seed  # not glued to the next line
    for url in urls_in_seed:
        assert is_well_formed(url if "://" in url else "http://" + url), url
        assert not url.endswith(("-", "_", "/onderwerpen/")), url
    assert len({canonical_key(u) for u in urls_in_seed}) == 42


def test_every_seed_url_is_one_resource(content, urls_in_seed):
    keys = Counter(canonical_key(r.url) for r in content.resources.values() if r.url)
    missing = sorted({canonical_key(u) for u in urls_in_seed} - set(keys))
    assert not missing
    for url in urls_in_seed:
        assert keys[canonical_key(url)] == 1, url


def test_every_resource_url_comes_from_the_seed(content, urls_in_seed):
    seed_keys = {canonical_key(u) for u in urls_in_seed}
    for resource in content.resources.values():
        if resource.url:
            assert canonical_key(resource.url) in seed_keys, resource.id


def test_resource_urls_well_formed_and_unique(content):
    urls = [r.url for r in content.resources.values() if r.url]
    for url in urls:
        assert is_well_formed(url), url
    keys = [canonical_key(u) for u in urls]
    assert len(keys) == len(set(keys))


def test_resource_references(content):
    referenced = [rid for t in content.themes for rid in t.resource_ids]
    referenced += [rid for s in (*content.intro.sections, *content.closing) for rid in s.resource_ids]
    assert set(referenced) <= set(content.resources)
    assert set(content.resources) <= set(referenced)


def test_resources_well_described(content):
    for resource in content.resources.values():
        assert re.fullmatch(r"[a-z0-9]+(?:-[a-z0-9]+)*", resource.id)
        assert resource.title and resource.description.endswith("."), resource.id
        assert set(resource.themes) <= {1, 2, 3, 4, 5}, resource.id
        if resource.availability:
            assert resource.url is None, resource.id


def test_resources_shared_between_places(content):
    """A resource listed in a theme and in a closing list is one entry."""
    websites = content.closing[3].resource_ids
    tools = content.closing[2].resource_ids
    assert "ccv-mensenhandel" in content.theme(1).resource_ids and "ccv-mensenhandel" in websites
    comensha = content.resources["comensha"]
    assert canonical_key(comensha.url) == "mensenhandel.nl"
    assert "comensha" in content.theme(1).resource_ids and "comensha" in websites
    stappenplan = content.resources["stappenplan-signaleren"]
    assert stappenplan.id in content.theme(3).resource_ids and stappenplan.id in tools


def test_https_preferred_when_seed_has_both(content):
    by_key = {canonical_key(r.url): r.url for r in content.resources.values() if r.url}
    assert by_key["nationaalrapporteur.nl"].startswith("https://")
    assert by_key["wegwijzermensenhandel.nl"].startswith("https://")


# --------------------------------------------------------------------------
# issue 10 item 12: spelling the seed's OCR lost


def test_casuscoordinator_has_its_diaeresis(content, raw_yaml):
    """The seed reads "casuscoordinator". Its OCR mangles every "oö" of this word family: "gecodrdineerd"
    two lines earlier in the same example, "Codrdinatiecentrum", "zorgcodrdinatie", all repaired to "coö"
    in the content; here it dropped the diaeresis instead, so the repair was missed. Dutch spelling is
    "casuscoördinator", like the "gecoördineerd" beside it."""
    enschede = next(e for e in content.theme(3).examples if e.place == "Enschede")
    assert "een inhoudelijke casuscoördinator aangesteld" in enschede.text
    assert not any("casuscoordinator" in text for text in raw_yaml.values())


def test_veilig_thuis_is_written_as_its_name(content, yaml_values):
    """Veilig Thuis is the name of the organisation: capital T everywhere (the seed's link title says
    "Veilig thuis", its running text "Veilig Thuis")."""
    assert content.resources["veilig-thuis"].title == "Veilig Thuis"
    assert not [v for v in yaml_values if re.search(r"Veilig thuis", v)]


# --------------------------------------------------------------------------
# issue 11, "tests that did not catch what they guard": the loader fed broken content


def _broken_copy(tmp_path, name, change):
    """A copy of content/ with ``change`` applied to the parsed ``name`` YAML file."""
    import shutil

    import yaml

    from content.loader import load_content as _load

    folder = tmp_path / "content"
    shutil.copytree(Path(__file__).parents[1] / "content", folder, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    data = yaml.safe_load((folder / name).read_text(encoding="utf-8"))
    change(data)
    (folder / name).write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return lambda: _load(folder)


def _first_resource_list(node):
    if isinstance(node, dict):
        if isinstance(node.get("resources"), list) and all(isinstance(x, str) for x in node["resources"]):
            return node["resources"]
        children = node.values()
    elif isinstance(node, list):
        children = node
    else:
        return None
    for child in children:
        found = _first_resource_list(child)
        if found is not None:
            return found
    return None


def test_loader_refuses_a_duplicate_resource_id(tmp_path):
    """Catches the mutation "no duplicate-id check in the loader" (it was never fed broken content)."""
    from content.loader import ContentError

    load = _broken_copy(tmp_path, "resources.yaml", lambda d: d["resources"].append(dict(d["resources"][0])))
    with pytest.raises(ContentError, match="duplicate id"):
        load()


def test_loader_refuses_an_unknown_resource(tmp_path):
    """Catches the mutation "no unknown-resource check in the loader"."""
    from content.loader import ContentError

    load = _broken_copy(tmp_path, "checklist.yaml", lambda d: _first_resource_list(d).append("geen-bestaande-bron"))
    with pytest.raises(ContentError, match="unknown resource 'geen-bestaande-bron'"):
        load()
