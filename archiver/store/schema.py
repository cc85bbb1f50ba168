"""The archive's schema as data (tables, columns, keys, indexes) and the ordered migrations between versions."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlite_utils import Database

from archiver.extract.urls import url_key
from archiver.store import search

SCHEMA_VERSION = 9
META_TABLE = "_meta"
VERSION_KEY = "schema_version"

PAGE_KINDS = ("listing", "post", "feed", "sitemap", "robots", "redirect")
# "interrupted": a crawl whose process died without finishing (killed), as a later crawl of the archive found it.
CRAWL_STATUSES = ("running", "ok", "partial", "failed", "interrupted")


class SchemaVersionError(RuntimeError):
    """The archive was written by a newer blog-archiver (or needs a migration a read-only open can't do)."""


class NotAnArchiveError(RuntimeError):
    """The file is an SQLite database that blog-archiver did not create."""


@dataclass(frozen=True, slots=True)
class Column:
    """One column: SQLite type, NOT NULL, a default value when it has one, or the SQL expression of a
    virtual generated column (computed by SQLite on read, never written)."""

    name: str
    type: str = "TEXT"
    not_null: bool = False
    default: str | int | None = None
    generated: str | None = None


@dataclass(frozen=True, slots=True)
class ForeignKey:
    """`column` of this table references `other_table.other_column`."""

    column: str
    other_table: str
    other_column: str = "id"


@dataclass(frozen=True, slots=True)
class Index:
    """An index over `columns`; unique indexes are what upserts conflict on."""

    columns: tuple[str, ...]
    unique: bool = False

    @property
    def name(self) -> str:
        """Stable index name, so migrations can refer to it."""
        return "__".join(self.columns)


@dataclass(frozen=True, slots=True)
class Table:
    """A table: its columns in order, primary key, foreign keys and indexes."""

    name: str
    columns: tuple[Column, ...]
    pk: str | tuple[str, ...] = "id"
    foreign_keys: tuple[ForeignKey, ...] = ()
    indexes: tuple[Index, ...] = field(default_factory=tuple)

    def index_name(self, index: Index) -> str:
        """The SQLite name of one of this table's indexes."""
        return f"idx_{self.name}__{index.name}"


def _id() -> Column:
    return Column("id", "INTEGER")


TABLES: tuple[Table, ...] = (
    Table(
        META_TABLE,
        (Column("key", not_null=True), Column("value")),
        pk="key",
    ),
    Table(
        "sites",
        (
            _id(),
            Column("url", not_null=True),
            Column("name"),  # registry name, set by a later "sites" feature
            Column("title"),
            Column("engine"),
            Column("theme"),
            Column("lang"),
            Column("feeds", default="[]"),  # JSON array of URLs
            Column("sitemaps", default="[]"),  # JSON array of URLs
            Column("schedule"),  # registry: "every 6h" / "cron 0 */6 * * *"; NULL = not registered
            Column("rules"),  # registry: text of the site's --rules TOML file, applied by crawl --all/--due
            Column("first_seen", not_null=True),
            Column("last_crawled"),
        ),
        indexes=(Index(("url",), unique=True), Index(("engine",))),
    ),
    Table(
        "crawls",
        (
            _id(),
            Column("started", not_null=True),
            Column("finished"),
            Column("status", not_null=True, default="running"),
            Column("start_urls", default="[]"),  # JSON array
            Column("options", default="{}"),  # JSON object
            Column("pages_fetched", "INTEGER", not_null=True, default=0),
            Column("posts_new", "INTEGER", not_null=True, default=0),
            Column("posts_updated", "INTEGER", not_null=True, default=0),
            Column("errors", "INTEGER", not_null=True, default=0),
            Column("message"),
            Column("stats"),  # JSON object: the crawler's own statistics
            Column("start_key"),  # url_key of the start URL of a one-blog crawl: its blog's crawls, by index
            Column("pid", "INTEGER"),  # the process running it, and its host: a dead one leaves it interrupted
            Column("host"),
        ),
        indexes=(Index(("started",)), Index(("status",)), Index(("start_key",))),
    ),
    Table(
        "posts",
        (
            _id(),
            Column("site_id", "INTEGER", not_null=True),
            Column("url", not_null=True),
            Column("url_key", not_null=True),
            Column("title"),
            Column("title_variant"),  # the other of listing and post-page titles, when the two disagree
            Column("excerpt"),
            Column("excerpt_source"),
            Column("published"),
            Column("published_raw"),
            Column("published_source"),
            Column("updated"),
            Column("updated_raw"),
            Column("updated_source"),
            Column("author"),
            Column("lang"),
            Column("tags", default="[]"),  # JSON array, mirrors post_tags for export
            Column("categories", default="[]"),  # JSON array, mirrors post_categories
            Column("content_html"),
            Column("content_text"),
            Column("content_markdown"),
            Column("content_hash"),
            Column("listing_url"),
            Column("listing_position", "INTEGER"),
            Column("extracted_by"),
            Column("page_status", "INTEGER"),
            Column("first_seen", not_null=True),
            Column("last_seen", not_null=True),
            Column("last_crawl_id", "INTEGER"),
            Column("removed_at"),  # when the post answered 404/410 or vanished from every listing
            Column("listing_hash"),  # hash of what the listing showed: a change is evidence to re-fetch the post
            Column("page_fetched_at"),  # when the post's own page was last fetched with a 200
            # For people browsing: facets by year and by month of the day the post shows.
            Column("year", generated="substr(published, 1, 4)"),
            Column("month", generated="substr(published, 1, 7)"),
        ),
        foreign_keys=(ForeignKey("site_id", "sites"), ForeignKey("last_crawl_id", "crawls")),
        indexes=(
            Index(("url_key",), unique=True),
            Index(("url",), unique=True),
            Index(("site_id",)),
            Index(("published",)),
            Index(("updated",)),
            Index(("lang",)),
            Index(("author",)),
            Index(("last_crawl_id",)),
            Index(("first_seen",)),
            Index(("year",)),  # the year and month facets count from these, never from the rows
            Index(("month",)),
            Index(("site_id", "published")),  # a blog's posts newest first; its count and date range
        ),
    ),
    Table(
        "tags",
        (_id(), Column("name", not_null=True)),
        indexes=(Index(("name",), unique=True),),
    ),
    Table(
        "post_tags",
        (Column("post_id", "INTEGER", not_null=True), Column("tag_id", "INTEGER", not_null=True)),
        pk=("post_id", "tag_id"),
        foreign_keys=(ForeignKey("post_id", "posts"), ForeignKey("tag_id", "tags")),
        indexes=(Index(("tag_id",)),),
    ),
    Table(
        "categories",
        (_id(), Column("name", not_null=True)),
        indexes=(Index(("name",), unique=True),),
    ),
    Table(
        "post_categories",
        (
            Column("post_id", "INTEGER", not_null=True),
            Column("category_id", "INTEGER", not_null=True),
        ),
        pk=("post_id", "category_id"),
        foreign_keys=(ForeignKey("post_id", "posts"), ForeignKey("category_id", "categories")),
        indexes=(Index(("category_id",)),),
    ),
    Table(
        "crawl_errors",
        (
            _id(),
            Column("crawl_id", "INTEGER", not_null=True),
            Column("url"),
            Column("kind", not_null=True),
            Column("status", "INTEGER"),
            Column("message"),
            Column("at", not_null=True),
        ),
        foreign_keys=(ForeignKey("crawl_id", "crawls"),),
        indexes=(Index(("crawl_id",)), Index(("kind",)), Index(("url",))),
    ),
    Table(
        "pages",
        (
            _id(),
            Column("url", not_null=True),
            Column("url_key"),
            Column("kind", not_null=True),
            Column("site_id", "INTEGER"),
            Column("status", "INTEGER"),
            Column("etag"),  # conditional-request validators for later re-crawls
            Column("last_modified"),
            Column("content_hash"),
            Column("fetched_at", not_null=True),
            Column("crawl_id", "INTEGER"),
            Column("warc_file"),  # set by a later WARC-writing feature
            Column("warc_offset", "INTEGER"),
            Column("outlinks"),  # JSON {"entries": [...], "next": [...]} of a listing page, replayed on a 304
        ),
        foreign_keys=(ForeignKey("site_id", "sites"), ForeignKey("crawl_id", "crawls")),
        indexes=(
            Index(("url",), unique=True),
            Index(("url_key",)),
            Index(("site_id", "kind")),
            Index(("crawl_id",)),
        ),
    ),
)

POST_VERSIONS = Table(
    "post_versions",
    (
        _id(),
        Column("post_id", "INTEGER", not_null=True),
        Column("title"),
        Column("excerpt"),
        Column("published"),
        Column("updated"),
        Column("content_html"),
        Column("content_text"),
        Column("content_markdown"),
        Column("content_hash"),
        Column("seen_from"),  # when this version was first archived
        Column("seen_until", not_null=True),  # when a crawl found it replaced
        Column("crawl_id", "INTEGER"),  # the crawl that replaced it
    ),
    foreign_keys=(ForeignKey("post_id", "posts"), ForeignKey("crawl_id", "crawls")),
    indexes=(Index(("post_id",)), Index(("seen_until",))),
)
# Images the posts show, fetched during the crawl: the bytes are in the WARC (warc_file, warc_offset), this
# row says what they are. One row per image URL; two URLs with the same bytes share their sha256.
MEDIA = Table(
    "media",
    (
        _id(),
        Column("url", not_null=True),  # as post bodies reference it (absolute, no fragment)
        Column("site_id", "INTEGER"),  # the blog whose post first showed it (CDN images may serve several)
        Column("status", "INTEGER"),  # HTTP status of its answer; NULL: never answered (not fetched, failed)
        Column("final_url"),  # where redirects led, when not to url itself
        Column("redirects"),  # JSON [{"url", "warc_file", "warc_offset"}]: the 3xx answers on the way, captured
        Column("content_type"),  # the image type, checked against the bytes
        Column("size", "INTEGER"),  # bytes
        Column("sha256"),  # of the bytes: the same image under two URLs is stored and served once
        Column("warc_file"),
        Column("warc_offset", "INTEGER"),
        Column("fetched_at"),
        Column("crawl_id", "INTEGER"),  # the crawl that archived it (or last failed to)
        Column("error"),  # why it is not archived: "too-large: ...", "http-error: HTTP 404", "not-fetched: ..."
        Column("first_seen", not_null=True),
    ),
    foreign_keys=(ForeignKey("site_id", "sites"), ForeignKey("crawl_id", "crawls")),
    indexes=(Index(("url",), unique=True), Index(("sha256",)), Index(("site_id",))),
)
POST_MEDIA = Table(
    "post_media",
    (
        Column("post_id", "INTEGER", not_null=True),
        Column("media_id", "INTEGER", not_null=True),
        Column("position", "INTEGER", not_null=True),  # order of the image in the body, from 0
    ),
    pk=("post_id", "media_id"),
    foreign_keys=(ForeignKey("post_id", "posts"), ForeignKey("media_id", "media")),
    indexes=(Index(("media_id",)),),
)
TABLES = (*TABLES, POST_VERSIONS, MEDIA, POST_MEDIA)

TABLES_BY_NAME: dict[str, Table] = {table.name: table for table in TABLES}


def create_schema(db: Database) -> None:
    """Create every table and index of the current schema in an empty database (inside the caller's transaction)."""
    for table in TABLES:
        _create_table(db, table)
    search.create_search_schema(db.conn)
    set_schema_version(db, SCHEMA_VERSION)


def _create_table(db: Database, table: Table) -> None:
    stored = [column for column in table.columns if column.generated is None]
    db[table.name].create(
        {column.name: column.type for column in stored},
        pk=table.pk,
        foreign_keys=[(fk.column, fk.other_table, fk.other_column) for fk in table.foreign_keys],
        not_null={column.name for column in stored if column.not_null},
        defaults={column.name: column.default for column in stored if column.default is not None},
        if_not_exists=True,
    )
    existing = {row[1] for row in db.execute(f'PRAGMA table_xinfo("{table.name}")')}
    for column in table.columns:
        if column.generated is not None and column.name not in existing:
            _add_generated_column(db, table.name, column.name, column.type, column.generated)
    for index in table.indexes:
        db[table.name].create_index(
            list(index.columns), index_name=table.index_name(index), unique=index.unique, if_not_exists=True
        )


def read_schema_version(db: Database) -> int:
    """The archive's schema version: 0 for an empty database; raises NotAnArchiveError for foreign databases."""
    names = set(db.table_names())
    if META_TABLE in names:
        row = db.execute(f"SELECT value FROM {META_TABLE} WHERE key = ?", [VERSION_KEY]).fetchone()
        if row is None:
            raise NotAnArchiveError(f"{META_TABLE} table has no {VERSION_KEY} row")
        try:
            return int(row[0])
        except (TypeError, ValueError):
            raise NotAnArchiveError(f"{VERSION_KEY} is not a number: {row[0]!r}") from None
    if names:
        raise NotAnArchiveError(f"database has tables ({', '.join(sorted(names)[:5])}) but no {META_TABLE}")
    return 0


def set_schema_version(db: Database, version: int) -> None:
    """Record the schema version (inside the caller's transaction)."""
    db.execute(
        f"INSERT INTO {META_TABLE}(key, value) VALUES (?, ?) "
        "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        [VERSION_KEY, str(version)],
    )


# --- migrations: MIGRATIONS[n] takes a version-n archive to version n + 1. Frozen in time: they spell out
# --- their own columns instead of reading TABLES, which keeps describing only the newest schema.


def _add_columns(db: Database, table: str, columns: dict[str, str]) -> None:
    existing = set(db[table].columns_dict)
    for name, column_type in columns.items():
        if name not in existing:
            db.execute(f'ALTER TABLE "{table}" ADD COLUMN "{name}" {column_type}')


def migrate_1_to_2(db: Database) -> None:
    """v2: JSON tags/categories on posts (backfilled from the link tables), crawl stats, and nullable
    columns reserved for later features (site registry, removals, WARC)."""
    _add_columns(db, "sites", {"name": "TEXT", "schedule": "TEXT"})
    _add_columns(db, "crawls", {"stats": "TEXT"})
    _add_columns(
        db,
        "posts",
        {
            "tags": "TEXT DEFAULT '[]'",
            "categories": "TEXT DEFAULT '[]'",
            "removed_at": "TEXT",
            "listing_hash": "TEXT",
            "page_fetched_at": "TEXT",
        },
    )
    _add_columns(db, "pages", {"warc_file": "TEXT", "warc_offset": "INTEGER", "outlinks": "TEXT"})
    _create_table(db, POST_VERSIONS)
    for column, link_table, name_table, link_column in (
        ("tags", "post_tags", "tags", "tag_id"),
        ("categories", "post_categories", "categories", "category_id"),
    ):
        # Link-table rowids keep insertion order, which was the page's order.
        db.execute(
            f"""UPDATE posts SET {column} = (
                  SELECT json_group_array(name) FROM (
                    SELECT n.name AS name FROM {link_table} l JOIN {name_table} n ON n.id = l.{link_column}
                    WHERE l.post_id = posts.id ORDER BY l.rowid))
                WHERE id IN (SELECT post_id FROM {link_table})"""
        )
    db.execute("UPDATE posts SET tags = '[]' WHERE tags IS NULL")
    db.execute("UPDATE posts SET categories = '[]' WHERE categories IS NULL")


def _add_generated_column(db: Database, table: str, name: str, column_type: str, expression: str) -> None:
    db.execute(f'ALTER TABLE "{table}" ADD COLUMN "{name}" {column_type} GENERATED ALWAYS AS ({expression}) VIRTUAL')


def migrate_2_to_3(db: Database) -> None:
    """v3: year and month of posts as generated columns (for facets). (v3 also built a full-text index; the
    index of today replaces it in v6, which builds it.)"""
    existing = {row[1] for row in db.execute("PRAGMA table_xinfo(posts)")}
    for name, expression in (("year", "substr(published, 1, 4)"), ("month", "substr(published, 1, 7)")):
        if name not in existing:
            _add_generated_column(db, "posts", name, "TEXT", expression)
    db.execute("CREATE INDEX IF NOT EXISTS idx_posts__month ON posts(month)")


def migrate_3_to_4(db: Database) -> None:
    """v4: the sites registry keeps each site's extraction rules (the --rules file's text)."""
    _add_columns(db, "sites", {"rules": "TEXT"})


def migrate_4_to_5(db: Database) -> None:
    """v5: an index on the year of posts, so the year facet of a large archive counts an index, not the rows;
    the search index merges its segments less often (see search.SEARCH_AUTOMERGE)."""
    db.execute("CREATE INDEX IF NOT EXISTS idx_posts__year ON posts(year)")
    if db[search.LEGACY_SEARCH_TABLE].exists():  # a v2 archive gets its index in v6
        db.execute(f"INSERT INTO {search.LEGACY_SEARCH_TABLE}({search.LEGACY_SEARCH_TABLE}, rank) "
                   f"VALUES ('automerge', {search.SEARCH_AUTOMERGE})")


def migrate_5_to_6(db: Database) -> None:
    """v6: the full-text index keeps no copy of the texts (external content, `posts_fts`, which sqlite-utils
    and Datasette recognise), and triggers keep it in step with every write of posts; an index for a blog's posts
    by date (its posts newest first, its date range on the home page)."""
    search.rebuild_search_index(db.conn)
    db.execute("CREATE INDEX IF NOT EXISTS idx_posts__site_id__published ON posts(site_id, published)")


def migrate_6_to_7(db: Database) -> None:
    """v7: the images posts show (media) and which post shows which (post_media)."""
    db.execute(
        """CREATE TABLE IF NOT EXISTS media (
             id INTEGER PRIMARY KEY, url TEXT NOT NULL, site_id INTEGER REFERENCES sites(id), status INTEGER,
             final_url TEXT, redirects TEXT, content_type TEXT, size INTEGER, sha256 TEXT, warc_file TEXT, warc_offset INTEGER,
             fetched_at TEXT, crawl_id INTEGER REFERENCES crawls(id), error TEXT, first_seen TEXT NOT NULL)"""
    )
    db.execute("CREATE UNIQUE INDEX IF NOT EXISTS idx_media__url ON media(url)")
    db.execute("CREATE INDEX IF NOT EXISTS idx_media__sha256 ON media(sha256)")
    db.execute("CREATE INDEX IF NOT EXISTS idx_media__site_id ON media(site_id)")
    db.execute(
        """CREATE TABLE IF NOT EXISTS post_media (
             post_id INTEGER NOT NULL REFERENCES posts(id), media_id INTEGER NOT NULL REFERENCES media(id),
             position INTEGER NOT NULL, PRIMARY KEY (post_id, media_id))"""
    )
    db.execute("CREATE INDEX IF NOT EXISTS idx_post_media__media_id ON post_media(media_id)")


def migrate_7_to_8(db: Database) -> None:
    """v8: a crawl's start key (one blog per crawl: its last crawl is found by index, not by reading every
    crawls row), and the process and host running it (a crawl whose process died is marked interrupted)."""
    _add_columns(db, "crawls", {"start_key": "TEXT", "pid": "INTEGER", "host": "TEXT"})
    db.execute("CREATE INDEX IF NOT EXISTS idx_crawls__start_key ON crawls(start_key)")
    rows = db.execute("SELECT id, start_urls FROM crawls WHERE json_valid(start_urls) "
                      "AND json_array_length(start_urls) = 1").fetchall()
    db.conn.executemany("UPDATE crawls SET start_key = ? WHERE id = ?",
                        [(url_key(json.loads(urls)[0]), crawl_id) for crawl_id, urls in rows])


def migrate_8_to_9(db: Database) -> None:
    """v9: a post's other title (the listing's, or the page's) when the listing and the post page disagree."""
    _add_columns(db, "posts", {"title_variant": "TEXT"})


MIGRATIONS: dict[int, Callable[[Database], None]] = {
    1: migrate_1_to_2,
    2: migrate_2_to_3,
    3: migrate_3_to_4,
    4: migrate_4_to_5,
    5: migrate_5_to_6,
    6: migrate_6_to_7,
    7: migrate_7_to_8,
    8: migrate_8_to_9,
}


def migrate(db: Database, from_version: int) -> None:
    """Bring an archive at `from_version` up to SCHEMA_VERSION, one transaction per step."""
    for version in range(from_version, SCHEMA_VERSION):
        step = MIGRATIONS.get(version)
        if step is None:
            raise SchemaVersionError(f"no migration from schema version {version} to {version + 1}")
        with db.atomic():
            step(db)
            set_schema_version(db, version + 1)
