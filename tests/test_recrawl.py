"""Re-crawls: cheap when nothing changed, every change caught when something did, nothing ever lost."""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.conftest import REPO, TEST_SETTINGS, rows, run_archiver
from tests.sitegen import build_wordpress


def _crawl(url: str, db: Path, cwd: Path, *extra: str) -> subprocess.CompletedProcess:
    return run_archiver("crawl", url, "--db", str(db), *extra, cwd=cwd)


def _last_crawl(db: Path) -> dict:
    return rows(db, "select * from crawls order by id desc limit 1")[0]


def test_unchanged_blog_recrawl_asks_only_the_first_listing_page(tmp_path, serve):
    site = tmp_path / "site"
    build_wordpress(site, n_posts=30)
    url, db = serve(site), tmp_path / "a.db"
    assert _crawl(url, db, tmp_path).returncode == 0
    again = _crawl(url, db, tmp_path)
    assert again.returncode == 0, again.stderr
    last = _last_crawl(db)
    # robots.txt and a 304 for the home page: nothing else is fetched (no feed either: nothing new to fill)
    assert last["pages_fetched"] <= 2
    statuses = [r["status"] for r in rows(db, "select status from pages where crawl_id = ?", last["id"])]
    assert statuses == [304]
    assert rows(db, "select count(*) n from posts where last_crawl_id = ?", last["id"])[0]["n"] == 5


def test_every_unchanged_recrawl_stays_cheap_not_only_the_first(tmp_path, serve):
    """An early stop at an unchanged page confirms what the archive holds: the next re-crawl may stop early too
    (it used to count as incomplete, so every other re-crawl walked the whole pagination again)."""
    site = tmp_path / "site"
    build_wordpress(site, n_posts=30)
    url, db = serve(site), tmp_path / "a.db"
    for _ in range(3):
        result = _crawl(url, db, tmp_path)
        assert result.returncode == 0, result.stderr
        last = _last_crawl(db)
    assert last["pages_fetched"] <= 2
    assert [r["status"] for r in rows(db, "select status from pages where crawl_id = ?", last["id"])] == [304]


def _dated_later(site: Path) -> None:
    """Date every file of the site two seconds ahead: a rebuilt blog's pages must not look as old as what the last
    crawl saw (Last-Modified has one-second resolution; this is exact where waiting a second was not)."""
    later = time.time() + 2
    for path in site.rglob("*"):
        if path.is_file():
            os.utime(path, (later, later))


def _edit_post(site: Path, path: str, old: str, new: str) -> None:
    page = site / path.strip("/") / "index.html"
    page.write_text(page.read_text("utf-8").replace(old, new), "utf-8")


def test_changes_are_caught_versions_kept_and_vanished_posts_marked_removed(tmp_path, serve):
    site = tmp_path / "site"
    gold = build_wordpress(site, n_posts=12)
    url, db = serve(site), tmp_path / "a.db"
    assert _crawl(url, db, tmp_path).returncode == 0

    # Take a post of the second page off the blog (every later listing page shifts), and edit a post of the
    # first page (its excerpt there and its page).
    edited, deleted = gold[2], gold[8]
    shutil.rmtree(site / deleted.path.strip("/"))
    build_wordpress(site, n_posts=12, without=(8,))
    for listing in [site / "index.html", *site.glob("page/*/index.html")]:
        listing.write_text(listing.read_text("utf-8").replace(edited.excerpt_start, "A rewritten summary."), "utf-8")
    _edit_post(site, edited.path, edited.body, "The body was rewritten entirely.")
    _dated_later(site)

    result = _crawl(url, db, tmp_path)
    assert result.returncode == 0, result.stderr
    last = _last_crawl(db)
    assert last["posts_updated"] == 1
    row = rows(db, "select * from posts where url like ?", f"%{edited.path}")[0]
    assert row["excerpt"].startswith("A rewritten summary.") and "rewritten entirely" in row["content_text"]
    versions = rows(db, "select * from post_versions where post_id = ?", row["id"])
    assert len(versions) == 1 and edited.body in versions[0]["content_text"]
    gone = rows(db, "select url, removed_at from posts where removed_at is not null")
    assert [g["url"].endswith(deleted.path) for g in gone] == [True]
    assert rows(db, "select count(*) n from posts")[0]["n"] == 12  # marked, never deleted


def test_full_recrawl_fetches_every_post_again(tmp_path, serve):
    site = tmp_path / "site"
    build_wordpress(site, n_posts=8)
    url, db = serve(site), tmp_path / "a.db"
    assert _crawl(url, db, tmp_path).returncode == 0
    assert _crawl(url, db, tmp_path, "--full").returncode == 0
    last = _last_crawl(db)
    assert rows(db, "select count(*) n from pages where crawl_id = ? and kind = 'post'", last["id"])[0]["n"] == 8


def test_theme_change_that_hides_most_posts_warns_and_removes_nothing(tmp_path, serve):
    site = tmp_path / "site"
    build_wordpress(site, n_posts=24, per_page=12)
    url, db = serve(site), tmp_path / "a.db"
    assert _crawl(url, db, tmp_path).returncode == 0
    # The new theme's listing shows only three posts and no more pages.
    build_wordpress(site, n_posts=3, per_page=12)
    shutil.rmtree(site / "page")
    _dated_later(site)
    result = _crawl(url, db, tmp_path)
    assert result.returncode == 4, result.stderr
    assert "far fewer posts on the listings than last time (3 vs 24)" in result.stderr
    assert rows(db, "select count(*) n from posts where removed_at is not null")[0]["n"] == 0


def _archive_rows(db: Path) -> list[tuple]:
    return [
        tuple(r.values())
        for r in rows(db, "select url_key, title, excerpt, published, content_hash from posts order by url_key")
    ]


def test_crawl_killed_midway_then_rerun_ends_like_an_uninterrupted_one(tmp_path, serve):
    site = tmp_path / "site"
    build_wordpress(site, n_posts=60, per_page=6)
    url = serve(site)
    reference = tmp_path / "reference.db"
    assert _crawl(url, reference, tmp_path).returncode == 0

    db = tmp_path / "killed.db"
    args = [sys.executable, "-m", "archiver.cli", "crawl", url, "--db", str(db)]
    for setting in (*TEST_SETTINGS, "CONCURRENT_REQUESTS=2", "DOWNLOAD_DELAY=0.02", "ARCHIVER_BATCH_SIZE=5"):
        args += ["-s", setting]
    process = subprocess.Popen(args, cwd=tmp_path, env={**os.environ, "PYTHONPATH": str(REPO)},
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    target = random.Random(7).randint(8, 40)  # a point somewhere in the middle of the crawl
    while time.monotonic() < deadline:
        if db.exists():
            try:
                if rows(db, "select count(*) n from posts")[0]["n"] >= target:
                    break
            except Exception:
                pass  # the archive is being created
        time.sleep(0.05)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=10)
    killed_at = rows(db, "select count(*) n from posts")[0]["n"]
    assert 0 < killed_at < 60

    again = _crawl(url, db, tmp_path)
    assert again.returncode == 0, again.stderr
    assert _archive_rows(db) == _archive_rows(reference)


def test_a_killed_crawl_is_marked_interrupted_by_the_next_crawl_of_the_archive(tmp_path, serve):
    site = tmp_path / "site"
    build_wordpress(site, n_posts=6)
    (site / "_headers.json").write_text('{"/": {"delay": 30, "times": 1}}')  # the first crawl hangs on its start
    url, db = serve(site), tmp_path / "a.db"
    args = [sys.executable, "-m", "archiver.cli", "crawl", url, "--db", str(db), "-s", "AUTOTHROTTLE_ENABLED=False",
            "-s", "DOWNLOAD_TIMEOUT=60"]
    process = subprocess.Popen(args, cwd=tmp_path, env={**os.environ, "PYTHONPATH": str(REPO)},
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        running: list[dict] = []
        while not running and time.monotonic() < deadline:  # until its crawls row says it runs
            try:
                running = rows(db, "select * from crawls where status = 'running'") if db.exists() else []
            except Exception:
                running = []  # the archive is being created
            time.sleep(0.05)
        assert running and running[0]["pid"] == process.pid
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)
    killed = running[0]["id"]
    assert rows(db, "select status from crawls where id = ?", killed)[0]["status"] == "running"  # nobody said more

    again = _crawl(url, db, tmp_path)
    assert again.returncode == 0, again.stderr
    row = rows(db, "select * from crawls where id = ?", killed)[0]
    assert row["status"] == "interrupted" and str(process.pid) in row["message"]
    assert _last_crawl(db)["status"] == "ok"
