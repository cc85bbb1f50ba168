"""Where a blog's posts are, when the page the crawl was handed does not list them all: the crawl's discovery
state per blog, and the small decisions it needs (Scrapy-free; the spider makes the requests).

A blog's walk goes in phases. WALK: the start page and its pagination, plus, when the start page is no list or
shows only a few posts without pagination, the pages its menu names as the list ("Blog", "Posts", "Archive",
the home of a post page): the first that lists posts is walked as the blog's list. Meanwhile the feed and, on a
first crawl, the sitemap are read as evidence of the posts that exist. SEEK: once nothing of the walk is left,
posts the evidence names that no listing reached send the crawl to the lists that should hold them (the archive
page, the year/month archive pages of their dates). FOUND: what is still missing is fetched from the feed's or
sitemap's URLs and kept only when its page reads as a post (SAMPLE first, when no listed post shows what the
blog's post URLs look like: a few of the sitemap's pages, then only those shaped like the posts among them). A re-crawl asks for the sitemap only when it earns
its cost, and re-fetches the posts whose sitemap lastmod is newer than the archive's copy.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from archiver.crawl.records import PageItem
from archiver.extract.evidence import Candidate, Named, loose_key

WALK, SEEK, SAMPLE, FOUND, DONE = "walk", "seek", "sample", "found", "done"
# Request kinds whose answers decide where the walk goes next (post pages don't).
WALK_KINDS = frozenset({"listing", "probe", "feed", "sitemap", "found"})
# Pages tried as the blog's list when the start page is none, or shows only a few posts.
MAX_PROBES = 3
# Sitemaps read per blog (an index's children included), and how deep indexes nest.
MAX_SITEMAPS = 50
MAX_SITEMAP_DEPTH = 2
# Year/month archive pages tried when the evidence names posts no listing reached.
MAX_ARCHIVE_PROBES = 60
# Pages of a sitemap read first when no listed post shows what the blog's post URLs look like.
FOUND_SAMPLE = 12
# Usual sitemap addresses, tried on a blog's first crawl when robots.txt names none.
SITEMAP_PATHS = ("sitemap.xml",)
# Child sitemaps of an index that never list posts (WordPress, Yoast, Rank Math, Hugo, Jekyll name them so).
_TAXONOMY_SITEMAP = re.compile(r"(?:^|[-_/])(?:tags?|categor(?:y|ies)|authors?|users?|taxonom(?:y|ies)|"
                               r"post_tag|topics?|labels?|series)(?:[-_.\d]|sitemap|$)", re.I)
_ARCHIVE_DATE = re.compile(r"(?:^|[/_-])((?:19|20)\d{2})(?:[/_-](0?[1-9]|1[0-2]))?(?=[/_.-]|$)")


@dataclass(slots=True)
class BlogDiscovery:
    """One blog's discovery state in this process (part of its BlogWalk)."""

    phase: str = WALK
    open: int = 0  # requests of WALK_KINDS asked for and not answered yet
    probes: list[str] = field(default_factory=list)  # pages still to try as the blog's list, best first
    probe_purpose: str = "start"
    probed: set[str] = field(default_factory=set)  # loose keys of the pages tried as the list
    adopted: list[str] = field(default_factory=list)  # those that listed posts: the blog's list, remembered
    menu: set[str] = field(default_factory=set)  # loose keys of the pages the blog's menu links (never posts)
    labelled: list[str] = field(default_factory=list)  # "Blog"/"Archive"... links seen, for SEEK
    date_archives: list[str] = field(default_factory=list)  # year/month archive pages seen, for SEEK
    named: dict[str, Named] = field(default_factory=dict)  # loose key -> what the feed or the sitemap said
    sitemaps: set[str] = field(default_factory=set)  # loose keys of the sitemaps asked for
    sitemap_answered: bool = False  # a sitemap answered this crawl (200 or 304)
    rechecked: bool = False  # the re-crawl's decision on asking for the sitemap is made
    changed: bool = False  # on a re-crawl: the start page or the feed changed since the last crawl
    lastmod_changed: dict[str, str] = field(default_factory=dict)  # url_key -> URL of posts the sitemap says changed
    post_requests: set[str] = field(default_factory=set)  # url_keys of the post pages this crawl asked for
    found: set[str] = field(default_factory=set)  # loose keys of the pages fetched as FOUND candidates
    failure: str | None = None  # why the start page gave no posts: the blog's failure if nothing else does
    failure_notes: list = field(default_factory=list)  # its "no-posts" rows, logged only if the blog fails
    start_page: PageItem | None = None  # the start page's row, re-sent with the lists found from it

    def name(self, item: Named) -> None:
        """Take what the feed or the sitemap says of a URL: a feed entry (title, date) wins over a bare sitemap
        URL, and keeps its lastmod."""
        key = loose_key(item.url)
        earlier = self.named.get(key)
        if earlier is None:
            self.named[key] = item
        elif item.via == "feed" and earlier.via != "feed":
            self.named[key] = Named(item.url, item.via, item.source, item.title, item.published, earlier.lastmod)
        elif item.via == "sitemap" and earlier.via == "feed" and earlier.lastmod is None:
            self.named[key] = Named(earlier.url, earlier.via, earlier.source, earlier.title, earlier.published,
                                    item.lastmod)

    def next_probe(self) -> str | None:
        """The next page to try as the blog's list (None when none is left or enough were tried)."""
        while self.probes and len(self.probed) < MAX_PROBES:
            url = self.probes.pop(0)
            if loose_key(url) not in self.probed:
                return url
        return None


def child_sitemaps(children: Iterable[str]) -> list[str]:
    """The child sitemaps of an index worth reading: not those of tags, categories or authors."""
    return [url for url in children if not _TAXONOMY_SITEMAP.search(url.rsplit("/", 1)[-1])]


def archive_period(url: str) -> tuple[str, str | None] | None:
    """(year, month or None) of a year/month archive page's URL: /2021/05/ -> ("2021", "05")."""
    matches = list(_ARCHIVE_DATE.finditer(url.split("://", 1)[-1].split("/", 1)[-1]))
    if not matches:
        return None
    match = matches[-1]
    month = match.group(2)
    return match.group(1), f"{int(month):02d}" if month else None


def archives_for(archives: list[str], candidates: list[Candidate]) -> list[str]:
    """The year/month archive pages that should hold the candidates (by the date their feed entry, sitemap
    lastmod or URL gives); all of them when the candidates' dates are unknown."""
    periods: set[tuple[str, str]] = set()
    for candidate in candidates:
        named = candidate.named
        day = (named.published.iso if named.published else None) or _date_in_url(named.url)
        if day:
            periods.add((day[:4], day[5:7]))
    if not periods:
        return archives[:MAX_ARCHIVE_PROBES]
    chosen = []
    for url in archives:
        period = archive_period(url)
        if period and any(year == period[0] and (period[1] is None or month == period[1]) for year, month in periods):
            chosen.append(url)
    # A month page is enough where there is one: its year page lists the same posts and more.
    months = {archive_period(url)[0] for url in chosen if archive_period(url)[1]}  # type: ignore[index]
    chosen = [url for url in chosen if archive_period(url)[1] or archive_period(url)[0] not in months]  # type: ignore[index]
    return chosen[:MAX_ARCHIVE_PROBES]


_URL_DAY = re.compile(r"/((?:19|20)\d{2})[/-](0[1-9]|1[0-2])(?:[/-]|$)")


def _date_in_url(url: str) -> str | None:
    match = _URL_DAY.search(url)
    return f"{match.group(1)}-{match.group(2)}" if match else None
