"""Blog lists in and out: OPML (what every feed reader exports and imports) and plain text files of URLs."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from xml.sax.saxutils import quoteattr

from lxml import etree

from archiver.extract.urls import blog_root


class BlogListError(ValueError):
    """A file that is neither OPML nor a list of URLs, with a message for the user."""


def read_blog_list(data: bytes) -> list[str]:
    """The blog URLs of an OPML file (each outline's htmlUrl, else the home of its feed's host) or of a text
    file (one URL a line; blank lines and lines starting with # are skipped)."""
    text = data.decode("utf-8-sig", errors="replace").lstrip()
    if text.startswith("<"):
        return _opml_urls(data)
    return [line.strip() for line in text.splitlines() if line.strip() and not line.strip().startswith("#")]


def _opml_urls(data: bytes) -> list[str]:
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, recover=False)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as error:
        raise BlogListError(f"not a readable OPML file: {error}") from None
    if etree.QName(root).localname.lower() != "opml":
        raise BlogListError(f"not an OPML file: its root element is <{etree.QName(root).localname}>")
    urls = []
    for outline in root.iter("{*}outline", "outline"):
        attributes = {name.lower(): value for name, value in outline.attrib.items()}
        home, feed = attributes.get("htmlurl", "").strip(), attributes.get("xmlurl", "").strip()
        if home:
            urls.append(home)
        elif feed:
            urls.append(blog_root(feed))  # a feed without its site's address: the site is its host's home
    return list(dict.fromkeys(urls))


def write_opml(sites: Iterable[dict[str, Any]], title: str = "blog-archiver sites") -> str:
    """An OPML 2.0 document listing the sites (each with `url`, and `name`, `title`, `feeds` when known)."""
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', '<opml version="2.0">',
             f"  <head><title>{_text(title)}</title></head>", "  <body>"]
    for site in sites:
        label = site.get("name") or site.get("title") or site["url"]
        attributes = {"text": label, "title": site.get("title") or label, "type": "rss", "htmlUrl": site["url"]}
        if site.get("feeds"):
            attributes["xmlUrl"] = site["feeds"][0]
        lines.append("    <outline " + " ".join(f"{name}={quoteattr(value)}" for name, value in attributes.items())
                     + "/>")
    lines += ["  </body>", "</opml>", ""]
    return "\n".join(lines)


def _text(value: str) -> str:
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
