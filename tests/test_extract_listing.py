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


def _card(n: int) -> str:
    return (f"<div class='card'><span class='section'>Posts</span><h3 class='card-title'><a href='/notes/note-{n}/'>"
            f"Note number {n} on gardening</a></h3><p>What grew and what did not in bed {n} this season, in short.</p>"
            f"<a class='more' href='/notes/note-{n}/'>read more</a></div>")


@pytest.mark.parametrize("hint", [None, "article"])
def test_one_article_wrapping_the_whole_list_is_the_list_not_an_entry(hint: str | None) -> None:
    """A theme that wraps its list of cards in a single <article>: every card is an entry, also when another
    listing page of the blog (its home, with one <article> per post) hinted the article layout."""
    html = ("<html><body><main><article class='list'><h1>Notes</h1><section>"
            + "".join(_card(n) for n in range(1, 7)) + "</section></article></main></body></html>")
    listing = parse_listing(html, "https://garden.example/notes/page/2/", theme_rules=False, layout_hint=hint)
    assert [e.url for e in listing.entries] == [f"https://garden.example/notes/note-{n}/" for n in range(1, 7)]
    assert listing.entries[0].title == "Note number 1 on gardening"


def test_an_entry_linking_to_other_posts_in_its_text_stays_an_entry() -> None:
    """A round-up post shown whole in the listing, its sections headed by links to other posts: still one entry."""
    def article(n: int, body: str = "") -> str:
        return (f"<article><h2 class='entry-title'><a href='/p/{n}/'>Post {n} of the year</a></h2>"
                f"<p>Some opening words of post {n}, enough to read as a summary.</p>{body}</article>")

    roundup = "".join(f"<h3><a href='/p/{n}/'>Post {n}</a></h3><p>Why post {n} mattered.</p>" for n in (4, 5, 6))
    html = "<html><body><main>" + article(1, roundup) + article(2) + article(3) + "</main></body></html>"
    listing = parse_listing(html, "https://year.example/", theme_rules=False)
    assert [e.url for e in listing.entries] == [f"https://year.example/p/{n}/" for n in (1, 2, 3)]


def test_entries_a_broken_tag_nested_inside_the_first_are_all_entries() -> None:
    """An unclosed tag in the first entry nests every entry after it inside it: still one entry each, the outer
    one included (it holds headed post links alike, but they are its nested siblings' own)."""
    def article(n: int, inner: str = "") -> str:
        return (f"<article class='post'><h2 class='entry-title'><a href='/p/{n}/'>Post {n} of the year</a></h2>"
                f"<p>Some opening words of post {n}, enough to read as a summary.</p>{inner}</article>")

    html = "<html><body><main>" + article(1, article(2) + article(3) + article(4)) + "</main></body></html>"
    listing = parse_listing(html, "https://year.example/", theme_rules=False)
    assert [e.url for e in listing.entries] == [f"https://year.example/p/{n}/" for n in (1, 2, 3, 4)]
