"""Listing pages: the post entries a home/archive page shows, found by layers (theme rules, semantic markup,
a generic repeated-block detector)."""

from __future__ import annotations

import contextlib
import dataclasses
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from urllib.parse import unquote, urljoin, urlsplit

import lxml.etree
import lxml.html

from archiver.extract import dates
from archiver.extract.embedded import json_ld_entries, state_entries
from archiver.extract.engine import css, css_first, detect_engine_and_rule, matches_simple, simple_selectors
from archiver.extract.feeds import discover_feeds
from archiver.extract.html import BLOCK_TAGS, INVISIBLE_TAGS, collapse, parse_html, text_of
from archiver.extract.listing_rules import (
    CATEGORY_CLASS,
    CATEGORY_HREF,
    CHROME_CLASS,
    CHROME_TAGS,
    CONTENT_NAME,
    EXCERPT_FIRST_NAME,
    EXCERPT_NAME,
    META_CLASS,
    NEVER_EXCERPT_TAGS,
    NO_DATE,
    NON_POST_SEGMENTS,
    NON_POST_SUFFIXES,
    READ_MORE_CLASS,
    READ_MORE_TEXT,
    SECTION_SEGMENTS,
    TAG_HREF,
    THEME_RULES,
    ThemeRule,
)
from archiver.extract.model import DateValue, Listing, ListingEntry, PageFacts
from archiver.extract.pagination import find_next_pages
from archiver.extract.post_rules import TITLE_SEPARATORS
from archiver.extract.profile import BlogProfile, link_list_key, page_texts
from archiver.extract.urls import is_date_index, is_taxonomy_index

Element = lxml.html.HtmlElement

# Field selectors for the semantic-markup layers (same shape as theme rules).
H_ENTRY_RULE = ThemeRule("", "h-entry", ".h-entry, .hentry", ".h-entry, .hentry", title=".p-name, .entry-title",
                         link=".u-url", date=".dt-published, .published", excerpt=".p-summary, .e-content, "
                         ".entry-summary, .entry-content", author=".p-author, .author")
SCHEMA_ORG_RULE = ThemeRule(
    "", "schema.org", "[itemscope]",
    "[itemtype*='BlogPosting'], [itemtype$='schema.org/Article'], [itemtype$='schema.org/NewsArticle'], "
    "[itemprop='blogPost']",
    # itemprop holds a list of names ("name headline", "dateCreated datePublished"): match words. Only the
    # headline names the title (a bare "name" is as often the author's or a category's); else the generic title.
    title="[itemprop~='headline']", link="[itemprop~='url']",
    date="[itemprop~='datePublished'], [itemprop~='dateCreated']",
    excerpt="[itemprop~='description'], [itemprop~='articleBody'], [itemprop~='abstract']",
    author="[itemprop~='author'] [itemprop~='name'], [itemprop~='author']")
ARTICLE_RULE = ThemeRule("", "article", "article", "article")
SEMANTIC_RULES = (H_ENTRY_RULE, SCHEMA_ORG_RULE, ARTICLE_RULE)
THEME_LAYOUT_PREFIX = "theme:"
GENERIC_LAYOUT_PREFIX = "generic:"

HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")
# Class tokens of elements a reader does not see (screen-reader-only text, collapsed or hidden blocks).
HIDDEN_CLASSES = frozenset({"hidden", "is-hidden", "d-none", "sr-only", "visually-hidden", "screen-reader-text",
                            "invisible", "hide", "u-hidden", "hidden-xs-up"})
# Elements that hold the post's own prose: inside an excerpt box they are text, never a meta line by content alone.
PROSE_TAGS = frozenset({"p", "blockquote", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "pre", "table", "figure"})
DATE_ATTRIBUTES = ("datetime", "data-date", "date", "content", "data-time", "data-ts", "data-published", "title")
BADGE_CLASS = re.compile(r"(badge|sticky|pinned|top-?icon|post-top|label|tag)", re.IGNORECASE)
# A cheap "looks like a date" test for scoring repeated blocks (the real parse happens once per entry).
DATE_HINT = re.compile(
    r"(\d{4}\s*[-/.年]\s*\d{1,2}|\d{1,2}\s*[-/.]\s*\d{1,2}\s*[-/.]\s*\d{2,4}|\b(jan|feb|mar|apr|may|jun|jul|aug|"
    r"sep|oct|nov|dec|janv|fév|mars|avr|mai|juin|juil|août|sept|déc)[a-zé]*\.?\s+\d{1,2}|\d{1,2}\.?\s+(jan|feb|mar|"
    r"apr|may|jun|jul|aug|sep|oct|nov|dec|janv|fév|mars|avr|mai|juin|juil|août|sept|déc)|\d{1,2}月\s*\d{1,2}日|"
    r"\d{1,2}-\d{1,2}\b)",
    re.IGNORECASE,
)
# Attributes that only ever carry a machine-readable date ("<em date='2024-05-09 00:00:00 +0100'>May 9</em>").
MACHINE_DATE = ("datetime", "data-date", "date", "data-time", "data-ts", "pubdate", "data-published")
DATE_CLASS = re.compile(r"(^|[-_\s])(date|time|published|pubdate|posted-on|post-time)([-_\s]|$)", re.IGNORECASE)
META_DATE_CLASS = re.compile(r"(^|[-_\s])(meta|posted|byline|info)([-_\s]|$)", re.IGNORECASE)
# Names, labels and icons of a last-modified date (never the publication date).
MODIFIED_NAME = re.compile(r"(updated|modified|lastmod|last-mod|edited|revised|datemodified|(^|[-_\s])history)",
                           re.IGNORECASE)
_MODIFIED_WORDS = (r"(?:last\s+)?(?:updated|modified|edited|revised)(?:\s+on)?|mis\s+à\s+jour(?:\s+le)?|"
                   r"aktualisiert(?:\s+am)?|actualizado(?:\s+el)?|更新于|更新於|最后更新(?:于|時間|时间)?|最後更新|"
                   r"更新日(?:時)?|最終更新日?|更新时间|修改于|업데이트")
MODIFIED_LABEL = re.compile(rf"\s*(?:{_MODIFIED_WORDS})\s*[:：]?", re.IGNORECASE)
MODIFIED_LABEL_END = re.compile(rf"(?:{_MODIFIED_WORDS})\s*[:：]?\s*$", re.IGNORECASE)
MODIFIED_ICON = re.compile(r"(history|refresh|sync|rotate|redo|pen|edit|update)", re.IGNORECASE)
MAX_DATE_LINE_CHARS = 200  # a meta line holding a date is short; longer text is body copy
YEAR_ONLY = re.compile(r"^\s*((?:19|20)\d{2})\s*(年)?\s*(\(\d+\))?\s*$")
HAS_YEAR = re.compile(r"(19|20)\d{2}")
# Listings that show whole posts would make huge excerpts; past this much text the rest is not an excerpt.
MAX_EXCERPT_CHARS = 4000
# An excerpt this long is a whole post shown on the listing; its summary is what the archive keeps.
WHOLE_POST_CHARS = 1000
SUMMARY_CHARS = 300
LAYER_WEIGHT = {"theme": 1.3, "h-entry": 1.1, "schema.org": 1.1, "article": 1.0, "generic": 1.0,
                "json-ld": 0.9, "embedded-state": 0.9}
# Machine data a page embeds: a fallback for pages whose markup shows little (JavaScript front ends).
EMBEDDED_LAYERS = (("json-ld", json_ld_entries), ("embedded-state", state_entries))


@dataclass(slots=True)
class PageContext:
    """What every layer needs to know about the page being read."""

    doc: Element
    url: str
    base: str
    host: str
    page_path: str
    post_urls: dict[str, str | None]
    # scheme://host of the base, for root-relative links; and whether those need urljoin (dot segments).
    origin: str = ""
    base_path_relative: bool = True
    # Texts of the blog's chrome: its name (never an entry's title or excerpt), and labels its pages repeat
    # (never a title; an excerpt may be a word a heading repeats elsewhere: "Introduction").
    chrome_texts: frozenset[str] = frozenset()
    chrome_titles: frozenset[str] = frozenset()
    # Keys of link lists the blog shows on most pages (extract.profile): a sidebar of posts, not the list.
    chrome_lists: frozenset[int] = frozenset()
    # Entries already read from a block with the same field selectors (several layers often find one block).
    built: dict[tuple, ListingEntry | None] = field(default_factory=dict)


def parse_listing(html: str, url: str, *, layout_hint: str | None = None, theme_rules: bool = True,
                  profile: BlogProfile | None = None) -> Listing:
    """Extract post entries, pagination, engine and feeds from one listing page.

    `layout_hint` is the `layout` of another listing page of the same blog: that layout is tried first and
    trusted even when it finds a single entry (a last page), the usual cascade runs when it finds none.
    `theme_rules=False` switches off every theme-specific table (a diagnostic: only generic layers run).
    `profile` is what the blog's pages read so far taught (extract.profile): its chrome texts are never a title
    or an excerpt, its chrome link lists never the post list; while it is still learning, `Listing.facts` holds
    this page's contribution (`profile.learn(listing.facts)`).
    """
    doc = parse_html(html, url)
    ctx = _context(doc, url)
    if profile is not None and profile.pages:
        ctx.chrome_titles = profile.chrome_texts
        ctx.chrome_lists = profile.chrome_lists
    engine, theme, rule = detect_engine_and_rule(doc, theme_rules=theme_rules)
    if layout_hint and not theme_rules and layout_hint.startswith(THEME_LAYOUT_PREFIX):
        layout_hint = None
    listing = Listing(url=url, engine=engine, theme=theme)
    entries: list[ListingEntry] = []
    layout = None
    if layout_hint:
        entries, layout = entries_for_layout(ctx, layout_hint), layout_hint
        if len(entries) >= 3 and ctx.chrome_lists and link_list_key(e.url for e in entries) in ctx.chrome_lists:
            entries = []  # the hinted layout found the list every page repeats: the blog taught otherwise
    if not entries:
        entries, layout = choose_entries(ctx, rule)
    _dates_in_page_order(entries, doc)
    listing.site_title = site_title(doc)
    names = site_names(ctx, listing.site_title)
    for entry in entries:
        entry.title = without_site_name(entry.title, names)
    listing.entries = entries
    listing.layout = layout if entries else None
    listing.lang = page_lang(doc)
    listing.site_root = site_root(ctx)
    listing.feeds = discover_feeds(doc, url)
    listing.next_pages = find_next_pages(doc, url)
    if profile is not None and profile.learning:
        listing.facts = page_facts(ctx)
    return listing


def _dates_in_page_order(entries: list[ListingEntry], doc: Element) -> None:
    """Re-read ambiguous all-number dates ("01/06/2024") in the order the page writes its dates: one date on it
    that can only be day first ("14/06/2024") makes every other one day first too (and likewise month first)."""
    ambiguous = [e for e in entries if e.published is not None and dates.ambiguous_numeric(e.published)]
    if not ambiguous:
        return
    order = dates.numeric_order(doc.text_content())
    for entry in ambiguous:
        assert entry.published is not None
        entry.published = dates.in_numeric_order(entry.published, order)


def facts_of_page(html: str, url: str) -> PageFacts:
    """PageFacts of any other page of a blog (a post page: its chrome is the blog's chrome). Only the headings of
    its chrome count: "Introduction" or "References" head many posts' bodies and are no less content for it."""
    doc = parse_html(html, url)
    return page_facts(_context(doc, url), in_chrome)


def page_facts(ctx: PageContext, heading_filter: Callable[[Element], bool] | None = None) -> PageFacts:
    """What this page shows that may be the blog's chrome: short texts, and its lists of links to posts."""
    lists = frozenset(
        link_list_key(urls) for urls in ({url for _, url in members} for members in _post_link_groups(ctx).values())
        if len(urls) >= 3
    )
    return PageFacts(texts=page_texts(ctx.doc, heading_filter), link_lists=lists)


def _context(doc: Element, url: str) -> PageContext:
    base = url
    for base_el in doc.iterfind(".//base[@href]"):
        base = urljoin(url, base_el.get("href") or "")
        break
    parts = urlsplit(url)
    base_parts = urlsplit(base)
    name = site_title(doc)
    return PageContext(doc=doc, url=url, base=base, host=parts.netloc.lower(), page_path=parts.path, post_urls={},
                       origin=f"{base_parts.scheme}://{base_parts.netloc}",
                       base_path_relative=not base_parts.scheme or not base_parts.netloc,
                       chrome_texts=frozenset([name]) if name else frozenset())


# ---------------------------------------------------------------- layers


def choose_entries(ctx: PageContext, rule: ThemeRule | None) -> tuple[list[ListingEntry], str | None]:
    """The theme rule's entries when they are convincing, else the best-scoring layer's, with the layout
    signature of the layer that won (see Listing.layout)."""
    candidates: list[tuple[float, list[ListingEntry], str | None]] = []
    if rule is not None:
        entries = entries_from_rule(ctx, rule, f"theme:{rule.name}")
        if confident(entries):
            return entries, theme_layout(rule)  # the other layers cost time and would only find the same posts
        candidates.append((quality(entries) * LAYER_WEIGHT["theme"], entries, theme_layout(rule)))
    for layer_rule in SEMANTIC_RULES:
        entries = entries_from_rule(ctx, layer_rule, layer_rule.theme)
        candidates.append((quality(entries) * LAYER_WEIGHT[layer_rule.theme], entries, layer_rule.theme))
    entries, layout = generic_entries_and_layout(ctx)
    candidates.append((quality(entries) * LAYER_WEIGHT["generic"], entries, layout))
    for name, layer in EMBEDDED_LAYERS:
        entries = layer(ctx.doc, ctx.url)
        candidates.append((quality(entries) * LAYER_WEIGHT[name], entries, name))
    _, best, best_layout = max(candidates, key=lambda c: c[0])  # max keeps the first on ties: cheaper layers win
    return best, best_layout


def theme_layout(rule: ThemeRule) -> str:
    """Layout signature of a theme rule (name and entry selector: some themes have two rules)."""
    return f"{THEME_LAYOUT_PREFIX}{rule.name}|{rule.entry}"


def entries_for_layout(ctx: PageContext, layout: str) -> list[ListingEntry]:
    """Entries found by the one layout a signature names (any number, even one); [] for unknown signatures."""
    if layout.startswith(THEME_LAYOUT_PREFIX):
        for rule in THEME_RULES:
            if theme_layout(rule) == layout:
                return entries_from_rule(ctx, rule, f"theme:{rule.name}")
        return []
    for layer_rule in SEMANTIC_RULES:
        if layout == layer_rule.theme:
            return entries_from_rule(ctx, layer_rule, layer_rule.theme)
    if layout.startswith(GENERIC_LAYOUT_PREFIX):
        return generic_entries_for_layout(ctx, layout)
    for name, layer in EMBEDDED_LAYERS:
        if layout == name:
            return layer(ctx.doc, ctx.url)
    return []


def confident(entries: list[ListingEntry]) -> bool:
    """A theme rule's result good enough to skip the other layers: several posts, nearly all titled."""
    titled = sum(1 for e in entries if e.title)
    return len(entries) >= 2 and titled >= 0.8 * len(entries)


def quality(entries: list[ListingEntry]) -> float:
    """How much a layer's result looks like a real post list: count, titles, dates, excerpts."""
    if not entries:
        return 0.0
    score = 0.0
    for entry in entries:
        score += 1.0 + (0.6 if entry.title else 0.0) + (0.3 if entry.published else 0.0)
        score += 0.3 if entry.excerpt else 0.0
    return score


def entries_from_rule(ctx: PageContext, rule: ThemeRule, extracted_by: str) -> list[ListingEntry]:
    """Entries from the blocks a rule's entry selector finds, fields read by its selectors."""
    blocks = css(rule.entry)(ctx.doc)
    if not rule.engine:  # semantic layers: an embed's <article> inside a post is not an entry (theme rules are precise)
        blocks = outermost(blocks)
    if rule.exclude:
        excluded = set(css(rule.exclude)(ctx.doc))
        if excluded:
            blocks = [b for b in blocks if not any(a in excluded for a in _self_and_ancestors(b))]
    if rule.theme == "article":
        blocks = [b for b in blocks if not in_chrome(b)]
    if not rule.engine:
        # A block around other blocks of the layer is judged by them (an unclosed tag nests the entries after it
        # into one, see outermost); only a block around none may be the whole list.
        nesting = {a for b in blocks for a in b.iterancestors()}
        blocks = [b for b in blocks if b in nesting or not _holds_entries(ctx, b)]
    if not rule.engine and len(blocks) >= 2:
        blocks = _lead_blocks(ctx, blocks) + blocks
    return _build_all(ctx, blocks, rule, extracted_by)


LIST_MIN_ENTRIES = 3  # headed post links alike that make a block the list, not an entry


def _holds_entries(ctx: PageContext, block: Element) -> bool:
    """A block that is the whole post list, not one entry (a theme wrapping its list in one <article>): its first
    heading that links to a post is one of several alike (same tag and class), each linking to another post. An
    entry's own title is unlike the headings in its text, so a post linking to others in its body stays an entry."""
    first: tuple[str, str] | None = None
    urls: set[str] = set()
    for heading in block.iter(HEADINGS):
        link = next(heading.iter("a"), None)
        if link is None:
            link = next((a for a in heading.iterancestors("a")), None)
        url = post_url(ctx, link.get("href")) if link is not None else None
        if url is None:
            continue
        kind = (heading.tag, heading.get("class") or "")
        if first is None:
            first = kind
        elif kind != first:
            continue
        urls.add(url)
        if len(urls) >= LIST_MIN_ENTRIES:
            return True
    return False


def _build_all(ctx: PageContext, blocks: Iterable[Element], rule: ThemeRule | None, by: str) -> list[ListingEntry]:
    blocks = list(blocks)
    banned = _Banned(titles=ctx.chrome_texts | ctx.chrome_titles, excerpts=ctx.chrome_texts)
    entries = _build_entries(ctx, blocks, rule, by, banned)
    titles, excerpts = _repeated(entries, "title"), _repeated(entries, "excerpt")
    if rule and rule.engine:  # a theme rule names its fields: what it finds repeated is what the theme shows
        titles = excerpts = frozenset()
    if titles or excerpts:
        # The same "title" or "excerpt" in every entry is the entries' chrome (a section label, an author's
        # bio): read them again without it.
        banned = _Banned(titles=banned.titles | titles, excerpts=banned.excerpts | excerpts)
        entries = _build_entries(ctx, blocks, rule, by, banned)
    return entries


@dataclass(frozen=True, slots=True)
class _Banned:
    """Texts that are not an entry's title, and not its excerpt, on this page."""

    titles: frozenset[str] = frozenset()
    excerpts: frozenset[str] = frozenset()


def _build_entries(ctx: PageContext, blocks: list[Element], rule: ThemeRule | None, by: str,
                   banned: _Banned) -> list[ListingEntry]:
    entries: list[ListingEntry] = []
    seen: set[str] = set()
    fields = _field_selectors(rule)
    for block in blocks:
        key = (block, fields, banned)
        if key in ctx.built:
            built = ctx.built[key]
            entry = dataclasses.replace(built, tags=list(built.tags), categories=list(built.categories)) \
                if built is not None else None
        else:
            entry = build_entry(ctx, block, rule, banned)
            ctx.built[key] = dataclasses.replace(entry) if entry is not None else None
        if entry is None or entry.url in seen:
            continue  # pinned posts repeated further down: keep the first
        seen.add(entry.url)
        entry.position = len(entries)
        entry.extracted_by = by
        entries.append(entry)
    return entries


def _field_selectors(rule: ThemeRule | None) -> tuple:
    """What decides how a block is read: a rule's field selectors (the <article> layer's are all empty, as the
    generic detector's)."""
    if rule is None:
        return ()
    selectors = (rule.title, rule.link, rule.date, rule.excerpt, rule.drop, rule.tags, rule.categories,
                 rule.author)
    return (rule.engine, *selectors) if rule.engine or any(selectors) else ()


def _repeated(entries: list[ListingEntry], name: str) -> frozenset[str]:
    """Texts of a field that several entries share, when the entries are different posts: chrome, not content."""
    if len(entries) < 2:
        return frozenset()
    counts: dict[str, int] = {}
    for entry in entries:
        text = getattr(entry, name)
        if text:
            counts[text] = counts.get(text, 0) + 1
    # Two posts may share a short teaser or a title by chance only rarely; half of a page sharing one never.
    return frozenset(text for text, n in counts.items() if n >= 2 and n * 2 >= len(entries))


def outermost(elements: list[Element]) -> list[Element]:
    """Drop elements nested inside another element of the list (an embed's <article> inside a post).

    A nested element marked up exactly like the one around it stays: that is a sibling entry swallowed by an
    unclosed tag in the entry before it (the parser nests every entry after the broken one)."""
    if len(elements) < 2:
        return elements
    chosen = set(elements)
    kept = []
    for el in elements:
        around = next((a for a in el.iterancestors() if a in chosen), None)
        if around is None or (around.tag == el.tag and around.get("class") == el.get("class")):
            kept.append(el)
    return kept


def _self_and_ancestors(el: Element) -> Iterable[Element]:
    yield el
    yield from el.iterancestors()


def in_chrome(el: Element) -> bool:
    """Whether an element sits in the page's chrome (header, navigation, sidebar, footer, widgets).

    Judged by tag, class and id of the element and its ancestors up to the page's main region: a <main> (or
    role=main) is content whatever its class says ("main has-sidebar"), so the walk stops there."""
    for ancestor in _self_and_ancestors(el):
        tag = ancestor.tag if isinstance(ancestor.tag, str) else ""
        if tag in ("body", "html") or tag == "main" or ancestor.get("role") == "main":
            return False
        if tag in CHROME_TAGS:
            return True
        names = ancestor.get("class")
        ident = ancestor.get("id")
        if names and _chrome_name(names):
            return True
        if ident and _chrome_name(ident):
            return True
    return False


@lru_cache(maxsize=4096)
def _chrome_name(name: str) -> bool:
    """Whether a class or id names chrome: a token like "sidebar" or "site-header", not a layout modifier of
    the element around the content ("with-right-sidebar", "has-sidebar", "layout-sidebar-left")."""
    return any(CHROME_CLASS.search(token) and not _LAYOUT_MODIFIER.match(token) for token in name.split())


_LAYOUT_MODIFIER = re.compile(r"(has|with|without|no|show|hide|is|layout|page|body|toggle|sticky)[-_]", re.I)


# ---------------------------------------------------------------- generic detector


def generic_entries(ctx: PageContext) -> list[ListingEntry]:
    """Find the dominant group of repeated blocks that each link to one post (MDR/DEPTA idea)."""
    return generic_entries_and_layout(ctx)[0]


def generic_entries_and_layout(ctx: PageContext) -> tuple[list[ListingEntry], str | None]:
    """generic_entries, with the layout signature of the winning group: its links' path and the block level."""
    best_blocks: list[Element] = []
    best_layout = None
    best_rank = (False, False, 0.0)
    for signature, members in _post_link_groups(ctx).items():
        urls = {url for _, url in members}
        if len(urls) < 2 or _mostly_date_indexes(urls):
            continue
        blocks, container = _blocks_of(members)
        if container is None:
            continue
        score, titled, texty = _group_score(members, blocks)
        # A list in the page's content beats any list in its chrome (a sidebar of all posts is longer than the
        # page's own list, but it is the same on every page); chrome lists win only where content has none.
        # Then entries that show text besides their title (the page's posts with their excerpts) beat bare
        # titles, however many (a column of recent posts, an index of all of them).
        chrome = in_chrome(container) or (bool(ctx.chrome_lists) and link_list_key(urls) in ctx.chrome_lists)
        rank = (titled and not chrome, texty, score)
        if rank > best_rank:
            best_rank, best_blocks = rank, blocks
            best_layout = f"{GENERIC_LAYOUT_PREFIX}{_levels_up(members[0][0], blocks[0])}@{signature}"
    if best_blocks:
        best_blocks = _lead_blocks(ctx, best_blocks) + best_blocks
    return _build_all(ctx, best_blocks, None, "generic"), best_layout


# How far up from the list a lead entry may sit (the list's item, the list, its section, the main column).
LEAD_LEVELS = 5


def _lead_blocks(ctx: PageContext, blocks: list[Element]) -> list[Element]:
    """Entries right before the list that are marked up differently: a featured or lead post (a bigger card,
    another tag, its own section). Each holds one post the list does not, with a title; a box linking several
    posts ends the search (another list), one linking none is passed over (a heading, an introduction)."""
    listed = {post_url(ctx, a.get("href")) for block in blocks for a in block.iter("a")}
    found: list[Element] = []
    el = blocks[0]
    for _ in range(LEAD_LEVELS):
        parent = el.getparent()
        if parent is None or el.tag in ("body", "html"):
            break
        for sibling in el.itersiblings(preceding=True):
            # Not skipped for looking like chrome: a lead post often sits in an <aside id="featured">; a sidebar
            # or a menu links several posts (or none), which ends the search or passes.
            if not isinstance(sibling.tag, str) or sibling.tag in INVISIBLE_TAGS or sibling.tag in LEAD_NEVER:
                continue
            urls = {url for a in sibling.iter("a") if (url := post_url(ctx, a.get("href"))) is not None}
            if not urls:
                continue
            if len(urls) > 1 or urls & listed or not _looks_like_entry(ctx, sibling, next(iter(urls))):
                return found
            found.insert(0, sibling)
        el = parent
    return found


# Where a lead entry never is: the site's header, its menus, its footer.
LEAD_NEVER = frozenset({"nav", "header", "footer", "menu"})


def _looks_like_entry(ctx: PageContext, block: Element, url: str) -> bool:
    """A heading that links the post, and more text than the heading (an excerpt, a date line): an entry, not a
    menu's link nor the site's banner."""
    for heading in block.iter(*HEADINGS):
        links = [*heading.iter("a"), *heading.iterancestors("a")]
        if any(post_url(ctx, a.get("href")) == url for a in links) and text_of(heading):
            return len(text_without(block, set(), 400)) - len(text_of(heading)) >= 40
    return False


def _mostly_date_indexes(urls: set[str]) -> bool:
    """Whether a group of links is an archive widget: most of them lead to year/month pages (/2020/05/).

    Judged per group, not per link: a blog with a broken slug may link one post as /2017/03/ from its list."""
    return sum(1 for url in urls if is_date_index(url)) * 2 >= len(urls)


def generic_entries_for_layout(ctx: PageContext, layout: str) -> list[ListingEntry]:
    """Entries of the generic layout a signature names: links on the same path, their blocks as many levels up."""
    levels, _, signature = layout[len(GENERIC_LAYOUT_PREFIX):].partition("@")
    if not levels.isdigit():
        return []
    blocks: list[Element] = []
    for link, _ in _post_link_groups(ctx).get(signature, []):
        block = link
        for _ in range(int(levels)):
            block = block.getparent() if block.getparent() is not None else block
        if not blocks or blocks[-1] is not block:
            blocks.append(block)
    return _build_all(ctx, blocks, None, "generic")


def _post_link_groups(ctx: PageContext) -> dict[str, list[tuple[Element, str]]]:
    """Links to posts in the page body, grouped by their tag.class path up to <body>."""
    body = ctx.doc.find("body")
    groups: dict[str, list[tuple[Element, str]]] = {}
    if body is None:
        return groups
    for link in body.iter("a"):
        url = post_url(ctx, link.get("href"))
        if url is not None:
            groups.setdefault(_signature(link), []).append((link, url))
    return groups


def _levels_up(link: Element, block: Element) -> int:
    for levels, el in enumerate(_self_and_ancestors(link)):
        if el is block:
            return levels
    return 0


def _signature(link: Element) -> str:
    """The link's tag.class path up to <body>, each class attribute reduced to its structural name."""
    parts = []
    for el in _self_and_ancestors(link):
        if el.tag == "body":
            break
        parts.append(f"{el.tag}.{_structural_class(el.get('class') or '')}")
    return "/".join(parts)


_DIGIT = re.compile(r"\d")


@lru_cache(maxsize=4096)
def _structural_class(classes: str) -> str:
    """The first class token without a digit: what a theme names the element, not what varies per post.

    Entry classes carry per-post tokens ("post-1110", "category-travel", "tag-rust", "featured"): grouping by
    the whole attribute would make every entry its own group. The theme's own name for the block comes first."""
    for token in classes.split():
        if not _DIGIT.search(token):
            return token
    return ""


def _blocks_of(members: list[tuple[Element, str]]) -> tuple[list[Element], Element | None]:
    """Each link's entry block (highest ancestor holding only that link of the group) and their container."""
    counts: dict[Element, int] = {}
    chains = []
    for link, _ in members:
        chain = list(_self_and_ancestors(link))
        chains.append(chain)
        for el in chain:
            counts[el] = counts.get(el, 0) + 1
    total = len(members)
    container = next((el for el in chains[0] if counts[el] == total), None)
    blocks = []
    for chain in chains:
        block = chain[0]
        for el in chain:
            if counts[el] != 1:
                break
            block = el
        blocks.append(block)
    return blocks, container


def _group_score(members: list[tuple[Element, str]], blocks: list[Element]) -> tuple[float, bool, bool]:
    """How much a group of links looks like a post list, whether its entries have titles (most blocks), and
    whether they show text besides the title (an excerpt: most blocks)."""
    distinct = len({url for _, url in members})
    title_quality = dated = with_text = titled = 0.0
    for (link, _), block in zip(members, blocks, strict=True):
        link_text = text_of(link)
        if READ_MORE_TEXT.fullmatch(link_text) or READ_MORE_CLASS.search(link.get("class") or ""):
            continue
        title_quality += min(len(link_text), 24) / 24
        block_text = text_without(block, set(), 400)
        dated += 1.0 if DATE_HINT.search(block_text) else 0.0
        with_text += 1.0 if len(block_text) - len(link_text) > 60 else 0.0
        # A title: the link's own words, or a heading in the block (titles that are not links, permalink on
        # the time); not a date or a time of day.
        if (len(link_text) >= 6 and not DATE_HINT.search(link_text) and not _TIME_OF_DAY.search(link_text)) \
                or any(text_of(h) for h in block.iter(*HEADINGS)):
            titled += 1.0
    n = len(members)
    score = distinct * (0.3 + title_quality / n + dated / n + 0.7 * with_text / n)
    return score, titled >= 0.5 * n, with_text >= 0.5 * n


_TIME_OF_DAY = re.compile(r"\b\d{1,2}:\d{2}\b")


# ---------------------------------------------------------------- one entry


def build_entry(ctx: PageContext, block: Element, rule: ThemeRule | None,
                banned: _Banned | None = None) -> ListingEntry | None:
    """A ListingEntry from one entry block, or None when the block does not link to a post."""
    twins = [el for el in block.iterdescendants(block.tag) if el.get("class") == block.get("class")]
    if twins:
        # A twin holding the entry's own permalink is a wrapper of the same grid class, not another entry.
        link, _ = _permalink(ctx, block, rule, None)
        twins = [t for t in twins if link is None or not _inside(link, t)]
    if not twins:
        return _build_entry(ctx, block, rule, banned)
    # Later entries swallowed by an unclosed tag in this one (see outermost): not part of this entry.
    nested = set(twins)
    with contextlib.ExitStack() as stack:
        for twin in twins:
            if not any(a in nested for a in twin.iterancestors()):
                stack.enter_context(_set_aside(twin, block))
        return _build_entry(ctx, block, rule, banned)


def _build_entry(ctx: PageContext, block: Element, rule: ThemeRule | None,
                 banned: _Banned | None) -> ListingEntry | None:
    title_el = _first(block, rule.title) if rule and rule.title else None
    link, url = _permalink(ctx, block, rule, title_el)
    if url is None:
        return None
    banned = banned or _Banned()
    if title_el is not None and not (rule and rule.engine) and text_of(title_el) in banned.titles:
        title_el = None  # a semantic layer's title that is the site's name or every entry's label
    if title_el is None and not (rule and rule.engine and rule.title):  # a theme naming its title shows none
        title_el = _generic_title_element(block, link, banned.titles)
    excerpt_el, loose = _excerpt_element(block, rule, title_el, link, banned.excerpts)
    # A meta line inside the excerpt's box (date, author, tags above or below the text) is meta, not excerpt.
    meta = _meta_children(excerpt_el, links_only=loose) \
        if excerpt_el is not None and not (rule and rule.engine) else []
    entry = ListingEntry(url=url)
    entry.title = _title_text(title_el)
    with _set_aside(None if loose else excerpt_el, block):
        entry.published, date_el = entry_date(block, rule, None if loose else excerpt_el)
        if date_el is not None and _holds_modified(date_el):
            # The date came through a line holding a last-modified date: "Posted X · Updated Y" gives X,
            # "Updated Y" alone gives none.
            with _modified_dates_aside(block):
                entry.published, date_el = entry_date(block, rule, None if loose else excerpt_el)
        entry.tags = _labels(block, rule.tags if rule else "", TAG_HREF, excerpt_el)
        entry.categories = _labels(block, rule.categories if rule else "", CATEGORY_HREF, excerpt_el)
        if not entry.categories and not (rule and rule.engine):
            entry.categories = _class_labels(block, CATEGORY_CLASS, excerpt_el)
        entry.author = _author(block, rule)
    if meta:
        if entry.published is None and not (rule and rule.date == NO_DATE):
            entry.published, date_el = _date_in_meta(meta)
        for el in meta:
            entry.tags += [t for t in _labels(el, "", TAG_HREF, None) if t not in entry.tags]
            entry.categories += [c for c in _labels(el, "", CATEGORY_HREF, None) if c not in entry.categories]
    if entry.published is None:
        # The last resort: the day in the URL (/2020/01/02/slug/, /20190607.html). A short date the entry shows
        # without a full year ("24/04/04", "Apr 4") is read with it, and wins when they agree within a day:
        # URLs are often written in UTC, the listing shows the reader's day.
        entry.published = dates.date_in_url(url)
        if entry.published is not None:
            entry.published = _shown_day_near(block, entry.published) or entry.published
    if excerpt_el is not None:
        entry.excerpt = _excerpt_text(excerpt_el, loose, rule, title_el, date_el, meta)
    return entry


_SHORT_NUMERIC_DATE = re.compile(r"\s*(\d{2})[/.-](\d{1,2})[/.-](\d{1,2})\s*")


def _shown_day_near(block: Element, url_day: DateValue) -> DateValue | None:
    """A short date shown in the entry (two-digit year, or none) that the URL's day confirms within a day."""
    anchor = date.fromisoformat(url_day.iso[:10])
    best: tuple[int, DateValue] | None = None
    for el in block.iter():
        if not isinstance(el.tag, str) or el.tag in INVISIBLE_TAGS or el.tag in HEADINGS or len(el):
            continue
        text = collapse(el.text)
        if not text or len(text) > 30 or not any(ch.isdigit() for ch in text):
            continue
        for candidate in _readings(text, anchor.year):
            distance = abs((candidate - anchor).days)
            if distance <= 1 and (best is None or distance < best[0]):
                best = (distance, DateValue(candidate.isoformat(), text, "listing-text"))
    return best[1] if best else None


def _readings(text: str, year: int) -> list[date]:
    """The days a short date text can mean around `year`: YY/MM/DD, DD/MM/YY, MM/DD/YY, or a yearless date."""
    found: list[date] = []
    numeric = _SHORT_NUMERIC_DATE.fullmatch(text)
    if numeric:
        a, b, c = (int(g) for g in numeric.groups())
        century = year - year % 100
        for y, m, d in ((a, b, c), (c, b, a), (c, a, b)):
            with contextlib.suppress(ValueError):
                found.append(date(century + y, m, d))
        return found
    if HAS_YEAR.search(text):
        return found
    for guess in (year, year - 1, year + 1):
        value = dates.find_date_in_text(text, "listing-text", default_year=guess)
        if value is not None:
            found.append(date.fromisoformat(value.iso[:10]))
    return found


def _date_in_meta(meta: list[Element]) -> tuple[DateValue | None, Element | None]:
    for el in meta:
        for candidate in [t for t in el.iter("time")] + [el]:
            if _is_modified(candidate):
                continue
            value = _date_of_element(candidate, el)
            if value is not None:
                return value, el
    return None, None


@contextlib.contextmanager
def _set_aside(excerpt_el: Element | None, block: Element) -> Iterator[None]:
    """Take the excerpt out of the tree while the entry's meta fields are searched, then put it back.

    Dates, tags, categories and author are never read inside the excerpt, and listings that show whole posts
    make the excerpt nearly all of the block: without it every selector walks a few dozen elements, not thousands.
    """
    parent = excerpt_el.getparent() if excerpt_el is not None and excerpt_el is not block else None
    if parent is None:
        yield
        return
    placeholder = excerpt_el.makeelement("template", {})  # invisible, matches no field selector
    placeholder.tail = excerpt_el.tail
    parent.replace(excerpt_el, placeholder)
    try:
        yield
    finally:
        parent.replace(placeholder, excerpt_el)


def _first(block: Element, selector: str) -> Element | None:
    found = css_first(selector, block)
    if found is not None and "itemprop" in selector and not _in_item(found, block):
        return next(iter(_item_properties(block, selector)), None)  # the first was a nested item's
    return found


def _item_properties(block: Element, selector: str) -> list[Element]:
    """Microdata properties of the entry's own item: an itemprop inside a nested itemscope (the author's
    "description", a category's "name") belongs to that nested item."""
    return [el for el in css(selector)(block) if _in_item(el, block)]


def _in_item(el: Element, block: Element) -> bool:
    for ancestor in el.iterancestors():
        if ancestor is block:
            return True
        if ancestor.get("itemscope") is not None:
            return False
    return True


def post_url(ctx: PageContext, href: str | None) -> str | None:
    """Absolute URL of `href` when it can be a post of this site (not tags, pages, feeds, the page itself)."""
    if not href:
        return None
    if href in ctx.post_urls:
        return ctx.post_urls[href]
    url = _post_url(ctx, href)
    ctx.post_urls[href] = url
    return url


def _post_url(ctx: PageContext, href: str) -> str | None:
    href = href.strip()
    if href.startswith(("#", "javascript:", "mailto:", "tel:", "data:")):
        return None
    if href.startswith("/") and not href.startswith("//") and not ctx.base_path_relative:
        absolute = ctx.origin + href  # the common case, without urljoin's general parsing
    else:
        absolute = urljoin(ctx.base, href)
    parts = urlsplit(absolute)
    if parts.scheme not in ("http", "https") or parts.netloc.lower() != ctx.host:
        return None
    path = unquote(parts.path)
    if path.rstrip("/") == ctx.page_path.rstrip("/") and not parts.query:
        return None
    lowered = path.lower()
    if lowered.endswith(NON_POST_SUFFIXES) or lowered in ("", "/"):
        return None
    segments = [s for s in lowered.split("/") if s]
    if not segments or any(s in NON_POST_SEGMENTS for s in segments[-3:]):
        return None
    if len(segments) <= 2 and segments[-1] in SECTION_SEGMENTS:
        return None
    if len(segments) == 1 and _ROOT_PAGINATION.fullmatch(segments[-1]):
        return None  # /index2.html, /page3, /2/: pagination of the site root (/1784522/, /20190607.html are posts)
    return absolute.split("#", 1)[0]


# The root's own pagination: "index2.html", "page3", or a bare page number of at most three digits (longer
# numbers are post ids or compact dates: /1784522/, /20190607.html).
_ROOT_PAGINATION = re.compile(r"(?:index|page)[-_]?\d*(?:\.html?)?|\d{1,3}(?:\.html?)?|index\.html?")


def _permalink(ctx: PageContext, block: Element, rule: ThemeRule | None,
               title_el: Element | None) -> tuple[Element | None, str | None]:
    for link in _link_candidates(block, rule, title_el):
        url = post_url(ctx, link.get("href"))
        if url is not None:
            return link, url
    return _majority_link(ctx, block)


def _link_candidates(block: Element, rule: ThemeRule | None, title_el: Element | None) -> Iterator[Element]:
    """Links that may be the permalink, best first (lazily: the first post URL ends the search)."""
    if block.tag == "a":
        yield block
    if rule and rule.link:
        first = css_first(rule.link, block)
        if first is not None:
            yield first
        yield from css(rule.link)(block)
    if title_el is not None:
        yield from [title_el] if title_el.tag == "a" else title_el.iter("a")
        yield from title_el.iterancestors("a")
    for heading in block.iter(*HEADINGS):
        yield from heading.iter("a")
        yield from heading.iterancestors("a")


def _majority_link(ctx: PageContext, block: Element) -> tuple[Element | None, str | None]:
    """The post URL a block links most often (title, cover and read-more all point to the post)."""
    preferred = post_url(ctx, block.get("data-href"))
    links: dict[str, list[Element]] = {}
    for link in block.iter("a"):
        url = post_url(ctx, link.get("href"))
        if url is not None:
            links.setdefault(url, []).append(link)
    if preferred is not None:
        return (links.get(preferred) or [None])[0], preferred
    if not links:
        return None, None
    if len(links) > 1:  # a date linked to its day's archive (/2020/05/17/) is not the permalink
        links = {u: found for u, found in links.items() if not is_date_index(u)} or links
    url = max(links, key=lambda u: len(links[u]))  # first seen wins ties
    titled = [a for a in links[url] if text_of(a)]
    return (titled or links[url])[0], url


def _generic_title_element(block: Element, link: Element | None,
                           banned: frozenset[str] = frozenset()) -> Element | None:
    """The entry's title element: the permalink's heading, else the first visible heading or title-like
    permalink text in page order. Never a heading a reader does not see, nor a `banned` text (the site's name,
    a label every entry repeats)."""
    if link is not None:
        for ancestor in link.iterancestors(*HEADINGS):
            if _shown_title(link if text_of(link) else ancestor, block, banned):
                return link if text_of(link) else ancestor
            break
        for heading in link.iter(*HEADINGS):
            if _shown_title(heading, block, banned):
                return heading
    href = link.get("href") if link is not None else None
    for el in block.iter(*HEADINGS, "a"):
        if el.tag == "a":
            # The permalink, or another link to the same post ("Unread" badge first, the title link next).
            if href and el.get("href") == href and _title_like(text_of(el)) and text_of(el) not in banned \
                    and _visible(el, block):
                return el
        elif _shown_title(el, block, banned):
            return el
    # A styled title inside the permalink (cards whose whole body is one link); not a title in the body text.
    for el in (link.iterdescendants() if link is not None else ()):
        if isinstance(el.tag, str) and "title" in (el.get("class") or "").lower() and text_of(el) \
                and text_of(el) not in banned:
            return el
    return None


def _title_like(text: str) -> bool:
    """Link text that can be a title: not a read-more label, a date, a time of day or a count of comments."""
    if not text or READ_MORE_TEXT.fullmatch(text) or _only_a_date(text) or _TIME_OF_DAY.fullmatch(text):
        return False
    return not _COMMENT_COUNT.fullmatch(text)


_COMMENT_COUNT = re.compile(r"\s*(no|\d+)\s+(comments?|responses?|replies|reply|条评论|评论|コメント)\s*", re.IGNORECASE)


def _shown_title(heading: Element, block: Element, banned: frozenset[str]) -> bool:
    text = text_of(heading)
    # A heading that is only a date is an untitled post's stand-in (or a day header), not its title.
    return bool(text) and text not in banned and not _only_a_date(text) and _visible(heading, block)


def _visible(el: Element, block: Element) -> bool:
    """Whether a reader sees an element of the block: not in a <template>, not hidden by attribute or class."""
    for ancestor in _self_and_ancestors(el):
        if ancestor.tag in INVISIBLE_TAGS or ancestor.get("hidden") is not None \
                or ancestor.get("aria-hidden") == "true" or _HIDDEN_STYLE.search(ancestor.get("style") or ""):
            return False
        classes = ancestor.get("class")
        if classes and _hidden_class(classes):
            return False
        if ancestor is block:
            break
    return True


_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)


@lru_cache(maxsize=4096)
def _hidden_class(classes: str) -> bool:
    return any(token in HIDDEN_CLASSES for token in classes.split())


def _title_text(title_el: Element | None) -> str | None:
    if title_el is None:
        return None
    if title_el.tag == "a":
        headings = list(title_el.iter(*HEADINGS))
        if headings:
            title_el = headings[0]
    skip = {el for el in title_el.iterdescendants() if isinstance(el.tag, str)
            and BADGE_CLASS.search(el.get("class") or "") and el.tag in ("span", "i", "em", "sup", "small")}
    text = text_without(title_el, skip) if skip else text_of(title_el)
    return text or None


# ---------------------------------------------------------------- dates


def entry_date(block: Element, rule: ThemeRule | None,
               excerpt_el: Element | None) -> tuple[DateValue | None, Element | None]:
    """The post date an entry shows (visible text preferred, the attribute for time and offset), and its element."""
    elements: list[Element] = []
    if rule and rule.date == NO_DATE:
        return None, None
    if rule and rule.date:
        elements += _item_properties(block, rule.date) if "itemprop" in rule.date else css(rule.date)(block)
    elements += [t for t in block.iter("time") if t not in elements]
    if excerpt_el is not None and excerpt_el is not block:
        elements = [el for el in elements if not _inside(el, excerpt_el)]
    for el in elements:
        if _is_modified(el):
            continue
        value = _date_of_element(el, block)
        if value is not None:
            return value, el
    # A "date" element beats an element carrying a machine date, which beats a whole meta line.
    for pattern in (DATE_CLASS, MACHINE_DATE, META_DATE_CLASS, None):
        for el in block.iter():
            if not isinstance(el.tag, str) or el.tag in INVISIBLE_TAGS:
                continue
            if el is block or el.tag in HEADINGS or el.tag == "a":
                continue
            if pattern is None:  # last resort: a short element whose whole text is a dated line
                if len(el) > 8 or not HAS_YEAR.search(el.text or ""):
                    continue
            elif pattern is MACHINE_DATE:
                if not any(name in el.attrib for name in MACHINE_DATE):
                    continue
            elif not pattern.search((el.get("class") or "") + " " + (el.get("id") or "")):
                continue
            if excerpt_el is not None and excerpt_el is not block and _inside(el, excerpt_el):
                continue
            if _is_modified(el):
                continue
            value = _date_of_element(el, block)
            if value is not None:
                return value, el
    return _date_from_heading_before(block, None), None


@contextlib.contextmanager
def _modified_dates_aside(block: Element) -> Iterator[None]:
    """Take the elements named as a last-modified date out of the block while its date is searched."""
    marked = [el for el in block.iterdescendants() if isinstance(el.tag, str) and _named_modified(el)]
    if not marked:
        yield
        return
    chosen = set(marked)
    with contextlib.ExitStack() as stack:
        for el in marked:
            if not any(a in chosen for a in el.iterancestors()):
                stack.enter_context(_set_aside(el, block))
        yield


_MODIFIED_ATTRIBUTES = ("data-updated", "data-modified", "data-lastmod", "data-last-modified", "data-edited")


def _holds_modified(el: Element) -> bool:
    """Whether an element holds (below it) an element named as a last-modified date."""
    return any(isinstance(d.tag, str) and _named_modified(d) for d in el.iterdescendants())


def _named_modified(el: Element) -> bool:
    """Whether an element's class, id, itemprop or data attribute names a last-modified date."""
    names = _names(el)
    itemprop = el.get("itemprop")
    if (names and _modified_name(names)) or (itemprop and _modified_name(itemprop)):
        return True
    return bool(el.attrib) and any(el.get(name) is not None for name in _MODIFIED_ATTRIBUTES)


@lru_cache(maxsize=4096)
def _modified_name(names: str) -> bool:
    # WordPress marks an unedited post's date "entry-date published updated": published wins.
    return bool(MODIFIED_NAME.search(names)) and not PUBLISHED_NAME.search(names)


PUBLISHED_NAME = re.compile(r"(published|pubdate|date-?created|datecreated|posted-on|post-date)", re.IGNORECASE)


def _is_modified(el: Element) -> bool:
    """Whether a date element is the post's last-modified date, by its name, its label or its icon.

    A listing that shows only an "updated" date shows no publication date: the post page or the feed has it."""
    if _named_modified(el):
        return True
    if MODIFIED_LABEL.match(text_without(el, set(), 40)):
        return True  # "Updated: 2021-03-02" in the element itself
    previous = el.getprevious()
    label = (previous.tail if previous is not None else (el.getparent().text if el.getparent() is not None else ""))
    if label and MODIFIED_LABEL_END.search(label):
        return True  # "Last updated <time>"
    # An icon of a clock turning back (history, refresh, pen) right before the date.
    return previous is not None and isinstance(previous.tag, str) and not text_of(previous) and \
        bool(MODIFIED_ICON.search(_names(previous))) and not collapse(previous.tail)


def _inside(el: Element, container: Element) -> bool:
    return el is container or any(a is container for a in el.iterancestors())


def _date_of_element(el: Element, block: Element) -> DateValue | None:
    visible = text_without(el, set(), MAX_DATE_LINE_CHARS)
    if len(visible) >= MAX_DATE_LINE_CHARS:
        visible = ""
    shown = _find_date(visible) if visible and DATE_HINT.search(visible) else None
    machine = None
    for name in DATE_ATTRIBUTES:
        value = el.get(name)
        if value and any(ch.isdigit() for ch in value):
            machine = _parse_date(value)
            if machine is not None:
                break
    if visible and not HAS_YEAR.search(visible) and DATE_HINT.search(visible):
        # "May 9" / "04-05": the year is in the attribute or in a year heading above the entry
        if machine is not None:
            return machine
        return _date_from_heading_before(block, visible) or shown
    if shown is not None and machine is not None:
        if machine.iso[:10] == shown.iso[:10]:
            return machine
        if dates.ambiguous_numeric(shown) and dates.day_month_swapped(shown.iso[:10]) == machine.iso[:10]:
            return machine  # "01/06/2024" beside datetime="2024-06-01": the attribute says which order
        return shown
    return shown or machine


def _date_from_heading_before(block: Element, yearless_text: str | None) -> DateValue | None:
    """Dates given by a heading above the entry: a day header, or a year heading for "MM-DD" dates."""
    for el in _elements_before(block, limit=40):
        tag = el.tag if isinstance(el.tag, str) else ""
        classes = el.get("class") or ""
        if tag not in HEADINGS and not re.search(r"date-header|group-title|year", classes, re.IGNORECASE):
            continue
        text = text_of(el)
        year = YEAR_ONLY.match(text)
        if year and yearless_text:
            return _find_date(f"{year.group(1)}-{yearless_text.strip()}")
        if not yearless_text and DATE_HINT.search(text) and HAS_YEAR.search(text):
            return _find_date(text)
        return None
    return None


def _elements_before(block: Element, limit: int) -> Iterable[Element]:
    el: Element | None = block
    steps = 0
    while el is not None and steps < limit:
        sibling = el.getprevious()
        while sibling is not None and steps < limit:
            if isinstance(sibling.tag, str):
                yield sibling
            steps += 1
            sibling = sibling.getprevious()
        el = el.getparent()
        if el is None or el.tag == "body":
            return


# Listing pages repeat the same few date strings; a bounded cache keeps the parsers off the hot path.
@lru_cache(maxsize=50_000)
def _find_date(text: str) -> DateValue | None:
    return dates.find_date_in_text(text, "listing-text")


@lru_cache(maxsize=50_000)
def _parse_date(value: str) -> DateValue | None:
    return dates.parse_date(value.strip(), "time")


# ---------------------------------------------------------------- excerpt


def _excerpt_element(block: Element, rule: ThemeRule | None, title_el: Element | None, link: Element | None,
                     banned: frozenset[str] = frozenset()) -> tuple[Element | None, bool]:
    """The element holding the excerpt, and whether it is a loose container (also holding title and meta).

    Generic cascade: an element named as an excerpt (class or id), then one named as the entry's content, then
    the box around the entry's first paragraph, then the first box of bare text. `banned` texts (the same in
    every entry of the page: an author's bio) are never the excerpt."""
    if rule and rule.excerpt == "*":
        return block, True
    if rule and rule.excerpt:
        found = _first(block, rule.excerpt)
        if rule.engine or (found is not None and text_of(found)):
            return found, False  # a semantic layer's empty property (<meta itemprop=description>) says nothing
    if rule and rule.engine:
        return None, False  # a theme rule that names no excerpt: the theme shows none
    # The excerpt box never holds the title or the permalink; it may sit inside the permalink (a card that is
    # one big link), never inside the title.
    title_parts = tuple(el for el in (title_el, link) if el is not None)
    named = _named_excerpt(block, title_parts, title_el, banned)
    if named is not None:
        return named, False
    return _text_box(block, title_parts, title_el, banned)


def _named_excerpt(block: Element, title_parts: tuple[Element, ...], title_el: Element | None,
                   banned: frozenset[str]) -> Element | None:
    """The element whose class or id names the entry's excerpt, else its description, else its content area;
    the first in page order of the best kind. A named box with next to no text (a "desc" label) is none."""
    best: tuple[int, Element, str] | None = None
    for el in block.iterdescendants():
        tag = el.tag
        if not isinstance(tag, str) or tag in NEVER_EXCERPT_TAGS or tag in HEADINGS or el in title_parts:
            continue  # a heading's id is its anchor ("#intro", "#summary"), not a name for the excerpt box
        names = _names(el)
        rank = _box_name_rank(names) if names else None
        if rank is None or (best is not None and rank >= best[0]):
            continue
        strong = rank < 2
        inside_best = best is not None and _inside(el, best[1])
        if tag in ("a", "span") and not strong:
            continue  # a link or span named "content" is a fragment; one named "excerpt" holds the excerpt
        if any(_inside(t, el) for t in title_parts) or (title_el is not None and _inside(el, title_el)):
            continue
        text = text_without(el, set(), NAMED_TEXT_PEEK)  # a peek: a whole post's text is not needed to judge
        if not text or _banned(text, banned) or _only_a_date(text) or (rank == 1 and not _substantial(text)) \
                or _meta_line(el, text):
            continue  # a box of meta links (date, category, author) is the entry's meta, not its excerpt
        if tag == "a" and (READ_MORE_CLASS.search(names) or READ_MORE_TEXT.fullmatch(text)):
            continue  # "excerpt_more": the read-more button
        if inside_best and not best[2].startswith(text[:40]):
            continue  # a described attachment inside the content box: the box's own text starts before it
        best = (rank, el, text)
        if rank == 0:
            break
    return best[1] if best else None


NAMED_TEXT_PEEK = 300


@lru_cache(maxsize=8192)
def _box_name_rank(names: str) -> int | None:
    """How a class/id names an excerpt box: 0 "excerpt/summary", 1 "description/intro", 2 a content area, None
    not at all (or a meta line, or a title)."""
    strong = EXCERPT_NAME.search(names) is not None
    if not strong and not CONTENT_NAME.search(names):
        return None
    if (META_CLASS.search(names) and not strong) or "title" in names.lower():
        return None
    return (0 if EXCERPT_FIRST_NAME.search(names) else 1) if strong else 2


def _banned(peek: str, banned: frozenset[str]) -> bool:
    """Whether a text (a peek at most NAMED_TEXT_PEEK long, cut near a node's end) is one of the banned ones."""
    if not banned:
        return False
    if len(peek) < NAMED_TEXT_PEEK:
        return peek in banned
    return any(text.startswith(peek[: NAMED_TEXT_PEEK // 2]) for text in banned)


_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]")


def _substantial(text: str) -> bool:
    """Enough text to be an excerpt rather than a label: 20 characters, or 6 CJK characters."""
    return len(text) >= 20 or len(_CJK.findall(text)) >= 6


def _names(el: Element) -> str:
    """An element's class and id, as one string to search for names (code-language classes left out)."""
    classes, ident = el.get("class"), el.get("id")
    if classes and "lang" in classes:
        classes = _without_code_language(classes)
    if ident:
        return f"{classes} {ident}" if classes else ident
    return classes or ""


@lru_cache(maxsize=1024)
def _without_code_language(classes: str) -> str:
    # "language-markdown", "lang-text": a code block's language, which would read as "markdown"/"text" names.
    return " ".join(t for t in classes.split() if not t.startswith(("language-", "lang-")))


def _only_a_date(text: str) -> bool:
    """Whether a short text is a date and nothing else ("2024-02-11", "Mon, March 3, 2020 10:02")."""
    return len(text) <= 40 and bool(DATE_HINT.search(text)) and len(_DATE_WORDS.sub("", text)) <= 2


_DATE_WORDS = re.compile(
    r"[\d\s\-/.,:年月日号時时分秒]+|\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec|mon|tue|wed|thu|fri|sat|sun|"
    r"janv|fév|mars|avr|mai|juin|juil|août|sept|déc|am|pm)[a-zéû]*\.?",
    re.IGNORECASE,
)


def _is_date_line(text: str) -> bool:
    return len(text) < 60 and bool(DATE_HINT.search(text)) and bool(HAS_YEAR.search(text))


def _text_box(block: Element, title_parts: tuple[Element, ...], title_el: Element | None,
              banned: frozenset[str]) -> tuple[Element | None, bool]:
    """The box around the entry's first paragraph (or first run of bare text): the highest ancestor inside the
    block that does not also hold the title. When the paragraphs sit beside the title, their parent is a loose
    box (title and meta lines inside it are left out of the text)."""
    first = None
    for el in block.iter("p"):
        if text_of(el) and not (title_el is not None and _inside(el, title_el)) \
                and not _meta_like(el, (title_el,) if title_el is not None else ()) and not _meta_line(el, strict=True):
            first = el  # a paragraph of meta links ("August 3, 2024 Engineering Jane Doe") is not the first text
            break
    if first is None:
        first = _first_bare_text(block, title_parts, title_el)
        if first is None:
            return None, False
    box, loose = first, False
    for ancestor in first.iterancestors():
        if ancestor is block or any(_inside(t, ancestor) for t in title_parts):
            if _has_prose_sibling(box):
                box, loose = ancestor, True  # the text goes on next to the title: their parent, loosely
            break
        box = ancestor
    text = text_of(box)
    if not text or text in banned:
        return None, False
    return box, loose


def _has_prose_sibling(box: Element) -> bool:
    return any(sibling.tag in PROSE_TAGS and text_of(sibling) for sibling in box.itersiblings())


def _first_bare_text(block: Element, title_parts: tuple[Element, ...], title_el: Element | None) -> Element | None:
    """The first element (not the title, a link, a date or a meta line) carrying a run of prose of its own."""
    for el in block.iterdescendants():
        tag = el.tag
        if not isinstance(tag, str) or tag in NEVER_EXCERPT_TAGS or tag in ("a", "time") or tag in HEADINGS:
            continue
        own = (el.text or "") + "".join(child.tail or "" for child in el)
        if len(own.strip()) < 30 or any(_inside(t, el) for t in title_parts) \
                or (title_el is not None and _inside(el, title_el)):
            continue
        if _meta_like(el, (title_el,) if title_el is not None else ()) or _is_date_line(collapse(own)) \
                or _meta_line(el):
            continue
        return el
    return None


def _meta_like(el: Element, title_parts: tuple[Element, ...] = ()) -> bool:
    """An element (or one of its ancestors up to 3 levels) named as a meta line: date, byline, tags. An
    ancestor that also holds the title is the entry's body, whatever its name ("post-info")."""
    for level, ancestor in enumerate(_self_and_ancestors(el)):
        if level > 3 or any(_inside(t, ancestor) for t in title_parts):
            break
        names = _names(ancestor)
        if names and META_CLASS.search(names) and not EXCERPT_NAME.search(names):
            return True
    return False


def _meta_children(box: Element, links_only: bool = False) -> list[Element]:
    """Direct children of an excerpt box that are a meta line (date, author, category, tags), not excerpt text.

    Themes put "Posted on March 3, 2020 by Ann in Travel" at the top (or the bottom) of the box that holds the
    excerpt; the excerpt is the text after it, and the date in it is the entry's date. `links_only` (a loose box,
    which also holds the title) takes only lines made of links to the entry's author/category/tag pages."""
    meta = []
    children = [c for c in box if isinstance(c.tag, str)]
    if len(children) == 1 and children[0].tag in ("div", "section") and not _text_besides(box, children):
        return _meta_children(children[0], links_only)  # a lone wrapper around the entry's text and meta
    for child in children:
        tag = child.tag
        if tag in INVISIBLE_TAGS or tag in HEADINGS:
            continue  # a heading's id is its anchor ("#iterator-categories"), never a meta line's name
        names = _names(child)
        # A dated paragraph ("<p><b>2020-02-12</b> Added a sandbox</p>") is the post's text; a meta line is
        # named as one, holds a <time>, or is a short non-paragraph line around a date or taxonomy links.
        # (The cheap tests first: a whole post's box has hundreds of paragraphs to pass over.)
        candidate = not links_only and (
            tag == "time" or bool(names and (META_CLASS.search(names) or DATE_CLASS.search(names)))
            or next(child.iter("time"), None) is not None)
        if not candidate and tag in PROSE_TAGS and tag not in META_LINE_PROSE_TAGS:
            continue
        if not candidate and next(child.iter("a"), None) is None and (links_only or tag in PROSE_TAGS):
            continue
        text = text_without(child, set(), MAX_DATE_LINE_CHARS)
        if len(text) >= 150:
            continue
        if candidate or (not links_only and tag not in PROSE_TAGS and _is_date_line(text)) \
                or _meta_line(child, text, strict=tag == "p"):
            meta.append(child)
    if meta and not _text_besides(box, meta):
        return []  # nothing but this "meta" in the box: it is the excerpt ("2025-02-14, a quiet day.")
    return meta


# A paragraph or a list can be a meta line too, when it is made of the entry's meta links (see _meta_line).
META_LINE_PROSE_TAGS = frozenset({"p", "ul", "ol"})
# Where an entry's meta links go: its author's, category's and tag's pages, its comments, its date's archive.
AUTHOR_HREF = re.compile(r"/(authors?|people|writers?|contributors?|members?|users?)/", re.IGNORECASE)
COMMENTS_FRAGMENT = re.compile(r"#(comments?|respond|disqus|reply)", re.IGNORECASE)
MAX_META_WORDS_CHARS = 16  # "Posted on · by · in", "Filed under", "Tags:": the letters a meta line adds


def _meta_link(a: Element) -> bool:
    """A link to the entry's author, category or tag page, its comments, or a link whose text is only a date."""
    href = a.get("href") or ""
    if not _same_site(href, a):
        return _only_a_date(text_of(a))  # a release ".../releases/tag/v1.2" elsewhere is a link in the text
    if is_taxonomy_index(href) or AUTHOR_HREF.search("/" + href) or COMMENTS_FRAGMENT.search(href) \
            or is_date_index(href):
        return True
    rel = (a.get("rel") or "").lower().split()
    return "author" in rel or "tag" in rel or "category" in rel or _only_a_date(text_of(a))


def _meta_line(el: Element, text: str | None = None, strict: bool = False) -> bool:
    """A line of the entry's meta: links to its author, category and tag pages, dates, icons and separators,
    with at most a few label words ("by", "in", "Tags:"). Such links are read as the entry's author, categories
    and tags; in the excerpt they would only run into its first sentence. `strict` (a paragraph): two of them
    at least, so that a sentence with one tag link in it stays text."""
    text = text_without(el, set(), MAX_DATE_LINE_CHARS) if text is None else text
    if not text or len(text) >= 150:
        return False
    links = [a for a in el.iter("a") if text_of(a)]
    if not links or not all(_meta_link(a) for a in links):
        return False
    rest = text
    for a in links:
        rest = rest.replace(text_of(a), " ", 1)
    dated = bool(DATE_HINT.search(rest) and HAS_YEAR.search(rest))
    rest = _DATE_WORDS.sub(" ", rest)
    if len(_NOT_A_LETTER.sub("", rest)) > MAX_META_WORDS_CHARS:
        return False
    return not strict or len(links) + dated >= 2


def _same_site(href: str, el: Element) -> bool:
    """Whether a link stays on the page's own host (relative links do)."""
    parts = urlsplit(href)
    if not parts.netloc:
        return True
    page = urlsplit(el.getroottree().docinfo.URL or "")
    return parts.netloc.lower().removeprefix("www.") == page.netloc.lower().removeprefix("www.")


_NOT_A_LETTER = re.compile(r"[\W\d_]+")


def _text_besides(box: Element, skip: list[Element]) -> bool:
    if collapse(box.text):
        return True
    return any(collapse(child.tail) or (child not in skip and isinstance(child.tag, str) and text_of(child))
               for child in box)


def _excerpt_text(excerpt_el: Element, loose: bool, rule: ThemeRule | None, title_el: Element | None,
                  date_el: Element | None, meta: list[Element] | None = None) -> str | None:
    skip: set[Element] = set(meta or ())
    if loose and date_el is not None:
        skip.add(date_el)
    drop = simple_selectors(rule.drop) if rule and rule.drop else None
    if rule and rule.drop and drop is None:
        skip.update(css(rule.drop)(excerpt_el))  # complex selectors: one query; simple ones are tested on the way
    if title_el is not None and _inside(title_el, excerpt_el):
        # the heading around the title link goes too
        skip.add(next(title_el.iterancestors(*HEADINGS), title_el) if loose else title_el)

    def skipped(el: Element) -> bool:
        if skip and el in skip:
            return True
        classes = el.get("class")
        if drop and (classes or el.get("id") or drop_by_tag) and matches_simple(el, drop):
            return True
        if classes and _class_skipped(classes, loose):
            return True
        return el.tag == "a" and READ_MORE_TEXT.fullmatch(text_of(el)) is not None

    # matches_simple needs a class or an id to match, unless some compound names a bare tag.
    drop_by_tag = bool(drop) and any(not classes and ident is None for _, classes, ident in drop)

    # Skipped elements are decided while the text is read, so long excerpts stop costing once the limit is hit:
    # past WHOLE_POST_CHARS the listing shows the whole post, and its summary is read instead.
    text = text_without_matching(excerpt_el, skipped, WHOLE_POST_CHARS)
    if len(text) >= WHOLE_POST_CHARS:
        text = summary_text(excerpt_el, skipped) or text
    return text or None


def summary_text(box: Element, skipped: Callable[[Element], bool]) -> str:
    """The summary of a whole post a listing shows: its text up to the "more" marker, else its first blocks
    (paragraphs, headings, lists, code) until about SUMMARY_CHARS characters."""
    markers = _more_markers(box)
    children = [c for c in box if isinstance(c.tag, str) or c in markers]
    while len(children) == 1 and isinstance(children[0].tag, str) and children[0].tag in ("div", "section"):
        children = [c for c in children[0] if isinstance(c.tag, str) or c in markers]  # a lone wrapper
    marked = bool(markers)
    parts: list[str] = []
    size = 0
    for child in children:
        if child in markers:
            break
        if skipped(child) or child.tag in INVISIBLE_TAGS:
            continue
        text = text_without_matching(child, skipped, MAX_EXCERPT_CHARS)
        if text:
            parts.append(text)
            size += len(text) + 1
        if (marked and any(_inside(m, child) for m in markers)) or (not marked and size >= SUMMARY_CHARS):
            break
    return collapse(" ".join(parts))


def _more_markers(box: Element) -> set[Element]:
    """The "more" markers inside a box (comments and elements, see _is_more_marker)."""
    # One Python walk: an XPath attribute test costs ten times more on libxml2 here.
    return {node for node in box.iter() if (node.get("id") if isinstance(node.tag, str) else node.text)
            and _is_more_marker(node)}


def _is_more_marker(node: Element) -> bool:
    """<!--more-->, Pelican's END_SUMMARY comment, WordPress' <span id="more-12">, Hexo's <a id="more">."""
    if isinstance(node, lxml.etree._Comment):
        text = (node.text or "").strip().lower()
        return text == "more" or "end_summary" in text or text.startswith("more ")
    ident = (node.get("id") or "").lower() if isinstance(node.tag, str) else ""
    return ident == "more" or (ident.startswith("more-") and ident[5:].isdigit())


_CLASS_SKIPPED: dict[tuple[str, bool], bool] = {}


def _class_skipped(classes: str, loose: bool) -> bool:
    """Whether a class attribute marks a read-more link, or (in a loose container) a meta line."""
    # A blog's class vocabulary is small and repeats on every entry and page: remember the regex answers.
    key = (classes, loose)
    answer = _CLASS_SKIPPED.get(key)
    if answer is None:
        answer = bool(READ_MORE_CLASS.search(classes) or (loose and META_CLASS.search(classes)))
        if len(_CLASS_SKIPPED) > 20_000:
            _CLASS_SKIPPED.clear()
        _CLASS_SKIPPED[key] = answer
    return answer


def text_without(element: Element, skip: set[Element], limit: int = MAX_EXCERPT_CHARS) -> str:
    """Visible text of `element` as text_of gives it, leaving out the subtrees in `skip`; cut near `limit`."""
    return text_without_matching(element, skip.__contains__, limit)


def text_without_matching(element: Element, skipped: Callable[[Element], bool], limit: int) -> str:
    """Visible text of `element`, leaving out the descendants for which `skipped` is true; cut near `limit`."""
    parts: list[str] = []
    with contextlib.suppress(_TextLimitReached):
        _append_text(element, parts, skipped, [limit])
    return collapse("".join(parts))


class _TextLimitReached(Exception):
    """Raised to stop walking a long excerpt (listings that show whole posts) once enough text is read."""


def _append_text(node: Element, parts: list[str], skipped: Callable[[Element], bool], budget: list[int]) -> None:
    tag = node.tag
    if tag in INVISIBLE_TAGS:
        return
    block = tag in BLOCK_TAGS
    if block:
        parts.append(" ")
    if node.text:
        parts.append(node.text)
        budget[0] -= len(node.text)
    if budget[0] < 0:
        raise _TextLimitReached
    for child in node:
        if isinstance(child.tag, str) and not skipped(child):
            _append_text(child, parts, skipped, budget)
        if child.tail:
            parts.append(child.tail)
            budget[0] -= len(child.tail)
    if block:
        parts.append(" ")


# ---------------------------------------------------------------- tags, categories, author


def _labels(block: Element, selector: str, href_pattern: re.Pattern[str], excerpt_el: Element | None) -> list[str]:
    if selector:
        elements = css(selector)(block)
    else:
        # "/" first: a relative href ("tag/books.html") names a tag page as well
        elements = [a for a in block.iter("a") if href_pattern.search("/" + (a.get("href") or ""))]
    labels: list[str] = []
    for el in elements:
        if excerpt_el is not None and excerpt_el is not block and _inside(el, excerpt_el):
            continue
        label = text_of(el).lstrip("#").strip()
        if label and label not in labels:
            labels.append(label)
    return labels


def _class_labels(block: Element, pattern: re.Pattern[str], excerpt_el: Element | None) -> list[str]:
    labels: list[str] = []
    for el in block.iterdescendants():
        if not isinstance(el.tag, str) or not pattern.search(el.get("class") or ""):
            continue
        if excerpt_el is not None and excerpt_el is not block and _inside(el, excerpt_el):
            continue
        label = text_of(el).lstrip("#").strip()
        if label and len(label) <= 40 and label not in labels:
            labels.append(label)
    return labels


def _author(block: Element, rule: ThemeRule | None) -> str | None:
    selector = rule.author if rule and rule.author else "[rel~='author'], .author, .post-author, [itemprop='author']"
    el = _first(block, selector)
    if el is None and not (rule and rule.author):
        # A link to the author's page ("/author/jane-doe/") names the author as well as a class does.
        el = next((a for a in block.iter("a") if AUTHOR_HREF.search("/" + (a.get("href") or ""))
                   and _same_site(a.get("href") or "", a)), None)
    text = text_of(el) if el is not None else ""
    return text or None


# ---------------------------------------------------------------- page facts


def site_title(doc: Element) -> str | None:
    """The blog's name: og:site_name, else the page <title> (its last part when it has separators)."""
    for meta in doc.iterfind(".//meta[@property]"):
        if meta.get("property") == "og:site_name" and collapse(meta.get("content")):
            return collapse(meta.get("content"))
    title = doc.find(".//title")
    text = collapse(title.text_content()) if title is not None else ""
    if not text:
        return None
    for separator in (" | ", " - ", " – ", " — ", " · ", " :: "):
        if separator in text:
            return text.rsplit(separator, 1)[-1].strip() or text
    return text


def site_names(ctx: PageContext, title: str | None) -> frozenset[str]:
    """Names the blog goes by on a page: its site title (og:site_name, the <title>'s last part) and the text of
    the header's brand link."""
    names = {title} if title else set()
    for a in _LINKS_WITH_CLASS_OR_ID(ctx.doc):
        if BRAND_CLASS.search((a.get("class") or "") + " " + (a.get("id") or "")):
            text = text_of(a)
            if 0 < len(text) <= 80:
                names.add(text)
            break
    return frozenset(names)


def without_site_name(title: str | None, names: Iterable[str]) -> str | None:
    """A title without the site's name that a page or theme writes after or before it ("Title — Site Name",
    "Site Name | Title"). A title that is only the site's name is left as it is (judged elsewhere)."""
    if not title:
        return title
    for name in names:
        for separator in TITLE_SEPARATORS:
            suffix, prefix = separator + name, name + separator
            if title.endswith(suffix) and len(title) > len(suffix):
                return title[: -len(suffix)].strip() or title
            if title.startswith(prefix) and len(title) > len(prefix):
                return title[len(prefix):].strip() or title
    return title


def page_lang(doc: Element) -> str | None:
    """The page's declared language: <html lang>, else content-language or og:locale."""
    lang = (doc.get("lang") or doc.get("xml:lang") or "").strip()
    if lang:
        return lang
    for meta in doc.iterfind(".//meta"):
        name = (meta.get("http-equiv") or meta.get("property") or "").lower()
        if name in ("content-language", "og:locale") and meta.get("content"):
            return meta.get("content").strip().replace("_", "-")
    return None


def site_root(ctx: PageContext) -> str | None:
    """The blog's home URL when the page says: <link rel=home>, a rel=home link, or the header's brand link."""
    for el in ctx.doc.iterfind(".//link[@rel]"):
        if "home" in (el.get("rel") or "").lower().split() and el.get("href"):
            return urljoin(ctx.base, el.get("href"))
    for a in ctx.doc.iterfind(".//a[@rel]"):
        if "home" in (a.get("rel") or "").lower().split() and a.get("href"):
            return urljoin(ctx.base, a.get("href"))
    for a in _LINKS_WITH_CLASS_OR_ID(ctx.doc):  # one C-level query instead of a Python look at every link
        classes = (a.get("class") or "") + " " + (a.get("id") or "")
        if BRAND_CLASS.search(classes):
            return urljoin(ctx.base, a.get("href"))
    return None


BRAND_CLASS = re.compile(r"brand|logo|site-title|site-name|blog-title|navbar-brand", re.I)
_LINKS_WITH_CLASS_OR_ID = lxml.etree.XPath("//a[@href and string(@href) and (@class or @id)]")
