"""One crawl of many blogs split over several processes (ARCHIVER_CRAWL_PROCESSES): every blog of a host in the
same process, each blog its own crawls row and outcome, one report and exit code for the crawl, and a signal to the
crawl stopping every process gracefully."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from archiver.crawl.state import BlogSpec
from archiver.demo.server import serve_directory
from archiver.runner import crawl_settings, process_count, split_by_host
from tests.conftest import REPO, TEST_SETTINGS, rows, run_archiver
from tests.sitegen import build_custom_cards, build_wordpress
from tests.test_cli import _run_in_terminal

TWO = ("-s", "ARCHIVER_CRAWL_PROCESSES=2")


@pytest.fixture
def serve_on():
    """Serve a folder on a loopback address of its own (127.0.0.N: a host of its own for Scrapy's slots)."""
    handles = []

    def start(root: Path, host: str) -> str:
        handle = serve_directory(root, host=host)
        handles.append(handle)
        return handle.url + "/"

    yield start
    for handle in handles:
        handle.stop()


def _crawls(db: Path) -> dict[str, dict]:
    return {json.loads(r["start_urls"])[0]: r for r in rows(db, "SELECT * FROM crawls")}


def test_a_hosts_blogs_share_a_process_and_each_blog_keeps_its_row(tmp_path, serve_on):
    gold = {
        serve_on(tmp_path / "a", "127.0.0.2"): build_wordpress(tmp_path / "a", n_posts=7, per_page=3),
        serve_on(tmp_path / "b", "127.0.0.3"): build_custom_cards(tmp_path / "b", n_posts=5, per_page=2),
        serve_on(tmp_path / "c", "127.0.0.3"): build_wordpress(tmp_path / "c", n_posts=4, per_page=3),
    }
    a, b, c = gold
    assert len({a, b, c}) == 3  # ("b" and "c": two ports of one host)
    db = tmp_path / "a.db"
    result = run_archiver("crawl", a, b, c, "--db", str(db), *TWO, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "archived: 16 new and 0 updated posts" in result.stdout, result.stdout
    crawls = _crawls(db)
    assert {url: row["status"] for url, row in crawls.items()} == dict.fromkeys(gold, "ok")
    assert crawls[b]["pid"] == crawls[c]["pid"] != crawls[a]["pid"]  # one process per host, two in all
    assert {url: crawls[url]["posts_new"] for url in gold} == {url: len(posts) for url, posts in gold.items()}
    per_crawl = rows(db, "SELECT last_crawl_id, count(*) n FROM posts GROUP BY last_crawl_id")
    assert {r["last_crawl_id"]: r["n"] for r in per_crawl} == {crawls[u]["id"]: len(p) for u, p in gold.items()}
    assert len(list((tmp_path / "warc").glob("*.warc.gz"))) == 2  # a WARC file per process


def test_registered_blogs_report_one_line_each_in_their_order_and_a_failure_stays_theirs(tmp_path, serve_on):
    wp = serve_on(tmp_path / "wp", "127.0.0.4")
    build_wordpress(tmp_path / "wp", n_posts=4, per_page=3)
    cards = serve_on(tmp_path / "cards", "127.0.0.5")
    build_custom_cards(tmp_path / "cards", n_posts=3, per_page=2)
    dead = "http://127.0.0.6:9/"  # nothing listens there
    db = tmp_path / "a.db"
    listed = tmp_path / "blogs.txt"
    listed.write_text(f"{dead}\n{wp}\n{cards}\n", "utf-8")
    assert run_archiver("sites", "import", str(listed), "--db", str(db), cwd=tmp_path).returncode == 0
    result = run_archiver("crawl", "--all", "--db", str(db), *TWO, cwd=tmp_path)
    assert result.returncode == 3, result.stderr  # some sites failed
    archived = result.stdout.splitlines()  # one line per site, in the registry's order
    assert len(archived) == 2 and "archived: 4 new" in archived[0] and "archived: 3 new" in archived[1], archived
    assert wp.rstrip("/") in archived[0] and cards.rstrip("/") in archived[1], archived
    assert "crawl failed" in result.stderr and "127.0.0.6" in result.stderr, result.stderr
    crawls = _crawls(db)
    assert {url: row["status"] for url, row in crawls.items()} == {dead: "failed", wp: "ok", cards: "ok"}
    assert len({row["pid"] for row in crawls.values()}) == 2


def test_one_progress_line_sums_the_processes(tmp_path, serve_on):
    build_custom_cards(tmp_path / "a", n_posts=3)
    build_custom_cards(tmp_path / "b", n_posts=4)
    code, screen = _run_in_terminal(
        [sys.executable, "-m", "archiver.cli", "crawl", serve_on(tmp_path / "a", "127.0.0.9"),
         serve_on(tmp_path / "b", "127.0.0.10"), "--db", str(tmp_path / "tty.db"), *TWO,
         "-s", "AUTOTHROTTLE_ENABLED=False"],
        tmp_path,
    )
    assert code == 0, screen
    assert "2/2 blogs done (0 in flight, 0 failed)" in screen and "7 posts archived" in screen, screen
    assert len({r["pid"] for r in rows(tmp_path / "tty.db", "SELECT pid FROM crawls")}) == 2


def test_a_signal_stops_every_process_gracefully(tmp_path, serve_on):
    urls = []
    for number, host in enumerate(("127.0.0.7", "127.0.0.8")):
        root = tmp_path / f"slow{number}"
        build_wordpress(root, n_posts=12, per_page=2)
        (root / "_headers.json").write_text('{"/page/2/": {"delay": 30}}')  # each blog's walk hangs here
        urls.append(serve_on(root, host))
    db = tmp_path / "a.db"
    settings = [arg for setting in TEST_SETTINGS if not setting.startswith("DOWNLOAD_TIMEOUT")
                for arg in ("-s", setting)]
    crawl = subprocess.Popen(
        [sys.executable, "-m", "archiver.cli", "crawl", *urls, "--db", str(db), *TWO, "-s", "DOWNLOAD_TIMEOUT=60",
         *settings],
        cwd=tmp_path, env={**os.environ, "PYTHONPATH": str(REPO)}, stderr=subprocess.PIPE, text=True,
    )
    guard = threading.Timer(90, crawl.kill)
    guard.start()
    try:
        deadline = time.monotonic() + 60
        # Both processes have their blog under way (a running crawls row each), which cannot end before its
        # second listing page is answered.
        while time.monotonic() < deadline and crawl.poll() is None:
            try:
                running = rows(db, "SELECT count(DISTINCT pid) n FROM crawls WHERE status = 'running'")[0]["n"]
            except Exception:  # no archive, or no schema, yet
                running = 0
            if running == 2:
                break
            time.sleep(0.1)
        assert crawl.poll() is None
        crawl.send_signal(signal.SIGINT)
        _, stderr = crawl.communicate(timeout=60)
    finally:
        guard.cancel()
        if crawl.poll() is None:
            crawl.kill()
            crawl.wait()
    assert crawl.returncode == 3, stderr  # interrupted: partly done
    crawls = _crawls(db)
    assert {row["status"] for row in crawls.values()} == {"partial"}, crawls
    assert all(row["finished"] for row in crawls.values())
    assert len({row["pid"] for row in crawls.values()}) == 2
    assert "interrupted" in stderr


def test_blogs_are_shared_out_by_host_and_processes_only_when_they_pay():
    specs = [BlogSpec(url) for url in ("http://a.example/", "http://b.example/1/", "http://c.example/",
                                       "http://b.example/2/", "http://d.example/", "http://b.example/3/")]
    shares = split_by_host(specs, 2)
    assert [[s.start_url for s in share] for share in shares] == [
        ["http://b.example/1/", "http://b.example/2/", "http://b.example/3/"],
        ["http://a.example/", "http://c.example/", "http://d.example/"],
    ]
    assert split_by_host(specs, 1) == [specs]
    assert len(split_by_host(specs[:2], 4)) == 2  # never an empty share
    assert process_count(crawl_settings("x.db", {"ARCHIVER_CRAWL_PROCESSES": 3}), 2) == 2
    assert process_count(crawl_settings("x.db", {"ARCHIVER_CRAWL_PROCESSES": 3}), 100) == 3
    assert process_count(crawl_settings("x.db"), 5) == 1  # a few blogs: one process
    assert process_count(crawl_settings("x.db", {"ARCHIVER_CRAWL_PROCESSES": 3, "ARCHIVER_BLOGS_IN_FLIGHT": 1}),
                         100) == 1  # --max-parallel 1: one blog at a time, so one process
