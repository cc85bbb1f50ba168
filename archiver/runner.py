"""Running a crawl in this process, and turning its outcome into an exit code and a one-line message."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings

from archiver.crawl.state import BlogSpec, CrawlState, Outcome, Written
from archiver.extract.overrides import SiteRules
from archiver.spiders.blog import BlogSpider

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
        blogs = [blog for blog in state.blogs.values() if blog.started]
        if not blogs:
            return cls("failed", "the crawl did not start (see the log above)")
        report = cls.of(state.outcome(blogs), state.written(), blogs[0].crawl_id, state.options.fail_on_warnings)
        for blog in blogs:
            outcome = state.blog_outcome(blog)
            report.blogs.append(BlogReport(blog.name, blog.start_url, outcome.status, outcome.message, blog.written,
                                           outcome.warnings, blog.crawl_id))
        return report

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
    archive at `db`, all in this process, and report how it went."""
    settings = crawl_settings(db, overrides)
    specs = [spec if isinstance(spec, BlogSpec) else BlogSpec(spec, rules) for spec in urls]
    process = CrawlerProcess(settings)
    quiet_loggers(settings)
    crawler = process.create_crawler(BlogSpider)
    process.crawl(crawler, blogs=specs)
    process.start()
    return CrawlOutcome.of_state(CrawlState.of(crawler))
