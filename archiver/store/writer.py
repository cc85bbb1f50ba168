"""The one code path that writes a crawl's items to the archive: used by the Scrapy store pipeline (one process)
and by the distributed writer loop (items arriving through Redis from any number of workers)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from archiver.extract.urls import url_key
from archiver.items import REMARK_KINDS, ErrorItem, FeedItem, PageItem, PostItem, SeenItem, SiteItem
from archiver.store.archive import Archive


def redirect_rows(chain: list[dict[str, Any]], final: dict[str, Any]) -> list[dict[str, Any]]:
    """A `redirect` pages row per hop that led to the `final` page under another url_key (a hop to the same key,
    http -> https or a trailing slash, needs none: lookups by key find the page itself), its target in
    outlinks {"redirect": URL}: what lets a post known by its listing's URL find the page it was answered with."""
    rows = []
    for hop in chain:
        key = url_key(hop["url"])
        if key == final["url_key"]:
            continue
        rows.append({
            "url": hop["url"], "url_key": key, "kind": "redirect", "site_id": final["site_id"],
            "status": hop.get("status"), "fetched_at": final.get("fetched_at"),
            "warc_file": hop.get("warc_file"), "warc_offset": hop.get("warc_offset"),
            "outlinks": {"redirect": hop["location"]},
        })
    return rows


class ArchiveWriter:
    """Sites, posts (batched upserts), fetched pages and errors -> Archive; one crawls row per crawl."""

    def __init__(self, db_path: Path | str, batch_size: int = 200) -> None:
        self.db_path = Path(db_path)
        self.batch_size = batch_size
        self.archive: Archive | None = None
        self.crawl_id = 0
        self.site_ids: dict[str, int] = {}
        self.posts: list[dict[str, Any]] = []
        self.pages: list[dict[str, Any]] = []
        self.seen_keys: list[str] = []
        self.feed_records: list[dict[str, Any]] = []
        self.gone_keys: list[str] = []
        self.posts_new = 0
        self.posts_updated = 0
        self.errors = 0

    def open(self) -> Archive:
        """Open (or create) the archive file."""
        self.db_path.parent.mkdir(parents=True, exist_ok=True)
        self.archive = Archive(self.db_path)
        return self.archive

    def start_crawl(self, start_urls: list[str], options: dict[str, Any]) -> int:
        """Add this crawl's row to the crawls table; its id tags everything written after."""
        assert self.archive is not None, "open() first"
        self.crawl_id = self.archive.start_crawl(start_urls, options)
        return self.crawl_id

    def write(self, item: Any) -> None:
        """Write one item (buffered: posts, pages and seen keys go in batches of batch_size)."""
        archive = self.archive
        assert archive is not None, "open() first"
        if isinstance(item, PostItem) and item.record is not None:
            record = dict(item.record)
            record["site_id"] = self._site_id(item.root)
            self.posts.append(record)
            if len(self.posts) >= self.batch_size:
                self._flush_posts()
        elif isinstance(item, PageItem):
            page = {k: v for k, v in vars(item).items() if k not in ("root", "redirects")}
            page["url_key"] = url_key(item.url)
            page["site_id"] = self._site_id(item.root) if item.root else None
            self.pages.extend(redirect_rows(item.redirects or [], page))
            self.pages.append(page)
            if len(self.pages) >= self.batch_size:
                self._flush_pages()
        elif isinstance(item, SeenItem):
            (self.gone_keys if item.removed else self.seen_keys).append(item.url_key)
            if len(self.seen_keys) >= self.batch_size:
                self._flush_seen()
        elif isinstance(item, SiteItem):
            self.site_ids[item.root] = archive.upsert_site(
                url=item.root,
                title=item.title,
                engine=item.engine,
                theme=item.theme,
                feeds=item.feeds,
                sitemaps=item.sitemaps,
                lang=item.lang,
            )
        elif isinstance(item, FeedItem):
            self.feed_records.extend(item.records)  # applied at the end, once every post row exists
        elif isinstance(item, ErrorItem):
            if item.kind in REMARK_KINDS:
                return  # a limit the user chose is no problem: the crawl's message says where it stopped
            self.errors += 1
            archive.log_error(self.crawl_id, item.url, item.kind, item.message, item.status)

    def flush(self) -> None:
        """Write every buffered row now."""
        self._flush_posts()
        self._flush_pages()
        self._flush_seen()

    def finish(self, outcome: dict[str, Any], pages_fetched: int) -> dict[str, int]:
        """Flush, mark removed posts, finish the crawls row with the outcome; returns the store counts."""
        archive = self.archive
        assert archive is not None, "open() first"
        self.flush()
        archive.fill_from_feed(self.feed_records)
        removed = archive.mark_removed(self.gone_keys)
        removed += self._mark_vanished(outcome.get("sites", {}))
        archive.finish_crawl(
            self.crawl_id,
            outcome["status"],
            {
                "pages_fetched": pages_fetched,
                "posts_new": self.posts_new,
                "posts_updated": self.posts_updated,
                "posts_removed": removed,
                "errors": self.errors,
                "message": outcome["message"],
                "warnings": outcome.get("warnings", []),
                "sites": outcome.get("sites", {}),
            },
        )
        return {
            "posts_new": self.posts_new,
            "posts_updated": self.posts_updated,
            "posts_removed": removed,
            "errors": self.errors,
        }

    def close(self) -> None:
        """Close the archive file."""
        if self.archive is not None:
            self.archive.close()
            self.archive = None

    def _mark_vanished(self, site_stats: dict[str, dict[str, Any]]) -> int:
        """Posts that vanished from every listing of a blog whose pagination this crawl walked to the end."""
        assert self.archive is not None
        removed = 0
        for stats in site_stats.values():
            # A crawl that suddenly finds far fewer posts is more likely broken extraction than mass deletion.
            if stats.get("complete") and stats.get("root") in self.site_ids and not stats.get("warnings"):
                removed += self.archive.mark_vanished(self.site_ids[stats["root"]], self.crawl_id)
        return removed

    def _site_id(self, root: str) -> int:
        if root not in self.site_ids:
            assert self.archive is not None
            self.site_ids[root] = self.archive.upsert_site(
                url=root, title=None, engine=None, theme=None, feeds=[], sitemaps=[], lang=None
            )
        return self.site_ids[root]

    def _flush_posts(self) -> None:
        if self.posts:
            assert self.archive is not None
            new, updated = self.archive.save_posts(self.posts, self.crawl_id)
            self.posts_new += new
            self.posts_updated += updated
            self.posts = []

    def _flush_seen(self) -> None:
        if self.seen_keys:
            assert self.archive is not None
            self.archive.touch_posts(self.seen_keys, self.crawl_id)
            self.seen_keys = []

    def _flush_pages(self) -> None:
        if self.pages:
            assert self.archive is not None
            self.archive.record_pages(self.pages, self.crawl_id)
            self.pages = []
