"""Blogs of an archive that are not in the registry: what `archiver status` says about a blog crawled once
(`archiver crawl URL`, `archiver demo`) and never registered."""

from __future__ import annotations

from typing import Any

from archiver.store.archive import Archive
from archiver.store.registry import crawl_summary


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
        site["last_crawl"] = crawl_summary(conn, crawl_id)
        since = site["last_crawl"]["started"] if site["last_crawl"] else "9999"
        live, removed, removed_last = conn.execute(
            """SELECT count(*) FILTER (WHERE removed_at IS NULL), count(*) FILTER (WHERE removed_at IS NOT NULL),
                      count(*) FILTER (WHERE removed_at >= ?)
               FROM posts WHERE site_id = ?""",
            [since, site["id"]],
        ).fetchone()
        site.update(posts=live, posts_removed=removed, posts_removed_last_crawl=removed_last)
    return sites

