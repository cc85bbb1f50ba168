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
import threading
from collections.abc import Callable, Iterator
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
# Not a wait: every wait below is for an event (a log line, a Redis notification, a process's exit). This only
# bounds how long a broken build can hang the suite before it fails.
HANG_GUARD = 900


def _read_until(process: subprocess.Popen, wanted: Callable[[str], bool]) -> str | None:
    """Read the process's output a line at a time (each read waits for the next line) until a line is `wanted`;
    None when the output ends first (the process exited)."""
    for line in process.stdout:
        if wanted(line):
            return line.strip()
    return None


def _drain(process: subprocess.Popen) -> None:
    """Keep reading what the process prints, so it never blocks on a full pipe."""
    threading.Thread(target=process.stdout.read, daemon=True).start()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory) -> Iterator[str]:
    """A throwaway redis-server on 127.0.0.1 (no persistence), used once it says it accepts connections."""
    port = _free_port()
    workdir = tmp_path_factory.mktemp("redis")
    process = subprocess.Popen(
        [REDIS_SERVER, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
         "--dir", str(workdir)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    said = _read_until(process, lambda line: "Ready to accept connections" in line)
    if said is None:  # a server that never started fails the tests instead of letting them pass
        process.kill()
        pytest.fail(f"redis-server did not start on port {port} (exit code {process.wait()})")
    _drain(process)
    yield f"redis://127.0.0.1:{port}/0"
    process.terminate()
    process.wait(timeout=HANG_GUARD)


@pytest.fixture(scope="module")
def big_blog(tmp_path_factory) -> Iterator[tuple[str, list[dict]]]:
    """blogbench's 2,000-post synthetic blog served on 127.0.0.1: (start URL, gold posts of its site.json)."""
    if not BLOGBENCH.exists():
        pytest.skip(f"blogbench not found at {BLOGBENCH} (the shared harness beside the project)")
    site = tmp_path_factory.mktemp("synth") / "blog"
    subprocess.run([sys.executable, str(BLOGBENCH), "synth", str(site), "--posts", str(POSTS)], check=True,
                   capture_output=True)
    # Port 0: the server picks a free one and says where it listens once it does.
    server = subprocess.Popen([sys.executable, str(BLOGBENCH), "serve", str(site), "--port", "0"],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    said = _read_until(server, lambda line: line.startswith("Start URL: "))
    if said is None:
        server.kill()
        pytest.fail(f"blogbench serve did not start (exit code {server.wait()})")
    _drain(server)
    yield said.split()[2], json.loads((site / "site.json").read_text("utf-8"))["posts"]
    server.terminate()
    server.wait(timeout=HANG_GUARD)


def _start_workers(redis_url: str, count: int, log_dir: Path) -> list[subprocess.Popen]:
    return [
        subprocess.Popen(
            [sys.executable, "-m", "archiver.cli", "worker", redis_url, "--exit-when-idle", "--idle-timeout", str(HANG_GUARD),
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


def _finish(process: subprocess.Popen) -> tuple[int, str, str]:
    """Wait for the writer to end by itself (the crawl is over), and return what it said."""
    try:
        out, err = process.communicate(timeout=HANG_GUARD)
    except subprocess.TimeoutExpired:
        process.kill()
        out, err = process.communicate()
        pytest.fail(f"hung for {HANG_GUARD} s; stderr: {err[-2000:]}")
    return process.returncode, out, err


def _stop(processes: list[subprocess.Popen]) -> None:
    for process in processes:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=HANG_GUARD)


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
            assert worker.wait(timeout=HANG_GUARD) == 0
    finally:
        _stop(workers)


def test_killed_worker_loses_nothing(redis_url, big_blog, tmp_path):
    start_url, gold = big_blog
    db = tmp_path / "archive.db"
    client = redis.Redis.from_url(redis_url)
    workers = _start_workers(redis_url, WORKERS, tmp_path)
    try:
        keys = RedisKeys()
        # Redis tells each answered request (the worker's INCR of the responses counter: an `incrby` event) and each change of the
        # crawl's state: the test acts on those events, never on the clock.
        client.config_set("notify-keyspace-events", "K$h")
        events = client.pubsub()
        events.subscribe(f"__keyspace@0__:{keys.responses}", f"__keyspace@0__:{keys.crawl}")
        writer = _start_writer(start_url, db, redis_url, "ARCHIVER_WORKER_TIMEOUT=3")
        # Kill a worker once the crawl is well under way (a few hundred pages fetched) and it holds requests.
        victim = workers[0]
        while True:
            event = events.get_message(timeout=HANG_GUARD)
            assert event is not None, "no request was answered, nor did the crawl end"
            if event["type"] != "message":  # the subscriptions' confirmations
                continue
            if event["channel"].decode().endswith(keys.crawl):
                status = client.hget(keys.crawl, "status")
                assert status in (None, b"running"), "the crawl ended before a worker could be killed mid-crawl"
                continue
            holds_work = any(f"-{victim.pid}-" in holder for holder in lease_holders(client, keys))
            if int(client.get(keys.responses) or 0) >= 400 and holds_work:
                break
        events.close()
        victim.send_signal(signal.SIGKILL)
        victim.wait(timeout=HANG_GUARD)
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
        code, _, err = _finish(_start_writer("http://127.0.0.1:9/", tmp_path / "a.db", redis_url))
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
