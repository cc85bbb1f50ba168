"""The one code path that writes a crawl's records to the archive: used by the Scrapy store pipeline (one process)
and by the distributed writer loop (records arriving through Redis from any number of workers).

Each blog of a crawl has its own crawls row: made when the blog starts, finished when the blog is done (its
ledger settled, feeds applied, removed posts marked), so many blogs can share one process and one archive
connection while each keeps its own outcome.
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path
from typing import Any

from archiver.crawl.records import (
    ErrorItem,
    FeedItem,
    ImageItem,
    Listed,
    ListedItem,
    PageItem,
    PostImagesItem,
    PostItem,
    SeenItem,
    SiteItem,
)
from archiver.crawl.state import Blog, CrawlState
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
    """Sites, posts (batched upserts), fetched pages and errors -> Archive; one crawls row per blog."""

    def __init__(self, db_path: Path | str, state: CrawlState, batch_size: int = 200) -> None:
        self.db_path = Path(db_path)
        self.state = state
        self.batch_size = batch_size
        self.archive: Archive | None = None
        self.crawl_ids: dict[str, int] = {}  # blog start URL -> its crawls row
        self.running: set[int] = set()  # crawls rows this writer started and has not finished
        self.site_ids: dict[str, int] = {}
        self.posts: dict[str, list[dict[str, Any]]] = defaultdict(list)  # by blog
        self.pages: dict[str, list[dict[str, Any]]] = defaultdict(list)
        self.seen_keys: dict[str, list[str]] = defaultdict(list)
        self.gone_keys: dict[str, list[str]] = defaultdict(list)
        self.feed_records: dict[str, list[dict[str, Any]]] = defaultdict(list)
        self.image_links: dict[str, list[media.PostImages]] = defaultdict(list)  # written after their posts' rows
        self.images: dict[str, list[dict[str, Any]]] = defaultdict(list)
        self.buffered = 0

    def open(self) -> Archive:
        """Open (or create) the archive file."""
        self.db_path.parent.mkdir(parents=True, exist_ok=True)
        self.archive = Archive(self.db_path)
        return self.archive

    def start_blog(self, blog: Blog, options: dict[str, Any]) -> int:
        """Add the blog's crawls row; its id tags everything written for the blog after."""
        assert self.archive is not None, "open() first"
        crawl_id = self.archive.start_crawl([blog.start_url], options)
        blog.crawl_id = self.crawl_ids[blog.start_url] = crawl_id
        self.running.add(crawl_id)
        return crawl_id

    def write(self, record: Any) -> None:
        """Write one record (buffered: posts, pages and seen keys go in batches of batch_size)."""
        archive = self.archive
        assert archive is not None, "open() first"
        blog = record.blog
        if isinstance(record, PostItem):
            row = record.row()
            row["site_id"] = self._site_id(record.root)
            self.posts[blog].append(row)
            self._buffered()
        elif isinstance(record, PageItem):
            page = {
                "url": record.url, "url_key": url_key(record.url), "kind": record.kind, "status": record.status,
                "site_id": self._site_id(record.root) if record.root else None, "etag": record.etag,
                "last_modified": record.last_modified, "content_hash": record.content_hash,
                "fetched_at": record.fetched_at, "outlinks": record.outlinks, "warc_file": record.warc_file,
                "warc_offset": record.warc_offset,
            }
            self.pages[blog].extend(redirect_rows(record.redirects or [], page))
            self.pages[blog].append(page)
            self._buffered()
        elif isinstance(record, SeenItem):
            (self.gone_keys if record.removed else self.seen_keys)[blog].append(record.url_key)
            self._buffered()
        elif isinstance(record, ListedItem):
            seen = [listed.url_key for listed in record.posts if listed.action in Listed.SEEN]
            if seen:
                self.seen_keys[blog].extend(seen)
                self._buffered()
        elif isinstance(record, SiteItem):
            self.site_ids[record.root] = archive.upsert_site(
                url=record.root, title=record.title, engine=record.engine, theme=record.theme,
                feeds=record.feeds, sitemaps=record.sitemaps, lang=record.lang,
            )
        elif isinstance(record, FeedItem):
            self.feed_records[blog].extend(record.records)  # applied at the blog's end, once its posts exist
        elif isinstance(record, PostImagesItem):
            # Comes after its post's record: flushed after the blog's posts of the same batch.
            self.image_links[blog].append(media.PostImages(record.url_key, self._site_id(record.root), record.urls))
            self._buffered()
        elif isinstance(record, ImageItem):
            image = {name: getattr(record, name) for name in ("url", *media.FETCH_COLUMNS)}
            image["redirects"] = json.dumps(record.redirects) if record.redirects else None
            image["site_id"] = self._site_id(record.root) if record.root else None
            self.images[blog].append(image)
            self._buffered()
        elif isinstance(record, ErrorItem):
            if record.kind in CHOSEN_LIMITS:
                return  # a limit the user chose is no problem: the crawl's message says where it stopped
            self.state.blog(blog).written.errors += 1
            archive.log_error(self._crawl_id(blog), record.url, record.kind, record.message, record.status)

    def flush(self) -> None:
        """Write every buffered row now."""
        archive = self.archive
        assert archive is not None, "open() first"
        if not self.buffered:
            return
        # One transaction for the whole batch: it holds rows of every blog in flight (a handful each), and a
        # commit per blog and kind of row cost more than writing them.
        with archive.writing():
            blogs = {self._crawl_id(blog): blog for blog, posts in self.posts.items() if posts}
            saved = archive.save_posts_of({crawl_id: self.posts[blog] for crawl_id, blog in blogs.items()})
            for crawl_id, (new, updated) in saved.items():
                written = self.state.blog(blogs[crawl_id]).written
                written.posts_new += new
                written.posts_updated += updated
            for links in self.image_links.values():  # every link's post was in this batch or an earlier one
                media.link_post_images(archive, links)
            for blog, pages in self.pages.items():
                archive.record_pages(pages, self._crawl_id(blog))
            for blog, keys in self.seen_keys.items():
                archive.touch_posts(keys, self._crawl_id(blog))
            for blog, images in self.images.items():
                media.record_images(archive, images, self._crawl_id(blog))
        self.posts.clear()
        self.image_links.clear()
        self.pages.clear()
        self.seen_keys.clear()
        self.images.clear()
        self.buffered = 0

    def finish_blog(self, blog: Blog, pages_fetched: int | None = None) -> None:
        """The blog is done: settle its ledger (every listed post gets its row), flush, fill from its feed, mark
        its removed posts, and finish its crawls row with its outcome (blog.written: what it changed)."""
        archive = self.archive
        assert archive is not None, "open() first"
        if blog.finished or blog.crawl_id is None:
            return
        for record in self.state.settle(blog):
            if self.state.take(record):
                self.write(record)
        self.flush()  # its own transaction: it holds other blogs' rows, which a failure below must not undo
        with archive.writing():  # one commit for the rest
            self._finish_blog(archive, blog, pages_fetched)
        blog.finished = True
        blog.archived_keys = set()
        self.running.discard(blog.crawl_id)

    def _finish_blog(self, archive: Archive, blog: Blog, pages_fetched: int | None) -> None:
        assert blog.crawl_id is not None
        archive.fill_from_feed(self.feed_records.pop(blog.start_url, []))
        outcome = self.state.blog_outcome(blog)
        removed = archive.mark_removed(self.gone_keys.pop(blog.start_url, []))
        stats = outcome.sites.get(url_key(blog.start_url), {})
        # A crawl that suddenly finds far fewer posts is more likely broken extraction than mass deletion.
        if stats.get("complete") and not stats.get("warnings") and stats.get("root") in self.site_ids:
            removed += archive.mark_vanished(self.site_ids[stats["root"]], blog.crawl_id)
        written = blog.written
        written.posts_removed = removed
        archive.finish_crawl(
            blog.crawl_id,
            outcome.status,
            {
                "pages_fetched": pages_fetched if pages_fetched is not None else blog.responses,
                "posts_new": written.posts_new,
                "posts_updated": written.posts_updated,
                "posts_removed": removed,
                "errors": written.errors,
                "message": outcome.message,
                "warnings": outcome.warnings,
                "sites": outcome.sites,
            },
        )

    def close(self) -> None:
        """Close the archive file."""
        if self.archive is not None:
            self.archive.close()
            self.archive = None

    def _buffered(self) -> None:
        self.buffered += 1
        if self.buffered >= self.batch_size:
            self.flush()

    def _crawl_id(self, blog: str) -> int:
        crawl_id = self.crawl_ids.get(blog)
        if crawl_id is None:  # a record of a blog not started here (defensive: every blog starts first)
            crawl_id = self.start_blog(self.state.blog(blog), {})
        return crawl_id

    def _site_id(self, root: str) -> int:
        if root not in self.site_ids:
            assert self.archive is not None
            self.site_ids[root] = self.archive.upsert_site(
                url=root, title=None, engine=None, theme=None, feeds=[], sitemaps=[], lang=None
            )
        return self.site_ids[root]
