"""A first look at a page a crawl was handed (or found on the way): what kind of page it is, and the ways from it
to the blog's list of posts.

Built on extract.pagekind (what a page is, which of its links lead to a list of posts); adds what the crawl
needs besides: the page's date-archive links (a sidebar's "2021 / May 2021" widget: the lists of last resort)
and the pages its menu links (about, projects, now: pages, never posts, whatever a sitemap says of them).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urljoin

import lxml.html

from archiver.extract.evidence import loose_key
from archiver.extract.html import INVISIBLE_TAGS, parse_html
from archiver.extract.model import Listing
from archiver.extract.pagekind import ARCHIVE, LISTING, PageKind, classify_page, listing_links
from archiver.extract.urls import canonical_url, is_date_index, same_site

Element = lxml.html.HtmlElement

# The menu: <nav>, the page's <header>, and elements named or marked as navigation (not sidebars or footers,
# which list recent posts as often as pages).
MENU_TAGS = frozenset({"nav", "header"})
_MENU_NAME = re.compile(r"(?:^|[-_\s])(?:nav|navbar|navigation|menu|main-menu|site-menu|topbar)(?:$|[-_\s])", re.I)
# A listing link worth following on its label (a menu's "Blog", "Archive"...), not only on its path.
LABELLED_LINK = 2.5


@dataclass(frozen=True, slots=True)
class Survey:
    """What a page is, and its ways to the blog's posts."""

    kind: PageKind
    listing_links: list[tuple[str, float]] = field(default_factory=list)  # best first, with pagekind's score
    date_archives: list[str] = field(default_factory=list)  # year/month archive pages it links, in page order
    menu: frozenset[str] = frozenset()  # loose keys of the pages its menu links

    @property
    def lists_posts(self) -> bool:
        """Whether the page is a list of posts (a listing, or an archive of titles)."""
        return self.kind.kind in (LISTING, ARCHIVE) and self.kind.posts > 0

    def labelled_links(self) -> list[str]:
        """Listing links whose label names a list of posts ("Blog", "Posts", "Archive", "文章"...)."""
        return [url for url, score in self.listing_links if score >= LABELLED_LINK]


def survey_page(html: str, url: str, listing: Listing, *, theme_rules: bool = True) -> Survey:
    """The kind of a page and its ways to the blog's list of posts (`listing`: the page's parse_listing)."""
    kind = classify_page(html, url, listing=listing, theme_rules=theme_rules)
    doc = parse_html(html, url)
    body = doc.find("body")
    archives: dict[str, None] = {}
    menu: set[str] = set()
    here = canonical_url(url)
    for link in body.iter("a") if body is not None else ():
        href = (link.get("href") or "").strip()
        if not href or href.startswith(("#", "mailto:", "javascript:", "tel:")):
            continue
        target = canonical_url(urljoin(url, href).split("#", 1)[0])
        if target == here or not same_site(target, url):
            continue
        if is_date_index(target):
            archives.setdefault(target)
        elif _in_menu(link):
            menu.add(loose_key(target))
    return Survey(kind, listing_links(html, url), list(archives), frozenset(menu))


def _in_menu(el: Element) -> bool:
    for ancestor in el.iterancestors():
        tag = ancestor.tag if isinstance(ancestor.tag, str) else ""
        if tag in ("body", "main", "article", "aside", "footer") or tag in INVISIBLE_TAGS:
            return False
        if tag in MENU_TAGS or ancestor.get("role") == "navigation":
            return True
        if _MENU_NAME.search(f"{ancestor.get('class') or ''} {ancestor.get('id') or ''}"):
            return True
    return False
