"""Is a saved page a listing (many posts) or one post? For `python -m archiver.extract`, which is handed a
file with nothing else to say what it is (the crawler always knows: it followed a listing or a post link).

Generic signals only, each a small named check, weighed by how strongly blogs of any engine mean them:
what the page declares about itself (OpenGraph, JSON-LD, article:* meta), how many article-like blocks it
has, what the listing reading found, and pagination.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import lxml.html

from archiver.extract.html import parse_html
from archiver.extract.model import Listing, PostPage

POST_TYPES = frozenset({"blogposting", "article", "newsarticle", "techarticle", "socialmediaposting", "report"})
LISTING_TYPES = frozenset({"blog", "itemlist", "collectionpage", "website", "searchresultspage"})
# Addresses of listing pages on any engine: a blog's home, its numbered pages, a section's index.
LISTING_PATH = re.compile(
    r"^/?$|/page/?\d+/?$|/p\d+/?$|[?&](page|paged|p)=\d+"
    r"|/(blog|blogs|posts|articles|archives?|news|journal|writing|notes|diary|entries|index\d*\.html?)/?$",
    re.IGNORECASE,
)
# Addresses of single posts: a file other than an index, or a slug under a date.
POST_PATH = re.compile(r"/(?!index\d*\.)[^/]+\.(html?|php|aspx?)$|/\d{4}/\d{1,2}/(\d{1,2}/)?[^/]+/?$", re.IGNORECASE)


@dataclass(slots=True)
class PageKind:
    """The verdict: "listing" or "post", and the signals that led to it (for people reading the output)."""

    kind: str
    signals: list[str] = field(default_factory=list)


def _meta(root: lxml.html.HtmlElement, name: str) -> str:
    for element in root.iter("meta"):
        if name in (element.get("property"), element.get("name")):
            return (element.get("content") or "").strip().lower()
    return ""


def _json_ld_types(root: lxml.html.HtmlElement) -> set[str]:
    """The top-level @type of every JSON-LD block (and of @graph members), lowercased."""
    found: set[str] = set()
    for script in root.iter("script"):
        if (script.get("type") or "").lower() != "application/ld+json":
            continue
        try:
            data = json.loads(script.text or "")
        except ValueError:
            continue
        items = data if isinstance(data, list) else [data]
        for item in list(items):
            if isinstance(item, dict) and isinstance(item.get("@graph"), list):
                items.extend(item["@graph"])
        for item in items:
            if isinstance(item, dict):
                kinds = item.get("@type")
                for kind in kinds if isinstance(kinds, list) else [kinds]:
                    if isinstance(kind, str):
                        found.add(kind.lower())
    return found


def _entries_in_main_text(listing: Listing, post: PostPage | None) -> tuple[int, int]:
    """(entries whose title is in the body the post reading found, entries with a title)."""
    body = " ".join((post.content_text or "").split()) if post else ""
    titled = [" ".join(entry.title.split()) for entry in listing.entries if entry.title and len(entry.title) >= 4]
    return sum(1 for title in titled if title in body), len(titled)


def page_kind(html: str, url: str, listing: Listing, post: PostPage | None = None) -> PageKind:
    """Whether `html` (served at `url`) is a listing or a post page, from parse_listing's and (when given)
    parse_post's readings of it."""
    root = parse_html(html, url)
    for_post, for_listing = 0, 0
    signals: list[str] = []

    def says(points_to_post: int, points_to_listing: int, signal: str) -> None:
        nonlocal for_post, for_listing
        for_post += points_to_post
        for_listing += points_to_listing
        signals.append(signal)

    parts = urlsplit(url)
    if LISTING_PATH.search(parts.path + ("?" + parts.query if parts.query else "")):
        says(0, 2, "a listing address (home, numbered page or section)")
    elif POST_PATH.search(parts.path):
        says(1, 0, "a post address (a page file, or a slug under a date)")
    og_type = _meta(root, "og:type")
    if og_type == "article":
        says(3, 0, "og:type article")
    elif og_type in ("website", "blog"):
        says(0, 1, f"og:type {og_type}")
    if _meta(root, "article:published_time"):
        says(2, 0, "article:published_time")
    types = _json_ld_types(root)
    if types & POST_TYPES:
        says(3, 0, "JSON-LD " + ", ".join(sorted(types & POST_TYPES)))
    if types & LISTING_TYPES - {"website"}:
        says(0, 3, "JSON-LD " + ", ".join(sorted(types & LISTING_TYPES - {"website"})))
    articles = sum(1 for _ in root.iter("article"))
    if articles == 1:
        says(1, 0, "one <article>")
    elif articles > 1:
        says(0, 2, f"{articles} <article> elements")
    entries = len(listing.entries)
    inside, titled = _entries_in_main_text(listing, post)
    excerpted = sum(1 for entry in listing.entries if entry.excerpt and len(entry.excerpt) >= 10)
    if entries >= 3 and post is not None and titled >= 3:
        # A listing's entries are its main text, or carry excerpts; a post's "recent posts" and "related"
        # lists are bare titles beside its main text.
        if inside * 2 >= titled:
            says(0, 3, f"{entries} listing entries, {inside} of them in the main text")
        elif excerpted * 2 >= entries:
            says(0, 3, f"{entries} listing entries, {excerpted} with an excerpt")
        else:
            says(3, 0, f"{entries} listing entries, {titled - inside} of {titled} bare titles outside the main text")
    elif entries >= 3:
        says(0, 3, f"{entries} listing entries")
    elif entries == 2:
        says(0, 0, "2 listing entries (a post's previous/next links look the same)")
    else:
        says(1, 0, f"{entries} listing entries")
    if listing.next_pages:
        says(0, 1, "pagination")
    return PageKind("post" if for_post > for_listing else "listing", signals)
