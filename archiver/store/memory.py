"""What earlier crawls learned, read from the archive by indexed lookups (archiver.crawl.memory's interface):
nothing is loaded up front, so a crawl starts at once whatever the archive's size."""

from __future__ import annotations

import json
from collections.abc import Iterable

from archiver.crawl.memory import KnownPage, KnownPost, LastCrawl
from archiver.extract.urls import url_key
from archiver.store import media
from archiver.store.archive import Archive
from archiver.store.registry import last_crawl_id
from archiver.store.sql import chunks, placeholders


class ArchiveMemory:
    """CrawlMemory over an open archive; crawls in `running_crawl_ids` (this crawl's own rows) are not memory."""

    def __init__(self, archive: Archive, running_crawl_ids: set[int] | None = None) -> None:
        self.archive = archive
        self.running_crawl_ids = running_crawl_ids if running_crawl_ids is not None else set()  # shared, live

    def page(self, key: str) -> KnownPage | None:
        row = self.archive.db.conn.execute(
            "SELECT kind, status, etag, last_modified, content_hash, outlinks FROM pages WHERE url_key = ? "
            "ORDER BY id DESC LIMIT 1",
            [key],
        ).fetchone()
        if row is None:
            return None
        kind, status, etag, modified, digest, outlinks = row
        return KnownPage(kind, status, etag, modified, digest, json.loads(outlinks) if outlinks else None)

    def posts(self, keys: Iterable[str]) -> dict[str, KnownPost]:
        found: dict[str, KnownPost] = {}
        for chunk in chunks(list(keys)):
            for key, listing_hash, fetched_at, status, removed in self.archive.db.conn.execute(
                "SELECT url_key, listing_hash, page_fetched_at, page_status, removed_at FROM posts "
                f"WHERE url_key IN ({placeholders(len(chunk))})",
                list(chunk),
            ):
                found[key] = KnownPost(listing_hash, fetched_at, status, removed is not None)
        return found

    def last_crawl(self, start_url: str) -> LastCrawl | None:
        # The newest crawl of a start page decides; one that never finished (killed) walked nothing for sure.
        crawl_id = last_crawl_id(self.archive.db, start_url, excluding=self.running_crawl_ids)
        if crawl_id is None:
            return None
        finished, stats = self.archive.db.conn.execute(
            "SELECT finished, stats FROM crawls WHERE id = ?", [crawl_id]
        ).fetchone()
        site_stats = ((json.loads(stats).get("sites") or {}) if finished and stats else {}).get(url_key(start_url))
        complete = bool(site_stats and site_stats.get("complete"))
        up_to_date = bool(site_stats and site_stats.get("up_to_date", complete))
        return LastCrawl(complete, site_stats or None, up_to_date)

    def feed_urls(self, root: str) -> list[str]:
        cursor = self.archive.db.conn.execute(
            "SELECT p.url FROM pages p JOIN sites s ON s.id = p.site_id "
            "WHERE s.url = ? AND p.kind = 'feed' AND p.status IN (200, 304) ORDER BY p.id",
            [root],
        )
        return [url for (url,) in cursor]

    def archived_images(self, urls: Iterable[str]) -> set[str]:
        return media.archived_image_urls(self.archive, urls)
