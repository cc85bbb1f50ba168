"""What earlier crawls learned, as the crawl core reads it: looked up per URL and per blog when needed, never
loaded whole (an archive of 200,000 posts costs a crawl of one blog nothing up front).

`CrawlMemory` is the interface; archiver.store implements it over the archive (indexed lookups), `NoMemory` is
the memory of a crawl that asks for everything (a full crawl, a distributed worker without an archive).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Protocol


@dataclass(frozen=True, slots=True)
class KnownPage:
    """A URL an earlier crawl fetched: its last status and validators, and a listing page's links."""

    kind: str
    status: int | None
    etag: str | None = None
    last_modified: str | None = None
    content_hash: str | None = None
    outlinks: dict[str, Any] | None = None  # {"root", "entries", "next"} of a listing page

    def validators(self) -> dict[str, str]:
        """Headers for a conditional request: a page last answered with a 200 (or a 304 confirming one) has
        validators worth sending."""
        headers: dict[str, str] = {}
        if self.status in (200, 304):
            if self.etag:
                headers["If-None-Match"] = self.etag
            if self.last_modified:
                headers["If-Modified-Since"] = self.last_modified
        return headers


@dataclass(frozen=True, slots=True)
class KnownPost:
    """A post the archive holds, as a re-crawl needs it to decide whether to fetch it again."""

    listing_hash: str | None
    page_fetched_at: str | None
    page_status: int | None
    removed: bool = False


@dataclass(frozen=True, slots=True)
class LastCrawl:
    """The newest earlier crawl of a start URL: whether it walked the whole blog, and what it counted."""

    complete: bool  # it walked the whole blog
    stats: dict[str, Any] | None = None  # that crawl's per-blog stats (for monitoring), None if it never finished
    up_to_date: bool = False  # it left the archive holding the blog as it was (complete, or stopped unchanged)


class CrawlMemory(Protocol):
    """Read access to what earlier crawls learned."""

    def page(self, key: str) -> KnownPage | None:
        """The fetched page with this url_key."""
        ...

    def posts(self, keys: Iterable[str]) -> dict[str, KnownPost]:
        """The archived posts among these url_keys."""
        ...

    def last_crawl(self, start_url: str) -> LastCrawl | None:
        """The newest earlier crawl started from this URL (None: never crawled)."""
        ...

    def feed_urls(self, root: str) -> list[str]:
        """Feeds of the blog at `root` that earlier crawls fetched."""
        ...

    def archived_images(self, urls: Iterable[str]) -> set[str]:
        """The image URLs among `urls` whose image the archive already holds."""
        ...


class NoMemory:
    """The memory of a crawl that remembers nothing."""

    def page(self, key: str) -> KnownPage | None:
        return None

    def posts(self, keys: Iterable[str]) -> dict[str, KnownPost]:
        return {}

    def last_crawl(self, start_url: str) -> LastCrawl | None:
        return None

    def feed_urls(self, root: str) -> list[str]:
        return []

    def archived_images(self, urls: Iterable[str]) -> set[str]:
        return set()
