"""`archiver schedule`: a real scheduler process crawls each registered site on time, survives a failing site
and stops cleanly on SIGTERM; --print-cron / --print-systemd give ready-to-install lines and units."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import threading
from datetime import datetime
from pathlib import Path

import pytest

from archiver.schedule.render import cron_to_calendar, interval_cron
from tests.conftest import REPO, TEST_SETTINGS, rows, run_archiver
from tests.sitegen import build_custom_cards, build_wordpress

INTERVAL = 3  # seconds; allowed because the test lowers the minimum through the environment
DEAD_URL = "http://127.0.0.1:9/"  # the discard port: nothing listens, connections are refused


def _register(db: Path, cwd: Path, url: str, *args: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "archiver.cli", "sites", "add", url, "--db", str(db), *args],
        cwd=cwd, env=_env(), capture_output=True, text=True, check=False,
    )
    assert result.returncode == 0, result.stderr


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(REPO), "ARCHIVER_MIN_INTERVAL_SECONDS": "1"}


def _finished_crawls(db: Path, url: str) -> list[dict]:
    return rows(db, "SELECT started, finished, status FROM crawls WHERE start_urls = ? AND finished IS NOT NULL "
                    "ORDER BY id", f'["{url}"]')


# Not a wait: the test follows the scheduler's log line by line (each read waits for the next line). This only
# bounds how long a broken build can hang the suite: the scheduler is killed, its output ends, the test fails.
HANG_GUARD = 900


def _read_log_until(process: subprocess.Popen, seen: list[str], wanted) -> None:
    """Read the scheduler's log a line at a time into `seen` until `wanted(seen)` holds; fail if it ends first."""
    for line in process.stdout:
        seen.append(line)
        if wanted(seen):
            return
    pytest.fail("the scheduler's log ended first:\n" + "".join(seen[-40:]))


def _said(lines: list[str], text: str) -> int:
    return sum(text in line for line in lines)


def _log_time(output: str, event: str, occurrence: int) -> datetime:
    """When the scheduler's log says `event` for the n-th time (0-based)."""
    stamps = [line[:23] for line in output.splitlines() if line[24:].split(" ", 1)[-1].startswith(event)]
    return datetime.strptime(stamps[occurrence], "%Y-%m-%d %H:%M:%S,%f")


def test_scheduler_crawls_each_site_on_time_survives_a_failing_one_and_stops_on_sigterm(tmp_path, serve):
    build_wordpress(tmp_path / "wp", n_posts=4, per_page=2)
    build_custom_cards(tmp_path / "cards", n_posts=3, per_page=2)
    wp_url, cards_url = serve(tmp_path / "wp"), serve(tmp_path / "cards")
    db = tmp_path / "data" / "archive.db"
    _register(db, tmp_path, DEAD_URL, "--every", f"{INTERVAL}s", "--name", "dead")
    _register(db, tmp_path, wp_url, "--every", f"{INTERVAL}s", "--name", "wp")
    _register(db, tmp_path, cards_url, "--every", f"{INTERVAL}s", "--name", "cards")

    settings = [arg for setting in TEST_SETTINGS for arg in ("-s", setting)]
    scheduler = subprocess.Popen(
        [sys.executable, "-m", "archiver.cli", "schedule", "--db", str(db), "--jitter", "0", "--max-parallel", "3",
         "--sync-every", "1", *settings],
        cwd=tmp_path, env=_env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    guard = threading.Timer(HANG_GUARD, scheduler.kill)
    guard.start()
    seen: list[str] = []
    try:
        # Until each site was crawled twice, then until a third round starts (logged once its crawls row is made):
        # the SIGTERM meets running crawls.
        _read_log_until(scheduler, seen, lambda lines: all(_said(lines, f"{name}: crawl finished") >= 2
                                                          for name in ("wp", "cards")))
        rounds = _said(seen, "crawl started")
        _read_log_until(scheduler, seen, lambda lines: _said(lines, "crawl started") > rounds)
        scheduler.send_signal(signal.SIGTERM)
        # --stop-timeout is 10 s: it ends by itself, its output ends with it.
        output = "".join(seen) + scheduler.stdout.read()
        scheduler.wait()
    finally:
        guard.cancel()
        if scheduler.poll() is None:
            scheduler.kill()
            scheduler.wait()

    assert scheduler.returncode == 0, output
    assert "received SIGTERM: stopping" in output and output.rstrip().endswith("scheduler stopped")
    for name, url in (("wp", wp_url), ("cards", cards_url)):
        crawls = _finished_crawls(db, url)
        assert len(crawls) >= 2 and crawls[0]["status"] == crawls[1]["status"] == "ok", crawls
        # Due again INTERVAL after the previous crawl ended, never sooner (a lower bound only: a loaded machine can
        # make a crawl late, never early).
        finished = _log_time(output, f"{name}: crawl finished", 0)
        started = _log_time(output, f"{name}: crawl started", 1)
        assert (started - finished).total_seconds() >= INTERVAL - 0.5, output
        gap = datetime.fromisoformat(crawls[1]["started"]) - datetime.fromisoformat(crawls[0]["finished"])
        assert gap.total_seconds() >= INTERVAL - 1, crawls
    dead = _finished_crawls(db, DEAD_URL)
    # Every crawl of the dead site failed, but the last one may have been interrupted by the SIGTERM first.
    assert dead and dead[0]["status"] == "failed"
    assert all(crawl["status"] in ("failed", "partial") for crawl in dead)
    assert "dead: crawl failed (exit code 1)" in output
    assert rows(db, "SELECT count(*) AS n FROM crawls WHERE finished IS NULL")[0]["n"] == 0, "no crawl left hanging"
    logs = list((tmp_path / "data" / "logs").glob("schedule-*.log"))
    assert len(logs) == 1 and "wp: crawl finished" in logs[0].read_text("utf-8")


def test_print_cron_and_systemd_use_absolute_paths(tmp_path: Path) -> None:
    db = tmp_path / "a.db"
    run_archiver("sites", "add", "https://blog.example/", "--every", "6h", "--name", "ex", "--db", str(db),
                 cwd=tmp_path)
    run_archiver("sites", "add", "https://notes.example/", "--cron", "30 2 * * 1-5", "--db", str(db), cwd=tmp_path)
    run_archiver("sites", "add", "https://odd.example/", "--every", "2h30m", "--db", str(db), cwd=tmp_path)

    cron = run_archiver("schedule", "--print-cron", "--db", str(db), cwd=tmp_path)
    assert cron.returncode == 0, cron.stderr
    jobs = [line for line in cron.stdout.splitlines() if line and not line.startswith("#")]
    assert len(jobs) == 3
    every_6h, weekdays, odd = jobs
    assert every_6h.split()[1].endswith("-23/6") and every_6h.split()[2:5] == ["*", "*", "*"]
    assert weekdays.startswith("30 2 * * 1-5 ")
    assert odd.startswith("*/5 * * * * ") and " crawl --due https://odd.example/ " in odd
    for line in jobs:
        executable = line.split()[5]
        assert Path(executable).is_absolute() and Path(executable).exists()
        assert f"--db {db.absolute()}" in line and f">> {tmp_path / 'logs'}/cron-" in line

    units = run_archiver("schedule", "--print-systemd", "--db", str(db), cwd=tmp_path).stdout
    assert "# --- blog-archiver-ex.service ---" in units and "# --- blog-archiver-ex.timer ---" in units
    assert "OnUnitActiveSec=6h" in units and "OnCalendar=Mon..Fri *-*-* 2:30:00" in units
    assert f"ExecStart={Path(sys.executable).parent / 'archiver'} crawl --all https://blog.example/ --db {db}" in units


def test_cron_expressions_for_intervals_and_calendars() -> None:
    assert interval_cron(60, "https://a.example/") == "* * * * *"
    assert interval_cron(9000, "https://a.example/") is None  # 2h30m: no exact cron, polled instead
    minute = int(interval_cron(3600, "https://a.example/").split()[0])
    assert interval_cron(3600, "https://a.example/") == f"{minute} * * * *"
    assert cron_to_calendar("0 */6 * * *") == "*-*-* 0/6:0:00"
    assert cron_to_calendar("5 4 * * sun") == "Sun *-*-* 4:5:00"
    assert cron_to_calendar("0 0 1 * 1") is None  # cron ORs day and weekday; systemd would AND them


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze not installed")
@pytest.mark.parametrize("expression", ["0 */6 * * *", "30 2 * * 1-5", "*/15 * * * *", "0 0 1,15 * *"])
def test_calendars_are_valid_for_systemd(expression: str) -> None:
    calendar = cron_to_calendar(expression)
    checked = subprocess.run(["systemd-analyze", "calendar", calendar], capture_output=True, text=True, check=False)
    assert checked.returncode == 0, checked.stderr
