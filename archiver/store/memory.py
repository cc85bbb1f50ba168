"""What earlier crawls learned, read from the archive by indexed lookups (archiver.crawl.memory's interface):
nothing is loaded up front, so a crawl starts at once whatever the archive's size."""

from __future__ import annotations

import json
from collections.abc import Iterable

from archiver.crawl.memory import KnownPage, KnownPost, LastCrawl
from archiver.extract.urls import url_key
from archiver.store import media
from archiver.store.archive import Archive, _chunks, _placeholders

# How far back the newest crawl of a start URL is looked for (crawls rows, newest first).
LAST_CRAWLS_SCANNED = 500


class ArchiveMemory:
    """CrawlMemory over an open archive; crawls in `running_crawl_ids` (this crawl's own rows) are not memory."""

    def __init__(self, archive: Archive, running_crawl_ids: Iterable[int] = ()) -> None:
        self.archive = archive
        self.running_crawl_ids = set(running_crawl_ids)

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
        for chunk in _chunks(list(keys)):
            for key, listing_hash, fetched_at, status, removed in self.archive.db.conn.execute(
                "SELECT url_key, listing_hash, page_fetched_at, page_status, removed_at FROM posts "
                f"WHERE url_key IN ({_placeholders(len(chunk))})",
                list(chunk),
            ):
                found[key] = KnownPost(listing_hash, fetched_at, status, removed is not None)
        return found

    def last_crawl(self, start_url: str) -> LastCrawl | None:
        # The newest crawl of a start page decides; one that never finished (killed) walked nothing for sure.
        wanted = url_key(start_url)
        cursor = self.archive.db.conn.execute(
            "SELECT id, start_urls, finished, stats FROM crawls ORDER BY id DESC LIMIT ?", [LAST_CRAWLS_SCANNED]
        )
        for crawl_id, start_urls, finished, stats in cursor:
            if crawl_id in self.running_crawl_ids:
                continue
            if not any(url_key(u) == wanted for u in json.loads(start_urls or "[]")):
                continue
            site_stats = ((json.loads(stats).get("sites") or {}) if finished and stats else {}).get(wanted)
            return LastCrawl(bool(site_stats and site_stats.get("complete")), site_stats or None)
        return None

    def feed_urls(self, root: str) -> list[str]:
        cursor = self.archive.db.conn.execute(
            "SELECT p.url FROM pages p JOIN sites s ON s.id = p.site_id "
            "WHERE s.url = ? AND p.kind = 'feed' AND p.status IN (200, 304) ORDER BY p.id",
            [root],
        )
        return [url for (url,) in cursor]

    def archived_images(self, urls: Iterable[str]) -> set[str]:
        return media.archived_image_urls(self.archive, urls)
