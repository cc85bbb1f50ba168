"""What a blog's feed and sitemap say about its posts, weighed against what its listings showed.

A feed names the newest posts; a sitemap names every page of a site: posts, but also its home, listing pages,
tag and category pages, "about" pages, documentation. Neither says which of its URLs are posts. The evidence
here is the blog's own: a URL is post-like when it has the shape the listed posts share (`/2020/05/slug/`,
`/posts/slug/`, `/p/123.html`), it is never one when it is an index (year, month, tag, category), a listing or
pagination page, the home, a page its menu links (about, now, projects), or a file that is no web page. The
crawl then reads a candidate's own page before keeping it (extract.pagekind). Pure functions over URLs.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from urllib.parse import urlsplit

from archiver.extract.model import DateValue
from archiver.extract.urls import URL_CACHE_SIZE, in_scope, is_index_url, url_key

# Files that are never a post's page.
NOT_PAGE_EXTENSIONS = frozenset({
    "xml", "rss", "atom", "json", "txt", "pdf", "jpg", "jpeg", "png", "gif", "webp", "svg", "avif", "ico", "zip",
    "gz", "tgz", "bz2", "xz", "7z", "css", "js", "mjs", "map", "mp3", "mp4", "m4a", "ogg", "webm", "mov", "woff",
    "woff2", "ttf", "otf", "eot", "epub", "mobi", "doc", "docx", "xls", "xlsx", "ppt", "pptx", "csv", "tar",
})
# Pagination of a list: /page/2/, /page2/, /index2.html, ?page=2 (not ?p=2, WordPress's post shortlink).
_PAGINATION_PATH = re.compile(r"/page[-_/]?\d{1,6}/?$|/index\d{1,6}\.html?$", re.I)
_PAGINATION_QUERY = re.compile(r"(?:^|&)(?:page|paged|pg|start|offset)=\d+(?:&|$)", re.I)
# A date in a URL's path: /2020/05/17/, /2020/05/, /2020-05-17-slug, /20200517.
_URL_DATE = re.compile(r"(?:^|/)(?:19|20)\d{2}(?:/(?:0?[1-9]|1[0-2])(?:/|$)|[-_](?:0[1-9]|1[0-2])[-_]\d{2})"
                       r"|(?:^|/)(?:19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])(?:\D|$)")
_DIGITS = re.compile(r"^\d+$")
# A shape is evidence once this many listed posts have it.
SHAPE_SUPPORT = 2
# The coarse shape (every folder a wildcard) is evidence only when listed posts vary that much at the wildcard
# folders (posts filed in category folders: /tech/slug/, /life/slug/, /misc/slug/).
COARSE_VARIETY = 3


_WWW = re.compile(r"^www\d*\.", re.I)


@lru_cache(maxsize=URL_CACHE_SIZE)
def loose_key(url: str) -> str:
    """url_key without "www." and with repeated slashes folded: what the evidence is matched on (a feed may name
    `www.` URLs the listings link without it, or write `//2024/05/x.html`)."""
    return loose_key_of(url_key(url))


@lru_cache(maxsize=URL_CACHE_SIZE)
def loose_key_of(key: str) -> str:
    """loose_key of a url_key ("host/path"), without canonicalising the URL again (a key is canonical already)."""
    host, _, path = key.partition("/")
    host = _WWW.sub("", host)
    return host + ("/" + re.sub(r"/{2,}", "/", path).strip("/") if path.strip("/") else "")


def _path_of(url_or_key: str) -> str:
    """The path of a URL, or of a url_key ("host/path")."""
    if "://" in url_or_key:
        return urlsplit(url_or_key).path or "/"
    _, _, path = url_or_key.partition("/")
    return "/" + path


def _segments(path: str) -> list[str]:
    return [s for s in path.lower().split("/") if s]


def _last_parts(segment: str) -> tuple[str, str]:
    stem, dot, ext = segment.rpartition(".")
    if not dot or not stem or not ext.isalnum() or len(ext) > 5:
        return segment, ""
    return stem, "." + ext


def path_shape(url_or_key: str, *, coarse: bool = False) -> str:
    """The shape of a URL's path: folders kept as they are (digits as `#`), the last segment as `*` (a slug) or
    `#` (a number), its extension kept: `/2020/05/my-post/` -> `#/#/*`, `/posts/x.html` -> `posts/*.html`.
    `coarse=True` also makes every lettered folder a wildcard: `/tech/x/` -> `*/*`. Trailing slashes are not part
    of it (keys drop them)."""
    segments = _segments(_path_of(url_or_key))
    if not segments:
        return ""
    shape = []
    for folder in segments[:-1]:
        if _DIGITS.match(folder):
            shape.append("#")
        else:
            shape.append("*" if coarse else folder)
    stem, ext = _last_parts(segments[-1])
    shape.append(("#" if _DIGITS.match(stem) else "*") + ext)
    return "/".join(shape)


class PostShapes:
    """The URL shapes of a blog's listed posts, to tell post-like URLs from other pages of its sitemap."""

    def __init__(self, post_urls: Iterable[str]) -> None:
        self.fine: Counter[str] = Counter()
        self.coarse: Counter[str] = Counter()
        variety: dict[str, set[str]] = defaultdict(set)
        for url in post_urls:
            fine = path_shape(url)
            if not fine:
                continue
            self.fine[fine] += 1
            coarse = path_shape(url, coarse=True)
            self.coarse[coarse] += 1
            variety[coarse].add(fine)
        self.varied = {shape for shape, fines in variety.items() if len(fines) >= COARSE_VARIETY}
        self.posts = sum(self.fine.values())

    def __bool__(self) -> bool:
        return self.posts >= SHAPE_SUPPORT

    def matches(self, url: str) -> bool:
        """Whether `url` has a shape at least SHAPE_SUPPORT listed posts share."""
        if self.fine[path_shape(url)] >= SHAPE_SUPPORT:
            return True
        coarse = path_shape(url, coarse=True)
        return coarse in self.varied and self.coarse[coarse] >= SHAPE_SUPPORT


def is_pagination_url(url: str) -> bool:
    """Whether a URL is a further page of a list (/page/2/, /page2/, /index2.html, ?page=2)."""
    parts = urlsplit(url)
    return bool(_PAGINATION_PATH.search(parts.path or "/") or (parts.query and _PAGINATION_QUERY.search(parts.query)))


def is_not_a_page(url: str) -> bool:
    """Whether a URL names a file that is no web page (a feed, an image, an archive...)."""
    segments = _segments(urlsplit(url).path or "/")
    if not segments:
        return False
    _, ext = _last_parts(segments[-1])
    return ext[1:] in NOT_PAGE_EXTENSIONS


def has_url_date(url: str) -> bool:
    """Whether a URL's path carries a date (/2020/05/17/slug/, /2020-05-17-slug, /20200517.html)."""
    return bool(_URL_DATE.search(_path_of(url)))


def never_a_post(url: str, root: str) -> bool:
    """Pages that are never a post, whatever the evidence: outside the blog, its home, an index (year, month,
    tag, category, author), a further page of a list, a file that is no web page."""
    if not in_scope(url, root) or loose_key(url) == loose_key(root):
        return True
    return is_index_url(url) or is_pagination_url(url) or is_not_a_page(url)


@dataclass(frozen=True, slots=True)
class Named:
    """A URL the feed or the sitemap names: where it was named, and what it said of it."""

    url: str
    via: str  # "feed" or "sitemap"
    source: str  # the feed's or sitemap's URL
    title: str | None = None
    published: DateValue | None = None
    lastmod: str | None = None  # ISO date or datetime of the sitemap's <lastmod>


@dataclass(frozen=True, slots=True)
class Candidate:
    """A post the feed or sitemap names that no listing reached, with how strong the evidence is."""

    named: Named
    shaped: bool  # its URL has the listed posts' shape (with no listed posts to learn from: a date in it)

    @property
    def url(self) -> str:
        return self.named.url


def missing_posts(named: Mapping[str, Named], listed: Iterable[str], not_posts: Iterable[str], root: str,
                  shapes: PostShapes) -> list[Candidate]:
    """The URLs the feed or sitemap name that no listing showed and that may be posts, best evidence first.

    `named`: loose_key -> what named it (feed entries over sitemap URLs); `listed`: keys of the posts listings
    showed; `not_posts`: keys of pages known not to be posts (listing pages, the menu's pages). While there are
    listed posts to learn from, only URLs of their shape are candidates; without any, every page URL is (the
    crawl reads each one's page before keeping it)."""
    seen = {loose_key(key) if "://" in key else loose_key_of(key) for key in listed}
    excluded = {loose_key(key) if "://" in key else loose_key_of(key) for key in not_posts}
    found: list[Candidate] = []
    for key, item in named.items():
        if key in seen or key in excluded or never_a_post(item.url, root):
            continue
        if shapes and not shapes.matches(item.url):
            continue  # the blog's listed posts have another shape: a page, documentation, an attachment
        found.append(Candidate(item, bool(shapes) or has_url_date(item.url)))
    found.sort(key=lambda c: (c.named.via != "feed", not c.shaped))
    return found


# ---------------------------------------------------------------- lastmod as change evidence


def _instant(iso: str | None) -> datetime | None:
    """An ISO date or datetime as an aware UTC instant (a date is its midnight, naive times are UTC)."""
    if not iso:
        return None
    text = iso.strip().replace("Z", "+00:00") if iso.strip().endswith("Z") else iso.strip()
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def changed_since(lastmod: str | None, known_lastmod: str | None, fetched_at: str | None) -> bool:
    """Whether a sitemap's lastmod says a page changed since the archive's copy: later than the lastmod the
    last sitemap gave it, or, when the archive has no lastmod for it, later than when its page was fetched."""
    new = _instant(lastmod)
    if new is None:
        return False
    before = _instant(known_lastmod)
    if before is not None:
        return new > before
    fetched = _instant(fetched_at)
    return fetched is not None and new > fetched
