"""Pagination on listing pages: which further listing pages a page links to, next page first."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from archiver.extract.html import parse_html
from archiver.extract.pagination import find_archive_pages, find_next_pages, page_position

FIXTURES = Path(__file__).parent / "fixtures"
CASES = sorted(path.stem for path in FIXTURES.glob("*-pagination-*.json"))
FIELDS = {"next_pages": find_next_pages, "archive_pages": find_archive_pages}


def _load(case: str) -> tuple[object, dict]:
    expected = json.loads((FIXTURES / f"{case}.json").read_text(encoding="utf-8"))
    html = (FIXTURES / f"{case}.html").read_text(encoding="utf-8")
    return parse_html(html, expected["url"]), expected


@pytest.mark.parametrize("field", FIELDS)
@pytest.mark.parametrize("case", CASES)
def test_fixture_field(case: str, field: str) -> None:
    doc, expected = _load(case)
    assert FIELDS[field](doc, expected["url"]) == expected[field]


def test_fixtures_are_present() -> None:
    assert len(CASES) >= 10


def _page(links: str) -> str:
    return f"<html><body><article><a href='/2020/01/02/a-post/'>A post</a></article>{links}</body></html>"


@pytest.mark.parametrize(
    ("url", "links", "expected"),
    [
        # a non-numbered target counts only when the wording is about pages of posts
        ("https://b.example/", "<a href='/search?before=2020-01-01'>« Older Posts</a>",
         ["https://b.example/search?before=2020-01-01"]),
        ("https://b.example/", "<a class='older-posts' href='/archive-b/'>→</a>", ["https://b.example/archive-b/"]),
        # ...while rel=next or a bare "Next" to a URL without a page number is how a post links the next post
        ("https://b.example/a-post/", "<a rel='next' href='/another-post/'>Another post</a>", []),
        ("https://b.example/a-post/", "<nav class='pagination'><a href='/another-post/'>Next</a></nav>", []),
        ("https://b.example/a-post/", "<div class='post-nav'><a href='/third-post/'>Older post</a></div>", []),
        # a post whose title contains "next page" is not a pagination link
        ("https://b.example/", "<a href='/how-to/'>让列表滚动而不是跳到下一页</a>", []),
        # a "next" label in French, Chinese, Japanese and Korean, numbered target
        ("https://b.example/", "<div class='pager'><a href='/page/2/'>Suivant</a></div>", ["https://b.example/page/2/"]),
        ("https://b.example/", "<a href='/page/2/'>下一页</a>", ["https://b.example/page/2/"]),
        ("https://b.example/", "<a href='/page/2/'>下一頁</a>", ["https://b.example/page/2/"]),
        ("https://b.example/", "<a href='/page/2/'>次へ</a>", ["https://b.example/page/2/"]),
        ("https://b.example/", "<a href='/page/2/'>다음</a>", ["https://b.example/page/2/"]),
        # page/N.html and /p/N/ styles
        ("https://b.example/", "<a href='/page/2.html'>2</a>", ["https://b.example/page/2.html"]),
        ("https://b.example/", "<a href='/p/2/'>2</a>", ["https://b.example/p/2/"]),
        # ?page=N keeps other query parameters in the series
        ("https://b.example/list?sort=new", "<a href='/list?sort=new&page=2'>2</a>",
         ["https://b.example/list?sort=new&page=2"]),
        # a bare number is a page only inside a pagination container
        ("https://b.example/blog/", "<nav class='pagination'><a href='/blog/2/'>2</a></nav>",
         ["https://b.example/blog/2/"]),
        ("https://b.example/blog/", "<a href='/blog/2/'>2</a>", []),
        # "previous"/"newer" links back to lower pages are skipped
        ("https://b.example/page/3/", "<a href='/page/2/'>Newer posts</a><a href='/page/4/'>Older posts</a>",
         ["https://b.example/page/4/"]),
        # a series that counts down to its oldest page: "Older posts" (rel=next) goes to a lower number
        ("https://b.example/index-5.html",
         "<a href='.' rel='prev'>Newer posts</a><a href='index-4.html' rel='next'>Older posts</a>",
         ["https://b.example/index-4.html"]),
        ("https://b.example/index-2.html", "<a href='index-3.html'>Newer posts</a><a href='index-1.html'>Older posts</a>",
         ["https://b.example/index-1.html"]),
        # the next page comes first even when numbered links come before it in the markup
        ("https://b.example/page/3/",
         "<nav class='pagination'><a href='/page/9/'>9</a><a href='/page/5/'>5</a><a href='/page/4/'>4</a></nav>",
         ["https://b.example/page/4/", "https://b.example/page/5/", "https://b.example/page/9/"]),
        # tags, external hosts and the page itself are never further pages
        ("https://b.example/page/2/",
         "<a href='/tags/x/page/3/'>next</a><a href='https://other.example/page/3/'>Next</a><a href='/page/2/'>2</a>",
         []),
        # http and https, and "www.", are the same blog
        ("https://b.example/", "<a rel='next' href='http://www.b.example/page/2/'>Next</a>",
         ["http://www.b.example/page/2/"]),
    ],
)
def test_next_pages_from_markup(url: str, links: str, expected: list[str]) -> None:
    assert find_next_pages(parse_html(_page(links), url), url) == expected


def test_base_href_resolves_relative_links() -> None:
    html = "<html><head><base href='https://b.example/blog/'></head><body><a href='page/2/'>2</a></body></html>"
    url = "https://b.example/blog/index.html"
    assert find_next_pages(parse_html(html, url), url) == ["https://b.example/blog/page/2/"]


@pytest.mark.parametrize(
    ("url", "number"),
    [
        ("https://b.example/", 1),
        ("https://b.example/index.html", 1),
        ("https://b.example/page/7/", 7),
        ("https://b.example/page7", 7),
        ("https://b.example/index7.html", 7),
        ("https://b.example/?paged=7", 7),
        ("https://b.example/blog/page/7/", 7),
    ],
)
def test_page_position_number(url: str, number: int) -> None:
    assert page_position(url).number == number


def test_pages_of_one_listing_share_a_series() -> None:
    assert page_position("https://b.example/").series == page_position("https://b.example/page/2/").series
    assert page_position("https://b.example/").series != page_position("https://b.example/tags/x/page/2/").series
