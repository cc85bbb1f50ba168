"""The archive's images: one `media` row per image URL (what it is, where its bytes are in the WARC, or why it
is not archived) and `post_media`, which post shows which image in which order.

An image archived once stays archived: a later failure to fetch it again never replaces a good row. Two URLs
with the same bytes share their sha256, so readers (the Datasette route, the HTML export) keep one copy.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from archiver.store.sql import chunks, placeholders, utc_now

if TYPE_CHECKING:  # Archive is built from this package's parts; selection.py copies media rows
    from archiver.store.archive import Archive

MEDIA_COLUMNS = ("id", "url", "site_id", "status", "final_url", "redirects", "content_type", "size", "sha256", "warc_file",
                 "warc_offset", "fetched_at", "crawl_id", "error", "first_seen")
# Filled by a fetch; the rest (url, site_id, first_seen) by whoever saw the image first.
FETCH_COLUMNS = ("status", "final_url", "redirects", "content_type", "size", "sha256", "warc_file", "warc_offset", "fetched_at",
                 "error")


@dataclass(frozen=True, slots=True)
class PostImages:
    """The images one post shows, in order (its url_key, its site)."""

    url_key: str
    site_id: int | None
    urls: list[str]


def _ensure_media(archive: Archive, urls: Iterable[str], site_id: int | None) -> dict[str, int]:
    """url -> media id, adding a row (not yet fetched) for each URL the archive did not know."""
    wanted = list(dict.fromkeys(urls))
    conn = archive.db.conn
    now = utc_now()
    conn.executemany(
        "INSERT INTO media(url, site_id, first_seen) VALUES (?, ?, ?) ON CONFLICT(url) DO NOTHING",
        [(url, site_id, now) for url in wanted],
    )
    ids: dict[str, int] = {}
    for chunk in chunks(wanted):
        for media_id, url in conn.execute(
            f"SELECT id, url FROM media WHERE url IN ({placeholders(len(chunk))})", list(chunk)
        ):
            ids[url] = media_id
    return ids


def link_post_images(archive: Archive, posts: Sequence[PostImages], *, only_changed: bool = False) -> int:
    """Replace each post's image links with the images its body shows now; returns the posts whose links were
    written. Posts without a row (a duplicate dropped under another URL) are skipped; with `only_changed`,
    so are posts whose links are already those (nothing is touched)."""
    if not posts:
        return 0
    conn = archive.db.conn
    written = 0
    with archive.db.atomic():
        post_ids: dict[str, int] = {}
        for chunk in chunks([p.url_key for p in posts]):
            post_ids.update(conn.execute(
                f"SELECT url_key, id FROM posts WHERE url_key IN ({placeholders(len(chunk))})", list(chunk)
            ).fetchall())
        for post in posts:
            post_id = post_ids.get(post.url_key)
            if post_id is None:
                continue
            urls = list(dict.fromkeys(post.urls))
            if only_changed and linked_urls(archive, post_id) == urls:
                continue
            conn.execute("DELETE FROM post_media WHERE post_id = ?", [post_id])
            written += 1
            if not urls:
                continue
            ids = _ensure_media(archive, urls, post.site_id)
            conn.executemany(
                "INSERT OR IGNORE INTO post_media(post_id, media_id, position) VALUES (?, ?, ?)",
                [(post_id, ids[url], position) for position, url in enumerate(urls)],
            )
    return written


def linked_urls(archive: Archive, post_id: int) -> list[str]:
    """The image URLs a post is linked to, in order."""
    return [url for (url,) in archive.db.conn.execute(
        "SELECT m.url FROM post_media pm JOIN media m ON m.id = pm.media_id WHERE pm.post_id = ? ORDER BY pm.position",
        [post_id],
    )]


def record_images(archive: Archive, images: Sequence[dict[str, Any]], crawl_id: int | None) -> None:
    """Save fetch results (dicts with url, site_id and FETCH_COLUMNS). A failure never replaces an image that
    an earlier fetch archived: the archive keeps what it has."""
    if not images:
        return
    conn = archive.db.conn
    now = utc_now()
    assignments = ", ".join(f"{name} = excluded.{name}" for name in (*FETCH_COLUMNS, "crawl_id"))
    with archive.db.atomic():
        conn.executemany(
            f"""INSERT INTO media(url, site_id, first_seen, crawl_id, {', '.join(FETCH_COLUMNS)})
                VALUES (?, ?, ?, ?, {', '.join('?' for _ in FETCH_COLUMNS)})
                ON CONFLICT(url) DO UPDATE SET {assignments}, site_id = coalesce(media.site_id, excluded.site_id)
                WHERE excluded.sha256 IS NOT NULL OR media.sha256 IS NULL""",
            [(image["url"], image.get("site_id"), now, crawl_id, *(image.get(name) for name in FETCH_COLUMNS))
             for image in images],
        )


def archived_image_urls(archive: Archive, urls: Iterable[str]) -> set[str]:
    """The URLs among `urls` whose image the archive holds (a re-crawl does not fetch them again)."""
    found: set[str] = set()
    for chunk in chunks(list(dict.fromkeys(urls))):
        found.update(url for (url,) in archive.db.conn.execute(
            f"SELECT url FROM media WHERE sha256 IS NOT NULL AND url IN ({placeholders(len(chunk))})", list(chunk)
        ))
    return found


def post_images(archive: Archive, post_id: int) -> list[dict[str, Any]]:
    """The images a post shows, in order, with their media rows."""
    cursor = archive.db.conn.execute(
        f"""SELECT {', '.join('m.' + c for c in MEDIA_COLUMNS)} FROM post_media pm JOIN media m ON m.id = pm.media_id
            WHERE pm.post_id = ? ORDER BY pm.position""",
        [post_id],
    )
    return [dict(zip(MEDIA_COLUMNS, row, strict=True)) for row in cursor]


def images_by_url(archive: Archive, urls: Iterable[str]) -> dict[str, dict[str, Any]]:
    """url -> media row, for the archived images among `urls`."""
    found: dict[str, dict[str, Any]] = {}
    for chunk in chunks(list(dict.fromkeys(urls))):
        cursor = archive.db.conn.execute(
            f"SELECT {', '.join(MEDIA_COLUMNS)} FROM media WHERE sha256 IS NOT NULL "
            f"AND url IN ({placeholders(len(chunk))})",
            list(chunk),
        )
        for row in cursor:
            media = dict(zip(MEDIA_COLUMNS, row, strict=True))
            found[media["url"]] = media
    return found


def copies_of(archive: Archive, sha256: str) -> list[dict[str, Any]]:
    """Every archived row with these bytes (the first is where they were captured first)."""
    cursor = archive.db.conn.execute(
        f"SELECT {', '.join(MEDIA_COLUMNS)} FROM media WHERE sha256 = ? AND warc_file IS NOT NULL "
        "ORDER BY warc_file, warc_offset",
        [sha256],
    )
    return [dict(zip(MEDIA_COLUMNS, row, strict=True)) for row in cursor]


def selected_post_images(archive: Archive, post_ids: Sequence[int]) -> dict[int, list[dict[str, Any]]]:
    """post id -> its archived images in order, for the given posts."""
    found: dict[int, list[dict[str, Any]]] = {}
    for chunk in chunks(list(post_ids)):
        cursor = archive.db.conn.execute(
            f"""SELECT pm.post_id, {', '.join('m.' + c for c in MEDIA_COLUMNS)} FROM post_media pm
                JOIN media m ON m.id = pm.media_id
                WHERE m.sha256 IS NOT NULL AND pm.post_id IN ({placeholders(len(chunk))})
                ORDER BY pm.post_id, pm.position""",
            list(chunk),
        )
        for post_id, *row in cursor:
            found.setdefault(post_id, []).append(dict(zip(MEDIA_COLUMNS, row, strict=True)))
    return found


def copy_selected_media(conn: Any) -> None:
    """Part of Archive.copy_selection_from (src attached, temp.selected_posts filled): the images the selected
    posts show and their links; an image's site or crawl is kept only when the subset has that row."""
    source_tables = {name for (name,) in conn.execute("SELECT name FROM src.sqlite_master WHERE type = 'table'")}
    if "post_media" not in source_tables:
        return
    columns = [f"m.{name}" for name in MEDIA_COLUMNS]
    columns[MEDIA_COLUMNS.index("site_id")] = "CASE WHEN m.site_id IN (SELECT id FROM main.sites) THEN m.site_id END"
    columns[MEDIA_COLUMNS.index("crawl_id")] = (
        "CASE WHEN m.crawl_id IN (SELECT id FROM main.crawls) THEN m.crawl_id END")
    conn.execute(
        f"""INSERT INTO main.media ({', '.join(MEDIA_COLUMNS)}) SELECT {', '.join(columns)} FROM src.media m
            WHERE m.id IN (SELECT media_id FROM src.post_media WHERE post_id IN (SELECT id FROM selected_posts))"""
    )
    conn.execute(
        "INSERT INTO main.post_media (post_id, media_id, position) SELECT post_id, media_id, position "
        "FROM src.post_media WHERE post_id IN (SELECT id FROM selected_posts)"
    )
