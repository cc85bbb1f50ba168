"""The one code path that writes a crawl's records to the archive: used by the Scrapy store pipeline (one process)
and by the distributed writer loop (records arriving through Redis from any number of workers)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from archiver.crawl.records import (
    ErrorItem,
    FeedItem,
    ImageItem,
    PageItem,
    PostImagesItem,
    PostItem,
    SeenItem,
    SiteItem,
)
from archiver.crawl.state import CrawlState, Written
from archiver.extract.urls import url_key
from archiver.store import media
from archiver.store.archive import Archive

# Remarks (archiver.crawl.records.REMARK_KINDS) that are no problem at all: the crawl stopped where the user said.
CHOSEN_LIMITS = frozenset({"listing-limit"})


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
        self.image_links: list[media.PostImages] = []  # written after their posts' rows
        self.images: list[dict[str, Any]] = []
        self.written = Written()

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

    def write(self, record: Any) -> None:
        """Write one record (buffered: posts, pages and seen keys go in batches of batch_size)."""
        archive = self.archive
        assert archive is not None, "open() first"
        if isinstance(record, PostItem):
            row = record.row()
            row["site_id"] = self._site_id(record.root)
            self.posts.append(row)
            if len(self.posts) >= self.batch_size:
                self._flush_posts()
        elif isinstance(record, PageItem):
            page = {
                "url": record.url, "url_key": url_key(record.url), "kind": record.kind, "status": record.status,
                "site_id": self._site_id(record.root) if record.root else None, "etag": record.etag,
                "last_modified": record.last_modified, "content_hash": record.content_hash,
                "fetched_at": record.fetched_at, "outlinks": record.outlinks, "warc_file": record.warc_file,
                "warc_offset": record.warc_offset,
            }
            self.pages.extend(redirect_rows(record.redirects or [], page))
            self.pages.append(page)
            if len(self.pages) >= self.batch_size:
                self._flush_pages()
        elif isinstance(record, SeenItem):
            (self.gone_keys if record.removed else self.seen_keys).append(record.url_key)
            if len(self.seen_keys) >= self.batch_size:
                self._flush_seen()
        elif isinstance(record, SiteItem):
            self.site_ids[record.root] = archive.upsert_site(
                url=record.root, title=record.title, engine=record.engine, theme=record.theme,
                feeds=record.feeds, sitemaps=record.sitemaps, lang=record.lang,
            )
        elif isinstance(record, FeedItem):
            self.feed_records.extend(record.records)  # applied at the end, once every post row exists
        elif isinstance(record, PostImagesItem):
            self.image_links.append(media.PostImages(record.url_key, self._site_id(record.root), record.urls))
        elif isinstance(record, ImageItem):
            image = {name: getattr(record, name) for name in ("url", *media.FETCH_COLUMNS)}
            image["redirects"] = json.dumps(record.redirects) if record.redirects else None
            image["site_id"] = self._site_id(record.root) if record.root else None
            self.images.append(image)
            if len(self.images) >= self.batch_size:
                self._flush_images()
        elif isinstance(record, ErrorItem):
            if record.kind in CHOSEN_LIMITS:
                return  # a limit the user chose is no problem: the crawl's message says where it stopped
            self.written.errors += 1
            archive.log_error(self.crawl_id, record.url, record.kind, record.message, record.status)

    def flush(self) -> None:
        """Write every buffered row now."""
        self._flush_posts()
        self._flush_pages()
        self._flush_seen()
        self._flush_images()

    def finish(self, state: CrawlState, pages_fetched: int) -> Written:
        """Settle the ledger (every listed post gets its row), flush, fill from feeds, mark removed posts, and
        finish the crawls row with the crawl's outcome; returns what was written."""
        archive = self.archive
        assert archive is not None, "open() first"
        for record in state.settle():
            if state.take(record):
                self.write(record)
        self.flush()
        archive.fill_from_feed(self.feed_records)
        outcome = state.outcome()
        removed = archive.mark_removed(self.gone_keys)
        removed += self._mark_vanished(outcome.sites)
        self.written.posts_removed = removed
        archive.finish_crawl(
            self.crawl_id,
            outcome.status,
            {
                "pages_fetched": pages_fetched,
                "posts_new": self.written.posts_new,
                "posts_updated": self.written.posts_updated,
                "posts_removed": removed,
                "errors": self.written.errors,
                "message": outcome.message,
                "warnings": outcome.warnings,
                "sites": outcome.sites,
            },
        )
        state.written = self.written
        return self.written

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
            self.written.posts_new += new
            self.written.posts_updated += updated
            self.posts = []
        if self.image_links:  # every link's post was in this batch or an earlier one
            media.link_post_images(self.archive, self.image_links)
            self.image_links = []

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

    def _flush_images(self) -> None:
        if self.images:
            assert self.archive is not None
            media.record_images(self.archive, self.images, self.crawl_id)
            self.images = []
