"""Blogs of an archive that are not in the registry: what `archiver status` says about a blog crawled once
(`archiver crawl URL`, `archiver demo`) and never registered."""

from __future__ import annotations

import json
from typing import Any

from archiver.store.archive import Archive

CRAWL_COLUMNS = ("id", "started", "finished", "status", "message", "pages_fetched", "posts_new", "posts_updated",
                 "errors", "stats")


def unregistered_sites(archive: Archive) -> list[dict[str, Any]]:
    """Every blog that is not registered, shaped as Archive.list_sites shapes registered ones: its last crawl
    (the latest that fetched one of its pages or was started from its URL, with up to 3 errors) and its
    post counts."""
    conn = archive.db.conn
    sites = [
        dict(zip(("id", "url", "name", "schedule", "rules", "title", "first_seen"), values, strict=True))
        for values in conn.execute(
            # Not a registered blog, nor the root a registered blog's posts are filed under (as list_sites counts).
            """SELECT id, url, name, schedule, rules, title, first_seen FROM sites
               WHERE schedule IS NULL AND NOT EXISTS (
                 SELECT 1 FROM sites r WHERE r.schedule IS NOT NULL AND substr(r.url, 1, length(sites.url)) = sites.url)
               ORDER BY id"""
        )
    ]
    for site in sites:
        (crawl_id,) = conn.execute(
            """SELECT max(id) FROM (
                 SELECT max(crawl_id) AS id FROM pages WHERE site_id = :site
                 UNION ALL SELECT max(c.id) FROM crawls c, json_each(c.start_urls) j
                           WHERE json_valid(c.start_urls) AND j.value = :url)""",
            {"site": site["id"], "url": site["url"]},
        ).fetchone()
        site["last_crawl"] = _crawl(archive, crawl_id) if crawl_id is not None else None
        since = site["last_crawl"]["started"] if site["last_crawl"] else "9999"
        live, removed, removed_last = conn.execute(
            """SELECT count(*) FILTER (WHERE removed_at IS NULL), count(*) FILTER (WHERE removed_at IS NOT NULL),
                      count(*) FILTER (WHERE removed_at >= ?)
               FROM posts WHERE site_id = ?""",
            [since, site["id"]],
        ).fetchone()
        site.update(posts=live, posts_removed=removed, posts_removed_last_crawl=removed_last)
    return sites


def _crawl(archive: Archive, crawl_id: int) -> dict[str, Any] | None:
    conn = archive.db.conn
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
