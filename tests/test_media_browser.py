"""A real headless Chromium on the archive of a blog that is gone (tests/media_site.py, crawled then taken down):
the Datasette post page and the HTML export show the archived images, placeholders for the others, and the
browser's network log has no request leaving the archive (Datasette on 127.0.0.1, or file:// for the export).
Screenshots go to tests/artifacts/ (not committed)."""

from __future__ import annotations

import subprocess
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from archiver.publish import datasette_command
from tests.conftest import rows, run_archiver
from tests.media_site import MediaSite, crawl_media_site
from tests.test_browser import ARTIFACTS, CHROMIUM, CHROMIUM_FLAGS, free_port

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed")
sync_api = pytest.importorskip("playwright.sync_api", reason="playwright (Python) is not installed")

# For each <img> of the post body: its src and whether the browser decoded it (naturalWidth > 0).
IMAGES_SHOWN = """selector => [...document.querySelectorAll(selector + ' img')].map(
    image => [image.getAttribute('src'), image.complete && image.naturalWidth > 0])"""


@pytest.fixture(scope="module")
def archived(tmp_path_factory) -> tuple[MediaSite, Path, Path]:
    folder = tmp_path_factory.mktemp("media-browser")
    site, db = crawl_media_site(folder)
    return site, db, folder


@pytest.fixture(scope="module")
def served(archived) -> Iterator[str]:
    """Datasette started as `archiver serve` starts it."""
    _, db, _ = archived
    port = free_port()
    process = subprocess.Popen(datasette_command(db, "127.0.0.1", port), stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                urllib.request.urlopen(base + "/-/versions.json", timeout=1)
                break
            except OSError:
                if process.poll() is not None:
                    pytest.fail(f"datasette exited: {process.stderr.read().decode()[-2000:]}")
                time.sleep(0.1)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture
def page(tmp_path: Path):
    with sync_api.sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path / "profile"), executable_path=CHROMIUM, args=CHROMIUM_FLAGS,
            viewport={"width": 1100, "height": 1400},
        )
        try:
            new_page = context.new_page()
            new_page.set_default_timeout(10000)
            requests: list[str] = []
            new_page.on("request", lambda request: requests.append(request.url))
            new_page.requests = requests  # type: ignore[attr-defined]
            yield new_page
        finally:
            context.close()


def _shot(page, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    assert path.stat().st_size > 5_000
    return path


def test_datasette_post_page_shows_archived_images_and_requests_nothing_elsewhere(archived, served, page) -> None:
    site, db, _ = archived
    post = site.posts[0]  # same host, the CDN host, a srcset, a missing image, a forbidden one
    post_id = rows(db, "SELECT id FROM posts WHERE url = ?", site.url.rstrip("/") + post.path)[0]["id"]
    page.goto(f"{served}/archive/posts/{post_id}")
    page.wait_for_load_state("networkidle")
    shown = page.evaluate(IMAGES_SHOWN, ".archiver-post .body")
    assert len(shown) == sum(url in site.archived for url in post.images)
    assert all(src.startswith("/-/media/archive/") and decoded for src, decoded in shown), shown
    body_text = page.inner_text(".archiver-post .body")
    assert site.missing in body_text and site.forbidden in body_text  # placeholders, with their addresses
    elsewhere = [url for url in page.requests if not url.startswith((served + "/", "data:"))]
    assert elsewhere == [], elsewhere
    assert any("/-/media/archive/" in url for url in page.requests)
    print(f"screenshot: {_shot(page, 'media-post-page')}")


def test_html_export_shows_archived_images_from_its_folder(archived, page, tmp_path: Path) -> None:
    site, db, folder = archived
    out = tmp_path / "export"
    result = run_archiver("export", "html", "-o", str(out), "--db", str(db), cwd=folder)
    assert result.returncode == 0, result.stderr
    for index, post in enumerate(site.posts):
        post_id = rows(db, "SELECT id FROM posts WHERE url = ?", site.url.rstrip("/") + post.path)[0]["id"]
        page_file = next(out.glob(f"*/posts/*-{post_id}.html"))
        page.requests.clear()
        page.goto(page_file.as_uri())
        page.wait_for_load_state("load")
        shown = page.evaluate(IMAGES_SHOWN, ".body")
        assert len(shown) == sum(url in site.archived for url in post.images)
        assert all(decoded for _, decoded in shown), shown
        elsewhere = [url for url in page.requests if not url.startswith(("file://", "data:"))]
        assert elsewhere == [], elsewhere
        if index == 0:
            print(f"screenshot: {_shot(page, 'media-html-export')}")
