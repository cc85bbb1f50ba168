"""The project deploys to a real Scrapyd: scrapyd-deploy builds and uploads the egg, schedule.json with
spider=blog, url=... and setting=ARCHIVER_DB=... runs a crawl that writes the archive."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import REPO, TEST_SETTINGS, rows
from tests.sitegen import build_wordpress

SCRAPYD = Path(sys.executable).parent / "scrapyd"
SCRAPYD_DEPLOY = Path(sys.executable).parent / "scrapyd-deploy"
PROJECT = "blog-archiver"
# What `scrapyd-deploy` needs of the repo; a copy keeps its build/ and egg-info out of the working tree.
PROJECT_FILES = ("archiver", "pipelines", "pyproject.toml", "setup.py", "scrapy.cfg", "README.md")

pytestmark = pytest.mark.skipif(
    not (SCRAPYD.exists() and SCRAPYD_DEPLOY.exists()),
    reason="scrapyd / scrapyd-client are not installed (pip install -e '.[test]')",
)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _api(base: str, endpoint: str, data: dict[str, str] | list[tuple[str, str]] | None = None) -> dict:
    body = urllib.parse.urlencode(data).encode() if data is not None else None
    with urllib.request.urlopen(base + endpoint, data=body, timeout=10) as response:
        return json.loads(response.read())


@pytest.fixture
def scrapyd(tmp_path: Path):
    """A Scrapyd on 127.0.0.1 and a free port, in its own working dir; yields its base URL."""
    home = tmp_path / "scrapyd"
    home.mkdir()
    port = _free_port()
    (home / "scrapyd.conf").write_text(
        f"""[scrapyd]
bind_address = 127.0.0.1
http_port = {port}
eggs_dir = {home / "eggs"}
logs_dir = {home / "logs"}
dbs_dir = {home / "dbs"}
items_dir =
max_proc = 2
poll_interval = 0.5
""",
        "utf-8",
    )
    process = subprocess.Popen(
        [str(SCRAPYD)], cwd=home, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    base = f"http://127.0.0.1:{port}/"
    try:
        for _ in range(100):
            try:
                if _api(base, "daemonstatus.json")["status"] == "ok":
                    break
            except OSError:
                time.sleep(0.1)
        else:
            pytest.fail("scrapyd did not start:\n" + (process.stdout.read() if process.poll() is not None else ""))
        yield base, home
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_scrapyd_deploy_then_schedule_writes_the_archive(scrapyd, tmp_path: Path, serve) -> None:
    base, home = scrapyd
    gold = build_wordpress(tmp_path / "blog", n_posts=7, per_page=3)
    blog_url = serve(tmp_path / "blog")

    project = tmp_path / "project"
    project.mkdir()
    for name in PROJECT_FILES:
        source = REPO / name
        if source.is_dir():
            shutil.copytree(source, project / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy(source, project / name)
    config = (project / "scrapy.cfg").read_text("utf-8")
    assert "url = http://127.0.0.1:6800/" in config, "the deploy target users get by default"
    (project / "scrapy.cfg").write_text(config.replace("http://127.0.0.1:6800/", base), "utf-8")

    deployed = subprocess.run(
        [str(SCRAPYD_DEPLOY), "--debug"], cwd=project, capture_output=True, text=True, timeout=120, check=False
    )
    assert deployed.returncode == 0, deployed.stdout + deployed.stderr
    assert _api(base, f"listspiders.json?project={PROJECT}")["spiders"] == ["blog"]

    db = tmp_path / "archive.db"
    settings = [("setting", f"ARCHIVER_DB={db}"), *(("setting", s) for s in TEST_SETTINGS)]
    job = _api(base, "schedule.json", [("project", PROJECT), ("spider", "blog"), ("url", blog_url), *settings])
    assert job["status"] == "ok", job
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        jobs = _api(base, f"listjobs.json?project={PROJECT}")
        if any(j["id"] == job["jobid"] for j in jobs["finished"]):
            break
        time.sleep(0.3)
    else:
        pytest.fail(f"the Scrapyd job did not finish: {jobs}")

    log = next((home / "logs").rglob("*.log"), None)
    crawls = rows(db, "SELECT status, start_urls FROM crawls") if db.exists() else []
    assert crawls and crawls[0]["status"] == "ok", log.read_text("utf-8")[-3000:] if log else "no log"
    assert json.loads(crawls[0]["start_urls"]) == [blog_url]
    titles = {r["title"] for r in rows(db, "SELECT title FROM posts")}
    assert titles == {post.title for post in gold}
