"""Listing entries from data a page embeds for machines: JSON-LD (Blog, ItemList, BlogPosting, @graph) and the
state of JavaScript front ends (Next.js `__NEXT_DATA__`, any `application/json` island).

A listing layer like the others: a plain function from the parsed page to entries, used when the markup itself
is thin (sites rendered by JavaScript keep their posts in such data).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import urljoin, urlsplit

import lxml.html

from archiver.extract.dates import parse_date
from archiver.extract.html import collapse, parse_html
from archiver.extract.model import ListingEntry

POSTING_TYPES = frozenset({"BlogPosting", "Article", "NewsArticle", "TechArticle", "SocialMediaPosting", "Posting"})
# Keys a front end's post objects use, most specific first.
TITLE_KEYS = ("headline", "title", "name")
URL_KEYS = ("url", "permalink", "link", "href", "path", "uri")
SLUG_KEYS = ("slug",)
DATE_KEYS = ("datePublished", "date", "publishedAt", "published_at", "publishDate", "published", "createdAt",
             "created_at", "pubDate")
EXCERPT_KEYS = ("description", "excerpt", "summary", "abstract", "brief", "subtitle")
MAX_JSON_BYTES = 5_000_000  # a state blob larger than this is an application, not a blog listing
MAX_DEPTH = 12


def json_scripts(doc: lxml.html.HtmlElement, types: tuple[str, ...]) -> Iterator[Any]:
    """Parsed JSON of every <script> whose type is one of `types` (bad JSON is skipped)."""
    for script in doc.iter("script"):
        script_type = (script.get("type") or "").strip().lower()
        if script_type not in types:
            continue
        text = script.text or ""
        if not text.strip() or len(text) > MAX_JSON_BYTES:
            continue
        try:
            yield json.loads(text)
        except ValueError:
            continue


# -- JSON-LD --------------------------------------------------------------------------------------------------

def _types(node: dict[str, Any]) -> set[str]:
    value = node.get("@type")
    values = value if isinstance(value, list) else [value]
    return {str(v).rsplit("/", 1)[-1] for v in values if v}


def _text(value: Any) -> str | None:
    if isinstance(value, dict):
        value = value.get("name") or value.get("@value")
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, str | int | float):
        text = collapse(str(value))
        return text or None
    return None


def _postings(node: Any, depth: int = 0) -> Iterator[dict[str, Any]]:
    """Every BlogPosting-like object in a JSON-LD value, in document order (ItemList items unwrapped)."""
    if depth > MAX_DEPTH:
        return
    if isinstance(node, list):
        for child in node:
            yield from _postings(child, depth + 1)
        return
    if not isinstance(node, dict):
        return
    types = _types(node)
    if types & POSTING_TYPES:
        yield node
        return
    if "ListItem" in types and isinstance(node.get("item"), dict):
        yield node["item"]
        return
    for key in ("@graph", "blogPost", "blogPosts", "itemListElement", "hasPart", "mainEntity"):
        if key in node:
            yield from _postings(node[key], depth + 1)


def json_ld_entries(doc: lxml.html.HtmlElement, url: str) -> list[ListingEntry]:
    """Entries from JSON-LD Blog/ItemList/@graph postings (a single posting is a post page, not a listing)."""
    postings = [p for data in json_scripts(doc, ("application/ld+json",)) for p in _postings(data)]
    if len(postings) < 2:
        return []
    return _entries(postings, url, doc, "json-ld")


# -- front-end state ------------------------------------------------------------------------------------------

def _post_like(node: dict[str, Any]) -> bool:
    has_title = any(isinstance(node.get(k), str) and node.get(k).strip() for k in TITLE_KEYS)
    has_address = any(isinstance(node.get(k), str) and node.get(k) for k in URL_KEYS + SLUG_KEYS)
    return has_title and has_address


def _post_arrays(node: Any, depth: int = 0) -> Iterator[list[dict[str, Any]]]:
    """Arrays of two or more post-like objects anywhere in a JSON value."""
    if depth > MAX_DEPTH:
        return
    if isinstance(node, list):
        objects = [item for item in node if isinstance(item, dict)]
        if len(objects) >= 2 and sum(_post_like(o) for o in objects) >= max(2, len(objects) * 0.8):
            yield objects
            return
        for item in node:
            yield from _post_arrays(item, depth + 1)
    elif isinstance(node, dict):
        for value in node.values():
            yield from _post_arrays(value, depth + 1)


def state_entries(doc: lxml.html.HtmlElement, url: str) -> list[ListingEntry]:
    """Entries from a front end's embedded state (`__NEXT_DATA__` and other application/json islands)."""
    best: list[dict[str, Any]] = []
    for data in json_scripts(doc, ("application/json",)):
        for array in _post_arrays(data):
            if len(array) > len(best):
                best = array
    return _entries(best, url, doc, "embedded-state") if best else []


# -- shared -----------------------------------------------------------------------------------------------

def _page_links(doc: lxml.html.HtmlElement, url: str) -> list[str]:
    links = []
    for anchor in doc.iter("a"):
        href = anchor.get("href")
        if href and not href.startswith(("#", "javascript:", "mailto:")):
            links.append(urljoin(url, href.strip()))
    return links


def _address(node: dict[str, Any], url: str, links: list[str]) -> str | None:
    for key in URL_KEYS:
        value = node.get(key)
        if isinstance(value, dict):
            value = value.get("@id") or value.get("url")
        if isinstance(value, str) and value.strip() and not value.startswith(("#", "javascript:")):
            return urljoin(url, value.strip())
    page = node.get("mainEntityOfPage")
    if isinstance(page, dict):
        page = page.get("@id") or page.get("url")
    if isinstance(page, str) and page.startswith(("http://", "https://", "/")):
        return urljoin(url, page)
    for key in SLUG_KEYS:
        slug = node.get(key)
        if isinstance(slug, str) and slug.strip():
            # The route pattern is the front end's secret: take the page's own link that ends with the slug.
            wanted = slug.strip().strip("/")
            for link in links:
                if urlsplit(link).path.rstrip("/").endswith("/" + wanted):
                    return link
    return None


def _entries(nodes: list[dict[str, Any]], url: str, doc: lxml.html.HtmlElement, layer: str) -> list[ListingEntry]:
    links = _page_links(doc, url)
    host = urlsplit(url).hostname
    entries: list[ListingEntry] = []
    seen: set[str] = set()
    for node in nodes:
        address = _address(node, url, links)
        if not address or address in seen or urlsplit(address).hostname != host:
            continue
        seen.add(address)
        title = next((_text(node.get(k)) for k in TITLE_KEYS if _text(node.get(k))), None)
        excerpt = next((_text(node.get(k)) for k in EXCERPT_KEYS if _text(node.get(k))), None)
        if excerpt and "<" in excerpt:
            excerpt = collapse(parse_html(excerpt, url).text_content()) or None
        date_value = next((node.get(k) for k in DATE_KEYS if isinstance(node.get(k), str | int)), None)
        published = parse_date(str(date_value), "json-ld" if layer == "json-ld" else "embedded") if date_value else None
        author = _text(node.get("author"))
        keywords = node.get("keywords") or node.get("tags") or []
        if isinstance(keywords, str):
            keywords = [k.strip() for k in keywords.split(",")]
        tags = [t for t in (_text(k) for k in keywords if k) if t] if isinstance(keywords, list) else []
        entries.append(
            ListingEntry(
                url=address,
                title=title,
                excerpt=excerpt,
                published=published,
                tags=tags,
                author=author,
                position=len(entries),
                extracted_by=layer,
            )
        )
    return entries
