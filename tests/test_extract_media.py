"""Which image an <img> shows and which images a sanitized body references (archiver/extract/media.py)."""

from __future__ import annotations

import lxml.html

from archiver.extract.content import sanitize_html
from archiver.extract.media import (
    SrcsetCandidate,
    choose_srcset_candidate,
    image_source,
    image_sources,
    parse_srcset,
)
from archiver.extract.post import parse_post


def _img(markup: str) -> lxml.html.HtmlElement:
    root = lxml.html.fragment_fromstring(markup, create_parent="div")
    return next(root.iter("img"))


def test_srcset_candidates_keep_commas_inside_urls() -> None:
    value = "/c/w_400,h_300/cat.jpg 400w, /c/w_1600,h_1200/cat.jpg 1600w,/plain.jpg"
    assert parse_srcset(value) == [
        SrcsetCandidate("/c/w_400,h_300/cat.jpg", width=400),
        SrcsetCandidate("/c/w_1600,h_1200/cat.jpg", width=1600),
        SrcsetCandidate("/plain.jpg"),
    ]


def test_srcset_density_and_bad_descriptors() -> None:
    assert parse_srcset(" a.png 1x ,b.png 2x, c.png 3.5x") == [
        SrcsetCandidate("a.png", density=1.0), SrcsetCandidate("b.png", density=2.0),
        SrcsetCandidate("c.png", density=3.5),
    ]
    assert parse_srcset("a.png nonsense") == [SrcsetCandidate("a.png")]
    assert parse_srcset("") == [] and parse_srcset(None) == [] and parse_srcset(" , ,") == []


def test_choose_the_narrowest_candidate_wide_enough_else_the_widest() -> None:
    assert choose_srcset_candidate("s.jpg 320w, m.jpg 1400w, l.jpg 2800w") == "m.jpg"
    assert choose_srcset_candidate("s.jpg 320w, m.jpg 800w") == "m.jpg"
    assert choose_srcset_candidate("s.jpg 320w, m.jpg 800w", target_width=300) == "s.jpg"


def test_choose_the_sharpest_density_up_to_2x() -> None:
    assert choose_srcset_candidate("a.png 1x, b.png 2x, c.png 3x") == "b.png"
    assert choose_srcset_candidate("c.png 3x, d.png 4x") == "c.png"
    assert choose_srcset_candidate("first.png, second.png") == "first.png"
    assert choose_srcset_candidate("") is None


def test_real_src_wins_over_srcset() -> None:
    assert image_source(_img('<img src="/a.png" srcset="/a-2.png 2x">')) == "/a.png"


def test_img_with_only_a_srcset() -> None:
    assert image_source(_img('<img srcset="/c-300.png 300w, /c-1300.png 1300w" sizes="50vw">')) == "/c-1300.png"


def test_placeholder_src_gives_way_to_lazy_attributes() -> None:
    assert image_source(_img('<img src="data:image/gif;base64,R0lGOD" data-src="/real.jpg">')) == "/real.jpg"
    assert image_source(_img('<img src="/img/lazy.gif" data-srcset="/r-1x.jpg 1x, /r-2x.jpg 2x">')) == "/r-2x.jpg"
    assert image_source(_img('<img src="/img/blank.gif">')) == "/img/blank.gif"  # nothing better: unchanged


def test_picture_sources_when_the_img_has_none() -> None:
    markup = ('<picture><source type="video/mp4" srcset="/clip.mp4"><source type="image/webp" '
              'srcset="/d-640.webp 640w, /d-1920.webp 1920w"><img alt="d"></picture>')
    assert image_source(_img(markup)) == "/d-1920.webp"


def test_image_sources_of_a_sanitized_body() -> None:
    body = sanitize_html(
        '<p><img src="/a.png"> <img src="https://cdn.example.org/b.png#x"> <img src="/a.png">'
        '<img src="mailto:x@y"> <img alt="no source"><img src="ftp://old.example/c.png"></p>',
        "http://blog.example/post/1/",
    )
    assert image_sources(body) == ["http://blog.example/a.png", "https://cdn.example.org/b.png"]
    assert image_sources("") == [] and image_sources("<p>text only</p>") == []


def test_post_body_keeps_the_chosen_candidate_as_src() -> None:
    page = parse_post(
        """<html><head><title>Pictures</title></head><body><article><h1>Pictures</h1>
        <p>A long enough paragraph of text so that the body is found by the density scorer, about pictures.</p>
        <p><img srcset="/img/c-small.png 300w, /img/c-large.png 1400w" alt="c"></p>
        <picture><source srcset="/img/d.webp" type="image/webp"><img alt="d"></picture>
        <p>Another paragraph of text, which says more about the pictures above and ends the post.</p>
        </article></body></html>""",
        "http://blog.example/posts/pictures/",
    )
    assert image_sources(page.content_html) == [
        "http://blog.example/img/c-large.png", "http://blog.example/img/d.webp",
    ]
