"""Publishing with Datasette: the bundled metadata is loaded and shapes what a visitor sees."""

from __future__ import annotations

import asyncio
import json
import sqlite3
import sys
from pathlib import Path
from typing import Any

import pytest

from archiver.publish import datasette_command, load_metadata, make_datasette
from archiver.publish.datasette import METADATA_PATH

POSTS = [
    # (id, url, title, published, site_id, lang, author)
    (1, "https://a.example/2024/01/05/first/", "First steps", "2024-01-05T09:00:00+08:00", 1, "en", "Ann"),
    (2, "https://a.example/2024/03/10/later/", "Later thoughts", "2024-03-10T21:30:00+08:00", 1, "en", "Ann"),
    (3, "https://b.example/2023/12/31/old/", "旧文一篇", "2023-12-31T08:00:00+08:00", 2, "zh-CN", "Bo"),
    (4, "https://b.example/2024/02/01/mid/", "中间的一篇", "2024-02-01T12:00:00+08:00", 2, "zh-CN", "Bo"),
]


def make_archive(db_path: Path) -> Path:
    """A small archive with the posts/sites columns the crawler writes, plus an internal table."""
    with sqlite3.connect(db_path) as connection:
        connection.executescript(
            """
            CREATE TABLE sites (id INTEGER PRIMARY KEY, url TEXT, title TEXT, engine TEXT);
            CREATE TABLE posts (id INTEGER PRIMARY KEY, url TEXT, title TEXT, published TEXT,
                                site_id INTEGER REFERENCES sites(id), lang TEXT, author TEXT, excerpt TEXT);
            CREATE TABLE _meta (key TEXT PRIMARY KEY, value TEXT);
            """
        )
        connection.executemany(
            "INSERT INTO sites VALUES (?, ?, ?, ?)",
            [(1, "https://a.example/", "Site A", "hugo"), (2, "https://b.example/", "站点 B", "hexo")],
        )
        connection.executemany("INSERT INTO posts VALUES (?, ?, ?, ?, ?, ?, ?, '')", POSTS)
        connection.execute("INSERT INTO _meta VALUES ('schema_version', '1')")
    return db_path


def get_json(db_path: Path, path: str) -> Any:
    """GET path from an in-process Datasette for db_path and decode the JSON answer."""

    async def run() -> Any:
        datasette = make_datasette(db_path)
        await datasette.invoke_startup()
        response = await datasette.client.get(path)
        assert response.status_code == 200, response.text
        return response.json()

    return asyncio.run(run())


@pytest.fixture()
def archive(tmp_path: Path) -> Path:
    return make_archive(tmp_path / "archive.db")


def test_instance_metadata_names_the_project(archive: Path) -> None:
    metadata = get_json(archive, "/-/metadata.json")
    assert metadata["title"] == "blog-archiver"
    assert metadata["description"]


def test_posts_are_listed_newest_first_by_default(archive: Path) -> None:
    data = get_json(archive, "/archive/posts.json?_shape=objects")
    assert [row["title"] for row in data["rows"]] == [
        "Later thoughts",
        "中间的一篇",
        "First steps",
        "旧文一篇",
    ]


def test_posts_table_is_faceted_by_site_language_and_author(archive: Path) -> None:
    data = get_json(archive, "/archive/posts.json?_extra=facet_results")
    facets = data["facet_results"]
    assert set(facets) >= {"site_id", "lang", "author"}
    languages = {item["value"]: item["count"] for item in facets["lang"]["results"]}
    assert languages == {"en": 2, "zh-CN": 2}


def test_site_ids_are_labelled_with_the_site_title(archive: Path) -> None:
    data = get_json(archive, "/archive/posts.json?_shape=objects&_labels=on&id=3")
    assert data["rows"][0]["site_id"] == {"value": 2, "label": "站点 B"}


def test_internal_tables_are_hidden_and_user_tables_described(archive: Path) -> None:
    tables = {table["name"]: table for table in get_json(archive, "/archive.json")["tables"]}
    assert tables["_meta"]["hidden"] is True
    assert tables["posts"]["hidden"] is False
    table_metadata = load_metadata()["databases"]["archive"]["tables"]
    for name in ("posts", "sites", "crawls", "crawl_errors"):
        assert table_metadata[name]["description"]
    assert {"url", "title", "published", "site_id"} <= set(table_metadata["posts"]["columns"])


def test_metadata_follows_a_database_with_another_name(tmp_path: Path) -> None:
    db_path = make_archive(tmp_path / "my-blogs.db")
    data = get_json(db_path, "/my-blogs/posts.json?_shape=objects")
    assert data["rows"][0]["title"] == "Later thoughts"


def test_datasette_command_serves_the_db_with_the_metadata(tmp_path: Path) -> None:
    db_path = tmp_path / "blogs.db"
    argv = datasette_command(db_path, "0.0.0.0", 8123)
    assert argv[:5] == [sys.executable, "-m", "datasette", "serve", str(db_path)]
    assert argv[argv.index("--host") + 1] == "0.0.0.0"
    assert argv[argv.index("--port") + 1] == "8123"
    metadata = json.loads(Path(argv[argv.index("--metadata") + 1]).read_text(encoding="utf-8"))
    assert metadata["databases"]["blogs"]["tables"]["posts"]["sort_desc"] == "published"


def test_metadata_names_only_columns_the_archive_has():
    """Sort, facet and column descriptions must name real columns, or Datasette shows errors."""
    from archiver.store.schema import TABLES

    tables = {t.name: {c.name for c in t.columns} for t in TABLES}
    metadata = json.loads(METADATA_PATH.read_text("utf-8"))
    for database in metadata["databases"].values():
        for name, table in database["tables"].items():
            if name.startswith("_"):
                continue
            facets = table.get("facets", [])  # a column name, or {"array": column} for JSON-list columns
            named = set(table.get("columns", {})) | {f if isinstance(f, str) else next(iter(f.values())) for f in facets}
            named |= {table[k] for k in ("sort", "sort_desc", "label_column") if k in table}
            assert named <= tables[name], (name, named - tables[name])
