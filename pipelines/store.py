"""Write everything a crawl learns to the SQLite archive, in batches."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from archiver.extract.urls import url_key
from archiver.items import ErrorItem, PageItem, PostItem, SeenItem, SiteItem
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
        self.seen_keys: list[str] = []
        self.gone_keys: list[str] = []
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
        if hasattr(spider, "memory") and self.crawler.settings.getbool("ARCHIVER_INCREMENTAL", True):
            spider.memory = self.archive.crawl_memory()  # before this crawl's own row exists
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
            page["url_key"] = url_key(item.url)
            page["site_id"] = self._site_id(item.root) if item.root else None
            self.pages.append(page)
            if len(self.pages) >= self.batch_size:
                self._flush_pages()
        elif isinstance(item, SeenItem):
            (self.gone_keys if item.removed else self.seen_keys).append(item.url_key)
            if len(self.seen_keys) >= self.batch_size:
                self._flush_seen()
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
        self._flush_seen()
        spider = self.crawler.spider
        outcome = spider.outcome() if hasattr(spider, "outcome") else {"status": "ok", "message": "", "sites": {}}
        removed = self.archive.mark_removed(self.gone_keys)
        removed += self._mark_vanished(outcome.get("sites", {}))
        stats = self.crawler.stats
        self.archive.finish_crawl(
            self.crawl_id,
            outcome["status"],
            {
                "pages_fetched": stats.get_value("response_received_count", 0) if stats else 0,
                "posts_new": self.posts_new,
                "posts_updated": self.posts_updated,
                "posts_removed": removed,
                "errors": self.errors,
                "message": outcome["message"],
                "warnings": outcome.get("warnings", []),
                "sites": outcome.get("sites", {}),
            },
        )
        spider.store_counts = {
            "posts_new": self.posts_new,
            "posts_updated": self.posts_updated,
            "posts_removed": removed,
            "errors": self.errors,
        }
        self.archive.close()

    def _mark_vanished(self, site_stats: dict[str, dict[str, Any]]) -> int:
        """Posts that vanished from every listing of a blog whose pagination this crawl walked to the end."""
        removed = 0
        for stats in site_stats.values():
            # A crawl that suddenly finds far fewer posts is more likely broken extraction than mass deletion.
            if stats.get("complete") and stats.get("root") in self.site_ids and not stats.get("warnings"):
                removed += self.archive.mark_vanished(self.site_ids[stats["root"]], self.crawl_id)
        return removed

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

    def _flush_seen(self) -> None:
        if self.seen_keys:
            self.archive.touch_posts(self.seen_keys, self.crawl_id)
            self.seen_keys = []

    def _flush_pages(self) -> None:
        if self.pages:
            self.archive.record_pages(self.pages, self.crawl_id)
            self.pages = []
