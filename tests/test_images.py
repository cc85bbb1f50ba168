"""Images archived with their posts: a real `archiver crawl` of a fixture blog whose posts show images on its
own host and on a second loopback host (tests/media_site.py), checked in the archive and in the WARC files."""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from tests.conftest import rows, run_archiver
from tests.media_site import MediaSite, served_media_site


def warc_records(warc_dir: Path) -> list[tuple[str, str]]:
    """(WARC-Type, target URI) of every response and revisit record, in capture order."""
    found = []
    for path in sorted(warc_dir.glob("*.warc.gz")):
        with path.open("rb") as handle:
            for record in ArchiveIterator(handle):
                if record.rec_type in ("response", "revisit"):
                    found.append((record.rec_type, record.rec_headers.get_header("WARC-Target-URI")))
    return found


@pytest.fixture(scope="module")
def crawled(tmp_path_factory) -> Iterator[dict]:
    folder = tmp_path_factory.mktemp("media")
    with served_media_site(folder / "site") as (site, _blog, _cdn):
        work = folder / "work"
        work.mkdir()
        db = work / "archive.db"
        result = run_archiver("crawl", site.url, "--db", str(db), cwd=work)
        yield {"site": site, "db": db, "result": result, "work": work, "folder": folder}


def test_crawl_with_images_succeeds(crawled) -> None:
    result = crawled["result"]
    assert result.returncode == 0, result.stderr
    assert "3 new" in result.stdout
    assert "Traceback" not in result.stderr


def test_every_reachable_image_is_archived_with_its_bytes(crawled) -> None:
    site: MediaSite = crawled["site"]
    media = {row["url"]: row for row in rows(crawled["db"], "SELECT * FROM media")}
    for url, data in site.archived.items():
        row = media[url]
        assert (row["status"], row["content_type"], row["size"]) == (200, "image/png", len(data)), url
        assert row["sha256"] == hashlib.sha256(data).hexdigest()
        assert row["warc_file"] and row["warc_offset"] is not None and row["error"] is None
    # The narrow srcset candidate is never asked for: the archive keeps the wide one.
    assert site.not_chosen not in media


def test_a_redirected_image_is_archived_under_the_address_the_post_shows(crawled) -> None:
    import json

    site: MediaSite = crawled["site"]
    row = rows(crawled["db"], "SELECT * FROM media WHERE url = ?", site.moved)[0]
    assert row["final_url"] == site.url + "images/pier.png" and row["status"] == 200
    hops = json.loads(row["redirects"])
    assert [hop["url"] for hop in hops] == [site.moved] and hops[0]["warc_file"]


def test_images_that_could_not_be_archived_say_why(crawled) -> None:
    site: MediaSite = crawled["site"]
    media = {row["url"]: row for row in rows(crawled["db"], "SELECT * FROM media")}
    errors = {row["url"]: row for row in rows(crawled["db"], "SELECT * FROM crawl_errors")}
    assert media[site.missing]["status"] == 404 and media[site.missing]["sha256"] is None
    assert errors[site.missing]["kind"] == "http-error"
    assert media[site.huge]["sha256"] is None and media[site.huge]["error"].startswith("too-large")
    assert errors[site.huge]["kind"] == "too-large"
    assert "ARCHIVER_IMAGE_MAX_BYTES" in errors[site.huge]["message"]
    assert errors[site.forbidden]["kind"] == "robots"  # the CDN's robots.txt applies to images too
    assert media[site.forbidden]["sha256"] is None


def test_posts_are_linked_to_their_images_in_order(crawled) -> None:
    site: MediaSite = crawled["site"]
    links = rows(crawled["db"], """SELECT p.url AS post, m.url AS image FROM post_media pm
                                   JOIN posts p ON p.id = pm.post_id JOIN media m ON m.id = pm.media_id
                                   ORDER BY p.url, pm.position""")
    shown: dict[str, list[str]] = {}
    for link in links:
        shown.setdefault(link["post"], []).append(link["image"])
    assert shown == {site.url.rstrip("/") + post.path: post.images for post in site.posts}


def test_each_image_is_fetched_once_and_the_same_bytes_stored_once(crawled) -> None:
    site: MediaSite = crawled["site"]
    records = warc_records(crawled["work"] / "warc")
    fetched = Counter(url for _, url in records)
    for url in site.archived:
        assert fetched[url] == 1, url  # shown by two posts, asked for once
    assert fetched[site.huge] == 0 and fetched[site.forbidden] == 0
    # harbour.png and harbour-copy.png have the same bytes: the second capture is a revisit record.
    harbour = [kind for kind, url in records if url.endswith(("/harbour.png", "/harbour-copy.png"))]
    assert sorted(harbour) == ["response", "revisit"]
    shas = {row["sha256"] for row in rows(crawled["db"], "SELECT sha256 FROM media WHERE url LIKE '%harbour%'")}
    assert len(shas) == 1


def test_recrawl_asks_again_only_for_images_it_lacks(crawled) -> None:
    site: MediaSite = crawled["site"]
    work, db = crawled["work"], crawled["db"]
    images = {*site.archived, site.missing, site.huge}

    def image_fetches() -> Counter:
        return Counter(url for _, url in warc_records(work / "warc") if url in images)

    before = image_fetches()
    # Nothing changed: no post page is fetched again, so no image is asked for.
    result = run_archiver("crawl", site.url, "--db", str(db), cwd=work)
    assert result.returncode == 0, result.stderr
    assert image_fetches() == before
    # A post edited (its listing entry too): its page is read again; its archived images are not asked for
    # again, the one that was missing is.
    blog = crawled["folder"] / "site" / "blog"
    for page in (blog / "index.html", blog / site.posts[0].path.strip("/") / "index.html"):
        text = page.read_text("utf-8").replace("Harbour at dawn", "Harbour at first light")
        page.write_text(text, "utf-8")
    result = run_archiver("crawl", site.url, "--db", str(db), cwd=work)
    assert result.returncode == 0, result.stderr
    assert image_fetches() - before == Counter({site.missing: 1})
    posts = rows(db, "SELECT count(*) AS n FROM post_media")[0]["n"]
    assert posts == sum(len(p.images) for p in site.posts)  # links replaced, not added twice


def test_no_images_records_links_without_fetching(tmp_path: Path) -> None:
    with served_media_site(tmp_path / "site") as (site, _blog, _cdn):
        db = tmp_path / "archive.db"
        result = run_archiver("crawl", site.url, "--db", str(db), "--no-images", cwd=tmp_path)
        assert result.returncode == 0, result.stderr
        assert rows(db, "SELECT count(*) AS n FROM media WHERE status IS NOT NULL")[0]["n"] == 0
        assert rows(db, "SELECT count(*) AS n FROM post_media")[0]["n"] == sum(len(p.images) for p in site.posts)
        assert not any(url in site.archived for _, url in warc_records(tmp_path / "warc"))


def test_reextract_rebuilds_image_links_from_the_warc(crawled, tmp_path: Path) -> None:
    import sqlite3

    copy = tmp_path / "moved.db"
    source = sqlite3.connect(crawled["db"])
    target = sqlite3.connect(copy)
    source.backup(target)
    source.close()
    with target:
        target.execute("DELETE FROM post_media")
    target.close()
    link_sql = "SELECT post_id, media_id, position FROM post_media ORDER BY post_id, position"
    # No server: only the WARC files, found through --warc-dir.
    result = run_archiver("reextract", "--db", str(copy), "--warc-dir", str(crawled["work"] / "warc"), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "image links of 3 posts rebuilt" in result.stdout
    assert rows(copy, link_sql) == rows(crawled["db"], link_sql)
    again = run_archiver("reextract", "--db", str(copy), "--warc-dir", str(crawled["work"] / "warc"), cwd=tmp_path)
    assert "image links" not in again.stdout  # nothing to rebuild: nothing touched
