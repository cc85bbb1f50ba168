"""Fold every record into the crawl's state (counts, outcome, the ledger of listed posts), once per post."""

from __future__ import annotations

from scrapy.exceptions import DropItem

from archiver.crawl.records import PostItem
from archiver.crawl.state import CrawlState


class TallyPipeline:
    """CrawlState.take for each record; a post this crawl already archived (reached under two URLs) is dropped."""

    def __init__(self, state: CrawlState) -> None:
        self.state = state

    @classmethod
    def from_crawler(cls, crawler):
        return cls(CrawlState.of(crawler))

    def process_item(self, item, spider=None):
        if not self.state.take(item):
            assert isinstance(item, PostItem)
            raise DropItem(f"duplicate post {item.record.url}")
        return item
