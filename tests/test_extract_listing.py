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


def _numeric_dates_listing(attributes: bool) -> Listing:
    def entry(slug: str, title: str, shown: str, machine: str) -> str:
        when = f"<time datetime='{machine}'>{shown}</time>" if attributes else f"<span class='date'>{shown}</span>"
        return (f"<article><h2><a href='/2024/{slug}.html'>{title}</a></h2><footer>Posted {when}</footer>"
                f"<p>A short summary of {title.lower()} that runs to a few words of prose.</p></article>")

    html = ("<html><body><main>"
            + entry("late-night", "Late night", "14/06/2024", "2024-06-14T23:30:00+08:00")
            + entry("first-of-june", "First of June", "01/06/2024", "2024-06-01T00:30:00-05:00")
            + entry("early-spring", "Early spring", "03/04/2024", "2024-04-03T12:40:00-05:00")
            + "</main></body></html>")
    return parse_listing(html, "https://days.example/", theme_rules=False)


@pytest.mark.parametrize("attributes", [True, False])
def test_ambiguous_numeric_dates_follow_the_order_the_page_writes(attributes: bool) -> None:
    """"14/06/2024" can only be day first: "01/06/2024" on the same page is June 1st, not January 6th."""
    days = [e.published.iso[:10] for e in _numeric_dates_listing(attributes).entries]
    assert days == ["2024-06-14", "2024-06-01", "2024-04-03"]


def test_month_first_pages_keep_ambiguous_dates_month_first() -> None:
    html = ("<html><body><main>"
            + "".join(f"<article><h2><a href='/p/{n}.html'>Post number {n}</a></h2><span class='date'>{d}</span>"
                      f"<p>Some words about post {n} and what it says.</p></article>"
                      for n, d in ((1, "6/14/2024"), (2, "6/1/2024")))
            + "</main></body></html>")
    days = [e.published.iso[:10] for e in parse_listing(html, "https://us.example/", theme_rules=False).entries]
    assert days == ["2024-06-14", "2024-06-01"]
