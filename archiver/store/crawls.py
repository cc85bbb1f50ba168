"""The crawl log: one crawls row per crawl (who runs it, how it ended), its errors, and the fetch log of pages."""

from __future__ import annotations

import os
import socket

from sqlite_utils import Database

from archiver.extract.urls import url_key
from archiver.store.schema import CRAWL_STATUSES, PAGE_KINDS
from archiver.store.sql import to_json, utc_now


def process_alive(pid: int) -> bool:
    """Whether a process with this id runs on this machine (one we may not signal counts as running)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class CrawlLog:
    """Crawls, their errors and fetched pages (a part of Archive)."""

    db: Database

    def start_crawl(self, start_urls: list[str], options: dict) -> int:
        """Record the start of a crawl run by this process; returns its id. Earlier crawls whose process is
        gone are marked interrupted first."""
        self.mark_interrupted()
        start_key = url_key(start_urls[0]) if len(start_urls) == 1 else None
        with self.db.atomic():
            cursor = self.db.conn.execute(
                "INSERT INTO crawls(started, status, start_urls, options, start_key, pid, host) "
                "VALUES (?, 'running', ?, ?, ?, ?, ?)",
                [utc_now(), to_json(list(start_urls)), to_json(options), start_key, os.getpid(),
                 socket.gethostname()],
            )
        return int(cursor.lastrowid or 0)

    def mark_interrupted(self) -> list[int]:
        """Crawls still 'running' whose process is gone (killed: it never recorded its end) become
        'interrupted'; returns their ids. A crawl of another host, or one from before crawls recorded their
        process, is left alone: whether it still runs cannot be told from here."""
        host = socket.gethostname()
        dead = [
            (crawl_id, pid)
            for crawl_id, pid in self.db.conn.execute(
                "SELECT id, pid FROM crawls WHERE status = 'running' AND host = ? AND pid IS NOT NULL", [host]
            )
            if pid != os.getpid() and not process_alive(pid)
        ]
        if dead:
            with self.db.atomic():
                self.db.conn.executemany(
                    "UPDATE crawls SET status = 'interrupted', message = ? WHERE id = ? AND status = 'running'",
                    [(f"interrupted: its process ({pid} on {host}) ended without finishing the crawl", crawl_id)
                     for crawl_id, pid in dead],
                )
        return [crawl_id for crawl_id, _ in dead]

    def finish_crawl(self, crawl_id: int, status: str, stats: dict) -> None:
        """Record the end of a crawl: status ok/partial/failed; `stats` figures override the running counts."""
        if status not in CRAWL_STATUSES or status in ("running", "interrupted"):
            raise ValueError(f"crawl status must be ok, partial or failed, not {status!r}")
        counters = {
            name: int(stats[name])
            for name in ("pages_fetched", "posts_new", "posts_updated", "errors")
            if stats.get(name) is not None
        }
        assignments = "".join(f", {name} = ?" for name in counters)
        with self.db.atomic():
            cursor = self.db.conn.execute(
                f"UPDATE crawls SET finished = ?, status = ?, message = COALESCE(?, message), stats = ?"
                f"{assignments} WHERE id = ?",
                [utc_now(), status, stats.get("message"), to_json(stats), *counters.values(), crawl_id],
            )
        if cursor.rowcount == 0:
            raise KeyError(f"no crawl {crawl_id}")

    def log_error(self, crawl_id: int, url: str, kind: str, message: str, status: int | None = None) -> None:
        """Record one failure of a crawl (fetch error, HTTP status, extraction failure...)."""
        with self.db.atomic():
            self.db.conn.execute(
                "INSERT INTO crawl_errors(crawl_id, url, kind, status, message, at) VALUES (?, ?, ?, ?, ?, ?)",
                [crawl_id, url, kind, status, message, utc_now()],
            )
            self.db.conn.execute("UPDATE crawls SET errors = errors + 1 WHERE id = ?", [crawl_id])

    def record_pages(self, pages: list[dict], crawl_id: int) -> None:
        """Upsert the fetch log on url: kind, status, validators (etag, last_modified), content hash, WARC spot.

        Each dict has `url` and `kind` (listing/post/feed/sitemap/robots) and optionally url_key, site_id,
        status, etag, last_modified, content_hash, fetched_at (default now), warc_file, warc_offset.
        Validators and hashes a response lacks keep their earlier values.
        """
        if not pages:
            return
        now = utc_now()
        rows = []
        for page in pages:
            if page.get("kind") not in PAGE_KINDS:
                raise ValueError(f"page kind must be one of {PAGE_KINDS}, not {page.get('kind')!r}")
            rows.append(
                (
                    page["url"],
                    page.get("url_key"),
                    page["kind"],
                    page.get("site_id"),
                    page.get("status"),
                    page.get("etag") or None,
                    page.get("last_modified") or None,
                    page.get("content_hash") or None,
                    page.get("fetched_at") or now,
                    crawl_id,
                    page.get("warc_file") or None,
                    page.get("warc_offset"),
                    to_json(page["outlinks"]) if page.get("outlinks") is not None else None,
                )
            )
        with self.db.atomic():
            self.db.conn.executemany(
                """INSERT INTO pages(url, url_key, kind, site_id, status, etag, last_modified, content_hash,
                                     fetched_at, crawl_id, warc_file, warc_offset, outlinks)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                   ON CONFLICT(url) DO UPDATE SET
                     url_key = COALESCE(excluded.url_key, pages.url_key),
                     kind = excluded.kind,
                     site_id = COALESCE(excluded.site_id, pages.site_id),
                     status = excluded.status,
                     etag = COALESCE(excluded.etag, pages.etag),
                     last_modified = COALESCE(excluded.last_modified, pages.last_modified),
                     content_hash = COALESCE(excluded.content_hash, pages.content_hash),
                     fetched_at = excluded.fetched_at,
                     crawl_id = excluded.crawl_id,
                     warc_file = COALESCE(excluded.warc_file, pages.warc_file),
                     warc_offset = COALESCE(excluded.warc_offset, pages.warc_offset),
                     outlinks = COALESCE(excluded.outlinks, pages.outlinks)""",
                rows,
            )
            self.db.conn.execute(
                "UPDATE crawls SET pages_fetched = pages_fetched + ? WHERE id = ?", [len(rows), crawl_id]
            )
