"""Distributed crawl throughput: posts archived per second with 1, 2 and 3 `archiver worker` processes (and the
one-process `archiver crawl` for comparison) against blogbench's synthetic blog served on 127.0.0.1.

Needs redis-server (Debian package) and blogbench beside the project (../shared/blogbench, or $BLOGBENCH).
Run from the repository root: .venv/bin/python -m benchmarks.bench_distributed [--posts 2000] [--workers 1,2,3]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
BLOGBENCH = Path(os.environ.get("BLOGBENCH", REPO.parent / "shared" / "blogbench")) / "blogbench"
# Our own local server: no politeness delays (the same settings as the tests).
LOCAL_SETTINGS = ("AUTOTHROTTLE_ENABLED=False", "LOG_LEVEL=WARNING")
ENV = {**os.environ, "PYTHONPATH": str(REPO)}


def free_port() -> int:
    """A TCP port nobody listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int) -> None:
    """Block until something accepts connections on 127.0.0.1:port."""
    for _ in range(400):
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise RuntimeError(f"nothing listens on port {port}")


def archiver(*args: str) -> list[str]:
    """The argv of `archiver ARGS` with the local settings."""
    settings = [arg for pair in LOCAL_SETTINGS for arg in ("-s", pair)]
    return [sys.executable, "-m", "archiver.cli", *args, *settings]


def timed_crawl(argv: list[str], db: Path) -> tuple[float, int]:
    """(wall seconds, posts archived) of one crawl command."""
    started = time.perf_counter()
    result = subprocess.run(argv, env=ENV, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - started
    if result.returncode != 0:
        raise RuntimeError(f"{argv[3]} exited {result.returncode}: {result.stderr[-1500:]}")
    import sqlite3

    with sqlite3.connect(db) as connection:
        posts = connection.execute("SELECT count(*) FROM posts").fetchone()[0]
    return elapsed, posts


def distributed_run(start_url: str, redis_url: str, workers: int, db: Path) -> tuple[float, int, float]:
    """(wall seconds of the writer, posts archived, CPU seconds of the workers) with this many workers."""
    processes = [
        subprocess.Popen(archiver("worker", redis_url, "--exit-when-idle"), env=ENV,
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(workers)
    ]
    try:
        time.sleep(1.5)  # let the workers start, so the figure is the crawl and not Python's start-up
        elapsed, posts = timed_crawl(archiver("crawl", start_url, "--db", str(db), "--distributed", redis_url), db)
        cpu = 0.0
        for process in processes:
            _, status, usage = os.wait4(process.pid, 0)
            process.returncode = os.waitstatus_to_exitcode(status)
            cpu += usage.ru_utime + usage.ru_stime
        return elapsed, posts, cpu
    finally:
        for process in processes:
            if process.returncode is None and process.poll() is None:
                process.kill()


def main() -> int:
    """Print one table row per configuration."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=2000)
    parser.add_argument("--workers", default="1,2,3")
    args = parser.parse_args()
    redis_server = shutil.which("redis-server")
    if redis_server is None or not BLOGBENCH.exists():
        print(f"skipped: needs redis-server ({redis_server or 'missing'}) and blogbench ({BLOGBENCH})")
        return 0
    with tempfile.TemporaryDirectory(prefix="bench-distributed-") as tmp:
        work = Path(tmp)
        site = work / "blog"
        subprocess.run([sys.executable, str(BLOGBENCH), "synth", str(site), "--posts", str(args.posts)],
                       check=True, capture_output=True)
        expected = len(json.loads((site / "site.json").read_text("utf-8"))["posts"])
        web_port, redis_port = free_port(), free_port()
        servers = [
            subprocess.Popen([sys.executable, str(BLOGBENCH), "serve", str(site), "--port", str(web_port)],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL),
            subprocess.Popen([redis_server, "--port", str(redis_port), "--bind", "127.0.0.1", "--save", "",
                              "--appendonly", "no", "--dir", str(work)],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL),
        ]
        try:
            wait_for_port(web_port)
            wait_for_port(redis_port)
            start_url = f"http://127.0.0.1:{web_port}/"
            redis_url = f"redis://127.0.0.1:{redis_port}/0"
            print(f"{expected}-post synthetic blog on 127.0.0.1, {os.cpu_count()} CPUs; writer + N workers + "
                  "web server + redis on the same machine")
            print(f"{'configuration':<28} {'posts':>6} {'seconds':>8} {'posts/s':>8} {'worker CPU s':>13}")
            elapsed, posts = timed_crawl(archiver("crawl", start_url, "--db", str(work / "single.db")),
                                         work / "single.db")
            print(f"{'archiver crawl (1 process)':<28} {posts:>6} {elapsed:>8.1f} {posts / elapsed:>8.1f} {'-':>13}")
            for count in (int(n) for n in args.workers.split(",")):
                db = work / f"distributed-{count}.db"
                elapsed, posts, cpu = distributed_run(start_url, redis_url, count, db)
                label = f"--distributed, {count} worker{'s' if count > 1 else ''}"
                print(f"{label:<28} {posts:>6} {elapsed:>8.1f} {posts / elapsed:>8.1f} {cpu:>13.1f}", flush=True)
                if posts != expected:
                    print(f"  ! {posts} posts archived, expected {expected}")
        finally:
            for server in servers:
                server.terminate()
                server.wait(timeout=10)
    return 0


if __name__ == "__main__":
    sys.exit(main())
