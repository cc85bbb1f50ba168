"""The writer's view of a distributed crawl: per-blog counts folded from the items, not from any worker's memory.

Each worker only sees the pages it fetched, so the crawl's outcome (the same status, one-line message and exit
code as a one-process crawl) is rebuilt from what every worker sent. The counts go into BlogSpider's own
SiteState objects so that BlogSpider.outcome() words the result exactly like `archiver crawl`.
"""

from __future__ import annotations

from typing import Any

from archiver.extract.urls import url_key
from archiver.items import ErrorItem, PageItem, PostItem, SeenItem, SiteItem
from archiver.spiders.blog import BlogSpider, SiteState

# Error kinds that are remarks on the crawl, not failed URLs (BlogSpider does not count them in state.errors).
NOTE_KINDS = ("pagination-loop", "listing-limit")


class CrawlTally:
    """Fold items (site start URL, item) into per-blog SiteState counts; `outcome()` as BlogSpider words it."""

    def __init__(self, spider: BlogSpider) -> None:
        self.spider = spider
        self.start_page_keys: dict[str, str] = {}  # start URL -> url_key of the page that gave the SiteItem
        self.awaiting_start_page: set[str] = set()
        self.failed_urls: dict[str, set[str]] = {}  # start URL -> url_keys of failed non-post URLs (so far)

    def state(self, site: str) -> SiteState:
        """The SiteState of the blog started at `site` (a blog not given at the start is added)."""
        return self.spider._site(SiteState(site))

    def add(self, site: str, item: Any) -> None:
        """Count one item."""
        state = self.state(site)
        if isinstance(item, SiteItem):
            state.root = state.root or item.root
            self.awaiting_start_page.add(site)
        elif isinstance(item, PageItem) and item.kind == "listing":
            key = url_key(item.url)
            if site in self.awaiting_start_page:  # the start page's items arrive together, SiteItem first
                self.awaiting_start_page.discard(site)
                self.start_page_keys[site] = key
            if key not in state.listing_keys:
                state.listing_keys.add(key)
                state.listing_pages += 1
        elif isinstance(item, PostItem):
            self._count_post(state, item.entry.get("url") or "", item.entry)
        elif isinstance(item, SeenItem):
            self._count_post(state, item.url_key, None)
        elif isinstance(item, ErrorItem):
            self._count_error(site, state, item)

    def _count_post(self, state: SiteState, url: str, entry: dict[str, Any] | None) -> None:
        key = url_key(url) if "://" in url else url
        if key in state.post_keys:
            return
        state.post_keys.add(key)
        state.posts_found += 1
        if entry is not None:
            state.posts_fetched += 1
            state.entries_with_date += entry.get("published") is not None
            state.entries_with_title += bool(entry.get("title"))

    def _count_error(self, site: str, state: SiteState, item: ErrorItem) -> None:
        if item.kind in NOTE_KINDS:
            if item.kind == "listing-limit":
                state.complete = False
            if item.message not in state.notes:
                state.notes.append(item.message)
            return
        if item.kind == "no-posts":
            state.complete = False
            if self.start_page_keys.get(site) == url_key(item.url):
                state.failure = f"{item.url}: {item.message}"
            return
        state.errors += 1
        if item.root is None:  # the start page itself failed: BlogSpider had no root yet
            state.failure = f"{item.url}: {item.message}"
        self.failed_urls.setdefault(site, set()).add(url_key(item.url))

    def outcome(self, ran_to_end: bool) -> dict[str, Any]:
        """BlogSpider.outcome() over the folded counts."""
        for site, failed in self.failed_urls.items():
            state = self.state(site)
            if failed - state.post_keys:  # a listing page failed: the walk of that blog is incomplete
                state.complete = False
        self.spider.ran_to_end = ran_to_end
        return self.spider.outcome()
