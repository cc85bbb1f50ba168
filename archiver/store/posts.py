"""Writing posts: upserts on url_key that never blank a known field, versions of replaced content, tags and
categories, the search index in the same transaction; touches, removals and the feeds' fill."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from typing import Any

from sqlite_utils import Database

from archiver.extract.urls import url_key
from archiver.store import search
from archiver.store.sql import chunks, clean_names, placeholders, to_json, utc_now

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


def content_hash(content_text: str | None, excerpt: str | None) -> str | None:
    """sha256 hex of the body text, or of the excerpt when there is no body; None when there is neither."""
    basis = content_text or excerpt
    if not basis:
        return None
    return hashlib.sha256(basis.encode("utf-8")).hexdigest()


def _is_blank(name: str, value: Any) -> bool:
    return value is None or value == "" or (name in JSON_LIST_COLUMNS and value == "[]")


def record_values(post: dict[str, Any]) -> dict[str, Any]:
    """A post dict's storable fields, with tags/categories as JSON arrays."""
    values = {name: post.get(name) for name in RECORD_COLUMNS}
    values["tags"] = to_json(clean_names(post.get("tags")))
    values["categories"] = to_json(clean_names(post.get("categories")))
    if values["extracted_by"] == "":
        values["extracted_by"] = None
    return values


def merge_rows(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
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


def in_site_offset(conn: sqlite3.Connection, site_id: int, iso: str) -> str:
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
    from archiver.extract.dates import to_offset  # the date tables: not needed to open the archive

    return to_offset(iso, minutes)


class PostWrites:
    """The archive's posts, written (a part of Archive)."""

    db: Database

    def save_posts(self, posts: list[dict], crawl_id: int) -> tuple[int, int]:
        """Upsert a batch of posts on url_key in one transaction; returns (new, updated) counts."""
        return self.save_posts_of({crawl_id: posts}).get(crawl_id, (0, 0))

    def save_posts_of(self, batches: dict[int, list[dict]]) -> dict[int, tuple[int, int]]:
        """Upsert the posts of several crawls (crawl id -> its posts) in one transaction, as save_posts does each
        crawl's: a batch of a crawl of many blogs holds a few posts of each. Returns (new, updated) per crawl."""
        now = utc_now()
        incoming: dict[str, dict[str, Any]] = {}
        crawl_of: dict[str, int] = {}
        for crawl_id, posts in batches.items():
            for post in posts:
                key = post.get("url_key")
                if not key:
                    raise ValueError(f"post {post.get('url')!r} has no url_key")
                if post.get("site_id") is None:
                    raise ValueError(f"post {post.get('url')!r} has no site_id")
                values = record_values(post)
                values["site_id"] = post["site_id"]
                # The same post twice in one batch: later sightings merge over earlier ones.
                incoming[key] = merge_rows(incoming[key], values) if key in incoming else values
                crawl_of[key] = crawl_id
        if not incoming:
            return {}
        counts = {crawl_id: [0, 0] for crawl_id in set(crawl_of.values())}

        with self.db.atomic():
            conn = self.db.conn
            existing = self.posts_by_key(list(incoming))
            inserts: list[dict[str, Any]] = []
            full_updates: list[dict[str, Any]] = []
            touch_only: list[tuple[int, int]] = []  # (post id, crawl id)
            taxonomy_changed: list[dict[str, Any]] = []
            replaced_versions: list[tuple[int, int]] = []
            for key, values in incoming.items():
                crawl_id = crawl_of[key]
                old = existing.get(key)
                row = merge_rows(old, values) if old else dict(values)
                row["content_hash"] = content_hash(row["content_text"], row["excerpt"])
                row.update(url_key=key, last_seen=now, last_crawl_id=crawl_id, removed_at=None)
                if old is None:
                    row["first_seen"] = now
                    inserts.append(row)
                    counts[crawl_id][0] += 1
                    continue
                row["id"] = old["id"]
                if any(row[name] != old[name] for name in CHANGE_FIELDS):
                    counts[crawl_id][1] += 1
                if old["content_hash"] and any(row[name] != old[name] for name in VERSIONED_FIELDS):
                    replaced_versions.append((old["id"], crawl_id))
                if all(row[name] == old[name] for name in CONTENT_COLUMNS):
                    touch_only.append((old["id"], crawl_id))
                    continue
                full_updates.append(row)
                if row["tags"] != old["tags"] or row["categories"] != old["categories"]:
                    taxonomy_changed.append(row)

            insert_sql = (
                f"INSERT INTO posts({', '.join(POST_COLUMNS)}) VALUES ({placeholders(len(POST_COLUMNS))})"
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
                    [(now, crawl_id, post_id) for post_id, crawl_id in replaced_versions],
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
                    [(now, crawl_id, post_id) for post_id, crawl_id in touch_only],
                )
            self._link_taxonomies(inserts + taxonomy_changed, replace=bool(taxonomy_changed))
            # Same transaction: a reader never sees a post its search index doesn't know yet.
            search.index_posts(conn, inserts, new=True)
            search.index_posts(conn, full_updates)
            conn.executemany(
                "UPDATE crawls SET posts_new = posts_new + ?, posts_updated = posts_updated + ? WHERE id = ?",
                [(new, updated, crawl_id) for crawl_id, (new, updated) in counts.items()],
            )
        return {crawl_id: (new, updated) for crawl_id, (new, updated) in counts.items()}

    def posts_by_key(self, keys: list[str]) -> dict[str, dict[str, Any]]:
        """Stored rows (content columns and id) for the given url_keys."""
        columns = ("id", "url_key", *CONTENT_COLUMNS)
        found: dict[str, dict[str, Any]] = {}
        for chunk in chunks(keys):
            cursor = self.db.conn.execute(
                f"SELECT {', '.join(columns)} FROM posts WHERE url_key IN ({placeholders(len(chunk))})",
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
                for chunk in chunks(post_ids):
                    conn.execute(
                        f"DELETE FROM {link_table} WHERE post_id IN ({placeholders(len(chunk))})", list(chunk)
                    )
            all_names = list({name: None for names in names_by_post.values() for name in names})
            if not all_names:
                continue
            conn.executemany(f"INSERT OR IGNORE INTO {name_table}(name) VALUES (?)", [(n,) for n in all_names])
            ids: dict[str, int] = {}
            for chunk in chunks(all_names):
                ids.update(
                    conn.execute(
                        f"SELECT name, id FROM {name_table} WHERE name IN ({placeholders(len(chunk))})",
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
            for chunk in chunks(keys):
                self.db.conn.execute(
                    f"""UPDATE posts SET last_seen = ?, last_crawl_id = ?, removed_at = NULL
                        WHERE url_key IN ({placeholders(len(chunk))})""",
                    [now, crawl_id, *chunk],
                )

    def mark_removed(self, keys: list[str]) -> int:
        """Posts whose page now answers 404/410: marked removed with today's time, never deleted."""
        if not keys:
            return 0
        now = utc_now()
        count = 0
        with self.db.atomic():
            for chunk in chunks(keys):
                count += self.db.conn.execute(
                    f"""UPDATE posts SET removed_at = ? WHERE removed_at IS NULL
                        AND url_key IN ({placeholders(len(chunk))})""",
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
            for chunk in chunks(list(by_key)):
                rows = conn.execute(
                    f"""SELECT id, url_key, site_id, title, published, content_text FROM posts
                        WHERE url_key IN ({placeholders(len(chunk))})""",
                    list(chunk),
                ).fetchall()
                for post_id, key, site_id, title, published, content_text in rows:
                    record, changes = by_key[key], {}
                    if not title and record.get("title"):
                        changes["title"] = record["title"]
                    if not published and record.get("published"):
                        changes["published"] = in_site_offset(conn, site_id, record["published"])
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
                for chunk in chunks(filled):
                    cursor = conn.execute(
                        f"SELECT {', '.join(columns)} FROM posts WHERE id IN ({placeholders(len(chunk))})",
                        list(chunk),
                    )
                    search.index_posts(conn, [dict(zip(columns, row, strict=True)) for row in cursor])
        return len(filled)

    def known_post_keys(self, site_id: int) -> set[str]:
        """url_keys of every post archived for the site."""
        cursor = self.db.conn.execute("SELECT url_key FROM posts WHERE site_id = ?", [site_id])
        return {key for (key,) in cursor}
