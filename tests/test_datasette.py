"""Exploring an archive in Datasette: search in any language, facets, the post page, canned queries, dashboard,
serving while a crawl writes, and the publish plan."""

from __future__ import annotations

import asyncio
import json
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest

from archiver.publish import make_datasette, plan_publish
from archiver.store import Archive
from tests.archive_samples import build_sample_archive


@pytest.fixture(scope="module")
def archive_ids(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, int]]:
    db_path = tmp_path_factory.mktemp("datasette") / "archive.db"
    return db_path, build_sample_archive(db_path)


@pytest.fixture(scope="module")
def ids(archive_ids) -> dict[str, int]:
    return archive_ids[1]


@pytest.fixture(scope="module")
def client(archive_ids):
    """GET helper on one in-process Datasette (module-wide: starting Datasette is the slow part)."""
    datasette = make_datasette(archive_ids[0])
    loop = asyncio.new_event_loop()
    loop.run_until_complete(datasette.invoke_startup())

    def get(path: str, params: dict[str, str] | None = None, status: int = 200, follow: bool = True) -> Any:
        response = loop.run_until_complete(datasette.client.get(path, params=params, follow_redirects=follow))
        assert response.status_code == status, response.text[:500]
        return response

    yield get
    loop.close()


def searched_ids(client, query: str) -> set[int]:
    data = client("/archive/posts.json", {"_search": query, "_shape": "objects", "_col": "title"}).json()
    return {row["id"] for row in data["rows"]}


# --- search on the posts table (?_search=, the standard box and JSON API) ---------------------------------

SEARCH_CASES = [
    # (query, keys of the posts it must find exactly)
    ("字典", {"dict"}),  # the decoy has 字 and 词典, never 字典
    ("队列", {"queue"}),  # the decoy has 队 and 列 apart
    ("垃圾回收", {"gc"}),  # the decoy has 垃圾 and 回收, not together
    ("コレクション", {"ja"}),
    ("컬렉션", {"ko"}),
    ("collectors", {"running"}),  # stemming: collector, collectors
    ("runs", {"running"}),
    ('"garbage collector"', {"running"}),
    ('"collector garbage"', set()),  # a phrase keeps its order
    ("queue stacks", {"queues"}),  # every word must match
    ("Python 字典", {"dict"}),
    ("红黑树", set()),
    ("nothingmatcheshere", set()),
]


@pytest.mark.parametrize("query, expected", SEARCH_CASES, ids=[case[0] for case in SEARCH_CASES])
def test_search_box_finds_exactly_the_posts_containing_the_query(client, ids, query: str, expected: set[str]):
    assert searched_ids(client, query) == {ids[key] for key in expected}


def test_posts_table_shows_the_search_box(client) -> None:
    page = client("/archive/posts", {"_search": "字典"}).text
    assert 'name="_search"' in page
    assert 'value="字典"' in page
    assert "Python 字典的实现原理" in page


def test_odd_queries_are_not_errors(client) -> None:
    for query in ('"', "'", "OR", "a*b", "NEAR(x y)", "title:foo", "-", "（）"):
        client("/archive/posts.json", {"_search": query})


# --- the cross-table search page --------------------------------------------------------------------------


def test_search_page_ranks_title_hits_first_with_highlighted_snippets(client, ids) -> None:
    data = client("/-/search.json", {"q": "垃圾回收"}).json()
    (section,) = data["databases"]
    assert section["total"] == 1
    (hit,) = section["results"]
    assert hit["id"] == ids["gc"]
    assert "<mark>垃圾回收</mark>" in hit["snippet"]
    data = client("/-/search.json", {"q": "collector"}).json()
    assert "<mark>collector</mark>" in data["databases"][0]["results"][0]["snippet"]


def test_search_page_ranks_by_relevance(client, ids) -> None:
    # Both mention queues; the post titled with it and saying it twice comes first.
    results = client("/-/search.json", {"q": "queue"}).json()["databases"][0]["results"]
    assert [hit["id"] for hit in results] == [ids["queues"]]
    results = client("/-/search.json", {"q": "Python"}).json()["databases"][0]["results"]
    assert [hit["id"] for hit in results][:1] == [ids["dict"]] or [hit["id"] for hit in results][:1] == [ids["running"]]
    assert {hit["id"] for hit in results} == {ids["dict"], ids["running"]}


def test_search_page_html_lists_posts_and_matching_tags(client) -> None:
    page = client("/-/search", {"q": "算法"}).text
    assert "用两个栈实现队列" in page
    assert "tags__arraycontains=%E7%AE%97%E6%B3%95" in page  # the tag 算法 links to its posts
    assert "<mark>" in page


def test_search_page_escapes_the_text_around_marks(tmp_path: Path) -> None:
    from archiver.store import search

    assert search.snippet("<b>字典</b> & more", "字典") == "&lt;b&gt;<mark>字典</mark>&lt;/b&gt; &amp; more"


# --- facets, labels, hidden tables ----------------------------------------------------------------------


def test_posts_are_faceted_by_site_year_month_tags_categories_language_author(client) -> None:
    facets = client("/archive/posts.json", {"_extra": "facet_results"}).json()["facet_results"]
    assert set(facets) >= {"site_id", "year", "month", "tags", "categories", "lang", "author"}

    def counts(name: str) -> dict:
        return {item["value"]: item["count"] for item in facets[name]["results"]}

    assert counts("year") == {"2024": 6, "2023": 2, "2022": 1}
    assert counts("month")["2023-11"] == 2
    assert counts("tags")["Python"] == 2
    assert counts("categories") == {"Programming": 3, "编程": 3, "随笔": 1}
    assert counts("lang") == {"zh-CN": 4, "en": 3, "ja": 1, "ko": 1}
    site_labels = {item["label"]: item["count"] for item in facets["site_id"]["results"]}
    assert site_labels == {"随手记": 6, "Plain Words": 3}


def facet_counts(client, params: dict[str, str]) -> dict[str, dict]:
    """{facet: {label: count}} of the posts table's JSON for `params` (site ids shown by site name)."""
    data = client("/archive/posts.json", {**params, "_extra": "facet_results"}).json()
    assert not data.get("facets_timed_out")
    return {name: {item["label"]: item["count"] for item in facet["results"]}
            for name, facet in data["facet_results"].items()}


SEARCH_FACET_CASES = [
    # (query, the facets of its results): every facet the table has, counted over the matches only
    ("垃圾", {"site_id": {"随手记": 2}, "year": {"2023": 2}, "month": {"2023-11": 2},
             "tags": {"运行时": 1, "生活": 1}, "categories": {"编程": 1, "随笔": 1}, "lang": {"zh-CN": 2},
             "author": {"阿明": 2}}),
    ("Python", {"site_id": {"随手记": 1, "Plain Words": 1}, "year": {"2024": 2}, "month": {"2024-03": 1, "2024-01": 1},
                "tags": {"Python": 2, "数据结构": 1, "gc": 1}, "categories": {"编程": 1, "Programming": 1},
                "lang": {"zh-CN": 1, "en": 1}, "author": {"小林": 1, "Dana": 1}}),
]


@pytest.mark.parametrize("query, expected", SEARCH_FACET_CASES, ids=[case[0] for case in SEARCH_FACET_CASES])
def test_search_results_are_faceted_by_every_facet_of_the_table(client, query: str, expected: dict) -> None:
    assert facet_counts(client, {"_search": query}) == expected


def test_tag_facet_links_to_the_posts_with_that_tag_and_facets_them(client, ids) -> None:
    facets = client("/archive/posts.json", {"_extra": "facet_results"}).json()["facet_results"]
    python = next(item for item in facets["tags"]["results"] if item["value"] == "Python")
    assert "tags__arraycontains=Python" in python["toggle_url"] and not python["selected"]
    filtered = {"tags__arraycontains": "Python"}
    rows = client("/archive/posts.json", {**filtered, "_shape": "objects", "_col": "title"}).json()["rows"]
    assert {row["id"] for row in rows} == {ids["dict"], ids["running"]}
    data = client("/archive/posts.json", {**filtered, "_extra": "facet_results"}).json()["facet_results"]
    assert next(item for item in data["tags"]["results"] if item["value"] == "Python")["selected"]
    assert facet_counts(client, filtered)["categories"] == {"编程": 1, "Programming": 1}
    assert facet_counts(client, {"lang": "en"})["tags"] == {"Python": 1, "gc": 1, "algorithms": 1, "security": 1}


def test_search_and_tag_filter_combine(client, ids) -> None:
    data = client("/archive/posts.json", {"_search": "垃圾", "tags__arraycontains": "生活", "_shape": "objects"})
    assert {row["id"] for row in data.json()["rows"]} == {ids["decoy"]}


def test_posts_are_newest_first(client) -> None:
    rows = client("/archive/posts.json", {"_shape": "objects", "_col": "published"}).json()["rows"]
    published = [row["published"] for row in rows]
    assert published[0].startswith("2024-05-01") and published[-1].startswith("2022-07-01")


def test_internal_tables_are_hidden(client) -> None:
    tables = {table["name"]: table["hidden"] for table in client("/archive.json").json()["tables"]}
    assert not tables["posts"] and not tables["sites"] and not tables["tags"]
    assert tables["_meta"] and tables["post_tags"] and tables["posts_fts"]


# --- the post page --------------------------------------------------------------------------------------


def test_post_page_reads_like_the_post(client, ids) -> None:
    page = client(f"/archive/posts/{ids['dict']}").text
    assert '<h1 dir="auto"><bdi>Python 字典的实现原理</bdi></h1>' in page
    assert '<time datetime="2024-03-02T10:00:00+08:00">2024-03-02</time>' in page
    assert "><bdi>随手记</bdi></a>" in page and "><bdi>小林</bdi></a>" in page
    assert 'href="/archive/posts?tags__arraycontains=%E6%95%B0%E6%8D%AE%E7%BB%93%E6%9E%84">#<bdi>数据结构</bdi></a>' in page
    assert "<p>字典是 Python 中最常用的数据结构，它用哈希表实现，查找很快。</p>" in page
    assert 'href="https://notes.example.cn/posts/dict/"' in page


def test_post_page_body_is_sanitized_and_keeps_code(client, ids) -> None:
    page = client(f"/archive/posts/{ids['hostile']}").text
    body = page[page.index('<div class="body">') : page.index("</article>")]
    for forbidden in ("<script", "onerror", "onload", "onmouseover", "javascript:", "data:text", "<iframe",
                      "<form", "<input", "<style", "style=", "<object", "<meta", "<svg"):
        assert forbidden not in body.lower(), forbidden
    assert '<pre><code class="language-js">if (a &lt; b) { return "&lt;script&gt;alert(1)&lt;/script&gt;"; }\n' \
           "  indented line</code></pre>" in body
    assert "Hover text stays as text." in body


# --- canned queries and the dashboard ----------------------------------------------------------------


def test_canned_query_latest_posts(client) -> None:
    rows = client("/archive/latest_posts.json", {"_shape": "array"}).json()
    assert [row["title"] for row in rows[:2]] == ["A perfectly normal post", "쓰레기 수집기 이야기"]
    assert rows[0]["site"] == "Plain Words"


def test_canned_query_posts_per_month(client) -> None:
    rows = client("/archive/posts_per_month.json", {"_shape": "array"}).json()
    assert {"month": "2023-11", "site": "随手记", "site_id": 1, "posts": 2} in rows


def test_canned_query_top_tags(client) -> None:
    rows = client("/archive/top_tags.json", {"_shape": "array"}).json()
    assert rows[0] == {"tag": "Python", "posts": 2}


def test_canned_query_crawl_history_shows_errors(client) -> None:
    (crawl,) = client("/archive/crawl_history.json", {"_shape": "array"}).json()
    assert (crawl["status"], crawl["errors"], crawl["posts_new"]) == ("partial", 1, 9)
    assert "http-error 404: https://words.example.org/posts/gone/" in crawl["first_errors"]


def test_canned_query_search_posts(client, ids) -> None:
    rows = client("/archive/search_posts.json", {"q": "字典", "_shape": "array"}).json()
    assert [row["post_id"] for row in rows] == [ids["dict"]]


def test_dashboard_has_latest_posts_chart_tags_and_crawls(client) -> None:
    page = client("/-/dashboard").text
    assert "A perfectly normal post" in page
    assert "<svg" in page and "<title>随手记 · 2023-11: 2</title>" in page
    assert "><bdi>Python</bdi></a> (2)</span>" in page
    assert "/archive/crawl_errors?crawl_id=1" in page


# --- serving an archive that a crawl is writing ------------------------------------------------------


def test_reads_while_a_crawl_writes_never_see_locked_database(tmp_path: Path) -> None:
    db_path = tmp_path / "archive.db"
    build_sample_archive(db_path)
    failures: list[BaseException] = []
    done = threading.Event()

    def crawl() -> None:
        try:
            with Archive(db_path) as archive:
                crawl_id = archive.start_crawl(["https://words.example.org/"], {})
                site_id = archive.db.execute("SELECT id FROM sites ORDER BY id DESC LIMIT 1").fetchone()[0]
                for batch in range(40):
                    archive.save_posts(
                        [
                            {"site_id": site_id, "url": f"https://words.example.org/p/{batch}-{n}/",
                             "url_key": f"words.example.org/p/{batch}-{n}", "title": f"Batch {batch} note {n}",
                             "content_text": f"Concurrent writing {batch} 并发写入", "published": "2024-06-01"}
                            for n in range(25)
                        ],
                        crawl_id,
                    )
        except BaseException as error:  # reported by the main thread
            failures.append(error)
        finally:
            done.set()

    async def read() -> int:
        datasette = make_datasette(db_path)
        await datasette.invoke_startup()
        reads = 0
        while not done.is_set() or reads < 5:
            for path in ("/archive/posts.json?_search=并发写入", "/-/search.json?q=concurrent", "/archive/posts.json"):
                response = await datasette.client.get(path)
                assert response.status_code == 200, response.text[:300]
                reads += 1
        return reads

    writer = threading.Thread(target=crawl)
    writer.start()
    reads = asyncio.run(read())
    writer.join()
    assert not failures, failures
    assert reads >= 5
    with sqlite3.connect(db_path) as connection:
        assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    data = asyncio.run(_get_json(db_path, "/archive/posts.json?_search=并发写入&_size=0"))
    assert data["filtered_table_rows_count"] == 1000


async def _get_json(db_path: Path, path: str) -> Any:
    datasette = make_datasette(db_path)
    await datasette.invoke_startup()
    return (await datasette.client.get(path)).json()


# --- publishing a read-only copy -------------------------------------------------------------------------


def test_publish_plan_stages_an_immutable_snapshot_with_plugin_and_metadata(archive_ids, tmp_path: Path) -> None:
    db_path, _ = archive_ids
    plan = plan_publish(db_path, tmp_path / "stage", "package", "my-blogs")
    argv = plan.argv
    assert argv[1:5] == ["-m", "datasette", "package", str(plan.snapshot)]
    assert argv[argv.index("--tag") + 1] == "my-blogs"
    assert argv[argv.index("--install") + 1] == "nh3"
    plugins = Path(argv[argv.index("--plugins-dir") + 1])
    assert sorted(path.name for path in plugins.iterdir()) == ["archiver_datasette.py", "archiver_search.py"]
    metadata = json.loads(Path(argv[argv.index("--metadata") + 1]).read_text("utf-8"))
    assert metadata["databases"]["archive"]["tables"]["posts"]["sort_desc"] == "published"
    with sqlite3.connect(plan.snapshot) as snapshot:
        assert snapshot.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
        assert snapshot.execute("SELECT count(*) FROM posts_fts_docsize").fetchone()[0] == 9  # indexed
    cloudrun = plan_publish(db_path, tmp_path / "stage2", "cloudrun", "blogs").argv
    assert cloudrun[3:5] == ["publish", "cloudrun"] and cloudrun[cloudrun.index("--service") + 1] == "blogs"


def test_datasette_package_accepts_every_option_we_pass(archive_ids, tmp_path: Path) -> None:
    argv = plan_publish(archive_ids[0], tmp_path / "stage", "package", "x").argv
    help_text = subprocess.run([*argv[:4], "--help"], capture_output=True, text=True, check=True).stdout
    for option in (part for part in argv if part.startswith("--") and " " not in part):
        assert option in help_text, option
    # --extra-options ends up on `datasette serve` inside the image: it must accept them.
    serve_help = subprocess.run([*argv[:3], "serve", "--help"], capture_output=True, text=True, check=True).stdout
    extra = argv[argv.index("--extra-options") + 1].split()
    assert extra[0] == "--setting" and "--setting" in serve_help


def test_staged_plugin_searches_without_blog_archiver_installed(archive_ids, tmp_path: Path) -> None:
    """What a deployment runs: the staged plugin dir alone, with the archiver package unimportable."""
    plan = plan_publish(archive_ids[0], tmp_path / "stage", "package")
    argv = plan.argv
    script = f"""
import asyncio, sys
sys.modules["archiver"] = None  # as in a Docker image built by datasette package
from datasette.app import Datasette
async def main():
    ds = Datasette(immutables=[{str(plan.snapshot)!r}], plugins_dir={argv[argv.index("--plugins-dir") + 1]!r},
                   template_dir={argv[argv.index("--template-dir") + 1]!r})
    await ds.invoke_startup()
    rows = (await ds.client.get("/archive/posts.json?_search=垃圾回收&_shape=array")).json()
    print([row["title"] for row in rows])
    page = (await ds.client.get("/archive/posts/1")).text
    print("archiver-post" in page)
asyncio.run(main())
"""
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.splitlines() == ["['垃圾回收是怎样工作的']", "True"]
