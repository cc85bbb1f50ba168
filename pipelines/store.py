"""Write everything a crawl learns to the SQLite archive, in batches (through archiver.store.writer)."""

from __future__ import annotations

from archiver.crawl.state import Blog, CrawlState
from archiver.spiders.signals import blog_finished, blog_started
from archiver.store.memory import ArchiveMemory
from archiver.store.writer import ArchiveWriter


class StorePipeline:
    """The Scrapy face of ArchiveWriter: a crawls row per blog (made when it starts, finished when it is done),
    and the archive as the crawl's memory."""

    def __init__(self, crawler) -> None:
        self.crawler = crawler
        self.state = CrawlState.of(crawler)
        settings = crawler.settings
        self.writer = ArchiveWriter(settings.get("ARCHIVER_DB"), self.state, settings.getint("ARCHIVER_BATCH_SIZE"))
        self.options = {k: v for k, v in settings.copy_to_dict().items() if k.startswith("ARCHIVER_")}

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def open_spider(self, spider=None) -> None:
        archive = self.writer.open()
        if self.state.options.incremental:
            self.state.memory = ArchiveMemory(archive, running_crawl_ids=self.writer.running)
        self.crawler.signals.connect(self._blog_started, signal=blog_started)
        self.crawler.signals.connect(self._blog_finished, signal=blog_finished)

    def _blog_started(self, blog: Blog) -> None:
        self.writer.start_blog(blog, self.options)

    def _blog_finished(self, blog: Blog) -> None:
        self.writer.finish_blog(blog)

    def process_item(self, item, spider=None):
        self.writer.write(item)
        return item

    def close_spider(self, spider=None) -> None:
        if self.writer.archive is None:
            return
        for blog in list(self.state.blogs.values()):  # blogs the crawl was stopped in the middle of
            if blog.started and not blog.finished:
                self.writer.finish_blog(blog)
        self.writer.close()
