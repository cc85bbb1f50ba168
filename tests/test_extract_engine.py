"""Engine and theme fingerprints."""

from __future__ import annotations

import pytest

from archiver.extract.engine import css_first, detect_engine
from archiver.extract.html import parse_html

PAGES = {
    "generator-only": ('<html><head><meta name="generator" content="Hugo 0.120"></head><body><p>x</p></body></html>',
                       ("hugo", None)),
    "next-by-markup": ('<html><head><meta name="generator" content="Hexo 7.0"></head><body>'
                       '<div class="posts-expand"><article><h2 class="post-title"><a href="/a/">A</a></h2></article>'
                       "</div></body></html>", ("hexo", "next")),
    "butterfly-without-generator": ('<html><body><div id="recent-posts"><div class="recent-post-item">'
                                    '<a class="article-title" href="/p/1.html">T</a></div></div></body></html>',
                                    ("hexo", "butterfly")),
    "wordpress-by-assets": ('<html><head><link rel="stylesheet" href="/wp-content/themes/x/style.css"></head>'
                            "<body><p>hi</p></body></html>", ("wordpress", None)),
    "unknown": ("<html><body><div><a href='/x/'>x</a></div></body></html>", (None, None)),
}


@pytest.mark.parametrize("case", sorted(PAGES))
def test_detect_engine(case: str) -> None:
    html, expected = PAGES[case]
    assert detect_engine(parse_html(html, "https://blog.example.org/")) == expected


def test_css_first_finds_the_first_match_of_a_selector_list_without_descendant_combinators() -> None:
    doc = parse_html('<div><p class="byline">Ann Lee</p><span rel="author">Bo</span></div>', "https://ex.test/")
    found = css_first("[rel~='author'], .byline", doc)
    assert found is not None and found.text == "Ann Lee"
    assert css_first(".missing, .absent", doc) is None


def test_parse_html_keeps_the_text_after_an_undecodable_character() -> None:
    doc = parse_html("<html><body><p>before \udcff after</p></body></html>", "https://ex.test/")
    assert doc.findtext(".//p") == "before ? after"
