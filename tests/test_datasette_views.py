"""What a person meets in the archive's Datasette, checked through Datasette's own test client: the posts table's
first view, facets in date order, the home page, canned queries, the post page's safety, feeds, crawl history,
column descriptions and Datasette's own search conventions."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import feedparser
import pytest

from archiver.publish import make_datasette, plugin
from archiver.publish.datasette import PLUGINS_DIR, load_metadata
from archiver.store.schema import TABLES_BY_NAME
from tests.archive_samples import (
    LONG_PATH,
    REMOTE_IMAGE,
    SITES,
    TWIN_SITE,
    WHOLE_POST_EXCERPT,
    add_display_posts,
    build_sample_archive,
)

COMPACT = ["title", "published", "site_id", "author", "tags", "excerpt"]


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, int]]:
    db_path = tmp_path_factory.mktemp("views") / "archive.db"
    ids = build_sample_archive(db_path)
    ids.update(add_display_posts(db_path))
    return db_path, ids


@pytest.fixture(scope="module")
def ids(archive) -> dict[str, int]:
    return archive[1]


@pytest.fixture(scope="module")
def client(archive):
    """GET on one in-process Datasette configured as `archiver serve` configures it."""
    datasette = make_datasette(archive[0])
    loop = asyncio.new_event_loop()
    loop.run_until_complete(datasette.invoke_startup())

    def get(path: str, params: Any = None, status: int = 200, follow: bool = True) -> Any:
        response = loop.run_until_complete(datasette.client.get(path, params=params, follow_redirects=follow))
        assert response.status_code == status, response.text[:500]
        return response

    yield get
    loop.close()


# --- the posts table's first view (issue 14, item 1) -------------------------------------------------------


def test_posts_table_opens_on_its_main_columns(client) -> None:
    response = client("/archive/posts", status=302, follow=False)
    location = urlsplit(response.headers["location"])
    assert location.path == "/archive/posts"
    assert [value for key, value in parse_qsl(location.query) if key == "_col"] == COMPACT


def test_the_short_view_keeps_the_filters_and_search_it_was_asked_for(client) -> None:
    response = client("/archive/posts", {"tags__arraycontains": "Python", "_search": "字典"}, status=302, follow=False)
    query = parse_qsl(urlsplit(response.headers["location"]).query)
    assert ("tags__arraycontains", "Python") in query and ("_search", "字典") in query
    assert [value for key, value in query if key == "_col"] == COMPACT


def test_json_and_explicit_columns_are_left_alone(client) -> None:
    client("/archive/posts.json", follow=False)
    client("/archive/posts", {"_col": "url"}, follow=False)
    client("/archive/posts", {"_nocol": "content_html"}, follow=False)


def test_main_columns_link_titles_to_post_pages_and_offer_every_column(client, ids) -> None:
    page = client("/archive/posts").text
    assert f'href="/archive/posts/{ids["dict"]}"><bdi>Python 字典的实现原理</bdi></a>' in page
    # The excerpt a listing gave whole is cut short in the table.
    assert WHOLE_POST_EXCERPT[:60] in page and WHOLE_POST_EXCERPT[:400] not in page
    n_columns = len(TABLES_BY_NAME["posts"].columns)
    all_columns = page.split(f"show all {n_columns} columns")[0].rsplit('href="', 1)[1].split('"')[0].replace("&amp;", "&")
    shown = [value for key, value in parse_qsl(urlsplit(all_columns).query) if key == "_col"]
    assert shown[: len(COMPACT)] == COMPACT and len(shown) == n_columns - 1  # every column but the id, which always shows
    assert "content_html" in shown and "url_key" in shown


def test_tags_are_links_and_dates_lose_their_seconds(client, ids) -> None:
    page = client("/archive/posts", {"id": str(ids["dict"])}).text
    assert '<a href="/archive/posts?tags__arraycontains=Python"><bdi>Python</bdi></a>' in page
    assert '<time datetime="2024-03-02T10:00:00+08:00">2024-03-02 10:00</time>' in page


def test_long_addresses_are_shown_decoded(client, ids) -> None:
    page = client("/archive/posts", {"id": str(ids["layout"]), "_col": "url"}).text
    assert "中文的很长的地址" in page  # the percent-escapes decoded for reading
    assert f'href="{SITES["en"][0]}{LONG_PATH}"' in page  # the link itself unchanged


# --- facets (item 2) ------------------------------------------------------------------------------------


def test_year_and_month_facets_are_in_date_order(client) -> None:
    facets = client("/archive/posts.json", {"_extra": "facet_results", "_facet_size": "20"}).json()["facet_results"]
    years = [item["value"] for item in facets["year"]["results"]]
    months = [item["value"] for item in facets["month"]["results"]]
    assert years == sorted(years, reverse=True) and years[0] == "2024"
    assert months == sorted(months, reverse=True)


# --- the home page (item 3) -----------------------------------------------------------------------------


def test_home_page_links_search_dashboard_and_every_blog(client, ids) -> None:
    page = client("/").text
    assert '<a href="/-/search">' in page and '<a href="/-/dashboard">' in page
    assert "/-/search" not in page.split('<a href="/-/search">')[0]  # no longer plain text in the description
    row = page.split('href="/archive/posts?site_id=1"')[1].split("</tr>")[0]
    assert "<bdi>随手记</bdi>" in row and ">6<" in row
    assert '<time datetime="2023-11-05T20:00:00+08:00">2023-11-05</time>' in row
    assert '<time datetime="2024-04-03T12:00:00+09:00">2024-04-03</time>' in row
    assert 'href="/-/feeds/archive/site/1.atom"' in row


# --- canned queries (item 5) and crawl history (item 7) -------------------------------------------------


def test_canned_search_shows_highlights_and_links_posts(client, ids) -> None:
    page = client("/archive/search_posts", {"q": "字典"}).text
    assert "<mark>字典</mark>" in page
    assert "&lt;mark&gt;" not in page and "&amp;quot;" not in page and "&amp;lt;" not in page
    assert f'<a href="/archive/posts/{ids["dict"]}"><bdi>Python 字典的实现原理</bdi></a>' in page


def test_canned_search_snippets_keep_text_as_text(client, ids) -> None:
    page = client("/archive/search_posts", {"q": "normal"}).text
    assert "<script" not in page.split('<table class="rows-and-columns">')[1].split("</table>")[0]


def test_crawl_history_names_the_blogs_of_each_crawl(client) -> None:
    rows = client("/archive/crawl_history.json", {"_shape": "array"}).json()
    by_id = {row["id"]: row for row in rows}
    assert by_id[2]["sites"] == "Plain Words"  # found through the pages it fetched
    assert by_id[1]["sites"] == "https://notes.example.cn/, https://words.example.org/"  # its start URLs
    dashboard = client("/-/dashboard").text
    assert "<th>blogs</th>" in dashboard and '<td class="sites"><bdi>Plain Words</bdi></td>' in dashboard


def test_crawl_history_query_and_dashboard_agree_on_the_blogs() -> None:
    sql = load_metadata()["databases"]["archive"]["queries"]["crawl_history"]["sql"]
    assert plugin.CRAWL_SITES_SQL in sql


# --- the post page (item 6; issue 13, items 5 and 6) --------------------------------------------------------


def test_post_page_shows_remote_images_as_placeholders(client, ids) -> None:
    response = client(f"/archive/posts/{ids['layout']}")
    body = response.text.split('<div class="body">')[1].split('<div class="post-foot">')[0]
    assert "<img" not in body and REMOTE_IMAGE in body  # the address as text, nothing loaded
    assert 'aria-label="image: the diagram"' in body
    assert "<ul><li>first bullet</li>" in body and "<ol><li>step one</li>" in body


def test_post_pages_carry_a_content_security_policy(client, ids) -> None:
    policy = client(f"/archive/posts/{ids['layout']}").headers["content-security-policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
    assert directives["default-src"] == "'none'" and directives["img-src"] == "'self' data:"
    assert "'unsafe-inline'" not in directives["script-src"] and "http" not in policy
    assert "content-security-policy" not in client(f"/archive/posts/{ids['layout']}.json").headers


def test_image_rewriting_serves_archived_copies_when_there_are_some() -> None:
    body = plugin.sanitize_body(f'<p><img src="{REMOTE_IMAGE}" alt="d" width="10"><img src="http://x.example/y.png"></p>')
    assert plugin.image_sources(body) == [REMOTE_IMAGE, "http://x.example/y.png"]
    local = {REMOTE_IMAGE: "/-/media/abc.png"}
    rewritten = plugin.rewrite_images(body, local.get)
    assert '<img src="/-/media/abc.png" alt="d" width="10">' in rewritten
    assert "http://x.example/y.png" in rewritten and rewritten.count("<img") == 1


def test_titles_are_isolated_and_lose_their_bidi_overrides(client, ids) -> None:
    pages = {
        "post page": client(f"/archive/posts/{ids['spoof']}").text,
        "posts table": client("/archive/posts", {"id": str(ids["spoof"])}).text,
        "search": client("/-/search", {"q": "backwards"}).text,
        "dashboard": client("/-/dashboard").text,
        "canned query": client("/archive/latest_posts").text,
    }
    for name, page in pages.items():
        assert "\u202e" not in page, name
        assert "<bdi>Notes on evil twin</bdi>" in page, name
    assert "<title>Notes on evil twin</title>" in pages["post page"]


# --- feeds (item 10) ------------------------------------------------------------------------------------


def test_each_blog_has_a_live_atom_feed(client, ids) -> None:
    feed = feedparser.parse(client("/-/feeds/archive/site/1.atom").content)
    assert not feed.bozo, feed.bozo_exception
    assert feed.feed.title == "随手记"
    published = [entry.published for entry in feed.entries]
    assert len(feed.entries) == 6 and published == sorted(published, reverse=True)
    dict_entry = next(entry for entry in feed.entries if entry.link == f"{SITES['zh'][0]}posts/dict/")
    assert dict_entry.title == "Python 字典的实现原理" and dict_entry.author == "小林"
    assert {tag.term for tag in dict_entry.tags} == {"Python", "数据结构", "编程"}


def test_feeds_are_paged_so_the_whole_history_is_there(client, monkeypatch) -> None:
    monkeypatch.setattr(plugin, "FEED_ENTRIES_PER_PAGE", 2)
    seen, url = [], "/-/feeds/archive/site/1.atom"
    while url:
        feed = feedparser.parse(client(url).content)
        seen += [entry.link for entry in feed.entries]
        next_link = next((link.href for link in feed.feed.links if link.rel == "next"), None)
        url = urlsplit(next_link).path + "?" + urlsplit(next_link).query if next_link else None
    assert len(seen) == len(set(seen)) == 6


def test_tag_feeds_and_feed_content_load_nothing_remote(client, ids) -> None:
    feed = feedparser.parse(client("/-/feeds/archive/tag/layout.atom").content)
    (entry,) = feed.entries
    assert entry.title == "Lists and a diagram"
    assert "<img" not in entry.content[0].value and REMOTE_IMAGE in entry.content[0].value
    assert len(entry.summary) < 220  # the whole-post excerpt, cut short


def test_feeds_are_linked_from_the_blog_and_tag_pages(client, ids) -> None:
    assert 'href="/-/feeds/archive/site/1.atom"' in client("/archive/sites/1").text
    assert 'href="/-/feeds/archive/site/1.atom"' in client("/archive/posts", {"site_id": "1"}).text
    tag_page = client("/archive/posts", {"tags__arraycontains": "layout"}).text
    assert 'href="/-/feeds/archive/tag/layout.atom"' in tag_page
    post_page = client(f"/archive/posts/{ids['dict']}").text
    assert '<link rel="alternate" type="application/atom+xml" href="/-/feeds/archive/site/1.atom">' in post_page


def test_unknown_feeds_are_not_found(client) -> None:
    client("/-/feeds/archive/site/999.atom", status=404)
    client("/-/feeds/archive/tag/no-such-tag.atom", status=404)
    client("/-/feeds/nodb/site/1.atom", status=404)


# --- the chart (item 4): its data --------------------------------------------------------------------------


def test_chart_keeps_blogs_with_the_same_title_apart() -> None:
    labels = plugin.distinct_site_labels([(1, "Plain Words", SITES["en"][0]), (2, TWIN_SITE[1], TWIN_SITE[0]),
                                          (3, None, "https://untitled.example/")])
    assert labels == {1: "Plain Words (words.example.org)", 2: "Plain Words (words.example.net)",
                      3: "untitled.example"}
    svg = plugin.posts_per_month_svg([("2024-01", 1, 2), ("2024-01", 2, 3), ("2024-04", 1, 1)], labels)
    assert svg.count('class="month"') == 4  # January to April, the empty months included
    assert "Plain Words (words.example.org) · 2024-01: 2" in svg and "Plain Words (words.example.net) · 2024-01: 3" in svg


# --- column descriptions (item 8) --------------------------------------------------------------------------


def test_every_column_of_every_table_is_described(client, archive) -> None:
    described = load_metadata()["databases"]["archive"]["tables"]
    tables = client("/archive.json").json()["tables"]
    visible = [table["name"] for table in tables if not table["hidden"]]
    assert {"posts", "sites", "crawls", "crawl_errors", "tags", "categories", "post_versions"} <= set(visible)
    missing = []
    with sqlite3.connect(archive[0]) as connection:
        for table in tables:
            if table["name"].startswith("posts_fts"):
                continue  # the search index: FTS5's own tables
            columns = [row[1] for row in connection.execute(f"PRAGMA table_xinfo({table['name']})")]
            missing += [f"{table['name']}.{column}" for column in columns
                        if column not in described.get(table["name"], {}).get("columns", {})]
    assert missing == []


# --- Datasette's own search conventions (item 9) ---------------------------------------------------------


def test_datasette_column_search_uses_the_cjk_rewrite(client, ids) -> None:
    rows = client("/archive/posts.json", {"_search_title": "字典", "_shape": "array", "_col": "title"}).json()
    assert [row["id"] for row in rows] == [ids["dict"]]  # 字典 in a title; the decoy has it nowhere
    rows = client("/archive/posts.json", {"_search_content_text": "字典", "_shape": "array"}).json()
    assert [row["id"] for row in rows] == [ids["dict"]]


# --- the plugin as a --plugins-dir file ---------------------------------------------------------------------


def test_plugins_dir_file_exports_every_hook() -> None:
    import ast

    tree = ast.parse(Path(plugin.__file__).read_text("utf-8"))
    hooks = {
        node.name for node in tree.body if isinstance(node, ast.FunctionDef)
        and any("hookimpl" in ast.unparse(decorator) for decorator in node.decorator_list)
    }
    shipped = (PLUGINS_DIR / "archiver_datasette.py").read_text("utf-8")
    assert hooks and all(f"    {hook}," in shipped for hook in hooks), hooks


def test_metadata_is_valid_json_naming_the_posts_table_facets() -> None:
    metadata = json.loads((Path(plugin.__file__).parent / "metadata.json").read_text("utf-8"))
    assert metadata["databases"]["archive"]["tables"]["posts"]["facet_size"] == 6


def test_the_short_view_of_an_archive_with_a_non_ascii_name(tmp_path: Path) -> None:
    db_path = tmp_path / "博客 archive.db"
    build_sample_archive(db_path)

    async def run() -> tuple[int, str, int]:
        datasette = make_datasette(db_path)
        await datasette.invoke_startup()
        table = datasette.urls.table(db_path.stem, "posts")
        response = await datasette.client.get(table)
        followed = await datasette.client.get(response.headers["location"])
        return response.status_code, response.headers["location"], followed.status_code

    status, location, followed = asyncio.run(run())
    assert status == 302 and location.isascii() and "_col=title" in location and followed == 200
