"""Whole crawls: the real spider, run by the real `archiver crawl` command, against fixture blogs on 127.0.0.1."""

from __future__ import annotations

import socket
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest

from tests.conftest import REPO, crawled_site, rows, run_archiver
from tests.sitegen import GBK_BODY, GBK_TITLE, build_custom_cards, build_trouble, build_wordpress


def _norm(text: str | None) -> str:
    return " ".join(unicodedata.normalize("NFKC", text or "").split())


def _by_path(db: Path) -> dict[str, dict]:
    from urllib.parse import unquote, urlsplit

    return {unquote(urlsplit(r["url"]).path).rstrip("/") + "/": r for r in rows(db, "select * from posts")}


@pytest.fixture(scope="module")
def wordpress_crawl(tmp_path_factory):
    """One crawl of the WordPress-like blog, shared by the tests that read its archive."""
    with crawled_site(tmp_path_factory, "wp", build_wordpress) as crawl:
        yield crawl


def test_crawl_exits_zero_and_says_what_it_archived(wordpress_crawl):
    result = wordpress_crawl["result"]
    assert result.returncode == 0, result.stderr
    assert "12 new" in result.stdout


def test_every_post_of_every_listing_page_is_archived_once(wordpress_crawl):
    archived = _by_path(wordpress_crawl["db"])
    assert sorted(archived) == sorted(p.path for p in wordpress_crawl["gold"])
    assert len(rows(wordpress_crawl["db"], "select url_key from posts")) == 12


@pytest.mark.parametrize("field", ["title", "published", "excerpt"])
def test_listing_fields_match_what_a_reader_sees(wordpress_crawl, field):
    archived = _by_path(wordpress_crawl["db"])
    for post in wordpress_crawl["gold"]:
        row = archived[post.path]
        if field == "title":
            assert _norm(row["title"]) == _norm(post.title)
        elif field == "published":
            assert (row["published"] or "")[:10] == post.date
        else:
            assert _norm(row["excerpt"]).startswith(_norm(post.excerpt_start))


def test_post_page_body_and_tags_are_archived(wordpress_crawl):
    archived = _by_path(wordpress_crawl["db"])
    post = wordpress_crawl["gold"][0]
    row = archived[post.path]
    assert post.body in _norm(row["content_text"])
    assert "<pre>" in row["content_html"] and 'print("hello")' in row["content_markdown"]
    tags = rows(
        wordpress_crawl["db"],
        "select t.name from tags t join post_tags pt on pt.tag_id = t.id join posts p on p.id = pt.post_id "
        "where p.id = ?",
        row["id"],
    )
    assert sorted(t["name"] for t in tags) == ["cache", "queue"]


def test_site_row_names_engine_and_crawl_row_is_ok(wordpress_crawl):
    db = wordpress_crawl["db"]
    sites = rows(db, "select * from sites")
    assert len(sites) == 1 and sites[0]["engine"] == "wordpress"
    crawls = rows(db, "select * from crawls")
    assert crawls[0]["status"] == "ok" and crawls[0]["posts_new"] == 12 and crawls[0]["finished"]


def test_crawl_never_leaves_the_blog(wordpress_crawl):
    urls = [r["url"] for r in rows(wordpress_crawl["db"], "select url from pages")]
    assert urls and all(u.startswith(wordpress_crawl["url"].rstrip("/")) for u in urls)
    assert not any("/about/" in u for u in urls)


def test_recrawl_updates_rows_and_never_duplicates(wordpress_crawl):
    db = wordpress_crawl["db"]
    again = run_archiver("crawl", wordpress_crawl["url"], "--db", str(db), cwd=wordpress_crawl["work"])
    assert again.returncode == 0, again.stderr
    assert rows(db, "select count(*) n from posts")[0]["n"] == 12
    last = rows(db, "select * from crawls order by id desc limit 1")[0]
    assert last["posts_new"] == 0


def test_custom_card_theme_with_numbered_pagination(tmp_path, serve):
    site = tmp_path / "site"
    gold = build_custom_cards(site)
    db = tmp_path / "a.db"
    result = run_archiver("crawl", serve(site), "--db", str(db), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    archived = _by_path(db)
    assert sorted(archived) == sorted(p.path for p in gold)
    for post in gold:
        row = archived[post.path]
        assert _norm(row["title"]) == _norm(post.title)
        assert row["published"][:10] == post.date
        assert _norm(row["excerpt"]).startswith(_norm(post.excerpt_start))


@pytest.fixture(scope="module")
def trouble_crawl(tmp_path_factory):
    """One crawl of the misbehaving blog, shared by the tests that read its crawl log."""
    with crawled_site(tmp_path_factory, "trouble", build_trouble) as crawl:
        yield crawl


def _errors(db: Path) -> list[dict]:
    return rows(db, "select * from crawl_errors")


def test_trouble_crawl_goes_on_and_archives_every_listed_post(trouble_crawl):
    result = trouble_crawl["result"]
    assert result.returncode == 0, result.stderr
    archived = _by_path(trouble_crawl["db"])
    assert sorted(archived) == sorted(p.path for p in trouble_crawl["gold"]["posts"])


def test_post_answering_404_keeps_its_listing_data_and_is_logged(trouble_crawl):
    missing = trouble_crawl["gold"]["missing"]
    row = _by_path(trouble_crawl["db"])[missing.path]
    assert _norm(row["title"]) == _norm(missing.title) and row["page_status"] == 404
    logged = [e for e in _errors(trouble_crawl["db"]) if e["url"].endswith(missing.path)]
    assert logged and logged[0]["status"] == 404


def test_gbk_page_served_as_utf8_gives_correct_text(trouble_crawl):
    gbk = trouble_crawl["gold"]["gbk"]
    row = _by_path(trouble_crawl["db"])[gbk.path]
    assert row["title"] == GBK_TITLE
    assert _norm(GBK_BODY) in _norm(row["content_text"])


def test_server_error_and_timeout_are_logged_per_url(trouble_crawl):
    errors = _errors(trouble_crawl["db"])
    by_url = {e["url"].rsplit("127.0.0.1", 1)[-1].split("/", 1)[-1]: e for e in errors}
    server_error = trouble_crawl["gold"]["server_error"].path.lstrip("/")
    slow = trouble_crawl["gold"]["slow"].path.lstrip("/")
    assert by_url[server_error]["status"] == 500
    assert by_url[slow]["kind"] == "timeout"


def test_pagination_loop_is_detected_and_logged(trouble_crawl):
    kinds = [e["kind"] for e in _errors(trouble_crawl["db"])]
    assert "pagination-loop" in kinds
    assert rows(trouble_crawl["db"], "select count(*) n from posts")[0]["n"] == 9


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_unreachable_blog_fails_with_one_line_and_keeps_the_archive(wordpress_crawl, tmp_path):
    db = tmp_path / "kept.db"
    db.write_bytes(wordpress_crawl["db"].read_bytes())
    result = run_archiver("crawl", f"http://127.0.0.1:{_closed_port()}/", "--db", str(db), cwd=tmp_path)
    assert result.returncode == 1
    message = result.stderr.strip().splitlines()[-1]
    assert message.startswith("crawl failed") and "connection refused" in message
    assert rows(db, "select count(*) n from posts")[0]["n"] == 12
    last = rows(db, "select * from crawls order by id desc limit 1")[0]
    assert last["status"] == "failed"
    assert any(e["kind"] == "unreachable" for e in rows(db, "select * from crawl_errors where crawl_id = ?", last["id"]))


def test_non_html_start_page_is_named_as_such(tmp_path, serve):
    site = tmp_path / "site"
    site.mkdir()
    (site / "data.json").write_text('{"posts": []}')
    result = run_archiver("crawl", serve(site) + "data.json", "--db", str(tmp_path / "a.db"), cwd=tmp_path)
    assert result.returncode == 1
    assert "not an HTML page" in result.stderr.strip().splitlines()[-1]


def test_page_without_post_list_is_named_as_such(tmp_path, serve):
    site = tmp_path / "site"
    site.mkdir()
    (site / "index.html").write_text("<html><body><h1>Under construction</h1><p>Nothing yet.</p></body></html>")
    result = run_archiver("crawl", serve(site), "--db", str(tmp_path / "a.db"), cwd=tmp_path)
    assert result.returncode == 1
    assert "no recognizable post list" in result.stderr.strip().splitlines()[-1]


def test_two_blogs_one_failing_is_a_partial_crawl(tmp_path, serve):
    site = tmp_path / "site"
    build_custom_cards(site)
    db = tmp_path / "a.db"
    result = run_archiver(
        "crawl", serve(site), f"http://127.0.0.1:{_closed_port()}/", "--db", str(db), cwd=tmp_path
    )
    assert result.returncode == 3
    assert "1 of 2 blogs failed" in result.stderr
    assert rows(db, "select count(*) n from posts")[0]["n"] == 9


def test_default_archive_is_data_archive_db(tmp_path, serve):
    site = tmp_path / "site"
    build_custom_cards(site, n_posts=3)
    result = run_archiver("crawl", serve(site), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert rows(tmp_path / "data" / "archive.db", "select count(*) n from posts")[0]["n"] == 3


def test_scrapy_crawl_works_from_the_repo_root(tmp_path, serve):
    site = tmp_path / "site"
    build_custom_cards(site, n_posts=3)
    db = tmp_path / "scrapy.db"
    result = subprocess.run(
        [sys.executable, "-m", "scrapy", "crawl", "blog", "-a", f"url={serve(site)}",
         "-s", f"ARCHIVER_DB={db}", "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "LOG_LEVEL=WARNING"],
        cwd=REPO, capture_output=True, text=True, timeout=120, check=False,
    )
    assert result.returncode == 0, result.stderr
    assert rows(db, "select count(*) n from posts")[0]["n"] == 3


def test_rules_file_steers_extraction_of_a_blog(tmp_path, serve):
    site = tmp_path / "site"
    site.mkdir()
    rows_html = "".join(
        f'<tr class="row"><td class="t">Entry {n}</td><td><a class="go" href="/entries/{n}.html">open</a></td>'
        f'<td class="when">2023-09-{n:02d}</td><td class="blurb">Blurb {n}.</td></tr>'
        for n in (3, 2, 1)
    )
    (site / "index.html").write_text(f"<html><body><table>{rows_html}</table></body></html>")
    entries = site / "entries"
    entries.mkdir()
    for n in (3, 2, 1):
        (entries / f"{n}.html").write_text(f'<html><body><div class="text"><p>Body {n}.</p></div></body></html>')
    rules = tmp_path / "rules.toml"
    rules.write_text('[listing]\nentry = "tr.row"\ntitle = "td.t"\nlink = "a.go"\ndate = "td.when"\n'
                     'excerpt = "td.blurb"\n[post]\nbody = "div.text"\n')
    db = tmp_path / "a.db"
    result = run_archiver("crawl", serve(site), "--db", str(db), "--rules", str(rules), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    got = rows(db, "select title, published, excerpt, content_text from posts order by published desc")
    assert [(r["title"], r["published"][:10], r["excerpt"], r["content_text"].strip()) for r in got] == [
        (f"Entry {n}", f"2023-09-{n:02d}", f"Blurb {n}.", f"Body {n}.") for n in (3, 2, 1)
    ]


def test_bad_rules_file_is_refused_before_crawling(tmp_path):
    rules = tmp_path / "rules.toml"
    rules.write_text("[listing]\ntitle = 'h2'\n")
    result = run_archiver("crawl", "http://127.0.0.1:9/", "--rules", str(rules), cwd=tmp_path)
    assert result.returncode == 2 and "needs an 'entry' selector" in result.stderr


def test_feed_fills_what_listing_and_missing_post_pages_lack(tmp_path, serve):
    """A listing without dates, a post page that is gone: the feed still gives that post its date and body."""
    site = tmp_path / "site"
    site.mkdir()
    items = "".join(
        f'<li class="entry"><a class="entry-link" href="/posts/p{n}/">Post {n}</a><p class="entry-summary">Summary {n}.</p></li>'
        for n in (1, 2, 3)
    )
    (site / "index.html").write_text(f'<html><head><link rel="alternate" type="application/rss+xml" href="/index.xml">'
                                     f'</head><body><ul class="entries">{items}</ul></body></html>')
    for n in (1, 2):  # p3's page is missing (404)
        page = site / "posts" / f"p{n}"
        page.mkdir(parents=True)
        (page / "index.html").write_text(
            f'<html><body><article><h1>Post {n}</h1><time datetime="2023-0{n}-10T09:00:00-07:00">'
            f'2023-0{n}-10</time><div class="post-content"><p>Body {n}.</p></div></article></body></html>')
    rss_items = "".join(
        f"<item><title>Post {n}</title><link>/posts/p{n}/</link><pubDate>Fri, 0{n} Mar 2023 16:00:00 +0000</pubDate>"
        f"<description>Summary {n}.</description>"
        f"<content:encoded>&lt;p&gt;Full text of post {n}.&lt;/p&gt;</content:encoded></item>"
        for n in (3,)
    )
    (site / "index.xml").write_text(f'<?xml version="1.0"?><rss version="2.0" '
                                    f'xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel><title>T</title>'
                                    f'<link>/</link>{rss_items}</channel></rss>')
    db = tmp_path / "a.db"
    result = run_archiver("crawl", serve(site), "--db", str(db), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    p3 = rows(db, "select * from posts where url like '%/p3/'")[0]
    # The feed's UTC instant, shown in the offset the blog's own pages use: 16:00 UTC is 09:00 at -07:00.
    assert (p3["published"], p3["published_source"]) == ("2023-03-03T09:00:00-07:00", "feed")
    assert "Full text of post 3." in p3["content_text"]
    assert rows(db, "select feeds from sites")[0]["feeds"].count("index.xml") == 1


def test_a_post_renamed_on_its_page_keeps_the_listing_title_too(tmp_path, serve):
    """The listing still shows a post's old title, its page the new one: the archive keeps both."""
    from dataclasses import replace

    from tests.sitegen import _post_page

    site = tmp_path / "site"
    gold = build_wordpress(site, n_posts=4, per_page=4)
    renamed = replace(gold[1], title="Queues first, caches later: a second look")
    (site / renamed.path.strip("/") / "index.html").write_text(_post_page(renamed, "Field Notes"), "utf-8")
    db = tmp_path / "a.db"
    result = run_archiver("crawl", serve(site), "--db", str(db), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    archived = _by_path(db)
    row = archived[renamed.path]
    assert (row["title"], row["title_variant"]) == (renamed.title, gold[1].title)
    assert all(archived[post.path]["title_variant"] is None for post in gold if post.path != renamed.path)


def test_a_crawl_opens_no_remote_console(tmp_path, serve):
    """Scrapy's remote control (an HTTP server running Python code sent to it) and telnet console stay off: a
    crawler of untrusted pages, often left running on a schedule, listens on no port."""
    build_custom_cards(tmp_path / "site", n_posts=2)
    result = run_archiver("crawl", serve(tmp_path / "site"), "--db", str(tmp_path / "a.db"), "-v", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Enabled extensions" in result.stderr  # Scrapy's log, which lists them
    assert "RemoteControl" not in result.stderr and "TelnetConsole" not in result.stderr
    assert "Telnet" not in result.stderr
