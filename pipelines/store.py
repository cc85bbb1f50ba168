"""Write everything a crawl learns to the SQLite archive, in batches (through archiver.store.writer)."""

from __future__ import annotations

from archiver.crawl.state import CrawlState
from archiver.store.memory import ArchiveMemory
from archiver.store.writer import ArchiveWriter


class StorePipeline:
    """The Scrapy face of ArchiveWriter: the crawls row, the archive as the crawl's memory, the final counts."""

    def __init__(self, crawler) -> None:
        self.crawler = crawler
        self.state = CrawlState.of(crawler)
        settings = crawler.settings
        self.writer = ArchiveWriter(settings.get("ARCHIVER_DB"), settings.getint("ARCHIVER_BATCH_SIZE"))

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def open_spider(self, spider=None) -> None:
        archive = self.writer.open()
        options = {k: v for k, v in self.crawler.settings.copy_to_dict().items() if k.startswith("ARCHIVER_")}
        self.state.crawl_id = self.writer.start_crawl(list(self.state.blogs), options)
        for blog in self.state.blogs.values():
            blog.crawl_id = self.state.crawl_id
        if self.state.options.incremental:
            self.state.memory = ArchiveMemory(archive, running_crawl_ids=[self.state.crawl_id])

    def process_item(self, item, spider=None):
        self.writer.write(item)
        return item

    def close_spider(self, spider=None) -> None:
        if self.writer.archive is None:
            return
        stats = self.crawler.stats
        pages_fetched = stats.get_value("response_received_count", 0) if stats else 0
        self.writer.finish(self.state, pages_fetched)
        self.writer.close()
