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

from archiver.extract.dates import to_offset
from archiver.extract.urls import url_key
from archiver.store import search
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
    "title_variant",
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
    "listing_hash",
    "page_fetched_at",
)
# Fields that only make sense together: a newer record replaces the whole group or none of it, so a
# date never ends up beside the raw text of another date.
FIELD_GROUPS: tuple[tuple[str, ...], ...] = (
    ("title", "title_variant"),  # the variant is the title the record did not choose
    ("published", "published_raw", "published_source"),
    ("updated", "updated_raw", "updated_source"),
    ("excerpt", "excerpt_source"),
    ("content_html", "content_text", "content_markdown"),
    ("listing_url", "listing_position"),
)
SINGLE_FIELDS: tuple[str, ...] = tuple(
    name for name in RECORD_COLUMNS if not any(name in group for group in FIELD_GROUPS)
)
# A change in any of these keeps the previous version in post_versions.
VERSIONED_FIELDS: tuple[str, ...] = ("content_hash", "title")
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


def _in_site_offset(conn: sqlite3.Connection, site_id: int, iso: str) -> str:
    """`iso` re-expressed in the offset most of the site's dated posts carry (unchanged when none do)."""
    if len(iso) <= 10 or iso[-6] not in "+-":
        return iso
    offsets = conn.execute(
        """SELECT substr(published, -6) AS offset, count(*) AS n FROM posts
           WHERE site_id = ? AND length(published) > 19 AND substr(published, -6, 1) IN ('+', '-')
           GROUP BY offset ORDER BY n DESC LIMIT 1""",
        [site_id],
    ).fetchone()
    if not offsets or offsets[0] == iso[-6:]:
        return iso
    sign = -1 if offsets[0][0] == "-" else 1
    minutes = sign * (int(offsets[0][1:3]) * 60 + int(offsets[0][4:6]))
    return to_offset(iso, minutes)


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
        # The search index's triggers call these when posts are updated or deleted.
        search.register_functions(self.db.conn)
        try:
            self.db.execute("PRAGMA foreign_keys = ON")
            # Parallel crawls (archiver schedule) share the file: wait for the writer instead of failing.
            self.db.execute("PRAGMA busy_timeout = 30000")
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
            replaced_versions: list[int] = []
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
                if old["content_hash"] and any(row[name] != old[name] for name in VERSIONED_FIELDS):
                    replaced_versions.append(old["id"])
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
            if replaced_versions:
                # Copy the stored row before it is overwritten; a version was current from the end of the
                # previous one (or the post's first sighting) until now.
                conn.executemany(
                    """INSERT INTO post_versions(post_id, title, excerpt, published, updated, content_html,
                         content_text, content_markdown, content_hash, seen_from, seen_until, crawl_id)
                       SELECT id, title, excerpt, published, updated, content_html, content_text,
                         content_markdown, content_hash,
                         COALESCE((SELECT max(v.seen_until) FROM post_versions v WHERE v.post_id = posts.id),
                                  first_seen),
                         ?, ?
                       FROM posts WHERE id = ?""",
                    [(now, crawl_id, post_id) for post_id in replaced_versions],
                )
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
            # Same transaction: a reader never sees a post its search index doesn't know yet.
            search.index_posts(conn, inserts, new=True)
            search.index_posts(conn, full_updates)
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

    def touch_posts(self, keys: list[str], crawl_id: int) -> None:
        """Posts a crawl saw unchanged on a listing (not re-fetched): only their bookkeeping moves."""
        if not keys:
            return
        now = utc_now()
        with self.db.atomic():
            for chunk in _chunks(keys):
                self.db.conn.execute(
                    f"""UPDATE posts SET last_seen = ?, last_crawl_id = ?, removed_at = NULL
                        WHERE url_key IN ({_placeholders(len(chunk))})""",
                    [now, crawl_id, *chunk],
                )

    def mark_removed(self, keys: list[str]) -> int:
        """Posts whose page now answers 404/410: marked removed with today's time, never deleted."""
        if not keys:
            return 0
        now = utc_now()
        count = 0
        with self.db.atomic():
            for chunk in _chunks(keys):
                count += self.db.conn.execute(
                    f"""UPDATE posts SET removed_at = ? WHERE removed_at IS NULL
                        AND url_key IN ({_placeholders(len(chunk))})""",
                    [now, *chunk],
                ).rowcount
        return count

    def mark_vanished(self, site_id: int, crawl_id: int) -> int:
        """After a crawl that walked a blog's whole pagination: posts it did not see are marked removed."""
        with self.db.atomic():
            return self.db.conn.execute(
                """UPDATE posts SET removed_at = ? WHERE site_id = ? AND removed_at IS NULL
                   AND (last_crawl_id IS NULL OR last_crawl_id != ?)""",
                [utc_now(), site_id, crawl_id],
            ).rowcount

    def fill_from_feed(self, records: list[dict[str, Any]]) -> int:
        """Fill fields the crawl left empty (title, date, body) from feed entries of posts already archived.

        The listings decide what a post is: entries of unknown posts change nothing. A feed's UTC instant is
        re-expressed in the offset the blog's other posts show, so its day is the one readers see."""
        if not records:
            return 0
        conn = self.db.conn
        by_key = {url_key(r["url"]): r for r in records if r.get("url")}
        filled = []
        with self.db.atomic():
            for chunk in _chunks(list(by_key)):
                rows = conn.execute(
                    f"""SELECT id, url_key, site_id, title, published, content_text FROM posts
                        WHERE url_key IN ({_placeholders(len(chunk))})""",
                    list(chunk),
                ).fetchall()
                for post_id, key, site_id, title, published, content_text in rows:
                    record, changes = by_key[key], {}
                    if not title and record.get("title"):
                        changes["title"] = record["title"]
                    if not published and record.get("published"):
                        changes["published"] = _in_site_offset(conn, site_id, record["published"])
                        changes["published_raw"] = record.get("published_raw")
                        changes["published_source"] = record.get("published_source") or "feed"
                    if not content_text and record.get("content_text"):
                        for name in ("content_html", "content_text", "content_markdown"):
                            changes[name] = record.get(name)
                    if changes:
                        conn.execute(
                            f"UPDATE posts SET {', '.join(f'{n} = ?' for n in changes)} WHERE id = ?",
                            [*changes.values(), post_id],
                        )
                        filled.append(post_id)
            if filled and self.db[search.SEARCH_TABLE].exists():
                columns = ("id", "title", "tags", "categories", "author", "content_text", "excerpt")
                for chunk in _chunks(filled):
                    cursor = conn.execute(
                        f"SELECT {', '.join(columns)} FROM posts WHERE id IN ({_placeholders(len(chunk))})",
                        list(chunk),
                    )
                    search.index_posts(conn, [dict(zip(columns, row, strict=True)) for row in cursor])
        return len(filled)

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
                    _to_json(page["outlinks"]) if page.get("outlinks") is not None else None,
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

    # --- export reads: streaming selections of posts (used by archiver.export) ---------------------------
    # A selection is: site_ids (any of), published_from (inclusive) / published_before (exclusive), compared as
    # ISO strings, so on the post's own calendar date; and tags (the post has every one, case-insensitive).

    def sites(self) -> list[dict]:
        """Every site row, by id."""
        cursor = self.db.conn.execute("SELECT * FROM sites ORDER BY id")
        columns = [description[0] for description in cursor.description]
        return [dict(zip(columns, values, strict=True)) for values in cursor]

    def count_posts(
        self,
        *,
        site_ids: Sequence[int] | None = None,
        published_from: str | None = None,
        published_before: str | None = None,
        tags: Sequence[str] = (),
    ) -> int:
        """How many posts the selection holds."""
        where, params = _selection_sql(site_ids, published_from, published_before, tags)
        return int(self.db.conn.execute(f"SELECT count(*) FROM posts p WHERE {where}", params).fetchone()[0])

    def selected_site_ids(
        self,
        *,
        site_ids: Sequence[int] | None = None,
        published_from: str | None = None,
        published_before: str | None = None,
        tags: Sequence[str] = (),
    ) -> list[int]:
        """Ids of the sites that have at least one post in the selection, ascending."""
        where, params = _selection_sql(site_ids, published_from, published_before, tags)
        cursor = self.db.conn.execute(f"SELECT DISTINCT p.site_id FROM posts p WHERE {where} ORDER BY 1", params)
        return [site_id for (site_id,) in cursor]

    def latest_change(
        self,
        *,
        site_ids: Sequence[int] | None = None,
        published_from: str | None = None,
        published_before: str | None = None,
        tags: Sequence[str] = (),
    ) -> str | None:
        """The newest updated/published/last_seen value in the selection (a feed's `updated`)."""
        where, params = _selection_sql(site_ids, published_from, published_before, tags)
        row = self.db.conn.execute(
            f"SELECT max(COALESCE(p.updated, p.published, p.last_seen)) FROM posts p WHERE {where}", params
        ).fetchone()
        return row[0]

    def iter_posts(
        self,
        *,
        site_ids: Sequence[int] | None = None,
        published_from: str | None = None,
        published_before: str | None = None,
        tags: Sequence[str] = (),
        order: str = "site",
        columns: Sequence[str] | None = None,
        batch: int = 500,
    ) -> Iterator[dict[str, Any]]:
        """Stream the selected posts as dicts (tags/categories as lists, plus `site_url`) from one cursor.

        order "site": by site then id (walks an index, no sort); "published": newest first, undated last.
        `columns` limits the posts columns read (always with id and site_id).
        """
        where, params = _selection_sql(site_ids, published_from, published_before, tags)
        all_columns = self.post_columns()
        wanted = list(dict.fromkeys(["id", "site_id", *(columns or all_columns)]))
        unknown = set(wanted) - set(all_columns)
        if unknown:
            raise ValueError(f"no such post columns: {sorted(unknown)}")
        order_by = {"site": "p.site_id, p.id", "published": "p.published DESC, p.id DESC"}[order]
        cursor = self.db.conn.execute(
            f"SELECT {', '.join('p.' + name for name in wanted)}, s.url FROM posts p "
            f"JOIN sites s ON s.id = p.site_id WHERE {where} ORDER BY {order_by}",
            params,
        )
        names = [*wanted, "site_url"]
        decode = [name for name in ("tags", "categories") if name in wanted]
        while rows := cursor.fetchmany(batch):
            for values in rows:
                post = dict(zip(names, values, strict=True))
                for name in decode:
                    post[name] = json.loads(post[name] or "[]")
                yield post

    def iter_posts_json(
        self,
        *,
        site_ids: Sequence[int] | None = None,
        published_from: str | None = None,
        published_before: str | None = None,
        tags: Sequence[str] = (),
        batch: int = 500,
    ) -> Iterator[bytes]:
        """Stream the selected posts, by site then id, each as one UTF-8 JSON object (every column, tags and
        categories as arrays, plus `site_url`), built by SQLite: several times faster than json.dumps."""
        where, params = _selection_sql(site_ids, published_from, published_before, tags)
        members = []
        for name in self.post_columns():
            value = f'p."{name}"'
            if name in JSON_LIST_COLUMNS:
                value = f"CASE WHEN json_valid({value}) THEN json({value}) ELSE json_array() END"
            members.append(f"'{name}', {value}")
        members.append("'site_url', s.url")
        cursor = self.db.conn.execute(
            f"SELECT CAST(json_object({', '.join(members)}) AS BLOB) FROM posts p "
            f"JOIN sites s ON s.id = p.site_id WHERE {where} ORDER BY p.site_id, p.id",
            params,
        )
        while rows := cursor.fetchmany(batch):
            for (document,) in rows:
                yield document

    def post_columns(self) -> list[str]:
        """Every column of the posts table, generated ones included, in table order."""
        return [description[0] for description in self.db.conn.execute("SELECT * FROM posts LIMIT 0").description]

    def tag_counts(
        self,
        *,
        site_ids: Sequence[int] | None = None,
        published_from: str | None = None,
        published_before: str | None = None,
        tags: Sequence[str] = (),
    ) -> list[tuple[str, int]]:
        """(tag, posts) over the selection, tags that differ only in ASCII case counted as one; by name."""
        where, params = _selection_sql(site_ids, published_from, published_before, tags)
        cursor = self.db.conn.execute(
            f"""SELECT min(t.name), count(DISTINCT pt.post_id) FROM post_tags pt JOIN tags t ON t.id = pt.tag_id
                WHERE pt.post_id IN (SELECT p.id FROM posts p WHERE {where})
                GROUP BY t.name COLLATE NOCASE ORDER BY t.name COLLATE NOCASE""",
            params,
        )
        return [(name, count) for name, count in cursor]

    def copy_selection_from(
        self,
        source: str | Path,
        *,
        site_ids: Sequence[int] | None = None,
        published_from: str | None = None,
        published_before: str | None = None,
        tags: Sequence[str] = (),
    ) -> int:
        """Copy the selected posts of the archive at `source` into this (new) archive, ids unchanged, with
        their sites, tags, categories, the crawls they point at, and the fetch log of those posts and of the
        sites' listing pages; returns the number of posts copied."""
        where, params = _selection_sql(site_ids, published_from, published_before, tags, table="src.posts")
        conn = self.db.conn
        conn.execute("ATTACH DATABASE ? AS src", [str(Path(source))])
        try:
            with self.db.atomic():
                conn.execute("DROP TABLE IF EXISTS temp.selected_posts")
                conn.execute(
                    f"CREATE TEMP TABLE selected_posts AS SELECT p.id AS id FROM src.posts p WHERE {where}", params
                )
                conn.execute("CREATE UNIQUE INDEX temp.selected_posts_id ON selected_posts(id)")
                copies = (
                    ("sites", "id IN (SELECT site_id FROM src.posts WHERE id IN (SELECT id FROM selected_posts))"),
                    ("crawls", "id IN (SELECT last_crawl_id FROM src.posts WHERE id IN (SELECT id FROM selected_posts))"
                     " OR id IN (SELECT crawl_id FROM src.pages WHERE " + _SELECTED_PAGES + ")"),
                    ("posts", "id IN (SELECT id FROM selected_posts)"),
                    ("tags", "id IN (SELECT tag_id FROM src.post_tags WHERE post_id IN (SELECT id FROM selected_posts))"),
                    ("post_tags", "post_id IN (SELECT id FROM selected_posts)"),
                    ("categories", "id IN (SELECT category_id FROM src.post_categories"
                     " WHERE post_id IN (SELECT id FROM selected_posts))"),
                    ("post_categories", "post_id IN (SELECT id FROM selected_posts)"),
                    ("pages", _SELECTED_PAGES),
                )
                # Tables of later schema versions, copied when both archives have them.
                source_tables = {name for (name,) in conn.execute("SELECT name FROM src.sqlite_master")}
                copies += tuple(
                    (table, "post_id IN (SELECT id FROM selected_posts)")
                    for table in _POST_CHILD_TABLES
                    if table in source_tables and self.db[table].exists()
                )
                for table, condition in copies:
                    columns = ", ".join(f'"{name}"' for name in self.db[table].columns_dict)
                    conn.execute(
                        f"INSERT INTO main.{table} ({columns}) SELECT {columns} FROM src.{table} WHERE {condition}"
                    )
                from archiver.store import media  # media.py builds on this module

                media.copy_selected_media(conn)
                copied = conn.execute("SELECT count(*) FROM selected_posts").fetchone()[0]
                conn.execute("DROP TABLE temp.selected_posts")
                if self.db[search.SEARCH_TABLE].exists():
                    search.rebuild_search_index(conn)
        finally:
            conn.execute("DETACH DATABASE src")
        return int(copied)

    # --- sites registry: the blogs `archiver schedule` / `crawl --all` crawl, with schedule and rules --------
    # A registered site is a sites row with a schedule. Its crawls are the crawls rows whose start_urls hold its
    # registered URL (each scheduled crawl starts from exactly that URL); its posts are those of the site rows
    # whose URL is a prefix of it (the crawler files posts under the blog's root).

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
        conn = self.db.conn
        sites = [
            dict(zip(("id", "url", "name", "schedule", "rules", "title", "first_seen"), values, strict=True))
            for values in conn.execute(
                "SELECT id, url, name, schedule, rules, title, first_seen FROM sites "
                "WHERE schedule IS NOT NULL ORDER BY id"
            )
        ]
        for site in sites:
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
        cursor = self.db.conn.execute(
            """SELECT id, started, finished, status, message, pages_fetched, posts_new, posts_updated, errors,
                      stats
               FROM crawls WHERE id = (SELECT max(c.id) FROM crawls c, json_each(c.start_urls) j
                                       WHERE j.value = ?)""",
            [url],
        )
        columns = [description[0] for description in cursor.description]
        values = cursor.fetchone()
        if values is None:
            return None
        crawl = dict(zip(columns, values, strict=True))
        try:
            crawl["stats"] = json.loads(crawl["stats"]) if crawl["stats"] else {}
        except ValueError:
            crawl["stats"] = {}
        crawl["error_samples"] = [
            dict(zip(("url", "kind", "status", "message"), row, strict=True))
            for row in self.db.conn.execute(
                "SELECT url, kind, status, message FROM crawl_errors WHERE crawl_id = ? ORDER BY id LIMIT 3",
                [crawl["id"]],
            )
        ]
        return crawl

    def find_registered_site(self, url_or_name: str) -> dict[str, Any] | None:
        """The registered site with this name, or this URL (as given or in canonical form); None if none."""
        from archiver.extract.urls import canonical_url

        for site in self.list_sites():
            if url_or_name in (site["name"], site["url"]) or canonical_url(url_or_name) == site["url"]:
                return site
        return None

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

    def due_sites(self, now: datetime | None = None) -> list[dict[str, Any]]:
        """Registered sites whose time has come at `now` (default: the current time), each with `next_due`:
        never crawled; an interval elapsed since the last crawl ended; or a cron fire time since it began."""
        from archiver.schedule.timing import next_due, parse_schedule, parse_time

        now = now or datetime.now(UTC)
        due = []
        for site in self.list_sites():
            schedule = parse_schedule(site["schedule"])
            if schedule is None:
                continue
            crawl = site["last_crawl"]
            last = parse_time(crawl["finished"] or crawl["started"]) if crawl else None
            site["next_due"] = next_due(schedule, last, now)
            if site["next_due"] <= now:
                due.append(site)
        return due


# Tables whose rows belong to one post (post_id), copied along with it when the schema has them.
_POST_CHILD_TABLES: tuple[str, ...] = ("post_versions",)
# Pages of the copied posts, and the listing/feed/... pages of the copied sites.
_SELECTED_PAGES = (
    "url_key IN (SELECT url_key FROM src.posts WHERE id IN (SELECT id FROM selected_posts))"
    " OR (kind != 'post' AND site_id IN (SELECT site_id FROM src.posts WHERE id IN (SELECT id FROM selected_posts)))"
)


def _selection_sql(
    site_ids: Sequence[int] | None,
    published_from: str | None,
    published_before: str | None,
    tags: Sequence[str],
    *,
    table: str = "posts",
) -> tuple[str, list[Any]]:
    """WHERE clause (over posts aliased p) and parameters of a post selection."""
    clauses: list[str] = ["1"]
    params: list[Any] = []
    if site_ids is not None:
        clauses.append(f"p.site_id IN ({_placeholders(len(site_ids))})" if site_ids else "0")
        params.extend(site_ids)
    if published_from:
        clauses.append("p.published >= ?")
        params.append(published_from)
    if published_before:
        clauses.append("p.published < ?")
        params.append(published_before)
    schema = table.rpartition(".")[0]
    prefix = f"{schema}." if schema else ""
    for tag in tags:
        clauses.append(
            f"p.id IN (SELECT pt.post_id FROM {prefix}post_tags pt JOIN {prefix}tags t ON t.id = pt.tag_id "
            "WHERE t.name = ? COLLATE NOCASE)"
        )
        params.append(tag)
    return " AND ".join(clauses), params
