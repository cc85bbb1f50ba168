"""The blog spider: crawl listing pages and their pagination, then each post's own page.

Crawling decisions only: what to fetch next and when to stop. What a page says is extract/'s job; what is kept
is the pipelines' job. On a re-crawl the spider also decides what NOT to fetch, from what earlier crawls
learned (the store pipeline hands it `memory`): listing pages are asked for conditionally and pagination stops
at the first page that did not change; a post is re-fetched only on evidence that it changed.
"""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urljoin

import scrapy
from scrapy import signals
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
from archiver.extract.feeds import feed_paths_to_try, parse_feed
from archiver.extract.listing import parse_listing
from archiver.extract.merge import feed_fill
from archiver.extract.model import Listing, ListingEntry, to_dict
from archiver.extract.overrides import SiteRules, load_rules, parse_listing_with_rules, parse_post_with_rules
from archiver.extract.post import parse_post
from archiver.extract.urls import blog_root, in_scope, url_key
from archiver.items import ErrorItem, FeedItem, PageItem, PostItem, SeenItem, SiteItem
from archiver.wording import plural

# Posts go before further listing pages so the request queue holds one page's posts, not the whole blog's.
POST_PRIORITY = 10
LISTING_PRIORITY = 0
HTML_CONTENT_TYPES = ("text/html", "application/xhtml+xml")
GONE_STATUSES = (404, 410)
FEED_PROBES = 4  # usual feed paths tried on a blog's first crawl when no page advertises a feed


@dataclass
class SiteState:
    """What the spider remembers about one blog while crawling it."""

    start_url: str
    root: str = ""
    layout: str | None = None  # the listing layout the start page used, a hint for further pages
    listing_keys: set[str] = field(default_factory=set)  # listing pages requested
    entry_sets: dict[frozenset[str], str] = field(default_factory=dict)  # entries of a page -> that page's URL
    post_keys: set[str] = field(default_factory=set)
    listing_pages: int = 0
    posts_found: int = 0
    entries_with_date: int = 0
    entries_with_title: int = 0
    posts_fetched: int = 0
    errors: int = 0
    complete: bool = True  # every listing page was read; False after an early stop, a 304 or a failure
    overlap_left: int = 0  # unchanged listing pages still to walk before stopping
    failure: str | None = None  # why the whole site failed, when it did
    notes: list[str] = field(default_factory=list)  # per-crawl remarks for the summary line (loops, limits)

    def __reduce__(self):
        # Requests carry their site in cb_kwargs; when they travel (Redis queue, JOBDIR) only the site's identity
        # goes along: the process that runs the callback counts into its own SiteState (BlogSpider._site).
        return (SiteState, (self.start_url, self.root, self.layout))


def listing_hash(entry: ListingEntry) -> str:
    """A fingerprint of what a listing shows of a post: a change is evidence that the post changed."""
    date = entry.published.iso if entry.published else ""
    text = "\x1f".join((entry.title or "", entry.excerpt or "", date))
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


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
        # What earlier crawls learned; the store pipeline fills it when the spider opens.
        self.memory: dict[str, Any] = {"pages": {}, "posts": {}, "complete": {}, "previous": {}}
        self.ran_to_end = False

    @classmethod
    def from_crawler(cls, crawler, *args: Any, **kwargs: Any) -> BlogSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        crawler.signals.connect(spider._idle, signal=signals.spider_idle)
        return spider

    def _idle(self) -> None:
        # Scrapy only signals idle when no request is left: the crawl ran to its end (not Ctrl-C, not a kill).
        self.ran_to_end = True

    @property
    def incremental(self) -> bool:
        return self.settings.getbool("ARCHIVER_INCREMENTAL", True)

    # -- start ---------------------------------------------------------------------------------------------

    async def start(self) -> AsyncIterator[Any]:
        for start_url, state in self.sites.items():
            key = url_key(start_url)
            state.listing_keys.add(key)
            state.overlap_left = self.settings.getint("ARCHIVER_PAGINATION_OVERLAP", 0)
            yield self._listing_request(start_url, state, conditional=self._last_crawl_complete(key))

    def _last_crawl_complete(self, start_key: str) -> bool:
        return self.incremental and bool(self.memory["complete"].get(start_key))

    def _listing_request(self, url: str, state: SiteState, *, conditional: bool, referer: str | None = None):
        headers = self._validators(url) if conditional else {}
        if referer:
            headers["Referer"] = referer
        return scrapy.Request(
            url,
            callback=self.parse_listing_page,
            errback=self.listing_failed,
            cb_kwargs={"state": state},
            priority=LISTING_PRIORITY,
            headers=headers,
            meta={"handle_httpstatus_list": [304]} if conditional else {},
            dont_filter=not state.root,
        )

    def _validators(self, url: str) -> dict[str, str]:
        page = self.memory["pages"].get(url_key(url))
        headers: dict[str, str] = {}
        if page and page.get("status") == 200:
            if page.get("etag"):
                headers["If-None-Match"] = page["etag"]
            if page.get("last_modified"):
                headers["If-Modified-Since"] = page["last_modified"]
        return headers

    # -- listing pages -------------------------------------------------------------------------------------

    def _site(self, state: SiteState) -> SiteState:
        """This spider's own state of the request's site (a request that came through a queue carries a copy)."""
        own = self.sites.get(state.start_url)
        if own is None:
            own = self.sites[state.start_url] = SiteState(state.start_url, root=state.root, layout=state.layout)
        elif not own.root and state.root:  # another worker read the start page
            own.root, own.layout = state.root, state.layout
        return own

    def parse_listing_page(self, response: Response, state: SiteState) -> Iterable[Any]:
        """Archive the entries of a listing page and follow its pagination."""
        state = self._site(state)
        if response.status == 304:
            yield from self._unchanged_listing_page(response, state)
            return
        is_start = not state.root
        text, encoding = self._decode(response)
        if text is None:
            yield from self._not_html(response, state, is_start)
            return
        try:
            listing = self._parse_listing(text, response.url, state)
        except Exception as error:  # hostile or broken HTML must not stop the crawl; the page is logged
            self.logger.exception("listing extraction failed on %s", response.url)
            listing = Listing(url=response.url)
            yield ErrorItem(state.root or None, response.url, "extract-error", f"{type(error).__name__}: {error}"[:300])
        if is_start:
            state.root = blog_root(state.start_url, listing.site_root)
            state.layout = listing.layout
            yield SiteItem(
                root=state.root,
                title=listing.site_title,
                engine=listing.engine,
                theme=listing.theme,
                lang=listing.lang,
                feeds=listing.feeds,
            )
            yield from self._feed_requests(listing.feeds, state)
        state.listing_pages += 1
        entries = [e for e in listing.entries if e.url]
        page = self._page_item(response, state, "listing", encoding)
        page.outlinks = {"root": state.root, "entries": [e.url for e in entries], "next": listing.next_pages}
        unchanged = self._last_crawl_complete(url_key(state.start_url)) and self._same_bytes(page)
        yield page

        if not entries:
            message = "no recognizable post list on this page"
            if is_start:
                state.failure = f"{response.url}: {message}"
            state.complete = False
            yield ErrorItem(state.root, response.url, "no-posts", message, response.status)
            return

        entry_keys = frozenset(url_key(e.url) for e in entries)
        earlier = state.entry_sets.get(entry_keys)
        # The same page again is not a loop: a request a distributed crawl gave back after a worker stalled.
        if earlier is not None and url_key(earlier) != url_key(response.url):
            message = f"pagination loop: same posts as {earlier}; not following its links"
            state.notes.append(message)
            yield ErrorItem(state.root, response.url, "pagination-loop", message, response.status)
            return
        state.entry_sets[entry_keys] = response.url

        fetched_before = state.posts_fetched
        yield from self._post_requests(entries, response.url, state)
        brought_nothing = state.posts_fetched == fetched_before
        if unchanged and brought_nothing and not self._keep_walking(state):
            return
        yield from self._next_listing_requests(listing.next_pages, response.url, state)

    @property
    def theme_rules(self) -> bool:
        return self.settings.getbool("ARCHIVER_THEME_RULES", True)

    def _parse_listing(self, text: str, url: str, state: SiteState) -> Listing:
        if self.rules and self.rules.listing:
            return parse_listing_with_rules(text, url, self.rules, layout_hint=state.layout,
                                            theme_rules=self.theme_rules)
        return parse_listing(text, url, layout_hint=state.layout, theme_rules=self.theme_rules)

    def _same_bytes(self, page: PageItem) -> bool:
        known = self.memory["pages"].get(url_key(page.url))
        return bool(known and known.get("content_hash") == page.content_hash)

    def _keep_walking(self, state: SiteState) -> bool:
        """After a listing page that brought nothing new: walk on only while the configured overlap lasts."""
        if state.overlap_left > 0:
            state.overlap_left -= 1
            return True
        state.complete = False
        return False

    def _unchanged_listing_page(self, response: Response, state: SiteState) -> Iterable[Any]:
        """A 304: the page is as the last crawl saw it; its posts are still listed, nothing to fetch."""
        state.listing_pages += 1
        known = self.memory["pages"].get(url_key(response.url)) or {}
        outlinks = known.get("outlinks") or {}
        if not state.root:
            state.root = outlinks.get("root") or blog_root(state.start_url)
            yield SiteItem(root=state.root)
            yield from self._feed_requests([], state)
        yield PageItem(root=state.root, url=response.url, kind="listing", status=304,
                       fetched_at=datetime.now(UTC).isoformat(timespec="seconds"))
        for post_url in outlinks.get("entries", []):
            key = url_key(post_url)
            if key not in state.post_keys:
                state.post_keys.add(key)
                state.posts_found += 1
                yield SeenItem(state.root, key)
        if self._keep_walking(state):
            for next_url in outlinks.get("next", []):
                key = url_key(next_url)
                if key not in state.listing_keys and in_scope(next_url, state.root):
                    state.listing_keys.add(key)
                    yield self._listing_request(next_url, state, conditional=True, referer=response.url)

    def _post_requests(self, entries: list[ListingEntry], listing_url: str, state: SiteState) -> Iterable[Any]:
        fetch_posts = self.settings.getbool("ARCHIVER_FETCH_POSTS", True)
        for entry in entries:
            key = url_key(entry.url)
            if key in state.post_keys:
                continue  # a pinned post shown again, or the same post on two pages: its first entry wins
            state.post_keys.add(key)
            state.posts_found += 1
            state.entries_with_date += entry.published is not None
            state.entries_with_title += bool(entry.title)
            entry_hash = listing_hash(entry)
            if self.incremental and self._unchanged_post(key, entry_hash):
                yield SeenItem(state.root, key)
                continue
            state.posts_fetched += 1
            if fetch_posts and in_scope(entry.url, state.root):
                known = key in self.memory["posts"]
                yield scrapy.Request(
                    entry.url,
                    callback=self.parse_post_page,
                    errback=self.post_failed,
                    cb_kwargs={"state": state, "entry": entry, "listing_url": listing_url, "entry_hash": entry_hash},
                    priority=POST_PRIORITY,
                    headers=self._validators(entry.url) if known and self.incremental else {},
                    meta={"handle_httpstatus_list": [304]},
                )
            else:
                # Off-site posts are kept as the listing shows them; the crawl never leaves the blog.
                yield PostItem(root=state.root, entry=to_dict(entry), listing_url=listing_url, listing_hash=entry_hash)

    def _unchanged_post(self, key: str, entry_hash: str) -> bool:
        """A known post whose listing entry looks as before and whose page is not due for a revisit."""
        known = self.memory["posts"].get(key)
        if not known or known.get("listing_hash") != entry_hash or known.get("removed"):
            return False
        revisit_days = self.settings.getfloat("ARCHIVER_REVISIT_DAYS", 30)
        fetched_at = known.get("page_fetched_at")
        if revisit_days > 0 and fetched_at:
            age = datetime.now(UTC) - datetime.fromisoformat(fetched_at)
            if age > timedelta(days=revisit_days):
                return False
        return True

    def _next_listing_requests(self, next_pages: list[str], listing_url: str, state: SiteState) -> Iterable[Any]:
        limit = self.settings.getint("ARCHIVER_MAX_LISTING_PAGES", 50_000)
        conditional = self._last_crawl_complete(url_key(state.start_url))
        for next_url in next_pages:
            key = url_key(next_url)
            if key in state.listing_keys or not in_scope(next_url, state.root):
                continue
            if len(state.listing_keys) >= limit:
                message = f"stopped after {limit} listing pages (ARCHIVER_MAX_LISTING_PAGES)"
                state.complete = False
                if message not in state.notes:
                    state.notes.append(message)
                    yield ErrorItem(state.root, next_url, "listing-limit", message)
                return
            state.listing_keys.add(key)
            yield self._listing_request(next_url, state, conditional=conditional, referer=listing_url)

    def listing_failed(self, failure: Failure) -> Iterable[Any]:
        """A listing page could not be fetched: log it; a failed start page fails the whole blog."""
        request = failure.request
        state = self._site(request.cb_kwargs["state"])
        kind, message, status = describe_failure(failure)
        state.complete = False
        state.errors += 1
        if not state.root:
            state.failure = f"{request.url}: {message}"
        yield ErrorItem(state.root or None, request.url, kind, message, status)

    # -- post pages ----------------------------------------------------------------------------------------

    def parse_post_page(
        self, response: Response, state: SiteState, entry: ListingEntry, listing_url: str, entry_hash: str
    ) -> Iterable[Any]:
        """Extract the full record from a post's own page."""
        state = self._site(state)
        if response.status == 304:
            yield SeenItem(state.root, url_key(entry.url))
            return
        text, encoding = self._decode(response)
        if text is None:
            state.errors += 1
            yield ErrorItem(state.root, response.url, "not-html", _not_html_message(response), response.status)
            yield PostItem(state.root, to_dict(entry), None, response.status, listing_url, listing_hash=entry_hash)
            return
        yield self._page_item(response, state, "post", encoding)
        try:
            if self.rules and self.rules.post:
                page = parse_post_with_rules(text, response.url, self.rules, theme_rules=self.theme_rules)
            else:
                page = parse_post(text, response.url, theme_rules=self.theme_rules)
        except Exception as error:  # keep what the listing showed, and say which page defeated extraction
            self.logger.exception("post extraction failed on %s", response.url)
            state.errors += 1
            message = f"{type(error).__name__}: {error}"[:300]
            yield ErrorItem(state.root, response.url, "extract-error", message, response.status)
            yield PostItem(state.root, to_dict(entry), None, response.status, listing_url, listing_hash=entry_hash)
            return
        yield PostItem(
            state.root, to_dict(entry), to_dict(page), response.status, listing_url,
            listing_hash=entry_hash, page_fetched_at=datetime.now(UTC).isoformat(timespec="seconds"),
        )

    def post_failed(self, failure: Failure) -> Iterable[Any]:
        """A post page could not be fetched: keep what its listing showed, and log the problem."""
        request = failure.request
        kwargs = request.cb_kwargs
        state = self._site(kwargs["state"])
        kind, message, status = describe_failure(failure)
        state.errors += 1
        yield ErrorItem(state.root, request.url, kind, message, status)
        yield PostItem(state.root, to_dict(kwargs["entry"]), None, status, kwargs["listing_url"],
                       listing_hash=kwargs["entry_hash"])
        key = url_key(request.url)
        known = self.memory["posts"].get(key)
        if status in GONE_STATUSES and known and known.get("page_status") == 200:
            yield SeenItem(state.root, key, removed=True)  # it existed before: now it is gone

    # -- feeds ---------------------------------------------------------------------------------------------

    def _feed_requests(self, advertised: list[str], state: SiteState) -> Iterable[Any]:
        """The blog's feed, to fill what listings and post pages leave empty: the one the page advertises or an
        earlier crawl found; on a blog's first crawl without either, the usual paths are tried (quietly)."""
        known = [key for key, page in self.memory["pages"].items()
                 if page.get("kind") == "feed" and page.get("status") in (200, 304)
                 and in_scope("http://" + key, state.root)]
        if advertised:
            candidates, probing = advertised[:1], False
        elif known:
            candidates, probing = [urljoin(state.root, "//" + known[0])], False
        elif url_key(state.start_url) not in self.memory["complete"]:
            candidates, probing = feed_paths_to_try(state.root)[:FEED_PROBES], True
        else:
            return
        for feed_url in candidates:
            if not in_scope(feed_url, state.root):
                continue
            yield scrapy.Request(
                feed_url,
                callback=self.parse_feed_page,
                errback=self.feed_failed,
                cb_kwargs={"state": state, "probing": probing},
                priority=POST_PRIORITY,
                headers=self._validators(feed_url) if self.incremental else {},
                meta={"handle_httpstatus_list": [304]},
            )

    def parse_feed_page(self, response: Response, state: SiteState, probing: bool) -> Iterable[Any]:
        """Parse a feed; its entries fill empty fields of the posts the listings found, at the end of the crawl."""
        state = self._site(state)
        if response.status == 304:
            return
        try:
            entries = parse_feed(response.body, response.url)
        except Exception as error:
            if not probing:
                yield ErrorItem(state.root, response.url, "feed-error", f"{type(error).__name__}: {error}"[:300])
            return
        if not entries:
            if not probing:
                yield ErrorItem(state.root, response.url, "feed-error", "no entries in the feed", response.status)
            return
        page = self._page_item(response, state, "feed", None)
        yield page
        yield SiteItem(root=state.root, feeds=[response.url])
        yield FeedItem(state.root, response.url, [feed_fill(entry) for entry in entries])

    def feed_failed(self, failure: Failure) -> Iterable[Any]:
        """A feed that could not be fetched: a row in the crawl log, unless we were only guessing its address."""
        request = failure.request
        if request.cb_kwargs.get("probing"):
            return
        kind, message, status = describe_failure(failure)
        yield ErrorItem(request.cb_kwargs["state"].root, request.url, kind, message, status)

    # -- outcome -------------------------------------------------------------------------------------------

    def site_stats(self) -> dict[str, dict[str, Any]]:
        """Per start URL: what this crawl saw, kept in crawls.stats for the next crawl to compare with."""
        stats = {}
        for start_url, state in self.sites.items():
            stats[url_key(start_url)] = {
                "start_url": start_url,
                "root": state.root,
                "complete": state.complete and self.ran_to_end and not state.failure,
                "listing_pages": state.listing_pages,
                "posts_found": state.posts_found,
                "entries_with_date": state.entries_with_date,
                "entries_with_title": state.entries_with_title,
                "posts_fetched": state.posts_fetched,
                "errors": state.errors,
                "notes": state.notes,
                "warnings": self._monitoring_warnings(start_url, state),
            }
        return stats

    def _monitoring_warnings(self, start_url: str, state: SiteState) -> list[str]:
        """Signs that a theme change broke extraction, from a comparison with the previous crawl."""
        previous = self.memory["previous"].get(url_key(start_url))
        if not previous or not previous.get("complete") or not (state.complete and self.ran_to_end):
            return []
        warnings = []
        before, now = previous.get("posts_found", 0), state.posts_found
        if before >= 10 and now < before / 2:
            warnings.append(f"far fewer posts on the listings than last time ({now} vs {before})")
        for field_name, label in (("entries_with_date", "dates"), ("entries_with_title", "titles")):
            share_before = previous.get(field_name, 0) / before if before else 0
            share_now = getattr(state, field_name) / now if now else 0
            if share_before >= 0.8 and share_now < 0.5:
                warnings.append(f"{label} missing on most listing entries (was {share_before:.0%}, now {share_now:.0%})")
        errors_before = previous.get("errors", 0)
        if state.errors >= 5 and state.errors > 3 * errors_before:
            warnings.append(f"errors jumped ({state.errors} vs {errors_before} last time)")
        return warnings

    def outcome(self) -> dict[str, Any]:
        """How the crawl went: status ok / partial / failed, and a one-line message saying why."""
        failed = [s for s in self.sites.values() if s.failure]
        found = sum(s.posts_found for s in self.sites.values())
        pages = sum(s.listing_pages for s in self.sites.values())
        site_stats = self.site_stats()
        warnings = [w for stats in site_stats.values() for w in stats["warnings"]]
        notes = [n for stats in site_stats.values() for n in stats["notes"]]
        if failed and len(failed) == len(self.sites):
            status = "failed"
            message = "; ".join(s.failure for s in failed if s.failure)
        elif failed:
            status = "partial"
            message = f"{len(failed)} of {plural(len(self.sites), 'blog')} failed: " + "; ".join(
                s.failure for s in failed if s.failure
            )
        elif not self.ran_to_end:
            status = "partial"
            message = (f"interrupted after {plural(found, 'post')} on {plural(pages, 'listing page')}; "
                       "run the same command to go on")
        else:
            status = "ok"
            message = f"{plural(found, 'post')} found on {plural(pages, 'listing page')}"
        if (warnings or notes) and status != "failed":
            message += " (" + "; ".join((warnings + notes)[:3]) + ")"
        return {
            "status": status,
            "message": message,
            "posts_found": found,
            "listing_pages": pages,
            "warnings": warnings,
            "sites": site_stats,
        }

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
        state.errors += 1
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
            warc_file=response.meta.get("warc_file"),  # where archiver.warc.capture wrote the raw response
            warc_offset=response.meta.get("warc_offset"),
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
