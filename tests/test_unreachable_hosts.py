"""Images on hosts that cannot be reached (a CDN whose name no longer resolves, a server that refuses every
connection): the crawl gives such a host up after its first failures instead of asking, and retrying, every one
of its hundreds of images; every post is still archived and every image still has its row saying why."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from archiver.demo.server import serve_directory
from tests.conftest import rows, run_archiver

POSTS = 4
IMAGES_PER_HOST = 60  # per post; 4 posts x 60 x 2 hosts = 480 image URLs
DEAD_NAME = "photos.invalid"  # .invalid never resolves (RFC 2606)


def closed_port() -> int:
    """A loopback port nothing listens on (connections to it are refused)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def write_blog(root: Path, refused: str) -> list[str]:
    """A one-page blog whose posts each show IMAGES_PER_HOST images on each unreachable host."""
    entries, paths = [], []
    for number in range(1, POSTS + 1):
        path = f"/posts/walk-{number}/"
        paths.append(path)
        images = "".join(f'<img src="http://{DEAD_NAME}/p{number}/{k}.jpg" alt="">'
                         f'<img src="{refused}p{number}/{k}.jpg" alt="">' for k in range(IMAGES_PER_HOST))
        page = (f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>Walk {number}</title>"
                f"<meta property='article:published_time' content='2024-03-0{number}T09:00:00+00:00'></head>"
                f"<body><main><article><h1>Walk {number}</h1><p>Notes from walk number {number} along the "
                f"river, with the photos we took on the way.</p><p>{images}</p></article></main></body></html>")
        target = root / path.strip("/") / "index.html"
        target.parent.mkdir(parents=True)
        target.write_text(page)
        entries.append(f"<article><h2><a href='{path}'>Walk {number}</a></h2><time datetime='2024-03-0{number}'>"
                       f"2024-03-0{number}</time><p>Notes from walk number {number} along the river.</p></article>")
    (root / "index.html").write_text("<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>River "
                                     "walks</title></head><body><main>" + "".join(reversed(entries))
                                     + "</main></body></html>")
    return paths


@pytest.fixture(scope="module")
def crawled(tmp_path_factory) -> Iterator[dict]:
    folder = tmp_path_factory.mktemp("unreachable")
    refused = f"http://127.0.0.1:{closed_port()}/"
    paths = write_blog(folder / "site", refused)
    server = serve_directory(folder / "site")
    try:
        db = folder / "archive.db"
        result = run_archiver("crawl", server.url + "/", "--db", str(db), cwd=folder)
        yield {"db": db, "result": result, "paths": paths, "refused": refused}
    finally:
        server.server.shutdown()


def test_every_post_is_archived_and_the_crawl_succeeds(crawled) -> None:
    assert crawled["result"].returncode == 0, crawled["result"].stderr
    urls = [row["url"] for row in rows(crawled["db"], "SELECT url FROM posts")]
    assert sorted(url.split("/", 3)[3] for url in urls) == sorted(p.lstrip("/") for p in crawled["paths"])


def test_every_image_has_a_row_saying_its_host_is_unreachable(crawled) -> None:
    media = rows(crawled["db"], "SELECT url, sha256, error FROM media")
    assert len(media) == POSTS * IMAGES_PER_HOST * 2
    assert all(row["sha256"] is None and row["error"].startswith("unreachable") for row in media)


def test_a_host_is_given_up_after_its_first_failures(crawled) -> None:
    # Only the requests already under way when the host failed were sent; every other image of that host
    # says it was not asked (before, each of the 480 was asked and retried three times).
    errors = rows(crawled["db"], "SELECT url, message FROM crawl_errors WHERE kind = 'unreachable'")
    assert len(errors) == POSTS * IMAGES_PER_HOST * 2
    for host in (DEAD_NAME, crawled["refused"].split("//")[1].rstrip("/")):
        of_host = [e for e in errors if f"//{host}/" in e["url"]]
        asked = [e for e in of_host if "not asked" not in e["message"]]
        assert len(of_host) == POSTS * IMAGES_PER_HOST
        assert len(asked) <= 8, asked[:3]
        assert all(f"({host} given up" in e["message"] for e in of_host if e not in asked)
