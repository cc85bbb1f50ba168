"""Reading a fetched response into records: the one page-to-post path of the project.

`BlogReader` reads the answers for one blog with its rules and options: a listing page (entries, pagination,
site facts), a post page (merged with its listing entry, under its canonical URL), a feed. Whatever a page
does to extraction, the reader returns records and never raises: a page that defeats extraction is an
`extract-error` row and its post keeps what the listing showed.
"""

from __future__ import annotations

import contextlib
import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from archiver.crawl.fetched import Fetched, Problem, decode, not_html
from archiver.crawl.images import post_images
from archiver.crawl.memory import KnownPage
from archiver.crawl.records import ErrorItem, FeedItem, PageItem, PostItem, SeenItem, SiteItem
from archiver.crawl.visits import FeedVisit, FoundPostVisit, ListingVisit, PostVisit, SitemapVisit
from archiver.extract.evidence import has_url_date
from archiver.extract.feeds import parse_feed, parse_sitemap
from archiver.extract.model import Listing, ListingEntry, PostPage, to_dict
from archiver.extract.overrides import SiteRules
from archiver.extract.profile import BlogProfile
from archiver.extract.urls import blog_root, canonical_url, url_key

if TYPE_CHECKING:
    from archiver.extract.survey import Survey

# The extractors (listing, post, merge, pagekind, survey and what they import: ~0.3 s, regex tables mostly) are
# imported by the methods that call them, when the first page is read: a crawl's first request (robots.txt,
# then the start page) does not wait for them.

log = logging.getLogger(__name__)
GONE_STATUSES = (404, 410)
# A blog's name is what its start page calls it, or a name that comes back on another of its listing pages: the
# name one page alone shows is that page's ("Field Notes | Page 7" reads as "Page 7"). Counted over the blog's
# first NAME_PAGES listing pages only (its name does not change within a crawl): keeping every page's name made
# each post's title check cost grow with the pages read (a 20,000-post blog: 2,000 names, 60% of the crawl's CPU).
NAME_PAGES = 30


@dataclass(slots=True)
class ListingRead:
    """What one listing page gave: records to keep, the entries it shows (each with a URL), its pagination,
    and the blog's home and layout when it was the start page."""

    url: str
    root: str
    layout: str | None = None
    entries: list[ListingEntry] = field(default_factory=list)
    next_pages: list[str] = field(default_factory=list)
    feeds: list[str] = field(default_factory=list)  # feeds the start page advertises
    records: list = field(default_factory=list)
    failure: str | None = None  # the start page gave nothing: why the whole blog failed
    readable: bool = True  # False: not HTML (nothing to walk on from here)
    content_hash: str | None = None
    survey: Survey | None = None  # what kind of page it is and its ways to the list (when asked for)
    listings: list[str] = field(default_factory=list)  # on a 304 start page: the lists an earlier crawl found


@dataclass(slots=True)
class SitemapRead:
    """What a sitemap gave: its page URLs with their lastmod, the sitemaps it names (an index), and records."""

    url: str
    urls: dict[str, str | None] = field(default_factory=dict)  # page URL -> lastmod (ISO) or None
    children: list[str] = field(default_factory=list)
    records: list = field(default_factory=list)
    fresh: bool = True  # False: a 304, replayed from what the archive remembers of it


def _error_text(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}"[:300]


class BlogReader:
    """Reads the answers of one blog's crawl (or re-extraction) with its rules."""

    def __init__(self, blog: str, rules: SiteRules | None = None, *, theme_rules: bool = True) -> None:
        self.blog = blog
        self.rules = rules
        self.theme_rules = theme_rules
        # What the blog's pages read so far taught about its chrome (extract.profile), and its name.
        self.profile = BlogProfile()
        self.site_names: set[str] = set()  # the names the blog goes by (see NAME_PAGES)
        self._names_seen: dict[str, int] = {}  # name -> listing pages that showed it, over the first NAME_PAGES
        self._name_pages = 0

    # -- listing pages -----------------------------------------------------------------------------------

    def listing(self, fetched: Fetched, visit: ListingVisit, *, survey: bool = False) -> ListingRead:
        """A listing page: its entries and pagination; on the start page also the site and its feeds. `survey`:
        also what kind of page it is and its ways to the blog's list (extract.survey)."""
        root = visit.root
        text, encoding = decode(fetched)
        if text is None:
            problem = not_html(fetched)
            read = ListingRead(fetched.url, root, readable=False)
            read.records.append(self.error(root or None, fetched.url, problem))
            if visit.is_start:
                read.failure = f"{fetched.url}: {problem.message}"
            return read
        records: list = []
        try:
            listing = self.parse_listing(text, fetched.url, visit.layout)
        except Exception as error:  # hostile or broken HTML must not stop the crawl; the page is logged
            log.exception("listing extraction failed on %s", fetched.url)
            listing = Listing(url=fetched.url)
            records.append(ErrorItem(self.blog, root or None, fetched.url, "extract-error", _error_text(error)))
        read = ListingRead(fetched.url, root, layout=visit.layout, next_pages=listing.next_pages,
                           content_hash=fetched.content_hash)
        if listing.site_title:
            self.learn_site_name(listing.site_title, start=visit.is_start)
        if visit.is_start:
            read.root = root = blog_root(visit.blog, listing.site_root)
            read.layout = listing.layout
            read.feeds = listing.feeds
            records.insert(0, SiteItem(self.blog, root, title=listing.site_title, engine=listing.engine,
                                       theme=listing.theme, lang=listing.lang, feeds=listing.feeds))
            for record in records:  # an extraction error on the start page still belongs to the site
                if isinstance(record, ErrorItem):
                    record.root = root
        read.entries = [entry for entry in listing.entries if entry.url]
        if survey:
            read.layout = read.layout or listing.layout
            from archiver.extract.survey import survey_page

            try:
                read.survey = survey_page(text, fetched.url, listing, theme_rules=self.theme_rules)
            except Exception:  # a page that defeats the survey is read as the listing it seems to be
                log.exception("surveying %s failed", fetched.url)
        page = self.page(fetched, root, "listing", encoding)
        page.outlinks = {"root": root, "entries": [e.url for e in read.entries], "next": listing.next_pages}
        records.append(page)
        if not read.entries:
            message = "no recognizable post list on this page"
            if visit.is_start:
                read.failure = f"{fetched.url}: {message}"
            records.append(ErrorItem(self.blog, root, fetched.url, "no-posts", message, fetched.status))
        read.records = records
        return read

    def learn_site_name(self, name: str, *, start: bool = False) -> None:
        """Count the name a listing page goes by; the start page's name, and one a second page shows too, are the
        blog's (NAME_PAGES)."""
        if self._name_pages >= NAME_PAGES and not start:
            return
        self._name_pages += 1
        seen = self._names_seen[name] = self._names_seen.get(name, 0) + 1
        if start or seen >= 2:
            self.site_names.add(name)

    def unchanged_listing(self, fetched: Fetched, visit: ListingVisit, known: KnownPage | None) -> ListingRead:
        """A 304 for a listing page: it shows what the last crawl saw (its remembered links)."""
        outlinks = (known.outlinks if known else None) or {}
        root = visit.root or outlinks.get("root") or blog_root(visit.blog)
        read = ListingRead(fetched.url, root, layout=visit.layout, next_pages=list(outlinks.get("next", [])))
        if visit.is_start:
            read.records.append(SiteItem(self.blog, root))
        read.entries = [ListingEntry(url=u) for u in outlinks.get("entries", [])]
        read.listings = list(outlinks.get("listings", []))
        read.records.append(PageItem(self.blog, root, fetched.url, "listing", 304, fetched_at=fetched.fetched_at))
        return read

    def parse_listing(self, text: str, url: str, layout: str | None) -> Listing:
        """Listing extraction with the blog's rules and profile (raises what extraction raises)."""
        from archiver.extract.listing import parse_listing
        from archiver.extract.overrides import parse_listing_with_rules

        if self.rules and self.rules.listing:
            listing = parse_listing_with_rules(text, url, self.rules, layout_hint=layout,
                                               theme_rules=self.theme_rules, profile=self.profile)
        else:
            listing = parse_listing(text, url, layout_hint=layout, theme_rules=self.theme_rules, profile=self.profile)
        self.profile = self.profile.learn(listing.facts)
        return listing

    # -- post pages --------------------------------------------------------------------------------------

    def post(self, fetched: Fetched, visit: PostVisit) -> list:
        """A post page: the post merged from its listing entry and its page (a 304: seen, unchanged)."""
        key = url_key(visit.entry.url)
        if fetched.status == 304:
            return [SeenItem(self.blog, visit.root, key)]
        text, encoding = decode(fetched)
        if text is None:
            return [self.error(visit.root, fetched.url, not_html(fetched)),
                    self.listed_post(visit, fetched.status)]
        records: list = [self.page(fetched, visit.root, "post", encoding)]
        try:
            page = self.parse_post(text, fetched.url)
        except Exception as error:  # keep what the listing showed, and say which page defeated extraction
            log.exception("post extraction failed on %s", fetched.url)
            records.append(ErrorItem(self.blog, visit.root, fetched.url, "extract-error", _error_text(error),
                                     fetched.status))
            records.append(self.listed_post(visit, fetched.status))
            return records
        self.learn_from_post(text, fetched.url, page)
        item = self.post_item(visit.root, visit.entry, page, fetched.status, visit.listing_url, visit.entry_hash,
                              fetched.fetched_at)
        records += [item, post_images(item)]
        return records

    def learn_from_post(self, text: str, url: str, page: PostPage) -> None:
        """A post page teaches the blog's chrome too; a page "title" that is the blog's chrome (its name on
        every page, a widget's label) is not the post's title: the listing's title stands."""
        if self.profile.learning:
            from archiver.extract.listing import facts_of_page

            with contextlib.suppress(Exception):  # learning is a bonus; the post is read either way
                self.profile = self.profile.learn(facts_of_page(text, url))
        if page.title and (page.title in self.site_names or page.title in self.profile.chrome_texts):
            page.title = None

    def post_failed(self, visit: PostVisit, problem: Problem, was_live: bool) -> list:
        """A post page that could not be fetched: the post as its listing showed it, and the problem; a post
        whose page answered before and is now 404/410 is gone (`was_live`: the archive had it with a 200)."""
        records = [self.error(visit.root, visit.url, problem), self.listed_post(visit, problem.status)]
        if problem.status in GONE_STATUSES and was_live:
            records.append(SeenItem(self.blog, visit.root, url_key(visit.url), removed=True))
        return records

    def parse_post(self, text: str, url: str) -> PostPage:
        """Post extraction with the blog's rules (raises what extraction raises)."""
        from archiver.extract.overrides import parse_post_with_rules
        from archiver.extract.post import parse_post

        if self.rules and self.rules.post:
            return parse_post_with_rules(text, url, self.rules, theme_rules=self.theme_rules)
        return parse_post(text, url, theme_rules=self.theme_rules)

    def listed_post(self, visit: PostVisit, status: int | None, *, remember_entry: bool = True) -> PostItem:
        """The post as its listing showed it (its page gave nothing). `remember_entry=False` leaves its listing
        fingerprint out, so the next crawl fetches its page instead of taking it as unchanged."""
        return self.post_item(visit.root, visit.entry, None, status, visit.listing_url,
                              visit.entry_hash if remember_entry else None, None)

    def post_item(self, root: str, entry: ListingEntry, page: PostPage | None, status: int | None,
                  listing_url: str | None, entry_hash: str | None, fetched_at: str | None) -> PostItem:
        """One post: the listing entry merged with its page, under its canonical URL."""
        from archiver.extract.merge import merge_post

        record = merge_post(to_dict(entry), to_dict(page) if page is not None else None, status, self.site_names)
        record.listing_url = listing_url
        record.url = canonical_url(record.url)
        return PostItem(self.blog, root, record, url_key(record.url), listing_hash=entry_hash,
                        page_fetched_at=fetched_at if page is not None else None)

    # -- feeds -------------------------------------------------------------------------------------------

    def feed(self, fetched: Fetched, visit: FeedVisit) -> list:
        """A feed: its entries fill empty fields of the posts the listings found, at the end of the crawl."""
        if fetched.status == 304:
            return []
        try:
            entries = parse_feed(fetched.body, fetched.url)
        except Exception as error:
            if visit.probing:
                return []
            return [ErrorItem(self.blog, visit.root, fetched.url, "feed-error", _error_text(error))]
        if not entries:
            if visit.probing:
                return []
            return [ErrorItem(self.blog, visit.root, fetched.url, "feed-error", "no entries in the feed",
                              fetched.status)]
        from archiver.extract.merge import feed_fill

        return [self.page(fetched, visit.root, "feed", None),
                SiteItem(self.blog, visit.root, feeds=[fetched.url]),
                FeedItem(self.blog, visit.root, fetched.url, [feed_fill(entry) for entry in entries])]

    def feed_failed(self, visit: FeedVisit, problem: Problem) -> list:
        """A feed that could not be fetched: a row in the crawl log, unless we were only guessing its address (a
        guessed address robots.txt disallows is still said: disallowed is never silent)."""
        quiet = visit.probing and problem.kind != "robots"
        return [] if quiet else [self.error(visit.root, visit.url, problem)]

    # -- what the feed and the sitemap name -------------------------------------------------------------

    def sitemap(self, fetched: Fetched, visit: SitemapVisit, known: KnownPage | None) -> SitemapRead:
        """A sitemap or sitemap index: page URLs with their lastmod, child sitemaps; a 304 replays what the
        archive remembers of it (its pages row keeps them as outlinks {"urls": {url: lastmod}, "children"})."""
        read = SitemapRead(fetched.url)
        if fetched.status == 304:
            outlinks = (known.outlinks if known else None) or {}
            read.urls = dict(outlinks.get("urls") or {})
            read.children = list(outlinks.get("children") or [])
            read.fresh = False
            read.records.append(PageItem(self.blog, visit.root, fetched.url, "sitemap", 304,
                                         fetched_at=fetched.fetched_at))
            return read
        try:
            urls, read.children = parse_sitemap(fetched.body, fetched.url)
        except Exception as error:
            if not visit.probing:
                read.records.append(ErrorItem(self.blog, visit.root, fetched.url, "sitemap-error",
                                              _error_text(error), fetched.status))
            return read
        if not urls and not read.children:
            if not visit.probing:
                read.records.append(ErrorItem(self.blog, visit.root, fetched.url, "sitemap-error",
                                              "no URLs in the sitemap", fetched.status))
            return read
        for item in urls:
            read.urls.setdefault(item.url, item.lastmod.iso if item.lastmod else None)
        page = self.page(fetched, visit.root, "sitemap", None)
        page.outlinks = {"urls": read.urls, "children": read.children}
        read.records.append(page)
        if visit.depth == 0:
            read.records.append(SiteItem(self.blog, visit.root, sitemaps=[fetched.url]))
        return read

    def sitemap_failed(self, visit: SitemapVisit, problem: Problem) -> list:
        """A sitemap that could not be fetched: a row in the crawl log, unless its address was only guessed."""
        quiet = visit.probing and problem.kind != "robots"
        return [] if quiet else [self.error(visit.root, visit.url, problem)]

    def found_post(self, fetched: Fetched, visit: FoundPostVisit) -> tuple[list, bool]:
        """A page the feed or the sitemap named that no listing reached: (records, True) when it reads as one
        post with a date (its own, its URL's or its feed entry's), ([], False) when it is some other page."""
        from archiver.extract.pagekind import ARCHIVE, LISTING, POST, classify_page

        text, encoding = decode(fetched)
        if text is None:
            return [], False
        try:
            page = self.parse_post(text, fetched.url)
            kind = classify_page(text, fetched.url, theme_rules=self.theme_rules)
        except Exception as error:
            log.exception("post extraction failed on %s", fetched.url)
            return [ErrorItem(self.blog, visit.root, fetched.url, "extract-error", _error_text(error),
                              fetched.status)], False
        dated = page.published or visit.entry.published or has_url_date(fetched.url)
        # A feed entry is a post unless its page is a list; a bare sitemap URL must read as one post.
        readable = kind.kind == POST or (visit.via == "feed" and kind.kind not in (LISTING, ARCHIVE))
        if not readable or not dated:
            return [], False
        self.learn_from_post(text, fetched.url, page)
        item = self.post_item(visit.root, visit.entry, page, fetched.status, visit.listing_url, None,
                              fetched.fetched_at)
        return [self.page(fetched, visit.root, "post", encoding), item, post_images(item)], True

    # -- helpers -----------------------------------------------------------------------------------------

    def error(self, root: str | None, url: str, problem: Problem) -> ErrorItem:
        """The error row of a problem with one URL."""
        return ErrorItem(self.blog, root, url, problem.kind, problem.message, problem.status)

    def page(self, fetched: Fetched, root: str, kind: str, encoding: str | None) -> PageItem:
        """The fetch log row of an answer."""
        return PageItem(
            self.blog, root, fetched.url, kind, fetched.status,
            etag=fetched.header("ETag"), last_modified=fetched.header("Last-Modified"),
            content_hash=fetched.content_hash, fetched_at=fetched.fetched_at, encoding=encoding,
            warc_file=fetched.warc_file, warc_offset=fetched.warc_offset, redirects=fetched.redirects,
        )

