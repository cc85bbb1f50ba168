"""Merging a listing entry with its post page into the one record the archive keeps."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from datetime import date
from typing import Any

from archiver.extract.content import html_to_markdown, sanitize_html
from archiver.extract.dates import ambiguous_numeric, day_month_swapped, offset_minutes, reconcile_dates
from archiver.extract.html import collapse, parse_html, straight_quotes, text_of
from archiver.extract.listing import without_site_name
from archiver.extract.model import DateValue, PostRecord
from archiver.extract.post_rules import TITLE_SEPARATORS

ELLIPSES = ("...", "…", "⋯")
# Separators between a title and the site's name, as _norm leaves them inside a text (NFKC, casefolded).
_SEPARATORS = frozenset(unicodedata.normalize("NFKC", separator).casefold() for separator in TITLE_SEPARATORS)


def merge_post(entry: dict[str, Any], page: dict[str, Any] | None, page_status: int | None = None,
               site_names: Iterable[str] = ()) -> PostRecord:
    """One record per post: the post page wins for the fields it has, the excerpt stays the listing's.
    `site_names`: the names the blog's listings go by, never part of a post's title."""
    page = page or {}
    record = PostRecord(url=entry["url"], page_status=page_status)
    record.title, record.title_variant = titles_by_evidence(entry.get("title"), page.get("title"), site_names)
    record.excerpt, record.excerpt_source = merged_excerpt(entry, page)
    published = merged_published(_date(entry.get("published")), _date(page.get("published")))
    if published:
        record.published, record.published_raw, record.published_source = published.iso, published.raw, published.source
    updated = _date(page.get("updated"))
    if updated:
        record.updated, record.updated_raw, record.updated_source = updated.iso, updated.raw, updated.source
    record.author = page.get("author") or entry.get("author")
    record.lang = page.get("lang")
    record.tags = list(page.get("tags") or entry.get("tags") or [])
    record.categories = list(page.get("categories") or entry.get("categories") or [])
    record.content_html = page.get("content_html")
    record.content_text = page.get("content_text")
    record.content_markdown = page.get("content_markdown")
    record.listing_position = entry.get("position")
    record.extracted_by = ";".join(
        part for part in (entry.get("extracted_by"), page.get("extracted_by")) if part
    )
    return record


def _date(value: Any) -> DateValue | None:
    if isinstance(value, DateValue):
        return value
    if isinstance(value, dict) and value.get("iso"):
        return DateValue(value["iso"], value.get("raw", ""), value.get("source", ""))
    return None


def _norm(text: str | None) -> str:
    """A title as compared: NFKC, whitespace collapsed, casefolded, quotes straight (a theme's curled “quotes”
    are the author's "quotes")."""
    return straight_quotes(collapse(unicodedata.normalize("NFKC", text or "")).casefold())


def titles_by_evidence(listing_title: str | None, page_title: str | None,
                       site_names: Iterable[str] = ()) -> tuple[str | None, str | None]:
    """(title, variant): the title `merged_title` chooses, and the other one when listing and post page say
    different things (a renamed post, a listing that shows a short title of its own)."""
    if site_names:
        listing_title = without_site_name(listing_title, site_names)
        page_title = without_site_name(page_title, site_names)
    title = merged_title(listing_title, page_title)  # the site names are off both already
    other = page_title if title == listing_title else listing_title
    if not title or not other:
        return title, None
    kept, dropped = _norm(title).rstrip("".join(ELLIPSES)).strip(), _norm(other).rstrip("".join(ELLIPSES)).strip()
    if kept in dropped or dropped in kept:
        return title, None  # the same title, shortened or with the site's name around it
    return title, other


def merged_title(listing_title: str | None, page_title: str | None, site_names: Iterable[str] = ()) -> str | None:
    """The post page's title, unless it is the listing's title with the site name around it. A known site name
    (`site_names`, from the blog's listing pages) is taken off both first: a page whose <title> is "Title — Site
    Name" and a post page that does not say its site's name (no og:site_name) still give "Title"."""
    if site_names:
        listing_title = without_site_name(listing_title, site_names)
        page_title = without_site_name(page_title, site_names)
    if not page_title:
        return listing_title
    if not listing_title:
        return page_title
    listed, paged = _norm(listing_title), _norm(page_title)
    if listed == paged:
        return page_title
    if _framed(listed, paged):
        return listing_title  # "Title… | Site name" on the page: the ellipsis is the title's own, not a cut
    stem = listed.rstrip("".join(ELLIPSES)).strip()
    if listed != stem and paged.startswith(stem):
        return page_title  # the listing cut the title short
    if listed in paged:
        return listing_title  # "Title | Site name" on the page
    return page_title


def _framed(listed: str, paged: str) -> bool:
    """Whether the page's title is the listing's whole, followed or preceded by a separator and more (the site's
    name): then what the listing shows is the title as written, even when it ends with an ellipsis."""
    return any(paged.startswith(listed + separator) or paged.endswith(separator + listed)
               for separator in _SEPARATORS)


def merged_excerpt(entry: dict[str, Any], page: dict[str, Any]) -> tuple[str | None, str | None]:
    """The listing's excerpt, else the post's description or first paragraph, with where it came from."""
    if entry.get("excerpt"):
        return entry["excerpt"], "listing"
    if page.get("description"):
        return page["description"], page.get("description_source") or "post"
    return None, None


def merged_published(listing: DateValue | None, page: DateValue | None) -> DateValue | None:
    """The post page's date when it agrees with the day the listing shows; the listing's day when they are a
    day apart (themes stamp UTC instants in metadata while showing readers the local day: one rule for the whole
    project, extract.dates.reconcile_dates, the page's date as the machine value); the earlier when they are
    further apart (the later one is an update). A listing's all-number date that is the page's with day and month
    exchanged ("01/06/2024" read as January 6th) is a misread order: the page's date wins."""
    if listing is not None and page is not None and ambiguous_numeric(listing) \
            and day_month_swapped(listing.iso[:10]) == page.iso[:10]:
        return page
    if listing is not None and page is not None and _days_apart(listing.iso, page.iso) > 1 \
            and page.iso[:10] < listing.iso[:10]:
        # Days apart, not a zone's shift: a post is updated after it is published, never before, so the later
        # day is an update the listing shows (cards often show "last updated").
        return page
    if listing is not None and page is not None and listing.source == "url" and page.source != "url":
        return page  # the listing showed no date, only its URL carries one: what the page shows wins
    if listing is not None and page is not None and offset_minutes(listing.iso) == 0 \
            and offset_minutes(page.iso) is None and _days_apart(listing.iso, page.iso) == 1:
        # The listing gave only its `datetime` instant (its text, "10-28", names no year): a machine value, and
        # the post page shows the local day that instant falls on; one rule, reconcile_dates, decides.
        return reconcile_dates(listing, page)
    return reconcile_dates(page, listing)


def _days_apart(a: str, b: str) -> int:
    try:
        return abs((date.fromisoformat(a[:10]) - date.fromisoformat(b[:10])).days)
    except ValueError:
        return 0


def feed_fill(entry: Any) -> dict[str, Any]:
    """What a feed entry can fill in for a post the listings found: title, date and full content (sanitized)."""
    record: dict[str, Any] = {"url": entry.url, "title": entry.title}
    if entry.published:
        record.update(published=entry.published.iso, published_raw=entry.published.raw, published_source="feed")
    elif entry.updated:
        # An entry with only <updated> (allowed by Atom): the last resort, marked so nobody takes it for more.
        record.update(published=entry.updated.iso, published_raw=entry.updated.raw, published_source="feed-updated")
    if entry.content_html:
        html = sanitize_html(entry.content_html, entry.url)
        text = text_of(parse_html(html, entry.url).body) if html else ""
        if text:
            record.update(content_html=html, content_text=text, content_markdown=html_to_markdown(html))
    return record
