"""Posts whose URL redirects: the page is captured under the final URL, the post is known by the URL its listing
linked. The WARC export and re-extraction follow the redirect chain (recorded in pages by the crawl, or read
from the WARC files of an archive crawled before hops were recorded), so no post is skipped."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from archiver.store import search
from tests.conftest import crawled_site, rows, run_archiver
from tests.sitegen import build_wordpress

POST_FIELDS = ("url", "url_key", "title", "excerpt", "published", "author", "tags", "categories", "content_html",
               "content_text", "content_markdown", "page_status")


def build_moved_posts(root: Path) -> dict:
    """A WordPress-like blog where the listings still link two posts at their old URLs: one moved with a 301,
    one through a chain of two (302 then 301)."""
    gold = build_wordpress(root)
    moved, chained = gold[1], gold[6]
    overrides = {}
    for post, hops in ((moved, ["/moved/one/"]), (chained, ["/hop/two/", "/final/two/"])):
        final = root / hops[-1].strip("/") / "index.html"
        final.parent.mkdir(parents=True)
        shutil.copy(root / post.path.strip("/") / "index.html", final)
        for source, target, status in zip([post.path, *hops[:-1]], hops, [302, 301] if len(hops) > 1 else [301],
                                          strict=True):
            overrides[source] = {"status": status, "headers": {"Location": target}}
    (root / "_headers.json").write_text(json.dumps(overrides))
    return {"posts": gold, "moved": moved, "chained": chained}


@pytest.fixture(scope="module")
def crawled(tmp_path_factory):
    with crawled_site(tmp_path_factory, "redirects", build_moved_posts) as crawl:
        assert crawl["result"].returncode == 0, crawl["result"].stderr
        yield {**crawl, "warc_dir": crawl["work"] / "warc"}


def _responses(path: Path) -> dict[str, int]:
    found = {}
    with path.open("rb") as handle:
        for record in ArchiveIterator(handle):
            if record.rec_type == "response":
                found[record.rec_headers.get_header("WARC-Target-URI")] = int(record.http_headers.get_statuscode())
    return found


def _copy(db: Path, target: Path) -> Path:
    source = sqlite3.connect(db)
    copy = sqlite3.connect(target)
    source.backup(copy)
    copy.close()
    source.close()
    return target


def _forget_redirects(db: Path) -> None:
    """Make the archive look crawled before redirects were recorded in pages."""
    connection = sqlite3.connect(db)
    with connection:
        connection.execute("DELETE FROM pages WHERE kind = 'redirect'")
    connection.close()


def test_the_crawl_records_each_hop_pointing_on(crawled):
    base = crawled["url"].rstrip("/")
    hops = {r["url"]: (r["status"], json.loads(r["outlinks"])["redirect"], r["warc_file"] is not None)
            for r in rows(crawled["db"], "SELECT url, status, outlinks, warc_file FROM pages WHERE kind = 'redirect'")}
    assert hops == {
        base + crawled["gold"]["moved"].path: (301, base + "/moved/one/", True),
        base + crawled["gold"]["chained"].path: (302, base + "/hop/two/", True),
        base + "/hop/two/": (301, base + "/final/two/", True),
    }


@pytest.mark.parametrize("legacy", [False, True], ids=["recorded-hops", "hops-only-in-warc"])
def test_warc_export_holds_every_post_with_its_redirects(crawled, tmp_path, legacy):
    db = _copy(crawled["db"], tmp_path / "archive.db")
    shutil.copytree(crawled["warc_dir"], tmp_path / "warc")
    if legacy:
        _forget_redirects(db)
    out = tmp_path / "posts.warc.gz"
    result = run_archiver("export", "warc", "-o", str(out), "--db", str(db), "--no-progress", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    posts = rows(db, "SELECT count(*) AS n FROM posts")[0]["n"]
    assert posts == len(crawled["gold"]["posts"])
    assert f"exported {posts} posts" in result.stdout
    base = crawled["url"].rstrip("/")
    responses = _responses(out)
    # Replaying the post's own URL works: its 3xx answers are there, and the page they lead to.
    assert responses[base + crawled["gold"]["moved"].path] == 301
    assert responses[base + "/moved/one/"] == 200
    assert responses[base + crawled["gold"]["chained"].path] == 302
    assert responses[base + "/hop/two/"] == 301
    assert responses[base + "/final/two/"] == 200


def _posts(db: Path) -> dict[str, dict]:
    return {r["url_key"]: r for r in rows(db, f"SELECT {', '.join(POST_FIELDS)} FROM posts")}


@pytest.mark.parametrize("legacy", [False, True], ids=["recorded-hops", "hops-only-in-warc"])
def test_reextraction_into_a_cleared_archive_rebuilds_redirected_posts(crawled, tmp_path, legacy):
    db = _copy(crawled["db"], tmp_path / "archive.db")
    if legacy:
        _forget_redirects(db)
    connection = sqlite3.connect(db)
    search.register_functions(connection)  # the search index's delete trigger calls them
    with connection:
        for table in ("post_tags", "post_categories", "post_versions", "posts"):
            connection.execute(f"DELETE FROM {table}")
    connection.close()
    result = run_archiver("reextract", "--db", str(db), "--warc-dir", str(crawled["warc_dir"]), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert f"{len(crawled['gold']['posts'])} new" in result.stdout
    _assert_rebuilt(db, crawled)


def _assert_rebuilt(db: Path, crawled: dict) -> None:
    rebuilt = _posts(db)
    assert rebuilt == _posts(crawled["db"])
    for name in ("moved", "chained"):
        gold = crawled["gold"][name]
        (row,) = [r for r in rebuilt.values() if r["url"].endswith(gold.path)]
        assert gold.body in row["content_text"]  # from its page, not only what the listing showed
