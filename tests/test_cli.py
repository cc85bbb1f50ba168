"""The `archiver` command as a user runs it: demo, summary, serve, and the live status line on a terminal."""

from __future__ import annotations

import json
import os
import pty
import select
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import REPO, rows, run_archiver
from tests.sitegen import build_custom_cards


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory):
    """`archiver demo --no-serve` run three times in the same folder, as `make demo` three times would."""
    work = tmp_path_factory.mktemp("demo")
    blog_port = str(_free_port())  # the default (4000) might be taken by another test run on this machine
    runs = [run_archiver("demo", "--no-serve", "--blog-port", blog_port, cwd=work, timeout=180) for _ in range(3)]
    return {"work": work, "result": runs[0], "runs": runs, "db": work / "data" / "archive.db"}


def test_demo_crawls_the_bundled_blog_into_data_archive_db(demo_run):
    assert demo_run["result"].returncode == 0, demo_run["result"].stderr
    count = rows(demo_run["db"], "select count(*) n from posts")[0]["n"]
    assert count == 24


def test_demo_run_three_times_leaves_one_blog_of_24_posts(demo_run):
    assert [run.returncode for run in demo_run["runs"]] == [0, 0, 0], demo_run["runs"][-1].stderr
    assert rows(demo_run["db"], "select count(*) n from sites")[0]["n"] == 1
    assert rows(demo_run["db"], "select count(*) n from posts")[0]["n"] == 24
    for run in demo_run["runs"][1:]:  # a re-crawl of an unchanged blog says so
        assert "unchanged since the last crawl: no new or updated posts" in run.stdout


def test_demo_prints_sites_posts_and_date_range(demo_run):
    out = demo_run["result"].stdout
    assert "1 site, 24 posts, published 2023-" in out
    assert " to 2025-" in out
    assert "[24 posts found on 5 listing pages]" in out


def test_demo_archive_has_chinese_and_english_posts_with_bodies(demo_run):
    langs = {r["lang"] for r in rows(demo_run["db"], "select distinct lang from posts")}
    assert any(lang and lang.startswith("zh") for lang in langs) and any(lang and lang.startswith("en") for lang in langs)
    empty = rows(demo_run["db"], "select url from posts where content_text is null or length(content_text) < 200")
    assert empty == []


def test_summary_command_reads_the_archive(demo_run):
    result = run_archiver("summary", "--db", str(demo_run["db"]), cwd=demo_run["work"])
    assert result.returncode == 0
    assert "24 posts" in result.stdout


def test_summary_of_a_missing_archive_is_a_clear_error(tmp_path):
    result = run_archiver("summary", "--db", str(tmp_path / "nope.db"), cwd=tmp_path)
    assert result.returncode != 0
    assert "no archive at" in result.stderr


def test_serve_opens_the_archive_in_datasette(demo_run):
    port = _free_port()
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    process = subprocess.Popen(
        [sys.executable, "-m", "archiver.cli", "serve", "--db", str(demo_run["db"]), "--port", str(port)],
        cwd=demo_run["work"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 30
        payload = None
        while time.monotonic() < deadline:
            try:
                url = f"http://127.0.0.1:{port}/archive/posts.json?_shape=array&_size=5"
                with urllib.request.urlopen(url, timeout=2) as response:
                    payload = json.load(response)
                break
            except OSError:
                time.sleep(0.3)
        assert payload is not None, "Datasette did not answer"
        published = [p["published"] for p in payload]
        assert len(payload) == 5 and published == sorted(published, reverse=True)
    finally:
        process.terminate()
        process.wait(timeout=10)
    # Stopping `archiver serve` stops Datasette too: nothing is left listening on the port.
    with socket.socket() as probe:
        assert probe.connect_ex(("127.0.0.1", port)) != 0


def _run_in_terminal(args: list[str], cwd: Path) -> tuple[int, str]:
    """Run a command with a pseudo-terminal as its stdout/stderr, as a user's shell would."""
    env = {**os.environ, "PYTHONPATH": str(REPO), "COLUMNS": "120", "TERM": "xterm"}
    controller, terminal = pty.openpty()
    process = subprocess.Popen(args, cwd=cwd, env=env, stdin=terminal, stdout=terminal, stderr=terminal)
    os.close(terminal)
    output = b""
    while True:
        ready, _, _ = select.select([controller], [], [], 0.5)
        if ready:
            try:
                chunk = os.read(controller, 65536)
            except OSError:
                break
            if not chunk:
                break
            output += chunk
        elif process.poll() is not None:
            break
    process.wait(timeout=60)
    os.close(controller)
    return process.returncode, output.decode("utf-8", "replace")


def test_progress_line_shows_on_a_terminal_and_not_in_a_pipe(tmp_path, serve):
    site = tmp_path / "site"
    build_custom_cards(site, n_posts=4)
    url = serve(site)
    code, screen = _run_in_terminal(
        [sys.executable, "-m", "archiver.cli", "crawl", url, "--db", str(tmp_path / "tty.db"),
         "-s", "AUTOTHROTTLE_ENABLED=False"],
        tmp_path,
    )
    assert code == 0, screen
    assert "pages fetched" in screen and "posts archived" in screen
    piped = run_archiver("crawl", url, "--db", str(tmp_path / "pipe.db"), cwd=tmp_path)
    assert "pages fetched" not in piped.stdout + piped.stderr


def _wait_for(url: str, process: subprocess.Popen, seconds: float = 60) -> bytes:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                return response.read()
        except OSError:
            if process.poll() is not None:
                raise AssertionError(f"exited: {process.stderr.read().decode()[-2000:]}") from None
            time.sleep(0.3)
    raise AssertionError(f"{url} did not answer")


def test_demo_serves_the_example_blog_while_datasette_runs(tmp_path):
    blog_port, port = _free_port(), _free_port()
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    process = subprocess.Popen(
        [sys.executable, "-m", "archiver.cli", "demo", "--db", str(tmp_path / "demo.db"), "--port", str(port),
         "--blog-port", str(blog_port)],
        cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )
    try:
        posts = json.loads(_wait_for(f"http://127.0.0.1:{port}/demo/posts.json?_shape=array&_size=3", process))
        assert len(posts) == 3
        for post in posts:  # the "Original" links lead somewhere while the archive is open
            assert post["url"].startswith(f"http://127.0.0.1:{blog_port}/")
            with urllib.request.urlopen(post["url"], timeout=5) as response:
                assert response.status == 200
    finally:
        process.terminate()
        process.wait(timeout=20)
    for used in (port, blog_port):  # both stop with the demo
        with socket.socket() as probe:
            assert probe.connect_ex(("127.0.0.1", used)) != 0


def test_demo_on_a_busy_blog_port_says_so(tmp_path):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        result = run_archiver("demo", "--no-serve", "--blog-port", str(busy.getsockname()[1]),
                              "--db", str(tmp_path / "a.db"), cwd=tmp_path)
    assert result.returncode == 1
    assert "cannot serve the example blog" in result.stderr and "--blog-port" in result.stderr


def test_status_lists_a_blog_crawled_once_without_registering_it(demo_run):
    result = run_archiver("status", "--db", str(demo_run["db"]), cwd=demo_run["work"])
    assert result.returncode == 0, result.stderr
    (line,) = result.stdout.splitlines()
    assert line.startswith("Byte Garden  [not registered]  last crawl ")
    assert " ok; posts 24 (new 0, updated 0, removed 0); errors 0; warnings 0" in line


HELP_CASES = [
    (("export", "--help"), ["jsonl", "csv", "markdown", "html", "atom", "sqlite", "warc", "SQLite archive to read."]),
    (("summary", "--help"), ["SQLite archive to read."]),
    (("serve", "--help"), ["SQLite archive to read.", "Port Datasette listens on."]),
    (("status", "--help"), ["SQLite archive to read."]),
    (("sites", "list", "--help"), ["SQLite archive to read."]),
    (("publish", "--help"), ["SQLite archive to read."]),
    (("demo", "--help"), ["Interface Datasette listens on", "Port Datasette listens on.", "--blog-port"]),
    (("crawl", "--help"), ["SQLite archive to write."]),
]


@pytest.mark.parametrize("args, expected", HELP_CASES, ids=[" ".join(case[0]) for case in HELP_CASES])
def test_help_says_what_each_option_does(args, expected, tmp_path):
    result = run_archiver(*args, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    text = " ".join(result.stdout.split())
    for phrase in expected:
        assert phrase in text, phrase
    if "SQLite archive to read." in expected:
        assert "SQLite archive to write." not in text


# --- python -m archiver.extract: which kind of page, and that reading -----------------------------------

POST_WITH_SIDEBAR = """<!DOCTYPE html><html lang="en"><head><title>Growing beans on a balcony</title></head><body>
<main><h1>Growing beans on a balcony</h1><p class="date">2024-05-02</p>
<div class="entry"><p>{body}</p><p>{body}</p></div>
<nav class="pager"><a href="/2024/04/tomatoes/">Older: Tomatoes in pots</a> <a href="/2024/06/herbs/">Newer: Herbs</a></nav>
</main>
<aside><h2>Recent posts</h2><ul>
<li><a href="/2024/06/herbs/">Herbs that survive August</a></li>
<li><a href="/2024/04/tomatoes/">Tomatoes in pots</a></li>
<li><a href="/2024/03/soil/">Mixing your own soil</a></li>
<li><a href="/2024/02/seeds/">Seeds worth saving</a></li>
<li><a href="/2024/01/plan/">Planning the season</a></li>
</ul></aside></body></html>"""
LISTING = """<!DOCTYPE html><html lang="en"><head><title>Balcony Garden</title></head><body><h1>Balcony Garden</h1>
{entries}<a rel="next" href="/page/2/">Older posts</a></body></html>"""
ENTRY = """<div class="card"><h2><a href="/2024/0{n}/post-{n}/">Post number {n} about plants</a></h2>
<p class="date">2024-0{n}-01</p><p>The {n}th post tells how the plants did this month and what comes next.</p></div>"""


def _extract(tmp_path: Path, html_text: str, url: str, *options: str) -> dict:
    page = tmp_path / "page.html"
    page.write_text(html_text, encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "archiver.extract", str(page), "--url", url, *options],
                            capture_output=True, text=True, check=False, cwd=REPO)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_extract_says_a_post_page_is_a_post_and_prints_only_that_reading(tmp_path):
    body = "Beans climb anything you give them, so a balcony rail is enough to start. " * 8
    data = _extract(tmp_path, POST_WITH_SIDEBAR.format(body=body), "https://garden.example/2024/05/beans/")
    assert data["kind"] == "post" and "listing" not in data
    assert data["post"]["title"] == "Growing beans on a balcony"
    assert any("outside the main text" in signal for signal in data["kind_signals"])


def test_extract_says_a_listing_is_a_listing(tmp_path):
    page = LISTING.format(entries="".join(ENTRY.format(n=n) for n in range(1, 6)))
    data = _extract(tmp_path, page, "https://garden.example/")
    assert data["kind"] == "listing" and "post" not in data
    assert len(data["listing"]["entries"]) == 5
    both = _extract(tmp_path, page, "https://garden.example/", "--as", "both")
    assert {"listing", "post"} <= set(both)


@pytest.mark.parametrize(
    "counts, expected",
    [
        ({"posts_new": 1, "posts_updated": 1, "errors": 1},
         "archived: 1 new and 1 updated post in a.db; 1 problem logged (table crawl_errors) [m]"),
        ({"posts_new": 2, "posts_updated": 3, "errors": 2},
         "archived: 2 new and 3 updated posts in a.db; 2 problems logged (table crawl_errors) [m]"),
        ({}, "unchanged since the last crawl: no new or updated posts in a.db [m]"),
    ],
)
def test_the_last_line_counts_in_words_that_agree(counts, expected, capsys):
    from archiver.cli import _report
    from archiver.runner import CrawlOutcome

    _report(CrawlOutcome("ok", "m", **counts), Path("a.db"))
    assert capsys.readouterr().out.strip() == expected
