"""Atom (RFC 4287): one full-history feed per site, every selected post an entry, written as a stream by lxml."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import nh3
from lxml import etree

from archiver.export.common import ExportResult, Tick, xml_text
from archiver.export.names import UniqueNames, inside, site_folder
from archiver.export.output import EXPORT_MARKER
from archiver.export.selection import Selection, SelectionError
from archiver.store import Archive
from archiver.store.search import short_excerpt

ATOM_NS = "http://www.w3.org/2005/Atom"
XML_BASE = "{http://www.w3.org/XML/1998/namespace}base"
GENERATOR = "blog-archiver"
ENTRY_COLUMNS = ("url", "title", "excerpt", "published", "updated", "author", "tags", "categories",
                 "content_html", "first_seen", "last_seen")
TICK_EVERY = 100
# RFC 3339 needs a full date-time with an offset; the archive also holds bare days and naive times.
_TIMESTAMP = re.compile(
    r"^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2})(:\d{2}(?:\.\d+)?)?\s*(Z|[+-]\d{2}:?\d{2})?)?$", re.IGNORECASE
)


def rfc3339(value: str | None) -> str | None:
    """An archive timestamp as an RFC 3339 date-time; bare days become midnight and naive times UTC."""
    match = _TIMESTAMP.match(value.strip()) if value else None
    if not match:
        return None
    day, hours_minutes, seconds, offset = match.groups()
    offset = (offset or "Z").upper()
    if len(offset) == 5:  # +0800
        offset = f"{offset[:3]}:{offset[3:]}"
    return f"{day}T{hours_minutes or '00:00'}{seconds or ':00'}{offset}"


def feed_file_names(sites: list[dict[str, Any]]) -> dict[int, str]:
    """`<site>.atom.xml` for each site, unique within the export folder."""
    names = UniqueNames()
    names.claim(EXPORT_MARKER)
    return {site["id"]: names.claim(site_folder(site["url"]), ".atom.xml") for site in sites}


def write_feed(
    archive: Archive, selection: Selection, site: dict[str, Any], path: Path, tick: Tick
) -> int:
    """Stream the Atom feed of one site's selected posts to `path`; returns the entries written."""
    query = selection.narrowed(site_id=site["id"])
    feed_updated = rfc3339(archive.latest_change(query)) or rfc3339(site.get("last_crawled")) or rfc3339(
        site.get("first_seen")
    )
    entries = 0
    with etree.xmlfile(str(path), encoding="utf-8") as out:
        out.write_declaration()
        with out.element("feed", nsmap={None: ATOM_NS}):
            _write(out, "id", site["url"])
            _write(out, "title", site.get("title") or site["url"])
            _write(out, "updated", feed_updated or "1970-01-01T00:00:00Z")
            _write(out, "link", attrib={"rel": "alternate", "type": "text/html", "href": site["url"]})
            # Entries without an author inherit this one, as RFC 4287 requires some author for every entry.
            author = etree.Element("author")
            etree.SubElement(author, "name").text = xml_text(site.get("title") or site["url"])
            out.write(author)
            _write(out, "generator", GENERATOR)
            for post in selection.posts(archive, site_id=site["id"], order="published", columns=ENTRY_COLUMNS):
                out.write(_entry(post))
                entries += 1
                if entries % TICK_EVERY == 0:
                    tick(TICK_EVERY)
                    out.flush()
    tick(entries % TICK_EVERY)
    return entries


def _write(out: Any, tag: str, text: str | None = None, attrib: dict[str, str] | None = None) -> None:
    element = etree.Element(tag, attrib=attrib or {})
    if text is not None:
        element.text = xml_text(text)
    out.write(element)


def _entry(post: dict[str, Any]) -> etree._Element:
    entry = etree.Element("entry", attrib={XML_BASE: post["url"]})
    published = rfc3339(post.get("published"))
    updated = rfc3339(post.get("updated")) or published or rfc3339(post.get("first_seen")) or "1970-01-01T00:00:00Z"
    etree.SubElement(entry, "id").text = xml_text(post["url"])
    etree.SubElement(entry, "title", type="text").text = xml_text(post.get("title") or post["url"])
    etree.SubElement(entry, "link", rel="alternate", type="text/html", href=xml_text(post["url"]))
    if published:
        etree.SubElement(entry, "published").text = published
    etree.SubElement(entry, "updated").text = updated
    if post.get("author"):
        author = etree.SubElement(entry, "author")
        etree.SubElement(author, "name").text = xml_text(post["author"])
    for scheme, names in (("tag", post.get("tags") or []), ("category", post.get("categories") or [])):
        for name in names:
            etree.SubElement(entry, "category", term=xml_text(name), scheme=f"urn:blog-archiver:{scheme}")
    if post.get("excerpt"):
        etree.SubElement(entry, "summary", type="text").text = xml_text(short_excerpt(post["excerpt"]))
    if post.get("content_html"):
        # Escaped HTML (type="html"); sanitized again so the feed carries no script whatever the archive holds.
        etree.SubElement(entry, "content", type="html").text = xml_text(nh3.clean(post["content_html"]))
    return entry


def export_atom(archive: Archive, selection: Selection, target: Path, tick: Tick) -> ExportResult:
    """Write one feed per selected site into the folder `target` (or the single file `target`, see below)."""
    site_rows = {site["id"]: site for site in archive.sites()}
    sites = [site_rows[site_id] for site_id in archive.selected_site_ids(selection)]
    names = feed_file_names(sites)
    posts = sum(write_feed(archive, selection, site, inside(target, names[site["id"]]), tick) for site in sites)
    return ExportResult(posts=posts, sites=len(sites), files=len(sites), path=target)


def export_atom_file(archive: Archive, selection: Selection, target: Path, tick: Tick) -> ExportResult:
    """Write the feed of the one selected site to the file `target`."""
    site_rows = {site["id"]: site for site in archive.sites()}
    site_ids = archive.selected_site_ids(selection)
    if len(site_ids) > 1:
        raise SelectionError(f"the selection spans {len(site_ids)} sites: give one --site, or a folder to write to")
    if not site_ids:
        # An empty but valid feed of the asked-for site when there is one.
        chosen = list(selection.site_ids or ())
        if len(chosen) != 1:
            raise SelectionError("no post matches the filters: nothing to put in a feed")
        site_ids = chosen
    posts = write_feed(archive, selection, site_rows[site_ids[0]], target, tick)
    return ExportResult(posts=posts, sites=1, files=1, path=target)
