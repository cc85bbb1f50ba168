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


def listing_hash(entry: ListingEntry) -> str:
    """A fingerprint of what a listing shows of a post: a change is evidence that the post changed."""
    date = entry.published.iso if entry.published else ""
    text = "\x1f".join((entry.title or "", entry.excerpt or "", date))
    return hashlib.sha1(text.encode("utf-8")).hexdigest()
