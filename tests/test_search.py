"""The search index: how text and queries are tokenized, and that the index follows every write of the store."""

from __future__ import annotations

import sqlite3
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
        "SELECT p.url_key FROM post_search s JOIN posts p ON p.id = s.rowid WHERE post_search MATCH ?",
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
    assert archive.db.execute("SELECT count(*) FROM post_search").fetchone()[0] == 1


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
            "DROP TRIGGER posts_search_delete; DROP TABLE post_search; DROP INDEX idx_posts__month; "
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
