"""A live status line on the terminal while a crawl runs: pages fetched of those known so far, posts archived,
the rate, errors; and, when several blogs are crawled, how many are done, in flight and failed."""

from __future__ import annotations

import sys
import time
from typing import TYPE_CHECKING

from scrapy import signals
from scrapy.exceptions import NotConfigured
from twisted.internet import task

from archiver.crawl.records import ErrorItem, PostItem
from archiver.crawl.state import Blog, CrawlState
from archiver.spiders.signals import blog_finished, blog_started

if TYPE_CHECKING:
    from rich.live import Live
    from rich.text import Text


class ProgressLine:
    """Scrapy extension: one line, refreshed a few times a second; silent when stderr is not a terminal.

    rich is imported only when the line is shown (~40 ms of start-up that a crawl without a terminal skips)."""

    def __init__(self, crawler) -> None:
        from rich.console import Console

        self.crawler = crawler
        self.state = CrawlState.of(crawler)
        self.pages = 0
        self.posts = 0
        self.errors = 0
        self.blogs_started = 0
        self.blogs_done = 0
        self.blogs_failed = 0
        self.started = time.monotonic()
        self.console = Console(stderr=True)
        self.live: Live | None = None
        self.loop: task.LoopingCall | None = None

    @classmethod
    def from_crawler(cls, crawler):
        mode = crawler.settings.get("ARCHIVER_PROGRESS")
        if mode == "off" or (mode != "on" and not sys.stderr.isatty()):
            raise NotConfigured
        extension = cls(crawler)
        crawler.signals.connect(extension.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(extension.response_received, signal=signals.response_received)
        crawler.signals.connect(extension.item_scraped, signal=signals.item_scraped)
        crawler.signals.connect(extension.blog_started, signal=blog_started)
        crawler.signals.connect(extension.blog_finished, signal=blog_finished)
        return extension

    def spider_opened(self, spider) -> None:
        from rich.live import Live

        self.started = time.monotonic()
        self.live = Live(self.line(), console=self.console, refresh_per_second=4, transient=False)
        self.live.start()
        self.loop = task.LoopingCall(self._refresh)
        self.loop.start(0.25, now=False)

    def spider_closed(self, spider, reason) -> None:
        if self.loop and self.loop.running:
            self.loop.stop()
        if self.live:
            self.live.update(self.line())
            self.live.stop()

    def response_received(self, response, request, spider) -> None:
        self.pages += 1

    def item_scraped(self, item, response, spider) -> None:
        if isinstance(item, PostItem):
            self.posts += 1
        elif isinstance(item, ErrorItem):
            self.errors += 1

    def blog_started(self, blog: Blog) -> None:
        self.blogs_started += 1

    def blog_finished(self, blog: Blog) -> None:
        self.blogs_done += 1
        self.blogs_failed += blog.failed

    def _refresh(self) -> None:
        if self.live:
            self.live.update(self.line())

    def line(self) -> Text:
        """The status line: blogs (when several), pages done of known, posts, rate, errors."""
        from rich.text import Text

        known = self.pages + sum(blog.pending for blog in self.state.blogs.values() if not blog.finished)
        elapsed = max(time.monotonic() - self.started, 1e-6)
        line = Text()
        line.append("crawling ", style="bold")
        if self.blogs_started > 1:
            in_flight = self.blogs_started - self.blogs_done
            line.append(f"{self.blogs_done}/{len(self.state.blogs)} blogs done ({in_flight} in flight, ")
            line.append(f"{self.blogs_failed} failed", style="red" if self.blogs_failed else "")
            line.append(") · ")
        line.append(f"{self.pages}/{known} pages fetched · {self.posts} posts archived · "
                    f"{self.pages / elapsed:.1f} pages/s · ")
        line.append(f"{self.errors} errors", style="red" if self.errors else "")
        return line
