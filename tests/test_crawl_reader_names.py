"""The names a blog goes by, as the crawl core learns them from its listing pages (archiver/crawl/reader.py): the
start page's name and a name other pages repeat are the blog's; one page's own "name" (its number) is not, so
the set handed to every post's title merge stays a handful however many pages the blog has."""

from __future__ import annotations

from archiver.crawl.fetched import Fetched
from archiver.crawl.reader import NAME_PAGES, BlogReader
from archiver.crawl.visits import ListingVisit

BLOG = "http://blog.example/"


def _page(title: str, number: int) -> Fetched:
    entries = "".join(
        f'<article><h2><a href="/posts/p{number}-{i}/">A post about lanterns, number {number}-{i}</a></h2>'
        f'<time datetime="2024-01-{i + 1:02d}">2024-01-{i + 1:02d}</time>'
        f"<p>Notes from the bench about lantern {number}-{i}, written up the same evening.</p></article>"
        for i in range(3)
    )
    html = (f"<!DOCTYPE html><html lang=en><head><meta charset=utf-8><title>{title}</title></head>"
            f"<body><main>{entries}</main></body></html>")
    url = BLOG if number == 1 else f"{BLOG}page/{number}/"
    return Fetched(url, 200, {"content-type": "text/html; charset=utf-8"}, html.encode())


def _read(reader: BlogReader, title: str, number: int) -> None:
    fetched = _page(title, number)
    root = "" if number == 1 else BLOG
    reader.listing(fetched, ListingVisit(url=fetched.url, blog=BLOG, root=root))


def test_page_numbers_are_not_site_names_and_the_names_stay_few() -> None:
    reader = BlogReader(BLOG)
    _read(reader, "Lantern Workshop", 1)
    for number in range(2, 3 * NAME_PAGES):
        _read(reader, f"Lantern Workshop | Page {number}", number)  # read as the name "Page N"
    assert reader.site_names == {"Lantern Workshop"}
    assert len(reader._names_seen) <= NAME_PAGES + 1  # counted over the first pages only


def test_a_name_other_pages_repeat_is_the_blogs() -> None:
    reader = BlogReader(BLOG)
    _read(reader, "About me", 1)  # the start page's name counts at once
    _read(reader, "Posts | Lantern Workshop", 2)
    assert reader.site_names == {"About me"}
    _read(reader, "More posts | Lantern Workshop", 3)
    assert reader.site_names == {"About me", "Lantern Workshop"}
