"""Re-extraction: rebuild posts from the stored WARC captures, with no network, through the same extraction,
merge and canonical-URL code as a crawl, saved through Archive.save_posts (versions and search follow).

For each site: its latest listing page captures give the entries (the start page first, its layout a hint for
the others; a post listed twice keeps its first entry, as in a crawl); each entry's post page capture gives the
page. A post fetched with a 200 but without a capture (crawled with --no-warc, or before WARC existed) is left
as it is: re-merging it from its listing alone would lose what its page said.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from archiver.extract.encoding import decode_html
from archiver.extract.listing import parse_listing
from archiver.extract.merge import merge_post
from archiver.extract.model import Listing, ListingEntry, to_dict
from archiver.extract.overrides import SiteRules, load_rules, parse_listing_with_rules, parse_post_with_rules
from archiver.extract.post import parse_post
from archiver.extract.urls import canonical_url, url_key
from archiver.spiders.blog import HTML_CONTENT_TYPES, listing_hash
from archiver.store import Archive
from archiver.store import captures as store
from archiver.warc.files import Capture, WarcLocator, WarcNotFoundError, read_capture
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
    missing_files: list[str] = field(default_factory=list)
    crawl_id: int | None = None


def reextract(archive: Archive, locator: WarcLocator, site_ids: list[int] | None = None,
              progress: Callable[[str], None] | None = None) -> ReextractResult:
    """Rebuild the posts of the given sites (all when None) from their WARC captures."""
    result = ReextractResult()
    sites = store.sites_with_rules(archive, site_ids)
    crawl_id = archive.start_crawl([], {"reextract": True, "sites": [s["url"] for s in sites]})
    result.crawl_id = crawl_id
    started_from = {url_key(u) for u in store.start_urls(archive)}
    try:
        for site in sites:
            result.sites += 1
            _reextract_site(archive, locator, site, started_from, crawl_id, result)
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


def _reextract_site(archive: Archive, locator: WarcLocator, site: dict[str, Any], started_from: set[str],
                    crawl_id: int, result: ReextractResult) -> None:
    rules = load_rules(site["rules"]) if site.get("rules") else None
    pages = store.listing_captures(archive, site["id"])
    # The crawl's start page first: the others were parsed with its layout as a hint.
    pages.sort(key=lambda p: p["url_key"] not in started_from and p["url_key"] != url_key(site["url"]))
    entries: dict[str, tuple[ListingEntry, str]] = {}
    layout: str | None = None
    for number, page in enumerate(pages):
        capture = _capture(locator, page, result)
        text = capture and decoded_html(capture)
        if text is None:
            continue
        listing = _parse_listing(text, capture.url, rules, layout)
        if number == 0:
            layout = listing.layout
        result.listing_pages += 1
        for entry in listing.entries:
            if entry.url:
                entries.setdefault(url_key(entry.url), (entry, capture.url))

    # Through the redirects each entry's URL answered with: the page is captured under the final URL.
    post_pages = {key: chain[-1] for key, chain in CaptureFinder(archive, locator).post_chains(list(entries)).items()}
    batch: list[dict[str, Any]] = []
    seen: set[str] = set()
    for start in range(0, len(entries), BATCH_SIZE):
        keys = list(entries)[start : start + BATCH_SIZE]
        stored = store.stored_posts(archive, [url_key(canonical_url(entries[k][0].url)) for k in keys])
        for key in keys:
            entry, listing_url = entries[key]
            record = _record(locator, entry, listing_url, post_pages.get(key), stored, rules, result)
            if record is None or record["url_key"] in seen:
                continue
            seen.add(record["url_key"])
            record["site_id"] = site["id"]
            batch.append(record)
        _save(archive, batch, crawl_id, result)
        batch = []


def _record(locator: WarcLocator, entry: ListingEntry, listing_url: str, page_row: dict[str, Any] | None,
            stored: dict[str, dict[str, Any]], rules: SiteRules | None,
            result: ReextractResult) -> dict[str, Any] | None:
    """One post as the crawl's pipelines make it: merge, then the canonical URL."""
    known = stored.get(url_key(canonical_url(entry.url)))
    page: dict[str, Any] | None = None
    status: int | None = None
    fetched_at: str | None = None
    capture = _capture(locator, page_row, result) if page_row else None
    text = decoded_html(capture) if capture else None
    if capture is not None and text is not None and page_row is not None:
        page = to_dict(_parse_post(text, capture.url, rules))
        status, fetched_at = capture.status, page_row["fetched_at"]
    elif known and known["page_status"] == 200:
        result.without_capture += 1
        return None
    elif known:
        status = known["page_status"]  # fetched and failed, or never fetched (off-site): the listing's view
    record = to_dict(merge_post(to_dict(entry), page, status))
    record["listing_url"] = listing_url
    record["listing_hash"] = listing_hash(entry)
    record["page_fetched_at"] = (known or {}).get("page_fetched_at") or fetched_at
    record["url"] = canonical_url(record["url"])
    record["url_key"] = url_key(record["url"])
    result.posts += 1
    return record


def _save(archive: Archive, batch: list[dict[str, Any]], crawl_id: int, result: ReextractResult) -> None:
    if not batch:
        return
    changed = store.changed_posts(archive, batch)
    result.unchanged += len(batch) - len(changed)
    new, updated = archive.save_posts(changed, crawl_id)
    result.new += new
    result.updated += updated


def _capture(locator: WarcLocator, row: dict[str, Any], result: ReextractResult) -> Capture | None:
    try:
        return read_capture(locator.path(row["warc_file"]), row["warc_offset"])
    except WarcNotFoundError:
        if row["warc_file"] not in result.missing_files:
            result.missing_files.append(row["warc_file"])
        return None


def _parse_listing(text: str, url: str, rules: SiteRules | None, layout: str | None) -> Listing:
    if rules and rules.listing:
        return parse_listing_with_rules(text, url, rules, layout_hint=layout)
    return parse_listing(text, url, layout_hint=layout)


def _parse_post(text: str, url: str, rules: SiteRules | None):
    if rules and rules.post:
        return parse_post_with_rules(text, url, rules)
    return parse_post(text, url)


def decoded_html(capture: Capture) -> str | None:
    """The capture's body as text, decoded as the spider decodes a response; None when it is not HTML."""
    content_type = (capture.header("Content-Type") or "").lower()
    if content_type and not any(t in content_type for t in HTML_CONTENT_TYPES):
        return None
    declared = None
    if "charset=" in content_type:
        declared = content_type.split("charset=", 1)[1].split(";")[0].strip().strip("\"'")
    text, _encoding = decode_html(capture.body, declared)
    return text
