"""Running a crawl in this process, and turning its outcome into an exit code and a one-line message."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings

from archiver.crawl.state import CrawlState, Outcome, Written
from archiver.extract.overrides import SiteRules
from archiver.spiders.blog import BlogSpider

# Exit codes of `archiver crawl`: documented in the README.
EXIT_OK = 0
EXIT_FAILED = 1  # no blog could be crawled
EXIT_PARTIAL = 3  # some of the blogs given failed (or the crawl was interrupted); the others were archived
EXIT_WARNINGS = 4  # archived, but monitoring saw signs of broken extraction (ARCHIVER_FAIL_ON_WARNINGS)


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


def crawl_settings(db: Path | str, overrides: dict[str, Any] | None = None) -> Settings:
    """The project's Scrapy settings with the archive path and any overrides applied."""
    settings = Settings()
    settings.setmodule("archiver.settings", priority="project")
    settings.set("ARCHIVER_DB", str(db), priority="cmdline")
    for name, value in (overrides or {}).items():
        settings.set(name, value, priority="cmdline")
    return settings


def run_crawl(
    urls: list[str], db: Path | str, overrides: dict[str, Any] | None = None, rules: SiteRules | None = None
) -> CrawlOutcome:
    """Crawl the given blogs into the archive at `db` and report how it went."""
    settings = crawl_settings(db, overrides)
    process = CrawlerProcess(settings)
    crawler = process.create_crawler(BlogSpider)
    process.crawl(crawler, urls=urls, rules=rules)
    process.start()
    state = CrawlState.of(crawler)
    if not state.blogs:
        return CrawlOutcome("failed", "the crawl did not start (see the log above)")
    return CrawlOutcome.of(state.outcome(), state.written, state.crawl_id, state.options.fail_on_warnings)
