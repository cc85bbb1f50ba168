"""Reading the archive: one selection value (which posts) for every read, summaries, streaming exports,
and copying a selection into a new archive."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from archiver.store import media, search
from archiver.store.posts import JSON_LIST_COLUMNS
from archiver.store.sql import placeholders


@dataclass(frozen=True, slots=True)
class PostSelection:
    """Which posts: of these sites (None: all), published from (inclusive) / before (exclusive) these ISO bounds,
    compared as strings, so on the post's own calendar date; with every one of these tags (ASCII case ignored)."""

    site_ids: tuple[int, ...] | None = None
    published_from: str | None = None
    published_before: str | None = None
    tags: tuple[str, ...] = ()

    def narrowed(self, *, site_id: int | None = None, extra_tags: tuple[str, ...] = ()) -> PostSelection:
        """The same selection within one site, or with more tags required."""
        site_ids = self.site_ids
        if site_id is not None:
            site_ids = (site_id,) if site_ids is None or site_id in site_ids else ()
        return replace(self, site_ids=site_ids, tags=self.tags + tuple(extra_tags))

    def posts(self, archive: PostReads, *, site_id: int | None = None, extra_tags: tuple[str, ...] = (),
              **options: Any) -> Iterator[dict[str, Any]]:
        """Stream the selected posts (see PostReads.iter_posts for `order`, `columns`)."""
        return archive.iter_posts(self.narrowed(site_id=site_id, extra_tags=extra_tags), **options)

    def where(self, *, table: str = "posts") -> tuple[str, list[Any]]:
        """WHERE clause (over posts aliased p, in `table`, which may be schema-qualified) and its parameters."""
        clauses: list[str] = ["1"]
        params: list[Any] = []
        if self.site_ids is not None:
            clauses.append(f"p.site_id IN ({placeholders(len(self.site_ids))})" if self.site_ids else "0")
            params.extend(self.site_ids)
        if self.published_from:
            clauses.append("p.published >= ?")
            params.append(self.published_from)
        if self.published_before:
            clauses.append("p.published < ?")
            params.append(self.published_before)
        schema = table.rpartition(".")[0]
        prefix = f"{schema}." if schema else ""
        for tag in self.tags:
            clauses.append(
                f"p.id IN (SELECT pt.post_id FROM {prefix}post_tags pt JOIN {prefix}tags t ON t.id = pt.tag_id "
                "WHERE t.name = ? COLLATE NOCASE)"
            )
            params.append(tag)
        return " AND ".join(clauses), params


ALL_POSTS = PostSelection()


class PostReads:
    """Reads over a selection of posts (a part of Archive)."""

    db: Database

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

    def count_posts(self, selection: PostSelection = ALL_POSTS) -> int:
        """How many posts the selection holds."""
        where, params = selection.where()
        return int(self.db.conn.execute(f"SELECT count(*) FROM posts p WHERE {where}", params).fetchone()[0])

    def selected_site_ids(self, selection: PostSelection = ALL_POSTS) -> list[int]:
        """Ids of the sites that have at least one post in the selection, ascending."""
        where, params = selection.where()
        cursor = self.db.conn.execute(f"SELECT DISTINCT p.site_id FROM posts p WHERE {where} ORDER BY 1", params)
        return [site_id for (site_id,) in cursor]

    def latest_change(self, selection: PostSelection = ALL_POSTS) -> str | None:
        """The newest updated/published/last_seen value in the selection (a feed's `updated`)."""
        where, params = selection.where()
        row = self.db.conn.execute(
            f"SELECT max(COALESCE(p.updated, p.published, p.last_seen)) FROM posts p WHERE {where}", params
        ).fetchone()
        return row[0]

    def iter_posts(
        self,
        selection: PostSelection = ALL_POSTS,
        *,
        order: str = "site",
        columns: Sequence[str] | None = None,
        batch: int = 500,
    ) -> Iterator[dict[str, Any]]:
        """Stream the selected posts as dicts (tags/categories as lists, plus `site_url`) from one cursor.

        order "site": by site then id (walks an index, no sort); "published": newest first, undated last.
        `columns` limits the posts columns read (always with id and site_id).
        """
        where, params = selection.where()
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

    def iter_posts_json(self, selection: PostSelection = ALL_POSTS, *, batch: int = 500) -> Iterator[bytes]:
        """Stream the selected posts, by site then id, each as one UTF-8 JSON object (every column, tags and
        categories as arrays, plus `site_url`), built by SQLite: several times faster than json.dumps."""
        where, params = selection.where()
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

    def tag_counts(self, selection: PostSelection = ALL_POSTS) -> list[tuple[str, int]]:
        """(tag, posts) over the selection, tags that differ only in ASCII case counted as one; by name."""
        where, params = selection.where()
        cursor = self.db.conn.execute(
            f"""SELECT min(t.name), count(DISTINCT pt.post_id) FROM post_tags pt JOIN tags t ON t.id = pt.tag_id
                WHERE pt.post_id IN (SELECT p.id FROM posts p WHERE {where})
                GROUP BY t.name COLLATE NOCASE ORDER BY t.name COLLATE NOCASE""",
            params,
        )
        return [(name, count) for name, count in cursor]

    def copy_selection_from(self, source: str | Path, selection: PostSelection = ALL_POSTS) -> int:
        """Copy the selected posts of the archive at `source` into this (new) archive, ids unchanged, with
        their sites, tags, categories, the crawls they point at, and the fetch log of those posts and of the
        sites' listing pages; returns the number of posts copied."""
        where, params = selection.where(table="src.posts")
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
                media.copy_selected_media(conn)
                copied = conn.execute("SELECT count(*) FROM selected_posts").fetchone()[0]
                conn.execute("DROP TABLE temp.selected_posts")
                if self.db[search.SEARCH_TABLE].exists():
                    search.rebuild_search_index(conn)
        finally:
            conn.execute("DETACH DATABASE src")
        return int(copied)


# Tables whose rows belong to one post (post_id), copied along with it when the schema has them.
_POST_CHILD_TABLES: tuple[str, ...] = ("post_versions",)
# Pages of the copied posts, and the listing/feed/... pages of the copied sites.
_SELECTED_PAGES = (
    "url_key IN (SELECT url_key FROM src.posts WHERE id IN (SELECT id FROM selected_posts))"
    " OR (kind != 'post' AND site_id IN (SELECT site_id FROM src.posts WHERE id IN (SELECT id FROM selected_posts)))"
)

