"""Many blogs in one crawl: one process, each blog its own crawls row, rules and outcome, a bounded number at once,
one failing blog never stopping the others; registering many blogs at once (OPML and text lists)."""

from __future__ import annotations

import json
import socket
import sys
from pathlib import Path

from lxml import etree

from tests.conftest import rows, run_archiver
from tests.sitegen import build_custom_cards, build_wordpress
from tests.test_cli import _run_in_terminal


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_blogs_crawled_in_one_process_each_with_its_own_crawl_row_and_outcome(tmp_path, serve):
    wp_gold = build_wordpress(tmp_path / "wp", n_posts=7, per_page=3)
    cards_gold = build_custom_cards(tmp_path / "cards", n_posts=5, per_page=2)
    wp, cards, dead = serve(tmp_path / "wp"), serve(tmp_path / "cards"), f"http://127.0.0.1:{_closed_port()}/"
    db = tmp_path / "a.db"
    result = run_archiver("crawl", wp, dead, cards, "--db", str(db), cwd=tmp_path)
    assert result.returncode == 3, result.stderr  # some blogs failed, the others were archived
    assert "1 of 3 blogs failed" in result.stderr and f"{dead}: failed" in result.stderr
    crawls = {json.loads(r["start_urls"])[0]: r for r in rows(db, "SELECT * FROM crawls")}
    assert {url: crawls[url]["status"] for url in crawls} == {wp: "ok", cards: "ok", dead: "failed"}
    assert (crawls[wp]["posts_new"], crawls[cards]["posts_new"]) == (len(wp_gold), len(cards_gold))
    assert len({r["pid"] for r in crawls.values()}) == 1  # one process crawled them all
    assert all(r["finished"] for r in crawls.values())
    per_crawl = rows(db, "SELECT last_crawl_id, count(*) n FROM posts GROUP BY last_crawl_id")
    assert {r["last_crawl_id"]: r["n"] for r in per_crawl} == {crawls[wp]["id"]: 7, crawls[cards]["id"]: 5}


def test_blogs_in_flight_bound_the_blogs_crawled_at_once(tmp_path, serve):
    build_wordpress(tmp_path / "slow", n_posts=3, per_page=3)
    (tmp_path / "slow" / "_headers.json").write_text('{"/": {"delay": 1.5}}')  # its crawl lasts over a second
    build_wordpress(tmp_path / "fast", n_posts=3, per_page=3)
    slow, fast = serve(tmp_path / "slow"), serve(tmp_path / "fast")
    for in_flight, one_after_the_other in ((1, True), (2, False)):
        db = tmp_path / f"{in_flight}.db"
        result = run_archiver("crawl", slow, fast, "--db", str(db), "--max-parallel", str(in_flight), cwd=tmp_path)
        assert result.returncode == 0, result.stderr
        first, second = rows(db, "SELECT started, finished FROM crawls ORDER BY id")
        assert (second["started"] >= first["finished"]) is one_after_the_other, (in_flight, first, second)


def test_progress_line_counts_blogs_when_there_are_several(tmp_path, serve):
    build_custom_cards(tmp_path / "a", n_posts=3)
    build_custom_cards(tmp_path / "b", n_posts=3)
    code, screen = _run_in_terminal(
        [sys.executable, "-m", "archiver.cli", "crawl", serve(tmp_path / "a"), serve(tmp_path / "b"),
         "--db", str(tmp_path / "tty.db"), "-s", "AUTOTHROTTLE_ENABLED=False"],
        tmp_path,
    )
    assert code == 0, screen
    assert "2/2 blogs done (0 in flight, 0 failed)" in screen and "6 posts archived" in screen


def test_crawl_log_file_gets_scrapys_log(tmp_path, serve):
    build_custom_cards(tmp_path / "site", n_posts=2)
    log = tmp_path / "crawl.log"
    result = run_archiver("crawl", serve(tmp_path / "site"), "--db", str(tmp_path / "a.db"), "--log-file", str(log),
                          cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Spider opened" in log.read_text("utf-8") and "Spider opened" not in result.stderr


# -- registering many blogs -----------------------------------------------------------------------------------


def test_sites_add_many_import_opml_and_text_and_export_opml(tmp_path: Path) -> None:
    db = tmp_path / "a.db"
    added = run_archiver("sites", "add", "https://one.example/", "https://two.example/blog/", "--every", "6h",
                         "--db", str(db), cwd=tmp_path)
    assert added.returncode == 0, added.stderr
    assert "registered 2 sites, updated 0: every 6h" in added.stdout
    opml = tmp_path / "feeds.opml"
    opml.write_text(
        '<?xml version="1.0"?><opml version="1.0"><head><title>My feeds</title></head><body>'
        '<outline text="Tech"><outline text="Three" type="rss" xmlUrl="https://three.example/feed.xml" '
        'htmlUrl="https://three.example/"/>'
        '<outline text="Four" type="rss" xmlUrl="https://four.example/atom.xml"/></outline>'
        '<outline text="One again" type="rss" htmlUrl="https://one.example/"/></body></opml>', "utf-8")
    imported = run_archiver("sites", "import", str(opml), "--every", "1d", "--db", str(db), cwd=tmp_path)
    assert imported.returncode == 0, imported.stderr
    assert "registered 2 sites, updated 1" in imported.stdout
    text = tmp_path / "blogs.txt"
    text.write_text("# my list\nhttps://five.example/\n\nhttps://six.example/posts/\n", "utf-8")
    assert run_archiver("sites", "import", str(text), "--db", str(db), cwd=tmp_path).returncode == 0
    listed = run_archiver("sites", "list", "--db", str(db), cwd=tmp_path).stdout
    expected = ["https://one.example/", "https://two.example/blog/", "https://three.example/",
                "https://four.example/", "https://five.example/", "https://six.example/posts/"]
    assert [line.split("\t")[1] for line in listed.splitlines()] == expected
    exported = run_archiver("sites", "export", "--db", str(db), cwd=tmp_path)
    assert exported.returncode == 0, exported.stderr
    outlines = etree.fromstring(exported.stdout.encode()).findall(".//outline")
    assert [o.get("htmlUrl") for o in outlines] == expected and all(o.get("text") for o in outlines)
    # What a feed reader exported comes back in: the export is itself importable.
    (tmp_path / "again.opml").write_text(exported.stdout, "utf-8")
    again = run_archiver("sites", "import", str(tmp_path / "again.opml"), "--db", str(tmp_path / "b.db"), cwd=tmp_path)
    assert again.returncode == 0 and "registered 6 sites" in again.stdout


def test_sites_import_refuses_a_file_that_is_no_list(tmp_path: Path) -> None:
    bad = tmp_path / "bad.opml"
    bad.write_text("<opml><body><outline", "utf-8")
    result = run_archiver("sites", "import", str(bad), "--db", str(tmp_path / "a.db"), cwd=tmp_path)
    assert result.returncode == 1 and "not a readable OPML file" in result.stderr
    assert "Traceback" not in result.stderr
