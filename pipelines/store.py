"""Write everything a crawl learns to the SQLite archive, in batches."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from archiver.items import ErrorItem, PageItem, PostItem, SiteItem
from archiver.store import Archive


class StorePipeline:
    """Sites, posts (batched upserts), fetched pages and errors -> archiver.store.Archive; one crawls row per run."""

    def __init__(self, crawler) -> None:
        self.crawler = crawler
        settings = crawler.settings
        self.db_path = Path(settings.get("ARCHIVER_DB"))
        self.batch_size = settings.getint("ARCHIVER_BATCH_SIZE", 200)
        self.archive: Archive | None = None
        self.crawl_id = 0
        self.site_ids: dict[str, int] = {}
        self.posts: list[dict[str, Any]] = []
        self.pages: list[dict[str, Any]] = []
        self.posts_new = 0
        self.posts_updated = 0
        self.errors = 0

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def open_spider(self) -> None:
        self.db_path.parent.mkdir(parents=True, exist_ok=True)
        self.archive = Archive(self.db_path)
        spider = self.crawler.spider
        start_urls = list(getattr(spider, "sites", {}) or [])
        options = {k: v for k, v in self.crawler.settings.copy_to_dict().items() if k.startswith("ARCHIVER_")}
        self.crawl_id = self.archive.start_crawl(start_urls, options)
        spider.crawl_id = self.crawl_id

    def process_item(self, item, spider=None):
        if isinstance(item, PostItem) and item.record is not None:
            record = dict(item.record)
            record["site_id"] = self._site_id(item.root)
            self.posts.append(record)
            if len(self.posts) >= self.batch_size:
                self._flush_posts()
        elif isinstance(item, PageItem):
            page = {k: v for k, v in vars(item).items() if k != "root"}
            page["site_id"] = self._site_id(item.root) if item.root else None
            self.pages.append(page)
            if len(self.pages) >= self.batch_size:
                self._flush_pages()
        elif isinstance(item, SiteItem):
            self.site_ids[item.root] = self.archive.upsert_site(
                url=item.root,
                title=item.title,
                engine=item.engine,
                theme=item.theme,
                feeds=item.feeds,
                sitemaps=item.sitemaps,
                lang=item.lang,
            )
        elif isinstance(item, ErrorItem):
            self.errors += 1
            self.archive.log_error(self.crawl_id, item.url, item.kind, item.message, item.status)
        return item

    def close_spider(self) -> None:
        if self.archive is None:
            return
        self._flush_posts()
        self._flush_pages()
        spider = self.crawler.spider
        outcome = spider.outcome() if hasattr(spider, "outcome") else {"status": "ok", "message": ""}
        stats = self.crawler.stats
        self.archive.finish_crawl(
            self.crawl_id,
            outcome["status"],
            {
                "pages_fetched": stats.get_value("response_received_count", 0) if stats else 0,
                "posts_new": self.posts_new,
                "posts_updated": self.posts_updated,
                "errors": self.errors,
                "message": outcome["message"],
            },
        )
        spider.store_counts = {"posts_new": self.posts_new, "posts_updated": self.posts_updated, "errors": self.errors}
        self.archive.close()

    def _site_id(self, root: str) -> int:
        if root not in self.site_ids:
            self.site_ids[root] = self.archive.upsert_site(
                url=root, title=None, engine=None, theme=None, feeds=[], sitemaps=[], lang=None
            )
        return self.site_ids[root]

    def _flush_posts(self) -> None:
        if self.posts:
            new, updated = self.archive.save_posts(self.posts, self.crawl_id)
            self.posts_new += new
            self.posts_updated += updated
            self.posts = []

    def _flush_pages(self) -> None:
        if self.pages:
            self.archive.record_pages(self.pages, self.crawl_id)
            self.pages = []
