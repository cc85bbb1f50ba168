"""A thousand blogs in one crawl: first crawl, unchanged re-crawl, re-crawl after 1% changed, against a feed poller.

N small blogs (blogbench synth, 20-40 posts each, seeds 1..N) are served from this process, each on its own
loopback address (127.1.x.y:8080), so Scrapy's per-host download slots apply as they would on the internet. All are
registered with one `archiver sites import` (a text file of their URLs), then `archiver crawl --all` runs three
times into one archive:

  1. the first crawl;
  2. an unchanged re-crawl;
  3. a re-crawl after 1% of the blogs changed (each got one new post and one edited post: blogbench synth
     --then-add 1 --then-edit 1, swapped in under the same address).

For each: wall time, requests per blog (counted by the servers), posts/s (posts archived or confirmed per wall
second), peak RSS and CPU seconds of the crawl (rusage of the command: blogbench's launcher). In the same run, the
anchor: a feed poller (a thread pool over urllib + feedparser) doing a conditional GET (ETag/Last-Modified) of every
blog's feed and home page, as a feed reader re-polls: the floor any re-crawl could reach. After the crawls each
blog is scored with blogbench against its current gold (site_score 1.0 = every post found, title, date and excerpt
right).

Run from the repository root: .venv/bin/python -m benchmarks.bench_many_blogs [--blogs 1000] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shlex
import sqlite3
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
BLOGBENCH = Path(os.environ.get("BLOGBENCH", REPO.parent / "shared" / "blogbench"))
ARCHIVER = REPO / ".venv" / "bin" / "archiver"
PORT = 8080
POLLER_THREADS = 32
sys.path.insert(0, str(BLOGBENCH))

from blogbench_lib import runner, scoring, synth  # noqa: E402
from blogbench_lib.corpus import Site  # noqa: E402
from blogbench_lib.server import QuietHTTPServer, RequestHandler, SiteServer  # noqa: E402


def address(number: int) -> str:
    """The loopback address of blog `number` (0-based): 127.1.0.1, 127.1.0.2, ... (Linux routes all of 127/8)."""
    return f"127.1.{number // 250}.{number % 250 + 1}"


class BlogServer(SiteServer):
    """blogbench's server for one site, bound to its own loopback address instead of 127.0.0.1."""

    def __init__(self, site: Site, host: str) -> None:  # noqa: D107 (SiteServer's, with a host)
        self.httpd = QuietHTTPServer((host, PORT), RequestHandler)
        self.httpd.site_server = self
        self.port = PORT
        self.origin = f"http://{host}:{PORT}"
        self.lock = threading.Lock()
        self.counts, self.log = Counter(), []
        self.set_site(site)


def make_blogs(folder: Path, count: int, changed: set[int]) -> list[tuple[Site, Site | None]]:
    """(v1, v2 or None) per blog: synth blogs of 20-40 posts; the changed ones also get a revised v2."""
    rng = random.Random(12)
    blogs = []
    for number in range(count):
        posts = rng.randint(20, 40)
        out = folder / f"blog{number:04d}"
        if not (out / "site.json").exists():
            extra = {"then_add": 1, "then_edit": 1} if number in changed else {}
            synth.write_synth(str(out), posts, per_page=10, seed=number + 1, **extra)
        v2 = folder / f"blog{number:04d}-v2"
        blogs.append((Site(str(out)), Site(str(v2)) if number in changed else None))
    return blogs


def crawl(db: Path, log: Path, extra: str = "") -> dict:
    """`archiver crawl --all` into db, measured by blogbench's launcher (wall, CPU, peak RSS)."""
    command = f"{shlex.quote(str(ARCHIVER))} crawl --all --db {shlex.quote(str(db))} --no-progress {extra}"
    return runner.run_command(command, str(log), timeout=6 * 3600)


def take_requests(servers: list[BlogServer]) -> int:
    return sum(sum(server.take_counts()[0].values()) for server in servers)


def archived_posts(db: Path, crawl_offset: int) -> int:
    """Posts archived or confirmed by the crawls after the first `crawl_offset` ones."""
    with sqlite3.connect(db) as connection:
        return connection.execute(
            "SELECT count(*) FROM posts WHERE last_crawl_id > (SELECT COALESCE(max(id), 0) FROM "
            "(SELECT id FROM crawls ORDER BY id LIMIT ?))", [crawl_offset]).fetchone()[0]


class FeedPoller:
    """A feed reader's re-poll: a conditional GET of each blog's feed and home page, feeds parsed."""

    def __init__(self, servers: list[BlogServer]) -> None:
        self.urls = [url for server in servers for url in (server.origin + "/atom.xml", server.origin + "/")]
        self.validators: dict[str, dict[str, str]] = {}

    def fetch(self, url: str) -> None:
        import feedparser

        request = urllib.request.Request(url, headers=self.validators.get(url, {}))
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                body = response.read()
                headers = response.headers
        except urllib.error.HTTPError as error:
            if error.code == 304:
                return
            raise
        validators = {}
        if headers.get("ETag"):
            validators["If-None-Match"] = headers["ETag"]
        if headers.get("Last-Modified"):
            validators["If-Modified-Since"] = headers["Last-Modified"]
        self.validators[url] = validators
        if url.endswith(".xml"):
            feedparser.parse(body)

    def poll(self) -> float:
        """Wall seconds of one poll of every URL."""
        started = time.monotonic()
        with ThreadPoolExecutor(POLLER_THREADS) as pool:
            list(pool.map(self.fetch, self.urls))
        return time.monotonic() - started


def score(blogs: list[tuple[Site, Site | None]], servers: list[BlogServer], db: Path, folder: Path) -> list[float]:
    """blogbench's site_score of every blog, each read from its own rows of the shared archive."""
    scores = []
    folder.mkdir(parents=True, exist_ok=True)
    with sqlite3.connect(db) as source:
        for (v1, v2), server in zip(blogs, servers, strict=True):
            site = v2 or v1
            part = folder / f"{site.id}.sqlite"
            part.unlink(missing_ok=True)
            rows = source.execute("SELECT url, title, excerpt, published, content_text, updated, author FROM posts "
                                  "WHERE url LIKE ?", [server.origin + "/%"]).fetchall()
            with sqlite3.connect(part) as target:
                target.execute("CREATE TABLE posts (url, title, excerpt, published, content_text, updated, author)")
                target.executemany("INSERT INTO posts VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
            result = scoring.score_site(site, str(part), server.origin, with_content=False)
            scores.append(scoring.ratios(result["counts"], result["applies"])["site_score"])
    return scores


def main() -> None:
    """Build, serve, register, crawl three times, poll, score; print the figures (and JSON with --keep)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--blogs", type=int, default=1000)
    parser.add_argument("--changed", type=float, default=0.01, help="share of blogs changed before crawl 3")
    parser.add_argument("--keep", type=Path, help="keep the blogs, archive and logs here (reused by a later run)")
    parser.add_argument("-s", "--set", dest="settings", action="append", default=[], metavar="NAME=VALUE",
                        help="extra setting for every crawl")
    args = parser.parse_args()
    folder = args.keep or Path(tempfile.mkdtemp(prefix="bench-many-"))
    folder.mkdir(parents=True, exist_ok=True)
    changed = set(random.Random(3).sample(range(args.blogs), max(1, round(args.blogs * args.changed))))
    started = time.monotonic()
    blogs = make_blogs(folder / "blogs", args.blogs, changed)
    total_posts = sum(len(v1.posts) for v1, _ in blogs)
    print(f"{args.blogs} blogs, {total_posts} posts, {len(changed)} to change; built in "
          f"{time.monotonic() - started:.0f} s; load average {os.getloadavg()[0]:.1f}", flush=True)
    servers = [BlogServer(v1, address(number)).start() for number, (v1, _) in enumerate(blogs)]
    db, log = folder / "archive.db", folder / "crawl.log"
    for path in (db, Path(f"{db}-wal"), Path(f"{db}-shm"), log):
        path.unlink(missing_ok=True)
    extra = " ".join(f"-s {shlex.quote(pair)}" for pair in args.settings)
    results = {}
    try:
        urls = folder / "blogs.txt"
        urls.write_text("".join(server.start_url + "\n" for server in servers), "utf-8")
        registered = runner.run_command(f"{shlex.quote(str(ARCHIVER))} sites import {shlex.quote(str(urls))} "
                                        f"--every 1d --db {shlex.quote(str(db))}", str(log), timeout=3600)
        print(f"sites import: {registered['wall_s']:.1f} s", flush=True)
        poller = FeedPoller(servers)
        poller.poll()  # a feed reader's first poll: it learns the validators
        take_requests(servers)
        phases = [("first crawl", None), ("unchanged re-crawl", None), ("re-crawl, 1% changed", "change")]
        print(f"{'phase':<22} {'wall s':>8} {'req/blog':>9} {'posts/s':>8} {'CPU s':>8} {'RSS MB':>7} "
              f"{'poller s':>9} {'load':>5}", flush=True)
        for number, (name, action) in enumerate(phases):
            if action == "change":
                for index in changed:
                    servers[index].set_site(blogs[index][1])
            poll_seconds = poller.poll()
            take_requests(servers)
            measured = crawl(db, log, extra)
            requests = take_requests(servers)
            if measured["rc"] not in (0, 3, 4):
                raise SystemExit(f"{name}: exit code {measured['rc']}; see {log}")
            posts = archived_posts(db, number * args.blogs)
            results[name] = dict(measured, requests_per_blog=requests / args.blogs,
                                 posts_per_s=posts / measured["wall_s"], poller_s=poll_seconds,
                                 load=os.getloadavg()[0])
            print(f"{name:<22} {measured['wall_s']:>8.1f} {requests / args.blogs:>9.2f} "
                  f"{posts / measured['wall_s']:>8.1f} {measured['cpu_s']:>8.1f} {measured['peak_rss_mb']:>7.0f} "
                  f"{poll_seconds:>9.2f} {os.getloadavg()[0]:>5.1f}", flush=True)
        scores = score(blogs, servers, db, folder / "scores")
    finally:
        for server in servers:
            server.stop()
    perfect = sum(1 for value in scores if value == 1.0)
    ratio = results["unchanged re-crawl"]["wall_s"] / results["unchanged re-crawl"]["poller_s"]
    print(f"unchanged re-crawl / feed poller wall: {ratio:.2f}x; blogs scoring 1.0: {perfect}/{len(scores)} "
          f"(lowest {min(scores):.3f})", flush=True)
    if args.keep:
        (folder / "results.json").write_text(json.dumps({"phases": results, "scores": scores}, indent=1), "utf-8")


if __name__ == "__main__":
    main()
