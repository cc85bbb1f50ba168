"""Listing extraction on hand-written fixtures modelled on real themes: one test per fixture and field."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from archiver.extract.listing import parse_listing
from archiver.extract.model import Listing

FIXTURES = Path(__file__).parent / "fixtures"
CASES = sorted(p.stem for p in FIXTURES.glob("*-listing*.html"))
ENTRY_FIELDS = ("url", "title", "published", "excerpt", "tags", "categories")
PAGE_FIELDS = ("engine", "theme", "site_title", "lang")
_parsed: dict[tuple[str, bool], tuple[Listing, dict]] = {}


def load(case: str, theme_rules: bool = True) -> tuple[Listing, dict]:
    """Parse a fixture once per session (with the theme tables or without), with its expected JSON."""
    if (case, theme_rules) not in _parsed:
        expected = json.loads((FIXTURES / f"{case}.json").read_text(encoding="utf-8"))
        html = (FIXTURES / f"{case}.html").read_text(encoding="utf-8")
        _parsed[case, theme_rules] = (parse_listing(html, expected["url"], theme_rules=theme_rules), expected)
    return _parsed[case, theme_rules]


def entry_field(entry, field: str):
    value = getattr(entry, field)
    if field == "published":
        return value.iso[:10] if value is not None else None
    return value


@pytest.mark.parametrize("theme_rules", [True, False], ids=["tables", "generic"])
@pytest.mark.parametrize("field", ENTRY_FIELDS)
@pytest.mark.parametrize("case", CASES)
def test_entry_field(case: str, field: str, theme_rules: bool) -> None:
    """Every fixture reads the same with the theme tables and without them: the tables are only a fast path."""
    listing, expected = load(case, theme_rules)
    got = [entry_field(e, field) for e in listing.entries]
    assert got == [e[field] for e in expected["entries"]]


@pytest.mark.parametrize("field", PAGE_FIELDS)
@pytest.mark.parametrize("case", CASES)
def test_page_field(case: str, field: str) -> None:
    listing, expected = load(case)
    assert getattr(listing, field) == expected[field]


@pytest.mark.parametrize("case", CASES)
def test_positions_follow_page_order(case: str) -> None:
    listing, _ = load(case)
    assert [e.position for e in listing.entries] == list(range(len(listing.entries)))


def test_visible_day_wins_over_utc_attribute() -> None:
    listing, _ = load("hexo-butterfly-listing")
    assert listing.entries[0].published.iso.startswith("2024-03-10")


def test_attribute_keeps_time_and_offset_when_day_agrees() -> None:
    listing, _ = load("hexo-next-listing")
    assert listing.entries[0].published.iso == "2026-01-05T23:30:00+08:00"


def test_layer_is_recorded() -> None:
    assert load("hexo-next-listing")[0].entries[0].extracted_by == "theme:hexo-next"
    assert load("unknown-listing")[0].entries[0].extracted_by == "generic"
