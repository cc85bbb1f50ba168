"""The blog spider: crawl listing pages and their pagination, then each post's own page.

Crawling decisions only: what to fetch next and when to stop. What an answer means is the crawl core's job
(archiver.crawl: decoding, extraction, merge, canonical URLs, records); what is kept is the pipelines' job. On a
re-crawl the spider also decides what NOT to fetch, from what earlier crawls learned (the crawl state's memory):
listing pages are asked for conditionally and pagination stops at the first page that did not change; a post is
re-fetched only on evidence that it changed.

Every request carries a Visit (archiver.crawl.visits): what it asks for and why. Its answer goes to the
handler of its kind in `handlers`; a new kind of request adds a Visit subclass and a row there.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import AsyncIterator, Callable, Iterable
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar

import scrapy
from scrapy import signals
from scrapy.exceptions import (
    DontCloseSpider,
    DownloadCancelledError,
    DownloadConnectionRefusedError,
    DownloadTimeoutError,
    ResponseDataLossError,
)
from scrapy.http import Response
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.internet import task
from twisted.internet.error import (
    ConnectionRefusedError,
    TCPTimedOutError,
    TimeoutError,
)
from twisted.python.failure import Failure

from archiver.crawl import images
from archiver.crawl.discovery import WALK_KINDS
from archiver.crawl.fetched import Fetched, Problem
from archiver.crawl.memory import KnownPost
from archiver.crawl.records import DroppedItem, ErrorItem, Listed, ListedItem, PostImagesItem, WalkItem
from archiver.crawl.state import Blog, BlogSpec, BlogWalk, CrawlState
from archiver.crawl.visits import FeedVisit, ImageVisit, ListingVisit, PostVisit, Visit, listing_hash
from archiver.extract.feeds import feed_paths_to_try
from archiver.extract.model import ListingEntry
from archiver.extract.overrides import SiteRules, load_rules
from archiver.extract.urls import in_scope, url_key
from archiver.spiders import signals as blog_signals
from archiver.spiders.discovery import Discovering
from archiver.spiders.unreachable import NOT_RESOLVED, HostUnreachable
from archiver.warc.capture import META_DEDUPE, redirect_chain

FEED_PROBES = 4  # usual feed paths tried on a blog's first crawl when no page advertises a feed
VISIT = "visit"  # the cb_kwargs name a request's Visit travels under
FINISH_CHECK_SECONDS = 0.2  # how often blogs with nothing left to do are looked for

log = logging.getLogger(__name__)


class BlogSpider(Discovering, scrapy.Spider):
    """Crawl one or more blogs from their home (or any listing) page."""

    name = "blog"

    # Visit kind -> (its answer's handler, its failure's handler): spider methods taking (fetched or problem,
    # visit, blog) and returning records and further requests.
    handlers: ClassVar[dict[str, tuple[str, str]]] = {
        "listing": ("read_listing", "listing_failed"),
        "post": ("read_post", "post_failed"),
        "feed": ("read_feed", "feed_failed"),
        "image": ("read_image", "image_failed"),
        # archiver.spiders.discovery: where the list is, what the sitemap and feed name, lastmod re-fetches
        "probe": ("read_probe", "probe_failed"),
        "sitemap": ("read_sitemap", "sitemap_failed"),
        "found": ("read_found", "found_failed"),
        "refresh": ("read_refresh", "refresh_failed"),
    }

    # Whether this spider knows when each of its blogs is done (every request answered) and finishes it then.
    # A distributed worker does not: the blogs' requests are spread over every worker, the writer finishes them.
    tracks_blogs: ClassVar[bool] = True

    def __init__(
        self,
        url: str | None = None,
        urls: Iterable[str] | str | None = None,
        rules: SiteRules | str | None = None,
        blogs: Iterable[BlogSpec] | None = None,
        keep_open: bool = False,
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
        specs = {spec.start_url: spec for spec in [BlogSpec(u, rules) for u in start] + list(blogs or ())}
        if not specs and not keep_open:
            raise ValueError("give the blog's URL: scrapy crawl blog -a url=https://example.com/")
        self.queue: deque[BlogSpec] = deque(specs.values())  # blogs waiting for their turn
        self.start_list = list(specs)
        self.keep_open = keep_open  # wait for more blogs (add_blogs) instead of closing when all are done
        self.active: dict[str, Blog] = {}  # blogs being crawled, by start URL
        self.blogs_in_flight = 1
        self.state = CrawlState()  # replaced by the crawler's own in from_crawler
        self.robots: dict[str, Any] = {}  # netloc -> its robots.txt parser (archiver.spiders.discovery)
        self.robots_agent = self.name
        self._wake: asyncio.Event | None = None
        self._finisher: task.LoopingCall | None = None

    @classmethod
    def from_crawler(cls, crawler, *args: Any, **kwargs: Any) -> BlogSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.state = CrawlState.of(crawler)
        spider.blogs_in_flight = max(1, crawler.settings.getint("ARCHIVER_BLOGS_IN_FLIGHT"))
        for spec in spider.queue:  # known with their rules, also to a process that only answers their requests
            spider.state.add_blog(spec)
        crawler.signals.connect(spider._idle, signal=signals.spider_idle)
        crawler.signals.connect(spider._dropped, signal=signals.request_dropped)
        crawler.signals.connect(spider._received, signal=signals.response_received)
        crawler.signals.connect(spider.robots_parsed, signal=signals.robots_parsed)
        spider.robots_agent = crawler.settings.get("ROBOTSTXT_USER_AGENT") or crawler.settings.get("USER_AGENT") or ""
        if cls.tracks_blogs:
            crawler.signals.connect(spider._opened, signal=signals.spider_opened)
            crawler.signals.connect(spider._closed, signal=signals.spider_closed)
        return spider

    # -- blogs: started in turn, finished when every request they made was answered ----------------------

    def add_blogs(self, specs: Iterable[BlogSpec]) -> int:
        """Queue more blogs (a long-running crawl: `keep_open`); a blog being crawled is not queued again.
        Returns how many were queued."""
        waiting = {spec.start_url for spec in self.queue}
        fresh = [spec for spec in specs if spec.start_url not in self.active and spec.start_url not in waiting]
        self.queue.extend(fresh)
        self._notify()
        return len(fresh)

    def _notify(self) -> None:
        if self._wake is not None:
            self._wake.set()

    async def _wait(self) -> None:
        if self._wake is None:
            self._wake = asyncio.Event()
        await self._wake.wait()
        self._wake.clear()

    def begin(self, spec: BlogSpec) -> Blog:
        """Start crawling a blog: its crawls row is made (blog_started), then its start page is asked for."""
        blog = self.state.add_blog(spec)
        blog.started = True
        self.active[blog.start_url] = blog
        self.crawler.signals.send_catch_log(signal=blog_signals.blog_started, blog=blog)
        return blog

    def finish(self, blog: Blog, *, ran_to_end: bool) -> None:
        """A blog is done: its ledger is settled and its crawls row finished (blog_finished)."""
        if blog.finished or self.active.get(blog.start_url) is not blog:
            return
        del self.active[blog.start_url]
        blog.ran_to_end = ran_to_end
        self.crawler.signals.send_catch_log(signal=blog_signals.blog_finished, blog=blog)
        blog.walk = BlogWalk()  # what it walked is no longer needed; its tally stays for the summary
        self._notify()

    def _opened(self, spider: Any = None) -> None:
        self._finisher = task.LoopingCall(self._finish_done_blogs)
        self._finisher.start(FINISH_CHECK_SECONDS, now=False)

    def _closed(self, spider: Any = None, reason: str = "") -> None:
        if self._finisher is not None and self._finisher.running:
            self._finisher.stop()

    def _finish_done_blogs(self) -> None:
        """Finish each blog that has nothing asked for, nothing downloading and no answer being processed."""
        if not self.active:
            return
        scraper_slot = getattr(self.crawler.engine.scraper, "slot", None) if self.crawler.engine else None
        busy = {visit.blog for request in (scraper_slot.active if scraper_slot else ())
                if (visit := request.cb_kwargs.get(VISIT)) is not None}
        for blog in list(self.active.values()):
            if blog.pending <= 0 and blog.start_url not in busy:
                self.finish(blog, ran_to_end=True)

    def _idle(self) -> None:
        # Scrapy only signals idle when no request is left: every blog still open ran to its end.
        for blog in list(self.active.values()):
            self.finish(blog, ran_to_end=True)
        if self.keep_open:
            raise DontCloseSpider

    def _dropped(self, request: scrapy.Request, spider: Any = None) -> None:
        """A request the scheduler refused (its duplicate filter): nothing more will come of it; a listed post
        must still end as a row."""
        visit = request.cb_kwargs.get(VISIT)
        if visit is not None:
            self.state.blog(visit.blog).pending -= 1
        record = dropped_record(request)
        if record is not None:
            self.state.take(record)
        if visit is not None and visit.kind in WALK_KINDS and self.discovers_after_walk:  # the walk skips the filter
            self.state.blog(visit.blog).walk.discovery.open -= 1
            log.warning("request %s dropped: discovery for its blog may stop short", request.url)

    def _received(self, response: Response, request: scrapy.Request, spider: Any = None) -> None:
        visit = request.cb_kwargs.get(VISIT)
        if visit is not None:
            self.state.blog(visit.blog).responses += 1

    @property
    def incremental(self) -> bool:
        return self.state.options.incremental

    # -- requests ----------------------------------------------------------------------------------------

    async def start(self) -> AsyncIterator[Any]:
        """Start pages, a blog at a time as ARCHIVER_BLOGS_IN_FLIGHT allows; with keep_open, forever."""
        while True:
            while self.queue:
                while self.tracks_blogs and len(self.active) >= self.blogs_in_flight:
                    await self._wait()
                spec = self.queue.popleft()
                if spec.start_url in self.active:
                    continue
                request = self.start_request(self.begin(spec))
                self.state.blog(spec.start_url).pending += 1
                yield request
            if not self.keep_open:
                return
            await self._wait()

    def start_request(self, blog: Blog) -> scrapy.Request:
        """The request for a blog's start page (the archive's memory of the blog is looked up here)."""
        blog.last_crawl = self.state.memory.last_crawl(blog.start_url)
        blog.walk.conditional = self.incremental and bool(blog.last_crawl and blog.last_crawl.up_to_date)
        blog.walk.listing_keys.add(url_key(blog.start_url))
        return self.request(ListingVisit(url=blog.start_url, blog=blog.start_url, conditional=blog.walk.conditional))

    def request(self, visit: Visit, *, referer: str | None = None) -> scrapy.Request:
        """The Scrapy request of a visit; its answer or failure comes back to the handlers of its kind."""
        self.count_request(visit)
        headers = self._validators(visit.url) if visit.conditional else {}
        if referer:
            headers["Referer"] = referer
        meta: dict[str, Any] = {}
        if visit.conditional or visit.kind != "listing":
            meta["handle_httpstatus_list"] = [304]
        return scrapy.Request(
            visit.url,
            callback=self.on_response,
            errback=self.on_failure,
            cb_kwargs={VISIT: visit},
            priority=visit.priority,
            headers=headers,
            meta=meta,
            # The walk's own pages are asked for once per blog (listing_keys, the discovery's sets) even when another
            # blog of the crawl asked for them already: the answers the walk waits for must never be dropped. (In a
            # distributed crawl the shared duplicate filter is what keeps workers from asking twice.)
            dont_filter=(isinstance(visit, ListingVisit) and visit.is_start)
            or (self.discovers_after_walk and visit.kind in WALK_KINDS),
        )

    def _validators(self, url: str) -> dict[str, str]:
        known = self.state.memory.page(url_key(url))
        return known.validators() if known else {}

    # -- answers: one entry point, handlers by visit kind ------------------------------------------------

    def on_response(self, response: Response, visit: Visit) -> list[Any]:
        """Hand an answer to the handler of its visit's kind; a handler that raises is a failure of the URL."""
        blog = self.state.blog(visit.blog)
        fetched = fetched_of(response)
        try:
            output = list(self._handler(visit, 0)(fetched, visit, blog))
        except Exception as error:  # a bug must not lose the page's post: it becomes a logged failure
            log.exception("reading %s failed", response.url)
            output = self._failed(visit, blog, Problem("extract-error", f"{type(error).__name__}: {error}"[:300],
                                                       response.status))
        return self._answered(blog, output + self.after_answer(visit, blog))

    def on_failure(self, failure: Failure) -> list[Any]:
        """Hand a failed request to the failure handler of its visit's kind."""
        visit = failure.request.cb_kwargs[VISIT]
        blog = self.state.blog(visit.blog)
        return self._answered(blog, self._failed(visit, blog, describe_failure(failure)) + self.after_answer(visit, blog))

    def _answered(self, blog: Blog, output: list[Any]) -> list[Any]:
        """Count the requests the answer leads to before the answered one, so a blog is never seen with nothing
        pending while it still has work."""
        for result in output:
            if isinstance(result, scrapy.Request) and (visit := result.cb_kwargs.get(VISIT)) is not None:
                self.state.blog(visit.blog).pending += 1
        blog.pending -= 1
        return output

    def _failed(self, visit: Visit, blog: Blog, problem: Problem) -> list[Any]:
        try:
            records = list(self._handler(visit, 1)(problem, visit, blog))
        except Exception:
            log.exception("handling the failure of %s failed", visit.url)
            records = [ErrorItem(visit.blog, visit.root or None, visit.url, problem.kind, problem.message,
                                 problem.status)]
        if problem.kind == "robots":  # the closing line says what robots.txt kept the crawl from
            for record in records:
                if isinstance(record, ErrorItem) and record.kind == "robots":
                    record.wanted = robots_wanted(visit)
        return records

    def _handler(self, visit: Visit, which: int) -> Callable[..., Iterable[Any]]:
        return getattr(self, self.handlers[visit.kind][which])

    # -- listing pages -----------------------------------------------------------------------------------

    def read_listing(self, fetched: Fetched, visit: ListingVisit, blog: Blog) -> Iterable[Any]:
        """Archive the entries of a listing page and follow its pagination."""
        walk = blog.walk
        if fetched.status == 304:
            yield from self._unchanged_listing(fetched, visit, blog)
            return
        read = blog.reader.listing(fetched, visit, survey=visit.is_start)
        if visit.is_start and read.readable:
            # A start page that lists no posts fails the blog only if discovery finds none elsewhere either.
            walk.discovery.failure, read.failure = read.failure, None
            walk.discovery.failure_notes = [r for r in read.records if isinstance(r, ErrorItem) and r.kind == "no-posts"]
            read.records = [r for r in read.records if r not in walk.discovery.failure_notes]
        yield from read.records
        if visit.is_start and read.readable:
            walk.root, walk.layout = read.root, read.layout
            walk.discovery.changed = walk.conditional
            yield from self._feed_requests(read.feeds, blog)
            yield from self.survey_start(read, blog)
        if read.failure:
            yield WalkItem(blog.start_url, failure=read.failure)
        if not read.readable:
            return
        if not read.entries:
            if not visit.is_start:
                yield WalkItem(blog.start_url)
            return
        entry_keys = frozenset(url_key(e.url) for e in read.entries)
        earlier = walk.entry_sets.get(entry_keys)
        # The same page again is not a loop: a request a distributed crawl gave back after a worker stalled.
        if earlier is not None and url_key(earlier) != url_key(fetched.url):
            message = f"pagination loop: same posts as {earlier}; not following its links"
            yield ErrorItem(blog.start_url, read.root, fetched.url, "pagination-loop", message, fetched.status)
            return
        walk.entry_sets[entry_keys] = fetched.url
        known = self.state.memory.page(url_key(fetched.url)) if walk.conditional else None
        unchanged = bool(known and known.content_hash == read.content_hash)
        decided = list(self._post_decisions(read.entries, fetched.url, read.root, blog))
        yield from decided
        brought_something = any(isinstance(r, ListedItem) and any(p.action in ("fetch", "keep") for p in r.posts)
                                for r in decided)
        if unchanged and not brought_something and not self._keep_walking(blog):
            yield WalkItem(blog.start_url, stopped_early=True)
            return
        yield from self._next_listing_requests(read.next_pages, fetched.url, read.root, blog)

    def _keep_walking(self, blog: Blog) -> bool:
        """After a listing page that brought nothing new: walk on only while the configured overlap lasts."""
        if blog.walk.overlap_left > 0:
            blog.walk.overlap_left -= 1
            return True
        return False

    def _unchanged_listing(self, fetched: Fetched, visit: ListingVisit, blog: Blog) -> Iterable[Any]:
        """A 304: the page is as the last crawl saw it; its posts are still listed, nothing to fetch."""
        read = blog.reader.unchanged_listing(fetched, visit, self.state.memory.page(url_key(fetched.url)))
        yield from read.records
        if visit.is_start:
            # No feed: it only fills what new posts lack, and a start page as it was lists no new post. The lists
            # discovery found from it are asked for too, and the sitemap when it earns its request (after the walk).
            blog.walk.root = read.root
            yield from self.remembered_lists(read, blog)
        listed = []
        for entry in read.entries:
            key = url_key(entry.url)
            if key not in blog.walk.post_keys:
                blog.walk.post_keys.add(key)
                listed.append(Listed(key, "known"))
        if listed:  # still listed, as the archive has them (the writer touches them: one record, not one each)
            yield ListedItem(blog.start_url, read.root, fetched.url, listed)
        if not self._keep_walking(blog):
            yield WalkItem(blog.start_url, stopped_early=True)
            return
        yield from self._next_listing_requests(read.next_pages, fetched.url, read.root, blog, conditional=True)

    def _post_decisions(self, entries: list[ListingEntry], listing_url: str, root: str, blog: Blog) -> Iterable[Any]:
        """What to do about each post a listing page shows for the first time: fetch its page, keep it as
        listed (off-site, or --no-post-pages), or take it as unchanged (a re-crawl with no evidence of change)."""
        options, walk = self.state.options, blog.walk
        fresh: dict[str, ListingEntry] = {}
        for entry in entries:
            key = url_key(entry.url)
            if key not in walk.post_keys and key not in fresh:  # a pinned post, or the same post twice: first wins
                fresh[key] = entry
        if not fresh:
            return
        walk.post_keys.update(fresh)
        known = self.state.memory.posts(fresh) if self.incremental else {}
        listed: list[Listed] = []
        records: list[Any] = []
        requests: list[scrapy.Request] = []
        for key, entry in fresh.items():
            entry_hash = listing_hash(entry)
            if self.incremental and self._unchanged_post(known.get(key), entry_hash):
                listed.append(Listed(key, "unchanged", entry, listing_url, entry_hash))  # seen: no row to write
            elif options.fetch_posts and in_scope(entry.url, root):
                listed.append(Listed(key, "fetch", entry, listing_url, entry_hash))
                visit = PostVisit(url=entry.url, blog=blog.start_url, root=root, entry=entry,
                                  listing_url=listing_url, entry_hash=entry_hash,
                                  conditional=self.incremental and key in known)
                requests.append(self.request(visit))
            else:
                # Off-site posts are kept as the listing shows them; the crawl never leaves the blog.
                listed.append(Listed(key, "keep", entry, listing_url, entry_hash))
                records.append(blog.reader.post_item(root, entry, None, None, listing_url, entry_hash, None))
        yield ListedItem(blog.start_url, root, listing_url, listed)
        yield from records
        yield from requests

    def _unchanged_post(self, known: KnownPost | None, entry_hash: str) -> bool:
        """A known post whose listing entry looks as before and whose page is not due for a revisit."""
        if not known or known.listing_hash != entry_hash or known.removed:
            return False
        revisit_days = self.state.options.revisit_days
        if revisit_days > 0 and known.page_fetched_at:
            age = datetime.now(UTC) - datetime.fromisoformat(known.page_fetched_at)
            if age > timedelta(days=revisit_days):
                return False
        return True

    def _next_listing_requests(self, next_pages: list[str], listing_url: str, root: str, blog: Blog, *,
                               conditional: bool | None = None) -> Iterable[Any]:
        limit = self.state.options.max_listing_pages
        walk = blog.walk
        for next_url in next_pages:
            key = url_key(next_url)
            if key in walk.listing_keys or not in_scope(next_url, root):
                continue
            if len(walk.listing_keys) >= limit:
                message = f"stopped after {limit} listing pages (ARCHIVER_MAX_LISTING_PAGES)"
                yield WalkItem(blog.start_url)
                if message not in walk.notes:
                    walk.notes.add(message)
                    yield ErrorItem(blog.start_url, root, next_url, "listing-limit", message)
                return
            walk.listing_keys.add(key)
            visit = ListingVisit(url=next_url, blog=blog.start_url, root=root, layout=walk.layout,
                                 conditional=walk.conditional if conditional is None else conditional)
            yield self.request(visit, referer=listing_url)

    def listing_failed(self, problem: Problem, visit: ListingVisit, blog: Blog) -> Iterable[Any]:
        """A listing page could not be fetched: log it; a failed start page fails the whole blog."""
        yield ErrorItem(blog.start_url, visit.root or None, visit.url, problem.kind, problem.message, problem.status)
        yield WalkItem(blog.start_url, failure=f"{visit.url}: {problem.message}" if visit.is_start else None)

    # -- post pages --------------------------------------------------------------------------------------

    def read_post(self, fetched: Fetched, visit: PostVisit, blog: Blog) -> Iterable[Any]:
        """The full record from a post's own page, then the images its body shows."""
        return self.with_images(blog.reader.post(fetched, visit), fetched.url, blog)

    def with_images(self, records: list[Any], post_url: str, blog: Blog) -> list[Any]:
        """A post page's records, and requests for the images its body shows."""
        requests: list[Any] = []
        for record in records:
            if isinstance(record, PostImagesItem):
                try:
                    requests += self._image_requests(record, post_url, blog)
                except Exception:  # the post is archived whatever happens to its images
                    log.exception("asking for the images of %s failed", post_url)
        return records + requests

    def post_failed(self, problem: Problem, visit: PostVisit, blog: Blog) -> Iterable[Any]:
        """A post page could not be fetched: keep what its listing showed, and log the problem."""
        key = url_key(visit.url)
        known = self.state.memory.posts([key]).get(key)
        return blog.reader.post_failed(visit, problem, was_live=bool(known and known.page_status == 200))

    # -- images ------------------------------------------------------------------------------------------

    def _image_requests(self, item: PostImagesItem, post_url: str, blog: Blog) -> Iterable[Any]:
        """Requests for the images of a post not asked for yet (on any host: robots.txt and that host's download
        slot apply), each bounded by ARCHIVER_IMAGE_MAX_BYTES."""
        options = self.state.options
        urls, remarks = images.images_to_fetch(item, blog.walk.images, options, self.state.memory)
        yield from remarks
        for url in urls:
            visit = ImageVisit(url=url, blog=blog.start_url, root=item.root, post_url=post_url)
            try:
                request = self.request(visit, referer=post_url)
            except ValueError as error:  # an address Scrapy cannot ask for: that image's error, not the post's
                yield from images.image_failed(Problem("bad-url", str(error)[:300]), visit)
                continue
            request.meta["download_maxsize"] = options.image_max_bytes
            request.meta[META_DEDUPE] = True  # the same bytes under another URL: a revisit record, not a copy
            yield request

    def read_image(self, fetched: Fetched, visit: ImageVisit, blog: Blog) -> Iterable[Any]:
        """An image's answer: its media record (or why it is not one)."""
        return images.read_image(fetched, visit, blog.walk.images)

    def image_failed(self, problem: Problem, visit: ImageVisit, blog: Blog) -> Iterable[Any]:
        """An image that could not be fetched (missing, over the size limit, refused by robots.txt...)."""
        return images.image_failed(problem, visit, max_bytes=self.state.options.image_max_bytes)

    # -- feeds -------------------------------------------------------------------------------------------

    def _feed_requests(self, advertised: list[str], blog: Blog) -> Iterable[Any]:
        """The blog's feed, to fill what listings and post pages leave empty: the one the page advertises or an
        earlier crawl found; on a blog's first crawl without either, the usual paths are tried (quietly)."""
        root = blog.walk.root
        known = [u for u in self.state.memory.feed_urls(root) if in_scope(u, root)]
        if advertised:
            candidates, probing = advertised[:1], False
        elif known:
            candidates, probing = known[:1], False
        elif blog.last_crawl is None:
            candidates, probing = feed_paths_to_try(root)[:FEED_PROBES], True
        else:
            return
        for feed_url in candidates:
            if in_scope(feed_url, root):
                yield self.request(FeedVisit(url=feed_url, blog=blog.start_url, root=root, probing=probing,
                                             conditional=self.incremental))

    def read_feed(self, fetched: Fetched, visit: FeedVisit, blog: Blog) -> Iterable[Any]:
        """Parse a feed; its entries fill empty fields of the posts the listings found, at the end of the crawl,
        and are evidence of the posts that exist (archiver.spiders.discovery)."""
        records = blog.reader.feed(fetched, visit)
        if fetched.status == 200 and blog.walk.conditional:
            blog.walk.discovery.changed = True
        self.note_feed(records, blog)
        return records

    def feed_failed(self, problem: Problem, visit: FeedVisit, blog: Blog) -> Iterable[Any]:
        """A feed that could not be fetched: a row in the crawl log, unless we were only guessing its address."""
        return blog.reader.feed_failed(visit, problem)


def dropped_record(request: scrapy.Request) -> DroppedItem | None:
    """Why a dropped request of a listed post never got an answer (None for other requests)."""
    visit = request.cb_kwargs.get(VISIT)
    if not isinstance(visit, PostVisit):
        return None
    if request.meta.get("redirect_urls"):
        reason = f"redirected back to {request.url}, a URL this crawl had already asked for (a redirect loop)"
    else:
        reason = "its request duplicated one this crawl had already made"
    return DroppedItem(visit.blog, url_key(visit.entry.url), reason)


def robots_wanted(visit: Visit) -> str:
    """What a URL robots.txt refused was to the crawl: its start page, pagination, a post, a feed."""
    if isinstance(visit, ListingVisit):
        return "start" if visit.is_start else "pagination"
    return visit.kind


def fetched_of(response: Response) -> Fetched:
    """The crawl core's view of a Scrapy response (and where archiver.warc.capture wrote its raw bytes)."""
    headers = {
        name.decode("latin-1").lower(): values[0].decode("latin-1")
        for name, values in response.headers.items()
        if values
    }
    return Fetched(response.url, response.status, headers, response.body,
                   warc_file=response.meta.get("warc_file"), warc_offset=response.meta.get("warc_offset"),
                   redirects=redirect_chain(response) or None)


def describe_failure(failure: Failure) -> Problem:
    """What went wrong with a failed request, as a Problem (kind, one-line message, HTTP status)."""
    if failure.check(HttpError):
        response = failure.value.response
        return Problem("http-error", f"HTTP {response.status}", response.status)
    if failure.check(*NOT_RESOLVED):
        return Problem("unreachable", "host not found (DNS lookup failed)")
    if failure.check(ConnectionRefusedError, DownloadConnectionRefusedError):
        return Problem("unreachable", "connection refused")
    if failure.check(TimeoutError, TCPTimedOutError, DownloadTimeoutError):
        return Problem("timeout", "timed out")
    if failure.check(DownloadCancelledError):
        return Problem("too-large", "download cancelled (over DOWNLOAD_MAXSIZE?)")
    if failure.check(ResponseDataLossError):
        return Problem("truncated", "truncated response (connection closed before the end)")
    if failure.check(HostUnreachable):
        return Problem("unreachable", str(failure.value))
    name = failure.type.__name__ if failure.type else "Error"
    if name == "IgnoreRequest" and "robots" in str(failure.value).lower():
        return Problem("robots", "forbidden by robots.txt")
    if name == "IgnoreRequest":
        return Problem("ignored", str(failure.value) or "request ignored")
    return Problem("error", f"{name}: {failure.getErrorMessage()}"[:300])
