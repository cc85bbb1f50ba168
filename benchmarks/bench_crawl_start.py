"""How long a crawl of one new blog takes to send its first request, into an empty archive and into a large one.

A crawl reads what earlier crawls learned by indexed lookups when it needs it (archiver.store.memory), so the
size of the archive should cost nothing before the first request. Built here: an archive of --posts posts (and
as many fetched pages, and --crawls earlier crawls of other blogs), with small bodies (row counts are what a
whole-archive load would pay for, not body size). Then `archiver crawl` of a small blog served on 127.0.0.1 runs
into an empty archive and into the large one; the server notes when the first request arrives. Reported: seconds
from launching the command to its first request, for both, and the difference (what the archive's size costs).

Run from the repository root: .venv/bin/python -m benchmarks.bench_crawl_start [--posts 200000] [--runs 3]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from archiver.store import Archive

REPO = Path(__file__).resolve().parent.parent
POSTS_ON_BLOG = 3


class _Blog(BaseHTTPRequestHandler):
    """A three-post blog; the server notes when its first request of a run arrived."""

    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        server: _Server = self.server  # type: ignore[assignment]
        if server.first_request is None:
            server.first_request = time.monotonic()
        path = self.path.split("?")[0]
        if path == "/":
            items = "".join(
                f'<article class="post"><h2 class="entry-title"><a href="/p/{n}/">Post {n}</a></h2>'
                f'<time datetime="2024-01-0{n}">2024-01-0{n}</time><p class="entry-summary">Text {n}.</p></article>'
                for n in range(1, POSTS_ON_BLOG + 1)
            )
            body = f"<html><body><main>{items}</main></body></html>".encode()
            status = 200
        elif path.startswith("/p/"):
            body, status = b"<html><body><article><h1>Post</h1><p>Body.</p></article></body></html>", 200
        else:
            body, status = b"not here", 404
        self.send_response(status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    first_request: float | None = None


def build_archive(path: Path, posts: int, crawls: int) -> None:
    """An archive of `posts` posts of one big blog with a pages row each, and `crawls` finished crawls."""
    with Archive(path) as archive:
        site_id = archive.upsert_site(url="https://big.example.org/", title="Big", engine=None, theme=None,
                                      feeds=[], sitemaps=[], lang="en")
        crawl_id = archive.start_crawl(["https://big.example.org/"], {"bench": True})
        batch = 2000
        for start in range(0, posts, batch):
            numbers = range(start, min(posts, start + batch))
            archive.save_posts([{
                "site_id": site_id, "url": f"https://big.example.org/posts/{n}/", "url_key": f"big.example.org/posts/{n}",
                "title": f"Post {n}", "excerpt": f"Excerpt of post {n}.", "published": "2024-01-01",
                "content_text": f"Body of post {n}.", "page_status": 200, "listing_hash": f"{n:040x}",
                "page_fetched_at": "2024-01-02T00:00:00+00:00",
            } for n in numbers], crawl_id)
            archive.record_pages([{
                "url": f"https://big.example.org/posts/{n}/", "url_key": f"big.example.org/posts/{n}", "kind": "post",
                "site_id": site_id, "status": 200, "etag": f'"{n:x}"', "content_hash": f"{n:064x}",
            } for n in numbers], crawl_id)
        archive.finish_crawl(crawl_id, "ok", {"sites": {}})
        for number in range(crawls):
            other = archive.start_crawl([f"https://blog{number}.example.net/"], {"bench": True})
            archive.finish_crawl(other, "ok", {"sites": {f"blog{number}.example.net": {"complete": True}}})


def first_request_seconds(db: Path, workdir: Path) -> float:
    """Seconds from launching `archiver crawl` of the three-post blog into `db` to its first request."""
    server = _Server(("127.0.0.1", 0), _Blog)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/"
        command = [sys.executable, "-m", "archiver.cli", "crawl", url, "--db", str(db), "--no-warc",
                   "-s", "AUTOTHROTTLE_ENABLED=False"]
        launched = time.monotonic()
        result = subprocess.run(command, cwd=workdir, env={**os.environ, "PYTHONPATH": str(REPO)},
                                capture_output=True, text=True, check=False)
        if result.returncode != 0 or server.first_request is None:
            raise SystemExit(f"crawl failed ({result.returncode}): {result.stderr[-2000:]}")
        return server.first_request - launched
    finally:
        server.shutdown()
        server.server_close()


def main() -> None:
    """Build the archive, time the first request of crawls into an empty and the large archive."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--posts", type=int, default=200_000)
    parser.add_argument("--crawls", type=int, default=2000, help="earlier crawls of other blogs in the archive")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        big = work / "big.db"
        started = time.perf_counter()
        build_archive(big, args.posts, args.crawls)
        print(f"archive of {args.posts} posts, {args.posts} pages, {args.crawls + 1} crawls built in "
              f"{time.perf_counter() - started:.0f} s ({big.stat().st_size / 1e6:.0f} MB)")
        empty_times, big_times = [], []
        for run in range(args.runs):
            empty_times.append(first_request_seconds(work / f"empty-{run}.db", work))
            big_times.append(first_request_seconds(big, work))
        empty, large = min(empty_times), min(big_times)
        print(f"launch -> first request, empty archive:        {empty:.2f} s (best of {args.runs})")
        print(f"launch -> first request, {args.posts}-post archive: {large:.2f} s (best of {args.runs})")
        print(f"what the archive's size costs before the first request: {large - empty:+.2f} s")


if __name__ == "__main__":
    main()
