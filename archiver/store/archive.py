"""The SQLite archive: sites, crawls, posts with their tags and categories, fetched pages and crawl errors."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from archiver.store.schema import (
    CRAWL_STATUSES,
    PAGE_KINDS,
    SCHEMA_VERSION,
    SchemaVersionError,
    create_schema,
    migrate,
    read_schema_version,
)

# Fields of a post record stored as they come (tags/categories are stored as JSON arrays besides).
RECORD_COLUMNS: tuple[str, ...] = (
    "url",
    "title",
    "excerpt",
    "excerpt_source",
    "published",
    "published_raw",
    "published_source",
    "updated",
    "updated_raw",
    "updated_source",
    "author",
    "lang",
    "tags",
    "categories",
    "content_html",
    "content_text",
    "content_markdown",
    "listing_url",
    "listing_position",
    "extracted_by",
    "page_status",
)
# Fields that only make sense together: a newer record replaces the whole group or none of it, so a
# date never ends up beside the raw text of another date.
FIELD_GROUPS: tuple[tuple[str, ...], ...] = (
    ("published", "published_raw", "published_source"),
    ("updated", "updated_raw", "updated_source"),
    ("excerpt", "excerpt_source"),
    ("content_html", "content_text", "content_markdown"),
    ("listing_url", "listing_position"),
)
SINGLE_FIELDS: tuple[str, ...] = tuple(
    name for name in RECORD_COLUMNS if not any(name in group for group in FIELD_GROUPS)
)
# A change in any of these makes a re-saved post count as "updated".
CHANGE_FIELDS: tuple[str, ...] = ("content_hash", "title", "excerpt", "published", "updated")
POST_COLUMNS: tuple[str, ...] = (
    "site_id",
    "url_key",
    *RECORD_COLUMNS,
    "content_hash",
    "first_seen",
    "last_seen",
    "last_crawl_id",
    "removed_at",
)
# Columns whose equality means a re-saved row needs only its bookkeeping touched.
CONTENT_COLUMNS: tuple[str, ...] = ("site_id", *RECORD_COLUMNS, "content_hash")
TAXONOMIES: tuple[tuple[str, str, str, str], ...] = (
    # (posts column, name table, link table, link column)
    ("tags", "tags", "post_tags", "tag_id"),
    ("categories", "categories", "post_categories", "category_id"),
)
JSON_LIST_COLUMNS = frozenset(column for column, *_ in TAXONOMIES)
SQL_VARIABLE_CHUNK = 500


def utc_now() -> str:
    """The current time as an ISO-8601 UTC string, to the second."""
    return datetime.now(UTC).isoformat(timespec="seconds")


def content_hash(content_text: str | None, excerpt: str | None) -> str | None:
    """sha256 hex of the body text, or of the excerpt when there is no body; None when there is neither."""
    basis = content_text or excerpt
    if not basis:
        return None
    return hashlib.sha256(basis.encode("utf-8")).hexdigest()


def _to_json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)


def _clean_names(names: Iterable[str] | None) -> list[str]:
    """Whitespace-collapsed, non-empty, de-duplicated names in their original order."""
    seen: dict[str, None] = {}
    for name in names or ():
        cleaned = " ".join(str(name).split())
        if cleaned:
            seen.setdefault(cleaned, None)
    return list(seen)


def _is_blank(name: str, value: Any) -> bool:
    return value is None or value == "" or (name in JSON_LIST_COLUMNS and value == "[]")


def _chunks(items: Sequence[Any], size: int = SQL_VARIABLE_CHUNK) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _placeholders(count: int) -> str:
    return ",".join("?" * count)


def _record_values(post: dict[str, Any]) -> dict[str, Any]:
    """A post dict's storable fields, with tags/categories as JSON arrays."""
    values = {name: post.get(name) for name in RECORD_COLUMNS}
    values["tags"] = _to_json(_clean_names(post.get("tags")))
    values["categories"] = _to_json(_clean_names(post.get("categories")))
    if values["extracted_by"] == "":
        values["extracted_by"] = None
    return values


def _merge(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """`new` over `old`, never blanking a field (or field group) that `new` lacks."""
    merged = dict(old)
    merged["site_id"] = new["site_id"]
    for group in FIELD_GROUPS:
        if any(not _is_blank(name, new[name]) for name in group):
            for name in group:
                merged[name] = new[name]
    for name in SINGLE_FIELDS:
        if not _is_blank(name, new[name]):
            merged[name] = new[name]
    return merged


class Archive:
    """An SQLite archive file: open or create it, migrate it, and read and write crawl results."""

    def __init__(self, path: str | Path, *, _db: Database | None = None) -> None:
        """Open or create the archive at `path` (WAL, foreign keys on) and migrate it to the current schema."""
        self.path = Path(path)
        if _db is not None:  # open_readonly hands over its own connection
            self.db = _db
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.db = Database(self.path)
        try:
            self.db.execute("PRAGMA foreign_keys = ON")
            self.db.enable_wal()
            # Safe with WAL: a power cut can lose the last transactions but never corrupts the file.
            self.db.execute("PRAGMA synchronous = NORMAL")
            version = read_schema_version(self.db)
            if version > SCHEMA_VERSION:
                raise SchemaVersionError(
                    f"{self.path} has schema version {version}, newer than the {SCHEMA_VERSION} this "
                    "blog-archiver knows: upgrade blog-archiver to open it"
                )
            if version == 0:
                with self.db.atomic():
                    create_schema(self.db)
            elif version < SCHEMA_VERSION:
                migrate(self.db, version)
        except BaseException:
            self.db.close()
            raise

    @classmethod
    def open_readonly(cls, path: str | Path) -> Archive:
        """Open an existing archive for reading only; never creates or migrates it."""
        path = Path(path)
        if not path.is_file():
            raise FileNotFoundError(f"no archive at {path}")
        connection = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        db = Database(connection)
        try:
            version = read_schema_version(db)
            if version != SCHEMA_VERSION:
                hint = (
                    "upgrade blog-archiver to read it"
                    if version > SCHEMA_VERSION
                    else "open it read-write once to migrate it"
                )
                raise SchemaVersionError(
                    f"{path} has schema version {version}, this blog-archiver reads {SCHEMA_VERSION}: {hint}"
                )
        except BaseException:
            db.close()
            raise
        return cls(path, _db=db)

    def __enter__(self) -> Archive:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the database file."""
        self.db.close()

    # --- crawls ---------------------------------------------------------------------------------------

    def start_crawl(self, start_urls: list[str], options: dict) -> int:
        """Record the start of a crawl; returns its id."""
        with self.db.atomic():
            cursor = self.db.conn.execute(
                "INSERT INTO crawls(started, status, start_urls, options) VALUES (?, 'running', ?, ?)",
                [utc_now(), _to_json(list(start_urls)), _to_json(options)],
            )
        return int(cursor.lastrowid or 0)

    def finish_crawl(self, crawl_id: int, status: str, stats: dict) -> None:
        """Record the end of a crawl: status ok/partial/failed; `stats` figures override the running counts."""
        if status not in CRAWL_STATUSES or status == "running":
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
                [utc_now(), status, stats.get("message"), _to_json(stats), *counters.values(), crawl_id],
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

    # --- sites ----------------------------------------------------------------------------------------

    def upsert_site(
        self,
        *,
        url: str,
        title: str | None,
        engine: str | None,
        theme: str | None,
        feeds: list[str],
        sitemaps: list[str],
        lang: str | None,
    ) -> int:
        """Insert or update the site whose home is `url` (known facts are never blanked); returns its id."""
        now = utc_now()
        with self.db.atomic():
            row = self.db.conn.execute(
                """INSERT INTO sites(url, title, engine, theme, lang, feeds, sitemaps, first_seen, last_crawled)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                   ON CONFLICT(url) DO UPDATE SET
                     title = COALESCE(excluded.title, sites.title),
                     engine = COALESCE(excluded.engine, sites.engine),
                     theme = COALESCE(excluded.theme, sites.theme),
                     lang = COALESCE(excluded.lang, sites.lang),
                     feeds = CASE WHEN excluded.feeds = '[]' THEN sites.feeds ELSE excluded.feeds END,
                     sitemaps = CASE WHEN excluded.sitemaps = '[]' THEN sites.sitemaps ELSE excluded.sitemaps END,
                     last_crawled = excluded.last_crawled
                   RETURNING id""",
                [
                    url,
                    title or None,
                    engine or None,
                    theme or None,
                    lang or None,
                    _to_json(_clean_names(feeds)),
                    _to_json(_clean_names(sitemaps)),
                    now,
                    now,
                ],
            ).fetchone()
        return int(row[0])

    # --- posts ----------------------------------------------------------------------------------------

    def save_posts(self, posts: list[dict], crawl_id: int) -> tuple[int, int]:
        """Upsert a batch of posts on url_key in one transaction; returns (new, updated) counts."""
        if not posts:
            return (0, 0)
        now = utc_now()
        incoming: dict[str, dict[str, Any]] = {}
        for post in posts:
            key = post.get("url_key")
            if not key:
                raise ValueError(f"post {post.get('url')!r} has no url_key")
            if post.get("site_id") is None:
                raise ValueError(f"post {post.get('url')!r} has no site_id")
            values = _record_values(post)
            values["site_id"] = post["site_id"]
            # The same post twice in one batch: later sightings merge over earlier ones.
            incoming[key] = _merge(incoming[key], values) if key in incoming else values

        with self.db.atomic():
            conn = self.db.conn
            existing = self._posts_by_key(list(incoming))
            inserts: list[dict[str, Any]] = []
            full_updates: list[dict[str, Any]] = []
            touch_only: list[int] = []
            taxonomy_changed: list[dict[str, Any]] = []
            updated = 0
            for key, values in incoming.items():
                old = existing.get(key)
                row = _merge(old, values) if old else dict(values)
                row["content_hash"] = content_hash(row["content_text"], row["excerpt"])
                row.update(url_key=key, last_seen=now, last_crawl_id=crawl_id, removed_at=None)
                if old is None:
                    row["first_seen"] = now
                    inserts.append(row)
                    continue
                row["id"] = old["id"]
                if any(row[name] != old[name] for name in CHANGE_FIELDS):
                    updated += 1
                if all(row[name] == old[name] for name in CONTENT_COLUMNS):
                    touch_only.append(old["id"])
                    continue
                full_updates.append(row)
                if row["tags"] != old["tags"] or row["categories"] != old["categories"]:
                    taxonomy_changed.append(row)

            insert_sql = (
                f"INSERT INTO posts({', '.join(POST_COLUMNS)}) VALUES ({_placeholders(len(POST_COLUMNS))})"
            )
            for row in inserts:
                row["id"] = conn.execute(insert_sql, [row[name] for name in POST_COLUMNS]).lastrowid
            if full_updates:
                update_columns = [name for name in POST_COLUMNS if name not in ("url_key", "first_seen")]
                conn.executemany(
                    f"UPDATE posts SET {', '.join(f'{name} = ?' for name in update_columns)} WHERE id = ?",
                    [[row[name] for name in update_columns] + [row["id"]] for row in full_updates],
                )
            if touch_only:
                conn.executemany(
                    "UPDATE posts SET last_seen = ?, last_crawl_id = ?, removed_at = NULL WHERE id = ?",
                    [(now, crawl_id, post_id) for post_id in touch_only],
                )
            self._link_taxonomies(inserts + taxonomy_changed, replace=bool(taxonomy_changed))
            conn.execute(
                "UPDATE crawls SET posts_new = posts_new + ?, posts_updated = posts_updated + ? WHERE id = ?",
                [len(inserts), updated, crawl_id],
            )
        return (len(inserts), updated)

    def _posts_by_key(self, keys: list[str]) -> dict[str, dict[str, Any]]:
        """Stored rows (content columns and id) for the given url_keys."""
        columns = ("id", "url_key", *CONTENT_COLUMNS)
        found: dict[str, dict[str, Any]] = {}
        for chunk in _chunks(keys):
            cursor = self.db.conn.execute(
                f"SELECT {', '.join(columns)} FROM posts WHERE url_key IN ({_placeholders(len(chunk))})",
                list(chunk),
            )
            for values in cursor:
                row = dict(zip(columns, values, strict=True))
                found[row["url_key"]] = row
        return found

    def _link_taxonomies(self, rows: list[dict[str, Any]], *, replace: bool) -> None:
        """Point post_tags/post_categories of `rows` at their names (creating names), replacing old links."""
        if not rows:
            return
        conn = self.db.conn
        post_ids = [row["id"] for row in rows]
        for column, name_table, link_table, link_column in TAXONOMIES:
            names_by_post = {row["id"]: json.loads(row[column]) for row in rows}
            if replace:
                for chunk in _chunks(post_ids):
                    conn.execute(
                        f"DELETE FROM {link_table} WHERE post_id IN ({_placeholders(len(chunk))})", list(chunk)
                    )
            all_names = list({name: None for names in names_by_post.values() for name in names})
            if not all_names:
                continue
            conn.executemany(f"INSERT OR IGNORE INTO {name_table}(name) VALUES (?)", [(n,) for n in all_names])
            ids: dict[str, int] = {}
            for chunk in _chunks(all_names):
                ids.update(
                    conn.execute(
                        f"SELECT name, id FROM {name_table} WHERE name IN ({_placeholders(len(chunk))})",
                        list(chunk),
                    ).fetchall()
                )
            conn.executemany(
                f"INSERT OR IGNORE INTO {link_table}(post_id, {link_column}) VALUES (?, ?)",
                [(post_id, ids[name]) for post_id, names in names_by_post.items() for name in names],
            )

    def known_post_keys(self, site_id: int) -> set[str]:
        """url_keys of every post archived for the site."""
        cursor = self.db.conn.execute("SELECT url_key FROM posts WHERE site_id = ?", [site_id])
        return {key for (key,) in cursor}

    # --- pages ----------------------------------------------------------------------------------------

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
                )
            )
        with self.db.atomic():
            self.db.conn.executemany(
                """INSERT INTO pages(url, url_key, kind, site_id, status, etag, last_modified, content_hash,
                                     fetched_at, crawl_id, warc_file, warc_offset)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
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
                     warc_offset = COALESCE(excluded.warc_offset, pages.warc_offset)""",
                rows,
            )
            self.db.conn.execute(
                "UPDATE crawls SET pages_fetched = pages_fetched + ? WHERE id = ?", [len(rows), crawl_id]
            )

    # --- reading --------------------------------------------------------------------------------------

    def summary(self) -> dict:
        """Counts for people: sites, live posts, earliest/latest published, per-site figures, the last crawl."""
        conn = self.db.conn
        sites, posts, earliest, latest = conn.execute(
            """SELECT (SELECT count(*) FROM sites), count(*), min(published), max(published)
               FROM posts WHERE removed_at IS NULL"""
        ).fetchone()
        per_site = [
            dict(
                zip(
                    ("site_id", "url", "title", "engine", "posts", "earliest_published", "latest_published",
                     "last_crawled"),
                    values,
                    strict=True,
                )
            )
            for values in conn.execute(
                """SELECT s.id, s.url, s.title, s.engine, count(p.id), min(p.published), max(p.published),
                          s.last_crawled
                   FROM sites s LEFT JOIN posts p ON p.site_id = s.id AND p.removed_at IS NULL
                   GROUP BY s.id ORDER BY s.id"""
            )
        ]
        last_crawl = None
        cursor = conn.execute(
            """SELECT id, started, finished, status, pages_fetched, posts_new, posts_updated, errors, message
               FROM crawls ORDER BY id DESC LIMIT 1"""
        )
        columns = [description[0] for description in cursor.description]
        row = cursor.fetchone()
        if row is not None:
            last_crawl = dict(zip(columns, row, strict=True))
        return {
            "sites": sites,
            "posts": posts,
            "earliest_published": earliest,
            "latest_published": latest,
            "per_site": per_site,
            "last_crawl": last_crawl,
        }
