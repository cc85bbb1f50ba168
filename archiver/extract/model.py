"""Plain data that extraction returns: the contract between extract/ and the rest of the project.

Everything here is a dataclass of strings, lists and None, so it can be printed as JSON, compared in tests
and handed to Scrapy items without any conversion logic living outside extract/.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(slots=True)
class DateValue:
    """A date as found on a page: the ISO value, the raw text it came from, and where it was found."""

    iso: str  # "2026-01-11" or "2026-01-11T08:30:00+08:00"
    raw: str  # the text or attribute value it was parsed from
    source: str  # "listing-text", "time", "json-ld", "meta", "feed", "url", "microformat", "visible"


@dataclass(slots=True)
class ListingEntry:
    """One post as a listing page shows it."""

    url: str  # absolute URL of the post's own page, as linked
    title: str | None = None
    excerpt: str | None = None  # plain text, whitespace collapsed, code and formulas kept as text
    published: DateValue | None = None
    tags: list[str] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)
    author: str | None = None
    position: int = 0  # 0-based position on its listing page
    extracted_by: str = ""  # which layer found it: "theme:hexo-next", "schema.org", "h-entry", "generic", ...


@dataclass(frozen=True, slots=True)
class PageFacts:
    """What one page of a blog shows that may be its chrome (see extract.profile): short heading and <title>
    texts, and the keys of its lists of links to inner pages."""

    texts: frozenset[str] = frozenset()
    link_lists: frozenset[int] = frozenset()


@dataclass(slots=True)
class Listing:
    """What a listing page gives: its post entries, where its pagination leads, and site facts seen on it."""

    url: str
    entries: list[ListingEntry] = field(default_factory=list)
    next_pages: list[str] = field(default_factory=list)  # absolute URLs of further listing pages, best first
    engine: str | None = None  # "hexo", "hugo", "jekyll", "wordpress", ...
    theme: str | None = None
    site_title: str | None = None
    lang: str | None = None
    feeds: list[str] = field(default_factory=list)  # feed URLs advertised by the page
    site_root: str | None = None  # absolute URL of the blog's home, when the page says where it is
    # Opaque, stable signature of the entry layout that won ("theme:hexo-next|...", "generic:..."); pass it back
    # as parse_listing(..., layout_hint=) for further pages of the same blog (single-entry last pages).
    layout: str | None = None
    # What this page teaches about the blog's chrome, when parse_listing was given a profile still learning.
    facts: PageFacts | None = None


@dataclass(slots=True)
class PostPage:
    """What a post's own page gives."""

    url: str  # the URL fetched
    title: str | None = None
    published: DateValue | None = None
    updated: DateValue | None = None
    author: str | None = None
    tags: list[str] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)
    lang: str | None = None
    description: str | None = None  # meta/og description, else the body's first paragraph
    description_source: str | None = None  # "meta", "og", "json-ld", "first-paragraph"
    content_html: str | None = None  # sanitized HTML of the body
    content_text: str | None = None
    content_markdown: str | None = None
    extracted_by: str = ""  # which rule found the body: "theme:hexo-next", "article", "density", ...


@dataclass(slots=True)
class PostRecord:
    """One archived post: a listing entry merged with its post page (see extract.merge.merge_post)."""

    url: str  # canonical absolute URL
    title: str | None = None
    title_variant: str | None = None  # the other of listing/post-page titles when they disagree (posts.title_variant)
    excerpt: str | None = None
    excerpt_source: str | None = None  # "listing", "meta", "og", "json-ld", "first-paragraph"
    published: str | None = None
    published_raw: str | None = None
    published_source: str | None = None
    updated: str | None = None
    updated_raw: str | None = None
    updated_source: str | None = None
    author: str | None = None
    lang: str | None = None
    tags: list[str] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)
    content_html: str | None = None
    content_text: str | None = None
    content_markdown: str | None = None
    listing_url: str | None = None
    listing_position: int | None = None
    extracted_by: str = ""
    page_status: int | None = None  # HTTP status of the post page, None when it could not be fetched


def to_dict(value: Any) -> dict[str, Any]:
    """Turn one of the dataclasses above into plain dicts and lists (for JSON and Scrapy items)."""
    return asdict(value)
