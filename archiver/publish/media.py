"""The archive's images in Datasette: post pages show each archived image from `/-/media/<database>/<sha256>`,
served out of the WARC capture that holds its bytes, so nothing is loaded from the image's original host.

`archived_image_urls` is what the post page's image hook (plugin.local_image_urls) asks; an image it does not
name (never fetched, failed, or its WARC file is not here) stays a placeholder with its original URL as text.
The bytes are checked against the sha256 the archive recorded before they are served, with a type the crawl
checked against the bytes, `nosniff`, and a sandboxing Content-Security-Policy (an SVG opened on its own runs
nothing).
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import weakref
from pathlib import Path
from typing import Any
from urllib.parse import quote

from datasette import hookimpl
from datasette.utils.asgi import Response

from archiver.warc.files import WarcLocator, WarcNotFoundError, default_warc_dir, read_capture

MEDIA_TABLE = "media"
MEDIA_ROUTE = r"^/-/media/(?P<database>[^/]+)/(?P<sha256>[0-9a-f]{64})$"
SERVED_TYPES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp", "image/avif", "image/svg+xml",
                          "image/bmp", "image/x-icon", "image/tiff"})
MEDIA_HEADERS = {
    "Cache-Control": "public, max-age=31536000, immutable",  # named by its hash: it never changes
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; sandbox",
    "Content-Disposition": "inline",
}
SQL_CHUNK = 500
# Per Datasette instance and database: where its WARC files are (looked up once).
_LOCATORS: weakref.WeakKeyDictionary[Any, dict[str, WarcLocator]] = weakref.WeakKeyDictionary()


def media_path(datasette: Any, database: str, sha256: str) -> str:
    """The URL path this Datasette serves an image's bytes under."""
    return datasette.urls.path(f"/-/media/{quote(database, safe='')}/{sha256}")


async def _locator(datasette: Any, database: str) -> WarcLocator | None:
    """Where the database's WARC files are: the folders its crawls wrote to, and warc/ beside it."""
    cache = _LOCATORS.setdefault(datasette, {})
    if database in cache:
        return cache[database]
    db = datasette.get_database(database)
    if not db.path:
        return None
    db_file = Path(db.path)
    folders: list[Path] = []
    if await db.table_exists("crawls"):
        rows = await db.execute(
            "SELECT DISTINCT json_extract(options, '$.ARCHIVER_WARC_DIR') FROM crawls "
            "WHERE json_valid(options) AND json_extract(options, '$.ARCHIVER_WARC_DIR') IS NOT NULL"
        )
        for (value,) in rows.rows:
            if isinstance(value, str) and value:
                path = Path(value)
                folders += [path] if path.is_absolute() else [db_file.parent / path, path.absolute()]
    folders.append(default_warc_dir(db_file))
    cache[database] = WarcLocator(folders)
    return cache[database]


def _readable(locator: WarcLocator, name: str) -> bool:
    try:
        locator.path(name)
    except WarcNotFoundError:
        return False
    return True


async def archived_image_urls(datasette: Any, database: str, sources: list[str]) -> dict[str, str]:
    """{image URL as the body has it: local URL} for the images among `sources` this Datasette can serve."""
    db = datasette.get_database(database)
    if not sources or not await db.table_exists(MEDIA_TABLE):
        return {}
    locator = await _locator(datasette, database)
    if locator is None:
        return {}
    found: dict[str, str] = {}
    wanted = list(dict.fromkeys(sources))
    for start in range(0, len(wanted), SQL_CHUNK):
        chunk = wanted[start:start + SQL_CHUNK]
        rows = await db.execute(
            f"""SELECT m.url, m.sha256, m.content_type,
                       (SELECT json_group_array(c.warc_file) FROM media c WHERE c.sha256 = m.sha256
                        AND c.warc_file IS NOT NULL) AS files
                FROM media m WHERE m.sha256 IS NOT NULL AND m.url IN ({', '.join('?' for _ in chunk)})""",
            chunk,
        )
        for url, sha256, content_type, files in rows.rows:
            if content_type in SERVED_TYPES and any(_readable(locator, name) for name in json.loads(files or "[]")):
                found[url] = media_path(datasette, database, sha256)
    return found


def _read_bytes(locator: WarcLocator, rows: list[tuple[str, int]], sha256: str) -> bytes | None:
    """The first capture among `rows` whose body has this sha256 (a revisit record holds none: skipped)."""
    for warc_file, warc_offset in rows:
        try:
            capture = read_capture(locator.path(warc_file), warc_offset)
        except (OSError, ValueError, EOFError):
            continue
        if capture.status == 200 and hashlib.sha256(capture.body).hexdigest() == sha256:
            return capture.body
    return None


async def media_view(datasette: Any, request: Any) -> Response:
    """/-/media/<database>/<sha256>: an archived image's bytes, out of its WARC capture."""
    database, sha256 = request.url_vars["database"], request.url_vars["sha256"]
    try:
        db = datasette.get_database(database)
    except KeyError:
        return Response.text("no such database", status=404)
    if not await db.table_exists(MEDIA_TABLE):
        return Response.text("this database keeps no images", status=404)
    rows = (await db.execute(
        "SELECT content_type, warc_file, warc_offset FROM media WHERE sha256 = ? AND warc_file IS NOT NULL "
        "ORDER BY warc_file, warc_offset",
        [sha256],
    )).rows
    locator = await _locator(datasette, database)
    if not rows or locator is None or rows[0][0] not in SERVED_TYPES:
        return Response.text("no such image in the archive", status=404)
    body = await asyncio.to_thread(_read_bytes, locator, [(row[1], row[2]) for row in rows], sha256)
    if body is None:
        return Response.text("the image's WARC capture is not readable here", status=404)
    return Response(body, status=200, headers=dict(MEDIA_HEADERS), content_type=rows[0][0])


@hookimpl
def register_routes() -> list[tuple[str, Any]]:
    return [(MEDIA_ROUTE, media_view)]
