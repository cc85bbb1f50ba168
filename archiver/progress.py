"""A live status line on the terminal while a crawl runs: pages fetched, posts archived, errors."""

from __future__ import annotations

import sys

from rich.console import Console
from rich.live import Live
from rich.text import Text
from scrapy import signals
from scrapy.exceptions import NotConfigured
from twisted.internet import task

from archiver.crawl.records import ErrorItem, PostItem


class ProgressLine:
    """Scrapy extension: one line, refreshed a few times a second; silent when stderr is not a terminal."""

    def __init__(self, crawler) -> None:
        self.crawler = crawler
        self.pages = 0
        self.posts = 0
        self.errors = 0
        self.console = Console(stderr=True)
        self.live: Live | None = None
        self.loop: task.LoopingCall | None = None

    @classmethod
    def from_crawler(cls, crawler):
        mode = crawler.settings.get("ARCHIVER_PROGRESS", "auto")
        if mode == "off" or (mode == "auto" and not sys.stderr.isatty()):
            raise NotConfigured
        extension = cls(crawler)
        crawler.signals.connect(extension.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(extension.response_received, signal=signals.response_received)
        crawler.signals.connect(extension.item_scraped, signal=signals.item_scraped)
        return extension

    def spider_opened(self, spider) -> None:
        self.live = Live(self._line(), console=self.console, refresh_per_second=4, transient=False)
        self.live.start()
        self.loop = task.LoopingCall(self._refresh)
        self.loop.start(0.25, now=False)

    def spider_closed(self, spider, reason) -> None:
        if self.loop and self.loop.running:
            self.loop.stop()
        if self.live:
            self.live.update(self._line())
            self.live.stop()

    def response_received(self, response, request, spider) -> None:
        self.pages += 1

    def item_scraped(self, item, response, spider) -> None:
        if isinstance(item, PostItem):
            self.posts += 1
        elif isinstance(item, ErrorItem):
            self.errors += 1

    def _refresh(self) -> None:
        if self.live:
            self.live.update(self._line())

    def _line(self) -> Text:
        line = Text()
        line.append("crawling ", style="bold")
        line.append(f"{self.pages} pages fetched · {self.posts} posts archived · ")
        line.append(f"{self.errors} errors", style="red" if self.errors else "")
        return line
