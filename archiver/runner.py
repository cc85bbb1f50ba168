"""Running a crawl in this process, and turning its outcome into an exit code and a one-line message."""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import multiprocessing.connection
import os
import signal
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings
from scrapy.utils.misc import load_object

from archiver import progress
from archiver.crawl.state import BlogSpec, CrawlState, Outcome, Written
from archiver.extract.overrides import SiteRules
from archiver.spiders.blog import BlogSpider

log = logging.getLogger(__name__)

# Exit codes of `archiver crawl`: documented in the README.
EXIT_OK = 0
EXIT_FAILED = 1  # no blog could be crawled
EXIT_PARTIAL = 3  # some of the blogs given failed (or the crawl was interrupted); the others were archived
EXIT_WARNINGS = 4  # archived, but monitoring saw signs of broken extraction (ARCHIVER_FAIL_ON_WARNINGS)


@dataclass
class BlogReport:
    """How the crawl of one blog of a run went."""

    name: str
    start_url: str
    status: str
    message: str
    written: Written
    warnings: list[str] = field(default_factory=list)
    crawl_id: int | None = None


@dataclass
class CrawlOutcome:
    """What a finished crawl reports to the user."""

    status: str  # ok / partial / failed
    message: str
    posts_found: int = 0
    posts_new: int = 0
    posts_updated: int = 0
    posts_removed: int = 0
    errors: int = 0
    crawl_id: int | None = None
    warnings: list[str] = field(default_factory=list)
    fail_on_warnings: bool = True
    blogs: list[BlogReport] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        if self.status == "ok" and self.warnings and self.fail_on_warnings:
            return EXIT_WARNINGS
        return {"ok": EXIT_OK, "partial": EXIT_PARTIAL}.get(self.status, EXIT_FAILED)

    @classmethod
    def of(cls, outcome: Outcome, written: Written | None, crawl_id: int | None,
           fail_on_warnings: bool) -> CrawlOutcome:
        """The report of a crawl from its state's outcome and what the archive got."""
        written = written or Written()
        return cls(
            status=outcome.status, message=outcome.message, posts_found=outcome.posts_found,
            posts_new=written.posts_new, posts_updated=written.posts_updated, posts_removed=written.posts_removed,
            errors=written.errors, crawl_id=crawl_id, warnings=outcome.warnings, fail_on_warnings=fail_on_warnings,
        )

    @classmethod
    def of_state(cls, state: CrawlState) -> CrawlOutcome:
        """The report of every blog a crawl started, and of each of them."""
        return cls.of_blogs(*blog_reports(state), state.options.fail_on_warnings)

    @classmethod
    def of_blogs(cls, reports: list[BlogReport], outcomes: list[Outcome], fail_on_warnings: bool) -> CrawlOutcome:
        """The report of a crawl from each blog's (in one process or several)."""
        if not reports:
            return cls("failed", "the crawl did not start (see the log above)")
        written = Written()
        for report in reports:
            written.add(report.written)
        outcome = cls.of(Outcome.combine(outcomes), written, reports[0].crawl_id, fail_on_warnings)
        outcome.blogs = reports
        return outcome

    def for_blog(self, blog: BlogReport) -> CrawlOutcome:
        """The report `archiver crawl` of that blog alone would have given."""
        written = blog.written
        return CrawlOutcome(blog.status, blog.message, posts_new=written.posts_new,
                            posts_updated=written.posts_updated, posts_removed=written.posts_removed,
                            errors=written.errors, crawl_id=blog.crawl_id, warnings=blog.warnings,
                            fail_on_warnings=self.fail_on_warnings)

    def blog_exit_code(self, blog: BlogReport) -> int:
        """The exit code `archiver crawl` of that blog alone would have given."""
        return self.for_blog(blog).exit_code


def blog_reports(state: CrawlState) -> tuple[list[BlogReport], list[Outcome]]:
    """The report and the outcome of each blog the crawl started."""
    blogs = [blog for blog in state.blogs.values() if blog.started]
    outcomes = [state.blog_outcome(blog) for blog in blogs]
    return [BlogReport(blog.name, blog.start_url, outcome.status, outcome.message, blog.written, outcome.warnings,
                       blog.crawl_id) for blog, outcome in zip(blogs, outcomes, strict=True)], outcomes


# Scrapy components switched off in archiver/settings.py that Scrapy would still import to read its component
# lists (it loads every key of EXTENSIONS and EXTENSIONS_BASE, even one set to None): taken out of the _BASE
# lists, they cost nothing. The remote control imports aiohttp (~0.5 s), the cookies middleware tldextract and
# requests (~0.3 s): most of what a crawl spent before its first request beyond a bare Scrapy spider.
NOT_LOADED = {
    "EXTENSIONS_BASE": ("scrapy.extensions.remote_control.RemoteControl", "scrapy.extensions.telnet.TelnetConsole"),
    "DOWNLOADER_MIDDLEWARES_BASE": ("scrapy.downloadermiddlewares.cookies.CookiesMiddleware",),
}


def project_settings() -> Settings:
    """archiver/settings.py as Scrapy settings, without loading the Scrapy components it switches off."""
    settings = Settings()
    settings.setmodule("archiver.settings", priority="project")
    for name, paths in NOT_LOADED.items():
        components = settings.getdict(name)
        settings.set(name, {path: order for path, order in components.items() if path not in paths},
                     priority="project")
    return settings


def preload_tls_modules() -> None:
    """Import Scrapy's TLS modules (the HTTP download handler needs them before any request) at the cost of their
    code alone, with inspect.stack() answering with the caller's frames (no source files read) and
    inspect.getmodule() naming a frame's module by its globals while they load.

    scrapy.core.downloader.tls and .contextfactory each make deprecated class aliases, and each alias asks
    inspect.stack() only for the module that made it. Imported by the download handler while the engine is built,
    some 50 frames deep, that walk read the source lines of every frame and looked each frame's module up by file
    among every loaded module: 0.15-0.3 s, the largest single cost before a crawl's first request. Called when this
    module is imported: every crawl (one process or several, a distributed worker) starts from here."""
    import inspect
    import sys

    if "scrapy.core.downloader.contextfactory" in sys.modules:
        return
    real_stack, real_getmodule = inspect.stack, inspect.getmodule

    def stack(context: int = 1) -> list[tuple]:
        frame = sys._getframe(1)
        frames = []
        while frame is not None:
            frames.append((frame,))
            frame = frame.f_back
        return frames

    def getmodule(obj: object, _filename: str | None = None) -> object:
        if inspect.isframe(obj) and obj.f_globals.get("__name__") in sys.modules:
            return sys.modules[obj.f_globals["__name__"]]
        return real_getmodule(obj, _filename)

    inspect.stack, inspect.getmodule = stack, getmodule  # type: ignore[assignment]
    try:
        import scrapy.core.downloader.contextfactory  # noqa: F401
    finally:
        inspect.stack, inspect.getmodule = real_stack, real_getmodule


preload_tls_modules()


def crawl_settings(db: Path | str, overrides: dict[str, Any] | None = None) -> Settings:
    """The project's Scrapy settings with the archive path and any overrides applied."""
    settings = project_settings()
    settings.set("ARCHIVER_DB", str(db), priority="cmdline")
    for name, value in (overrides or {}).items():
        settings.set(name, value, priority="cmdline")
    if _level(settings.get("LOG_LEVEL")) > logging.INFO:
        # Scrapy looks up its dependencies' versions (package metadata, a `uname` subprocess) for an INFO line at
        # start, even when the log keeps nothing below WARNING (the default of `archiver crawl` without -v).
        settings.set("LOG_VERSIONS", [], priority="project")
    return settings


def _level(name: str | int | None) -> int:
    if isinstance(name, int):
        return name
    level = logging.getLevelName(str(name or "DEBUG").upper())
    return level if isinstance(level, int) else logging.DEBUG


def quiet_loggers(settings: Settings) -> None:
    """Loggers drop records below LOG_LEVEL before making them: Scrapy leaves its loggers at DEBUG and filters
    in its handler, so every page's "Crawled (200)" line was built and thrown away (3% of a crawl's CPU)."""
    logging.getLogger().setLevel(settings.get("LOG_LEVEL") or "DEBUG")


def run_crawl(
    urls: list[str] | list[BlogSpec], db: Path | str, overrides: dict[str, Any] | None = None,
    rules: SiteRules | None = None,
) -> CrawlOutcome:
    """Crawl the given blogs (start URLs, read with `rules`, or BlogSpecs with their own rules) into the
    archive at `db`, and report how it went: in this process, or split over ARCHIVER_CRAWL_PROCESSES."""
    settings = crawl_settings(db, overrides)
    specs = list({spec.start_url: spec for spec in (
        spec if isinstance(spec, BlogSpec) else BlogSpec(spec, rules) for spec in urls)}.values())
    parts = split_by_host(specs, process_count(settings, len(specs)))
    if len(parts) > 1:
        return _crawl_in_processes(specs, parts, db, overrides or {}, settings)
    process = CrawlerProcess(settings)
    quiet_loggers(settings)
    crawler = process.create_crawler(BlogSpider)
    process.crawl(crawler, blogs=specs)
    process.start()
    return CrawlOutcome.of_state(CrawlState.of(crawler))


# -- one crawl, several processes ------------------------------------------------------------------------------
#
# A crawl of many blogs is bound by one process's CPU (parsing and extraction): with ARCHIVER_CRAWL_PROCESSES it is
# split over several, each a Scrapy process of its own (forked: no second start-up) crawling a share of the blogs
# into the same archive (SQLite's write lock taken per batch; WARC files named by process). A host's blogs all go to
# one process, so its robots.txt, download slot and delays stay one. Each blog keeps its own crawls row; the
# processes send their blogs' outcomes back, and this one reports them as one crawl. A signal to this process
# (Ctrl-C, SIGTERM) is passed on to them as a request to stop: each stops gracefully, recording how far its blogs
# got; a second one stops them at once.

BLOGS_PER_PROCESS = 20  # with ARCHIVER_CRAWL_PROCESSES = 0 (one per CPU): no process for fewer blogs than this
STOP = "stop"


def process_count(settings: Settings, blogs: int) -> int:
    """How many processes crawl `blogs` blogs: ARCHIVER_CRAWL_PROCESSES, or with 0 one per CPU this process may
    use while each gets BLOGS_PER_PROCESS blogs; never more than the blogs, nor than the blogs crawled at once."""
    asked = settings.getint("ARCHIVER_CRAWL_PROCESSES")
    in_flight = max(1, settings.getint("ARCHIVER_BLOGS_IN_FLIGHT"))  # each process crawls one blog at least
    if asked > 0:
        return max(1, min(asked, blogs, in_flight))
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return max(1, min(cpus, blogs // BLOGS_PER_PROCESS, in_flight))


def split_by_host(specs: list[BlogSpec], count: int) -> list[list[BlogSpec]]:
    """`count` shares of the blogs, as even as the hosts allow: every blog of a host in the same share (politeness
    is per host), each share in the order given."""
    if count <= 1 or len(specs) <= 1:
        return [specs]
    hosts: dict[str, list[int]] = {}
    for index, spec in enumerate(specs):
        hosts.setdefault(urlsplit(spec.start_url).hostname or spec.start_url, []).append(index)
    shares: list[list[int]] = [[] for _ in range(count)]
    for indexes in sorted(hosts.values(), key=len, reverse=True):  # the biggest hosts first, each to the least full
        min(shares, key=len).extend(indexes)
    return [[specs[index] for index in sorted(share)] for share in shares if share]


def _crawl_in_processes(specs: list[BlogSpec], parts: list[list[BlogSpec]], db: Path | str,
                        overrides: dict[str, Any], settings: Settings) -> CrawlOutcome:
    """Crawl each share of the blogs in a process of its own; their outcomes as one crawl's."""
    show_progress = progress.wanted(settings.get("ARCHIVER_PROGRESS"))
    # ARCHIVER_BLOGS_IN_FLIGHT bounds the blogs crawled at once, whatever the processes: a share each
    in_flight = max(1, -(-settings.getint("ARCHIVER_BLOGS_IN_FLIGHT") // len(parts)))
    preload_components(settings)
    context = multiprocessing.get_context("fork")
    children = []
    for part in parts:
        ours, theirs = context.Pipe()
        child = context.Process(target=_crawl_share, args=(part, db, overrides, in_flight, show_progress, theirs), daemon=False)
        child.start()
        theirs.close()
        children.append((child, ours))
    results = _collect(children, show_progress)
    order = {spec.start_url: number for number, spec in enumerate(specs)}
    reports: list[tuple[BlogReport, Outcome]] = []
    for number, (child, _) in enumerate(children):
        result = results.get(number)
        if result is not None:
            reports += list(zip(*result, strict=True))
        reported = {report.start_url for report, _ in reports}
        # Blogs its process never started (its crawl failed at the start: see the log) or died before reporting
        # (their crawls rows become interrupted): failed.
        message = ("the crawl process of this blog failed to start it (see the log)" if result is not None else
                   f"the crawl process of this blog ended unexpectedly (exit code {child.exitcode})")
        reports += [(BlogReport(spec.label or spec.start_url, spec.start_url, "failed", message, Written()),
                     Outcome("failed", message)) for spec in parts[number] if spec.start_url not in reported]
    reports.sort(key=lambda pair: order.get(pair[0].start_url, len(order)))
    return CrawlOutcome.of_blogs([report for report, _ in reports], [outcome for _, outcome in reports],
                                 settings.getbool("ARCHIVER_FAIL_ON_WARNINGS"))


COMPONENT_LISTS = ("EXTENSIONS", "DOWNLOADER_MIDDLEWARES", "SPIDER_MIDDLEWARES", "ITEM_PIPELINES", "DOWNLOAD_HANDLERS")
COMPONENTS = ("SCHEDULER", "SCHEDULER_PRIORITY_QUEUE", "DUPEFILTER_CLASS", "STATS_CLASS", "SCHEDULER_MEMORY_QUEUE",
              "SCHEDULER_DISK_QUEUE", "ROBOTSTXT_PARSER", "REQUEST_FINGERPRINTER_CLASS", "LOG_FORMATTER", "DOWNLOADER")


def preload_components(settings: Settings) -> None:
    """Import the Scrapy components a crawl loads (middlewares, pipelines, handlers...) before forking, so each
    process inherits them instead of importing them again (~0.3 s each). Importing them installs no reactor; one
    that fails to import fails in the processes, as it would in one."""
    paths = [value for name in COMPONENTS if isinstance(value := settings.get(name), str)]
    for name in COMPONENT_LISTS:
        paths += [path for path in settings.getwithbase(name).values() if isinstance(path, str)]
    for path in paths:
        with contextlib.suppress(Exception):
            load_object(path)


def _collect(children: list[tuple[Any, Any]], show_progress: bool) -> dict[int, tuple[list, list]]:
    """Wait for every process, passing signals on as stop requests and drawing their summed progress."""
    results: dict[int, tuple[list, list]] = {}
    figures = {number: progress.Progress() for number in range(len(children))}
    open_ends = {connection: number for number, (_, connection) in enumerate(children)}

    def stop(signum: int, frame: Any) -> None:
        for connection in open_ends:
            with contextlib.suppress(OSError):
                connection.send(STOP)

    previous = {signum: signal.signal(signum, stop) for signum in (signal.SIGINT, signal.SIGTERM)}
    view = progress.ProgressView() if show_progress else None
    try:
        while open_ends:
            for connection in multiprocessing.connection.wait(list(open_ends), timeout=progress.REFRESH_SECONDS):
                number = open_ends[connection]
                try:
                    kind, payload = connection.recv()
                except (EOFError, OSError):
                    del open_ends[connection]
                    continue
                if kind == "progress":
                    figures[number] = payload
                else:
                    results[number] = payload
            if view:
                view.update(sum(figures.values(), progress.Progress()))
        for child, _ in children:
            child.join()
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        if view:
            view.stop(sum(figures.values(), progress.Progress()))
    return results


class _Orders:
    """The reactor's reader of what the starting process asks (a stop), or of its end (then: stop too)."""

    def __init__(self, connection: Any, process: CrawlerProcess) -> None:
        self.connection = connection
        self.process = process
        self.stops = 0

    def fileno(self) -> int:
        return self.connection.fileno()

    def logPrefix(self) -> str:  # noqa: N802 - Twisted's interface
        return "archiver-orders"

    def doRead(self) -> None:  # noqa: N802 - Twisted's interface
        from twisted.internet import reactor

        try:
            self.connection.recv()
        except (EOFError, OSError):
            reactor.removeReader(self)  # the starting process is gone: finish gracefully, as asked once
        self.stops += 1
        if self.stops == 1:
            log.info("asked to stop: stopping gracefully (again to stop at once)")
            self.process.stop()
        elif self.stops == 2:
            reactor.stop()

    def connectionLost(self, reason: Any) -> None:  # noqa: N802 - Twisted's interface
        pass


def _crawl_share(specs: list[BlogSpec], db: Path | str, overrides: dict[str, Any], in_flight: int,
                 show_progress: bool, connection: Any) -> None:
    """A forked process's crawl of its share of the blogs: progress and outcome sent back on `connection`."""
    for signum in (signal.SIGINT, signal.SIGTERM):  # the starting process passes them on as stop requests
        signal.signal(signum, signal.SIG_IGN)
    settings = crawl_settings(db, {**overrides, "ARCHIVER_PROGRESS": "off", "ARCHIVER_BLOGS_IN_FLIGHT": in_flight})
    process = CrawlerProcess(settings)
    quiet_loggers(settings)
    crawler = process.create_crawler(BlogSpider)
    process.crawl(crawler, blogs=specs).addErrback(
        lambda failure: log.error("the crawl failed: %s", failure.getTraceback()))
    from twisted.internet import reactor, task  # the one CrawlerProcess installed

    reactor.addReader(_Orders(connection, process))
    if show_progress:
        counts = progress.ProgressCounts(crawler)
        task.LoopingCall(lambda: connection.send(("progress", counts.snapshot()))).start(
            progress.REFRESH_SECONDS, now=False)
    process.start(install_signal_handlers=False)
    with contextlib.suppress(OSError):
        if show_progress:
            connection.send(("progress", counts.snapshot()))
        connection.send(("done", blog_reports(CrawlState.of(crawler))))
    connection.close()
