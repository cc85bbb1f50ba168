"""Shared test helpers: serving fixture sites on 127.0.0.1 and running the `archiver` command as a user would."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
# Fast, deterministic crawls in tests: no politeness delays against our own local server.
TEST_SETTINGS = (
    "AUTOTHROTTLE_ENABLED=False",
    "ARCHIVER_RETRY_BACKOFF_BASE=0.05",
    "DOWNLOAD_TIMEOUT=2",
    "RETRY_TIMES=1",
)


@pytest.fixture
def serve():
    """Serve a folder on 127.0.0.1; returns its base URL. Servers stop at the end of the test."""
    from archiver.demo.server import serve_directory

    handles = []

    def start(root: Path) -> str:
        handle = serve_directory(root)
        handles.append(handle)
        return handle.url.rstrip("/") + "/"

    yield start
    for handle in handles:
        handle.stop()


def run_archiver(*args: str, cwd: Path, timeout: int = 120, test_settings: bool = True) -> subprocess.CompletedProcess:
    """Run `archiver ARGS` in a subprocess (Scrapy's Twisted reactor stays out of the test process)."""
    extra: list[str] = []
    if test_settings and args and args[0] == "crawl":
        for setting in TEST_SETTINGS:
            extra += ["-s", setting]
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run(
        [sys.executable, "-m", "archiver.cli", *args, *extra],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


@contextmanager
def crawled_site(tmp_path_factory, name: str, build) -> Iterator[dict]:
    """Build a fixture blog with `build(root)`, serve it, crawl it once with `archiver crawl`; for module fixtures.

    Yields gold (what `build` returned), db, result, url and work (the folder the command ran in)."""
    from archiver.demo.server import serve_directory

    root = tmp_path_factory.mktemp(f"{name}-site")
    gold = build(root)
    handle = serve_directory(root)
    try:
        work = tmp_path_factory.mktemp(f"{name}-work")
        db = work / "archive.db"
        url = handle.url + "/"
        result = run_archiver("crawl", url, "--db", str(db), cwd=work)
        yield {"gold": gold, "db": db, "result": result, "url": url, "work": work}
    finally:
        handle.stop()


def rows(db: Path, sql: str, *params) -> list[dict]:
    """Query a SQLite file the way a user would, as dicts."""
    connection = sqlite3.connect(db)
    connection.row_factory = sqlite3.Row
    try:
        return [dict(r) for r in connection.execute(sql, params)]
    finally:
        connection.close()


@pytest.fixture
def workdir(tmp_path: Path) -> Iterator[Path]:
    """A scratch folder to run the command in (its data/ is where the default archive goes)."""
    yield tmp_path
