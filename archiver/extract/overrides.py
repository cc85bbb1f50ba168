"""Per-site override rules: a small TOML file of CSS or XPath selectors for the rare blog that defeats every layer.

Example (see README, "When extraction gets a blog wrong"):

    [listing]
    entry = "div.feed > div.card"      # one element per post
    title = "h3"                       # inside the entry
    link = "a.card-link"               # its href is the post URL (default: the title's link, else the first link)
    date = "xpath:.//span[@class='day']"
    excerpt = "p.summary"
    next = "div.pager a.next"          # further listing pages (all matches are followed)

    [post]
    title = "h1"
    body = "div.article"
    date = "time.published"

A selector is CSS, or XPath when it starts with "xpath:". Fields left out keep what the automatic layers found.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING

import lxml.html
from lxml.etree import XPath

from archiver.extract.html import parse_html, text_of
from archiver.extract.model import DateValue, Listing, ListingEntry, PostPage

if TYPE_CHECKING:
    from archiver.extract.profile import BlogProfile

# SiteRules is all a crawl without a rules file needs before its first request: the extractors the
# parse_*_with_rules functions wrap (listing, post, content, dates: ~0.3 s of imports, regex tables mostly), the
# TOML reader and lxml's CSS translator are imported by the functions that use them.

LISTING_KEYS = ("entry", "title", "link", "date", "excerpt", "next")
POST_KEYS = ("title", "body", "date", "author")


class RulesError(ValueError):
    """A rules file that cannot be used, with a message naming the problem."""


@dataclass(frozen=True)
class SiteRules:
    """Selectors a user wrote for one blog."""

    listing: dict[str, str] = field(default_factory=dict)
    post: dict[str, str] = field(default_factory=dict)


def load_rules(text: str) -> SiteRules:
    """Parse and check the TOML text of a rules file."""
    import tomllib

    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise RulesError(f"not valid TOML: {error}") from error
    unknown_sections = set(data) - {"listing", "post"}
    if unknown_sections:
        raise RulesError(f"unknown section(s) {sorted(unknown_sections)}: use [listing] and [post]")
    listing = _section(data, "listing", LISTING_KEYS)
    post = _section(data, "post", POST_KEYS)
    if listing and "entry" not in listing:
        raise RulesError("[listing] needs an 'entry' selector (one element per post)")
    return SiteRules(listing=listing, post=post)


def _section(data: dict, name: str, keys: tuple[str, ...]) -> dict[str, str]:
    section = data.get(name, {})
    if not isinstance(section, dict):
        raise RulesError(f"[{name}] must be a table of selectors")
    unknown = set(section) - set(keys)
    if unknown:
        raise RulesError(f"unknown key(s) in [{name}]: {sorted(unknown)}; allowed: {', '.join(keys)}")
    for key, selector in section.items():
        if not isinstance(selector, str) or not selector.strip():
            raise RulesError(f"[{name}] {key} must be a non-empty selector string")
        _compile(selector)  # fail on load, not in the middle of a crawl
    return dict(section)


@lru_cache(maxsize=256)
def _compile(selector: str):
    from lxml.cssselect import CSSSelector

    try:
        if selector.startswith("xpath:"):
            return XPath(selector[len("xpath:") :])
        return CSSSelector(selector)
    except Exception as error:  # cssselect and lxml raise several unrelated types
        raise RulesError(f"bad selector {selector!r}: {error}") from error


def _select(element: lxml.html.HtmlElement, selector: str | None) -> list:
    if not selector:
        return []
    return [e for e in _compile(selector)(element) if isinstance(e, lxml.html.HtmlElement)]


def _first(element: lxml.html.HtmlElement, selector: str | None) -> lxml.html.HtmlElement | None:
    found = _select(element, selector)
    return found[0] if found else None


def _date_of(element: lxml.html.HtmlElement | None, source: str) -> DateValue | None:
    if element is None:
        return None
    from archiver.extract.dates import find_date_in_text, parse_date

    for attribute in ("datetime", "content", "title"):
        value = element.get(attribute)
        if value:
            parsed = parse_date(value, source)
            if parsed:
                return parsed
    return find_date_in_text(text_of(element), source)


def parse_listing_with_rules(
    html: str, url: str, rules: SiteRules, *, layout_hint: str | None = None, theme_rules: bool = True,
    profile: BlogProfile | None = None,
) -> Listing:
    """parse_listing, with entries and pagination taken from the user's selectors where the rules give them."""
    from archiver.extract.listing import parse_listing

    listing = parse_listing(html, url, layout_hint=layout_hint, theme_rules=theme_rules, profile=profile)
    if not rules.listing:
        return listing
    doc = parse_html(html, url)
    doc.make_links_absolute(url, resolve_base_href=True)
    entries: list[ListingEntry] = []
    for position, block in enumerate(_select(doc, rules.listing["entry"])):
        title_el = _first(block, rules.listing.get("title"))
        link_el = _first(block, rules.listing.get("link"))
        if link_el is None and title_el is not None:
            link_el = title_el if title_el.tag == "a" else _first(title_el, "a[href]")
        if link_el is None:
            link_el = _first(block, "a[href]")
        href = link_el.get("href") if link_el is not None else None
        if not href:
            continue
        excerpt_el = _first(block, rules.listing.get("excerpt"))
        entries.append(
            ListingEntry(
                url=href.split("#", 1)[0] or href,
                title=text_of(title_el) or None if title_el is not None else text_of(link_el) or None,
                excerpt=text_of(excerpt_el) or None if excerpt_el is not None else None,
                published=_date_of(_first(block, rules.listing.get("date")), "listing-text"),
                position=position,
                extracted_by="rules",
            )
        )
    listing.entries = entries
    if "next" in rules.listing:
        listing.next_pages = [a.get("href") for a in _select(doc, rules.listing["next"]) if a.get("href")]
    return listing


def parse_post_with_rules(html: str, url: str, rules: SiteRules, *, theme_rules: bool = True) -> PostPage:
    """parse_post, with the fields the user's selectors give taking precedence."""
    from archiver.extract.content import html_to_markdown, sanitize_html
    from archiver.extract.post import parse_post

    page = parse_post(html, url, theme_rules=theme_rules)
    if not rules.post:
        return page
    doc = parse_html(html, url)
    title_el = _first(doc, rules.post.get("title"))
    if title_el is not None and text_of(title_el):
        page.title = text_of(title_el)
    date = _date_of(_first(doc, rules.post.get("date")), "rules")
    if date:
        page.published = date
    author_el = _first(doc, rules.post.get("author"))
    if author_el is not None and text_of(author_el):
        page.author = text_of(author_el)
    body_el = _first(doc, rules.post.get("body"))
    if body_el is not None:
        body_html = sanitize_html(lxml.html.tostring(body_el, encoding="unicode"), url)
        page.content_html = body_html
        page.content_text = text_of(parse_html(body_html, url).body) if body_html else None
        page.content_markdown = html_to_markdown(body_html)
        page.extracted_by = "rules"
    return page
