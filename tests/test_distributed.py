"""Distributed crawls for real: Debian's redis-server, 3 `archiver worker` processes and the writer, against
blogbench's 2,000-post synthetic blog served on 127.0.0.1 (one worker SIGKILLed mid-crawl in the second test)."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import REPO, TEST_SETTINGS, rows

REDIS_SERVER = shutil.which("redis-server")
pytestmark = pytest.mark.skipif(
    REDIS_SERVER is None, reason="redis-server is not installed (apt-get install redis-server; .ci/run does)"
)
redis = pytest.importorskip("redis", reason="the distributed extra is not installed (pip install -e '.[test]')")
pytest.importorskip("scrapy_redis", reason="the distributed extra is not installed (pip install -e '.[test]')")

from archiver.distributed.keys import RedisKeys  # noqa: E402
from archiver.distributed.queue import lease_holders  # noqa: E402

POSTS = 2000
WORKERS = 3
ENV = {**os.environ, "PYTHONPATH": str(REPO)}
BLOGBENCH = Path(os.environ.get("BLOGBENCH", REPO.parent / "shared" / "blogbench")) / "blogbench"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory) -> Iterator[str]:
    """A throwaway redis-server on 127.0.0.1 (no persistence)."""
    port = _free_port()
    workdir = tmp_path_factory.mktemp("redis")
    process = subprocess.Popen(
        [REDIS_SERVER, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
         "--dir", str(workdir)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    client = redis.Redis(port=port)
    for _ in range(100):
        try:
            client.ping()
            break
        except redis.ConnectionError:
            time.sleep(0.05)
    yield f"redis://127.0.0.1:{port}/0"
    process.terminate()
    process.wait(timeout=10)


@pytest.fixture(scope="module")
def big_blog(tmp_path_factory) -> Iterator[tuple[str, list[dict]]]:
    """blogbench's 2,000-post synthetic blog served on 127.0.0.1: (start URL, gold posts of its site.json)."""
    if not BLOGBENCH.exists():
        pytest.skip(f"blogbench not found at {BLOGBENCH} (the shared harness beside the project)")
    site = tmp_path_factory.mktemp("synth") / "blog"
    subprocess.run([sys.executable, str(BLOGBENCH), "synth", str(site), "--posts", str(POSTS)], check=True,
                   capture_output=True)
    port = _free_port()
    server = subprocess.Popen([sys.executable, str(BLOGBENCH), "serve", str(site), "--port", str(port)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(200):
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                break
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}/", json.loads((site / "site.json").read_text("utf-8"))["posts"]
    server.terminate()
    server.wait(timeout=10)


def _start_workers(redis_url: str, count: int, log_dir: Path) -> list[subprocess.Popen]:
    return [
        subprocess.Popen(
            [sys.executable, "-m", "archiver.cli", "worker", redis_url, "--exit-when-idle", "--idle-timeout", "60",
             "-s", "AUTOTHROTTLE_ENABLED=False"],
            env=ENV, stdout=subprocess.DEVNULL, stderr=(log_dir / f"worker-{number}.log").open("w"),
        )
        for number in range(count)
    ]


def _start_writer(start_url: str, db: Path, redis_url: str, *settings: str) -> subprocess.Popen:
    args = [arg for setting in (*TEST_SETTINGS, *settings) for arg in ("-s", setting)]
    return subprocess.Popen(
        [sys.executable, "-m", "archiver.cli", "crawl", start_url, "--db", str(db), "--distributed", redis_url, *args],
        env=ENV, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )


def _finish(process: subprocess.Popen, timeout: float = 80) -> tuple[int, str, str]:
    try:
        out, err = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        out, err = process.communicate()
        pytest.fail(f"timed out; stderr: {err[-2000:]}")
    return process.returncode, out, err


def _stop(processes: list[subprocess.Popen]) -> None:
    for process in processes:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=10)


def _assert_archived_once(db: Path, start_url: str, gold: list[dict]) -> None:
    archived = rows(db, "SELECT url, title FROM posts")
    urls = [row["url"] for row in archived]
    assert len(urls) == len(set(urls)) == POSTS
    expected = {start_url.rstrip("/") + post["url"]: post["title"] for post in gold}
    assert {row["url"]: row["title"] for row in archived} == expected


def test_three_workers_archive_every_post_exactly_once(redis_url, big_blog, tmp_path):
    start_url, gold = big_blog
    db = tmp_path / "archive.db"
    workers = _start_workers(redis_url, WORKERS, tmp_path)
    try:
        code, out, err = _finish(_start_writer(start_url, db, redis_url))
        assert code == 0, err[-3000:]
        assert f"archived: {POSTS} new and 0 updated posts" in out
        assert f"[{POSTS} posts found on {POSTS // 10} listing pages]" in out
        _assert_archived_once(db, start_url, gold)
        crawl = rows(db, "SELECT status FROM crawls ORDER BY id DESC LIMIT 1")[0]
        assert crawl["status"] == "ok"
        for worker in workers:  # --exit-when-idle: each worker leaves once the writer says the crawl is over
            assert worker.wait(timeout=20) == 0
    finally:
        _stop(workers)


def test_killed_worker_loses_nothing(redis_url, big_blog, tmp_path):
    start_url, gold = big_blog
    db = tmp_path / "archive.db"
    client = redis.Redis.from_url(redis_url)
    workers = _start_workers(redis_url, WORKERS, tmp_path)
    try:
        writer = _start_writer(start_url, db, redis_url, "ARCHIVER_WORKER_TIMEOUT=3")
        deadline = time.monotonic() + 60
        # Kill a worker once the crawl is well under way (a few hundred pages fetched) and it holds requests.
        victim = workers[0]
        while time.monotonic() < deadline:
            holds_work = any(f"-{victim.pid}-" in holder for holder in lease_holders(client, RedisKeys()))
            if int(client.get("archiver:responses") or 0) >= 400 and holds_work:
                break
            time.sleep(0.01)
        victim.send_signal(signal.SIGKILL)
        victim.wait(timeout=10)
        code, out, err = _finish(writer)
        assert code == 0, err[-3000:]
        assert "requests back in the queue" in err  # the killed worker's leased requests went to the others
        assert f"archived: {POSTS} new and 0 updated posts" in out
        assert f"[{POSTS} posts found on {POSTS // 10} listing pages]" in out
        _assert_archived_once(db, start_url, gold)
    finally:
        _stop(workers)


def test_second_writer_on_the_same_redis_is_refused(redis_url, tmp_path):
    client = redis.Redis.from_url(redis_url)
    client.set("archiver:writer", "someone-else", px=30_000)
    try:
        code, _, err = _finish(_start_writer("http://127.0.0.1:9/", tmp_path / "a.db", redis_url), timeout=30)
        assert code != 0
        assert "another distributed crawl is running" in err
    finally:
        client.delete("archiver:writer")


def test_every_spider_callback_is_committed_through_redis():
    """A callback the worker does not wrap would never release its lease: the crawl would not end. Every request
    BlogSpider makes, whatever its kind, answers to its two entry points, which the worker wraps."""
    from archiver.crawl.visits import FeedVisit, ImageVisit, ListingVisit, PostVisit
    from archiver.distributed.worker import WorkerSpider
    from archiver.extract.model import ListingEntry
    from archiver.spiders.blog import BlogSpider

    spider = BlogSpider(url="http://127.0.0.1:9/")
    blog, post = "http://127.0.0.1:9/", "http://127.0.0.1:9/a/"
    visits = [ListingVisit(url=blog, blog=blog), FeedVisit(url=blog + "feed.xml", blog=blog, root=blog),
              PostVisit(url=post, blog=blog, root=blog, entry=ListingEntry(post), listing_url=blog, entry_hash=""),
              ImageVisit(url=blog + "a.png", blog=blog, root=blog, post_url=post)]
    assert {visit.kind for visit in visits} == set(BlogSpider.handlers)
    names = {name for visit in visits for name in (spider.request(visit).callback.__name__,
                                                     spider.request(visit).errback.__name__)}
    assert names == {"on_response", "on_failure"} and names <= set(vars(WorkerSpider))
