"""The SQLite archive on real files: schema, upserts, never-blank merging, taxonomies, crawls, migrations."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

from archiver.extract.urls import url_key
from archiver.store import SCHEMA_VERSION, Archive, NotAnArchiveError, SchemaVersionError, content_hash

SITE_URL = "https://notes.example.net/"


@pytest.fixture
def archive(tmp_path: Path):
    with Archive(tmp_path / "archive.db") as opened:
        yield opened


@pytest.fixture
def site_id(archive: Archive) -> int:
    return archive.upsert_site(
        url=SITE_URL, title="Field Notes", engine="hexo", theme="next",
        feeds=[SITE_URL + "atom.xml"], sitemaps=[], lang="en",
    )


@pytest.fixture
def crawl_id(archive: Archive) -> int:
    return archive.start_crawl([SITE_URL], {"max_pages": 10})


def make_post(site_id: int, slug: str, **fields) -> dict:
    """A full post record as the pipeline hands it over, with invented content."""
    post = {
        "site_id": site_id,
        "url": f"{SITE_URL}{slug}/",
        "url_key": f"notes.example.net/{slug}",
        "title": f"On {slug}",
        "excerpt": f"A short look at {slug}.",
        "excerpt_source": "listing",
        "published": "2024-03-05T09:00:00+08:00",
        "published_raw": "2024-03-05 09:00",
        "published_source": "time",
        "updated": None,
        "updated_raw": None,
        "updated_source": None,
        "author": "Mei",
        "lang": "en",
        "tags": ["gardening", "soil"],
        "categories": ["outdoors"],
        "content_html": f"<p>Everything about {slug}.</p>",
        "content_text": f"Everything about {slug}.",
        "content_markdown": f"Everything about {slug}.",
        "listing_url": SITE_URL,
        "listing_position": 0,
        "extracted_by": "theme:hexo-next",
        "page_status": 200,
    }
    post.update(fields)
    return post


def listing_only(post: dict) -> dict:
    """The same post as a crawl that could not fetch its page would save it."""
    lacking = dict(post)
    for name in ("content_html", "content_text", "content_markdown", "page_status", "updated", "author", "lang"):
        lacking[name] = None
    lacking.update(tags=[], categories=[], extracted_by="", excerpt_source="listing")
    return lacking


def post_row(archive: Archive, url_key: str) -> dict:
    return next(archive.db.query("SELECT * FROM posts WHERE url_key = ?", [url_key]))


def tag_names(archive: Archive, post_id: int, link_table: str = "post_tags", name_table: str = "tags") -> set[str]:
    column = "tag_id" if link_table == "post_tags" else "category_id"
    return {
        row["name"]
        for row in archive.db.query(
            f"SELECT n.name FROM {link_table} l JOIN {name_table} n ON n.id = l.{column} WHERE l.post_id = ?",
            [post_id],
        )
    }


# --- opening --------------------------------------------------------------------------------------------


def test_new_archive_uses_wal_and_foreign_keys(archive: Archive, tmp_path: Path) -> None:
    assert archive.db.journal_mode == "wal"
    assert archive.db.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert {"sites", "posts", "tags", "post_tags", "categories", "post_categories", "crawls",
            "crawl_errors", "pages"} <= set(archive.db.table_names())


def test_foreign_keys_are_enforced(archive: Archive, crawl_id: int) -> None:
    with pytest.raises(sqlite3.IntegrityError):
        archive.save_posts([make_post(site_id=999, slug="orphan")], crawl_id)
    assert archive.db["posts"].count == 0


def test_reopening_keeps_data(tmp_path: Path) -> None:
    path = tmp_path / "archive.db"
    with Archive(path) as first:
        first.upsert_site(url=SITE_URL, title="T", engine=None, theme=None, feeds=[], sitemaps=[], lang=None)
    with Archive(path) as second:
        assert second.summary()["sites"] == 1


def test_foreign_database_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "other.db"
    with sqlite3.connect(path) as connection:
        connection.execute("CREATE TABLE recipes (id INTEGER PRIMARY KEY, name TEXT)")
    with pytest.raises(NotAnArchiveError):
        Archive(path)


# --- posts ----------------------------------------------------------------------------------------------


def test_resaving_same_posts_updates_instead_of_duplicating(archive, site_id, crawl_id) -> None:
    posts = [make_post(site_id, "compost"), make_post(site_id, "mulch")]
    assert archive.save_posts(posts, crawl_id) == (2, 0)
    assert archive.save_posts(posts, crawl_id) == (0, 0)
    assert archive.db["posts"].count == 2


@pytest.mark.parametrize(
    "field, value",
    [
        ("title", "On compost, revised"),
        ("excerpt", "A longer look at compost."),
        ("published", "2024-03-06T09:00:00+08:00"),
        ("updated", "2024-04-01T10:00:00+08:00"),
        ("content_text", "Everything about compost, and worms."),
    ],
)
def test_changed_field_counts_as_updated(archive, site_id, crawl_id, field: str, value: str) -> None:
    archive.save_posts([make_post(site_id, "compost"), make_post(site_id, "mulch")], crawl_id)
    new, updated = archive.save_posts([make_post(site_id, "compost", **{field: value}),
                                       make_post(site_id, "mulch")], crawl_id)
    assert (new, updated) == (0, 1)
    assert post_row(archive, "notes.example.net/compost")[field] == value


def test_url_variants_are_one_row(archive, site_id, crawl_id) -> None:
    variants = [
        "https://notes.example.net/compost/",
        "http://notes.example.net/compost/",
        "https://notes.example.net/compost",
        "https://notes.example.net/compost/index.html",
    ]
    counts = [archive.save_posts([make_post(site_id, "compost", url=url, url_key=url_key(url))], crawl_id)
              for url in variants]
    assert counts == [(1, 0), (0, 0), (0, 0), (0, 0)]
    assert archive.db["posts"].count == 1
    assert post_row(archive, url_key(variants[0]))["url"] == variants[-1]


def test_duplicate_post_within_one_batch_is_one_new_row(archive, site_id, crawl_id) -> None:
    first = make_post(site_id, "compost")
    again = make_post(site_id, "compost", url=f"{SITE_URL}compost/index.html")
    assert archive.save_posts([first, again], crawl_id) == (1, 0)
    assert archive.db["posts"].count == 1


@pytest.mark.parametrize(
    "field",
    ["content_html", "content_text", "content_markdown", "content_hash", "page_status", "author", "lang",
     "extracted_by", "tags", "categories"],
)
def test_record_lacking_a_field_keeps_the_stored_value(archive, site_id, crawl_id, field: str) -> None:
    full = make_post(site_id, "compost")
    archive.save_posts([full], crawl_id)
    before = post_row(archive, "notes.example.net/compost")
    assert archive.save_posts([listing_only(full)], crawl_id) == (0, 0)
    after = post_row(archive, "notes.example.net/compost")
    assert after[field] == before[field]
    assert after[field] not in (None, "", "[]")


def test_date_fields_move_together(archive, site_id, crawl_id) -> None:
    archive.save_posts([make_post(site_id, "compost")], crawl_id)
    archive.save_posts([make_post(site_id, "compost", published="2024-03-05", published_raw=None,
                                  published_source="url")], crawl_id)
    row = post_row(archive, "notes.example.net/compost")
    assert (row["published"], row["published_raw"], row["published_source"]) == ("2024-03-05", None, "url")


def test_title_variant_moves_with_the_title(archive, site_id, crawl_id) -> None:
    archive.save_posts([make_post(site_id, "moss", title="Moss, revisited", title_variant="On moss")], crawl_id)
    row = post_row(archive, "notes.example.net/moss")
    assert (row["title"], row["title_variant"]) == ("Moss, revisited", "On moss")
    # A record without a title keeps both; one whose listing and page agree again drops the old variant.
    archive.save_posts([make_post(site_id, "moss", title=None, title_variant=None)], crawl_id)
    assert post_row(archive, "notes.example.net/moss")["title_variant"] == "On moss"
    archive.save_posts([make_post(site_id, "moss", title="Moss, revisited")], crawl_id)
    row = post_row(archive, "notes.example.net/moss")
    assert (row["title"], row["title_variant"]) == ("Moss, revisited", None)


def test_content_hash_is_sha256_of_body_or_excerpt(archive, site_id, crawl_id) -> None:
    with_body = make_post(site_id, "compost")
    without_body = make_post(site_id, "mulch", content_html=None, content_text=None, content_markdown=None)
    archive.save_posts([with_body, without_body], crawl_id)
    assert post_row(archive, "notes.example.net/compost")["content_hash"] == content_hash(
        "Everything about compost.", None)
    assert post_row(archive, "notes.example.net/mulch")["content_hash"] == content_hash(
        None, "A short look at mulch.")
    assert len(content_hash("x", None) or "") == 64


def test_seen_times_and_crawl_bookkeeping(archive, site_id, crawl_id) -> None:
    archive.save_posts([make_post(site_id, "compost")], crawl_id)
    first = post_row(archive, "notes.example.net/compost")
    later_crawl = archive.start_crawl([SITE_URL], {})
    archive.save_posts([make_post(site_id, "compost")], later_crawl)
    second = post_row(archive, "notes.example.net/compost")
    assert second["first_seen"] == first["first_seen"]
    assert second["last_seen"] >= first["last_seen"]
    assert datetime.fromisoformat(second["last_seen"]).utcoffset() == UTC.utcoffset(None)
    assert (first["last_crawl_id"], second["last_crawl_id"]) == (crawl_id, later_crawl)


def test_tags_and_categories_are_replaced(archive, site_id, crawl_id) -> None:
    archive.save_posts([make_post(site_id, "compost", tags=["soil", "worms"], categories=["outdoors"])], crawl_id)
    archive.save_posts([make_post(site_id, "compost", tags=["worms", "bins"], categories=["kitchen"])], crawl_id)
    row = post_row(archive, "notes.example.net/compost")
    assert tag_names(archive, row["id"]) == {"worms", "bins"}
    assert tag_names(archive, row["id"], "post_categories", "categories") == {"kitchen"}
    assert json.loads(row["tags"]) == ["worms", "bins"]
    assert json.loads(row["categories"]) == ["kitchen"]


def test_shared_tag_is_one_tag_row(archive, site_id, crawl_id) -> None:
    archive.save_posts([make_post(site_id, "compost", tags=["soil", " soil ", "Worms"]),
                        make_post(site_id, "mulch", tags=["soil"])], crawl_id)
    assert sorted(row["name"] for row in archive.db.query("SELECT name FROM tags")) == ["Worms", "soil"]
    assert archive.db["post_tags"].count == 3


def test_known_post_keys(archive, site_id, crawl_id) -> None:
    other_site = archive.upsert_site(url="https://other.example.net/", title=None, engine=None, theme=None,
                                     feeds=[], sitemaps=[], lang=None)
    archive.save_posts([make_post(site_id, "compost"), make_post(site_id, "mulch"),
                        make_post(other_site, "elsewhere", url_key="other.example.net/elsewhere",
                                  url="https://other.example.net/elsewhere/")], crawl_id)
    assert archive.known_post_keys(site_id) == {"notes.example.net/compost", "notes.example.net/mulch"}


# --- sites, crawls, errors, pages -----------------------------------------------------------------------


def test_upsert_site_is_keyed_on_url_and_never_blanks(archive, site_id) -> None:
    again = archive.upsert_site(url=SITE_URL, title=None, engine="hexo", theme=None, feeds=[],
                                sitemaps=[SITE_URL + "sitemap.xml"], lang=None)
    assert again == site_id
    row = archive.db["sites"].get(site_id)
    assert (row["title"], row["theme"], row["lang"]) == ("Field Notes", "next", "en")
    assert json.loads(row["feeds"]) == [SITE_URL + "atom.xml"]
    assert json.loads(row["sitemaps"]) == [SITE_URL + "sitemap.xml"]


def test_crawl_start_and_finish_rows(archive, site_id) -> None:
    crawl_id = archive.start_crawl([SITE_URL], {"max_pages": 10})
    started = archive.db["crawls"].get(crawl_id)
    assert (started["status"], started["finished"]) == ("running", None)
    assert json.loads(started["start_urls"]) == [SITE_URL]
    assert json.loads(started["options"]) == {"max_pages": 10}
    archive.save_posts([make_post(site_id, "compost"), make_post(site_id, "mulch")], crawl_id)
    archive.finish_crawl(crawl_id, "partial", {"pages_fetched": 7, "message": "stopped at max_pages"})
    finished = archive.db["crawls"].get(crawl_id)
    assert finished["status"] == "partial"
    assert finished["finished"] >= finished["started"]
    assert (finished["pages_fetched"], finished["posts_new"], finished["posts_updated"]) == (7, 2, 0)
    assert finished["message"] == "stopped at max_pages"


def test_finish_crawl_rejects_unknown_status(archive, crawl_id) -> None:
    with pytest.raises(ValueError):
        archive.finish_crawl(crawl_id, "done", {})


def test_errors_are_logged_against_their_crawl(archive, crawl_id) -> None:
    other = archive.start_crawl([SITE_URL], {})
    archive.log_error(crawl_id, SITE_URL + "gone/", "http", "Not Found", status=404)
    archive.log_error(crawl_id, SITE_URL + "slow/", "timeout", "took too long")
    rows = list(archive.db.query("SELECT * FROM crawl_errors ORDER BY id"))
    assert [(r["crawl_id"], r["kind"], r["status"]) for r in rows] == [(crawl_id, "http", 404),
                                                                         (crawl_id, "timeout", None)]
    assert archive.db["crawls"].get(crawl_id)["errors"] == 2
    assert archive.db["crawls"].get(other)["errors"] == 0
    with pytest.raises(sqlite3.IntegrityError):
        archive.log_error(12345, SITE_URL, "http", "no such crawl")


def test_record_pages_keeps_validators_a_response_lacks(archive, site_id, crawl_id) -> None:
    page = {"url": SITE_URL, "kind": "listing", "site_id": site_id, "status": 200, "etag": '"abc"',
            "last_modified": "Tue, 05 Mar 2024 01:00:00 GMT", "content_hash": "h1"}
    archive.record_pages([page], crawl_id)
    archive.record_pages([{"url": SITE_URL, "kind": "listing", "site_id": site_id, "status": 304}], crawl_id)
    row = next(archive.db.query("SELECT * FROM pages"))
    assert (row["status"], row["etag"], row["last_modified"], row["content_hash"]) == (
        304, '"abc"', "Tue, 05 Mar 2024 01:00:00 GMT", "h1")
    assert archive.db["pages"].count == 1
    with pytest.raises(ValueError):
        archive.record_pages([{"url": SITE_URL + "x", "kind": "image"}], crawl_id)


def test_summary_figures(archive, site_id, crawl_id) -> None:
    empty_site = archive.upsert_site(url="https://quiet.example.net/", title="Quiet", engine=None,
                                     theme=None, feeds=[], sitemaps=[], lang=None)
    archive.save_posts([
        make_post(site_id, "compost", published="2023-11-02T08:00:00+08:00"),
        make_post(site_id, "mulch", published="2024-06-30T08:00:00+08:00"),
        make_post(site_id, "seeds", published=None, published_raw=None, published_source=None),
    ], crawl_id)
    archive.log_error(crawl_id, SITE_URL + "gone/", "http", "Not Found", status=404)
    archive.finish_crawl(crawl_id, "ok", {})
    summary = archive.summary()
    assert (summary["sites"], summary["posts"]) == (2, 3)
    assert summary["earliest_published"] == "2023-11-02T08:00:00+08:00"
    assert summary["latest_published"] == "2024-06-30T08:00:00+08:00"
    by_site = {entry["site_id"]: entry for entry in summary["per_site"]}
    assert by_site[site_id]["posts"] == 3
    assert by_site[empty_site]["posts"] == 0
    last = summary["last_crawl"]
    assert (last["id"], last["status"], last["posts_new"], last["errors"]) == (crawl_id, "ok", 3, 1)


# --- read-only and versions -----------------------------------------------------------------------------


def test_open_readonly_reads_but_does_not_write(tmp_path: Path) -> None:
    path = tmp_path / "archive.db"
    with Archive(path) as archive:
        archive.upsert_site(url=SITE_URL, title="T", engine=None, theme=None, feeds=[], sitemaps=[], lang=None)
    with Archive.open_readonly(path) as reader:
        assert reader.summary()["sites"] == 1
        with pytest.raises(sqlite3.OperationalError):
            reader.start_crawl([SITE_URL], {})
    with pytest.raises(FileNotFoundError):
        Archive.open_readonly(tmp_path / "missing.db")
    assert not (tmp_path / "missing.db").exists()


def set_version(path: Path, version: int) -> None:
    with sqlite3.connect(path) as connection:
        connection.execute("UPDATE _meta SET value = ? WHERE key = 'schema_version'", [str(version)])


def test_newer_schema_version_fails_clearly(tmp_path: Path) -> None:
    path = tmp_path / "archive.db"
    Archive(path).close()
    set_version(path, SCHEMA_VERSION + 1)
    with pytest.raises(SchemaVersionError, match=rf"schema version {SCHEMA_VERSION + 1}.*upgrade"):
        Archive(path)
    with pytest.raises(SchemaVersionError, match="upgrade"):
        Archive.open_readonly(path)


# The first released schema, written out by hand as an old archiver would have left it.
SCHEMA_V1 = """
CREATE TABLE _meta (key TEXT PRIMARY KEY NOT NULL, value TEXT);
INSERT INTO _meta VALUES ('schema_version', '1');
CREATE TABLE sites (id INTEGER PRIMARY KEY, url TEXT NOT NULL, title TEXT, engine TEXT, theme TEXT, lang TEXT,
  feeds TEXT DEFAULT '[]', sitemaps TEXT DEFAULT '[]', first_seen TEXT NOT NULL, last_crawled TEXT);
CREATE UNIQUE INDEX idx_sites__url ON sites (url);
CREATE INDEX idx_sites__engine ON sites (engine);
CREATE TABLE crawls (id INTEGER PRIMARY KEY, started TEXT NOT NULL, finished TEXT,
  status TEXT NOT NULL DEFAULT 'running', start_urls TEXT DEFAULT '[]', options TEXT DEFAULT '{}',
  pages_fetched INTEGER NOT NULL DEFAULT 0, posts_new INTEGER NOT NULL DEFAULT 0,
  posts_updated INTEGER NOT NULL DEFAULT 0, errors INTEGER NOT NULL DEFAULT 0, message TEXT);
CREATE INDEX idx_crawls__started ON crawls (started);
CREATE INDEX idx_crawls__status ON crawls (status);
CREATE TABLE posts (id INTEGER PRIMARY KEY, site_id INTEGER NOT NULL REFERENCES sites(id), url TEXT NOT NULL,
  url_key TEXT NOT NULL, title TEXT, excerpt TEXT, excerpt_source TEXT, published TEXT, published_raw TEXT,
  published_source TEXT, updated TEXT, updated_raw TEXT, updated_source TEXT, author TEXT, lang TEXT,
  content_html TEXT, content_text TEXT, content_markdown TEXT, content_hash TEXT, listing_url TEXT,
  listing_position INTEGER, extracted_by TEXT, page_status INTEGER, first_seen TEXT NOT NULL,
  last_seen TEXT NOT NULL, last_crawl_id INTEGER REFERENCES crawls(id));
CREATE UNIQUE INDEX idx_posts__url_key ON posts (url_key);
CREATE UNIQUE INDEX idx_posts__url ON posts (url);
CREATE INDEX idx_posts__site_id ON posts (site_id);
CREATE INDEX idx_posts__published ON posts (published);
CREATE INDEX idx_posts__updated ON posts (updated);
CREATE INDEX idx_posts__lang ON posts (lang);
CREATE INDEX idx_posts__author ON posts (author);
CREATE INDEX idx_posts__last_crawl_id ON posts (last_crawl_id);
CREATE INDEX idx_posts__first_seen ON posts (first_seen);
CREATE TABLE tags (id INTEGER PRIMARY KEY, name TEXT NOT NULL);
CREATE UNIQUE INDEX idx_tags__name ON tags (name);
CREATE TABLE post_tags (post_id INTEGER NOT NULL REFERENCES posts(id), tag_id INTEGER NOT NULL REFERENCES tags(id),
  PRIMARY KEY (post_id, tag_id));
CREATE INDEX idx_post_tags__tag_id ON post_tags (tag_id);
CREATE TABLE categories (id INTEGER PRIMARY KEY, name TEXT NOT NULL);
CREATE UNIQUE INDEX idx_categories__name ON categories (name);
CREATE TABLE post_categories (post_id INTEGER NOT NULL REFERENCES posts(id),
  category_id INTEGER NOT NULL REFERENCES categories(id), PRIMARY KEY (post_id, category_id));
CREATE INDEX idx_post_categories__category_id ON post_categories (category_id);
CREATE TABLE crawl_errors (id INTEGER PRIMARY KEY, crawl_id INTEGER NOT NULL REFERENCES crawls(id), url TEXT,
  kind TEXT NOT NULL, status INTEGER, message TEXT, at TEXT NOT NULL);
CREATE INDEX idx_crawl_errors__crawl_id ON crawl_errors (crawl_id);
CREATE INDEX idx_crawl_errors__kind ON crawl_errors (kind);
CREATE INDEX idx_crawl_errors__url ON crawl_errors (url);
CREATE TABLE pages (id INTEGER PRIMARY KEY, url TEXT NOT NULL, url_key TEXT, kind TEXT NOT NULL,
  site_id INTEGER REFERENCES sites(id), status INTEGER, etag TEXT, last_modified TEXT, content_hash TEXT,
  fetched_at TEXT NOT NULL, crawl_id INTEGER REFERENCES crawls(id));
CREATE UNIQUE INDEX idx_pages__url ON pages (url);
CREATE INDEX idx_pages__url_key ON pages (url_key);
CREATE INDEX idx_pages__site_id__kind ON pages (site_id, kind);
CREATE INDEX idx_pages__crawl_id ON pages (crawl_id);

INSERT INTO sites VALUES (1, 'https://notes.example.net/', 'Field Notes', 'hexo', NULL, 'en', '[]', '[]',
  '2024-01-01T00:00:00+00:00', '2024-01-01T00:00:00+00:00');
INSERT INTO crawls (id, started, status) VALUES (1, '2024-01-01T00:00:00+00:00', 'ok');
INSERT INTO posts (id, site_id, url, url_key, title, content_text, first_seen, last_seen, last_crawl_id)
  VALUES (1, 1, 'https://notes.example.net/compost/', 'notes.example.net/compost', 'On compost',
          'Everything about compost.', '2024-01-01T00:00:00+00:00', '2024-01-01T00:00:00+00:00', 1);
INSERT INTO tags VALUES (1, 'worms'), (2, 'soil');
INSERT INTO post_tags VALUES (1, 2), (1, 1);
INSERT INTO categories VALUES (1, 'outdoors');
INSERT INTO post_categories VALUES (1, 1);
"""


def schema_shape(db_path: Path) -> dict[str, set]:
    """Tables with their column names, and index names: what two archives must share to be the same schema."""
    with sqlite3.connect(db_path) as connection:
        tables = [name for (name,) in connection.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")]
        shape = {table: {row[1] for row in connection.execute(f"PRAGMA table_info({table})")} for table in tables}
        shape["indexes"] = {name for (name,) in connection.execute(
            "SELECT name FROM sqlite_master WHERE type = 'index' AND name NOT LIKE 'sqlite_%'")}
    return shape


def test_v1_archive_is_migrated(tmp_path: Path) -> None:
    old_path = tmp_path / "old.db"
    with sqlite3.connect(old_path) as connection:
        connection.executescript(SCHEMA_V1)
    with Archive(old_path) as archive:
        version = archive.db.execute("SELECT value FROM _meta WHERE key = 'schema_version'").fetchone()[0]
        assert int(version) == SCHEMA_VERSION
        row = archive.db["posts"].get(1)
        assert (row["title"], row["content_text"]) == ("On compost", "Everything about compost.")
        assert json.loads(row["tags"]) == ["soil", "worms"]  # in the order the old archive linked them
        assert json.loads(row["categories"]) == ["outdoors"]
        assert row["removed_at"] is None
        # The migrated archive works like a new one: re-saving updates the old row.
        crawl_id = archive.start_crawl([SITE_URL], {})
        assert archive.save_posts([make_post(1, "compost", title="On compost")], crawl_id) == (0, 1)
    fresh_path = tmp_path / "fresh.db"
    Archive(fresh_path).close()
    assert schema_shape(old_path) == schema_shape(fresh_path)


def test_feed_fill_keeps_where_the_date_came_from(archive, site_id, crawl_id) -> None:
    archive.save_posts([make_post(site_id, "lichen", published=None, published_raw=None, published_source=None)],
                       crawl_id)
    record = {"url": f"{SITE_URL}lichen/", "published": "2021-04-05T10:00:00+08:00",
              "published_raw": "2021-04-05T10:00:00+08:00", "published_source": "feed-updated"}
    assert archive.fill_from_feed([record]) == 1
    row = archive.db.conn.execute("SELECT published, published_source FROM posts").fetchone()
    assert row == ("2021-04-05T10:00:00+08:00", "feed-updated")


def test_every_older_version_has_its_migration_step() -> None:
    from archiver.store.schema import MIGRATIONS

    # A gap would leave archives of that version unopenable ("no migration from schema version N").
    assert sorted(MIGRATIONS) == list(range(1, SCHEMA_VERSION))


def test_v7_archive_gets_crawl_start_keys_on_migration(tmp_path: Path) -> None:
    """An archive of schema 7 (search index and images, no per-blog crawl keys) keeps its crawl history: after
    the migration the blog's last crawl is found by its start key."""
    from archiver.store.memory import ArchiveMemory

    path = tmp_path / "v7.db"
    with Archive(path) as archive:
        site = archive.upsert_site(url=SITE_URL, title="T", engine=None, theme=None, feeds=[], sitemaps=[], lang=None)
        several = archive.start_crawl([SITE_URL, "https://other.example.org/"], {})
        archive.finish_crawl(several, "ok", {})
        crawl_id = archive.start_crawl([SITE_URL], {})
        archive.save_posts([make_post(site, "compost")], crawl_id)
        archive.finish_crawl(crawl_id, "ok", {"sites": {url_key(SITE_URL): {"complete": True}}})
    with sqlite3.connect(path) as connection:  # back to what schema 7 had
        connection.execute("DROP INDEX idx_crawls__start_key")
        for column in ("start_key", "pid", "host"):
            connection.execute(f"ALTER TABLE crawls DROP COLUMN {column}")
    set_version(path, 7)
    with Archive(path) as archive:
        keys = dict(archive.db.execute("SELECT id, start_key FROM crawls").fetchall())
        assert keys == {crawl_id: url_key(SITE_URL), several: None}  # a crawl of several blogs has no one key
        memory = ArchiveMemory(archive)
        last = memory.last_crawl(SITE_URL)
        assert last is not None and last.complete
        assert archive.db.execute("SELECT count(*) FROM posts_fts WHERE posts_fts MATCH 'compost'").fetchone()[0] == 1
    fresh_path = tmp_path / "fresh.db"
    Archive(fresh_path).close()
    assert schema_shape(path) == schema_shape(fresh_path)


def test_v8_archive_gets_the_title_variant_column_on_migration(tmp_path: Path) -> None:
    path = tmp_path / "v8.db"
    with Archive(path) as archive:
        site = archive.upsert_site(url=SITE_URL, title="T", engine=None, theme=None, feeds=[], sitemaps=[], lang=None)
        archive.save_posts([make_post(site, "compost")], archive.start_crawl([SITE_URL], {}))
    with sqlite3.connect(path) as connection:  # back to what schema 8 had
        connection.execute("ALTER TABLE posts DROP COLUMN title_variant")
    set_version(path, 8)
    with Archive(path) as archive:
        crawl_id = archive.start_crawl([SITE_URL], {})
        archive.save_posts([make_post(1, "compost", title="Compost, again", title_variant="On compost")], crawl_id)
        row = post_row(archive, "notes.example.net/compost")
        assert (row["title"], row["title_variant"]) == ("Compost, again", "On compost")
    fresh_path = tmp_path / "fresh.db"
    Archive(fresh_path).close()
    assert schema_shape(path) == schema_shape(fresh_path)
