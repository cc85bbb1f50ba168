"""The crawl's images: which images of a post to ask for (each URL once per blog, not what the archive already
holds, within the blog's byte budget), and what an image's answer or failure becomes (records). Scrapy-free:
the spider makes the requests, this module decides and reads.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from archiver.crawl.fetched import Fetched, Problem
from archiver.crawl.records import ErrorItem, ImageItem, PostImagesItem, PostItem
from archiver.extract.media import image_sources, sniff_image_type

if TYPE_CHECKING:
    from archiver.crawl.memory import CrawlMemory
    from archiver.crawl.state import CrawlOptions
    from archiver.crawl.visits import ImageVisit


@dataclass(slots=True)
class ImageWalk:
    """One blog's images in this process: the URLs asked for, and the bytes received against the budget."""

    asked: set[str] = field(default_factory=set)
    bytes_received: int = 0
    budget_noted: bool = False  # the "budget spent" remark was made


def post_images(post: PostItem) -> PostImagesItem:
    """The images the post's (sanitized) body shows, in order."""
    return PostImagesItem(post.blog, post.root, post.url_key, image_sources(post.record.content_html))


def images_to_fetch(item: PostImagesItem, walk: ImageWalk, options: CrawlOptions,
                    memory: CrawlMemory) -> tuple[list[str], list[ErrorItem]]:
    """The image URLs of a post to ask for now, and a remark when the blog's byte budget is spent."""
    if not options.images:
        return [], []
    fresh = [url for url in item.urls if url not in walk.asked]
    if not fresh:
        return [], []
    walk.asked.update(fresh)
    archived = memory.archived_images(fresh)
    fresh = [url for url in fresh if url not in archived]
    if fresh and walk.bytes_received >= options.images_max_bytes_per_blog:
        if walk.budget_noted:
            return [], []
        walk.budget_noted = True
        limit = _megabytes(options.images_max_bytes_per_blog)
        message = f"stopped fetching images after {limit} (ARCHIVER_IMAGES_MAX_BYTES_PER_BLOG)"
        return [], [ErrorItem(item.blog, item.root, fresh[0], "image-limit", message)]
    return fresh, []


def read_image(fetched: Fetched, visit: ImageVisit, walk: ImageWalk) -> list[Any]:
    """An image's answer: its media record (type checked against the bytes, sha256, WARC place), or an error
    when the answer is not an image."""
    if fetched.status == 304:
        return []
    final_url = fetched.url if fetched.url != visit.url else None
    kind = sniff_image_type(fetched.body, fetched.header("Content-Type"))
    if kind is None:
        declared = fetched.header("Content-Type") or "unknown"
        problem = Problem("not-image", f"not an image (Content-Type: {declared})", fetched.status)
        return image_failed(problem, visit, status=fetched.status, final_url=final_url)
    walk.bytes_received += len(fetched.body)
    hops = [{"url": hop["url"], "warc_file": hop.get("warc_file"), "warc_offset": hop.get("warc_offset")}
            for hop in fetched.redirects or [] if hop.get("warc_file")]
    return [ImageItem(
        visit.blog, visit.root, visit.url, status=fetched.status, final_url=final_url, redirects=hops or None,
        content_type=kind,
        size=len(fetched.body), sha256=hashlib.sha256(fetched.body).hexdigest(), fetched_at=fetched.fetched_at,
        warc_file=fetched.warc_file, warc_offset=fetched.warc_offset,
    )]


def image_failed(problem: Problem, visit: ImageVisit, *, status: int | None = None, final_url: str | None = None,
                 max_bytes: int | None = None) -> list[Any]:
    """An image that could not be archived: its media row says why, and the crawl's error log has the line."""
    message = problem.message
    if problem.kind == "too-large" and max_bytes:
        message = f"image over {_megabytes(max_bytes)} (ARCHIVER_IMAGE_MAX_BYTES): not archived"
    return [
        ImageItem(visit.blog, visit.root, visit.url, status=status if status is not None else problem.status,
                  final_url=final_url, error=f"{problem.kind}: {message}"),
        ErrorItem(visit.blog, visit.root, visit.url, problem.kind, message, problem.status),
    ]


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):g} MB"
