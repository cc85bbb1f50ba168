"""One crawl of a blog whose server misbehaves every way we know (tests/faultserver.py), by the real `archiver
crawl` in a subprocess: every post is archived with its real title or logged with its URL in crawl_errors, none
silently missing; the crawl ends by itself, says how it went in one line, and its peak RSS stays under 500 MB."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from tests.conftest import REPO, rows
from tests.faultserver import FAULTS, FaultServer

PEAK_RSS_MB = 500
CRAWL_TIMEOUT = 300  # seconds; the crawl must end by itself well before
SETTINGS = (
    "AUTOTHROTTLE_ENABLED=False",
    "ARCHIVER_RETRY_BACKOFF_BASE=0.05",
    "DOWNLOAD_TIMEOUT=4",  # the hanging post costs this twice; the slow drip needs about 1 s
    "RETRY_TIMES=1",
)


def _crawl_measured(url: str, db: Path, cwd: Path) -> tuple[int, str, float]:
    """Run `archiver crawl` and return (exit code, its output, its own peak RSS in MB)."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    command = [sys.executable, "-m", "archiver.cli", "crawl", url, "--db", str(db),
               *(arg for setting in SETTINGS for arg in ("-s", setting))]
    child = subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    timer = threading.Timer(CRAWL_TIMEOUT, child.kill)  # a crawl that never ends fails the test, not the suite
    timer.start()
    try:
        output = child.stdout.read().decode("utf-8", "replace") if child.stdout else ""
        _, status, usage = os.wait4(child.pid, 0)  # this child's own rusage
    finally:
        timer.cancel()
    child.returncode = os.waitstatus_to_exitcode(status)
    return child.returncode, output, usage.ru_maxrss / 1024


@pytest.fixture(scope="module")
def fault_crawl(tmp_path_factory):
    work = tmp_path_factory.mktemp("faults")
    db = work / "archive.db"
    with FaultServer() as server:
        code, output, rss = _crawl_measured(server.url, db, work)
        hits = dict(server.hits)
    return {"code": code, "output": output, "rss": rss, "db": db, "server": server, "hits": hits, "work": work}


def test_the_crawl_ends_by_itself_with_one_line(fault_crawl):
    output = fault_crawl["output"].strip()
    assert fault_crawl["code"] == 0, output  # problems with single URLs are logged, not a failed crawl
    assert "Traceback" not in output
    assert len(output.splitlines()) == 1 and output.startswith("archived"), output


def test_peak_rss_stays_under_500_mb(fault_crawl):
    # The 50 MB page and the 256 MB gzip bomb are refused at the 16 MB size limit, never held whole.
    assert fault_crawl["rss"] < PEAK_RSS_MB, f"peak RSS {fault_crawl['rss']:.0f} MB"


def test_the_endless_calendar_is_not_walked(fault_crawl):
    calendar = sum(n for path, n in fault_crawl["hits"].items() if path.startswith("/calendar/"))
    assert calendar <= 3, calendar


def _outcome(fault_crawl, post) -> str:
    """'archived' (its page read: real title, its page's own sentence), 'logged' (a crawl_errors row names one of
    its URLs, and its row keeps what the listing showed), or what went wrong."""
    db, base = fault_crawl["db"], fault_crawl["server"].url.rstrip("/")
    found = rows(db, "SELECT title, page_status, content_text FROM posts WHERE url = ?", base + post.path)
    if not found:
        return "missing"
    row = found[0]
    if row["page_status"] == 200 and row["title"] == post.title and post.body in (row["content_text"] or ""):
        return "archived"
    urls = [base + post.path, f"{base}/moved/{post.slug}/", f"{base}/loop/{post.slug}/"]
    logged = rows(db, "SELECT url, kind FROM crawl_errors WHERE crawl_id = (SELECT max(id) FROM crawls)")
    if any(error["url"].startswith(tuple(urls)) for error in logged) and row["title"] == post.title:
        return "logged"
    return f"neither: title {row['title']!r}, page_status {row['page_status']}"


def _cases():
    from tests.faultserver import generated_posts

    return [pytest.param(post, id=post.slug) for post in generated_posts()]


@pytest.mark.parametrize("post", _cases())
def test_every_post_is_archived_with_its_real_title_or_logged_with_its_url(fault_crawl, post):
    assert _outcome(fault_crawl, post) == post.expected


def test_every_fault_is_in_the_blog():
    from tests.faultserver import generated_posts

    assert {p.fault for p in generated_posts() if p.fault} == set(FAULTS)
