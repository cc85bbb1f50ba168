"""Feeds and sitemaps: discovery on pages and in robots.txt, parsing RSS/Atom/JSON Feed and sitemaps."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from archiver.extract.feeds import (
    _parse_plain,
    _parse_with_feedparser,
    discover_feeds,
    feed_paths_to_try,
    feeds_from_robots,
    parse_feed,
    parse_sitemap,
)
from archiver.extract.html import parse_html

FIXTURES = Path(__file__).parent / "fixtures"
FEED_CASES = {"hexo-feed-atom": "xml", "wordpress-feed-rss": "xml", "custom-feed-jsonfeed": "jsonfeed"}
ENTRY_FIELDS = ("url", "title", "published", "updated", "summary", "content_html", "tags", "author")
SITEMAP_CASES = ("hugo-sitemap-urlset", "wordpress-sitemap-index")


def _expected(case: str) -> dict:
    return json.loads((FIXTURES / f"{case}.json").read_text(encoding="utf-8"))


def _feed_entries(case: str) -> list:
    return parse_feed((FIXTURES / f"{case}.{FEED_CASES[case]}").read_bytes(), _expected(case)["url"])


def _field(entry: object, name: str) -> object:
    value = getattr(entry, name)
    return value.iso if name in ("published", "updated") and value is not None else value


@pytest.mark.parametrize("case", FEED_CASES)
def test_feed_entry_count(case: str) -> None:
    assert len(_feed_entries(case)) == len(_expected(case)["entries"])


@pytest.mark.parametrize("field", ENTRY_FIELDS)
@pytest.mark.parametrize("case", FEED_CASES)
def test_feed_entry_field(case: str, field: str) -> None:
    entries = _feed_entries(case)
    assert [_field(e, field) for e in entries] == [e[field] for e in _expected(case)["entries"]]


def test_feed_dates_keep_their_raw_text_and_source() -> None:
    entry = _feed_entries("wordpress-feed-rss")[0]
    assert (entry.published.raw, entry.published.source) == ("Sun, 02 Jun 2019 18:30:00 +0100", "feed")


def test_not_a_feed_gives_no_entries() -> None:
    assert parse_feed(b"<html><body><p>Not found</p></body></html>", "https://b.example/feed/") == []


_ATOM_HEAD = b'<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
_RSS_HEAD = (b'<?xml version="1.0"?><rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/" '
             b'xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel><title>B</title>')
# Feeds the lxml reader reads itself (with what feedparser gives) and feeds it leaves to feedparser.
PLAIN_FEEDS = {
    "atom-author-email": _ATOM_HEAD + b"<author><name>Ann</name><email>a@b.example</email></author><entry>"
    b"<title type='html'>A &amp;amp; B</title><link href='/p/1/'/><id>x</id><updated>2020-01-02T03:04:05Z</updated>"
    b"<content type='html'>&lt;p&gt;Hi &lt;b&gt;there&lt;/b&gt;&lt;/p&gt;</content><category term='t1'/></entry></feed>",
    "rss-content-no-description": _RSS_HEAD + b"<managingEditor>ed@b.example (Ed)</managingEditor><item><title> T </title>"
    b"<link>https://b.example/p?a=1&amp;b=2</link><pubDate>Sun, 02 Jun 2019 18:30:00 +0100</pubDate>"
    b"<content:encoded><![CDATA[<p>Full &amp; text</p>]]></content:encoded><category>x</category><category>x</category>"
    b"</item><item><guid>https://b.example/g/</guid><dc:creator>Bo</dc:creator><description></description>"
    b"<content:encoded>body</content:encoded></item></channel></rss>",
}
ODD_FEEDS = {
    "rdf": b'<?xml version="1.0"?><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
    b'xmlns="http://purl.org/rss/1.0/"><item rdf:about="https://b.example/1"><title>T</title>'
    b"<link>https://b.example/1</link></item></rdf:RDF>",
    "malformed": _RSS_HEAD + b"<item><title>T<link>https://b.example/1</link></item></channel></rss>",
    "latin-1": b'<?xml version="1.0" encoding="iso-8859-1"?><rss version="2.0"><channel><item><title>caf\xe9</title>'
    b"<link>https://b.example/1</link></item></channel></rss>",
    "dc-date": _RSS_HEAD + b"<item><title>T</title><link>https://b.example/1</link><dc:date>2020-01-01</dc:date>"
    b"</item></channel></rss>",
    "xhtml-content": _ATOM_HEAD + b"<entry><title>T</title><link href='https://b.example/1'/><content type='xhtml'>"
    b"<div xmlns='http://www.w3.org/1999/xhtml'><p>x</p></div></content></entry></feed>",
    "xml-base-relative": _ATOM_HEAD.replace(b"<feed ", b"<feed xml:base='https://c.example/x/' ")
    + b"<entry><title>T</title><link href='p/1/'/></entry></feed>",
}


@pytest.mark.parametrize("case", [*FEED_CASES, *PLAIN_FEEDS])
def test_plain_reader_gives_what_feedparser_gives(case: str) -> None:
    if case in FEED_CASES:
        if FEED_CASES[case] != "xml":
            return
        body, url = (FIXTURES / f"{case}.xml").read_bytes(), _expected(case)["url"]
    else:
        body, url = PLAIN_FEEDS[case], "https://b.example/feed/"
    plain = _parse_plain(body, url)
    assert plain is not None  # read by lxml, not left to feedparser
    assert plain == _parse_with_feedparser(body, url)


@pytest.mark.parametrize("case", ODD_FEEDS)
def test_odd_feeds_are_left_to_feedparser(case: str) -> None:
    body = ODD_FEEDS[case]
    assert _parse_plain(body, "https://b.example/feed/") is None
    assert parse_feed(body, "https://b.example/feed/") == _parse_with_feedparser(body, "https://b.example/feed/")


def _sitemap(case: str, body: bytes | None = None) -> tuple[list[tuple[str, str | None]], list[str]]:
    urls, children = parse_sitemap(body or (FIXTURES / f"{case}.xml").read_bytes(), _expected(case)["url"])
    return [(u.url, u.lastmod.iso if u.lastmod else None) for u in urls], children


@pytest.mark.parametrize("case", SITEMAP_CASES)
def test_sitemap_urls(case: str) -> None:
    assert _sitemap(case)[0] == [tuple(pair) for pair in _expected(case)["urls"]]


@pytest.mark.parametrize("case", SITEMAP_CASES)
def test_sitemap_children(case: str) -> None:
    assert _sitemap(case)[1] == _expected(case)["children"]


def test_gzipped_sitemap_reads_like_the_plain_one() -> None:
    plain = (FIXTURES / "hugo-sitemap-urlset.xml").read_bytes()
    assert _sitemap("hugo-sitemap-urlset", gzip.compress(plain)) == _sitemap("hugo-sitemap-urlset")


def test_text_sitemap_one_url_a_line() -> None:
    urls, children = parse_sitemap(b"https://b.example/a/\nhttps://b.example/b/\n", "https://b.example/sitemap.txt")
    assert ([u.url for u in urls], children) == (["https://b.example/a/", "https://b.example/b/"], [])


DISCOVERY_PAGE = """<html><head>
<link rel="alternate" type="application/atom+xml" title="Posts" href="/atom.xml">
<link rel="alternate" type="application/rss+xml" title="Posts (RSS)" href="https://b.example/rss.xml">
<link rel="alternate" type="application/feed+json" href="/feed.json">
<link rel="alternate" type="application/json+oembed" href="/oembed?url=x">
<link rel="alternate" type="application/json" href="/wp-json/wp/v2/pages/2">
<link rel="alternate" hreflang="fr" href="/fr/">
<link rel="stylesheet" href="/style.css">
<link rel="alternate" type="application/atom+xml" href="/atom.xml">
</head><body><a href="/feed.xml">RSS</a></body></html>"""


def test_discover_feeds_from_link_alternate() -> None:
    url = "https://b.example/blog/"
    assert discover_feeds(parse_html(DISCOVERY_PAGE, url), url) == [
        "https://b.example/atom.xml",
        "https://b.example/rss.xml",
        "https://b.example/feed.json",
    ]


def test_feed_paths_to_try_under_the_blog_root() -> None:
    paths = feed_paths_to_try("https://b.example/project")
    assert paths[:3] == [
        "https://b.example/project/atom.xml",
        "https://b.example/project/feed.xml",
        "https://b.example/project/rss.xml",
    ]
    assert {"https://b.example/project/index.xml", "https://b.example/project/feed/"} <= set(paths)


def test_feeds_from_robots() -> None:
    robots = "User-agent: *\nDisallow: /admin/\n\nSitemap: https://b.example/sitemap.xml\nsitemap: /rss.xml\n"
    assert feeds_from_robots(robots, "https://b.example/robots.txt") == (
        ["https://b.example/sitemap.xml"],
        ["https://b.example/rss.xml"],
    )
