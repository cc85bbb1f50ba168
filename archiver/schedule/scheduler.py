"""`archiver schedule`: crawl each registered site when it is due, all in one long-running Scrapy crawl.

One BlogSpider runs for as long as the scheduler does (keep_open); when a site is due (archiver.schedule.timing:
an interval after the end of its last crawl, or a cron fire time since then) it is handed to the spider, which
crawls it beside the others: politeness per host (Scrapy's download slots), at most `max_parallel` blogs at once
(ARCHIVER_BLOGS_IN_FLIGHT), each blog its own rules, crawls row, outcome and monitoring; a failing site only
fails its own crawl. One crawl per site at a time. The registry is re-read every `sync_seconds`, so
`sites add/remove` apply without a restart. On SIGTERM/SIGINT no new crawl starts and the running ones stop
(Scrapy's graceful stop: each records how far it got); the process is stopped after `stop_timeout` seconds
whatever happens.
"""

from __future__ import annotations

import logging
import random
import signal
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from archiver.crawl.state import Blog
from archiver.schedule.registry import blog_specs, site_label
from archiver.schedule.timing import next_due, parse_schedule, parse_time

LOGGER_NAME = "archiver.schedule"
LOG_FORMAT = "%(asctime)s %(levelname)s %(message)s"
TICK_SECONDS = 0.5  # how often due sites are looked for (the registry itself is re-read every sync_seconds)


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
    return logger


@dataclass
class SchedulerOptions:
    """How `archiver schedule` runs."""

    db: Path
    max_parallel: int = 100  # blogs crawled at once
    jitter: int = 30  # seconds added at random to each run
    overrides: dict[str, Any] = field(default_factory=dict)  # settings for the crawl (-s NAME=VALUE)
    log_dir: Path | None = None  # default: logs/ beside the archive (data/logs/ for the default archive)
    sync_seconds: float = 30.0
    stop_timeout: float = 10.0


@dataclass
class _Site:
    """A registered site as the scheduler follows it."""

    url: str
    label: str
    schedule_text: str
    spec: Any
    last_end: datetime | None = None  # when its last crawl ended (or began, if it never ended)
    running: bool = False
    due_at: datetime | None = None  # due, to be handed to the crawl at this time (after its jitter)


class CrawlScheduler:
    """Registered sites, each handed to one long-running crawl when it is due."""

    def __init__(self, options: SchedulerOptions) -> None:
        self.options = options
        self.db = Path(options.db).resolve()
        self.log = logging.getLogger(LOGGER_NAME)
        self.sites: dict[str, _Site] = {}
        self.started_at: dict[str, float] = {}
        self.spider: Any = None
        self.crawler: Any = None
        self.stopping = False
        self.last_sync = 0.0

    # -- the registry ------------------------------------------------------------------------------------

    def sync(self) -> None:
        """Follow the registry: new sites, removed ones, changed schedules or rules."""
        from archiver.store import Archive

        try:
            with Archive(self.db) as archive:
                registered = {site["url"]: site for site in archive.list_sites()}
        except Exception as error:  # a locked or broken archive must not stop the scheduler
            self.log.error("could not read the sites registry: %s", error)
            return
        for url in list(self.sites):
            if url not in registered:
                self.log.info("%s: removed from the registry, no longer scheduled", self.sites.pop(url).label)
        now = datetime.now(UTC)
        for url, site in registered.items():
            schedule = parse_schedule(site["schedule"])
            if schedule is None:
                self.log.error("%s: unreadable schedule %r, not scheduled", url, site["schedule"])
                continue
            known = self.sites.get(url)
            spec = blog_specs([site])[0]
            if known is not None:
                known.spec, known.label = spec, site_label(site)
                if known.schedule_text != site["schedule"]:
                    known.schedule_text, known.due_at = site["schedule"], None
                continue
            crawl = site["last_crawl"]
            last = parse_time(crawl["finished"] or crawl["started"]) if crawl else None
            self.sites[url] = _Site(url, site_label(site), site["schedule"], spec, last)
            first = max(next_due(schedule, last, now), now)
            self.log.info("%s: scheduled %s, first crawl at %s", site_label(site), site["schedule"],
                          first.isoformat(timespec="seconds"))

    def tick(self) -> None:
        """Re-read the registry when it is time, and hand every due site to the crawl."""
        if self.stopping or self.spider is None:
            return
        if time.monotonic() - self.last_sync >= self.options.sync_seconds:
            self.last_sync = time.monotonic()
            self.sync()
        now = datetime.now(UTC)
        ready = []
        for site in self.sites.values():
            if site.running:
                continue
            schedule = parse_schedule(site.schedule_text)
            if schedule is None or next_due(schedule, site.last_end, now) > now:
                continue
            if site.due_at is None:
                site.due_at = now + timedelta(seconds=random.uniform(0, self.options.jitter or 0))
            if site.due_at <= now:
                site.due_at, site.running = None, True
                ready.append(site.spec)
        if ready:
            self.spider.add_blogs(ready)

    # -- the crawl's signals -----------------------------------------------------------------------------

    def blog_started(self, blog: Blog) -> None:
        self.started_at[blog.start_url] = time.monotonic()
        self.log.info("%s: crawl started", blog.name)

    def blog_finished(self, blog: Blog) -> None:
        from archiver.runner import CrawlOutcome

        seconds = time.monotonic() - self.started_at.pop(blog.start_url, time.monotonic())
        site = self.sites.get(blog.start_url)
        if site is not None:
            site.running, site.last_end = False, datetime.now(UTC)
        outcome = self.crawler_state().blog_outcome(blog)
        code = CrawlOutcome(outcome.status, outcome.message, warnings=outcome.warnings).exit_code
        written = blog.written
        self.log.info("%s | %s: %d new and %d updated posts, %d problems [%s]", blog.name, outcome.status,
                      written.posts_new, written.posts_updated, written.errors, outcome.message)
        if code == 0:
            self.log.info("%s: crawl finished in %.1fs", blog.name, seconds)
        else:
            self.log.error("%s: crawl failed (exit code %s) after %.1fs", blog.name, code, seconds)

    def crawler_state(self) -> Any:
        from archiver.crawl.state import CrawlState

        return CrawlState.of(self.crawler)

    # -- running and stopping ----------------------------------------------------------------------------

    def request_stop(self, signum: int | None = None, _frame: object = None) -> None:
        """Stop handing out crawls, and stop the running ones (signal handler)."""
        from twisted.internet import reactor

        if self.stopping:
            return
        self.stopping = True
        if signum is not None:
            self.log.info("received %s: stopping", signal.Signals(signum).name)
        reactor.callFromThread(self._stop_crawl)

    def _stop_crawl(self) -> None:
        from twisted.internet import reactor

        if self.crawler is not None:
            self.crawler.stop()
        # Whatever happens, the process ends: a crawl that does not stop in time is cut off.
        reactor.callLater(self.options.stop_timeout, lambda: reactor.running and reactor.stop())

    def run(self) -> int:
        """Run until SIGTERM/SIGINT; returns the exit code."""
        from scrapy import signals as scrapy_signals
        from scrapy.crawler import CrawlerProcess
        from twisted.internet import task

        from archiver.runner import crawl_settings, quiet_loggers
        from archiver.spiders.blog import BlogSpider
        from archiver.spiders.signals import blog_finished, blog_started

        overrides = {"LOG_LEVEL": "WARNING", "ARCHIVER_PROGRESS": "off", **self.options.overrides,
                     "ARCHIVER_BLOGS_IN_FLIGHT": self.options.max_parallel}
        settings = crawl_settings(self.db, overrides)
        process = CrawlerProcess(settings, install_root_handler=True)
        quiet_loggers(settings)
        self.crawler = process.create_crawler(BlogSpider)

        def opened(spider: Any) -> None:
            self.spider = spider
            # After the store pipeline's own handlers: a blog's row exists, and is finished, before it is logged.
            self.crawler.signals.connect(self.blog_started, signal=blog_started)
            self.crawler.signals.connect(self.blog_finished, signal=blog_finished)
            self.tick()

        self.crawler.signals.connect(opened, signal=scrapy_signals.spider_opened)
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, self.request_stop)
        self.log.info("scheduler started: archive %s, at most %d blogs at once, jitter %ss",
                      self.db, self.options.max_parallel, self.options.jitter)
        self.last_sync = time.monotonic()
        self.sync()
        process.crawl(self.crawler, keep_open=True)
        ticker = task.LoopingCall(self.tick)
        ticker.start(TICK_SECONDS, now=False)
        process.start(install_signal_handlers=False)
        self.log.info("scheduler stopped")
        return 0
