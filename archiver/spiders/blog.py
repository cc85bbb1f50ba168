"""The blog spider: crawl listing pages and their pagination, then each post's own page.

Crawling decisions only: what to fetch next and when to stop. What a page says is extract/'s job; what is kept
is the pipelines' job.
"""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import scrapy
from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadCancelledError,
    DownloadConnectionRefusedError,
    DownloadTimeoutError,
    ResponseDataLossError,
)
from scrapy.http import Response
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.internet.error import (
    ConnectionRefusedError,
    DNSLookupError,
    TCPTimedOutError,
    TimeoutError,
)
from twisted.python.failure import Failure

from archiver.extract.encoding import decode_html
from archiver.extract.listing import parse_listing
from archiver.extract.model import ListingEntry, to_dict
from archiver.extract.overrides import SiteRules, load_rules, parse_listing_with_rules, parse_post_with_rules
from archiver.extract.post import parse_post
from archiver.extract.urls import blog_root, in_scope, url_key
from archiver.items import ErrorItem, PageItem, PostItem, SiteItem

# Posts go before further listing pages so the request queue holds one page's posts, not the whole blog's.
POST_PRIORITY = 10
LISTING_PRIORITY = 0
HTML_CONTENT_TYPES = ("text/html", "application/xhtml+xml")


@dataclass
class SiteState:
    """What the spider remembers about one blog while crawling it."""

    start_url: str
    root: str = ""
    listing_keys: set[str] = field(default_factory=set)  # listing pages requested
    entry_sets: dict[frozenset[str], str] = field(default_factory=dict)  # entries of a page -> that page's URL
    post_keys: set[str] = field(default_factory=set)
    listing_pages: int = 0
    posts_found: int = 0
    failure: str | None = None  # why the whole site failed, when it did
    warnings: list[str] = field(default_factory=list)


class BlogSpider(scrapy.Spider):
    """Crawl one or more blogs from their home (or any listing) page."""

    name = "blog"

    def __init__(
        self,
        url: str | None = None,
        urls: Iterable[str] | str | None = None,
        rules: SiteRules | str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        if isinstance(rules, str):  # `scrapy crawl blog -a rules=FILE`
            with open(rules, encoding="utf-8") as file:
                rules = load_rules(file.read())
        self.rules: SiteRules | None = rules
        start: list[str] = []
        if url:
            start.append(url)
        if isinstance(urls, str):
            start.extend(u for u in urls.split(",") if u)
        elif urls:
            start.extend(urls)
        if not start:
            raise ValueError("give the blog's URL: scrapy crawl blog -a url=https://example.com/")
        self.sites: dict[str, SiteState] = {u: SiteState(start_url=u) for u in start}

    # -- start ---------------------------------------------------------------------------------------------

    async def start(self) -> AsyncIterator[Any]:
        for start_url, state in self.sites.items():
            state.listing_keys.add(url_key(start_url))
            yield scrapy.Request(
                start_url,
                callback=self.parse_listing_page,
                errback=self.listing_failed,
                cb_kwargs={"state": state},
                priority=LISTING_PRIORITY,
                dont_filter=True,
            )

    # -- listing pages -------------------------------------------------------------------------------------

    def parse_listing_page(self, response: Response, state: SiteState) -> Iterable[Any]:
        """Archive the entries of a listing page and follow its pagination."""
        is_start = not state.root
        text, encoding = self._decode(response)
        if text is None:
            yield from self._not_html(response, state, is_start)
            return
        if self.rules and self.rules.listing:
            listing = parse_listing_with_rules(text, response.url, self.rules)
        else:
            listing = parse_listing(text, response.url)
        if is_start:
            state.root = blog_root(state.start_url, listing.site_root)
            yield SiteItem(
                root=state.root,
                title=listing.site_title,
                engine=listing.engine,
                theme=listing.theme,
                lang=listing.lang,
                feeds=listing.feeds,
            )
        state.listing_pages += 1
        yield self._page_item(response, state, "listing", encoding)

        entries = [e for e in listing.entries if e.url]
        if not entries:
            message = "no recognizable post list on this page"
            if is_start:
                state.failure = f"{response.url}: {message}"
            yield ErrorItem(state.root, response.url, "no-posts", message, response.status)
            return

        entry_keys = frozenset(url_key(e.url) for e in entries)
        if entry_keys in state.entry_sets:
            earlier = state.entry_sets[entry_keys]
            message = f"pagination loop: same posts as {earlier}; not following its links"
            state.warnings.append(message)
            yield ErrorItem(state.root, response.url, "pagination-loop", message, response.status)
            return
        state.entry_sets[entry_keys] = response.url

        yield from self._post_requests(entries, response.url, state)
        yield from self._next_listing_requests(listing.next_pages, response.url, state)

    def _post_requests(self, entries: list[ListingEntry], listing_url: str, state: SiteState) -> Iterable[Any]:
        fetch_posts = self.settings.getbool("ARCHIVER_FETCH_POSTS", True)
        for entry in entries:
            key = url_key(entry.url)
            if key in state.post_keys:
                continue  # a pinned post shown again, or the same post on two pages: its first entry wins
            state.post_keys.add(key)
            state.posts_found += 1
            if fetch_posts and in_scope(entry.url, state.root):
                yield scrapy.Request(
                    entry.url,
                    callback=self.parse_post_page,
                    errback=self.post_failed,
                    cb_kwargs={"state": state, "entry": entry, "listing_url": listing_url},
                    priority=POST_PRIORITY,
                )
            else:
                # Off-site posts are kept as the listing shows them; the crawl never leaves the blog.
                yield PostItem(root=state.root, entry=to_dict(entry), listing_url=listing_url)

    def _next_listing_requests(self, next_pages: list[str], listing_url: str, state: SiteState) -> Iterable[Any]:
        limit = self.settings.getint("ARCHIVER_MAX_LISTING_PAGES", 5000)
        for next_url in next_pages:
            key = url_key(next_url)
            if key in state.listing_keys or not in_scope(next_url, state.root):
                continue
            if len(state.listing_keys) >= limit:
                message = f"stopped after {limit} listing pages (ARCHIVER_MAX_LISTING_PAGES)"
                if message not in state.warnings:
                    state.warnings.append(message)
                    yield ErrorItem(state.root, next_url, "listing-limit", message)
                return
            state.listing_keys.add(key)
            yield scrapy.Request(
                next_url,
                callback=self.parse_listing_page,
                errback=self.listing_failed,
                cb_kwargs={"state": state},
                priority=LISTING_PRIORITY,
                headers={"Referer": listing_url},
            )

    def listing_failed(self, failure: Failure) -> Iterable[Any]:
        """A listing page could not be fetched: log it; a failed start page fails the whole blog."""
        request = failure.request
        state: SiteState = request.cb_kwargs["state"]
        kind, message, status = describe_failure(failure)
        if not state.root:
            state.failure = f"{request.url}: {message}"
        yield ErrorItem(state.root or None, request.url, kind, message, status)

    # -- post pages ----------------------------------------------------------------------------------------

    def parse_post_page(
        self, response: Response, state: SiteState, entry: ListingEntry, listing_url: str
    ) -> Iterable[Any]:
        """Extract the full record from a post's own page."""
        text, encoding = self._decode(response)
        if text is None:
            yield ErrorItem(state.root, response.url, "not-html", _not_html_message(response), response.status)
            yield PostItem(state.root, to_dict(entry), None, response.status, listing_url)
            return
        yield self._page_item(response, state, "post", encoding)
        if self.rules and self.rules.post:
            page = parse_post_with_rules(text, response.url, self.rules)
        else:
            page = parse_post(text, response.url)
        yield PostItem(state.root, to_dict(entry), to_dict(page), response.status, listing_url)

    def post_failed(self, failure: Failure) -> Iterable[Any]:
        """A post page could not be fetched: keep what its listing showed, and log the problem."""
        request = failure.request
        kwargs = request.cb_kwargs
        kind, message, status = describe_failure(failure)
        yield ErrorItem(kwargs["state"].root, request.url, kind, message, status)
        yield PostItem(kwargs["state"].root, to_dict(kwargs["entry"]), None, status, kwargs["listing_url"])

    # -- outcome -------------------------------------------------------------------------------------------

    def outcome(self) -> dict[str, Any]:
        """How the crawl went: status ok / partial / failed, and a one-line message saying why."""
        failed = [s for s in self.sites.values() if s.failure]
        found = sum(s.posts_found for s in self.sites.values())
        pages = sum(s.listing_pages for s in self.sites.values())
        if failed and len(failed) == len(self.sites):
            status = "failed"
            message = "; ".join(s.failure for s in failed if s.failure)
        elif failed:
            status = "partial"
            message = f"{len(failed)} of {len(self.sites)} blogs failed: " + "; ".join(
                s.failure for s in failed if s.failure
            )
        else:
            status = "ok"
            message = f"{found} posts found on {pages} listing pages"
        warnings = [w for s in self.sites.values() for w in s.warnings]
        if warnings and status != "failed":
            message += " (" + "; ".join(warnings[:3]) + ")"
        return {"status": status, "message": message, "posts_found": found, "listing_pages": pages}

    # -- helpers -------------------------------------------------------------------------------------------

    def _decode(self, response: Response) -> tuple[str | None, str | None]:
        content_type = response.headers.get(b"Content-Type", b"").decode("latin-1").lower()
        if content_type and not any(t in content_type for t in HTML_CONTENT_TYPES):
            return None, None
        declared = None
        if "charset=" in content_type:
            declared = content_type.split("charset=", 1)[1].split(";")[0].strip().strip("\"'")
        text, encoding = decode_html(response.body, declared)
        return text, encoding

    def _not_html(self, response: Response, state: SiteState, is_start: bool) -> Iterable[Any]:
        message = _not_html_message(response)
        if is_start:
            state.failure = f"{response.url}: {message}"
        yield ErrorItem(state.root or None, response.url, "not-html", message, response.status)

    def _page_item(self, response: Response, state: SiteState, kind: str, encoding: str | None) -> PageItem:
        headers = response.headers
        return PageItem(
            root=state.root,
            url=response.url,
            kind=kind,
            status=response.status,
            etag=_header(headers, b"ETag"),
            last_modified=_header(headers, b"Last-Modified"),
            content_hash=hashlib.sha256(response.body).hexdigest(),
            fetched_at=datetime.now(UTC).isoformat(timespec="seconds"),
            encoding=encoding,
        )


def _header(headers: Any, name: bytes) -> str | None:
    value = headers.get(name)
    return value.decode("latin-1") if value else None


def _not_html_message(response: Response) -> str:
    content_type = _header(response.headers, b"Content-Type") or "unknown"
    return f"not an HTML page (Content-Type: {content_type})"


def describe_failure(failure: Failure) -> tuple[str, str, int | None]:
    """(kind, one-line message, HTTP status) for a failed request."""
    if failure.check(HttpError):
        response = failure.value.response
        return "http-error", f"HTTP {response.status}", response.status
    if failure.check(DNSLookupError, CannotResolveHostError):
        return "unreachable", "host not found (DNS lookup failed)", None
    if failure.check(ConnectionRefusedError, DownloadConnectionRefusedError):
        return "unreachable", "connection refused", None
    if failure.check(TimeoutError, TCPTimedOutError, DownloadTimeoutError):
        return "timeout", "timed out", None
    if failure.check(DownloadCancelledError):
        return "too-large", "download cancelled (over DOWNLOAD_MAXSIZE?)", None
    if failure.check(ResponseDataLossError):
        return "truncated", "truncated response (connection closed before the end)", None
    name = failure.type.__name__ if failure.type else "Error"
    if name == "IgnoreRequest" and "robots" in str(failure.value).lower():
        return "robots", "forbidden by robots.txt", None
    if name == "IgnoreRequest":
        return "ignored", str(failure.value) or "request ignored", None
    return "error", f"{name}: {failure.getErrorMessage()}"[:300], None
