"""A real headless Chromium on `archiver serve`'s Datasette: a hostile post runs nothing; screenshots of the
search results and of a post page are saved in the test's tmp dir."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from archiver.publish import datasette_command
from tests.archive_samples import build_sample_archive

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed")
sync_api = pytest.importorskip("playwright.sync_api", reason="playwright (Python) is not installed")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict[str, int]]]:
    """Datasette started exactly as `archiver serve` starts it, on a sample archive."""
    db_path = tmp_path_factory.mktemp("browser") / "archive.db"
    ids = build_sample_archive(db_path)
    port = free_port()
    process = subprocess.Popen(datasette_command(db_path, "127.0.0.1", port), stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(base + "/-/versions.json", timeout=1)
                break
            except OSError:
                if process.poll() is not None:
                    pytest.fail(f"datasette exited: {process.stderr.read().decode()[-2000:]}")
                time.sleep(0.1)
        yield base, ids
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture
def page(tmp_path: Path):
    with sync_api.sync_playwright() as playwright:
        # A fresh profile per test (Playwright passes it to chromium as --user-data-dir).
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path / "profile"),
            executable_path=CHROMIUM,
            args=CHROMIUM_FLAGS,
            viewport={"width": 1100, "height": 900},
        )
        try:
            new_page = context.new_page()
            new_page.set_default_timeout(5000)
            dialogs: list[str] = []
            new_page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
            new_page.dialogs = dialogs  # type: ignore[attr-defined]
            yield new_page
        finally:
            context.close()


def test_hostile_post_runs_nothing(server, page) -> None:
    base, ids = server
    page.goto(f"{base}/archive/posts/{ids['hostile']}")
    page.wait_for_load_state("load")
    # The sanitizer drops id attributes too, so the hostile elements are found by their text.
    page.get_by_text("Hover text stays as text.").hover()
    page.get_by_text("click me").click()
    page.get_by_text("data link").click()
    page.wait_for_timeout(300)
    assert page.url == f"{base}/archive/posts/{ids['hostile']}"  # no link navigated anywhere
    assert page.evaluate("typeof window.pwned") == "undefined"
    assert page.title() == "A perfectly normal post"
    assert page.dialogs == []  # type: ignore[attr-defined]
    assert page.is_visible("article.archiver-post h1")  # no injected CSS hid the page
    covering = page.evaluate(
        "[...document.querySelectorAll('.archiver-post .body *')]"
        ".filter(e => getComputedStyle(e).position === 'fixed').length"
    )
    assert covering == 0
    after = page.evaluate("getComputedStyle(document.querySelector('.archiver-post'), '::after').content")
    assert "PWNED" not in after
    assert page.locator(".archiver-post iframe, .archiver-post form, .archiver-post script").count() == 0
    code = page.inner_text(".archiver-post pre code")
    assert code == 'if (a < b) { return "<script>alert(1)</script>"; }\n  indented line'


def test_screenshots_of_search_results_and_a_post(server, page, tmp_path: Path) -> None:
    base, ids = server
    page.goto(f"{base}/-/search?q=垃圾回收 OR collector")
    assert page.locator("li.result").count() == 2
    assert page.locator("li.result mark").count() >= 2
    search_shot = tmp_path / "search-results.png"
    page.screenshot(path=str(search_shot), full_page=True)
    page.goto(f"{base}/archive/posts/{ids['dict']}")
    assert page.inner_text("article.archiver-post h1") == "Python 字典的实现原理"
    post_shot = tmp_path / "post-page.png"
    page.screenshot(path=str(post_shot), full_page=True)
    for shot in (search_shot, post_shot):
        assert shot.stat().st_size > 10_000
    print(f"screenshots: {search_shot} {post_shot}")
