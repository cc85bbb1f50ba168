"""The search index: how text and queries are tokenized, and that the index follows every write of the store."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest

from archiver.store import Archive, search
from archiver.store.schema import SCHEMA_VERSION


@pytest.mark.parametrize(
    "text, indexed",
    [
        ("垃圾回收", "垃圾 圾回 回收"),  # overlapping bigrams, as Lucene's CJKAnalyzer
        ("用 Python 写", "用 Python 写"),  # one-character runs stay single characters
        ("字典，队列", "字典 , 队列"),  # punctuation ends a run (full-width folded by NFKC)
        ("ガベージ", "ガベ ベー ージ"),
        ("컬렉션", "컬렉 렉션"),
        ("ＡＢＣ garbage", "ABC garbage"),  # full-width Latin folds to ASCII
    ],
)
def test_index_text_bigrams_cjk_runs_and_keeps_other_text(text: str, indexed: str) -> None:
    assert search.index_text(text).split() == indexed.split()


@pytest.mark.parametrize(
    "query, expression",
    [
        ("字典", '"字典"'),
        ("垃圾回收", '"垃圾 圾回 回收"'),  # a phrase: the four characters together
        ("garbage collector", '"garbage" "collector"'),  # both words, anywhere
        ('"garbage collector"', '"garbage collector"'),
        ("gc OR 回收", '"gc" OR "回收"'),
        ("字", '"字"*'),
        ('a"b', '"a b"'),  # a stray quote never breaks the expression
        ("", '""'),
    ],
)
def test_fts_query_applies_the_same_rewrite_to_queries(query: str, expression: str) -> None:
    assert search.fts_query(query) == expression


def test_snippet_marks_word_forms_and_cjk_runs() -> None:
    assert search.snippet("The collectors ran; 垃圾回收器", "collector 垃圾回收") == (
        "The <mark>collectors</mark> ran; <mark>垃圾回收</mark>器"
    )


# --- the index follows the store --------------------------------------------------------------------------


def make_post(site_id: int, slug: str, text: str, **fields) -> dict:
    post = {"site_id": site_id, "url": f"https://ink.example.net/{slug}/", "url_key": f"ink.example.net/{slug}",
            "title": f"Post {slug}", "content_text": text, "tags": ["notes"]}
    post.update(fields)
    return post


@pytest.fixture
def archive(tmp_path: Path):
    with Archive(tmp_path / "archive.db") as opened:
        yield opened


@pytest.fixture
def ids(archive: Archive) -> tuple[int, int]:
    site_id = archive.upsert_site(url="https://ink.example.net/", title="Ink", engine=None, theme=None,
                                  feeds=[], sitemaps=[], lang=None)
    return site_id, archive.start_crawl(["https://ink.example.net/"], {})


def found(archive: Archive, query: str) -> set[str]:
    rows = archive.db.execute(
        "SELECT p.url_key FROM posts_fts s JOIN posts p ON p.id = s.rowid WHERE posts_fts MATCH ?",
        [search.fts_query(query)],
    ).fetchall()
    return {row[0].rsplit("/", 1)[1] for row in rows}


def test_saved_posts_are_searchable_in_the_same_transaction(archive, ids) -> None:
    site_id, crawl_id = ids
    archive.save_posts([make_post(site_id, "a", "关于字典的笔记"), make_post(site_id, "b", "Queues everywhere")],
                       crawl_id)
    assert found(archive, "字典") == {"a"}
    assert found(archive, "queue") == {"b"}
    assert found(archive, "notes") == {"a", "b"}  # tags are indexed


def test_updated_post_is_reindexed(archive, ids) -> None:
    site_id, crawl_id = ids
    archive.save_posts([make_post(site_id, "a", "关于字典的笔记")], crawl_id)
    archive.save_posts([make_post(site_id, "a", "改写成队列的笔记", tags=["rewrite"])], crawl_id)
    assert found(archive, "字典") == set()
    assert found(archive, "队列") == {"a"}
    assert found(archive, "rewrite") == {"a"} and found(archive, "notes") == set()
    assert archive.db.execute("SELECT count(*) FROM posts_fts_docsize").fetchone()[0] == 1  # one entry


def test_listing_only_resave_keeps_the_body_searchable(archive, ids) -> None:
    site_id, crawl_id = ids
    archive.save_posts([make_post(site_id, "a", "关于字典的笔记")], crawl_id)
    archive.save_posts([make_post(site_id, "a", None, excerpt="短摘要")], crawl_id)  # the store keeps the body
    assert found(archive, "字典") == {"a"}


def test_deleted_post_leaves_the_index(archive, ids) -> None:
    site_id, crawl_id = ids
    archive.save_posts([make_post(site_id, "a", "关于字典的笔记"), make_post(site_id, "b", "字典二")], crawl_id)
    with archive.db.atomic():
        post_id = archive.db.execute("SELECT id FROM posts WHERE url_key = 'ink.example.net/a'").fetchone()[0]
        archive.db.execute("DELETE FROM post_tags WHERE post_id = ?", [post_id])
        archive.db.execute("DELETE FROM posts WHERE id = ?", [post_id])
    assert found(archive, "字典") == {"b"}


def test_v2_archive_gets_its_index_built_on_migration(tmp_path: Path) -> None:
    db_path = tmp_path / "old.db"
    with Archive(db_path) as archive:
        site_id = archive.upsert_site(url="https://ink.example.net/", title="Ink", engine=None, theme=None,
                                      feeds=[], sitemaps=[], lang=None)
        archive.save_posts([make_post(site_id, "a", "垃圾回收入门")], archive.start_crawl([], {}))
    with sqlite3.connect(db_path) as connection:  # make it look like a version-2 archive
        connection.executescript(
            "DROP TRIGGER posts_fts_update; DROP TRIGGER posts_fts_delete; "
            "DROP TABLE posts_fts; DROP INDEX idx_posts__month; "
            "DROP INDEX idx_posts__year; "
            "ALTER TABLE posts DROP COLUMN month; ALTER TABLE posts DROP COLUMN year; "
            "UPDATE _meta SET value = '2' WHERE key = 'schema_version';"
        )
    with Archive(db_path) as archive:
        assert found(archive, "垃圾回收") == {"a"}
        assert archive.db.execute("SELECT year, month FROM posts").fetchone() == (None, None)
        indexes = {row[0] for row in archive.db.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
        assert {"idx_posts__year", "idx_posts__month"} <= indexes  # the year and month facets count these
        assert int(archive.db.execute("SELECT value FROM _meta").fetchone()[0]) == SCHEMA_VERSION


NFKC_CASES = [
    "字典，队列：栈？（堆）！",  # full-width punctuation of CJK prose
    "ＡＢＣ　ｘｙｚ１２３",  # full-width Latin and digits, ideographic space
    "ｶﾞﾍﾞｰｼﾞ",  # half-width kana with voiced marks
    "ﬁle ① ㈱",  # ligature, circled digit, parenthesized ideograph
    "\u1100\u1161\u11a8",  # Hangul written as jamo
    "plain ascii",
]


@pytest.mark.parametrize("text", NFKC_CASES)
def test_normalize_is_nfkc(text: str) -> None:
    """Documents and queries must meet in the same form, whatever shortcut normalize takes."""
    assert search.normalize(text) == unicodedata.normalize("NFKC", text)


# --- the index keeps no copy of the texts, follows every write, and speaks the sqlite-utils/Datasette conventions --


def test_index_keeps_no_copy_of_the_texts(archive, ids) -> None:
    site_id, crawl_id = ids
    archive.save_posts([make_post(site_id, "a", "关于字典的笔记 " * 200)], crawl_id)
    names = {row[0] for row in archive.db.execute("SELECT name FROM sqlite_master")}
    assert "posts_fts" in names and "posts_fts_content" not in names and "post_search" not in names
    sql = archive.db.execute("SELECT sql FROM sqlite_master WHERE name = 'posts_fts'").fetchone()[0]
    assert 'content="posts"' in sql  # what sqlite-utils' and Datasette's detect_fts look for
    # The whole index of a 2,000-character body is a fraction of the body itself.
    index_bytes = archive.db.execute(
        "SELECT sum(length(block)) FROM posts_fts_data").fetchone()[0]
    assert index_bytes < len(("关于字典的笔记 " * 200).encode("utf-8")) / 2


def test_writes_outside_save_posts_keep_the_index_in_step(archive, ids) -> None:
    site_id, crawl_id = ids
    archive.save_posts([make_post(site_id, "a", "关于字典的笔记"), make_post(site_id, "b", "Queues everywhere")],
                       crawl_id)
    with archive.db.atomic():  # a hand-made fix, as a maintenance script would write it
        archive.db.execute("UPDATE posts SET content_text = '改写成队列', title = 'Renamed' WHERE url_key LIKE '%/a'")
        archive.db.execute("UPDATE posts SET last_seen = '2030-01-01' WHERE url_key LIKE '%/b'")  # not indexed
    assert found(archive, "字典") == set() and found(archive, "队列") == {"a"} and found(archive, "renamed") == {"a"}
    assert found(archive, "queues") == {"b"}
    # FTS5 checks its own structure (rank 0: without comparing with the posts' raw text, which it never stored).
    archive.db.execute("INSERT INTO posts_fts(posts_fts, rank) VALUES ('integrity-check', 0)")


def test_a_writer_without_the_functions_changes_nothing(archive, ids, tmp_path: Path) -> None:
    site_id, crawl_id = ids
    archive.save_posts([make_post(site_id, "a", "关于字典的笔记")], crawl_id)
    archive.close()
    with sqlite3.connect(tmp_path / "archive.db") as connection, pytest.raises(sqlite3.OperationalError,
                                                                               match="no such function"):
        connection.execute("UPDATE posts SET title = 'changed behind our back'")
    with Archive(tmp_path / "archive.db") as reopened:
        assert reopened.db.execute("SELECT title FROM posts").fetchone()[0] == "Post a"
        assert found(reopened, "字典") == {"a"}


def test_sqlite_utils_search_finds_posts(archive, ids, tmp_path: Path) -> None:
    """`sqlite-utils search archive.db posts QUERY`, the command the sqlite-utils docs teach."""
    site_id, crawl_id = ids
    archive.save_posts([make_post(site_id, "a", "The collectors ran late"), make_post(site_id, "b", "Queues")],
                       crawl_id)
    archive.close()
    command = [str(Path(sys.executable).with_name("sqlite-utils")), "search", str(tmp_path / "archive.db"),
               "posts", "collector", "-c", "url_key"]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == [{"url_key": "ink.example.net/a"}]


def test_plain_datasette_searches_english_without_the_plugin(archive, ids, tmp_path: Path) -> None:
    """Datasette with none of our plugin, metadata or templates: its ?_search= finds the index by itself."""
    site_id, crawl_id = ids
    archive.save_posts([make_post(site_id, "a", "The collectors ran late"), make_post(site_id, "b", "Queues")],
                       crawl_id)
    archive.close()
    script = f"""
import asyncio, json, sys
sys.modules["archiver"] = None
from datasette.app import Datasette
async def main():
    ds = Datasette(files=[{str(tmp_path / "archive.db")!r}])
    data = (await ds.client.get("/archive/posts.json?_search=collector&_shape=array&_col=url_key")).json()
    print(json.dumps([row["url_key"] for row in data]))
asyncio.run(main())
"""
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr[-2000:]
    assert json.loads(result.stdout) == ["ink.example.net/a"]


def test_v5_archive_gets_the_contentless_index_on_migration(tmp_path: Path) -> None:
    db_path = tmp_path / "v5.db"
    with Archive(db_path) as archive:
        site_id = archive.upsert_site(url="https://ink.example.net/", title="Ink", engine=None, theme=None,
                                      feeds=[], sitemaps=[], lang=None)
        archive.save_posts([make_post(site_id, "a", "垃圾回收入门"), make_post(site_id, "b", "Queues")],
                           archive.start_crawl([], {}))
    with sqlite3.connect(db_path) as connection:  # as schema 5 left it: an FTS5 table with its own copy
        connection.executescript(
            "DROP TRIGGER posts_fts_update; DROP TRIGGER posts_fts_delete; "
            "DROP TABLE posts_fts; "
            "CREATE VIRTUAL TABLE post_search USING fts5(title, labels, body, "
            "tokenize = 'porter unicode61 remove_diacritics 2'); "
            "CREATE TRIGGER posts_search_delete AFTER DELETE ON posts BEGIN "
            "DELETE FROM post_search WHERE rowid = old.id; END; "
            "INSERT INTO post_search(rowid, title, labels, body) VALUES (1, 'Post a', 'notes', '垃圾 圾回 回收'); "
            "UPDATE _meta SET value = '5' WHERE key = 'schema_version';"
        )
    with Archive(db_path) as archive:
        names = {row[0] for row in archive.db.execute("SELECT name FROM sqlite_master")}
        assert "post_search" not in names and "posts_search_delete" not in names
        assert found(archive, "垃圾回收") == {"a"} and found(archive, "queues") == {"b"}
        assert int(archive.db.execute("SELECT value FROM _meta").fetchone()[0]) == SCHEMA_VERSION
