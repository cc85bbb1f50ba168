"""What is not the post inside the element chosen as its body: menus, link lists of other posts, share bars,
newsletter and subscription boxes, author cards, bylines, comment sections, hidden text.

The element a theme rule or the density scorer picks often wraps more than the post (a whole <article> or
<main>). Two general signals find the rest, as trafilatura and readability do: blocks whose text is mostly links
to the blog's own pages (navigation, "related", "most popular": a post's own link lists point elsewhere), and
class/id words of page furniture. Neither ever removes a block that holds a large share of the body's prose.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import unquote, urlsplit

import lxml.etree
import lxml.html

from archiver.extract.dates import find_date_in_text
from archiver.extract.html import drop_keeping_tail
from archiver.extract.post_rules import words

# Class/id words of page furniture (matched as whole words of a class or id split on - _ and case changes).
BOILERPLATE_WORDS = words(
    """
    share shares sharing sharebar social socials sociallinks
    related relatedposts recommended recommendations recirc recirculation morestories readnext youmayalsolike
    newsletter newsletters subscribe subscription subscriptions signup optin
    promo promos promotion promoted sponsor sponsored sponsors advert adverts advertisement advertising ad ads
    adslot adunit dfp outbrain taboola paywall
    popular trending mostpopular mostread
    comment comments commentlist disqus discussion respond
    breadcrumb breadcrumbs byline bylines authorbox authorbio bio author authors authorinfo dateline timestamp
    readtime readingtime caption captions credit credits photocredit imagecredit copyright
    tags tag taglist tagcloud topics categories
    nav navigation navbar menu submenu toolbar pagination pager
    footer widget widgets sidebar
    cookie cookies consent modal popup overlay login signin
    print rating ratings reactions
    screenreader sronly visuallyhidden hidden
    meta postmeta entrymeta
    """
)
# Inline elements are judged by their block, except those naming a sharing control, a caption or an advert.
INLINE_FURNITURE_WORDS = words(
    "share sharing sharebar social print whatsapp facebook twitter caption credit credits photocredit imagecredit "
    "advert advertisement sponsored copyright"
)
# What a "see also" line starts with: a short block of one or two links to other pages of the site.
SEE_ALSO = re.compile(
    r"^\W*(?:related|read more|read also|also read|see also|more on this|more:|explore further|recommended|"
    r"read next|weiterlesen|lesen sie auch|mehr zum thema|voir aussi|lire aussi|à lire aussi|leia também|"
    r"veja também|leer más|lee también|leggi anche|相关阅读|延伸阅读|推荐阅读|相關閱讀|関連記事|관련\s*기사)",
    re.IGNORECASE,
)
SEE_ALSO_MAX_CHARS = 200

# The last words of a name that make it furniture even beside a content word ("post-copyright", "entry-meta"):
# all the furniture words but "widget", which inside a post is an embed ("article-widget article-tweet").
FURNITURE_HEADS = BOILERPLATE_WORDS - words("widget widgets")
# Words that mark an element as the content itself whatever else its class says ("entry-content share-on").
CONTENT_WORDS = words("content body article entry story post main markdown prose")
# Tags whose whole subtree is judged as one block by the link-density rule.
BLOCK_TAGS = words("ul ol dl div section nav aside footer header table figure form menu")
# A block is navigation when at least this share of its text is link text...
LINK_DENSITY = 0.6
# ...and at least this share of its links go to the blog's own pages (a post's reference list links elsewhere).
SAME_SITE_LINKS = 0.5
# A block of at least this many links, all into the site, with this share of link text, lists other posts.
TEASER_LINKS = 3
TEASER_LINK_DENSITY = 0.3
# A block holding this share of the body's text (with little link text) is the post, never furniture.
PROSE_SHARE = 0.35
PROSE_LINK_DENSITY = 0.3
# A <header> inside the body with less text than this holds the title, byline and date, not the post.
HEADER_MAX_CHARS = 400

# Inline elements are judged by their block, never by their own class (a <span class="tag"> in prose).
INLINE_TAGS = words("span a em strong b i u s small sup sub code kbd samp var abbr cite q mark time img label")
_NEVER_ENTERED = frozenset(["pre", "code", "math", "svg", "script"])

_WORD_SPLIT = re.compile(r"[^a-z0-9]+")
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])")
_SKIPPED = frozenset(["script", "style", "noscript", "template"])


@dataclass(slots=True)
class _Counts:
    """Solid (non-space) characters under an element: all text, link text, and its links by where they go."""

    text: int = 0
    linked: int = 0
    links: int = 0
    same_site_links: int = 0


def _solid(text: str) -> int:
    # Characters without the spaces at the ends: ratios between blocks need no exact count, and this is cheap.
    return len(text.strip())


def _hint_words(element: lxml.html.HtmlElement) -> frozenset[str]:
    return _words_of_hints(f"{element.get('class') or ''} {element.get('id') or ''}")


@lru_cache(maxsize=8192)
def _words_of_hints(hints: str) -> frozenset[str]:
    """The words of a "class id" pair (a theme's few class strings recur on every page: split once each)."""
    if not hints.strip():
        return frozenset()
    words = set(_WORD_SPLIT.split(_CAMEL.sub(" ", hints).lower()))
    # Compounds too: "related-posts" -> "relatedposts", "author-box" -> "authorbox".
    for token in hints.lower().split():
        words.add(_WORD_SPLIT.sub("", token))
    words.discard("")
    return frozenset(words)


def is_furniture_hint(element: lxml.html.HtmlElement, *, past_generic: bool = False) -> bool:
    """Whether the element's class or id names page furniture (and not the content itself). A name is read as
    its words, the last one saying what the thing is: "post-copyright", "entry-meta", "main-navigation" are
    furniture of the post, "entry-content", "sidebar-content" its content; a name whose last word says neither
    ("content-sidebar-wrap", "entry share-on") is furniture only without a content word. `past_generic`: the
    last word that says something counts ("post-copyright-info", "entry-tags-box"); for a block inside a body,
    where a block holding much of the prose is never furniture, not for a page's layout wrappers."""
    if not element.attrib:
        return False
    return _is_furniture_hints(f"{element.get('class') or ''} {element.get('id') or ''}", past_generic)


@lru_cache(maxsize=8192)
def _is_furniture_hints(hints: str, past_generic: bool) -> bool:
    # A theme's few class strings recur on every page: the verdict is worked out once per distinct pair.
    words = _words_of_hints(hints)
    if not words & BOILERPLATE_WORDS:
        return False
    if not words & CONTENT_WORDS:
        return True
    heads = {_head_word(_name_words(token), past_generic) for token in hints.split()}
    return bool(heads & FURNITURE_HEADS) and not heads & CONTENT_WORDS


def _name_words(token: str) -> list[str]:
    return [word for word in _WORD_SPLIT.split(_CAMEL.sub(" ", token).lower()) if word]


def _head_word(parts: list[str], past_generic: bool) -> str:
    """The word a compound name ends on ("" for a one-word name), past generic ones if asked."""
    if past_generic:
        while len(parts) > 1 and parts[-1] in GENERIC_NAME_WORDS:
            parts = parts[:-1]
    return parts[-1] if len(parts) > 1 else ""


# Last words of a name that say how a thing is laid out, not what it is ("-info", "-container", "-box").
GENERIC_NAME_WORDS = words("info container wrap wrapper box area section block inner outer holder group list item items")


_OUTSIDE_CODE = lxml.etree.XPath("descendant-or-self::*[not(ancestor::pre or ancestor::code)]")
_STRING = lxml.etree.XPath("string()")
_CODE_TAGS = frozenset(["pre", "code"])


def _count(body: lxml.html.HtmlElement, host: str) -> dict[lxml.html.HtmlElement, _Counts]:
    """Counts for every element under body. In reversed document order every element comes after all of its
    descendants, so one pass adds each element's counts into its parent's."""
    counts: dict[lxml.html.HtmlElement, _Counts] = {body: _Counts()}
    # Code blocks count as one leaf each: their highlighting spans (thousands on a code-heavy post) are never
    # judged, and walking them was most of the cost.
    for element in reversed(_OUTSIDE_CODE(body)):
        tag = element.tag
        parent = element.getparent() if element is not body else None
        parent_counts = None
        if parent is not None:
            parent_counts = counts.get(parent)
            if parent_counts is None:
                parent_counts = counts[parent] = _Counts()
            tail = element.tail
            if tail:
                parent_counts.text += _solid(tail)
        if not isinstance(tag, str):
            continue  # a comment: only its tail is text
        here = counts.get(element)
        if here is None:
            here = counts[element] = _Counts()
        if tag in _SKIPPED:
            here.text = here.linked = here.links = here.same_site_links = 0
            continue
        if tag in _CODE_TAGS:
            here.text = _solid(_STRING(element))
        else:
            text = element.text
            if text:
                here.text += _solid(text)
        if tag == "a":
            here.linked = here.text
            here.links += 1
            if _same_site(element.get("href"), host):
                here.same_site_links += 1
        if parent_counts is not None:
            parent_counts.text += here.text
            parent_counts.linked += here.linked
            parent_counts.links += here.links
            parent_counts.same_site_links += here.same_site_links
    return counts


def _same_site(href: str | None, host: str) -> bool:
    if not href:
        return False
    href = href.strip()
    if href.startswith("#") or href.lower().startswith(("javascript:", "mailto:")):
        return True  # in-page controls: "share", "back to top", "show comments"
    if "://" not in href[:12] and not href.startswith("//"):
        return True  # relative: this site
    parts = urlsplit(href)
    netloc = parts.netloc.lower()
    if netloc == host or netloc.endswith("." + host) or host.endswith("." + netloc.removeprefix("www.")):
        return True
    # A share link elsewhere carries this page's address in its query ("sharer.php?u=https%3A%2F%2Fhost%2F..."):
    # it is a control of this page, not a reference the author made.
    return bool(parts.query) and host in unquote(parts.query).lower()


def prune_boilerplate(body: lxml.html.HtmlElement, url: str) -> None:
    """Remove from the body (in place) the blocks that are page furniture rather than the post."""
    host = urlsplit(url).netloc.lower().removeprefix("www.")
    counts = _count(body, host)
    total = counts[body].text or 1
    doomed: list[lxml.html.HtmlElement] = []
    named: list[lxml.html.HtmlElement] = []  # furniture by name (class/id words, hidden) or the post's own address
    seen: set[str] = set()
    stack = [(child, False) for child in reversed(body) if isinstance(child.tag, str)]
    while stack:
        element, in_block = stack.pop()
        if element.tag == "figcaption":
            doomed.append(element)
            continue
        if element.tag in _NEVER_ENTERED:
            continue  # code and formulas: their highlighting spans say "comment", "keyword", "tag"
        if _is_named_furniture(element, counts[element], total) or _is_own_address_line(
            element, counts[element], url
        ):
            named.append(element)
            continue
        if _is_link_furniture(element, counts[element], total):
            doomed.append(element)
            continue
        if not in_block and _is_text_block(element, counts[element]):
            text = " ".join(_STRING(element).split())
            # A dated line in a quote, or showing a picture ("2020-02-16 added the editor <img>"), is the
            # author's note, not the post's date line.
            if (counts[element].text >= REPEAT_MIN_CHARS and _is_repeat(text, seen)) or (
                _is_date_line(text, counts[element]) and not _quoted(element, body) and element.find(".//img") is None
            ):
                doomed.append(element)
                continue
            if element.tag == "p" and not counts[element].links:
                continue  # a paragraph of plain text holds no furniture
            in_block = True  # its inner spans say the same text again: not a repeat
        stack.extend((child, in_block) for child in reversed(element) if isinstance(child.tag, str))
    left = total - sum(counts[element].text for element in named)
    kept = left - sum(counts[element].text for element in doomed)
    if kept < left * 0.2:
        # The links and lines judged by their shape were the post after all (a post that is a list of links):
        # they stay. What names itself furniture goes even so (a micro-post of one line under its meta and tags).
        doomed = []
    for element in (*named, *doomed):
        drop_keeping_tail(element)


def _is_text_block(element: lxml.html.HtmlElement, counts: _Counts) -> bool:
    """A block of text with no blocks inside it (a paragraph, a caption, a list item)."""
    return (
        counts.text >= TEXT_BLOCK_MIN_CHARS
        and element.tag in _REPEATABLE
        and not any(isinstance(child.tag, str) and child.tag in _BLOCK_CHILDREN for child in element)
    )


def _quoted(element: lxml.html.HtmlElement, body: lxml.html.HtmlElement) -> bool:
    """Whether the element is (in) a quote of the body: text the author set there, a dated note included."""
    node: lxml.html.HtmlElement | None = element
    while node is not None and node is not body:
        if node.tag == "blockquote":
            return True
        node = node.getparent()
    return False


def _is_date_line(text: str, counts: _Counts) -> bool:
    return counts.text <= DATE_LINE_MAX_CHARS and is_date_line(text)


def is_date_line(text: str) -> bool:
    """A short block that only dates the post ("Updated 5:27 am CST, November 20, 2019", "18 Nov 2019, 19:09",
    "Posted on 2020-01-02", "发布于 2020年1月2日"): metadata, not prose. Words are counted in any script: a run of
    Chinese or Japanese characters is a sentence, not one word."""
    if len(text) > DATE_LINE_MAX_CHARS * 2 or not _YEAR.search(text):
        return False
    found = find_date_in_text(text, "visible")
    if found is None:
        return False
    rest = text.replace(found.raw, " ")
    clauses = bool(_CLAUSE_MARKS.search(rest))
    words = 0
    for word in _WORD.findall(rest):
        ideographs = len(_IDEOGRAPHS.findall(word)) if clauses else 0
        words += max(1, ideographs // CHARACTERS_PER_WORD) if ideographs else 1
        if words > DATE_LINE_OTHER_WORDS:
            return False
    return True


DATE_LINE_MAX_CHARS = 80
DATE_LINE_OTHER_WORDS = 4  # "Updated", "Published on", a weekday, a time zone
_YEAR = re.compile(r"(?:19|20)\d\d")
_WORD = re.compile(r"[^\W\d_]{2,}")
# Scripts written without spaces between words: a run of their characters is one label, tag or name
# ("发布于", "随笔杂谈", "ライトハウス国際特許事務所"), unless the line is written in clauses (full-width commas and
# stops: "2026年8月28日，天气晴，今天…"): then it is prose, about two characters a word.
_IDEOGRAPHS = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_CLAUSE_MARKS = re.compile(r"[，。！？；、]")
CHARACTERS_PER_WORD = 2


def _is_repeat(text: str, seen: set[str]) -> bool:
    """A text block said a second time inside the body (a gallery's caption under each of its views, a teaser
    repeated in a slider): the second is furniture."""
    if text in seen:
        return True
    seen.add(text)
    return False


REPEAT_MIN_CHARS = 30
TEXT_BLOCK_MIN_CHARS = 8
_REPEATABLE = frozenset(["p", "li", "figcaption", "div", "span", "h2", "h3", "h4", "h5", "blockquote", "dd"])
_BLOCK_CHILDREN = frozenset(["p", "div", "ul", "ol", "table", "section", "pre", "blockquote", "figure", "li"])


def _is_own_address_line(element: lxml.html.HtmlElement, counts: _Counts, url: str) -> bool:
    """A short line that gives this post's own address ("Permalink: https://…/this-post/", "原文：https://origin/
    post/abc" on a mirror of the post): a label and links to the page itself, not the post's text. Links to a
    place on the page (#fn1, a table of contents) are not an address line."""
    if (
        not counts.links
        or counts.text > OWN_ADDRESS_MAX_CHARS
        or element.tag not in _ADDRESS_LINE_TAGS
        or counts.linked < counts.text * OWN_ADDRESS_LINK_SHARE
    ):
        return False
    page_path = _comparable_path(urlsplit(url).path)
    if not page_path:
        return False
    for link in element.iter("a"):
        href = (link.get("href") or "").strip()
        parts = urlsplit(href)
        if not href or parts.fragment or not parts.path:
            return False
        path = _comparable_path(parts.path)
        if not path or not (page_path == path or page_path.endswith("/" + path.lstrip("/"))) or path.count("/") < 2:
            return False
    return True


def _comparable_path(path: str) -> str:
    path = path.removesuffix("index.html").rstrip("/")
    return path


# An address line is short, and mostly the link (a bare URL, or "this post" beside a label).
OWN_ADDRESS_MAX_CHARS = 200
OWN_ADDRESS_LINK_SHARE = 0.5
_ADDRESS_LINE_TAGS = frozenset(["p", "div", "li", "section", "span", "small", "footer"])


def _is_furniture(element: lxml.html.HtmlElement, counts: _Counts, total: int) -> bool:
    return _is_named_furniture(element, counts, total) or _is_link_furniture(element, counts, total)


def _is_prose(counts: _Counts, total: int) -> bool:
    return counts.text >= total * PROSE_SHARE and counts.linked < counts.text * PROSE_LINK_DENSITY


def _is_named_furniture(element: lxml.html.HtmlElement, counts: _Counts, total: int) -> bool:
    """Hidden, or named furniture by its class/id words or its tag (a short <header>)."""
    tag = element.tag
    if _is_prose(counts, total):
        return False
    attributes = element.attrib
    if attributes:
        if "hidden" in attributes or attributes.get("aria-hidden") == "true":
            return True
        style = attributes.get("style")
        if style and "display:none" in style.replace(" ", "").lower():
            return True
        if tag not in INLINE_TAGS and is_furniture_hint(element, past_generic=True):
            return True
        if tag in INLINE_TAGS and _hint_words(element) & INLINE_FURNITURE_WORDS:
            return True
    return tag == "header" and counts.text < HEADER_MAX_CHARS


def _is_link_furniture(element: lxml.html.HtmlElement, counts: _Counts, total: int) -> bool:
    """A "see also" line, a block of links into the site, teasers of other posts."""
    tag = element.tag
    if _is_prose(counts, total):
        return False
    if (
        tag in ("p", "div", "li", "h3", "h4", "strong")
        and counts.same_site_links
        and counts.text < SEE_ALSO_MAX_CHARS
        and SEE_ALSO.match(element.text_content())
    ):
        return True
    if tag in BLOCK_TAGS and counts.links and counts.linked >= counts.text * LINK_DENSITY:
        return counts.same_site_links >= counts.links * SAME_SITE_LINKS
    # Teasers of other posts: several headlines linking into the site, each with a line of text under it.
    return (
        tag in BLOCK_TAGS
        and counts.same_site_links >= TEASER_LINKS
        and counts.same_site_links == counts.links
        and counts.linked >= counts.text * TEASER_LINK_DENSITY
    )


