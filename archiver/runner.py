"""Running a crawl in this process, and turning its outcome into an exit code and a one-line message."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings

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
    spider = crawler.spider
    if spider is None or not hasattr(spider, "outcome"):
        return CrawlOutcome("failed", "the crawl did not start (see the log above)")
    outcome = spider.outcome()
    counts = getattr(spider, "store_counts", {})
    return CrawlOutcome(
        status=outcome["status"],
        message=outcome["message"],
        posts_found=outcome["posts_found"],
        posts_new=counts.get("posts_new", 0),
        posts_updated=counts.get("posts_updated", 0),
        posts_removed=counts.get("posts_removed", 0),
        errors=counts.get("errors", 0),
        crawl_id=getattr(spider, "crawl_id", None),
        warnings=outcome.get("warnings", []),
        fail_on_warnings=settings.getbool("ARCHIVER_FAIL_ON_WARNINGS", True),
    )
