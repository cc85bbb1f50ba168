"""Post pages: metadata (JSON-LD, OpenGraph, Dublin Core, <time>, microformats, bylines) and the body."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from urllib.parse import SplitResult, urljoin, urlsplit

import lxml.etree
import lxml.html

from archiver.extract import dates
from archiver.extract import post_rules as rules
from archiver.extract.boilerplate import prune_boilerplate
from archiver.extract.content import (
    absolutize_links,
    body_text,
    clean_body,
    clean_html,
    find_body,
    first_paragraph,
    html_to_markdown,
    inner_html,
)
from archiver.extract.html import collapse, parse_html, straight_quotes, text_of
from archiver.extract.model import DateValue, PostPage

_UTC_SUFFIX = re.compile(r"(?:Z|[+-]00:?00)$")

PUBLISHED_META_KEYS = (
    "article:published_time", "og:published_time", "datepublished", "dc.date.issued", "dc.date", "dcterms.issued",
    "dcterms.created", "dcterms.date", "date", "pubdate", "publishdate", "publish-date", "parsely-pub-date",
    "sailthru.date", "citation_publication_date",
)
UPDATED_META_KEYS = (
    "article:modified_time", "og:updated_time", "datemodified", "dc.date.modified", "dcterms.modified",
    "last-modified", "revised",
)
TAG_META_KEYS = ("article:tag", "keywords:tag")
CATEGORY_META_KEYS = ("article:section",)


# ---------------------------------------------------------------------------------------------------------------
# Page-wide metadata: <meta>, itemprop, JSON-LD
# ---------------------------------------------------------------------------------------------------------------
@dataclass(slots=True)
class _HeadFacts:
    meta: dict[str, list[str]] = field(default_factory=dict)
    article_ld: dict | None = None
    title_tag: str = ""
    lang: str = ""


def _read_head(document: lxml.html.HtmlElement) -> _HeadFacts:
    facts = _HeadFacts()
    for element in document.iter("meta"):
        key = element.get("property") or element.get("name") or element.get("itemprop") or element.get("http-equiv")
        value = element.get("content")
        if key and value is not None and value.strip():
            facts.meta.setdefault(key.strip().lower(), []).append(value.strip())
            itemprop = element.get("itemprop")
            if itemprop:  # schema.org microdata kept apart too: its "keywords" is the post's, name=keywords the site's
                facts.meta.setdefault(f"itemprop:{itemprop.strip().lower()}", []).append(value.strip())
    title = document.find(".//title")
    facts.title_tag = collapse(title.text_content()) if title is not None else ""
    facts.lang = (document.get("lang") or document.get("xml:lang") or "").strip()
    facts.article_ld = _article_json_ld(document)
    return facts


def _article_json_ld(document: lxml.html.HtmlElement) -> dict | None:
    """The JSON-LD node describing the post (BlogPosting/Article/...), WebPage as a last resort."""
    fallback: dict | None = None
    for script in document.iter("script"):
        if (script.get("type") or "").strip().lower() != "application/ld+json" or not script.text:
            continue
        try:
            data = json.loads(script.text)
        except ValueError:
            continue
        for node in _json_ld_nodes(data):
            types = node.get("@type")
            type_names = {types} if isinstance(types, str) else set(types or [])
            if type_names & rules.ARTICLE_TYPES - {"WebPage"}:
                return node
            if "WebPage" in type_names and fallback is None:
                fallback = node
    return fallback


def _json_ld_nodes(data: object) -> list[dict]:
    if isinstance(data, list):
        return [node for item in data for node in _json_ld_nodes(item)]
    if isinstance(data, dict):
        graph = data.get("@graph")
        return [data, *_json_ld_nodes(graph)] if graph else [data]
    return []


def _ld_text(value: object) -> str:
    """A JSON-LD value as one string: names of objects, first of lists."""
    if isinstance(value, list):
        return next((text for text in (_ld_text(v) for v in value) if text), "")
    if isinstance(value, dict):
        return _ld_text(value.get("name") or value.get("@value") or "")
    return collapse(str(value)) if value is not None else ""


def _ld_list(value: object) -> list[str]:
    if isinstance(value, str):
        return [part for part in (collapse(p) for p in value.split(",")) if part]
    if isinstance(value, list):
        return [text for text in (_ld_text(v) for v in value) if text]
    return []


# ---------------------------------------------------------------------------------------------------------------
# Facts of the post's own region (its <article>), outside the body
# ---------------------------------------------------------------------------------------------------------------
@dataclass(slots=True)
class _ScopeFacts:
    headings: list[tuple[int, str]] = field(default_factory=list)  # (rank, text): lower rank = more trusted
    time_published: list[tuple[str, str]] = field(default_factory=list)  # (value, source)
    time_updated: list[tuple[str, str]] = field(default_factory=list)
    visible_dates: list[str] = field(default_factory=list)
    visible_updated: list[str] = field(default_factory=list)
    body_headings: list[str] = field(default_factory=list)  # a title heading at the top of the body container
    time_texts: list[str] = field(default_factory=list)  # what <time> elements show (the reader's day)
    authors: list[str] = field(default_factory=list)
    byline_authors: list[str] = field(default_factory=list)  # names read from "Posted by NAME on ..." text
    byline_texts: list[str] = field(default_factory=list)  # short byline lines, searched for a date last
    body_dates: list[tuple[str, str]] = field(default_factory=list)  # (text, source): date lines atop the body
    tags: list[str] = field(default_factory=list)
    context_tags: list[str] = field(default_factory=list)  # links in a tag box whose href is no tag page
    categories: list[str] = field(default_factory=list)


_FACT_LISTS = tuple(name for name in _ScopeFacts.__dataclass_fields__)


def _post_scope(body: lxml.html.HtmlElement) -> lxml.html.HtmlElement:
    """The element that holds the post (header, body, footer): the body's nearest article-like ancestor."""
    fallback = None
    for ancestor in body.iterancestors():
        tag = ancestor.tag
        if tag == "article" or "BlogPosting" in (ancestor.get("itemtype") or ""):
            return ancestor
        classes = (ancestor.get("class") or "").split()
        if any(c in ("post", "hentry", "h-entry", "single", "article", "post-single") for c in classes):
            return ancestor
        if tag == "main" and fallback is None:
            fallback = ancestor
        if tag == "body":
            break
    if fallback is not None:
        return fallback
    parent = body.getparent()
    grandparent = parent.getparent() if parent is not None else None
    if grandparent is not None and grandparent.tag != "html":
        return grandparent
    return parent if parent is not None else body


def _read_scope(scope: lxml.html.HtmlElement, body: lxml.html.HtmlElement) -> _ScopeFacts:
    facts = _ScopeFacts()
    _walk_region(list(scope), body, facts)
    _read_body_head(body, facts)
    if not facts.time_published and not facts.visible_dates:
        _read_date_header(scope, facts)
    return facts


_NO_CLASSES: frozenset[str] = frozenset()


def _walk_region(
    roots: list[lxml.html.HtmlElement], body: lxml.html.HtmlElement, facts: _ScopeFacts, *, enter_nav: bool = False,
    read: tuple[lxml.html.HtmlElement, _ScopeFacts] | None = None, dates_only: bool = False,
) -> None:
    """Note titles, dates, bylines, tags and categories under the roots, skipping the body and site furniture.
    `read`: a subtree already walked as a root of its own, and its facts, taken in at its place in the walk.
    `dates_only`: no headings, authors, tags nor categories (what the dates are picked from is noted alike)."""
    stack = [(child, "") for child in reversed(roots)]
    while stack:
        element, context = stack.pop()
        tag = element.tag
        if not isinstance(tag, str) or element is body or tag in ("script", "style", "noscript", "template"):
            continue
        if read is not None and element is read[0]:
            for name in _FACT_LISTS:
                getattr(facts, name).extend(getattr(read[1], name))
            continue
        class_value = element.get("class")
        if class_value:
            class_set, skipped = _region_classes(class_value)
            if skipped or (tag == "section" and "comments" in class_set):
                continue
        else:
            class_set = _NO_CLASSES
        if tag in ("nav", "aside") and not enter_nav:
            continue
        if class_set & rules.TAG_CONTAINER_CLASSES:
            context = "tag"
        elif class_set & rules.CATEGORY_CONTAINER_CLASSES:
            context = "category"
        _note_element(element, tag, class_set, context, facts, body, dates_only)
        stack.extend((child, context) for child in reversed(element))


@lru_cache(maxsize=8192)
def _region_classes(class_value: str) -> tuple[frozenset[str], bool]:
    """A class attribute's tokens, and whether they mark site furniture the region walk skips (a theme's few class
    strings recur on every element: worked out once each)."""
    class_set = frozenset(class_value.split())
    skipped = bool(class_set & rules.SCOPE_SKIP_CLASSES) or rules.SCOPE_SKIP_CLASS_PATTERN.search(class_value) is not None
    return class_set, skipped


def _read_outside_header(
    document: lxml.html.HtmlElement, scope: lxml.html.HtmlElement, body: lxml.html.HtmlElement, rule_name: str,
    facts: _ScopeFacts,
) -> None:
    """Categories and tags the theme shows outside the post's region: a page-title block just before it, or a
    side column of post metadata."""
    side_class = rules.SIDE_META_CLASSES.get(rule_name)
    block = _ScopeFacts()
    if side_class:
        lists = [e for e in document.iter("ul", "div", "dl") if side_class in (e.get("class") or "").split()]
        _walk_region(lists[:1], body, block, enter_nav=True)
    else:
        preceding = [
            sibling
            for element in (scope, scope.getparent())
            if element is not None
            for sibling in list(element.itersiblings(preceding=True))[: rules.PRECEDING_HEADER_SIBLINGS]
            if isinstance(sibling.tag, str) and len(_FAST_STRING(sibling)) <= rules.TITLE_BLOCK_MAX_CHARS
        ]
        _walk_region(preceding, body, block)
    for name in ("categories", "tags", "time_published", "visible_dates"):
        if not getattr(facts, name):
            setattr(facts, name, getattr(block, name))


def _read_title_block(
    document: lxml.html.HtmlElement, scope: lxml.html.HtmlElement, body: lxml.html.HtmlElement, title: str,
    facts: _ScopeFacts,
) -> None:
    """Themes that show the title heading with its byline and tags in a page header outside the post's region
    (Hux, custom templates): read the heading's siblings for what the region lacked."""
    heading = next((h for h in document.iter("h1") if _heading_text(h) == title), None)
    if heading is None or any(a is scope for a in heading.iterancestors()):
        return
    parent = heading.getparent()
    if parent is None:
        return
    block = _ScopeFacts()
    siblings = [s for s in parent if s is not heading and isinstance(s.tag, str)]
    siblings = [s for s in siblings if len(_FAST_STRING(s)) <= rules.TITLE_BLOCK_MAX_CHARS]
    _walk_region(siblings, body, block)
    block.byline_texts.extend(text for text in (text_of(s) for s in siblings) if text)
    for name in ("time_published", "visible_dates", "time_texts", "authors", "byline_authors", "tags", "categories"):
        if not getattr(facts, name):
            setattr(facts, name, getattr(block, name))
    facts.byline_texts.extend(block.byline_texts)


def _read_date_header(scope: lxml.html.HtmlElement, facts: _ScopeFacts) -> None:
    """Blogger-style day headings that precede the post element rather than sit inside it."""
    for sibling in list(scope.itersiblings(preceding=True))[:3]:
        if isinstance(sibling.tag, str) and _is_date_element(set((sibling.get("class") or "").split())):
            facts.visible_dates.append(text_of(sibling))
            return


def _read_body_head(body: lxml.html.HtmlElement, facts: _ScopeFacts) -> None:
    """Themes that put the title and date inside the body container (Lanyon, MkDocs): its first children."""
    for child in body[:6]:
        tag = child.tag
        if not isinstance(tag, str):
            continue
        class_set = set((child.get("class") or "").split())
        if tag == "h1" or (class_set & rules.TITLE_CLASSES and tag in ("h1", "h2", "h3", "div", "header")):
            text = _heading_text(child)
            if text and not class_set & rules.NOT_TITLE_CLASSES:
                facts.body_headings.append(text)
        elif _is_date_element(class_set) and len(child) < 12:
            facts.visible_dates.append(text_of(child))
        elif class_set & rules.AUTHOR_CLASSES and len(child) < 4:
            name = _author_text(child)
            if name:
                facts.authors.append(name)
        elif tag == "p" and len(text_of(child)) > 80:
            break  # the text has started
        elif tag in _DATE_LINE_TAGS and len(child) < 6:
            _note_date_line(child, facts)


_DATE_LINE_TAGS = frozenset(["p", "div", "span", "time", "small", "em", "header"])
DATE_LINE_MAX_CHARS = 80  # a byline or a "Stand: 14.10.2019" line, not a paragraph that mentions a date


def _note_date_line(element: lxml.html.HtmlElement, facts: _ScopeFacts) -> None:
    """A short line at the top of the body that carries the post's date: a bare <time>, or dated text. Read
    after every date of the post's header (the body's first lines may announce an update)."""
    time_element = element if element.tag == "time" else element.find(".//time")
    text = text_of(element)
    if text and any(word in text.lower() for word in rules.UPDATED_WORDS):
        return
    if time_element is not None:
        value = time_element.get("datetime") or text_of(time_element)
        if value:
            facts.body_dates.append((value, "time"))
    elif text and len(text) <= DATE_LINE_MAX_CHARS and _YEAR_DIGITS.search(text):
        facts.body_dates.append((text, "visible"))


_YEAR_DIGITS = re.compile(r"(?:19|20)\d\d")


def _heading_text(element: lxml.html.HtmlElement) -> str:
    """A heading's text without the permalink marks themes append ("¶", "#")."""
    return text_of(element).rstrip(" ¶#§🔗").strip()


def _is_date_element(class_set: set[str] | frozenset[str]) -> bool:
    if not class_set:
        return False
    return _is_date_class_set(class_set if isinstance(class_set, frozenset) else frozenset(class_set))


@lru_cache(maxsize=8192)
def _is_date_class_set(class_set: frozenset[str]) -> bool:
    return bool(class_set & rules.DATE_CLASSES) or rules.DATE_CLASS_PATTERN.search(" ".join(class_set)) is not None


_MICROFORMAT_DATE_CLASSES = frozenset({"dt-published", "dt-updated"})
# Old hAtom: <abbr class="published" title="2008-03-01T12:00:00-05:00">March 1</abbr>, the value in the title.
_ABBR_DATE_CLASSES = frozenset({"published", "updated"})

# Elements without attributes that can still say something: headings, <time>, links, byline text holders.
_BARE_NOTABLE_TAGS = frozenset(["h1", "h2", "h3", "time", "a"]) | rules.BYLINE_TAGS


# Classes and itemprops that make an element say something (a title, a date, an author), whatever its tag.
_NOTABLE_CLASSES = rules.TITLE_CLASSES | _MICROFORMAT_DATE_CLASSES | _ABBR_DATE_CLASSES | rules.AUTHOR_CLASSES
_NOTABLE_ITEMPROPS = frozenset({"datepublished", "datemodified", "author"})


def _has_notable_class(class_set: set[str] | frozenset[str]) -> bool:
    return _notable_class_set(class_set if isinstance(class_set, frozenset) else frozenset(class_set))


@lru_cache(maxsize=8192)
def _notable_class_set(class_set: frozenset[str]) -> bool:
    return bool(class_set & _NOTABLE_CLASSES) or _is_date_element(class_set)


def _note_element(
    element: lxml.html.HtmlElement, tag: str, class_set: set[str], context: str, facts: _ScopeFacts,
    body: lxml.html.HtmlElement, dates_only: bool = False,
) -> None:
    if tag not in _BARE_NOTABLE_TAGS and not (class_set and _has_notable_class(class_set)) and (
        not element.attrib or (element.get("itemprop") or "").lower() not in _NOTABLE_ITEMPROPS
    ):
        return  # most of a post's region: wrappers whose tag, classes and itemprop say nothing checked below
    if not dates_only and (tag in ("h1", "h2", "h3") or class_set & rules.TITLE_CLASSES) \
            and not class_set & rules.NOT_TITLE_CLASSES:
        titled = bool(class_set & rules.TITLE_CLASSES)
        # 0: title-classed heading, 1: plain h1, 2: title-classed other element, 3: plain h2/h3 (weak)
        rank = (0 if tag in ("h1", "h2", "h3") else 2) if titled else (1 if tag == "h1" else 3)
        text = _heading_text(element)
        if text:
            facts.headings.append((rank, text))
    itemprop = (element.get("itemprop") or "").lower()
    if (
        tag == "time"
        or itemprop in ("datepublished", "datemodified")
        or class_set & _MICROFORMAT_DATE_CLASSES
        or (tag == "abbr" and class_set & _ABBR_DATE_CLASSES and element.get("title"))
    ):
        if _in_teaser(element, body):
            return
        value = element.get("datetime") or element.get("content") or element.get("title") or text_of(element)
        source = "microformat" if class_set & _MICROFORMAT_DATE_CLASSES or tag == "abbr" else "time"
        if tag != "time" and itemprop:
            source = "meta"
        updated = itemprop == "datemodified" or bool(class_set & rules.UPDATED_CLASSES) or _is_updated_label(element)
        shown = text_of(element)
        if not updated and _shows_another_day(shown, value):
            # <time datetime="...07-03T10:18Z">Published 29 June 2019</time>, <abbr title="06-08-2009T14:12">6.
            # August 2009</abbr>: the reader's day (the attribute is a conversion, or its day and month order
            # is the site's own)
            value = shown
        if updated:
            facts.time_updated.append((value, source))
        elif tag == "time" and "pubdate" in element.attrib:
            # Ordered by _published_times; marks below the post's body are those of comments and related posts.
            below = (element.sourceline or 0) > (body.sourceline or 0) > 0
            facts.time_published.append((value, "pubdate-below" if below else "pubdate"))
        else:
            facts.time_published.append((value, source))
        if not updated and shown and shown != value:
            facts.time_texts.append(shown)
    elif _is_date_element(class_set) and len(element) < 12:
        if _in_teaser(element, body):
            return
        text = f"{text_of(element)} {element.get('title') or ''}"
        if any(word in text.lower() for word in rules.UPDATED_WORDS):
            facts.visible_updated.append(text)
        else:
            facts.visible_dates.append(text)
    if class_set & rules.AUTHOR_CLASSES or itemprop == "author":
        name = "" if dates_only else _author_text(element)
        if name and not _has_inner_author(element):
            facts.authors.append(name)
    elif tag == "a":
        if not dates_only:
            _note_link(element, context, facts)
    elif tag in rules.BYLINE_TAGS and element.text and rules.BYLINE_PREFIX.match(element.text):
        text = text_of(element)
        if len(text) <= rules.BYLINE_MAX_CHARS:
            facts.byline_texts.append(text)
            name = _byline_name(text)
            if name:
                facts.byline_authors.append(name)


# A link in a heading, or around one: what a teaser of another post shows (its own title as h1 is the post's).
_HEADING_LINKS = lxml.etree.XPath(
    ".//*[self::h2 or self::h3 or self::h4 or self::h5]//a[@href] | .//a[@href][.//h2 or .//h3 or .//h4 or .//h5]"
)


def _in_teaser(element: lxml.html.HtmlElement, body: lxml.html.HtmlElement) -> bool:
    """Whether a date sits in a teaser of another page: its parent or grandparent also holds a heading that links
    elsewhere (related posts, "more from the site" lists, next/previous cards). A container holding the post's
    body is the post's own (a layout column with a side list), and a heading linking to the page itself is the
    post's own title."""
    page = urlsplit(element.base_url or "")
    container = element.getparent()
    for _level in range(2):
        if container is None or container.tag in ("body", "html") or any(a is container for a in body.iterancestors()):
            return False
        for link in _HEADING_LINKS(container):
            href = (link.get("href") or "").strip()
            if href and not href.startswith("#") and not _same_page(urlsplit(urljoin(page.geturl(), href)), page):
                return True
        container = container.getparent()
    return False


def _same_page(one: SplitResult, other: SplitResult) -> bool:
    """Same path (closing slash aside), and the same query when both have one (`/news.php?id=7` and `?id=8` are
    two pages; `/post/` and `/post/?m=1` one)."""
    return one.path.rstrip("/") == other.path.rstrip("/") and (
        one.query == other.query or not one.query or not other.query
    )


def _shows_another_day(shown: str, value: str) -> bool:
    """Whether a <time>'s text is a whole written date (with its year) of another day than its attribute: the
    attribute is then a re-save or a conversion; what readers are shown is the post's date."""
    if not shown or shown == value or not _YEAR_DIGITS.search(shown):
        return False
    if any(word in shown.lower() for word in rules.UPDATED_WORDS):
        return False  # "Updated 5 June 2019": the attribute may well be the publication
    written, machine = dates.find_date_in_text(shown, "time"), _parse(value, "time")
    return written is not None and machine is not None and written.iso[:10] != machine.iso[:10]


def _has_inner_author(element: lxml.html.HtmlElement) -> bool:
    """An author box around a smaller author element ("Written by <span class=author>NAME</span> ..."): the
    inner one names the author."""
    return any(
        set((inner.get("class") or "").split()) & rules.AUTHOR_CLASSES or inner.get("itemprop") == "author"
        for inner in element.iterdescendants()
    )


def _is_updated_label(element: lxml.html.HtmlElement) -> bool:
    parent = element.getparent()
    label = f"{element.get('title') or ''} {(parent.text or '') if parent is not None else ''}".lower()
    return any(word in label for word in rules.UPDATED_WORDS)


def _note_link(link: lxml.html.HtmlElement, context: str, facts: _ScopeFacts) -> None:
    rel = (link.get("rel") or "").lower().split()
    href = link.get("href") or ""
    text = _tag_text(text_of(link))
    if "author" in rel:
        if text:
            facts.authors.append(text)
        return
    if not text:
        return
    if "category" in rel or context == "category" or rules.CATEGORY_PATH.search(href):
        facts.categories.append(text)
    elif "tag" in rel or rules.TAG_PATH.search(href):
        facts.tags.append(text)
    elif context == "tag":
        facts.context_tags.append(text)


def _tag_text(text: str) -> str:
    return collapse(text.lstrip("#＃ ").rstrip(","))


def _author_text(element: lxml.html.HtmlElement) -> str:
    content = element.get("content")
    if content:
        return collapse(content) if len(content) <= 60 else ""
    return _byline_name(text_of(element))


def _byline_name(text: str) -> str:
    """The name in a byline: "Posted by Ann Lee on May 2, 2020" -> "Ann Lee"; "" for a bare label or prose."""
    if rules.BYLINE_LABEL.match(text):
        return ""
    name = rules.BYLINE_PREFIX.sub("", text, count=1)
    end = rules.BYLINE_NAME_END.search(name)
    if end:
        name = name[: end.start()]
    name = name.strip(" :：.")
    return name if 0 < len(name) <= 60 else ""


# ---------------------------------------------------------------------------------------------------------------
# Field cascades
# ---------------------------------------------------------------------------------------------------------------
def _first_meta(head: _HeadFacts, keys: tuple[str, ...]) -> tuple[str, str] | None:
    for key in keys:
        values = head.meta.get(key)
        if values:
            return values[0], key
    return None


def _site_names(head: _HeadFacts, document: lxml.html.HtmlElement) -> set[str]:
    """Names the site goes by: og:site_name, application-name, JSON-LD publisher, the header's site title."""
    names = {collapse(v) for key in ("og:site_name", "application-name") for v in head.meta.get(key, [])}
    if head.article_ld and isinstance(head.article_ld.get("publisher"), dict):
        names.add(_ld_text(head.article_ld["publisher"]))
    for element in _SITE_TITLE_ELEMENTS(document):
        names.add(text_of(element))
    names.discard("")
    return names


_SITE_TITLE_ELEMENTS = lxml.etree.XPath(
    "(//header//*[contains(@class,'site-title') or contains(@class,'site-name') or contains(@class,'brand')"
    " or contains(@class,'logo')])[position() <= 3]"
)
_DOCUMENT_H1 = lxml.etree.XPath("//h1[position() <= 3]")


def _without_site_name(title: str, site_names: set[str]) -> str:
    for name in site_names:
        for separator in (*rules.TITLE_SEPARATORS, ": "):
            suffix, prefix = separator + name, name + separator
            if title.endswith(suffix) and len(title) > len(suffix):
                return title[: -len(suffix)].strip()
            if title.startswith(prefix) and len(title) > len(prefix):
                return title[len(prefix):].strip()
    return title


def _pick_title(
    head: _HeadFacts, scope: _ScopeFacts, document: lxml.html.HtmlElement, body: lxml.html.HtmlElement | None
) -> str | None:
    """The title by agreement: a visible heading the page's metadata titles confirm; else the post's own
    title-classed heading; then og:title / JSON-LD headline / <title> without the site name."""
    site_names = _site_names(head, document)
    agreed = _agreed_title(head, scope, document, site_names)
    if agreed:
        return agreed
    best_rank, best_heading = min(scope.headings, key=lambda item: item[0]) if scope.headings else (9, "")
    if best_rank <= 2 and best_heading not in site_names:
        return best_heading
    meta_title = collapse((head.meta.get("og:title") or head.meta.get("twitter:title") or [""])[0])
    if not meta_title and head.article_ld:
        meta_title = _ld_text(head.article_ld.get("headline") or head.article_ld.get("name"))
    title = _without_site_name(meta_title or head.title_tag, site_names)
    page_h1s = []  # (text, title-classed) of h1s outside the body
    for h1 in _DOCUMENT_H1(document):
        classes = set((h1.get("class") or "").split())
        text = _heading_text(h1)
        outside_body = body is None or not any(a is body for a in h1.iterancestors())
        if text and text not in site_names and not classes & rules.NOT_TITLE_CLASSES and outside_body:
            page_h1s.append((text, bool(classes & rules.TITLE_CLASSES)))
    for heading, title_classed in page_h1s:
        if title_classed or title.startswith(heading):
            return heading
    if scope.body_headings:
        return scope.body_headings[0]
    for heading, _title_classed in page_h1s:
        if len(page_h1s) == 1 and (not title or title in site_names):
            return heading
    if not title or title in site_names:
        return best_heading or None
    if not meta_title and title == head.title_tag and page_h1s:
        return page_h1s[0][0]
    if body is not None and _is_generated_title(title, body, head):
        return None
    return title


def _visible_headings(document: lxml.html.HtmlElement) -> list[tuple[lxml.html.HtmlElement, str]]:
    """The page's h1s, then h2s, that a reader sees: not in a <template>, a hidden element, the navigation or the
    site banner, and not a table of contents' own heading."""
    found = []
    for heading in _PAGE_HEADINGS(document):
        classes = set((heading.get("class") or "").split())
        if classes & rules.NOT_TITLE_CLASSES:
            continue
        if any(
            a.tag in ("template", "nav") or _hidden(a) or set((a.get("class") or "").split()) & rules.NOT_TITLE_CLASSES
            for a in heading.iterancestors()
        ) or _hidden(heading):
            continue
        text = _heading_text(heading)
        if text and text.casefold() not in rules.NOT_TITLE_TEXTS:
            found.append((heading, text))
    return found


_PAGE_HEADINGS = lxml.etree.XPath("(//h1)[position() <= 6] | (//h2)[position() <= 12] | (//h3)[position() <= 12]")


def _hidden(element: lxml.html.HtmlElement) -> bool:
    if "hidden" in element.attrib or element.get("aria-hidden") == "true":
        return True
    style = element.get("style")
    return bool(style) and "display:none" in style.replace(" ", "").lower()


def _agreed_title(
    head: _HeadFacts, scope: _ScopeFacts, document: lxml.html.HtmlElement, site_names: set[str]
) -> str | None:
    """A visible heading that the metadata titles (og:title, twitter:title, JSON-LD headline, <title>) confirm:
    equal to one, or one starts or ends with it around a separator. A heading that is one side of <title> while
    the other side is another text is the site's name, not the post's (it is added to site_names)."""
    meta_titles = [collapse(v) for key in ("og:title", "twitter:title") for v in head.meta.get(key, [])[:1]]
    if head.article_ld:
        meta_titles.append(_ld_text(head.article_ld.get("headline") or ""))
    meta_titles.append(head.title_tag)
    meta_titles = [t for t in meta_titles if t]
    if not meta_titles:
        return None
    headings = _visible_headings(document)
    in_region = {text for _rank, text in scope.headings}
    for heading, text in headings:
        if text not in in_region and _is_site_side(heading, text, head.title_tag):
            site_names.add(text)
    folded_sites = {name.casefold() for name in site_names}
    candidates = [(h, t) for h, t in headings if t.casefold() not in folded_sites]
    folded_metas = [meta.casefold() for meta in meta_titles]
    for _heading, text in candidates:
        if text.casefold() in folded_metas:
            return text  # shown and stated alike
    # A theme that curls quotes in what it shows ("isn’t", “Why”) while its metadata keeps the author's: the
    # same title, in the form the author wrote.
    for _heading, text in candidates:
        shown = straight_quotes(text)
        if shown != text:
            for meta in meta_titles:
                if straight_quotes(meta) == shown:
                    return meta
    # "Post | Site" or "Site: Post": the side shown as the post region's heading, else as a main heading.
    sides = [
        (text not in in_region, order, side)
        for order, (heading, text) in enumerate(candidates)
        if (heading.tag == "h1" or _is_title_classed(heading))
        for side in [_meta_side(text, meta_titles)] if side
    ]
    return min(sides)[2] if sides else None


def _meta_side(heading: str, meta_titles: list[str]) -> str | None:
    """The side of a two-part metadata title ("Post | Site") that is the heading, quotes as the metadata writes
    them (a theme may curl the shown heading's); None when no metadata title has the heading as one side."""
    folded = straight_quotes(heading).casefold()
    for meta in meta_titles:
        if _is_title_side(folded, straight_quotes(meta).casefold()):
            side = meta[: len(heading)] if straight_quotes(meta).casefold().startswith(folded) else meta[-len(heading):]
            return side if straight_quotes(side) == straight_quotes(heading) else heading
    return None


def _title_parts(title: str) -> list[str]:
    """The two sides of a <title> at its first and at its last separator ("A: B: C" -> A, "B: C", "A: B", C)."""
    for separator in (*rules.TITLE_SEPARATORS, ": "):
        if separator in title:
            first, _, rest = title.partition(separator)
            start, _, last = title.rpartition(separator)
            return [part.strip() for part in (first, rest, start, last) if part.strip()]
    return [title]


def _is_title_side(heading: str, title: str) -> bool:
    """Whether the (folded) heading is what a <title> or og:title holds beside a site name: "Post | Site"."""
    if not heading or len(heading) >= len(title):
        return False
    for separator in (*rules.TITLE_SEPARATORS, ": "):
        if title.startswith(heading + separator.casefold()) or title.endswith(separator.casefold() + heading):
            return True
    return False


def _is_site_side(heading: lxml.html.HtmlElement, text: str, title_tag: str) -> bool:
    """A heading that is one side of a two-part <title> ("Site: Post") and links to the blog's home page, or
    names itself a blog: the banner's site name, not the post's title."""
    parts = _title_parts(title_tag)
    if len(parts) < 2 or text not in parts:
        return False
    if any(word in text.casefold() for word in rules.SITE_NAME_WORDS) and not _is_title_classed(heading):
        return True
    links = [heading, *heading.iterancestors("a")] if heading.tag == "a" else [*heading.iter("a"), *heading.iterancestors("a")]
    base = heading.getroottree().docinfo.URL or ""
    page = urlsplit(base)
    for link in links:
        href = (link.get("href") or "").strip()
        if not href:
            continue
        target = urlsplit(urljoin(base, href))
        # The banner links home: the site root, or the blog's root above this page ("/blog/" for "/blog/x/").
        if target.netloc == page.netloc and (
            target.path in ("", "/") or (target.path.endswith("/") and page.path.startswith(target.path)
                                         and len(target.path) < len(page.path))
        ):
            return True
    return False


def _is_title_classed(element: lxml.html.HtmlElement) -> bool:
    return bool(set((element.get("class") or "").split()) & rules.TITLE_CLASSES)


def _is_generated_title(title: str, body: lxml.html.HtmlElement, head: _HeadFacts) -> bool:
    """A title the engine made from the first words of an untitled post (micro-posts), shown nowhere as a heading:
    the body, or the description made from the same source text, starts with it."""
    stem = "".join(title.rstrip(".…").split())  # block edges in the body carry no spaces in string()
    if len(stem) < MIN_GENERATED_TITLE_CHARS:
        return False
    if any(_heading_text(h) == title for h in body.iter("h1", "h2", "h3")):
        return False  # shown as a heading at the top of the body: a real title
    start = "".join(_FAST_STRING(body)[: len(title) * 2 + 200].split())
    if start.startswith(stem):
        return True
    description = (head.meta.get("description") or head.meta.get("og:description") or [""])[0]
    return "".join(description[: len(title) * 2 + 200].split()).startswith(stem)


# Shorter titles that the body happens to start with are more likely real titles repeated as a first line.
MIN_GENERATED_TITLE_CHARS = 4


_FAST_STRING = lxml.etree.XPath("string()")


def _parse(value: str, source: str) -> DateValue | None:
    value = collapse(value)
    return dates.parse_date(value, source) if value else None


def _find(text: str, source: str) -> DateValue | None:
    text = collapse(text)
    return dates.find_date_in_text(text, source) if text else None


def _head_published(head: _HeadFacts) -> list[DateValue]:
    """Published dates the page's metadata states: JSON-LD datePublished, then the meta tags."""
    candidates: list[DateValue | None] = []
    meta = _first_meta(head, PUBLISHED_META_KEYS)
    # OpenGraph's article:published_time is written for the page itself; a JSON-LD graph may describe a
    # republished or aggregated item. Other meta names ("date", "dc.date") are vaguer than either.
    if meta and meta[1] in OPENGRAPH_PUBLISHED_KEYS:
        candidates.append(_parse(meta[0], "meta"))
    if head.article_ld and head.article_ld.get("datePublished"):
        candidates.append(_parse(_ld_text(head.article_ld["datePublished"]), "json-ld"))
    if meta and meta[1] not in OPENGRAPH_PUBLISHED_KEYS:
        candidates.append(_parse(meta[0], "meta"))
    return [c for c in candidates if c is not None]


OPENGRAPH_PUBLISHED_KEYS = frozenset(["article:published_time", "og:published_time"])


def _published_candidates(
    from_head: list[DateValue],
    scope: _ScopeFacts,
    document: lxml.html.HtmlElement,
    body: lxml.html.HtmlElement | None,
) -> list[DateValue]:
    candidates: list[DateValue | None] = list(from_head)
    candidates.extend(
        _parse(value, "time" if source.startswith("pubdate") else source)
        for value, source in _published_times(scope)[:2]
    )
    # Only the first shown date: later ones in the post's region belong to related posts and pagers.
    shown = scope.time_texts[:1] or scope.visible_dates[:1]
    candidates.extend(_find(text, "visible") for text in shown)
    if not shown:
        candidates.extend(_find(text, "visible") for text in scope.byline_texts[:3])
    if not any(candidates):
        for text, source in scope.body_dates[:1]:
            candidates.append(_parse(text, source) if source == "time" else _find(text, source))
    found = [c for c in candidates if c is not None]
    if len(found) == 1 and _UTC_SUFFIX.search(found[0].iso) and body is not None:
        found.extend(_banner_times(document, body))
    return found


PUBDATES_COMPARED = 4


def _published_times(scope: _ScopeFacts) -> list[tuple[str, str]]:
    """The region's publication times, HTML5's `<time pubdate>` marks first. Comments and teasers carry the mark
    too: when the marks name several days, only those above the post's body count."""
    marked = [entry for entry in scope.time_published if entry[1].startswith("pubdate")]
    if not marked:
        return scope.time_published
    unmarked = [entry for entry in scope.time_published if not entry[1].startswith("pubdate")]
    days = {found.iso[:10] for value, _source in marked[:PUBDATES_COMPARED] if (found := _parse(value, "time"))}
    if len(days) > 1:
        marked = [entry for entry in marked if entry[1] == "pubdate"]
    return marked + unmarked


def _banner_times(document: lxml.html.HtmlElement, body: lxml.html.HtmlElement) -> list[DateValue]:
    """<time> elements of a page banner above the post's region (Fluid): the local day next to a UTC meta."""
    found = []
    for element in document.iter("time"):
        if not element.sourceline or not body.sourceline or element.sourceline >= body.sourceline:
            break
        value = _parse(element.get("datetime") or text_of(element), "time")
        if value:
            found.append(value)
        if len(found) >= BANNER_TIMES:
            break
    return found


BANNER_TIMES = 2  # the post's own date comes first in a banner; later ones are reading-time or update stamps


def _pick_published(candidates: list[DateValue], shown_days: Callable[[], set[str]] | None = None) -> DateValue | None:
    """The first candidate, unless it is a UTC instant and the page also shows a local day next to it (and does
    not show the instant's own day anywhere in the post's region: then that is the day readers see)."""
    if not candidates:
        return None
    best = candidates[0]
    if not _UTC_SUFFIX.search(best.iso):
        return best
    if shown_days is not None and any(c.iso[:10] != best.iso[:10] for c in candidates[1:]) \
            and best.iso[:10] in shown_days():
        return best
    for other in candidates[1:]:
        if other.iso[:10] == best.iso[:10]:
            continue
        offset = dates.offset_minutes(other.iso)
        if offset is not None:
            # The page states its zone: the UTC instant falls on that other day there, or it is another date.
            if dates.to_offset(best.iso, offset)[:10] == other.iso[:10]:
                return other
        elif _local_day_possible(best.iso, other.iso):
            return other  # what readers see, in the site's own zone
    return best


SHOWN_DATES_READ = 6  # of each kind: the post's header and body top, not every teaser a page lists


def _shown_days(scope: _ScopeFacts) -> set[str]:
    """The days the post's region shows: its <time> values and texts, dated elements, date lines atop the body."""
    found = [_parse(value, source) for value, source in scope.time_published[:SHOWN_DATES_READ]]
    found += [_find(text, "visible") for text in (scope.time_texts + scope.visible_dates)[:SHOWN_DATES_READ]]
    found += [
        _parse(text, source) if source == "time" else _find(text, source)
        for text, source in scope.body_dates[:SHOWN_DATES_READ]
    ]
    return {value.iso[:10] for value in found if value is not None}


def _local_day_possible(utc_iso: str, day_iso: str) -> bool:
    """Whether a UTC instant can fall on that day in some zone (offsets run from -12:00 to +14:00): 23:00Z is
    the next day east of +01:00, 12:00Z is never the day before."""
    try:
        instant = datetime.fromisoformat(utc_iso)
        day = date.fromisoformat(day_iso[:10])
    except ValueError:
        return False
    minutes = instant.hour * 60 + instant.minute
    shift = (day - instant.date()).days
    if shift == 1:
        return minutes + dates.MAX_OFFSET_MINUTES >= 24 * 60
    if shift == -1:
        return minutes + dates.MIN_OFFSET_MINUTES < 0
    return False


def _agree_with_url(best: DateValue | None, candidates: list[DateValue], in_url: DateValue) -> DateValue:
    """The candidate of the URL's day (it may carry the time), else the URL's day itself."""
    if best is not None and best.iso[:10] == in_url.iso[:10]:
        return best
    return next((c for c in candidates if c.iso[:10] == in_url.iso[:10]), in_url)


def _url_decides(in_url: DateValue, best: DateValue | None) -> bool:
    """Whether the day in the post's URL overrules the page's best date.

    Directory dates (`/2020/01/02/`) are made from the publication date when the post goes out, in the blog's
    own zone (WordPress, Jekyll and Hugo permalinks): a page date of another day is an update, a UTC instant or
    another post's date. A date in a slug (`/2020-01-02-title/`, `/20200102.html`) is a file name the author
    chose, and the post's own date may differ: it only breaks a one-day tie with a UTC instant, or stands alone.
    """
    if best is None or best.iso[:10] == in_url.iso[:10]:
        return True
    if "/" in in_url.raw:
        return True
    return bool(_UTC_SUFFIX.search(best.iso)) and _days_apart(best.iso, in_url.iso) == 1


def _pick_published_date(
    head: _HeadFacts, url: str, document: lxml.html.HtmlElement,
    region: Callable[[], tuple[_ScopeFacts, lxml.html.HtmlElement | None]],
) -> DateValue | None:
    """The page's own signals first, the URL's day as the judge between them, htmldate when they find nothing.
    `region` gives the post region's facts; it is only called when neither the metadata nor the dates around the
    page's title heading settle the day (so that post_dates need not look for the body)."""
    from_head = _not_the_update(_head_published(head), head, lambda: _shown_days(region()[0]))
    in_url = dates.date_in_url(urlsplit(url).path)
    decided = from_head and not _UTC_SUFFIX.search(from_head[0].iso)
    if decided and (in_url is None or in_url.iso[:10] == from_head[0].iso[:10] or not _url_decides(in_url, from_head[0])):
        return from_head[0]  # what _pick_published would return whatever the region holds
    near_title = _title_dates(document, head.title_tag)
    scope, body = (near_title, None) if near_title is not None else region()
    candidates = _published_candidates(from_head, scope, document, body)
    best = _pick_published(candidates, lambda: _shown_days(scope))
    if in_url is not None and _url_decides(in_url, best) and not _url_is_the_utc_day(in_url, best, candidates):
        return _agree_with_url(best, candidates, in_url)
    return best or dates.htmldate_published(document, url)


def _title_dates(document: lxml.html.HtmlElement, title_tag: str = "") -> _ScopeFacts | None:
    """The dates marked up around the page's one <h1>, read as the post's region is (teasers, updates and site
    furniture set aside): its parent's elements, else its grandparent's, up to TITLE_DATE_LEVELS. The post's own
    date sits next to its title. None when that is no clear answer: no single <h1>, no date there, or dates of
    more than one day at the first level that has any (then the post's region is looked for). Cheap: no body
    detection, and each level walks only what the level below did not."""
    headings = _H1S(document)
    if len(headings) > 1:
        # A site name or a widget's heading beside the post's: the one whose text the <title> holds.
        headings = [h for h in headings if _heading_in_title(h, title_tag)]
    if len(headings) != 1:
        return None
    heading = headings[0]
    below: lxml.html.HtmlElement = heading
    container = heading.getparent()
    read: tuple[lxml.html.HtmlElement, _ScopeFacts] | None = None
    for _level in range(TITLE_DATE_LEVELS):
        if container is None or container.tag in ("body", "html", "nav", "aside") or _furniture(container):
            return None
        # The block below, read at the level before, is not walked again; blocks of more text than a title block
        # holds (the post's text, its comments) are not walked at all.
        parts = [
            child for child in container
            if child is below or (isinstance(child.tag, str) and len(_FAST_STRING(child)) <= rules.TITLE_BLOCK_MAX_CHARS)
        ]
        facts = _ScopeFacts()
        _walk_region(parts, heading, facts, read=read, dates_only=True)
        days = _shown_days(facts)
        if len(days) == 1:
            return facts
        if days:
            return None
        below, read = container, (container, facts)
        container = container.getparent()
    return None


def _furniture(element: lxml.html.HtmlElement) -> bool:
    class_value = element.get("class")
    return bool(class_value) and _region_classes(class_value)[1]


_H1S = lxml.etree.XPath("//h1")


def _heading_in_title(heading: lxml.html.HtmlElement, title_tag: str) -> bool:
    text = _heading_text(heading)
    return len(text) >= MIN_TITLE_HEADING_CHARS and text.casefold() in title_tag.casefold()


MIN_TITLE_HEADING_CHARS = 8  # shorter headings ("Blog", "News") are as likely the site's or a section's
TITLE_DATE_LEVELS = 3  # the title's block, its header, and the one around that (not yet the page's columns)


def _url_is_the_utc_day(in_url: DateValue, best: DateValue | None, candidates: list[DateValue]) -> bool:
    """Whether the URL's day is only the UTC day of the instant the page shows on another, local day: a
    generator that builds permalinks in UTC (`/2023/10/27/` for 23:20Z) while the theme shows the blog's zone
    (28 October). The URL is then no witness of its own; the day readers see stands."""
    if best is None or _UTC_SUFFIX.search(best.iso) or _days_apart(best.iso, in_url.iso) != 1:
        return False
    return any(
        _UTC_SUFFIX.search(c.iso) and c.iso[:10] == in_url.iso[:10] and _local_day_possible(c.iso, best.iso)
        for c in candidates
    )


def _head_updated(head: _HeadFacts) -> DateValue | None:
    """The last-modified date the page's metadata states (JSON-LD dateModified, then the meta tags)."""
    if head.article_ld and head.article_ld.get("dateModified"):
        found = _parse(_ld_text(head.article_ld["dateModified"]), "json-ld")
        if found:
            return found
    meta = _first_meta(head, UPDATED_META_KEYS)
    return _parse(meta[0], "meta") if meta else None


def _not_the_update(
    candidates: list[DateValue], head: _HeadFacts, shown_days: Callable[[], set[str]]
) -> list[DateValue]:
    """The metadata's publication dates, one that is the page's stated update day moved behind another day the
    metadata also gives (OpenGraph re-stamped on an edit while JSON-LD keeps the first publication, or back),
    unless the post shows that day (published and edited the same day)."""
    if len(candidates) < 2 or all(c.iso[:10] == candidates[0].iso[:10] for c in candidates):
        return candidates
    updated = _head_updated(head)
    if updated is None or candidates[0].iso[:10] != updated.iso[:10] or updated.iso[:10] in shown_days():
        return candidates
    return sorted(candidates, key=lambda c: c.iso[:10] == updated.iso[:10])  # stable: the order stays otherwise


def _days_apart(a: str, b: str) -> int:
    try:
        return abs((date.fromisoformat(a[:10]) - date.fromisoformat(b[:10])).days)
    except ValueError:
        return 99


def _pick_updated(
    head: _HeadFacts, region: Callable[[], tuple[_ScopeFacts, lxml.html.HtmlElement | None]]
) -> DateValue | None:
    found = _head_updated(head)
    if found:
        return found
    scope = region()[0]
    for value, source in scope.time_updated[:3]:
        found = _parse(value, source)
        if found:
            return found
    for text in scope.visible_updated[:2]:
        found = _find(text, "visible")
        if found:
            return found
    return None


def _pick_author(head: _HeadFacts, scope: _ScopeFacts) -> str | None:
    if head.article_ld and head.article_ld.get("author"):
        name = _ld_text(head.article_ld["author"])
        if name:
            return name
    if scope.authors:
        return scope.authors[0]
    if scope.byline_authors:
        return scope.byline_authors[0]
    for key in (*rules.AUTHOR_META_NAMES, *rules.AUTHOR_HANDLE_META_NAMES):
        for value in head.meta.get(key, []):
            if not value.startswith(("http://", "https://", "@")) and len(value) <= 60:
                return collapse(value)
    return None


def _unique(values: list[str]) -> list[str]:
    seen: dict[str, None] = {}
    for value in values:
        cleaned = _tag_text(value)
        if cleaned and cleaned.casefold() not in {s.casefold() for s in seen}:
            seen[cleaned] = None
    return list(seen)


def _pick_tags(head: _HeadFacts, scope: _ScopeFacts) -> list[str]:
    for key in TAG_META_KEYS:
        if head.meta.get(key):
            return _longer_tag_list(_split_tag_values(head.meta[key]), head)
    if head.article_ld and head.article_ld.get("keywords"):
        return _unique(_ld_list(head.article_ld["keywords"]))
    # A tag box's other links (a location badge, a search link) count only when no link there is a tag page.
    return _unique(scope.tags or scope.context_tags)


def _split_tag_values(values: list[str]) -> list[str]:
    """One meta value holding the whole list ("a,b,c", as Docusaurus writes article:tag) becomes its items."""
    if len(values) == 1 and "," in values[0]:
        return _unique(_ld_list(values[0]))
    return _unique(values)


def _longer_tag_list(tags: list[str], head: _HeadFacts) -> list[str]:
    """Hugo's OpenGraph template writes at most six article:tag; its microdata keywords hold them all."""
    keywords = head.meta.get("itemprop:keywords")
    if not keywords:
        return tags
    complete = _unique(_ld_list(keywords[0]))
    folded = {t.casefold() for t in complete}
    if len(complete) > len(tags) and all(t.casefold() in folded for t in tags):
        return complete
    return tags


def _pick_categories(head: _HeadFacts, scope: _ScopeFacts) -> list[str]:
    if scope.categories:
        return _unique(scope.categories)
    for key in CATEGORY_META_KEYS:
        if head.meta.get(key):
            return _unique(head.meta[key])
    if head.article_ld and head.article_ld.get("articleSection"):
        return _unique(_ld_list(head.article_ld["articleSection"]))
    return []


def _pick_lang(head: _HeadFacts) -> str | None:
    if head.lang:
        return head.lang
    locale = (head.meta.get("og:locale") or head.meta.get("content-language") or [""])[0]
    return locale.replace("_", "-") or None


def _pick_description(head: _HeadFacts, body: lxml.html.HtmlElement | None) -> tuple[str | None, str | None]:
    for key, source in (("description", "meta"), ("og:description", "og")):
        values = head.meta.get(key)
        if values and collapse(values[0]):
            return collapse(values[0]), source
    if head.article_ld and head.article_ld.get("description"):
        text = _ld_text(head.article_ld["description"])
        if text:
            return text, "json-ld"
    paragraph = first_paragraph(body) if body is not None else None
    return (paragraph, "first-paragraph") if paragraph else (None, None)


# ---------------------------------------------------------------------------------------------------------------
# The whole page
# ---------------------------------------------------------------------------------------------------------------
def post_dates(html: str, url: str, *, theme_rules: bool = True) -> tuple[DateValue | None, DateValue | None]:
    """The published and updated dates of a post page alone, as `parse_post` finds them; the body is looked for
    only when the page's metadata does not settle them."""
    head, document, post_region = _date_sources(html, url, theme_rules)
    published = _pick_published_date(head, url, document, post_region)
    return published, _pick_updated(head, post_region)


def post_published(html: str, url: str, *, theme_rules: bool = True) -> DateValue | None:
    """The published date alone, as `post_dates` finds it (what htmldate's `find_date(original_date=True)`
    answers): a page whose metadata settles it is never looked through for an update date."""
    head, document, post_region = _date_sources(html, url, theme_rules)
    return _pick_published_date(head, url, document, post_region)


def _date_sources(
    html: str, url: str, theme_rules: bool
) -> tuple[_HeadFacts, lxml.html.HtmlElement, Callable[[], tuple[_ScopeFacts, lxml.html.HtmlElement | None]]]:
    """A page's metadata, its tree, and its post region's facts, found on the first call only."""
    document = parse_html(html, url)
    head = _read_head(document)
    region: list[tuple[_ScopeFacts, lxml.html.HtmlElement | None]] = []

    def post_region() -> tuple[_ScopeFacts, lxml.html.HtmlElement | None]:
        if not region:
            body, _rule_name = find_body(document, theme_rules=theme_rules)
            scope = _read_scope(_post_scope(body), body) if body is not None else _ScopeFacts()
            # The title block only fills dates the region lacks (parse_post reads it for authors too).
            dated = scope.time_published and (scope.time_texts or scope.visible_dates)
            if (
                body is not None and not dated and not (scope.authors and (scope.time_published or scope.visible_dates))
                and _h1_outside(document, _post_scope(body))
            ):
                title = _pick_title(head, scope, document, body)
                if title:
                    _read_title_block(document, _post_scope(body), body, title, scope)
            region.append((scope, body))
        return region[0]

    return head, document, post_region


def _h1_outside(document: lxml.html.HtmlElement, scope: lxml.html.HtmlElement) -> bool:
    """Whether some <h1> lies outside the post's region: without one, `_read_title_block` finds no heading to read
    around whatever the title is, and the title (costly: site names, visible headings) need not be worked out."""
    return any(all(a is not scope for a in h1.iterancestors()) for h1 in document.iter("h1"))


def parse_post(html: str, url: str, *, theme_rules: bool = True) -> PostPage:
    """Extract title, dates, author, tags, categories, language and the sanitized body from a post page
    (`theme_rules=False`: no theme table, only the generic mechanisms)."""
    document = parse_html(html, url)
    head = _read_head(document)
    body, rule_name = find_body(document, theme_rules=theme_rules)
    scope = _read_scope(_post_scope(body), body) if body is not None else _ScopeFacts()
    title = _pick_title(head, scope, document, body)
    if body is not None and title and not (scope.authors and (scope.time_published or scope.visible_dates)):
        _read_title_block(document, _post_scope(body), body, title, scope)
    if body is not None and not scope.categories and not scope.tags:
        _read_outside_header(document, _post_scope(body), body, rule_name, scope)
    page = PostPage(
        url=url,
        title=title,
        published=_pick_published_date(head, url, document, lambda: (scope, body)),
        updated=_pick_updated(head, lambda: (scope, body)),
        author=_pick_author(head, scope),
        tags=_pick_tags(head, scope),
        categories=_pick_categories(head, scope),
        lang=_pick_lang(head),
        extracted_by=rule_name,
    )
    if body is None:
        page.description, page.description_source = _pick_description(head, None)
        return page
    prune_boilerplate(body, url)
    clean_body(body, title if rule_name in rules.TITLE_INSIDE_BODY_RULES else None)
    page.description, page.description_source = _pick_description(head, body)
    page.content_text = body_text(body)
    absolutize_links(body, url)
    page.content_html = clean_html(inner_html(body))
    page.content_markdown = html_to_markdown(page.content_html)
    return page
