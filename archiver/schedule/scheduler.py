"""`archiver schedule`: a foreground APScheduler that crawls each registered site when it is due.

Each crawl is an `archiver crawl URL` subprocess (Scrapy's reactor runs once per process). One crawl per site at a
time (max_instances=1, coalesce), at most `max_parallel` at once (the executor's pool size), with jitter. A
failing site only fails its own subprocess. The registry is re-read every `sync_seconds`, so `sites add/remove`
take effect without a restart. On SIGTERM/SIGINT the scheduler stops starting crawls and terminates the
running ones (SIGTERM: Scrapy's graceful stop, the crawl records how far it got), killing any still running
after `stop_timeout` seconds.
"""

from __future__ import annotations

import contextlib
import logging
import random
import signal
import subprocess
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from apscheduler.jobstores.base import JobLookupError
from apscheduler.schedulers import SchedulerNotRunningError

from archiver.schedule.registry import run_site_crawl, site_label
from archiver.schedule.timing import next_due, parse_schedule, parse_time

LOGGER_NAME = "archiver.schedule"
LOG_FORMAT = "%(asctime)s %(levelname)s %(message)s"


class DailyFileHandler(logging.FileHandler):
    """Log to `DIR/schedule-YYYY-MM-DD.log`, moving to a new file when the (local) day changes."""

    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.day = date.today()
        super().__init__(self._path(self.day), encoding="utf-8", delay=True)

    def _path(self, day: date) -> Path:
        return self.directory / f"schedule-{day.isoformat()}.log"

    def emit(self, record: logging.LogRecord) -> None:
        today = date.today()
        if today != self.day:
            self.acquire()
            try:
                self.close()
                self.day = today
                self.baseFilename = str(self._path(today).resolve())
            finally:
                self.release()
        super().emit(record)


def setup_logging(log_dir: Path, *, echo: bool = True) -> logging.Logger:
    """The scheduler's logger: a file per day in `log_dir`, and stderr when `echo`."""
    logger = logging.getLogger(LOGGER_NAME)
    logger.setLevel(logging.INFO)
    logger.handlers.clear()
    logger.propagate = False
    handlers: list[logging.Handler] = [DailyFileHandler(log_dir)]
    if echo:
        handlers.append(logging.StreamHandler())
    for handler in handlers:
        handler.setFormatter(logging.Formatter(LOG_FORMAT))
        logger.addHandler(handler)
    # APScheduler's own complaints (a run skipped because the site's previous crawl still runs) go to the log.
    aps = logging.getLogger("apscheduler")
    aps.setLevel(logging.WARNING)
    aps.handlers = list(handlers)
    aps.propagate = False
    return logger


@dataclass
class SchedulerOptions:
    """How `archiver schedule` runs."""

    db: Path
    max_parallel: int = 2
    jitter: int = 30  # seconds added at random to each run
    extra_args: list[str] = field(default_factory=list)  # passed to each `archiver crawl`
    log_dir: Path | None = None  # default: logs/ beside the archive (data/logs/ for the default archive)
    sync_seconds: float = 30.0
    stop_timeout: float = 10.0


class CrawlScheduler:
    """Registered sites as APScheduler jobs, each running its crawl in a subprocess."""

    def __init__(self, options: SchedulerOptions) -> None:
        from apscheduler.executors.pool import ThreadPoolExecutor
        from apscheduler.schedulers.background import BackgroundScheduler

        self.options = options
        self.db = Path(options.db).resolve()
        self.log = logging.getLogger(LOGGER_NAME)
        self.stop_event = threading.Event()
        self.running: dict[str, subprocess.Popen] = {}
        self.lock = threading.Lock()
        self.job_schedules: dict[str, str] = {}  # job id (site URL) -> its schedule text
        self.scheduler = BackgroundScheduler(
            executors={"default": ThreadPoolExecutor(max_workers=max(1, options.max_parallel))},
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None},
            timezone=UTC,
        )

    # -- the registry as jobs ----------------------------------------------------------------------------

    def _registered_sites(self) -> list[dict[str, Any]]:
        from archiver.store import Archive

        with Archive(self.db) as archive:
            return archive.list_sites()

    def sync(self) -> None:
        """Make the jobs match the registry: add new sites, drop removed ones, follow changed schedules."""
        try:
            sites = {site["url"]: site for site in self._registered_sites()}
        except Exception as error:  # a locked or broken archive must not stop the scheduler
            self.log.error("could not read the sites registry: %s", error)
            return
        for url in list(self.job_schedules):
            if url not in sites or sites[url]["schedule"] != self.job_schedules[url]:
                self.scheduler.remove_job(url)
                del self.job_schedules[url]
                if url not in sites:
                    self.log.info("%s: removed from the registry, no longer scheduled", url)
        now = datetime.now(UTC)
        for url, site in sites.items():
            if url in self.job_schedules:
                continue
            schedule = parse_schedule(site["schedule"])
            if schedule is None:
                self.log.error("%s: unreadable schedule %r, not scheduled", url, site["schedule"])
                continue
            crawl = site["last_crawl"]
            last = parse_time(crawl["finished"] or crawl["started"]) if crawl else None
            first = max(next_due(schedule, last, now), now) + self._jitter()
            self.scheduler.add_job(
                self._crawl_job, schedule.trigger(self.options.jitter), args=[url], id=url,
                name=site_label(site), next_run_time=first,
            )
            self.job_schedules[url] = site["schedule"]
            self.log.info("%s: scheduled %s, first crawl at %s", site_label(site), site["schedule"],
                          first.isoformat(timespec="seconds"))

    def _jitter(self) -> timedelta:
        return timedelta(seconds=random.uniform(0, self.options.jitter)) if self.options.jitter else timedelta()

    # -- one crawl ---------------------------------------------------------------------------------------

    def _crawl_job(self, url: str) -> None:
        if self.stop_event.is_set():
            return
        site = next((s for s in self._registered_sites() if s["url"] == url), None)
        if site is None:
            return
        label = site_label(site)
        started = time.monotonic()
        self.log.info("%s: crawl started", label)

        def track(process: subprocess.Popen) -> None:
            with self.lock:
                self.running[url] = process
            if self.stop_event.is_set():  # a stop arrived while this crawl was starting
                process.terminate()

        try:
            result = run_site_crawl(
                site, self.db, self.options.extra_args, on_start=track, own_session=True,
                on_line=lambda line: self.log.info("%s | %s", label, line),
            )
        except Exception as error:
            self.log.error("%s: crawl could not run: %s", label, error)
            return
        finally:
            with self.lock:
                self.running.pop(url, None)
        seconds = time.monotonic() - started
        if result.returncode == 0:
            self.log.info("%s: crawl finished in %.1fs", label, seconds)
        else:
            self.log.error("%s: crawl failed (exit code %s) after %.1fs", label, result.returncode, seconds)
        self._reschedule_interval(site)

    def _reschedule_interval(self, site: dict[str, Any]) -> None:
        """An interval counts from the end of the last crawl (as `crawl --due` does), not from its start."""
        schedule = parse_schedule(site["schedule"])
        if schedule is None or schedule.every is None or self.stop_event.is_set():
            return
        next_run = datetime.now(UTC) + timedelta(seconds=schedule.every) + self._jitter()
        # The job may have gone meanwhile (site removed, scheduler stopping).
        with contextlib.suppress(JobLookupError, SchedulerNotRunningError):
            self.scheduler.modify_job(site["url"], next_run_time=next_run)

    # -- running and stopping ----------------------------------------------------------------------------

    def request_stop(self, signum: int | None = None, _frame: object = None) -> None:
        """Ask the scheduler to stop (signal handler)."""
        if signum is not None:
            self.log.info("received %s: stopping", signal.Signals(signum).name)
        self.stop_event.set()

    def run(self) -> int:
        """Run until SIGTERM/SIGINT; returns the exit code."""
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, self.request_stop)
        self.log.info("scheduler started: archive %s, at most %d crawls at once, jitter %ss",
                      self.db, self.options.max_parallel, self.options.jitter)
        self.scheduler.start()
        try:
            self.sync()
            while not self.stop_event.wait(self.options.sync_seconds):
                self.sync()
        finally:
            self.shutdown()
        return 0

    def shutdown(self) -> None:
        """Stop starting crawls, terminate the running ones, kill those still alive after stop_timeout."""
        self.stop_event.set()
        self.scheduler.pause()  # no new crawl starts; running jobs finish once their process is gone
        with self.lock:
            processes = dict(self.running)
        for url, process in processes.items():
            self.log.info("%s: stopping its running crawl", url)
            process.terminate()
        deadline = time.monotonic() + self.options.stop_timeout
        for url, process in processes.items():
            try:
                process.wait(timeout=max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                self.log.warning("%s: crawl did not stop in %ss, killed", url, self.options.stop_timeout)
                process.kill()
                process.wait()
        self.scheduler.shutdown(wait=True)  # let each job log how its crawl ended before we say we stopped
        self.log.info("scheduler stopped")
