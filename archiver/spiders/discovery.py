"""The spider's discovery decisions (archiver.crawl.discovery): where a blog's list of posts is when the start page
is no list or shows only a few posts, the sitemap and the feed as evidence of the posts that exist, the lists or
pages that hold the posts no listing reached, and sitemap lastmod as evidence of change on a re-crawl.

A mixin of BlogSpider: it uses the spider's `request`, `state`, `_post_decisions`, `_next_listing_requests` and
`_unchanged_listing`, and answers the visit kinds `probe`, `sitemap`, `found` and `refresh`.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin, urlsplit

from archiver.crawl.discovery import (
    DONE,
    FOUND,
    FOUND_SAMPLE,
    MAX_SITEMAP_DEPTH,
    MAX_SITEMAPS,
    SAMPLE,
    SEEK,
    SITEMAP_PATHS,
    WALK,
    WALK_KINDS,
    archives_for,
    child_sitemaps,
)
from archiver.crawl.fetched import Fetched, Problem
from archiver.crawl.reader import ListingRead
from archiver.crawl.records import ErrorItem, FeedItem, Listed, ListedItem, PostItem, SeenItem, WalkItem
from archiver.crawl.visits import FoundPostVisit, PostVisit, ProbeVisit, RefreshVisit, SitemapVisit, Visit
from archiver.extract.evidence import (
    Candidate,
    Named,
    PostShapes,
    changed_since,
    loose_key,
    loose_key_of,
    missing_posts,
)
from archiver.extract.model import DateValue, ListingEntry
from archiver.extract.urls import in_scope, same_site, url_key

if TYPE_CHECKING:
    from archiver.crawl.state import Blog, CrawlState

log = logging.getLogger(__name__)


class Discovering:
    """Discovery for BlogSpider (see the module's docstring)."""

    state: CrawlState
    robots: dict[str, Any]  # netloc -> the robots.txt parser Scrapy read for it
    robots_agent: str
    # Whether this process sees every answer of its blogs, so knows when a walk is over (not a distributed worker)
    discovers_after_walk: bool = True

    # -- bookkeeping: which requests the walk still waits for -------------------------------------------------

    def count_request(self, visit: Visit) -> None:
        """Note a request of this crawl: the walk waits for those of WALK_KINDS; posts asked for are not asked
        again by the evidence."""
        discovery = self.state.blog(visit.blog).walk.discovery
        if visit.kind in WALK_KINDS:
            discovery.open += 1
        if isinstance(visit, PostVisit):
            discovery.post_requests.add(url_key(visit.url))

    def after_answer(self, visit: Visit, blog: Blog) -> list[Any]:
        """After an answer (or failure) of the walk: when it was the last one, the next phase's requests."""
        if visit.kind not in WALK_KINDS or not self.discovers_after_walk:
            return []
        discovery = blog.walk.discovery
        discovery.open -= 1
        if discovery.open > 0:
            return []
        discovery.open = 0
        try:
            return list(self.walk_done(blog))
        except Exception:  # discovery is a bonus on top of the walk: a bug in it must not lose the crawl
            log.exception("discovery for %s failed", blog.start_url)
            return []

    # -- robots.txt: its Sitemap lines, and what it allows (never asking for what it refuses on a hunch) ------

    def robots_parsed(self, robotparser: Any, request: Any) -> None:
        """Scrapy read a host's robots.txt."""
        self.robots[urlsplit(request.url).netloc] = robotparser

    def robots_allows(self, url: str) -> bool:
        parser = self.robots.get(urlsplit(url).netloc)
        if parser is None:
            return True
        try:
            return bool(parser.allowed(url, self.robots_agent))
        except Exception:
            return True

    def robots_sitemaps(self, url: str) -> list[str]:
        parser = self.robots.get(urlsplit(url).netloc)
        rules = getattr(parser, "rules", None) or getattr(parser, "rp", None)
        try:
            return [urljoin(url, s) for s in getattr(rules, "sitemaps", None) or ()]
        except Exception:
            return []

    # -- the start page ------------------------------------------------------------------------------------------

    def survey_start(self, read: ListingRead, blog: Blog) -> Iterable[Any]:
        """After the start page: the sitemap on a first crawl; and when the page is no list of posts, or shows a
        few without pagination, the pages its menu names as the blog's list."""
        discovery = blog.walk.discovery
        discovery.start_page = next((r for r in read.records if getattr(r, "kind", None) == "listing"
                                     and getattr(r, "url", None) == read.url), None)
        if not blog.walk.conditional:
            yield from self.sitemap_requests(blog, guess=True)
        survey = read.survey
        if survey is None:
            yield from self.probe_next(blog)  # nothing to try (the page defeated the survey)
            return
        discovery.menu |= survey.menu
        discovery.labelled.extend(survey.labelled_links())
        discovery.date_archives.extend(survey.date_archives)
        if survey.lists_posts and read.entries:
            if read.next_pages:
                return
            probes, purpose = survey.labelled_links(), "more"
        else:
            root = blog.walk.root
            home = [root] if root and loose_key(root) != loose_key(read.url) else []
            more = [url for url, score in survey.listing_links if url not in survey.labelled_links()]
            probes, purpose = home + survey.labelled_links() + more, "start"
        discovery.probed.add(loose_key(read.url))
        discovery.probes = [u for u in probes if in_scope(u, blog.walk.root) and self.robots_allows(u)]
        discovery.probe_purpose = purpose
        yield from self.probe_next(blog)

    def probe_next(self, blog: Blog) -> Iterable[Any]:
        """A request for the next page to try as the blog's list (when none is left and the start page listed no
        posts, a process that cannot wait for the evidence says the blog failed)."""
        discovery = blog.walk.discovery
        url = discovery.next_probe()
        if url is not None:
            yield from self.probe(blog, url, discovery.probe_purpose)
        elif discovery.failure and not self.discovers_after_walk and not blog.walk.post_keys:
            yield from self.fail(blog)

    def probe(self, blog: Blog, url: str, purpose: str, *, conditional: bool | None = None) -> Iterable[Any]:
        walk = blog.walk
        key = url_key(url)
        walk.discovery.probed.add(loose_key(url))
        if key in walk.listing_keys:
            return
        walk.listing_keys.add(key)
        yield self.request(ProbeVisit(url=url, blog=blog.start_url, root=walk.root, layout=walk.layout,
                                      purpose=purpose,
                                      conditional=walk.conditional if conditional is None else conditional))

    def remembered_lists(self, read: ListingRead, blog: Blog) -> Iterable[Any]:
        """A start page that answered 304: the lists an earlier crawl found from it are asked for too."""
        for url in read.listings:
            if in_scope(url, blog.walk.root):
                blog.walk.discovery.adopted.append(url)
                yield from self.probe(blog, url, "known", conditional=True)

    # -- pages tried as the blog's list --------------------------------------------------------------------------

    def read_probe(self, fetched: Fetched, visit: ProbeVisit, blog: Blog) -> Iterable[Any]:
        """A page that may be the blog's list: walked as one when it lists posts, else the next one is tried."""
        discovery = blog.walk.discovery
        if fetched.status == 304:
            yield from self._unchanged_listing(fetched, visit, blog)
            return
        if blog.walk.conditional and visit.purpose != "seek":
            discovery.changed = True
        read = blog.reader.listing(fetched, visit, survey=True)
        yield from (r for r in read.records if not (isinstance(r, ErrorItem) and r.kind == "no-posts"))
        survey = read.survey
        if not (read.readable and survey and survey.lists_posts and read.entries):
            if visit.purpose in ("start", "more") and not discovery.adopted:
                yield from self.probe_next(blog)
            return
        walk = blog.walk
        discovery.menu |= survey.menu
        discovery.labelled.extend(survey.labelled_links())
        discovery.date_archives.extend(survey.date_archives)
        walk.layout = walk.layout or read.layout
        brings = read.next_pages or any(url_key(e.url) not in walk.post_keys for e in read.entries)
        if brings or visit.purpose == "start":
            discovery.adopted.append(fetched.url)
            # Remembered with the start page (a list that only repeats it would cost every re-crawl a request).
            if visit.purpose in ("start", "more") and brings:
                yield from self.remember_lists(blog)
        walk.entry_sets.setdefault(frozenset(url_key(e.url) for e in read.entries), fetched.url)
        yield from self._post_decisions(read.entries, fetched.url, visit.root, blog)
        yield from self._next_listing_requests(read.next_pages, fetched.url, visit.root, blog)

    def remember_lists(self, blog: Blog) -> Iterable[Any]:
        """The start page's row again, naming the lists found from it (a re-crawl whose start page answers 304
        walks them too)."""
        page = blog.walk.discovery.start_page
        if page is None:
            return
        outlinks = dict(page.outlinks or {})
        outlinks["listings"] = list(dict.fromkeys(blog.walk.discovery.adopted))
        yield dataclasses.replace(page, outlinks=outlinks)

    # -- sitemaps ---------------------------------------------------------------------------------------------

    def sitemap_requests(self, blog: Blog, *, guess: bool) -> Iterable[Any]:
        """The blog's sitemaps: those robots.txt names and earlier crawls read, else (`guess`) the usual path."""
        if not self.state.options.sitemaps:
            return
        walk = blog.walk
        root = walk.root or blog.start_url
        named = self.robots_sitemaps(root) + self.state.memory.sitemap_urls(root)
        urls = [(u, False) for u in dict.fromkeys(named) if same_site(u, root)]
        if not urls and guess:
            base = root if root.endswith("/") else root + "/"
            host_root = urljoin(root, "/")
            guesses = [urljoin(base, p) for p in SITEMAP_PATHS] + [urljoin(host_root, p) for p in SITEMAP_PATHS]
            urls = [(u, True) for u in dict.fromkeys(guesses) if self.robots_allows(u)]
        for url, probing in urls:
            yield from self._sitemap_request(blog, url, probing=probing, depth=0)

    def _sitemap_request(self, blog: Blog, url: str, *, probing: bool, depth: int) -> Iterable[Any]:
        discovery = blog.walk.discovery
        key = loose_key(url)
        if key in discovery.sitemaps or len(discovery.sitemaps) >= MAX_SITEMAPS:
            return
        discovery.sitemaps.add(key)
        yield self.request(SitemapVisit(url=url, blog=blog.start_url, root=blog.walk.root, probing=probing,
                                        depth=depth, conditional=self.state.options.incremental))

    def sitemap_due(self, blog: Blog) -> bool:
        """On a re-crawl, whether the sitemap earns its request: it carries lastmod (the one evidence of an edit
        deep in the archive, asked for conditionally: an unchanged sitemap costs a 304), the home page or the feed
        changed, or the last look at it is ARCHIVER_SITEMAP_RECHECK_DAYS old (or it was never read)."""
        discovery = blog.walk.discovery
        if discovery.sitemaps or not self.state.options.sitemaps:
            return False
        if discovery.changed:
            return True
        known = [self.state.memory.page(url_key(u)) for u in self.state.memory.sitemap_urls(blog.walk.root)]
        if any(self._has_lastmod(k.outlinks) for k in known if k is not None):
            return True
        looked = [k.fetched_at for k in known if k is not None and k.fetched_at]
        if not looked:
            return bool(self.robots_sitemaps(blog.walk.root))
        last = max(datetime.fromisoformat(t) for t in looked)
        if last.tzinfo is None:
            last = last.replace(tzinfo=UTC)
        return datetime.now(UTC) - last > timedelta(days=self.state.options.sitemap_recheck_days)

    def _has_lastmod(self, outlinks: dict[str, Any] | None, depth: int = 0) -> bool:
        """Whether a sitemap's remembered reading gives a lastmod for any URL (for an index: a child's does)."""
        if not outlinks:
            return False
        if any((outlinks.get("urls") or {}).values()):
            return True
        if depth >= MAX_SITEMAP_DEPTH:
            return False
        children = [self.state.memory.page(url_key(u)) for u in child_sitemaps(outlinks.get("children") or [])]
        return any(self._has_lastmod(c.outlinks, depth + 1) for c in children if c is not None)

    def read_sitemap(self, fetched: Fetched, visit: SitemapVisit, blog: Blog) -> Iterable[Any]:
        """A sitemap: its URLs become evidence, its lastmods evidence of change; an index's children are read."""
        known = self.state.memory.page(url_key(fetched.url))
        read = blog.reader.sitemap(fetched, visit, known)
        yield from read.records
        discovery = blog.walk.discovery
        discovery.sitemap_answered = True
        if visit.depth < MAX_SITEMAP_DEPTH:
            for child in child_sitemaps(read.children):
                if same_site(child, blog.walk.root or blog.start_url):
                    yield from self._sitemap_request(blog, child, probing=False, depth=visit.depth + 1)
        for url, lastmod in read.urls.items():
            discovery.name(Named(url, "sitemap", fetched.url, lastmod=lastmod))
        if read.fresh and known and known.outlinks:
            before = known.outlinks.get("urls") or {}
            candidates = {url_key(u): u for u, lastmod in read.urls.items()
                          if lastmod and lastmod != before.get(u) and in_scope(u, blog.walk.root)}
            archived = self.state.memory.posts(candidates)
            for key, post in archived.items():
                url = candidates[key]
                if not post.removed and changed_since(read.urls[url], before.get(url), post.page_fetched_at):
                    discovery.lastmod_changed[key] = url

    def sitemap_failed(self, problem: Problem, visit: SitemapVisit, blog: Blog) -> Iterable[Any]:
        return blog.reader.sitemap_failed(visit, problem)

    def probe_failed(self, problem: Problem, visit: ProbeVisit, blog: Blog) -> Iterable[Any]:
        """A page tried as the blog's list could not be fetched (a menu's broken link): said, and the next one
        tried; the walk itself is not cut short by it. (A page only tried on a hunch while seeking is not said.)"""
        if visit.purpose != "seek":
            yield blog.reader.error(visit.root, visit.url, problem)
        if visit.purpose in ("start", "more") and not blog.walk.discovery.adopted:
            yield from self.probe_next(blog)

    # -- when the walk is over: re-check, seek, fetch what is still missing --------------------------------------

    def note_feed(self, records: list[Any], blog: Blog) -> None:
        """A feed's entries become evidence of the posts that exist."""
        for record in records:
            if isinstance(record, FeedItem):
                for entry in record.records:
                    if not entry.get("url"):
                        continue
                    published = None
                    if entry.get("published"):
                        published = DateValue(entry["published"], entry.get("published_raw") or "", "feed")
                    blog.walk.discovery.name(Named(entry["url"], "feed", record.url, entry.get("title"), published))

    def walk_done(self, blog: Blog) -> Iterable[Any]:
        """Nothing of the walk is left: the next phase (see archiver.crawl.discovery)."""
        discovery = blog.walk.discovery
        counted: tuple[list[Candidate], list[str]] | None = None  # missing(), when nothing changed it since
        if discovery.phase == WALK:
            if blog.walk.conditional and not discovery.rechecked:
                discovery.rechecked = True
                if self.sitemap_due(blog):
                    requests = list(self.sitemap_requests(blog, guess=False))
                    if requests:
                        yield from requests
                        return
            yield from self.refresh_requests(blog)
            discovery.phase = SEEK
            counted = self.missing(blog)
            missing = counted[0]
            if missing:
                counted = None  # probing notes the pages it asks for: count again after
                # The home (a crawl started deep in the blog), the menu's lists, the archive pages of their dates.
                probes = [blog.walk.root] if url_key(blog.walk.root) not in blog.walk.listing_keys else []
                probes += [u for u in discovery.labelled if loose_key(u) not in discovery.probed]
                probes += archives_for(list(dict.fromkeys(discovery.date_archives)), missing)
                requests = []
                for url in dict.fromkeys(probes):
                    if in_scope(url, blog.walk.root) and self.robots_allows(url):
                        requests.extend(self.probe(blog, url, "seek"))
                if requests:
                    yield from requests
                    return
        if discovery.phase in (SEEK, SAMPLE):
            missing, archived = counted or self.missing(blog)
            learned = bool(PostShapes(blog.walk.post_keys))
            if discovery.phase == SAMPLE and not learned:
                missing = [c for c in missing if c.shaped]  # the sample held no post: only URLs with a date
            bare = [c for c in missing if c.named.via != "feed"]
            if discovery.phase == SEEK and not learned and len(bare) > FOUND_SAMPLE:
                # No listed post to learn the posts' URL shape from: a sample of the sitemap's pages first, then
                # only the URLs shaped like the posts it held.
                discovery.phase = SAMPLE
                missing = [c for c in missing if c.named.via == "feed"] + bare[:FOUND_SAMPLE]
            else:
                discovery.phase = FOUND
            output = list(self.found_requests(blog, missing, archived))
            yield from output
            if any(not isinstance(item, SeenItem) for item in output):
                return
            discovery.phase = FOUND
        if discovery.phase == FOUND:
            discovery.phase = DONE
            if discovery.failure and not blog.walk.post_keys:
                yield from self.fail(blog)

    def fail(self, blog: Blog) -> Iterable[Any]:
        """The start page listed no posts and discovery found none elsewhere: the blog failed."""
        discovery = blog.walk.discovery
        yield from discovery.failure_notes
        yield WalkItem(blog.start_url, failure=discovery.failure)
        discovery.failure, discovery.failure_notes = None, []

    def missing(self, blog: Blog) -> tuple[list[Candidate], list[str]]:
        """Posts the feed or the sitemap name that no listing reached and this crawl did not fetch: those the
        archive lacks, and the url_keys of those it holds (from earlier crawls)."""
        walk, discovery = blog.walk, blog.walk.discovery
        if not discovery.named or not walk.root:
            return [], []
        listed = walk.post_keys | discovery.post_requests
        not_posts = walk.listing_keys | discovery.menu | discovery.probed | discovery.found
        candidates = missing_posts(discovery.named, listed, not_posts, walk.root, PostShapes(walk.post_keys))
        archived = self.state.memory.posts([url_key(c.url) for c in candidates])
        fresh = [c for c in candidates if url_key(c.url) not in archived]
        return fresh, [key for key, post in archived.items() if not post.removed]

    def refresh_requests(self, blog: Blog) -> Iterable[Any]:
        """Archived posts whose sitemap lastmod is newer than their copy, not fetched by this crawl already."""
        discovery = blog.walk.discovery
        for key, url in discovery.lastmod_changed.items():
            if key in discovery.post_requests or not self.state.options.fetch_posts:
                continue
            yield self.request(RefreshVisit(url=url, blog=blog.start_url, root=blog.walk.root,
                                            entry=ListingEntry(url=url), listing_url="", entry_hash="",
                                            conditional=True))

    def found_requests(self, blog: Blog, missing: list[Candidate], archived: list[str]) -> Iterable[Any]:
        """The candidates' own pages (each kept only if it reads as a post); those the archive holds already
        are only seen (a walk to the end must not take them for vanished)."""
        from archiver.extract.dates import date_in_url  # the date tables: loaded with the pages, not at start

        discovery, root = blog.walk.discovery, blog.walk.root
        for key in archived:
            loose = loose_key_of(key)
            if loose not in discovery.found:
                discovery.found.add(loose)
                yield SeenItem(blog.start_url, root, key)
        for candidate in missing:
            discovery.found.add(loose_key(candidate.url))
            if not self.state.options.fetch_posts:
                continue
            named = candidate.named
            published = named.published or date_in_url(candidate.url)
            entry = ListingEntry(url=candidate.url, title=named.title, published=published, extracted_by=named.via)
            yield self.request(FoundPostVisit(url=candidate.url, blog=blog.start_url, root=root, entry=entry,
                                              listing_url=named.source, entry_hash="", via=named.via))

    # -- the pages of posts the evidence named -----------------------------------------------------------------

    def read_found(self, fetched: Fetched, visit: FoundPostVisit, blog: Blog) -> Iterable[Any]:
        """A page the feed or the sitemap named: a post of the blog when it reads as one."""
        if loose_key(fetched.url) != loose_key(visit.url) and self._known(blog, url_key(fetched.url)):
            return  # it redirects to a post this crawl or the archive has already (a shortlink, another host)
        records, is_post = blog.reader.found_post(fetched, visit)
        if not is_post:
            yield from records
            return
        key = url_key(visit.entry.url)
        blog.walk.post_keys.add(key)
        yield ListedItem(blog.start_url, visit.root, visit.listing_url,
                         [Listed(key, "fetch", visit.entry, visit.listing_url, None)])
        yield from self.with_images(records, fetched.url, blog)

    def _known(self, blog: Blog, key: str) -> bool:
        walk = blog.walk
        return key in walk.post_keys or key in walk.discovery.post_requests or bool(self.state.memory.posts([key]))

    def found_failed(self, problem: Problem, visit: FoundPostVisit, blog: Blog) -> Iterable[Any]:
        return [blog.reader.error(visit.root, visit.url, problem)]

    def read_refresh(self, fetched: Fetched, visit: RefreshVisit, blog: Blog) -> Iterable[Any]:
        """An archived post fetched again on its sitemap lastmod: its new version, keeping where it was listed."""
        for record in self.read_post(fetched, visit, blog):
            if isinstance(record, PostItem):
                record.record.listing_url = None
                record.record.listing_position = None
                record.listing_hash = None
            yield record

    def refresh_failed(self, problem: Problem, visit: RefreshVisit, blog: Blog) -> Iterable[Any]:
        key = url_key(visit.url)
        known = self.state.memory.posts([key]).get(key)
        records: list[Any] = [blog.reader.error(visit.root, visit.url, problem)]
        if problem.status in (404, 410) and known and known.page_status == 200:
            records.append(SeenItem(blog.start_url, visit.root, key, removed=True))
        return records
