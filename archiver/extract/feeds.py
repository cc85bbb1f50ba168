"""Feeds and sitemaps: discovery on pages and in robots.txt, and parsing with feedparser."""

from __future__ import annotations

import calendar
import gzip
import json
import re
import zlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

import lxml.etree
import lxml.html

from archiver.extract.html import collapse, parse_html, text_of
from archiver.extract.model import DateValue
from archiver.extract.urls import url_key

# MIME types of feeds a page may advertise with <link rel="alternate">.
FEED_TYPES = frozenset(
    {
        "application/rss+xml", "application/atom+xml", "application/feed+json", "application/json",
        "application/rdf+xml", "application/xml", "text/xml", "application/x.atom+xml",
    }
)
# Types that are feeds only when the link also says so (href or title): application/json is used for other
# things (oEmbed, manifests).
WEAK_FEED_TYPES = frozenset({"application/json", "application/xml", "text/xml"})
_FEEDISH = re.compile(r"feed|rss|atom", re.I)
# Where engines put their feed, relative to the blog root, most common first: Hexo (atom.xml), Jekyll (feed.xml),
# Hugo (index.xml), WordPress (feed/), Ghost (rss/), Blogger (feeds/posts/default), Pelican (feeds/all.atom.xml),
# MkDocs Material blog (feed_rss_created.xml), Docusaurus (blog/rss.xml, blog/atom.xml), Gridea (atom.xml).
FEED_PATHS = (
    "atom.xml", "feed.xml", "rss.xml", "index.xml", "feed/", "rss/", "feed", "rss", "feed.atom", "atom",
    "feeds/posts/default", "feeds/all.atom.xml", "feeds/all.rss.xml", "feed_rss_created.xml", "blog/rss.xml",
    "blog/atom.xml", "blog/index.xml", "posts/index.xml", "index.rss", "rss2.xml", "feed.json", "index.json",
)
SITEMAP_NAMESPACE_FREE = re.compile(r"^\{[^}]*\}")
_ROBOTS_SITEMAP = re.compile(r"^\s*sitemap\s*:\s*(\S+)", re.I | re.M)
_GZIP_MAGIC = b"\x1f\x8b"
# Sitemaps above this many uncompressed bytes are cut (the sitemap protocol's own limit is 50 MB).
MAX_SITEMAP_BYTES = 64 * 1024 * 1024


@dataclass(slots=True)
class FeedEntry:
    """One item of an RSS/Atom/JSON feed."""

    url: str
    title: str | None = None
    published: DateValue | None = None
    updated: DateValue | None = None
    summary: str | None = None  # plain text, whitespace collapsed
    content_html: str | None = None  # the full content when the feed carries it: raw, NOT sanitized
    tags: list[str] = field(default_factory=list)
    author: str | None = None


@dataclass(slots=True)
class SitemapUrl:
    """One <url> of a sitemap."""

    url: str
    lastmod: DateValue | None = None


def discover_feeds(doc: lxml.html.HtmlElement, url: str) -> list[str]:
    """Feed URLs a page advertises with <link rel=alternate type=application/(rss|atom)+xml>."""
    found: list[str] = []
    seen: set[str] = set()
    base = url
    for element in doc.iter("base"):
        if element.get("href"):
            base = urljoin(url, element.get("href").strip())
        break
    for link in doc.iter("link"):
        rel = (link.get("rel") or "").lower().split()
        href = (link.get("href") or "").strip()
        if "alternate" not in rel or not href:
            continue
        kind = (link.get("type") or "").lower().split(";", 1)[0].strip()
        if kind not in FEED_TYPES:
            continue
        if kind in WEAK_FEED_TYPES and not _FEEDISH.search(href + " " + (link.get("title") or "")):
            continue
        absolute = urljoin(base, href)
        if urlsplit(absolute).scheme not in ("http", "https"):
            continue
        key = url_key(absolute)
        if key not in seen:
            seen.add(key)
            found.append(absolute)
    return found


def feed_paths_to_try(root: str) -> list[str]:
    """Absolute URLs where a blog at `root` usually has its feed, most likely first."""
    base = root if root.endswith("/") else root + "/"
    return [urljoin(base, path) for path in FEED_PATHS]


def feeds_from_robots(text: str, url: str) -> tuple[list[str], list[str]]:
    """(sitemaps, feeds) named in a robots.txt: `Sitemap:` lines, and those of them that are really feeds."""
    sitemaps: list[str] = []
    feeds: list[str] = []
    for match in _ROBOTS_SITEMAP.finditer(text):
        absolute = urljoin(url, match.group(1))
        if urlsplit(absolute).scheme not in ("http", "https"):
            continue
        path = urlsplit(absolute).path.lower()
        # Some sites list their RSS/Atom feed as a sitemap (search engines accept both).
        target = feeds if re.search(r"(?:feed|rss|atom)[^/]*$|/feed/?$", path) else sitemaps
        if absolute not in target:
            target.append(absolute)
    return sitemaps, feeds


def _decompress(body: bytes) -> bytes:
    """The body itself, or its gunzipped form when it is gzip data (sitemap.xml.gz, double-encoded responses)."""
    if body[:2] != _GZIP_MAGIC:
        return body
    try:
        decompressor = zlib.decompressobj(16 + zlib.MAX_WBITS)
        return decompressor.decompress(body, MAX_SITEMAP_BYTES)
    except (zlib.error, gzip.BadGzipFile, EOFError):
        return body


def _iso_from_text(raw: str) -> str | None:
    """ISO 8601 (with its offset when the text has one) from an RFC 822 or ISO 8601 date string."""
    raw = raw.strip()
    if not raw:
        return None
    candidate = raw.replace("Z", "+00:00") if raw.endswith("Z") else raw
    try:
        parsed = datetime.fromisoformat(candidate)
    except ValueError:
        parsed = None
    if parsed is None:
        try:
            parsed = parsedate_to_datetime(raw)
        except (TypeError, ValueError, IndexError):
            return None
    if parsed is None:
        return None
    if len(raw) <= 10 and parsed.hour == parsed.minute == parsed.second == 0 and parsed.tzinfo is None:
        return parsed.date().isoformat()  # a date without a time stays a date
    return parsed.isoformat()


def _date_value(entry: Any, name: str) -> DateValue | None:
    # dict.get, not FeedParserDict.get: the latter silently answers "updated" with the published date.
    raw = dict.get(entry, name)
    if not raw:
        return None
    iso = _iso_from_text(str(raw))
    if iso is None:
        parsed = dict.get(entry, f"{name}_parsed")  # feedparser's own parse, in UTC
        if not parsed:
            return None
        iso = datetime.fromtimestamp(calendar.timegm(parsed), tz=UTC).isoformat()
    return DateValue(iso=iso, raw=str(raw), source="feed")


def _plain_text(html_or_text: str | None) -> str | None:
    if not html_or_text:
        return None
    if "<" not in html_or_text and "&" not in html_or_text:
        return collapse(html_or_text) or None
    return text_of(parse_html(f"<div>{html_or_text}</div>", "")) or None


def _entry_url(entry: Any, feed_url: str) -> str | None:
    link = entry.get("link")
    if not link:
        for candidate in entry.get("links") or []:
            if candidate.get("rel", "alternate") == "alternate" and candidate.get("href"):
                link = candidate["href"]
                break
    if not link:
        guid = entry.get("id") or ""
        link = guid if guid.startswith(("http://", "https://", "/")) else None
    return urljoin(feed_url, link.strip()) if link else None


def _json_date(raw: Any) -> DateValue | None:
    if not isinstance(raw, str) or not raw.strip():
        return None
    iso = _iso_from_text(raw)
    return DateValue(iso=iso, raw=raw, source="feed") if iso else None


def _json_author(item: dict[str, Any], feed: dict[str, Any]) -> str | None:
    for holder in (item, feed):
        authors = holder.get("authors") or ([holder["author"]] if isinstance(holder.get("author"), dict) else [])
        names = [collapse(a.get("name")) for a in authors if isinstance(a, dict) and a.get("name")]
        if names:
            return ", ".join(names)
    return None


def _parse_json_feed(body: bytes, url: str) -> list[FeedEntry] | None:
    """The items of a JSON Feed (jsonfeed.org 1.0/1.1), or None when the body is not one."""
    try:
        feed = json.loads(body.decode("utf-8-sig", "replace"))
    except ValueError:
        return None
    if not isinstance(feed, dict) or not isinstance(feed.get("items"), list):
        return None
    entries: list[FeedEntry] = []
    for item in feed["items"]:
        if not isinstance(item, dict):
            continue
        link = item.get("url") or item.get("external_url") or ""
        if not isinstance(link, str) or not link.strip():
            continue
        summary = item.get("summary") or (item.get("content_text") if not item.get("content_html") else None)
        entries.append(
            FeedEntry(
                url=urljoin(url, link.strip()),
                title=collapse(item.get("title")) or None,
                published=_json_date(item.get("date_published")),
                updated=_json_date(item.get("date_modified")),
                summary=_plain_text(summary if isinstance(summary, str) else None),
                content_html=item.get("content_html") or None,
                tags=[t for t in dict.fromkeys(collapse(str(tag)) for tag in item.get("tags") or []) if t],
                author=_json_author(item, feed),
            )
        )
    return entries


def parse_feed(body: bytes, url: str) -> list[FeedEntry]:
    """The entries of an RSS 0.9x/1.0/2.0, Atom or JSON Feed document, in feed order."""
    if body.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] == b"{":
        return _parse_json_feed(body, url) or []
    # No sanitizing or URI rewriting here: it triples the cost, and content is sanitized once, downstream.
    import feedparser  # ~70 ms to import: only when a feed is read, not at every crawl's start

    parsed = feedparser.parse(
        body, response_headers={"content-location": url}, sanitize_html=False, resolve_relative_uris=False
    )
    feed_author = parsed.feed.get("author") or None  # Atom: the feed's author is every entry's author
    entries: list[FeedEntry] = []
    for entry in parsed.entries:
        entry_url = _entry_url(entry, url)
        if not entry_url:
            continue
        content_html = None
        for content in entry.get("content") or []:
            if content.get("value"):
                content_html = content["value"]
                break
        author = entry.get("author") or feed_author
        published = _date_value(entry, "published") or _date_value(entry, "created")
        updated = _date_value(entry, "updated")
        entries.append(
            FeedEntry(
                url=entry_url,
                title=collapse(entry.get("title")) or None,
                published=published,
                updated=updated,
                summary=_plain_text(entry.get("summary")),
                content_html=content_html,
                tags=[t for t in dict.fromkeys(collapse(tag.get("term")) for tag in entry.get("tags") or []) if t],
                author=collapse(author) or None,
            )
        )
    return entries


def _local(tag: Any) -> str:
    return SITEMAP_NAMESPACE_FREE.sub("", tag) if isinstance(tag, str) else ""


def parse_sitemap(body: bytes, url: str) -> tuple[list[SitemapUrl], list[str]]:
    """(page URLs with their lastmod, child sitemap URLs) of a sitemap or sitemap index (gzip'd or not)."""
    data = _decompress(body)
    urls: list[SitemapUrl] = []
    children: list[str] = []
    parser = lxml.etree.XMLParser(recover=True, resolve_entities=False, no_network=True, huge_tree=True)
    try:
        root = lxml.etree.fromstring(data.strip() or b"<urlset/>", parser=parser)
    except lxml.etree.XMLSyntaxError:
        root = None
    if root is None:
        return _plain_text_sitemap(data, url), []
    for element in root.iter():
        name = _local(element.tag)
        if name not in ("url", "sitemap"):
            continue
        loc = lastmod = None
        for child in element:
            child_name = _local(child.tag)
            if child_name == "loc":
                loc = (child.text or "").strip()
            elif child_name == "lastmod":
                lastmod = (child.text or "").strip()
        if not loc:
            continue
        absolute = urljoin(url, loc)
        if name == "sitemap":
            children.append(absolute)
        else:
            iso = _iso_from_text(lastmod) if lastmod else None
            urls.append(SitemapUrl(absolute, DateValue(iso, lastmod, "sitemap") if iso and lastmod else None))
    return urls, children


def _plain_text_sitemap(data: bytes, url: str) -> list[SitemapUrl]:
    """A text sitemap: one URL a line."""
    text = data.decode("utf-8", "replace")
    return [
        SitemapUrl(urljoin(url, line.strip()))
        for line in text.splitlines()
        if line.strip().startswith(("http://", "https://"))
    ]
