"""Re-extraction: rebuild posts from the stored WARC captures, with no network, through the crawl core
(archiver.crawl.reader: the same decoding, extraction, merge and canonical URL as a crawl, the same guard
around every page), saved through Archive.save_posts (versions and search follow), with the feeds' fill.

For each site: its latest listing page captures give the entries (the start page first, its layout a hint for
the others; a post listed twice keeps its first entry, as in a crawl); each entry's post page capture gives the
page; the feed captures fill what listings and pages left empty. A post fetched with a 200 but without a capture
(crawled with --no-warc, or before WARC existed) is left as it is: re-merging it from its listing alone would
lose what its page said.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from archiver.crawl.fetched import Fetched
from archiver.crawl.reader import BlogReader
from archiver.crawl.records import FeedItem, PostImagesItem, PostItem
from archiver.crawl.visits import FeedVisit, ListingVisit, PostVisit, listing_hash
from archiver.extract.model import ListingEntry
from archiver.extract.overrides import load_rules
from archiver.extract.urls import url_key
from archiver.store import Archive, media
from archiver.store import captures as store
from archiver.warc.files import WarcLocator, WarcNotFoundError, read_capture
from archiver.warc.lookup import CaptureFinder

BATCH_SIZE = 200


@dataclass
class ReextractResult:
    """What a re-extraction did."""

    sites: int = 0
    listing_pages: int = 0
    posts: int = 0  # posts rebuilt from captures
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    without_capture: int = 0  # posts with a fetched page but no capture of it: left as they were
    filled_from_feeds: int = 0
    missing_files: list[str] = field(default_factory=list)
    unreadable: int = 0  # captures that could not be read back (a damaged WARC file)
    image_links: int = 0  # posts whose links to the images their body shows were rebuilt
    crawl_id: int | None = None


def reextract(archive: Archive, locator: WarcLocator, site_ids: list[int] | None = None,
              progress: Callable[[str], None] | None = None, *, theme_rules: bool = True) -> ReextractResult:
    """Rebuild the posts of the given sites (all when None) from their WARC captures."""
    result = ReextractResult()
    sites = store.sites_with_rules(archive, site_ids)
    crawl_id = archive.start_crawl([], {"reextract": True, "sites": [s["url"] for s in sites]})
    result.crawl_id = crawl_id
    started_from = {url_key(u) for u in store.start_urls(archive)}
    try:
        for site in sites:
            result.sites += 1
            reader = BlogReader(site["url"], load_rules(site["rules"]) if site.get("rules") else None,
                                theme_rules=theme_rules)
            _reextract_site(archive, locator, reader, site, started_from, crawl_id, result)
            if progress:
                progress(f"{site['url']}: {result.posts} posts so far")
    except BaseException as error:
        archive.finish_crawl(crawl_id, "failed", {"message": f"re-extraction from WARC failed: {error}"})
        raise
    message = (f"re-extracted {result.posts} posts of {result.sites} sites from WARC "
               f"({result.listing_pages} listing pages); {result.unchanged} unchanged")
    archive.finish_crawl(crawl_id, "ok", {"message": message, "posts_new": result.new,
                                          "posts_updated": result.updated, "pages_fetched": 0})
    return result


def _reextract_site(archive: Archive, locator: WarcLocator, reader: BlogReader, site: dict[str, Any],
                    started_from: set[str], crawl_id: int, result: ReextractResult) -> None:
    pages = store.listing_captures(archive, site["id"])
    # The crawl's start page first: the others were parsed with its layout as a hint.
    pages.sort(key=lambda p: p["url_key"] not in started_from and p["url_key"] != url_key(site["url"]))
    entries: dict[str, tuple[ListingEntry, str]] = {}
    root, layout = "", None
    for page in pages:
        fetched = _fetched(locator, page, result)
        if fetched is None:
            continue
        read = reader.listing(fetched, ListingVisit(url=fetched.url, blog=site["url"], root=root, layout=layout))
        if not read.readable:
            continue
        if not root:
            root, layout = read.root, read.layout
        result.listing_pages += 1
        for entry in read.entries:
            entries.setdefault(url_key(entry.url), (entry, fetched.url))

    # Through the redirects each entry's URL answered with: the page is captured under the final URL.
    post_pages = {key: chain[-1] for key, chain in CaptureFinder(archive, locator).post_chains(list(entries)).items()}
    keys = list(entries)
    seen: set[str] = set()
    for start in range(0, len(keys), BATCH_SIZE):
        chunk = keys[start : start + BATCH_SIZE]
        stored = store.stored_posts(archive, chunk)
        batch: list[dict[str, Any]] = []
        links: list[media.PostImages] = []
        for key in chunk:
            entry, listing_url = entries[key]
            read = _post(locator, reader, root, entry, listing_url, post_pages.get(key), stored.get(key), result)
            if read is None or read[0].url_key in seen:
                continue
            post, images = read
            seen.add(post.url_key)
            row = post.row()
            row["site_id"] = site["id"]
            batch.append(row)
            if images is not None:
                links.append(media.PostImages(post.url_key, site["id"], images.urls))
        _save(archive, batch, crawl_id, result)
        result.image_links += media.link_post_images(archive, links, only_changed=True)

    feed_records: list[dict[str, Any]] = []
    for page in store.feed_captures(archive, site["id"]):
        fetched = _fetched(locator, page, result)
        if fetched is not None:
            for record in reader.feed(fetched, FeedVisit(url=fetched.url, blog=site["url"], root=root)):
                if isinstance(record, FeedItem):
                    feed_records.extend(record.records)
    result.filled_from_feeds += archive.fill_from_feed(feed_records)


def _post(locator: WarcLocator, reader: BlogReader, root: str, entry: ListingEntry, listing_url: str,
          page_row: dict[str, Any] | None, known: dict[str, Any] | None,
          result: ReextractResult) -> tuple[PostItem, PostImagesItem | None] | None:
    """One post as the crawl makes it, from its page's capture (or its listing entry alone), and the images
    its body shows when its page was read."""
    visit = PostVisit(url=entry.url, blog=reader.blog, root=root, entry=entry, listing_url=listing_url,
                      entry_hash=listing_hash(entry))
    fetched = _fetched(locator, page_row, result) if page_row else None
    images = None
    if fetched is not None:
        records = reader.post(fetched, visit)
        post = next((r for r in records if isinstance(r, PostItem)), None)
        images = next((r for r in records if isinstance(r, PostImagesItem)), None)
    elif known and known["page_status"] == 200:
        result.without_capture += 1
        return None
    else:  # fetched and failed, or never fetched (off-site): the listing's view
        post = reader.listed_post(visit, known["page_status"] if known else None)
    if post is None:  # a 304 capture: nothing newer than what the archive holds
        return None
    if known and known.get("page_fetched_at"):
        post.page_fetched_at = known["page_fetched_at"]
    result.posts += 1
    return post, images


def _save(archive: Archive, batch: list[dict[str, Any]], crawl_id: int, result: ReextractResult) -> None:
    if not batch:
        return
    changed = store.changed_posts(archive, batch)
    result.unchanged += len(batch) - len(changed)
    new, updated = archive.save_posts(changed, crawl_id)
    result.new += new
    result.updated += updated


def _fetched(locator: WarcLocator, row: dict[str, Any], result: ReextractResult) -> Fetched | None:
    """The capture a pages row points at, as the crawl core's Fetched (None when it cannot be read)."""
    try:
        capture = read_capture(locator.path(row["warc_file"]), row["warc_offset"])
    except WarcNotFoundError:
        if row["warc_file"] not in result.missing_files:
            result.missing_files.append(row["warc_file"])
        return None
    except (OSError, ValueError, EOFError):
        result.unreadable += 1
        return None
    return Fetched.of(capture.url, capture.status, capture.headers, capture.body, fetched_at=row["fetched_at"],
                      warc_file=row["warc_file"], warc_offset=row["warc_offset"])
