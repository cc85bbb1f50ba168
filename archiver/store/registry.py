"""The sites registry: the blogs `archiver schedule` / `crawl --all` crawl, with their schedule and rules.

A registered site is a sites row with a schedule. Its crawls are the crawls rows started from its registered URL
(each scheduled crawl starts from exactly that URL); its posts are those of the site rows whose URL is a prefix of
it (the crawler files posts under the blog's root). When a site is due is archiver.schedule's business.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from sqlite_utils import Database

from archiver.extract.urls import canonical_url, url_key
from archiver.store.sql import placeholders, utc_now


def last_crawl_id(db: Database, start_url: str, *, excluding: Iterable[int] = ()) -> int | None:
    """The id of the newest crawl started from `start_url` (by its key: http/https and trailing-slash variants
    are one blog), through the crawls.start_key index; crawls of several blogs at once (made before each blog got
    its own crawls row) are looked through too."""
    skip = list(excluding)
    not_skipped = f"AND id NOT IN ({placeholders(len(skip))})" if skip else ""
    (newest,) = db.execute(f"SELECT max(id) FROM crawls WHERE start_key = ? {not_skipped}",
                           [url_key(start_url), *skip]).fetchone()
    (shared,) = db.execute(
        f"""SELECT max(c.id) FROM crawls c, json_each(c.start_urls) j
            WHERE c.start_key IS NULL AND json_valid(c.start_urls) AND j.value = ? {not_skipped.replace("id", "c.id")}""",
        [start_url, *skip],
    ).fetchone()
    candidates = [crawl_id for crawl_id in (newest, shared) if crawl_id is not None]
    return max(candidates) if candidates else None


def _json_list(value: str | None) -> list[str]:
    try:
        found = json.loads(value) if value else []
    except ValueError:
        return []
    return found if isinstance(found, list) else []


class Registry:
    """Registered sites (a part of Archive)."""

    db: Database

    def register_site(self, url: str, *, schedule: str, name: str | None = None, rules: str | None = None) -> int:
        """Register (or re-register) the blog at `url` with a stored schedule text, a name and a rules file's
        text; returns the site id. Raises ValueError when another registered site has that name."""
        with self.db.atomic():
            conn = self.db.conn
            if name:
                clash = conn.execute(
                    "SELECT url FROM sites WHERE name = ? AND schedule IS NOT NULL AND url != ?", [name, url]
                ).fetchone()
                if clash:
                    raise ValueError(f"the name {name!r} is already taken by {clash[0]}")
            row = conn.execute(
                """INSERT INTO sites(url, name, schedule, rules, first_seen) VALUES (?, ?, ?, ?, ?)
                   ON CONFLICT(url) DO UPDATE SET name = COALESCE(excluded.name, sites.name),
                     schedule = excluded.schedule, rules = excluded.rules
                   RETURNING id""",
                [url, name or None, schedule, rules, utc_now()],
            ).fetchone()
        return int(row[0])

    def list_sites(self) -> list[dict[str, Any]]:
        """Registered sites in registration order, each with its last crawl (or None) and post counts."""
        return self._registered("", [])

    def _registered(self, condition: str, params: list[Any]) -> list[dict[str, Any]]:
        """Registered sites matching an extra SQL condition, with their last crawl and post counts."""
        conn = self.db.conn
        sites = [
            dict(zip(("id", "url", "name", "schedule", "rules", "title", "first_seen", "feeds"), values, strict=True))
            for values in conn.execute(
                "SELECT id, url, name, schedule, rules, title, first_seen, feeds FROM sites "
                f"WHERE schedule IS NOT NULL {condition} ORDER BY id",
                params,
            )
        ]
        for site in sites:
            site["feeds"] = _json_list(site["feeds"])
            if not site["title"] or not site["feeds"]:  # what crawls found is filed under the blog's root
                title, feeds = conn.execute(
                    "SELECT title, feeds FROM sites WHERE substr(?, 1, length(url)) = url AND title IS NOT NULL "
                    "ORDER BY length(url) DESC LIMIT 1", [site["url"]]).fetchone() or (None, None)
                site["title"] = site["title"] or title
                site["feeds"] = site["feeds"] or _json_list(feeds)
            site["last_crawl"] = self._last_crawl_of(site["url"])
            since = site["last_crawl"]["started"] if site["last_crawl"] else None
            live, removed, removed_last = conn.execute(
                """SELECT count(*) FILTER (WHERE removed_at IS NULL),
                          count(*) FILTER (WHERE removed_at IS NOT NULL),
                          count(*) FILTER (WHERE removed_at >= ?)
                   FROM posts WHERE site_id IN (SELECT id FROM sites WHERE substr(?, 1, length(url)) = url)""",
                [since or "9999", site["url"]],
            ).fetchone()
            site.update(posts=live, posts_removed=removed, posts_removed_last_crawl=removed_last)
        return sites

    def _last_crawl_of(self, url: str) -> dict[str, Any] | None:
        """The latest crawl started from `url`, with up to 3 of its error messages; None when never crawled."""
        return crawl_summary(self.db.conn, last_crawl_id(self.db, url))

    def find_registered_site(self, url_or_name: str) -> dict[str, Any] | None:
        """The registered site with this name, or this URL (as given or in canonical form); None if none."""
        found = self._registered("AND (name = ? OR url IN (?, ?))", [url_or_name, url_or_name, canonical_url(url_or_name)])
        return found[0] if found else None

    def remove_site(self, url_or_name: str) -> dict[str, Any] | None:
        """Unregister a site (it is no longer scheduled); its archived posts, pages and crawls are kept.
        Returns the site as it was, or None when no registered site matches."""
        site = self.find_registered_site(url_or_name)
        if site is None:
            return None
        with self.db.atomic():
            conn = self.db.conn
            referenced = conn.execute(
                """SELECT EXISTS(SELECT 1 FROM posts WHERE site_id = :id)
                          OR EXISTS(SELECT 1 FROM pages WHERE site_id = :id)""",
                {"id": site["id"]},
            ).fetchone()[0]
            if referenced:
                conn.execute("UPDATE sites SET schedule = NULL, rules = NULL WHERE id = ?", [site["id"]])
            else:  # registered but never archived under this row: nothing to keep
                conn.execute("DELETE FROM sites WHERE id = ?", [site["id"]])
        return site


CRAWL_COLUMNS = ("id", "started", "finished", "status", "message", "pages_fetched", "posts_new", "posts_updated",
                 "errors", "stats")


def crawl_summary(conn: Any, crawl_id: int | None) -> dict[str, Any] | None:
    """One crawl as `archiver status` shows it: its row, its stats decoded, up to 3 of its errors."""
    if crawl_id is None:
        return None
    values = conn.execute(f"SELECT {', '.join(CRAWL_COLUMNS)} FROM crawls WHERE id = ?", [crawl_id]).fetchone()
    if values is None:
        return None
    crawl = dict(zip(CRAWL_COLUMNS, values, strict=True))
    try:
        crawl["stats"] = json.loads(crawl["stats"]) if crawl["stats"] else {}
    except ValueError:
        crawl["stats"] = {}
    crawl["error_samples"] = [
        dict(zip(("url", "kind", "status", "message"), row, strict=True))
        for row in conn.execute(
            "SELECT url, kind, status, message FROM crawl_errors WHERE crawl_id = ? ORDER BY id LIMIT 3", [crawl_id]
        )
    ]
    return crawl
