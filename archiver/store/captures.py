"""The archive's side of raw captures: which pages have a WARC record, and which re-extracted posts changed.

`pages` holds one row per fetched URL with the WARC file and offset of its latest capture (a 304 keeps the
capture of the 200 it confirmed); posts find their page through url_key, or through the `redirect` rows their
URL answered with (archiver.warc.lookup follows them).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from typing import Any

from archiver.store.archive import Archive
from archiver.store.posts import CONTENT_COLUMNS, content_hash, merge_rows, record_values
from archiver.store.selection import PostSelection
from archiver.store.sql import chunks, placeholders

CAPTURE_COLUMNS = ("url", "url_key", "kind", "status", "fetched_at", "warc_file", "warc_offset")


def sites_with_rules(archive: Archive, site_ids: Sequence[int] | None = None) -> list[dict[str, Any]]:
    """Sites (id, url, rules text of a registered site) in id order; all of them when site_ids is None."""
    sql = "SELECT id, url, rules FROM sites"
    params: list[Any] = []
    if site_ids is not None:
        sql += f" WHERE id IN ({placeholders(len(site_ids))})" if site_ids else " WHERE 0"
        params = list(site_ids)
    return [dict(zip(("id", "url", "rules"), row, strict=True))
            for row in archive.db.conn.execute(sql + " ORDER BY id", params)]


def start_urls(archive: Archive) -> set[str]:
    """Every URL a crawl was started from."""
    found: set[str] = set()
    for (value,) in archive.db.conn.execute("SELECT start_urls FROM crawls WHERE start_urls IS NOT NULL"):
        try:
            found.update(u for u in json.loads(value) if isinstance(u, str))
        except ValueError:
            continue
    return found


def listing_captures(archive: Archive, site_id: int) -> list[dict[str, Any]]:
    """The site's listing pages that have a capture, in capture order (WARC file names sort by time)."""
    cursor = archive.db.conn.execute(
        f"SELECT {', '.join(CAPTURE_COLUMNS)} FROM pages WHERE site_id = ? AND kind = 'listing' "
        "AND warc_file IS NOT NULL ORDER BY warc_file, warc_offset",
        [site_id],
    )
    return [dict(zip(CAPTURE_COLUMNS, row, strict=True)) for row in cursor]


def feed_captures(archive: Archive, site_id: int) -> list[dict[str, Any]]:
    """The site's feeds that have a capture."""
    cursor = archive.db.conn.execute(
        f"SELECT {', '.join(CAPTURE_COLUMNS)} FROM pages WHERE site_id = ? AND kind = 'feed' "
        "AND warc_file IS NOT NULL ORDER BY warc_file, warc_offset",
        [site_id],
    )
    return [dict(zip(CAPTURE_COLUMNS, row, strict=True)) for row in cursor]


def post_captures(archive: Archive, keys: Sequence[str]) -> dict[str, dict[str, Any]]:
    """url_key -> the post page row with a capture, for the given keys."""
    found: dict[str, dict[str, Any]] = {}
    for chunk in chunks(list(keys)):
        cursor = archive.db.conn.execute(
            f"SELECT {', '.join(CAPTURE_COLUMNS)} FROM pages WHERE kind = 'post' AND warc_file IS NOT NULL "
            f"AND url_key IN ({placeholders(len(chunk))}) ORDER BY warc_file, warc_offset",
            list(chunk),
        )
        for row in cursor:
            page = dict(zip(CAPTURE_COLUMNS, row, strict=True))
            found[page["url_key"]] = page  # the latest capture wins
    return found


def redirect_pages(archive: Archive, keys: Sequence[str]) -> list[dict[str, Any]]:
    """The `redirect` rows of pages for the given keys, each with `location` (where it sent the crawl)."""
    found = []
    for chunk in chunks(list(keys)):
        cursor = archive.db.conn.execute(
            f"SELECT {', '.join(CAPTURE_COLUMNS)}, json_extract(outlinks, '$.redirect') FROM pages "
            f"WHERE kind = 'redirect' AND url_key IN ({placeholders(len(chunk))}) ORDER BY id",
            list(chunk),
        )
        for *values, location in cursor:
            if isinstance(location, str) and location:
                found.append({**dict(zip(CAPTURE_COLUMNS, values, strict=True)), "location": location})
    return found


def unrecorded_fetched_posts(archive: Archive, keys: Sequence[str]) -> set[str]:
    """The keys without any row in pages whose post page, as far as the archive knows, answered: a post row with
    a 200, or no post row at all (a re-extraction finding posts anew). Crawled before redirects were recorded (the
    page is under its final URL), or not HTML (no page row was kept). Posts whose page failed or was never
    fetched (off-site) are not among them."""
    found: set[str] = set()
    conn = archive.db.conn
    for chunk in chunks(list(dict.fromkeys(keys))):
        marks = placeholders(len(chunk))
        recorded = {key for (key,) in conn.execute(f"SELECT url_key FROM pages WHERE url_key IN ({marks})", chunk)}
        unfetched = {key for (key,) in conn.execute(
            f"SELECT url_key FROM posts WHERE url_key IN ({marks}) AND (page_status IS NULL OR page_status != 200)",
            chunk)}
        found.update(key for key in chunk if key not in recorded and key not in unfetched)
    return found


def warc_file_names(archive: Archive) -> list[str]:
    """Every WARC file the fetch log points into, in capture order."""
    cursor = archive.db.conn.execute(
        "SELECT DISTINCT warc_file FROM pages WHERE warc_file IS NOT NULL ORDER BY warc_file")
    return [name for (name,) in cursor]


def stored_posts(archive: Archive, keys: Sequence[str]) -> dict[str, dict[str, Any]]:
    """url_key -> (page_status, page_fetched_at) of archived posts."""
    found: dict[str, dict[str, Any]] = {}
    for chunk in chunks(list(keys)):
        for key, status, fetched_at in archive.db.conn.execute(
            f"SELECT url_key, page_status, page_fetched_at FROM posts WHERE url_key IN ({placeholders(len(chunk))})",
            list(chunk),
        ):
            found[key] = {"page_status": status, "page_fetched_at": fetched_at}
    return found


def changed_posts(archive: Archive, posts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The posts whose stored row save_posts would change (new ones included); the rest are left alone, so
    re-extracting an unchanged archive does not even touch last_seen."""
    existing = archive.posts_by_key([post["url_key"] for post in posts])
    changed = []
    for post in posts:
        old = existing.get(post["url_key"])
        if old is None:
            changed.append(post)
            continue
        values = record_values(post)
        values["site_id"] = post["site_id"]
        row = merge_rows(old, values)
        row["content_hash"] = content_hash(row["content_text"], row["excerpt"])
        if any(row[name] != old[name] for name in CONTENT_COLUMNS):
            changed.append(post)
    return changed


def selected_posts_with_listing(archive: Archive, selection: PostSelection
                                 ) -> Iterator[tuple[dict[str, Any], dict[str, Any] | None]]:
    """For each selected post (Archive.iter_posts filters), the capture of the listing page it was found on
    (None when missing), streamed; its own page's capture is archiver.warc.lookup's to find."""
    conn = archive.db.conn
    for post in archive.iter_posts(selection, columns=("id", "url_key", "listing_url", "title")):
        listing = None
        if post.get("listing_url"):
            row = conn.execute(
                f"SELECT {', '.join(CAPTURE_COLUMNS)} FROM pages WHERE url = ? AND warc_file IS NOT NULL",
                [post["listing_url"]],
            ).fetchone()
            if row:
                listing = dict(zip(CAPTURE_COLUMNS, row, strict=True))
        yield post, listing


def configured_warc_dirs(archive: Archive) -> list[str]:
    """ARCHIVER_WARC_DIR values the archive's crawls ran with (newest first), as recorded in crawls.options."""
    found: dict[str, None] = {}
    for (value,) in archive.db.conn.execute(
        "SELECT json_extract(options, '$.ARCHIVER_WARC_DIR') FROM crawls "
        "WHERE json_valid(options) AND json_extract(options, '$.ARCHIVER_WARC_DIR') IS NOT NULL ORDER BY id DESC"
    ):
        if isinstance(value, str) and value:
            found.setdefault(value, None)
    return list(found)
