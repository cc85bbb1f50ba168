"""The crawl core's image decisions and readings (archiver/crawl/images.py), without Scrapy: which images of a post
are asked for, the byte budget, and what an answer that is not an image becomes."""

from __future__ import annotations

from pathlib import Path

from archiver.crawl.fetched import Fetched
from archiver.crawl.images import ImageWalk, images_to_fetch, read_image
from archiver.crawl.memory import NoMemory
from archiver.crawl.records import ErrorItem, ImageItem, PostImagesItem
from archiver.crawl.state import CrawlOptions
from archiver.crawl.visits import ImageVisit
from archiver.store import Archive, media
from archiver.store.memory import ArchiveMemory
from tests.media_site import png

BLOG = "http://blog.example/"


def _visit(url: str) -> ImageVisit:
    return ImageVisit(url=url, blog=BLOG, root=BLOG, post_url=BLOG + "post/")


def test_each_url_once_and_not_what_the_archive_holds(tmp_path: Path) -> None:
    with Archive(tmp_path / "a.db") as archive:
        media.record_images(archive, [{"url": BLOG + "old.png", "status": 200, "sha256": "cd" * 32}], None)
        memory = ArchiveMemory(archive)
        walk = ImageWalk()
        first = PostImagesItem(BLOG, BLOG, "blog.example/post", [BLOG + "a.png", BLOG + "old.png"])
        assert images_to_fetch(first, walk, CrawlOptions(), memory) == ([BLOG + "a.png"], [])
        second = PostImagesItem(BLOG, BLOG, "blog.example/other", [BLOG + "a.png", BLOG + "b.png"])
        assert images_to_fetch(second, walk, CrawlOptions(), memory) == ([BLOG + "b.png"], [])
        assert images_to_fetch(second, ImageWalk(), CrawlOptions(images=False), memory) == ([], [])


def test_the_blog_budget_stops_images_with_one_remark() -> None:
    walk = ImageWalk(bytes_received=5_000)
    options = CrawlOptions(images_max_bytes_per_blog=4_000)
    item = PostImagesItem(BLOG, BLOG, "blog.example/post", [BLOG + "a.png"])
    urls, remarks = images_to_fetch(item, walk, options, NoMemory())
    assert urls == [] and [r.kind for r in remarks] == ["image-limit"]
    assert "ARCHIVER_IMAGES_MAX_BYTES_PER_BLOG" in remarks[0].message
    later = PostImagesItem(BLOG, BLOG, "blog.example/later", [BLOG + "b.png"])
    assert images_to_fetch(later, walk, options, NoMemory()) == ([], [])  # said once


def test_an_image_answer_is_checked_by_its_bytes() -> None:
    walk = ImageWalk()
    data = png(4, 4, (1, 2, 3))
    # A server that calls a PNG application/octet-stream: the bytes say what it is.
    fetched = Fetched(BLOG + "a.png", 200, {"content-type": "application/octet-stream"}, data,
                      warc_file="x.warc.gz", warc_offset=7)
    (image,) = read_image(fetched, _visit(BLOG + "a.png"), walk)
    assert isinstance(image, ImageItem)
    assert (image.content_type, image.size, image.warc_offset, image.error) == ("image/png", len(data), 7, None)
    assert walk.bytes_received == len(data)


def test_an_html_page_served_for_an_image_is_not_archived() -> None:
    fetched = Fetched(BLOG + "login", 200, {"content-type": "image/png"}, b"<!DOCTYPE html><html><body>Sign in")
    image, error = read_image(fetched, _visit(BLOG + "a.png"), ImageWalk())
    assert isinstance(image, ImageItem) and isinstance(error, ErrorItem)
    assert image.sha256 is None and image.error.startswith("not-image") and image.final_url == BLOG + "login"
    assert error.kind == "not-image" and error.url == BLOG + "a.png"
