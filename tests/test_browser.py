"""A real headless Chromium on `archiver serve`'s Datasette, as a person sees it: a hostile post runs nothing,
post pages load nothing from elsewhere, the posts table's first screen, titles that try bidi tricks, the
dashboard's chart. Screenshots are kept in tests/artifacts/ (not committed)."""

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
from archiver.store.schema import TABLES_BY_NAME
from tests.archive_samples import REMOTE_IMAGE, SPOOF_TITLE, add_display_posts, build_sample_archive

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = Path(__file__).parent / "artifacts"
FIRST_SCREEN = {"width": 1280, "height": 800}
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
    ids.update(add_display_posts(db_path))
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
        yield base, ids, db_path
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
    base, ids, _ = server
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
    base, ids, _ = server
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


def shot(page, name: str) -> Path:
    """Save what the page shows (its first screen) as tests/artifacts/NAME.png."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path))
    assert path.stat().st_size > 5_000
    return path


def box(page, selector: str) -> dict[str, float]:
    found = page.locator(selector).first.bounding_box()
    assert found is not None, f"{selector} is not shown"
    return found


# JS: does `text`, inside `element`, read left to right on screen? (its first character left of its last, on
# one line: the element is kept from wrapping while measured)
READS_LEFT_TO_RIGHT = """([element, text]) => {
  element.style.whiteSpace = "nowrap";
  const walker = document.createTreeWalker(element, NodeFilter.SHOW_TEXT);
  let whole = "", nodes = [];
  while (walker.nextNode()) { nodes.push([walker.currentNode, whole.length]); whole += walker.currentNode.data; }
  const start = whole.indexOf(text);
  if (start < 0) throw new Error("text not found: " + text);
  const rectAt = (index) => {
    for (const [node, offset] of nodes) {
      if (index >= offset && index < offset + node.data.length) {
        const range = document.createRange();
        range.setStart(node, index - offset); range.setEnd(node, index - offset + 1);
        return range.getBoundingClientRect();
      }
    }
  };
  return rectAt(start).left < rectAt(start + text.length - 1).left;
}"""


def reads_left_to_right(page, selector: str, text: str) -> bool:
    return page.evaluate(READS_LEFT_TO_RIGHT, [page.locator(selector).first.element_handle(), text])


def test_the_check_for_reversed_text_can_fail(page) -> None:
    """The control: an unisolated override does reverse the title and the date after it, and the check sees it."""
    page.set_content(f"<p id='raw'>{SPOOF_TITLE} 2021-03-04</p><p id='ok'><bdi>Notes on evil twin</bdi> 2021-03-04</p>")
    assert not reads_left_to_right(page, "#raw", "evil twin") and not reads_left_to_right(page, "#raw", "2021-03-04")
    assert reads_left_to_right(page, "#ok", "evil twin") and reads_left_to_right(page, "#ok", "2021-03-04")


def test_posts_table_first_screen_shows_titles_and_the_main_columns(server, page) -> None:
    base, ids, _ = server
    page.set_viewport_size(FIRST_SCREEN)
    page.goto(f"{base}/archive/posts")
    for column in ("title", "published", "site_id", "author", "tags", "excerpt"):
        header = box(page, f"th.col-{column}")
        assert header["x"] + header["width"] <= FIRST_SCREEN["width"], column  # visible without scrolling right
        assert header["y"] < FIRST_SCREEN["height"], column
    first_title = box(page, "td.col-title a")
    assert first_title["y"] + first_title["height"] <= FIRST_SCREEN["height"]
    assert page.inner_text("td.col-title a >> nth=0") == "A perfectly normal post"  # newest first
    assert page.evaluate("document.scrollingElement.scrollWidth") <= FIRST_SCREEN["width"]
    heights = page.eval_on_selector_all("table.rows-and-columns tbody tr", "rows => rows.map(r => r.offsetHeight)")
    assert max(heights) < 200, heights  # excerpts cut short: no row is a wall of text
    facets, table = box(page, ".facet-results"), box(page, ".table-wrapper")
    assert facets["x"] >= table["x"] + table["width"] - 1  # facets beside the rows, not above them
    shot(page, "posts-table")
    with page.expect_navigation():
        page.click(f'a.archiver-title[href="/archive/posts/{ids["dict"]}"]')
    assert page.url == f"{base}/archive/posts/{ids['dict']}"


def test_every_column_is_one_click_away(server, page) -> None:
    base, _, _ = server
    n_columns = len(TABLES_BY_NAME["posts"].columns)
    page.goto(f"{base}/archive/posts")
    with page.expect_navigation():
        page.click(f"text=show all {n_columns} columns")
    assert page.locator("table.rows-and-columns thead th").count() == n_columns
    with page.expect_navigation():
        page.click("text=show the main columns only")
    assert page.locator("table.rows-and-columns thead th").count() == 7
    # Datasette's own column menu: "Show all columns" shows all of them.
    page.locator("th.col-title svg.dropdown-menu-icon").click()
    with page.expect_navigation():
        page.click("a.dropdown-show-all-columns")
    assert page.locator("table.rows-and-columns thead th").count() == n_columns


def test_titles_with_bidi_overrides_read_as_written_everywhere(server, page, tmp_path: Path) -> None:
    base, ids, db_path = server
    page.goto(f"{base}/archive/posts?id={ids['spoof']}")
    assert reads_left_to_right(page, "td.col-title", "evil twin")
    page.goto(f"{base}/-/dashboard")
    item = "section.latest li:has-text('evil twin')"
    assert reads_left_to_right(page, item, "evil twin") and reads_left_to_right(page, item, "Plain Words")
    page.goto(f"{base}/archive/posts/{ids['spoof']}")
    assert reads_left_to_right(page, "article h1", "evil twin") and page.title() == "Notes on evil twin"
    page.goto(f"{base}/-/search?q=backwards")
    assert reads_left_to_right(page, "li.result", "evil twin")
    page.goto(f"{base}/archive/latest_posts")
    assert reads_left_to_right(page, "td.col-title:has-text('evil twin')", "evil twin")
    # The HTML export: a site's index lists the title with its date after it.
    from archiver.export import export, make_selection
    from archiver.store import Archive

    with Archive.open_readonly(db_path) as archive:
        export(archive, "html", tmp_path / "site", make_selection(archive), force=False, tick=lambda n: None)
    index = next(path for path in (tmp_path / "site").glob("*/index.html") if "evil twin" in path.read_text("utf-8"))
    page.goto(index.as_uri())
    line = "li:has-text('evil twin')"
    assert reads_left_to_right(page, line, "evil twin") and reads_left_to_right(page, line, "2021-03-04")


def test_post_page_loads_nothing_from_elsewhere(server, page) -> None:
    base, ids, _ = server
    requests: list[str] = []
    console: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.on("console", lambda message: console.append(f"{message.type}: {message.text}"))
    page.set_viewport_size(FIRST_SCREEN)
    page.goto(f"{base}/archive/posts/{ids['layout']}")
    page.wait_for_load_state("networkidle")
    elsewhere = [url for url in requests if not url.startswith((base, "data:"))]
    assert elsewhere == []
    assert console == []  # the policy lets Datasette's own page work: nothing of it was refused
    page.click("details.nav-menu summary")
    page.click("article h1")  # Datasette's inline script (allowed by its hash) closes the menu
    assert page.evaluate("document.querySelector('details.nav-menu').open") is False
    placeholder = page.locator(".archiver-post .archiver-image")
    assert placeholder.is_visible() and REMOTE_IMAGE in placeholder.inner_text()
    # The policy holds even for an image someone manages to add: the browser refuses to fetch it.
    with page.expect_event("requestfailed", lambda request: "127.0.0.2" in request.url) as refused:
        blocked = page.evaluate("""() => new Promise(resolve => {
            document.addEventListener('securitypolicyviolation', event => resolve(event.blockedURI));
            const image = document.createElement('img');
            image.src = 'http://127.0.0.2:9/track.png';
            document.body.appendChild(image);
        })""")
    assert "127.0.0.2" in blocked
    assert "csp" in (refused.value.failure or "").lower()  # refused by the policy, never sent


def test_post_page_lists_have_markers_and_long_addresses_wrap(server, page) -> None:
    base, ids, _ = server
    page.set_viewport_size(FIRST_SCREEN)
    page.goto(f"{base}/archive/posts/{ids['layout']}")
    styles = page.eval_on_selector_all(
        ".archiver-post .body li",
        "items => items.map(li => [getComputedStyle(li).listStyleType, getComputedStyle(li.parentElement).paddingLeft])",
    )
    assert [style for style, _ in styles] == ["disc", "disc", "decimal", "decimal"]
    assert all(float(padding.rstrip("px")) >= 16 for _, padding in styles)  # room for the marker
    original, article = box(page, "a.original"), box(page, "article.archiver-post")
    assert original["x"] + original["width"] <= article["x"] + article["width"] + 1
    assert "中文的很长的地址" in page.inner_text("a.original")
    assert page.evaluate("document.scrollingElement.scrollWidth") <= FIRST_SCREEN["width"]
    shot(page, "post-page")


def _no_overlap(boxes: list[dict[str, float]]) -> bool:
    ordered = sorted(boxes, key=lambda b: b["x"])
    return all(left["x"] + left["width"] <= right["x"] for left, right in zip(ordered, ordered[1:], strict=False))


@pytest.mark.parametrize("width", [1280, 700])
def test_dashboard_chart_has_a_readable_time_axis(server, page, width: int) -> None:
    base, _, _ = server
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.set_viewport_size({"width": width, "height": 800})
    page.goto(f"{base}/-/dashboard")
    chart = box(page, "svg.archiver-chart")
    content = box(page, "section.per-month")
    assert chart["width"] >= content["width"] * 0.95 and chart["x"] + chart["width"] <= width  # fills, fits
    # Every month from the first post (2021-01) to the last (2024-05) has its slot, empty ones included.
    assert page.locator("svg.archiver-chart g.month").count() == 41
    ticks = page.eval_on_selector_all("svg.archiver-chart text.x-tick", "ts => ts.map(t => { "
                                      "const r = t.getBoundingClientRect(); return {x: r.x, width: r.width}; })")
    assert len(ticks) >= 3 and _no_overlap(ticks)
    assert page.locator("svg.archiver-chart text.y-tick").count() >= 3
    legend = page.eval_on_selector_all("svg.archiver-chart g.legend text", "ts => ts.map(t => t.textContent)")
    assert "Plain Words (words.example.org)" in legend and "Plain Words (words.example.net)" in legend
    assert [url for url in requests if not url.startswith((base, "data:"))] == []
    if width == 1280:
        shot(page, "dashboard")


def test_first_screens_for_the_record(server, page) -> None:
    """Home, search in Chinese and in English: what they show first, kept as artifacts."""
    base, _, _ = server
    page.set_viewport_size(FIRST_SCREEN)
    page.goto(f"{base}/")
    assert page.locator("a:has-text('Search posts in any language')").is_visible()
    assert page.locator("table.archiver-sites tr.archiver-site").count() == 3
    shot(page, "home")
    page.goto(f"{base}/-/search?q=垃圾回收")
    assert page.locator("li.result mark").first.is_visible()
    shot(page, "search-chinese")
    page.goto(f"{base}/-/search?q=collector")
    assert page.locator("li.result mark").first.is_visible()
    shot(page, "search-english")
