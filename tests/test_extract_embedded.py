"""Listing entries from embedded machine data: JSON-LD ItemList/Blog and a front end's JSON state."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from archiver.extract import embedded
from archiver.extract.html import parse_html

FIXTURES = Path(__file__).parent / "fixtures"
CASES = ["nextjs-embedded-state", "jsonld-embedded-itemlist"]
FIELDS = ["url", "title", "published", "excerpt", "tags"]


def _extract(case: str) -> tuple[list, list[dict]]:
    expected = json.loads((FIXTURES / f"{case}.json").read_text("utf-8"))
    doc = parse_html((FIXTURES / f"{case}.html").read_text("utf-8"), expected["url"])
    entries = getattr(embedded, expected["layer"])(doc, expected["url"])
    return entries, expected["entries"]


@pytest.mark.parametrize("case", CASES)
def test_finds_every_post(case):
    entries, expected = _extract(case)
    assert len(entries) == len(expected)


@pytest.mark.parametrize("field", FIELDS)
@pytest.mark.parametrize("case", CASES)
def test_field(case, field):
    entries, expected = _extract(case)
    for entry, want in zip(entries, expected, strict=True):
        got = getattr(entry, field)
        if field == "published":
            got = got.iso if got else None
        assert got == want[field]


def test_a_single_json_ld_posting_is_a_post_page_not_a_listing():
    html = """<script type="application/ld+json">{"@type":"BlogPosting","headline":"One","url":"/one/"}</script>"""
    assert embedded.json_ld_entries(parse_html(html, "https://x.example/one/"), "https://x.example/one/") == []


def test_state_without_post_like_arrays_gives_nothing():
    html = """<script type="application/json">{"menu":[{"label":"Home","href":"/"},{"label":"About","href":"/about"}]}</script>"""
    assert embedded.state_entries(parse_html(html, "https://x.example/"), "https://x.example/") == []


def test_posts_on_other_hosts_are_not_entries():
    html = """<script type="application/ld+json">{"@type":"Blog","blogPost":[
      {"@type":"BlogPosting","headline":"Here","url":"https://x.example/a/"},
      {"@type":"BlogPosting","headline":"Elsewhere","url":"https://y.example/b/"},
      {"@type":"BlogPosting","headline":"Also here","url":"/c/"}]}</script>"""
    entries = embedded.json_ld_entries(parse_html(html, "https://x.example/"), "https://x.example/")
    assert [e.title for e in entries] == ["Here", "Also here"]


def test_parse_listing_takes_embedded_state_when_the_markup_shows_only_titles():
    from archiver.extract.listing import parse_listing

    expected = json.loads((FIXTURES / "nextjs-embedded-state.json").read_text("utf-8"))
    listing = parse_listing((FIXTURES / "nextjs-embedded-state.html").read_text("utf-8"), expected["url"])
    assert [e.extracted_by for e in listing.entries] == ["embedded-state"] * 3
    assert [e.excerpt for e in listing.entries] == [e["excerpt"] for e in expected["entries"]]
    assert listing.layout == "embedded-state"
