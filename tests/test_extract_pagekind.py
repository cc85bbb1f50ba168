"""What kind of page a blog's page is, and where its list of posts is: fixtures of invented blogs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from archiver.extract.pagekind import ARCHIVE, LISTING, OTHER, POST, classify_page, listing_links
from archiver.extract.urls import is_date_index, is_index_url, is_taxonomy_index

FIXTURES = Path(__file__).parent / "fixtures"
CASES = sorted(p.stem for p in FIXTURES.glob("*-kind-*.html"))


def load(case: str) -> tuple[str, dict]:
    return (FIXTURES / f"{case}.html").read_text(encoding="utf-8"), json.loads(
        (FIXTURES / f"{case}.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("case", CASES)
def test_kind(case: str) -> None:
    html, expected = load(case)
    assert classify_page(html, expected["url"]).kind == expected["kind"]


@pytest.mark.parametrize("case", CASES)
def test_listing_links(case: str) -> None:
    html, expected = load(case)
    assert [url for url, _ in listing_links(html, expected["url"])] == expected["listing_links"]


def test_fixtures_cover_every_kind() -> None:
    assert {load(case)[1]["kind"] for case in CASES} == {LISTING, ARCHIVE, POST, OTHER}


def test_a_post_with_a_sidebar_of_recent_posts_is_a_post() -> None:
    recent = "".join(f'<li><a href="/notes/n{i}/">Note number {i}</a></li>' for i in range(12))
    body = "<p>" + "A long paragraph about splicing rope, one strand at a time. " * 30 + "</p>"
    page = (f"<html><head><title>Splicing rope | Knots</title></head><body><main><h1>Splicing rope</h1>{body}"
            f'</main><aside class="sidebar"><h2>Recent</h2><ul>{recent}</ul></aside></body></html>')
    kind = classify_page(page, "https://knots.example.org/notes/splicing-rope/")
    assert kind.kind == POST


def test_menu_labels_in_other_languages() -> None:
    page = ('<html><head><title>小站</title></head><body><nav class="menu"><a href="/">首页</a>'
            '<a href="/about/">关于</a><a href="/archives/">归档</a></nav><p>欢迎来到我的小站。</p></body></html>')
    assert listing_links(page, "https://xiaozhan.example.cn/")[0][0] == "https://xiaozhan.example.cn/archives/"


def test_never_a_feed_a_tag_an_about_page_or_another_site() -> None:
    page = ('<html><body><nav class="menu"><a href="/feed.xml">Blog feed</a><a href="/tags/blog/">Blog</a>'
            '<a href="/about/">Blog</a><a href="https://elsewhere.example.com/blog/">Blog</a>'
            '<a href="/2021/05/">Archive</a></nav></body></html>')
    assert listing_links(page, "https://me.example.org/") == []


@pytest.mark.parametrize(
    ("url", "date", "taxonomy"),
    [
        ("https://b.example/2020/", True, False),
        ("https://b.example/2020/05/", True, False),
        ("https://b.example/archives/2020/05/", True, False),
        ("https://b.example/blog/2005_01_01_archive.html", True, False),
        ("https://b.example/?m=202005", True, False),
        ("https://b.example/search?updated-max=2020-01-01T00:00:00-08:00", True, True),
        ("https://b.example/tags/rust/", False, True),
        ("https://b.example/tags/rust/page/2/", False, True),
        ("https://b.example/blog/category/boats/wooden/", False, True),
        ("https://b.example/2020/05/17/oak-ribs/", False, False),
        ("https://b.example/archive/2015/03/an-old-post/", False, False),
        ("https://b.example/20190607.html", False, False),
        ("https://b.example/1784522/", False, False),
    ],
)
def test_index_urls(url: str, date: bool, taxonomy: bool) -> None:
    assert is_date_index(url) is date
    assert is_taxonomy_index(url) is taxonomy
    assert is_index_url(url) is (date or taxonomy)


def _cards(count: int, *, excerpt: bool = True) -> str:
    text = "<p>What the post says, in a sentence or two that the list shows under its title.</p>" if excerpt else ""
    return "".join(f'<article class="card"><h2><a href="/posts/note-{n}/">Note number {n} on rigging</a></h2>'
                   f'<time datetime="2024-03-{n:02d}">March {n}</time>{text}</article>' for n in range(1, count + 1))


def test_a_section_list_whose_heading_names_it_is_a_list() -> None:
    # Its <title> names its heading as a post's does, and the theme declares every page an article.
    page = ('<html><head><title>Posts | Rigging notes</title><meta property="og:type" content="article"></head>'
            f'<body><main><h1>Posts</h1>{_cards(5)}</main></body></html>')
    assert classify_page(page, "https://rig.example.org/posts/").kind == LISTING


def test_a_home_whose_banner_links_home_and_lists_bare_titles_is_a_list() -> None:
    page = ('<html><head><title>Rigging notes</title></head><body><header><a href="/"><h1>Rigging notes</h1></a>'
            f'</header><main>{_cards(8, excerpt=False)}</main><a rel="next" href="/page/2/">Older</a></body></html>')
    kind = classify_page(page, "https://rig.example.org/")
    assert kind.kind == LISTING and kind.posts == 8


def test_a_short_post_without_metadata_is_a_post_when_it_shows_a_date() -> None:
    from archiver.extract.post import parse_post

    page = ('<html><head><title>Rigging notes</title></head><body><h1>Whipping a rope end</h1>'
            '<p class="date">May 3, 2024</p><p>Ten turns of waxed twine, then tuck the end under.</p></body></html>')
    url = "https://rig.example.org/notes/whipping/"
    assert classify_page(page, url).kind == OTHER  # one weak hint: as often an about page
    assert classify_page(page, url, post=parse_post(page, url)).kind == POST


def test_the_last_page_of_a_list_with_one_post_is_a_list() -> None:
    page = ('<html><head><title>Rigging notes</title><meta property="og:type" content="website"></head>'
            f'<body><main>{_cards(1)}</main></body></html>')
    assert classify_page(page, "https://rig.example.org/page/7/").kind == LISTING
