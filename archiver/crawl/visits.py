"""What the crawl asks for and why: one small typed value per request, carried by the request and handed back
with its answer. A new kind of request (a sitemap, an archive page, an image) is a new Visit subclass with its
own `kind` and `priority`, and a reader for its answer; nothing else needs to know about it.

Visits are plain data (they travel pickled in Scrapy's disk queues and the distributed Redis queue), so they
carry the little a process that never saw the blog's start page needs: the blog's identity and home, and for
listing pages the layout the start page used.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import ClassVar

from archiver.extract.model import ListingEntry


@dataclass(slots=True, kw_only=True)
class Visit:
    """A URL to fetch for a blog."""

    kind: ClassVar[str] = "page"
    priority: ClassVar[int] = 0  # Scrapy request priority: higher goes first

    url: str
    blog: str  # the start URL the blog's crawl was given: which crawl this request belongs to
    root: str = ""  # the blog's home (its scope), once the start page was read; "" on the start page itself
    conditional: bool = False  # ask with the validators (ETag, Last-Modified) the archive remembers


@dataclass(slots=True, kw_only=True)
class ListingVisit(Visit):
    """A listing page: the start page (root == "") or one of its pagination pages."""

    kind: ClassVar[str] = "listing"
    priority: ClassVar[int] = 0
    layout: str | None = None  # the entry layout the blog's start page used: a hint for this page

    @property
    def is_start(self) -> bool:
        return not self.root


@dataclass(slots=True, kw_only=True)
class PostVisit(Visit):
    """A post's own page, for the post a listing showed as `entry`."""

    kind: ClassVar[str] = "post"
    # Posts go before further listing pages so the request queue holds one page's posts, not the whole blog's.
    priority: ClassVar[int] = 10
    entry: ListingEntry
    listing_url: str
    entry_hash: str


@dataclass(slots=True, kw_only=True)
class FeedVisit(Visit):
    """The blog's feed: it fills what listings and post pages leave empty."""

    kind: ClassVar[str] = "feed"
    priority: ClassVar[int] = 10
    probing: bool = False  # a usual feed path tried on a hunch: its failure is no problem worth logging


@dataclass(slots=True, kw_only=True)
class ImageVisit(Visit):
    """An image a post's body shows, asked for after the post's page was read (on any host)."""

    kind: ClassVar[str] = "image"
    # After the posts of the listing page being read, before further listing pages: the queue stays short.
    priority: ClassVar[int] = 5
    post_url: str  # the page that shows it (sent as Referer, as a browser would)


@dataclass(slots=True, kw_only=True)
class ProbeVisit(ListingVisit):
    """A page that may hold the blog's list of posts (a menu's "Blog" or "Archive", a year archive, the home of the
    post page the crawl was handed): read as a listing, and walked as one only when it lists posts."""

    kind: ClassVar[str] = "probe"
    priority: ClassVar[int] = 5  # before further listing pages: where the list is decides what to walk
    # "start": the start page lists no posts; "more": it shows only a few, without pagination; "seek": the feed or
    # the sitemap name posts no listing reached; "known": a list an earlier crawl found this way
    purpose: str = "start"


@dataclass(slots=True, kw_only=True)
class SitemapVisit(Visit):
    """A sitemap (or sitemap index): evidence of the posts a blog has, and of when each last changed."""

    kind: ClassVar[str] = "sitemap"
    priority: ClassVar[int] = 10
    probing: bool = False  # a usual sitemap path tried on a hunch: its failure is no problem worth logging
    depth: int = 0  # 0: a top sitemap; 1+: named by a sitemap index


@dataclass(slots=True, kw_only=True)
class FoundPostVisit(PostVisit):
    """A post the feed or sitemap named that no listing reached: kept only when its page reads as a post."""

    kind: ClassVar[str] = "found"
    priority: ClassVar[int] = 10
    via: str = "feed"  # "feed" or "sitemap": what named it (said in the post's extracted_by)


@dataclass(slots=True, kw_only=True)
class RefreshVisit(PostVisit):
    """An archived post whose sitemap lastmod is newer than the archive's copy: asked for again, conditionally."""

    kind: ClassVar[str] = "refresh"
    priority: ClassVar[int] = 10


def listing_hash(entry: ListingEntry) -> str:
    """A fingerprint of what a listing shows of a post: a change is evidence that the post changed."""
    date = entry.published.iso if entry.published else ""
    text = "\x1f".join((entry.title or "", entry.excerpt or "", date))
    return hashlib.sha1(text.encode("utf-8")).hexdigest()
