"""What the spider hands to the pipelines: one dataclass per kind of fact a crawl learns."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class SiteItem:
    """A blog, as its start page describes it."""

    root: str  # the blog's home URL: the key that ties posts, pages and errors to the site
    title: str | None = None
    engine: str | None = None
    theme: str | None = None
    lang: str | None = None
    feeds: list[str] = field(default_factory=list)
    sitemaps: list[str] = field(default_factory=list)


@dataclass
class PostItem:
    """A post: its listing entry and, when it could be fetched, what its own page gave."""

    root: str
    entry: dict[str, Any]  # extract.model.ListingEntry as a dict
    page: dict[str, Any] | None = None  # extract.model.PostPage as a dict
    page_status: int | None = None
    listing_url: str | None = None
    listing_hash: str | None = None  # fingerprint of the listing entry (a later crawl compares it)
    page_fetched_at: str | None = None  # when the post page was fetched with a 200
    record: dict[str, Any] | None = None  # filled by the merge pipeline: extract.model.PostRecord as a dict


@dataclass
class SeenItem:
    """A known post a re-crawl saw unchanged (not re-fetched), or found gone (404/410 after a 200 before)."""

    root: str
    url_key: str
    removed: bool = False


@dataclass
class PageItem:
    """One fetched URL: what the crawl log and the per-URL validators keep."""

    root: str
    url: str
    kind: str  # "listing", "post", "feed", "sitemap"
    status: int
    etag: str | None = None
    last_modified: str | None = None
    content_hash: str | None = None
    fetched_at: str | None = None
    encoding: str | None = None
    outlinks: dict[str, Any] | None = None  # a listing page's post and next-page URLs, replayed on a 304
    warc_file: str | None = None  # the WARC file holding this response (name inside the WARC folder)
    warc_offset: int | None = None  # where its response record starts in that file
    # The redirects that led here (archiver.warc.capture.redirect_chain): the posts table knows a post by the URL
    # its listing linked, so each hop becomes a `redirect` row of pages pointing on (captures follow the chain).
    redirects: list[dict[str, Any]] | None = None


# ErrorItem kinds that are remarks, not problems: they travel as items (a distributed crawl's writer learns of
# them that way) and end up in the crawl's message and stats, never in crawl_errors or its error count.
REMARK_KINDS = frozenset({"listing-limit"})


@dataclass
class ErrorItem:
    """A problem with one URL; the crawl goes on."""

    root: str | None
    url: str
    kind: str  # "unreachable", "http-error", "timeout", "not-html", "no-posts", "pagination-loop", ...
    message: str
    status: int | None = None


@dataclass
class FeedItem:
    """What a blog's feed says of its posts: fills fields the listings and post pages left empty."""

    root: str
    url: str
    records: list[dict[str, Any]] = field(default_factory=list)  # extract.merge.feed_fill results
