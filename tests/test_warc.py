"""WARC capture, re-extraction and WARC export: real crawls of a fixture blog by the `archiver` command,
the files checked with warcio's own CLI and replayed with pywb (or warcio when pywb is not installed)."""

from __future__ import annotations

import gzip
import json
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from archiver.store import search
from archiver.warc.files import HttpExchange, RotatingWarcWriter, gzip_member_length, read_capture
from tests.conftest import crawled_site, rows, run_archiver
from tests.sitegen import build_trouble, build_wordpress

WARCIO = str(Path(sys.executable).parent / "warcio")
# Columns a crawl and a re-extraction must agree on (ids and first/last-seen bookkeeping aside).
POST_FIELDS = ("url", "url_key", "site_id", "title", "excerpt", "excerpt_source", "published", "published_raw",
               "published_source", "updated", "author", "lang", "tags", "categories", "content_html",
               "content_text", "content_markdown", "content_hash", "listing_url", "listing_position",
               "extracted_by", "page_status", "listing_hash", "page_fetched_at")


@pytest.fixture(scope="module")
def crawled(tmp_path_factory):
    """One crawl of the WordPress-like blog with WARC capture on (the default)."""
    with crawled_site(tmp_path_factory, "warc", build_wordpress) as crawl:
        assert crawl["result"].returncode == 0, crawl["result"].stderr
        yield {**crawl, "warc_dir": crawl["work"] / "warc"}


def _warc_files(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.warc.gz"))


def _records(path: Path) -> list[tuple[str, str | None, int]]:
    """(type, target URI, offset) of every record of a WARC file."""
    found = []
    with path.open("rb") as handle:
        iterator = ArchiveIterator(handle)
        for record in iterator:
            found.append((record.rec_type, record.rec_headers.get_header("WARC-Target-URI"),
                          iterator.get_record_offset()))
    return found


def _post_pages(db: Path) -> list[dict]:
    return rows(db, "SELECT p.url, p.title, g.warc_file, g.warc_offset FROM posts p "
                    "LEFT JOIN pages g ON g.url_key = p.url_key AND g.kind = 'post' ORDER BY p.url")


# --- capture --------------------------------------------------------------------------------------------------


def test_warc_files_go_beside_the_archive_each_starting_with_warcinfo(crawled):
    files = _warc_files(crawled["warc_dir"])
    assert files, "no WARC file under warc/ beside the archive"
    for path in files:
        with gzip.open(path, "rb") as handle:  # one gzip member per record, readable as one stream too
            assert handle.read(200).startswith(b"WARC/1.")
        assert _records(path)[0][0] == "warcinfo"


def test_every_fetch_is_a_response_and_request_pair_robots_txt_included(crawled):
    records = [r for path in _warc_files(crawled["warc_dir"]) for r in _records(path)]
    responses = {uri for kind, uri, _ in records if kind == "response"}
    requests = {uri for kind, uri, _ in records if kind == "request"}
    expected = {crawled["url"] + p.path.lstrip("/") for p in crawled["gold"]} | {crawled["url"] + "robots.txt"}
    assert expected <= responses
    assert responses == requests


def test_warcio_check_and_index_accept_the_files(crawled):
    files = [str(p) for p in _warc_files(crawled["warc_dir"])]
    check = subprocess.run([WARCIO, "check", "-v", *files], capture_output=True, text=True, check=False)
    assert check.returncode == 0, check.stdout + check.stderr
    assert "digest pass" in check.stdout and "fail" not in check.stdout.lower()
    index = subprocess.run([WARCIO, "index", *files], capture_output=True, text=True, check=True)
    entries = [json.loads(line) for line in index.stdout.splitlines()]
    assert sum(e["warc-type"] == "response" for e in entries) >= len(crawled["gold"]) + 3  # + listing pages


def test_each_post_links_to_the_record_holding_its_page(crawled):
    pages = _post_pages(crawled["db"])
    gold = {crawled["url"] + p.path.lstrip("/"): p for p in crawled["gold"]}
    assert len(pages) == len(gold)
    for page in pages:
        assert page["warc_file"] and page["warc_offset"] is not None, page["url"]
        capture = read_capture(crawled["warc_dir"] / page["warc_file"], page["warc_offset"])
        assert capture.url == page["url"] and capture.status == 200
        html = capture.body.decode("utf-8")
        assert gold[page["url"]].body in html.replace("&amp;", "&")


def test_listing_pages_link_to_their_records_too(crawled):
    listings = rows(crawled["db"], "SELECT url, warc_file, warc_offset FROM pages WHERE kind = 'listing'")
    assert len(listings) == 3
    for page in listings:
        assert read_capture(crawled["warc_dir"] / page["warc_file"], page["warc_offset"]).url == page["url"]


def test_no_warc_writes_nothing(crawled, tmp_path):
    db = tmp_path / "archive.db"
    result = run_archiver("crawl", crawled["url"], "--db", str(db), "--no-warc", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert not (tmp_path / "warc").exists()
    assert rows(db, "SELECT count(*) AS n FROM pages WHERE warc_file IS NOT NULL")[0]["n"] == 0
    assert rows(db, "SELECT count(*) AS n FROM posts")[0]["n"] == len(crawled["gold"])


def test_files_rotate_by_size_and_bodies_stay_as_received(tmp_path):
    body = b"<html><body><p>Invented page about tide pools.</p></body></html>"
    writer = RotatingWarcWriter(tmp_path, max_bytes=1)  # every exchange starts a new file
    places = []
    for n in range(3):
        exchange = HttpExchange(
            url=f"https://blog.example/p/{n}/", method="GET", request_headers=[("Accept-Encoding", "gzip")],
            request_body=b"", status=200,
            response_headers=[("Content-Type", "text/html"), ("Content-Encoding", "gzip"),
                              ("Transfer-Encoding", "chunked")],
            body=gzip.compress(body),
        )
        places.append(writer.write_exchange(exchange))
    writer.close()
    assert len(_warc_files(tmp_path)) == 3
    for name, offset in places:
        assert [kind for kind, _, _ in _records(tmp_path / name)] == ["warcinfo", "response", "request"]
        capture = read_capture(tmp_path / name, offset)
        assert capture.body == body  # the stored gzip body decodes back to the page
        assert capture.header("Content-Encoding") == "gzip" and capture.header("Transfer-Encoding") is None
        assert int(capture.header("Content-Length") or 0) == len(gzip.compress(body))


# --- replay ---------------------------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _pywb_bin() -> Path | None:
    """pywb's executables: $PYWB_BIN, a .venv-pywb beside the repo's .venv, or on PATH. pywb 2.x pins redis<3,
    which the distributed crawl's scrapy-redis cannot use, so it lives in a virtualenv of its own."""
    candidates = [os.environ.get("PYWB_BIN"), str(Path(sys.executable).parent.parent.parent / ".venv-pywb" / "bin")]
    which = shutil.which("wayback")
    candidates.append(str(Path(which).parent) if which else None)
    for folder in filter(None, candidates):
        if (Path(folder) / "wayback").exists() and (Path(folder) / "wb-manager").exists():
            return Path(folder)
    return None


def test_pywb_replays_a_post(crawled, tmp_path):
    pywb = _pywb_bin()
    if pywb is None:
        pytest.skip("pywb not installed (see README: WARC capture); test_warcio_replays_a_post covers replay")
    page = _post_pages(crawled["db"])[0]
    gold = {crawled["url"] + p.path.lstrip("/"): p for p in crawled["gold"]}[page["url"]]
    subprocess.run([str(pywb / "wb-manager"), "init", "blogs"], cwd=tmp_path, check=True, capture_output=True)
    subprocess.run([str(pywb / "wb-manager"), "add", "blogs", *map(str, _warc_files(crawled["warc_dir"]))],
                   cwd=tmp_path, check=True, capture_output=True)
    port = _free_port()
    server = subprocess.Popen([str(pywb / "wayback"), "-p", str(port), "-b", "127.0.0.1"], cwd=tmp_path,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        text = ""
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/blogs/id_/{page['url']}", timeout=5) as reply:
                    text = reply.read().decode("utf-8")
                break
            except OSError:
                time.sleep(0.2)
        assert gold.body in text.replace("&amp;", "&")
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_warcio_replays_a_post(crawled):
    """The fallback replay: warcio's own `extract --payload` hands back the page as served."""
    page = _post_pages(crawled["db"])[0]
    gold = {crawled["url"] + p.path.lstrip("/"): p for p in crawled["gold"]}[page["url"]]
    payload = subprocess.run([WARCIO, "extract", "--payload", str(crawled["warc_dir"] / page["warc_file"]),
                              str(page["warc_offset"])], capture_output=True, check=True).stdout
    assert gold.body in payload.decode("utf-8").replace("&amp;", "&")


# --- re-extraction --------------------------------------------------------------------------------------------


def _posts(db: Path) -> dict[str, dict]:
    return {r["url_key"]: r for r in rows(db, f"SELECT {', '.join(POST_FIELDS)} FROM posts")}


def _copy(db: Path, target: Path) -> Path:
    source = sqlite3.connect(db)
    try:
        copy = sqlite3.connect(target)
        source.backup(copy)
        copy.close()
    finally:
        source.close()
    return target


def test_reextract_into_a_cleared_archive_gives_the_crawled_posts(crawled, tmp_path):
    fresh = _copy(crawled["db"], tmp_path / "fresh.db")
    connection = sqlite3.connect(fresh)
    search.register_functions(connection)  # the search index's delete trigger calls them
    with connection:
        for table in ("post_tags", "post_categories", "post_versions", "posts"):
            connection.execute(f"DELETE FROM {table}")
    connection.close()
    # No server, no network: only the WARC files (found through --warc-dir, the archive lives elsewhere).
    result = run_archiver("reextract", "--db", str(fresh), "--warc-dir", str(crawled["warc_dir"]), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert f"{len(crawled['gold'])} new" in result.stdout
    assert _posts(fresh) == _posts(crawled["db"])
    tags = "SELECT p.url_key, t.name FROM post_tags l JOIN posts p ON p.id = l.post_id JOIN tags t ON t.id = l.tag_id"
    assert sorted(map(tuple, (r.values() for r in rows(fresh, tags)))) == sorted(
        map(tuple, (r.values() for r in rows(crawled["db"], tags))))


def test_reextract_of_an_unchanged_archive_changes_nothing(crawled, tmp_path):
    db = _copy(crawled["db"], tmp_path / "archive.db")
    shutil.copytree(crawled["warc_dir"], tmp_path / "warc")
    before = rows(db, "SELECT * FROM posts ORDER BY id")
    result = run_archiver("reextract", "--db", str(db), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "0 new, 0 updated" in result.stdout
    assert rows(db, "SELECT * FROM posts ORDER BY id") == before  # not even last_seen moves
    assert rows(db, "SELECT count(*) AS n FROM post_versions")[0]["n"] == 0


def test_reextract_of_one_site_by_url(crawled, tmp_path):
    db = _copy(crawled["db"], tmp_path / "archive.db")
    shutil.copytree(crawled["warc_dir"], tmp_path / "warc")
    assert run_archiver("reextract", "--db", str(db), "--site", crawled["url"], cwd=tmp_path).returncode == 0
    unknown = run_archiver("reextract", "--db", str(db), "--site", "https://nowhere.example/", cwd=tmp_path)
    assert unknown.returncode != 0 and "no site" in unknown.stderr


def test_reextract_survives_every_page_a_fault_ridden_crawl_survived_and_matches_it(tmp_path_factory, tmp_path):
    """The misbehaving blog (404, 500, a timeout, GBK served as UTF-8, a pagination loop), crawled with captures:
    re-extraction completes, changes nothing in that archive, and rebuilds a cleared one as the crawl made it."""
    with crawled_site(tmp_path_factory, "trouble-warc", build_trouble) as crawl:
        assert crawl["result"].returncode == 0, crawl["result"].stderr
        warc_dir = crawl["work"] / "warc"
        db = _copy(crawl["db"], tmp_path / "same.db")
        same = run_archiver("reextract", "--db", str(db), "--warc-dir", str(warc_dir), cwd=tmp_path)
        assert same.returncode == 0, same.stderr
        assert "0 new, 0 updated" in same.stdout
        fresh = _copy(crawl["db"], tmp_path / "fresh.db")
        connection = sqlite3.connect(fresh)
        search.register_functions(connection)  # the search index's delete trigger calls them
        with connection:
            for table in ("post_tags", "post_categories", "post_versions", "posts"):
                connection.execute(f"DELETE FROM {table}")
        connection.close()
        rebuilt = run_archiver("reextract", "--db", str(fresh), "--warc-dir", str(warc_dir), cwd=tmp_path)
        assert rebuilt.returncode == 0, rebuilt.stderr
        crawled, again = _posts(crawl["db"]), _posts(fresh)
        assert set(again) == set(crawled) and len(crawled) == 9
        for key, row in crawled.items():
            if row["page_status"] == 200:
                assert again[key] == row
            else:  # its page failed in the crawl: no capture of a body, the listing's view in both
                assert (again[key]["title"], again[key]["published"]) == (row["title"], row["published"])


# --- export ---------------------------------------------------------------------------------------------------


def _digests(paths: list[Path]) -> dict[tuple[str, str], str]:
    """(type, URI) -> WARC-Block-Digest of every response and request record."""
    found = {}
    for path in paths:
        with path.open("rb") as handle:
            for record in ArchiveIterator(handle):
                if record.rec_type in ("response", "request"):
                    key = (record.rec_type, record.rec_headers.get_header("WARC-Target-URI"))
                    found[key] = record.rec_headers.get_header("WARC-Block-Digest")
    return found


def test_export_warc_holds_the_selected_posts_captures_byte_for_byte(crawled, tmp_path):
    out = tmp_path / "posts.warc.gz"
    result = run_archiver("export", "warc", "-o", str(out), "--db", str(crawled["db"]), "--no-progress",
                          cwd=crawled["work"])
    assert result.returncode == 0, result.stderr
    assert f"exported {len(crawled['gold'])} posts" in result.stdout
    check = subprocess.run([WARCIO, "check", str(out)], capture_output=True, text=True, check=False)
    assert check.returncode == 0, check.stdout
    exported = _digests([out])
    original = _digests(_warc_files(crawled["warc_dir"]))
    post_urls = {crawled["url"] + p.path.lstrip("/") for p in crawled["gold"]}
    listing_urls = {r["url"] for r in rows(crawled["db"], "SELECT url FROM pages WHERE kind = 'listing'")}
    assert {uri for kind, uri in exported if kind == "response"} == post_urls | listing_urls
    assert all(original[key] == digest for key, digest in exported.items())
    assert _records(out)[0][0] == "warcinfo"


def test_export_warc_follows_the_filters(crawled, tmp_path):
    out = tmp_path / "one-month.warc.gz"
    month = crawled["gold"][0].date[:7]
    wanted = {crawled["url"] + p.path.lstrip("/") for p in crawled["gold"] if p.date.startswith(month)}
    result = run_archiver("export", "warc", "-o", str(out), "--db", str(crawled["db"]), "--since", month,
                          "--until", month, "--no-progress", cwd=crawled["work"])
    assert result.returncode == 0, result.stderr
    responses = {uri for kind, uri in _digests([out]) if kind == "response"}
    assert wanted == {uri for uri in responses if uri in {crawled["url"] + p.path.lstrip("/") for p in crawled["gold"]}}


def test_exported_warc_is_one_gzip_member_per_record(crawled, tmp_path):
    out = tmp_path / "all.warc.gz"
    run_archiver("export", "warc", "-o", str(out), "--db", str(crawled["db"]), "--no-progress", cwd=crawled["work"])
    records = _records(out)
    with out.open("rb") as handle:
        # Each record's offset starts a gzip member that ends exactly where the next record starts.
        ends = [offset + gzip_member_length(handle, offset) for _, _, offset in records]
    assert ends == [offset for _, _, offset in records[1:]] + [out.stat().st_size]
