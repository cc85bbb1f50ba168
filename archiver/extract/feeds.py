"""Feeds and sitemaps: discovery on pages and in robots.txt, and parsing with feedparser."""

from __future__ import annotations

import calendar
import contextlib
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


_ATOM = "{http://www.w3.org/2005/Atom}"
_CONTENT_ENCODED = "{http://purl.org/rss/1.0/modules/content/}encoded"
_DC_CREATOR = "{http://purl.org/dc/elements/1.1/}creator"
# Children of an RSS item / Atom entry that feedparser ignores or reads as the plain reader does; any other child
# (Dublin Core dates, Media RSS titles, iTunes summaries, a nested <source>...) sends the feed to feedparser.
_RSS_ITEM_CHILDREN = frozenset({
    "title", "link", "guid", "pubDate", "description", "category", "comments", "enclosure", _CONTENT_ENCODED,
    "author", _DC_CREATOR, "{http://wellformedweb.org/CommentAPI/}commentRss", "{http://purl.org/rss/1.0/modules/slash/}comments",
})
_ATOM_ENTRY_CHILDREN = frozenset(_ATOM + name for name in (
    "id", "title", "link", "published", "updated", "summary", "content", "category", "author"))
_TEXT_TYPES = {"text": "text/plain", "html": "text/html", "text/plain": "text/plain", "text/html": "text/html"}
_C1 = re.compile("[\x80-\x9f]")
_LINK_ENTITY = re.compile("&([A-Za-z0-9_]+);")
_XML_DECLARED = re.compile(rb"^\s*<\?xml[^>]*encoding\s*=\s*[\"']([A-Za-z0-9._-]+)", re.I)


class _Unusual(Exception):
    """The feed has something the plain reader leaves to feedparser."""


def _text(element: Any) -> str:
    """An element's text as feedparser gives it: whitespace stripped, UTF-8 read as Latin-1 undone."""
    if len(element):
        raise _Unusual  # markup inside (xhtml content, a stray element)
    value = (element.text or "").strip()
    if not value.isascii():
        if _C1.search(value):
            raise _Unusual  # feedparser maps these to Windows-1252
        with contextlib.suppress(UnicodeEncodeError, UnicodeDecodeError):
            value = value.encode("iso-8859-1").decode("utf-8")
    return value


def _date_of(raw: str | None) -> DateValue | None:
    if not raw:
        return None
    iso = _iso_from_text(raw)
    if iso is None:
        raise _Unusual  # feedparser's own date parser may still read it
    return DateValue(iso=iso, raw=raw, source="feed")


def _rss_entries(channel: Any, url: str, based: bool) -> list[FeedEntry]:
    feed_authors = []
    for child in channel:
        if not isinstance(child.tag, str) or child.tag.startswith("{http://www.itunes.com/"):
            raise _Unusual
        if child.tag in ("managingEditor", "author", _DC_CREATOR):
            feed_authors.append(_text(child))  # feedparser: the raw text, e-mail address and all
    if len(feed_authors) > 1:
        raise _Unusual
    feed_author = feed_authors[0] if feed_authors else None
    entries: list[FeedEntry] = []
    for item in channel.iterfind("item"):
        fields: dict[str, Any] = {}
        tags: list[str] = []
        for child in item:
            tag = child.tag
            if tag not in _RSS_ITEM_CHILDREN:
                raise _Unusual
            if tag == "category":
                tags.append(_text(child))
                continue
            if tag in fields and tag not in ("comments", "enclosure"):
                raise _Unusual  # twice: feedparser's depth rules decide
            if tag == "guid":
                permalink = child.get("isPermaLink", "true")
                if permalink not in ("true", "false") or len(child.attrib) > ("isPermaLink" in child.attrib):
                    raise _Unusual  # feedparser reads attribute names in any case
                fields[tag] = (_text(child), permalink == "true")
            elif tag not in ("comments", "enclosure") and not tag.startswith("{http://wellformedweb") \
                    and not tag.startswith("{http://purl.org/rss/1.0/modules/slash"):
                fields[tag] = _text(child)
        link = fields.get("link")
        if link == "":
            raise _Unusual  # an empty <link>: feedparser keeps it over the guid
        if link:
            link = _LINK_ENTITY.sub(r"&\g<1>", link.replace("&amp;", "&"))
        elif "guid" in fields and fields["guid"][1] and fields["guid"][0].startswith(("http://", "https://")):
            link = fields["guid"][0]
        if not link or based and not link.startswith(("http://", "https://")):
            raise _Unusual  # a relative guid, an id-only entry, xml:base: feedparser's resolution
        if "author" in fields and _DC_CREATOR in fields:
            raise _Unusual
        summary = fields["description"] if "description" in fields else fields.get(_CONTENT_ENCODED)
        entries.append(FeedEntry(
            url=urljoin(url, link),
            title=collapse(fields.get("title")) or None,
            published=_date_of(fields.get("pubDate")),
            summary=_plain_text(summary),
            content_html=fields.get(_CONTENT_ENCODED) or None,
            tags=[t for t in dict.fromkeys(collapse(tag) for tag in tags) if t],
            author=collapse(fields.get("author") or fields.get(_DC_CREATOR) or feed_author) or None,
        ))
    return entries


def _atom_text(element: Any) -> tuple[str, str]:
    """(text, feedparser's content type) of an Atom text construct."""
    kind = _TEXT_TYPES.get(element.get("type", "text"))
    if kind is None or element.get("src") is not None:
        raise _Unusual  # xhtml, base64, out-of-line content
    return _text(element), kind


def _atom_author(element: Any) -> str | None:
    """An Atom <author> as feedparser gives it: "name", "name (email)" or "email"."""
    parts: dict[str, str] = {}
    for child in element:
        if child.tag in (_ATOM + "name", _ATOM + "email"):
            if len(child) or child.tag in parts:
                raise _Unusual
            parts[child.tag] = (child.text or "").strip()
        elif child.tag != _ATOM + "uri":
            raise _Unusual
    name, email = parts.get(_ATOM + "name"), parts.get(_ATOM + "email")
    if name and email:
        return f"{name} ({email})"
    return name or email or None


def _atom_entries(feed: Any, url: str, based: bool) -> list[FeedEntry]:
    authors = feed.findall(_ATOM + "author")
    if len(authors) > 1:
        raise _Unusual
    feed_author = _atom_author(authors[0]) if authors else None
    entries: list[FeedEntry] = []
    for entry in feed.iterfind(_ATOM + "entry"):
        fields: dict[str, Any] = {}
        tags: list[str] = []
        link = None
        for child in entry:
            tag = child.tag
            if tag not in _ATOM_ENTRY_CHILDREN:
                raise _Unusual
            name = tag[len(_ATOM):]
            if name == "link":
                rel = child.get("rel", "alternate")
                kind = child.get("type", "application/atom+xml" if rel == "self" else "text/html")
                if rel == "alternate" and kind in ("text/html", "application/xhtml+xml"):
                    if link is not None:
                        raise _Unusual
                    link = (child.get("href") or "").strip()
                continue
            if name == "category":
                if (child.text or "").strip() or len(child):
                    raise _Unusual
                tags.append(child.get("term") or "")
                continue
            if name in fields:
                raise _Unusual
            if name == "author":
                fields[name] = _atom_author(child)
            elif name in ("title", "summary", "content"):
                fields[name] = _atom_text(child)
            else:
                fields[name] = _text(child)
        if not link or based and not link.startswith(("http://", "https://")):
            raise _Unusual  # an id-only entry, links of other kinds, xml:base: feedparser's choice
        summary = fields.get("summary")
        content = fields.get("content")
        if summary is None and content is not None and content[0]:
            summary = content  # feedparser copies text/html content to the summary
        entries.append(FeedEntry(
            url=urljoin(url, link),
            title=collapse(fields["title"][0]) if "title" in fields else None,
            published=_date_of(fields.get("published")),
            updated=_date_of(fields.get("updated")),
            summary=_plain_text(summary[0] if summary else None),
            content_html=content[0] if content and content[0] else None,
            tags=[t for t in dict.fromkeys(collapse(tag) for tag in tags) if t],
            author=collapse(fields.get("author") or feed_author) or None,
        ))
        if entries[-1].title == "":
            entries[-1].title = None
    return entries


_PLAIN_PARSER = lxml.etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True, remove_comments=True,
                                     remove_pis=True)


def _parse_plain(body: bytes, url: str) -> list[FeedEntry] | None:
    """The entries of a plain UTF-8 RSS 2.0 or Atom 1.0 feed read with lxml, or None when the feed has anything
    unusual (another format or encoding, malformed XML, xml:base, markup in text, e-mail authors...): feedparser
    reads those. Gives what parse_feed gives with feedparser, at a fraction of its CPU."""
    declared = _XML_DECLARED.match(body)
    if declared and declared.group(1).lower().replace(b"_", b"-") not in (b"utf-8", b"utf8", b"us-ascii", b"ascii"):
        return None
    if b"<!DOCTYPE" in body or b"<!ENTITY" in body:
        return None
    based = b"xml:base" in body  # only absolute entry links then (content is not resolved here or by feedparser)
    try:
        body.decode("utf-8")
        root = lxml.etree.fromstring(body, parser=_PLAIN_PARSER)
    except (UnicodeDecodeError, lxml.etree.XMLSyntaxError, ValueError):
        return None
    try:
        if root.tag == "rss" and root.get("version") in ("2.0", "2.0.1", "0.92", "0.91"):
            channels = root.findall("channel")
            if len(channels) != 1 or root.find("item") is not None:
                return None
            return _rss_entries(channels[0], url, based)
        if root.tag == _ATOM + "feed":
            return _atom_entries(root, url, based)
    except _Unusual:
        return None
    return None


def parse_feed(body: bytes, url: str) -> list[FeedEntry]:
    """The entries of an RSS 0.9x/1.0/2.0, Atom or JSON Feed document, in feed order."""
    if body.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] == b"{":
        return _parse_json_feed(body, url) or []
    plain = _parse_plain(body, url)
    if plain is not None:
        return plain
    return _parse_with_feedparser(body, url)


def _parse_with_feedparser(body: bytes, url: str) -> list[FeedEntry]:
    """parse_feed with feedparser: every format and oddity it knows."""
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
