"""What one blog's own pages teach about it: the chrome that repeats on every page.

A crawl reads many pages of one blog. Texts and link lists that come back on most of them (the blog's name in
the banner, menu labels, a sidebar of recent posts, a footer) are the blog's chrome, never a post's title, date,
excerpt or list of posts. Each parsed page reports its facts (`PageFacts`, from `page_facts`); `BlogProfile`
folds them into counts, and `parse_listing(..., profile=)` reads the blog's later pages with what it learned.

Pure data and functions: the crawl keeps one profile per blog and replaces it with `profile.learn(facts)`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

import lxml.html

from archiver.extract.html import collapse, text_of
from archiver.extract.model import PageFacts

Element = lxml.html.HtmlElement

# A text seen on this many pages (and on at least CHROME_SHARE of them) is chrome. Three pages: a post's title
# is on its listing page and its own page, twice; the blog's name is on every page.
CHROME_MIN_PAGES = 3
CHROME_SHARE = 0.5
# Longest text remembered: names, labels and titles, not paragraphs.
MAX_TEXT = 120
# Pages learned from; later pages only use what was learned (the chrome does not change within a crawl).
MAX_PAGES = 30
TITLE_SEPARATORS = (" | ", " - ", " – ", " — ", " · ", " :: ", " » ", "｜", " _ ", ": ")
# Elements whose text is a name or a label: headings, the <title>, the banner's and the menu's links.
TEXT_TAGS = ("h1", "h2", "h3", "h4", "h5", "h6")


@dataclass(frozen=True, slots=True)
class BlogProfile:
    """Counts of what a blog's pages showed, and the chrome they make."""

    pages: int = 0
    text_pages: Mapping[str, int] = field(default_factory=lambda: MappingProxyType({}))
    list_pages: Mapping[int, int] = field(default_factory=lambda: MappingProxyType({}))

    def learn(self, facts: PageFacts | None) -> BlogProfile:
        """A new profile that also counts one more page's facts (unchanged past MAX_PAGES pages)."""
        if facts is None or self.pages >= MAX_PAGES:
            return self
        texts = dict(self.text_pages)
        for text in facts.texts:
            texts[text] = texts.get(text, 0) + 1
        lists = dict(self.list_pages)
        for key in facts.link_lists:
            lists[key] = lists.get(key, 0) + 1
        return BlogProfile(self.pages + 1, MappingProxyType(texts), MappingProxyType(lists))

    @property
    def learning(self) -> bool:
        """Whether pages still add to the profile (parse_listing then reports their facts)."""
        return self.pages < MAX_PAGES

    def _repeated(self, count: int) -> bool:
        return count >= CHROME_MIN_PAGES and count >= CHROME_SHARE * self.pages

    @property
    def chrome_texts(self) -> frozenset[str]:
        """Texts on most of the blog's pages: its name, its menu and widget labels."""
        return frozenset(text for text, count in self.text_pages.items() if self._repeated(count))

    @property
    def chrome_lists(self) -> frozenset[int]:
        """Link lists (by `link_list_key`) on most of the blog's pages: menus and sidebars of posts."""
        return frozenset(key for key, count in self.list_pages.items() if self._repeated(count))


def link_list_key(urls: Iterable[str]) -> int:
    """The key of a list of links, whatever their order on the page (stable across processes)."""
    digest = hashlib.blake2b("\n".join(sorted(set(urls))).encode("utf-8", "replace"), digest_size=8).digest()
    return int.from_bytes(digest, "big")


def page_texts(doc: Element, heading_filter: Callable[[Element], bool] | None = None) -> frozenset[str]:
    """The short texts of a page that may be its blog's chrome: headings (those `heading_filter` keeps), <title>
    and its parts, og:site_name."""
    texts: set[str] = set()
    title = doc.find(".//title")
    if title is not None:
        whole = collapse(title.text_content())
        texts.add(whole)
        for separator in TITLE_SEPARATORS:
            if separator in whole:
                texts.update(part.strip() for part in whole.split(separator))
    for meta in doc.iterfind(".//meta[@property]"):
        if meta.get("property") == "og:site_name":
            texts.add(collapse(meta.get("content")))
    body = doc.find("body")
    if body is not None:
        for heading in body.iter(*TEXT_TAGS):
            if heading_filter is None or heading_filter(heading):
                texts.add(text_of(heading))
    return frozenset(text for text in texts if text and len(text) <= MAX_TEXT)
