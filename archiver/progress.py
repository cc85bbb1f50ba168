"""A live status line on the terminal while a crawl runs: pages fetched of those known so far, posts archived,
the rate, errors; and, when several blogs are crawled, how many are done, in flight and failed.

Counting (ProgressCounts, from the crawler's signals) and drawing (ProgressView) are apart: a crawl split over
several processes (archiver.runner) counts in each and draws one line in the process that started them."""

from __future__ import annotations

import sys
import time
from dataclasses import astuple, dataclass
from typing import TYPE_CHECKING

from scrapy import signals
from scrapy.exceptions import NotConfigured
from twisted.internet import task

from archiver.crawl.records import ErrorItem, PostItem
from archiver.crawl.state import Blog, CrawlState
from archiver.spiders.signals import blog_finished, blog_started

if TYPE_CHECKING:
    from rich.text import Text

REFRESH_SECONDS = 0.25


@dataclass
class Progress:
    """The figures of the line (summed over the processes of a split crawl)."""

    pages: int = 0
    known: int = 0  # pages fetched, plus those asked for and not answered yet
    posts: int = 0
    errors: int = 0
    blogs: int = 0  # blogs of the crawl
    blogs_started: int = 0
    blogs_done: int = 0
    blogs_failed: int = 0

    def __add__(self, other: Progress) -> Progress:
        return Progress(*(a + b for a, b in zip(astuple(self), astuple(other), strict=True)))


def wanted(mode: str | None) -> bool:
    """Whether ARCHIVER_PROGRESS asks for the line here: "on", or "auto" with stderr on a terminal."""
    return mode == "on" or (mode != "off" and sys.stderr.isatty())


class ProgressCounts:
    """The line's figures of one crawler, counted from its signals."""

    def __init__(self, crawler) -> None:
        self.state = CrawlState.of(crawler)
        self.counts = Progress()
        crawler.signals.connect(self.response_received, signal=signals.response_received)
        crawler.signals.connect(self.item_scraped, signal=signals.item_scraped)
        crawler.signals.connect(self.blog_started, signal=blog_started)
        crawler.signals.connect(self.blog_finished, signal=blog_finished)

    def response_received(self, response, request, spider) -> None:
        self.counts.pages += 1

    def item_scraped(self, item, response, spider) -> None:
        if isinstance(item, PostItem):
            self.counts.posts += 1
        elif isinstance(item, ErrorItem):
            self.counts.errors += 1

    def blog_started(self, blog: Blog) -> None:
        self.counts.blogs_started += 1

    def blog_finished(self, blog: Blog) -> None:
        self.counts.blogs_done += 1
        self.counts.blogs_failed += blog.failed

    def snapshot(self) -> Progress:
        """The figures now."""
        counts = self.counts
        pending = sum(blog.pending for blog in self.state.blogs.values() if not blog.finished)
        return Progress(counts.pages, counts.pages + pending, counts.posts, counts.errors, len(self.state.blogs),
                        counts.blogs_started, counts.blogs_done, counts.blogs_failed)


class ProgressView:
    """The line on stderr, redrawn from the figures it is given."""

    def __init__(self) -> None:
        # rich only when the line is shown (~40 ms of start-up that a crawl without a terminal skips).
        from rich.console import Console
        from rich.live import Live

        self.started = time.monotonic()
        self.live = Live(render(Progress(), 0.0), console=Console(stderr=True), refresh_per_second=4,
                         transient=False)
        self.live.start()

    def update(self, progress: Progress) -> None:
        self.live.update(render(progress, time.monotonic() - self.started))

    def stop(self, progress: Progress) -> None:
        self.update(progress)
        self.live.stop()


def render(progress: Progress, elapsed: float) -> Text:
    """The status line: blogs (when several), pages done of known, posts, rate, errors."""
    from rich.text import Text

    line = Text()
    line.append("crawling ", style="bold")
    if progress.blogs_started > 1:
        in_flight = progress.blogs_started - progress.blogs_done
        line.append(f"{progress.blogs_done}/{progress.blogs} blogs done ({in_flight} in flight, ")
        line.append(f"{progress.blogs_failed} failed", style="red" if progress.blogs_failed else "")
        line.append(") · ")
    line.append(f"{progress.pages}/{progress.known} pages fetched · {progress.posts} posts archived · "
                f"{progress.pages / max(elapsed, 1e-6):.1f} pages/s · ")
    line.append(f"{progress.errors} errors", style="red" if progress.errors else "")
    return line


class ProgressLine:
    """Scrapy extension: one line, refreshed a few times a second; silent when stderr is not a terminal."""

    def __init__(self, crawler) -> None:
        self.counts = ProgressCounts(crawler)
        self.view: ProgressView | None = None
        self.loop: task.LoopingCall | None = None

    @classmethod
    def from_crawler(cls, crawler):
        if not wanted(crawler.settings.get("ARCHIVER_PROGRESS")):
            raise NotConfigured
        extension = cls(crawler)
        crawler.signals.connect(extension.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        return extension

    def spider_opened(self, spider) -> None:
        self.view = ProgressView()
        self.loop = task.LoopingCall(self._refresh)
        self.loop.start(REFRESH_SECONDS, now=False)

    def spider_closed(self, spider, reason) -> None:
        if self.loop and self.loop.running:
            self.loop.stop()
        if self.view:
            self.view.stop(self.counts.snapshot())

    def _refresh(self) -> None:
        if self.view:
            self.view.update(self.counts.snapshot())
