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


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory):
    work = tmp_path_factory.mktemp("demo")
    result = run_archiver("demo", "--no-serve", cwd=work, timeout=180)
    return {"work": work, "result": result, "db": work / "data" / "archive.db"}


def test_demo_crawls_the_bundled_blog_into_data_archive_db(demo_run):
    assert demo_run["result"].returncode == 0, demo_run["result"].stderr
    count = rows(demo_run["db"], "select count(*) n from posts")[0]["n"]
    assert count == 24


def test_demo_prints_sites_posts_and_date_range(demo_run):
    out = demo_run["result"].stdout
    assert "1 sites, 24 posts, published 2023-" in out
    assert " to 2025-" in out


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


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


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
