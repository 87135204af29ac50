"""Splitting long messages for Telegram's 4096-unit limit, and the plain-text rendering."""

from __future__ import annotations

from bot.html import esc, link, pack, to_plain, units


def test_sections_are_packed_whole_when_they_fit() -> None:
    parts = pack(["a" * 3000, "b" * 1000, "c" * 1000])
    assert parts == ["a" * 3000 + "\n\n" + "b" * 1000, "c" * 1000]  # greedy: as few messages as possible


def test_an_over_long_section_is_cut_at_lines_and_loses_nothing() -> None:
    section = "\n".join(f"<b>regel {i}</b> " + "tekst &amp; meer " * 20 for i in range(60))
    parts = pack(["kop", section, "staart"])
    assert len(parts) > 1 and all(units(p) <= 4096 for p in parts)
    plain = "\n".join(to_plain(p) for p in parts)
    assert all(f"regel {i} " in plain for i in range(60)) and plain.endswith("staart")
    assert all(p.count("<b>") == p.count("</b>") for p in parts)  # no tag split over two messages


def test_a_single_over_long_line_is_cut_without_loss() -> None:
    parts = pack(["x" * 9000])
    assert all(units(p) <= 4096 for p in parts) and "".join(parts) == "x" * 9000


def test_length_counts_utf16_units() -> None:
    assert units("🙂") == 2 and units("ë") == 1
    parts = pack(["🙂" * 3000])
    assert all(units(p) <= 4096 for p in parts) and "".join(parts) == "🙂" * 3000


def test_plain_rendering_of_links_and_entities() -> None:
    html = f"{esc('a < b & c')} {link('CoMensha', 'http://www.mensenhandel.nl/?a=1&b=2')}"
    assert to_plain(html) == "a < b & c CoMensha (http://www.mensenhandel.nl/?a=1&b=2)"
