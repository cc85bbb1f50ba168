"""Archived images served from the archive: Datasette's post page and media route (its test client), and the
HTML export's copies, for the fixture blog of tests/media_site.py crawled and then taken down."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Iterator
from pathlib import Path

import lxml.html
import pytest

from archiver.publish import make_datasette
from tests.conftest import rows, run_archiver
from tests.media_site import MediaSite, crawl_media_site


@pytest.fixture(scope="module")
def archived(tmp_path_factory) -> tuple[MediaSite, Path]:
    return crawl_media_site(tmp_path_factory.mktemp("media-publish"))


@pytest.fixture(scope="module")
def get(archived) -> Iterator:
    datasette = make_datasette(archived[1])
    loop = asyncio.new_event_loop()

    def fetch(path: str):
        return loop.run_until_complete(datasette.client.get(path))

    yield fetch
    loop.close()


def _post_id(db: Path, site: MediaSite, index: int) -> int:
    url = site.url.rstrip("/") + site.posts[index].path
    return rows(db, "SELECT id FROM posts WHERE url = ?", url)[0]["id"]


def test_post_page_shows_archived_images_from_this_datasette(archived, get) -> None:
    site, db = archived
    page = get(f"/archive/posts/{_post_id(db, site, 0)}")
    assert page.status_code == 200
    body = lxml.html.fromstring(page.text).xpath("//article[contains(@class, 'archiver-post')]")[0]
    sources = [image.get("src") for image in body.iter("img")]
    assert len(sources) == 3 and all(src.startswith("/-/media/archive/") for src in sources)
    for src, url in zip(sources, [u for u in site.posts[0].images if u in site.archived], strict=True):
        served = get(src)
        assert served.status_code == 200 and served.content == site.archived[url]
        assert served.headers["content-type"] == "image/png"
        assert served.headers["x-content-type-options"] == "nosniff"
        assert "sandbox" in served.headers["content-security-policy"]
    # Never archived: placeholders naming the original address, as text.
    text = body.text_content()
    assert site.missing in text and site.forbidden in text
    assert "img-src 'self'" in page.headers["content-security-policy"]


def test_an_image_over_the_limit_is_a_placeholder(archived, get) -> None:
    site, db = archived
    page = get(f"/archive/posts/{_post_id(db, site, 1)}")
    body = lxml.html.fromstring(page.text).xpath("//article[contains(@class, 'archiver-post')]")[0]
    assert site.huge in body.text_content()
    assert len(list(body.iter("img"))) == 2  # the harbour (shared with another post) and the gull


def test_the_same_bytes_under_two_urls_are_served_from_one_address(archived, get) -> None:
    site, db = archived
    first = lxml.html.fromstring(get(f"/archive/posts/{_post_id(db, site, 0)}").text)
    copy = lxml.html.fromstring(get(f"/archive/posts/{_post_id(db, site, 2)}").text)
    harbour = first.xpath("//article//img")[0].get("src")
    assert copy.xpath("//article//img")[0].get("src") == harbour  # served once, cached once


def test_media_route_refuses_what_it_does_not_hold(get) -> None:
    assert get("/-/media/archive/" + "0" * 64).status_code == 404
    assert get("/-/media/nosuchdb/" + "0" * 64).status_code == 404


def test_images_are_placeholders_when_the_warc_files_are_gone(archived, tmp_path: Path) -> None:
    site, db = archived
    moved = tmp_path / "moved.db"  # the archive without its WARC folder beside it
    import sqlite3

    source, target = sqlite3.connect(db), sqlite3.connect(moved)
    source.backup(target)
    source.close()
    target.close()

    async def page() -> str:
        datasette = make_datasette(moved)
        return (await datasette.client.get(f"/moved/posts/{_post_id(db, site, 0)}")).text

    html = asyncio.run(page())
    body = lxml.html.fromstring(html).xpath("//article[contains(@class, 'archiver-post')]")[0]
    assert list(body.iter("img")) == []
    assert all(url in body.text_content() for url in site.posts[0].images)


def test_html_export_copies_each_image_once_and_links_it(archived, tmp_path: Path) -> None:
    site, db = archived
    out = tmp_path / "site"
    result = run_archiver("export", "html", "-o", str(out), "--db", str(db), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    copies = sorted((out / "media").iterdir())
    # harbour.png and harbour-copy.png are the same bytes: one file.
    assert {hashlib.sha256(p.read_bytes()).hexdigest() for p in copies} == {
        hashlib.sha256(data).hexdigest() for data in site.archived.values()}
    assert len(copies) == len(set(site.archived.values()))
    for index, post in enumerate(site.posts):
        page = next(out.glob(f"*/posts/*-{_post_id(db, site, index)}.html"))
        tree = lxml.html.fromstring(page.read_text("utf-8"))
        for image in tree.xpath("//div[@class='body']//img"):
            target = (page.parent / image.get("src")).resolve()
            assert target.is_file() and target.is_relative_to(out.resolve())
        archived_count = sum(url in site.archived for url in post.images)
        assert len(tree.xpath("//div[@class='body']//img")) == archived_count
        placeholders = tree.xpath("//span[@class='archived-image-missing']")
        assert len(placeholders) == len(post.images) - archived_count


def test_sqlite_subset_keeps_the_posts_images(archived, tmp_path: Path) -> None:
    site, db = archived
    subset = tmp_path / "subset.db"
    result = run_archiver("export", "sqlite", "-o", str(subset), "--db", str(db), "--site", site.url, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    link_sql = ("SELECT p.url AS post, m.url AS image, m.sha256, pm.position FROM post_media pm "
                "JOIN posts p ON p.id = pm.post_id JOIN media m ON m.id = pm.media_id ORDER BY 1, 4")
    assert rows(subset, link_sql) == rows(db, link_sql) != []
