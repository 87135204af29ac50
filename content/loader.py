"""Load and validate the checklist content at start-up.

Every problem is reported as a :class:`ContentError` naming the file, the
entry and what is wrong, so a typo in the YAML stops the bot with a message a
content editor can act on instead of a traceback in the middle of a chat.

Run ``python -m content.loader`` to validate the content on its own.
"""

from __future__ import annotations

import csv
import re
import string
import sys
from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Any

import yaml

from content.model import (
    Check,
    Content,
    Example,
    Intro,
    Municipality,
    Place,
    Resource,
    Section,
    Texts,
    Theme,
)
from content.urls import canonical_key, is_well_formed

CONTENT_DIR = Path(__file__).resolve().parent
# libyaml's parser when PyYAML was built with it (about 10x faster: the content loads in a cold `checkbot ask`);
# the same safe constructors either way
_SafeLoader: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
EXPECTED_CHECKS_PER_THEME = (4, 6, 5, 5, 4)
_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_CBS_CODE = re.compile(r"^GM\d{4}$")


class ContentError(Exception):
    """The content files are missing or invalid."""


class _Reader:
    """Typed access to one parsed YAML file, with errors that say where."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.name = path.name

    def fail(self, where: str, problem: str) -> ContentError:
        return ContentError(f"{self.name}: {where}: {problem}")

    def load(self) -> Any:
        try:
            with self.path.open(encoding="utf-8") as fh:
                return yaml.load(fh, Loader=_SafeLoader)  # noqa: S506 - a safe loader
        except FileNotFoundError:
            raise ContentError(f"{self.name}: file not found at {self.path}") from None
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f"line {mark.line + 1}" if mark else "?"
            raise ContentError(f"{self.name}: {where}: not valid YAML: {exc}") from None

    def mapping(self, value: Any, where: str) -> Mapping[str, Any]:
        if not isinstance(value, Mapping):
            raise self.fail(where, f"expected a mapping, got {type(value).__name__}")
        return value

    def seq(self, value: Any, where: str, *, allow_empty: bool = True) -> list[Any]:
        if value is None and allow_empty:
            return []
        if not isinstance(value, list):
            raise self.fail(where, f"expected a list, got {type(value).__name__}")
        if not value and not allow_empty:
            raise self.fail(where, "must not be empty")
        return value

    def text(self, data: Mapping[str, Any], key: str, where: str, *, required: bool = True) -> str:
        value = data.get(key)
        if value is None:
            if required:
                raise self.fail(where, f"missing required field '{key}'")
            return ""
        if not isinstance(value, str):
            raise self.fail(where, f"field '{key}' must be text, got {type(value).__name__}")
        value = value.strip()
        if required and not value:
            raise self.fail(where, f"field '{key}' is empty")
        return value

    def slug(self, data: Mapping[str, Any], key: str, where: str) -> str:
        value = self.text(data, key, where)
        if not _SLUG.match(value):
            raise self.fail(where, f"'{key}' must be a lowercase slug like 'kennis-en-bewustwording', got {value!r}")
        return value

    def strings(self, data: Mapping[str, Any], key: str, where: str) -> tuple[str, ...]:
        items = self.seq(data.get(key), f"{where}.{key}")
        out = []
        for i, item in enumerate(items):
            if not isinstance(item, str) or not item.strip():
                raise self.fail(f"{where}.{key}[{i}]", "must be non-empty text")
            out.append(item.strip())
        return tuple(out)


def load_content(directory: Path | None = None) -> Content:
    """Read every content file in ``directory`` (default: this package) and validate it."""
    base = Path(directory) if directory is not None else CONTENT_DIR
    resources = _load_resources(_Reader(base / "resources.yaml"))
    intro, themes, closing = _load_checklist(_Reader(base / "checklist.yaml"), resources)
    texts = _load_texts(_Reader(base / "texts.yaml"))
    municipalities, source = _load_municipalities(base / "gemeenten.csv", base / "SOURCE.md")
    aliases = _load_aliases(base / "gemeenten-aliases.csv", municipalities)
    places = _load_places(base / "woonplaatsen.csv", municipalities)
    return Content(
        intro=intro,
        themes=themes,
        closing=closing,
        resources=MappingProxyType(resources),
        municipalities=municipalities,
        aliases=MappingProxyType(aliases),
        texts=texts,
        municipality_source=source,
        places=places,
    )


def _load_resources(r: _Reader) -> dict[str, Resource]:
    root = r.mapping(r.load(), "top level")
    items = r.seq(root.get("resources"), "resources", allow_empty=False)
    out: dict[str, Resource] = {}
    seen_urls: dict[str, str] = {}
    for i, raw in enumerate(items):
        where = f"resources[{i}]"
        data = r.mapping(raw, where)
        rid = r.slug(data, "id", where)
        where = f"resource '{rid}'"
        if rid in out:
            raise r.fail(where, "duplicate id")
        url = r.text(data, "url", where, required=False) or None
        if url is not None:
            if not is_well_formed(url):
                raise r.fail(where, f"url {url!r} is not a well-formed http(s) URL")
            key = canonical_key(url)
            if key in seen_urls:
                raise r.fail(where, f"url {url!r} is already used by resource '{seen_urls[key]}'")
            seen_urls[key] = rid
        themes = r.seq(data.get("themes"), f"{where}.themes")
        for t in themes:
            if t not in range(1, 6):
                raise r.fail(where, f"theme {t!r} does not exist (themes are 1..5)")
        availability = r.text(data, "availability", where, required=False) or None
        out[rid] = Resource(
            id=rid,
            title=r.text(data, "title", where),
            url=url,
            description=r.text(data, "description", where),
            themes=tuple(themes),
            keywords=r.strings(data, "keywords", where),
            availability=availability,
        )
    return out


def _resource_ids(r: _Reader, data: Mapping[str, Any], where: str, resources: Mapping[str, Resource]) -> tuple[str, ...]:
    ids = r.strings(data, "resources", where)
    for rid in ids:
        if rid not in resources:
            raise r.fail(where, f"unknown resource '{rid}' (not in resources.yaml)")
    if len(set(ids)) != len(ids):
        raise r.fail(where, "lists a resource twice")
    return ids


def _load_checklist(
    r: _Reader, resources: Mapping[str, Resource]
) -> tuple[Intro, tuple[Theme, ...], tuple[Section, ...]]:
    root = r.mapping(r.load(), "top level")
    raw_intro = r.mapping(root.get("intro"), "intro")
    intro = Intro(
        title=r.text(raw_intro, "title", "intro"),
        subtitle=r.text(raw_intro, "subtitle", "intro"),
        lead=r.text(raw_intro, "lead", "intro"),
        sections=tuple(
            _section(r, s, f"intro.sections[{i}]", resources)
            for i, s in enumerate(r.seq(raw_intro.get("sections"), "intro.sections", allow_empty=False))
        ),
    )
    raw_themes = r.seq(root.get("themes"), "themes", allow_empty=False)
    if len(raw_themes) != len(EXPECTED_CHECKS_PER_THEME):
        raise r.fail("themes", f"expected {len(EXPECTED_CHECKS_PER_THEME)} themes, found {len(raw_themes)}")
    themes: list[Theme] = []
    number = 0
    example_ids: set[str] = set()
    for index, raw in enumerate(raw_themes, start=1):
        where = f"themes[{index - 1}]"
        data = r.mapping(raw, where)
        if data.get("id") != index:
            raise r.fail(where, f"id must be {index} (themes are numbered in order), got {data.get('id')!r}")
        where = f"theme {index}"
        raw_checks = r.seq(data.get("checks"), f"{where}.checks", allow_empty=False)
        expected = EXPECTED_CHECKS_PER_THEME[index - 1]
        if len(raw_checks) != expected:
            raise r.fail(where, f"expected {expected} checks, found {len(raw_checks)}")
        checks: list[Check] = []
        for j, raw_check in enumerate(raw_checks, start=1):
            cwhere = f"{where}.checks[{j - 1}]"
            cdata = r.mapping(raw_check, cwhere)
            cid = str(cdata.get("id", ""))
            if cid != f"{index}.{j}":
                raise r.fail(cwhere, f"id must be '{index}.{j}', got {cdata.get('id')!r}")
            number += 1
            checks.append(Check(id=cid, theme_id=index, number=number, text=r.text(cdata, "text", f"check {cid}")))
        examples: list[Example] = []
        for j, raw_ex in enumerate(r.seq(data.get("examples"), f"{where}.examples")):
            ewhere = f"{where}.examples[{j}]"
            edata = r.mapping(raw_ex, ewhere)
            eid = r.slug(edata, "id", ewhere)
            if eid in example_ids:
                raise r.fail(ewhere, f"duplicate example id '{eid}'")
            example_ids.add(eid)
            examples.append(
                Example(id=eid, theme_id=index, place=r.text(edata, "place", ewhere), text=r.text(edata, "text", ewhere))
            )
        actions = r.strings(data, "actions", where)
        if not actions:
            raise r.fail(where, "needs at least one action ('Wat kunt u als gemeente doen?')")
        themes.append(
            Theme(
                id=index,
                slug=r.slug(data, "slug", where),
                title=r.text(data, "title", where),
                heading=r.text(data, "heading", where),
                checks=tuple(checks),
                why=r.text(data, "why", where),
                actions=actions,
                resource_ids=_resource_ids(r, data, where, resources),
                examples=tuple(examples),
            )
        )
    closing = tuple(
        _section(r, s, f"closing[{i}]", resources) for i, s in enumerate(r.seq(root.get("closing"), "closing"))
    )
    referenced = {rid for t in themes for rid in t.resource_ids} | {rid for s in closing for rid in s.resource_ids}
    for rid in resources:
        if rid not in referenced:
            raise ContentError(f"resources.yaml: resource '{rid}': not referenced by any theme or closing section")
    return intro, tuple(themes), closing


def _section(r: _Reader, raw: Any, where: str, resources: Mapping[str, Resource]) -> Section:
    data = r.mapping(raw, where)
    sid = r.slug(data, "id", where)
    return Section(
        id=sid,
        title=r.text(data, "title", where),
        text=r.text(data, "text", where, required=False),
        resource_ids=_resource_ids(r, data, f"section '{sid}'", resources),
    )


def _load_texts(r: _Reader) -> Texts:
    root = r.mapping(r.load(), "top level")
    strings: dict[str, str] = {}
    for key, value in root.items():
        if not isinstance(value, str) or not value.strip():
            raise r.fail(f"text '{key}'", "must be non-empty text")
        try:
            list(string.Formatter().parse(value))
        except ValueError as exc:
            raise r.fail(f"text '{key}'", f"bad placeholder: {exc}") from None
        strings[str(key)] = value.strip("\n")
    _check_answer_words(r, strings)
    return Texts(MappingProxyType(strings))


ANSWER_WORD_LISTS = ("words_ja", "words_deels", "words_nee", "words_onbekend", "words_skip")


def _check_answer_words(r: _Reader, strings: Mapping[str, str]) -> None:
    """The typed answer words (``words_*``, comma-separated) exist and no word means two answers."""
    owner: dict[str, str] = {}
    for key in ANSWER_WORD_LISTS:
        if key not in strings:
            raise r.fail(f"text '{key}'", "is missing (the words that answer a question)")
        for word in (w.strip().casefold() for w in strings[key].split(",")):
            if not word:
                raise r.fail(f"text '{key}'", "has an empty word (two commas in a row?)")
            if word in owner and owner[word] != key:
                raise r.fail(f"text '{key}'", f"‘{word}’ is also in {owner[word]}: a typed word means one answer")
            owner[word] = key


def _load_municipalities(path: Path, source_path: Path) -> tuple[tuple[Municipality, ...], str]:
    rows = _read_csv(path, ("code", "name", "province"))
    out: list[Municipality] = []
    codes: set[str] = set()
    names: set[str] = set()
    for line, row in rows:
        where = f"{path.name}: line {line}"
        if not _CBS_CODE.match(row["code"]):
            raise ContentError(f"{where}: code {row['code']!r} is not a CBS code like GM0153")
        if row["code"] in codes or row["name"].casefold() in names:
            raise ContentError(f"{where}: duplicate municipality {row['code']} {row['name']!r}")
        if not row["name"] or not row["province"]:
            raise ContentError(f"{where}: name and province are required")
        codes.add(row["code"])
        names.add(row["name"].casefold())
        out.append(Municipality(code=row["code"], name=row["name"], province=row["province"]))
    source = source_path.read_text(encoding="utf-8").strip() if source_path.exists() else ""
    return tuple(out), source


def _load_aliases(path: Path, municipalities: tuple[Municipality, ...]) -> dict[str, str]:
    codes = {m.code for m in municipalities}
    names = {m.name.casefold() for m in municipalities}
    out: dict[str, str] = {}
    for line, row in _read_csv(path, ("alias", "code")):
        where = f"{path.name}: line {line}"
        alias = row["alias"]
        if row["code"] not in codes:
            raise ContentError(f"{where}: alias {alias!r} points to unknown code {row['code']!r}")
        if alias.casefold() in names or alias.casefold() in {a.casefold() for a in out}:
            raise ContentError(f"{where}: alias {alias!r} repeats a name or another alias")
        out[alias] = row["code"]
    return out


def _load_places(path: Path, municipalities: tuple[Municipality, ...]) -> tuple[Place, ...]:
    """The CBS woonplaatsen: every place must lie in a municipality of ``gemeenten.csv``."""
    codes = {m.code for m in municipalities}
    seen: set[str] = set()
    out: list[Place] = []
    for line, row in _read_csv(path, ("woonplaatscode", "woonplaats", "gemeente_code")):
        where = f"{path.name}: line {line}"
        code, name, municipality = row["woonplaatscode"], row["woonplaats"], row["gemeente_code"]
        if not code.isdigit() or code in seen:
            raise ContentError(f"{where}: woonplaatscode {code!r} is not a number or is used twice")
        if not name:
            raise ContentError(f"{where}: woonplaats is empty")
        if municipality not in codes:
            raise ContentError(f"{where}: place {name!r} lies in unknown municipality {municipality!r}")
        seen.add(code)
        out.append(Place(code=code, name=name, municipality_code=municipality))
    return tuple(out)


def _read_csv(path: Path, columns: tuple[str, ...]) -> list[tuple[int, dict[str, str]]]:
    try:
        with path.open(encoding="utf-8", newline="") as fh:
            reader = csv.DictReader(fh)
            if tuple(reader.fieldnames or ()) != columns:
                raise ContentError(f"{path.name}: expected columns {','.join(columns)}, got {reader.fieldnames}")
            return [(i, {k: (v or "").strip() for k, v in row.items()}) for i, row in enumerate(reader, start=2)]
    except FileNotFoundError:
        raise ContentError(f"{path.name}: file not found at {path}") from None


def main() -> int:
    try:
        content = load_content(Path(sys.argv[1]) if len(sys.argv) > 1 else None)
    except ContentError as exc:
        print(f"content error: {exc}", file=sys.stderr)
        return 1
    print(
        f"ok: {len(content.themes)} themes, {len(content.checks)} checks, {len(content.resources)} resources, "
        f"{len(content.municipalities)} municipalities, {len(content.aliases)} aliases, {len(content.places)} places, "
        f"{len(content.texts.strings)} texts"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
