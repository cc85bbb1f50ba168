"""A crawl's state, typed: its options, and per blog where the walk is, the ledger of listed posts, the counts
and the outcome. One `CrawlState` per crawl, reachable from the Scrapy crawler (`CrawlState.of(crawler)`), so
the spider, the pipelines, the extensions and the runner share it without spider attributes.

Two halves per blog. `BlogWalk` is the spider's decision state in this process (pages asked for, posts seen,
the layout hint). `BlogTally` is folded from the records the crawl produced (`CrawlState.take`), so it reads
the same whether one process crawled or many workers did and sent their records to one writer: the counts, the
ledger of listed posts that must each end as a row, and the outcome.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from archiver import settings as defaults
from archiver.crawl.discovery import BlogDiscovery
from archiver.crawl.images import ImageWalk
from archiver.crawl.memory import CrawlMemory, LastCrawl, NoMemory
from archiver.crawl.reader import BlogReader
from archiver.crawl.records import (
    REMARK_KINDS,
    DroppedItem,
    ErrorItem,
    Listed,
    ListedItem,
    PageItem,
    PostItem,
    SeenItem,
    SiteItem,
    WalkItem,
)
from archiver.extract.overrides import SiteRules
from archiver.extract.urls import url_key
from archiver.wording import plural

STATE_ATTRIBUTE = "archiver_state"


@dataclass(frozen=True, slots=True)
class CrawlOptions:
    """The ARCHIVER_* settings that steer a crawl's decisions (defaults and meanings in archiver/settings.py)."""

    fetch_posts: bool = True
    incremental: bool = True
    pagination_overlap: int = 0
    revisit_days: float = 30.0
    max_listing_pages: int = 50_000
    theme_rules: bool = True
    fail_on_warnings: bool = True
    sitemaps: bool = True
    sitemap_recheck_days: float = 7.0
    images: bool = True
    image_max_bytes: int = defaults.ARCHIVER_IMAGE_MAX_BYTES
    images_max_bytes_per_blog: int = defaults.ARCHIVER_IMAGES_MAX_BYTES_PER_BLOG

    @classmethod
    def from_settings(cls, settings: Any) -> CrawlOptions:
        """From Scrapy settings (anything with getbool/getint/getfloat); what they lack, archiver/settings.py
        declares."""

        def read(kind: str, name: str) -> Any:
            return getattr(settings, kind)(name, getattr(defaults, name))

        return cls(
            fetch_posts=read("getbool", "ARCHIVER_FETCH_POSTS"),
            incremental=read("getbool", "ARCHIVER_INCREMENTAL"),
            pagination_overlap=read("getint", "ARCHIVER_PAGINATION_OVERLAP"),
            revisit_days=read("getfloat", "ARCHIVER_REVISIT_DAYS"),
            max_listing_pages=read("getint", "ARCHIVER_MAX_LISTING_PAGES"),
            theme_rules=read("getbool", "ARCHIVER_THEME_RULES"),
            fail_on_warnings=read("getbool", "ARCHIVER_FAIL_ON_WARNINGS"),
            sitemaps=read("getbool", "ARCHIVER_SITEMAPS"),
            sitemap_recheck_days=read("getfloat", "ARCHIVER_SITEMAP_RECHECK_DAYS"),
            images=read("getbool", "ARCHIVER_IMAGES"),
            image_max_bytes=read("getint", "ARCHIVER_IMAGE_MAX_BYTES"),
            images_max_bytes_per_blog=read("getint", "ARCHIVER_IMAGES_MAX_BYTES_PER_BLOG"),
        )


@dataclass(slots=True)
class BlogWalk:
    """Where this process is in walking one blog's listing pages (the spider's decision state)."""

    root: str = ""
    layout: str | None = None  # the listing layout the start page used, a hint for further pages
    listing_keys: set[str] = field(default_factory=set)  # listing pages requested
    entry_sets: dict[frozenset[str], str] = field(default_factory=dict)  # entries of a page -> that page's URL
    post_keys: set[str] = field(default_factory=set)  # posts listed so far
    overlap_left: int = 0  # unchanged listing pages still to walk before stopping a re-crawl
    conditional: bool = False  # the last crawl walked the whole blog: ask for listing pages conditionally
    notes: set[str] = field(default_factory=set)  # remarks already made (one of each is enough)
    discovery: BlogDiscovery = field(default_factory=BlogDiscovery)  # where the posts are (archiver.crawl.discovery)
    images: ImageWalk = field(default_factory=ImageWalk)  # images asked for, bytes received (archiver.crawl.images)


@dataclass(slots=True)
class BlogTally:
    """What one blog's crawl did, folded from its records; the ledger of the posts its listings showed."""

    start_url: str
    root: str = ""
    listing_keys: set[str] = field(default_factory=set)
    ledger: dict[str, Listed] = field(default_factory=dict)  # every post listed, by url_key
    settled: set[str] = field(default_factory=set)  # listed posts that have their row
    dropped: dict[str, str] = field(default_factory=dict)  # url_key -> why its request never got an answer
    entries_with_date: int = 0
    entries_with_title: int = 0
    posts_fetched: int = 0  # listed posts this crawl took from their listing or page (not unchanged ones)
    errors: int = 0
    pages: int = 0  # pages read (listing, post, feed answers that gave a page record)
    incomplete: bool = False  # the walk was cut short: a limit, a failed listing page
    stopped_early: bool = False  # a re-crawl stopped at a listing page that had not changed
    failure: str | None = None  # why the whole blog failed, when it did
    notes: list[str] = field(default_factory=list)  # remarks for the summary line (loops, limits)
    robots_refused: dict[str, int] = field(default_factory=dict)  # what robots.txt kept the crawl from, by kind

    def add(self, record: Any) -> None:
        """Fold one record of this blog into the counts and the ledger."""
        if isinstance(record, PostItem | SeenItem):
            self.settled.add(record.url_key)
        elif isinstance(record, ListedItem):
            for listed in record.posts:
                if listed.url_key in self.ledger:
                    continue  # a pinned post shown again, or the same post on two pages: its first entry wins
                self.ledger[listed.url_key] = listed
                if listed.action in Listed.SEEN:
                    self.settled.add(listed.url_key)
                if listed.entry is not None:
                    self.entries_with_date += listed.entry.published is not None
                    self.entries_with_title += bool(listed.entry.title)
                self.posts_fetched += listed.action in ("fetch", "keep")
        elif isinstance(record, PageItem):
            self.pages += 1
            if record.kind == "listing":
                self.listing_keys.add(url_key(record.url))
        elif isinstance(record, ErrorItem):
            if record.kind == "robots":
                wanted = record.wanted or "page"
                self.robots_refused[wanted] = self.robots_refused.get(wanted, 0) + 1
            if record.kind not in REMARK_KINDS:
                self.errors += 1
            elif record.kind != "no-posts" and record.message not in self.notes:
                self.notes.append(record.message)
        elif isinstance(record, SiteItem):
            self.root = self.root or record.root
        elif isinstance(record, WalkItem):
            if record.stopped_early:
                self.stopped_early = True
            else:
                self.incomplete = self.incomplete or record.incomplete
            self.failure = self.failure or record.failure
        elif isinstance(record, DroppedItem):
            self.dropped.setdefault(record.url_key, record.reason)

    @property
    def posts_found(self) -> int:
        return len(self.ledger)

    @property
    def listing_pages(self) -> int:
        return len(self.listing_keys)

    def unsettled(self) -> list[Listed]:
        """Listed posts whose page was asked for but which have no row yet."""
        return [listed for key, listed in self.ledger.items() if key not in self.settled and listed.action == "fetch"]

    def robots_note(self) -> str | None:
        """What robots.txt kept the crawl from, for the closing line ("robots.txt disallowed 2 posts...")."""
        return robots_note(self.robots_refused)

    def complete(self, ran_to_end: bool) -> bool:
        """Whether this crawl walked the whole blog (removed posts can only be told after such a walk)."""
        return self.up_to_date(ran_to_end) and not self.stopped_early

    def up_to_date(self, ran_to_end: bool) -> bool:
        """Whether the archive holds the blog as it is now: a complete walk, or one that stopped where nothing
        had changed since such a walk. The next crawl may then ask conditionally and stop early again."""
        return ran_to_end and not self.incomplete and not self.failure

    def stats(self, ran_to_end: bool, previous: LastCrawl | None) -> dict[str, Any]:
        """What this crawl saw of the blog, kept in crawls.stats for the next crawl to compare with."""
        return {
            "start_url": self.start_url,
            "root": self.root,
            "complete": self.complete(ran_to_end),
            "up_to_date": self.up_to_date(ran_to_end),
            "listing_pages": self.listing_pages,
            "posts_found": self.posts_found,
            "entries_with_date": self.entries_with_date,
            "entries_with_title": self.entries_with_title,
            "posts_fetched": self.posts_fetched,
            "errors": self.errors,
            "notes": list(self.notes),
            "warnings": self.warnings(ran_to_end, previous),
        }

    def warnings(self, ran_to_end: bool, previous: LastCrawl | None) -> list[str]:
        """Signs that a theme change broke extraction, from a comparison with the previous complete crawl."""
        before_stats = previous.stats if previous else None
        if not before_stats or not before_stats.get("complete") or not self.complete(ran_to_end):
            return []
        warnings = []
        before, now = before_stats.get("posts_found", 0), self.posts_found
        if before >= 10 and now < before / 2:
            warnings.append(f"far fewer posts on the listings than last time ({now} vs {before})")
        for name, label in (("entries_with_date", "dates"), ("entries_with_title", "titles")):
            share_before = before_stats.get(name, 0) / before if before else 0
            share_now = getattr(self, name) / now if now else 0
            if share_before >= 0.8 and share_now < 0.5:
                warnings.append(f"{label} missing on most listing entries (was {share_before:.0%}, now {share_now:.0%})")
        errors_before = before_stats.get("errors", 0)
        if self.errors >= 5 and self.errors > 3 * errors_before:
            warnings.append(f"errors jumped ({self.errors} vs {errors_before} last time)")
        return warnings


@dataclass(frozen=True, slots=True)
class BlogSpec:
    """A blog to crawl: its start URL, the rules to read it with, and how people call it."""

    start_url: str
    rules: SiteRules | None = None
    label: str | None = None  # a registered site's name


@dataclass(slots=True)
class Written:
    """What a crawl changed in the archive."""

    posts_new: int = 0
    posts_updated: int = 0
    posts_removed: int = 0
    errors: int = 0

    def add(self, other: Written) -> None:
        """Add another crawl's figures to these."""
        self.posts_new += other.posts_new
        self.posts_updated += other.posts_updated
        self.posts_removed += other.posts_removed
        self.errors += other.errors


@dataclass(slots=True)
class Blog:
    """One blog of a crawl: how to read it, where its walk is, what it did, and its crawls row."""

    start_url: str
    reader: BlogReader
    label: str | None = None
    walk: BlogWalk = field(default_factory=BlogWalk)
    tally: BlogTally = field(init=False)
    last_crawl: LastCrawl | None = None
    crawl_id: int | None = None
    pending: int = 0  # requests of this blog asked for and not yet answered (or dropped)
    responses: int = 0  # answers received (any status)
    started: bool = False
    finished: bool = False  # its crawls row is finished: nothing more is written for it
    ran_to_end: bool = False  # every request it made was answered: the crawl of this blog was not cut short
    archived_keys: set[str] = field(default_factory=set)  # posts written (the same post under two URLs once)
    written: Written = field(default_factory=Written)

    def __post_init__(self) -> None:
        self.tally = BlogTally(self.start_url)

    @property
    def rules(self) -> SiteRules | None:
        return self.reader.rules

    @property
    def name(self) -> str:
        """How people call it: its registered name, else its start URL."""
        return self.label or self.start_url

    @property
    def failed(self) -> bool:
        return bool(self.tally.failure)


@dataclass(slots=True)
class Outcome:
    """How a crawl (of one blog or several) went: ok / partial / failed, and one line saying why."""

    status: str
    message: str
    posts_found: int = 0
    listing_pages: int = 0
    warnings: list[str] = field(default_factory=list)
    sites: dict[str, dict[str, Any]] = field(default_factory=dict)  # per start url_key: BlogTally.stats

    @classmethod
    def combine(cls, blogs: list[Outcome]) -> Outcome:
        """How a crawl of several blogs went, from the outcome of each (CrawlState.blog_outcome): also of blogs
        crawled by several processes."""
        sites = {key: stats for blog in blogs for key, stats in blog.sites.items()}
        failed = [blog for blog in blogs if blog.status == "failed"]
        found = sum(blog.posts_found for blog in blogs)
        pages = sum(blog.listing_pages for blog in blogs)
        warnings = [w for stats in sites.values() for w in stats["warnings"]]
        notes = [n for stats in sites.values() for n in stats["notes"]]
        if failed and len(failed) == len(blogs):
            status, message = "failed", "; ".join(blog.message for blog in failed if blog.message)
        elif failed:
            status = "partial"
            shown = "; ".join(blog.message for blog in failed[:3] if blog.message) + ("; ..." if len(failed) > 3 else "")
            message = f"{len(failed)} of {len(blogs)} blogs failed: {shown}"
        elif any(blog.status == "partial" for blog in blogs):
            status = "partial"
            message = (f"interrupted after {plural(found, 'post')} on {plural(pages, 'listing page')}; "
                       "run the same command to go on")
        else:
            status, message = "ok", f"{plural(found, 'post')} found on {plural(pages, 'listing page')}"
        if (warnings or notes) and status != "failed":
            message += " (" + "; ".join((warnings + notes)[:3]) + ")"
        return cls(status, message, found, pages, warnings, sites)


class CrawlState:
    """The state of one crawl: options, memory, its blogs with their ledgers, tallies and outcomes."""

    def __init__(self, options: CrawlOptions | None = None, memory: CrawlMemory | None = None) -> None:
        self.options = options or CrawlOptions()
        self.memory: CrawlMemory = memory or NoMemory()
        self.blogs: dict[str, Blog] = {}
        # host -> how the crawl treated it: the delay between requests, what its robots.txt asked, remarks
        # (filled by archiver.politeness in the process that downloads)
        self.politeness: dict[str, dict[str, Any]] = {}

    @classmethod
    def of(cls, crawler: Any) -> CrawlState:
        """The state of the crawl `crawler` runs (made from its settings on first use)."""
        state = getattr(crawler, STATE_ATTRIBUTE, None)
        if state is None:
            state = cls(CrawlOptions.from_settings(crawler.settings))
            setattr(crawler, STATE_ATTRIBUTE, state)
        return state

    def add_blog(self, spec: BlogSpec | str) -> Blog:
        """Add a blog to crawl (a start URL: its home or any listing page; or a BlogSpec with its rules). A blog
        whose earlier crawl in this process finished starts afresh."""
        if isinstance(spec, str):
            spec = BlogSpec(spec)
        blog = self.blogs.get(spec.start_url)
        if blog is None or blog.finished:
            reader = BlogReader(spec.start_url, spec.rules, theme_rules=self.options.theme_rules)
            blog = self.blogs[spec.start_url] = Blog(spec.start_url, reader, spec.label)
            blog.walk.overlap_left = self.options.pagination_overlap
        return blog

    def blog(self, start_url: str) -> Blog:
        """The blog crawled from `start_url` (added when a request of it arrives from elsewhere, as in a
        distributed crawl)."""
        return self.blogs.get(start_url) or self.add_blog(start_url)

    def take(self, record: Any) -> bool:
        """Fold a record into its blog's tally; False when it is a post the blog's crawl already archived."""
        blog = self.blog(record.blog)
        blog.tally.add(record)
        if isinstance(record, PostItem):
            if record.url_key in blog.archived_keys:
                return False
            blog.archived_keys.add(record.url_key)
        return True

    def settle(self, blog: Blog) -> list[Any]:
        """Records for every listed post of the blog still without a row, so none is silently missing: after a
        crawl that ran to its end the post as listed and an error row naming what happened to its request; after
        an interrupted one the post as listed, without its listing fingerprint, so the next crawl fetches it."""
        records: list[Any] = []
        tally = blog.tally
        for listed in tally.unsettled():
            if listed.entry is None:
                continue
            item = blog.reader.post_item(tally.root, listed.entry, None, None, listed.listing_url,
                                         listed.entry_hash if blog.ran_to_end else None, None)
            records.append(item)
            if blog.ran_to_end:
                reason = tally.dropped.get(listed.url_key) or (
                    "its page was never answered: the request was dropped on the way (filtered, or a "
                    "redirect to a URL this crawl had already asked for)")
                records.append(ErrorItem(blog.start_url, tally.root or None, listed.entry.url, "dropped", reason))
        return records

    def blog_outcome(self, blog: Blog) -> Outcome:
        """How the crawl of one blog went."""
        stats = self._blog_stats(blog)
        tally = blog.tally
        found, pages = tally.posts_found, tally.listing_pages
        if tally.failure:
            return Outcome("failed", tally.failure, found, pages, stats["warnings"], {url_key(blog.start_url): stats})
        if not blog.ran_to_end:
            status, message = "partial", (f"interrupted after {plural(found, 'post')} on "
                                          f"{plural(pages, 'listing page')}; run the same command to go on")
        else:
            status, message = "ok", f"{plural(found, 'post')} found on {plural(pages, 'listing page')}"
        if remarks := stats["warnings"] + stats["notes"]:
            message += " (" + "; ".join(remarks[:3]) + ")"
        return Outcome(status, message, found, pages, stats["warnings"], {url_key(blog.start_url): stats})

    def _blog_stats(self, blog: Blog) -> dict[str, Any]:
        """A blog's stats with how politely it was crawled (its host's delay, robots.txt refusals), whose remarks
        also go to the closing line."""
        stats = blog.tally.stats(blog.ran_to_end, blog.last_crawl)
        host = urlsplit(blog.tally.root or blog.start_url).hostname or ""
        politeness = dict(self.politeness.get(host) or {"delay": 0.0})
        politeness["notes"] = list(politeness.get("notes") or [])
        politeness["robots_refused"] = dict(blog.tally.robots_refused)
        if note := blog.tally.robots_note():
            politeness["notes"].append(note)
        stats["politeness"] = politeness
        stats["notes"] = stats["notes"] + politeness["notes"]
        return stats

    def outcome(self, blogs: list[Blog] | None = None) -> Outcome:
        """How the crawl of these blogs (all of them by default) went."""
        blogs = list(self.blogs.values()) if blogs is None else blogs
        return Outcome.combine([self.blog_outcome(blog) for blog in blogs])

    def written(self) -> Written:
        """What the crawl changed in the archive, over all its blogs."""
        total = Written()
        for blog in self.blogs.values():
            total.add(blog.written)
        return total

ROBOTS_WANTED = {"start": "start pages", "pagination": "pagination pages", "post": "posts", "feed": "feeds",
                 "image": "images"}


def robots_note(refused: dict[str, int]) -> str | None:
    """A closing-line remark on what robots.txt kept a crawl from: {"post": 2} -> "robots.txt disallowed 2 posts..."."""
    parts = []
    for wanted, count in refused.items():
        label = ROBOTS_WANTED.get(wanted, "pages")
        parts.append(f"{count} {label if count > 1 else label.removesuffix('s')}")
    return f"robots.txt disallowed {', '.join(parts)}: not fetched" if parts else None
