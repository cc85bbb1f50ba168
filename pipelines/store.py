"""Write everything a crawl learns to the SQLite archive, in batches (through archiver.store.writer)."""

from __future__ import annotations

from archiver.store.writer import ArchiveWriter


class StorePipeline:
    """The Scrapy face of ArchiveWriter: one crawls row per run, the spider's memory and outcome."""

    def __init__(self, crawler) -> None:
        self.crawler = crawler
        settings = crawler.settings
        self.writer = ArchiveWriter(settings.get("ARCHIVER_DB"), settings.getint("ARCHIVER_BATCH_SIZE", 200))

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def open_spider(self) -> None:
        archive = self.writer.open()
        spider = self.crawler.spider
        if hasattr(spider, "memory") and self.crawler.settings.getbool("ARCHIVER_INCREMENTAL", True):
            spider.memory = archive.crawl_memory()  # before this crawl's own row exists
        start_urls = list(getattr(spider, "sites", {}) or [])
        options = {k: v for k, v in self.crawler.settings.copy_to_dict().items() if k.startswith("ARCHIVER_")}
        spider.crawl_id = self.writer.start_crawl(start_urls, options)

    def process_item(self, item, spider=None):
        self.writer.write(item)
        return item

    def close_spider(self) -> None:
        if self.writer.archive is None:
            return
        spider = self.crawler.spider
        outcome = spider.outcome() if hasattr(spider, "outcome") else {"status": "ok", "message": "", "sites": {}}
        stats = self.crawler.stats
        pages_fetched = stats.get_value("response_received_count", 0) if stats else 0
        spider.store_counts = self.writer.finish(outcome, pages_fetched)
        self.writer.close()
