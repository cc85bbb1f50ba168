"""Per-site override rules: a user's selectors win over the automatic layers, and bad files fail clearly."""

from __future__ import annotations

import pytest

from archiver.extract.overrides import RulesError, load_rules, parse_listing_with_rules, parse_post_with_rules

# A listing laid out as a table whose rows split title, link and date across cells: the kind of page the
# automatic layers can misread.
TABLE_LISTING = """<html><body><table id="log">
<tr class="row"><td class="t">Tuning autovacuum</td><td><a class="go" href="/entries/17">open</a></td>
<td class="when">Posted 2023-09-14</td><td class="blurb">Dead tuples pile up faster than you think.</td></tr>
<tr class="row"><td class="t">Reading EXPLAIN</td><td><a class="go" href="/entries/16">open</a></td>
<td class="when">Posted 2023-08-02</td><td class="blurb">Costs are estimates; rows are guesses.</td></tr>
</table><p><a class="more" href="/log?before=16">earlier entries</a></p></body></html>"""

RULES = """
[listing]
entry = "tr.row"
title = "td.t"
link = "a.go"
date = "xpath:.//td[@class='when']"
excerpt = "td.blurb"
next = "a.more"

[post]
title = "div.head"
body = "div.text"
"""


def test_listing_rules_give_every_entry_with_its_fields():
    listing = parse_listing_with_rules(TABLE_LISTING, "https://db.example/log", load_rules(RULES))
    got = [(e.url, e.title, e.published.iso if e.published else None, e.excerpt) for e in listing.entries]
    assert got == [
        ("https://db.example/entries/17", "Tuning autovacuum", "2023-09-14", "Dead tuples pile up faster than you think."),
        ("https://db.example/entries/16", "Reading EXPLAIN", "2023-08-02", "Costs are estimates; rows are guesses."),
    ]
    assert all(e.extracted_by == "rules" for e in listing.entries)


def test_listing_rules_give_the_next_pages():
    listing = parse_listing_with_rules(TABLE_LISTING, "https://db.example/log", load_rules(RULES))
    assert listing.next_pages == ["https://db.example/log?before=16"]


def test_post_rules_take_title_and_body():
    html = """<html><head><title>Site</title></head><body><div class="head">Tuning autovacuum</div>
    <div class="nav">Home</div><div class="text"><p>Dead tuples <b>pile up</b>.</p><script>x()</script></div></body></html>"""
    page = parse_post_with_rules(html, "https://db.example/entries/17", load_rules(RULES))
    assert page.title == "Tuning autovacuum"
    assert "Dead tuples pile up." in page.content_text and "Home" not in page.content_text
    assert "<script" not in page.content_html and page.extracted_by == "rules"


@pytest.mark.parametrize(
    "text, message",
    [
        ("[listing]\ntitle = 'h2'\n", "needs an 'entry' selector"),
        ("[listing]\nentry = 'li'\ntitel = 'h2'\n", "unknown key(s) in [listing]"),
        ("[lists]\nentry = 'li'\n", "unknown section"),
        ("[listing]\nentry = 'li[['\n", "bad selector"),
        ("[listing\nentry = 'li'\n", "not valid TOML"),
    ],
)
def test_bad_rules_files_are_named(text, message):
    with pytest.raises(RulesError, match=message.replace("[", r"\[").replace("(", r"\(").replace(")", r"\)")):
        load_rules(text)
