"""The archive's images (archiver/store/media.py) on a real SQLite file: links per post, fetch results, and what a
later crawl may and may not overwrite."""

from __future__ import annotations

from pathlib import Path

from archiver.store import Archive, media
from tests.test_store import SITE_URL, make_post

IMAGE = "https://cdn.example.org/a.png"
OTHER = "https://notes.example.net/b.png"


def _archive(tmp_path: Path) -> tuple[Archive, int, int]:
    archive = Archive(tmp_path / "archive.db")
    site_id = archive.upsert_site(url=SITE_URL, title=None, engine=None, theme=None, feeds=[], sitemaps=[], lang=None)
    crawl_id = archive.start_crawl([SITE_URL], {})
    archive.save_posts([make_post(site_id, "compost"), make_post(site_id, "worms")], crawl_id)
    return archive, site_id, crawl_id


def _good(url: str, site_id: int) -> dict:
    return {"url": url, "site_id": site_id, "status": 200, "content_type": "image/png", "size": 10,
            "sha256": "ab" * 32, "warc_file": "a.warc.gz", "warc_offset": 10, "fetched_at": "2024-01-01T00:00:00+00:00"}


def test_links_follow_the_body_and_are_replaced_not_added(tmp_path: Path) -> None:
    archive, site_id, _ = _archive(tmp_path)
    with archive:
        posts = [media.PostImages("notes.example.net/compost", site_id, [IMAGE, OTHER, IMAGE]),
                 media.PostImages("notes.example.net/worms", site_id, [IMAGE]),
                 media.PostImages("notes.example.net/no-such-post", site_id, [OTHER])]
        assert media.link_post_images(archive, posts) == 2
        compost = archive.db.execute("SELECT id FROM posts WHERE url_key = 'notes.example.net/compost'").fetchone()[0]
        assert media.linked_urls(archive, compost) == [IMAGE, OTHER]
        assert archive.db.execute("SELECT count(*) FROM media").fetchone()[0] == 2  # one row per image URL
        # The post was edited: one image left.
        media.link_post_images(archive, [media.PostImages("notes.example.net/compost", site_id, [OTHER])])
        assert media.linked_urls(archive, compost) == [OTHER]
        # The same links again: nothing written.
        again = [media.PostImages("notes.example.net/compost", site_id, [OTHER])]
        assert media.link_post_images(archive, again, only_changed=True) == 0


def test_a_failed_refetch_keeps_the_archived_image(tmp_path: Path) -> None:
    archive, site_id, crawl_id = _archive(tmp_path)
    with archive:
        media.record_images(archive, [_good(IMAGE, site_id)], crawl_id)
        assert media.archived_image_urls(archive, [IMAGE, OTHER]) == {IMAGE}
        failed = {"url": IMAGE, "site_id": site_id, "status": 404, "error": "http-error: HTTP 404"}
        media.record_images(archive, [failed, {"url": OTHER, "site_id": site_id, "error": "timeout: timed out"}],
                            crawl_id)
        rows = {r[0]: r[1:] for r in archive.db.execute("SELECT url, status, sha256, error FROM media")}
        assert rows[IMAGE] == (200, "ab" * 32, None)
        assert rows[OTHER] == (None, None, "timeout: timed out")
        # A later success replaces a failure.
        media.record_images(archive, [_good(OTHER, site_id)], crawl_id)
        assert media.archived_image_urls(archive, [OTHER]) == {OTHER}
        assert [c["url"] for c in media.copies_of(archive, "ab" * 32)] == [IMAGE, OTHER]
