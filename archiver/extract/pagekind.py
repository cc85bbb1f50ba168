"""What kind of page of a blog this is, and where its real list of posts is when this page is not one.

A crawl handed any page of a blog must know whether it holds a list of posts (walk it), an index of all posts
by date or tag (walk it too, but never take its year/month/tag pages for posts), a single post (find the list
elsewhere), or something else: an "about me" home page whose menu leads to the blog ("Posts", "Writing",
"Archive", "文章", "归档"...). Pure functions over a parsed page; the spider decides what to fetch.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import lxml.html

from archiver.extract.embedded import POSTING_TYPES, json_scripts
from archiver.extract.html import INVISIBLE_TAGS, collapse, parse_html, text_of
from archiver.extract.listing import in_chrome, parse_listing
from archiver.extract.listing_rules import CHROME_CLASS, CHROME_TAGS
from archiver.extract.model import Listing, PostPage
from archiver.extract.profile import TITLE_SEPARATORS
from archiver.extract.urls import canonical_url, is_date_index, is_taxonomy_index, same_site

Element = lxml.html.HtmlElement

LISTING = "listing"  # a page of the blog's list of posts (home, /blog/, /page/2/)
ARCHIVE = "archive"  # an index of posts by date, tag or category, or the list of all titles (/archives/)
POST = "post"  # one post
OTHER = "other"  # anything else (about, contact, a home page without posts)

# Menu labels of the page that lists a blog's posts, in the languages blogs are written in; matched against the
# whole label (lower-cased, trailing arrows and counts removed). The value ranks it: a stream of posts first, the
# complete index next, then vaguer labels.
LISTING_LABELS: dict[str, float] = {
    **dict.fromkeys(["blog", "posts", "all posts", "articles", "all articles", "writing", "writings", "essays",
                     "notes", "journal", "entries", "stories", "latest posts", "recent posts", "view all posts",
                     "see all posts", "more posts", "read the blog", "the blog", "my blog", "weblog",
                     "文章", "博客", "博文", "全部文章", "所有文章", "更多文章", "日志", "随笔", "笔记", "部落格", "網誌",
                     "記事", "記事一覧", "ブログ", "投稿", "블로그", "글", "전체 글", "포스트",
                     "articles récents", "billets", "blogue", "beiträge", "artikel", "entradas", "artículos",
                     "publicaciones", "post", "articoli", "berichten", "записи", "статьи", "блог"], 3.0),
    **dict.fromkeys(["archive", "archives", "all", "view all", "see all", "index", "post index", "归档", "存档",
                     "文章归档", "時間軸", "时间轴", "アーカイブ", "아카이브", "보관함", "archiv", "archivo", "arquivo",
                     "archivio", "архив"], 2.5),
}
# Path segments of such pages, for links whose label says nothing ("→", an icon).
LISTING_SEGMENTS: dict[str, float] = {
    **dict.fromkeys(["blog", "posts", "post", "articles", "article", "writing", "writings", "essays", "notes",
                     "journal", "entries", "weblog"], 1.5),
    **dict.fromkeys(["archive", "archives", "all", "index"], 1.2),
}
_LABEL_NOISE = re.compile(r"[\s»→›>…\.·:|/\\()\[\]{}0-9-]+$|^[\s»→›>…·:|/\\-]+")
_NOT_LISTING_SEGMENTS = frozenset({"about", "contact", "now", "uses", "projects", "cv", "resume", "links",
                                   "friends", "search", "feed", "rss", "atom", "login", "subscribe"})

# Addresses of listing pages on any engine: a blog's home, its numbered pages, a section's index.
LISTING_PATH = re.compile(
    r"^/?$|/page/?\d+/?$|/p\d+/?$|[?&](page|paged|p)=\d+"
    r"|/(blog|blogs|posts|articles|archives?|news|journal|writing|notes|diary|entries|index\d*\.html?)/?$",
    re.IGNORECASE,
)
# Addresses of single posts: a file other than an index, or a slug under a date.
POST_PATH = re.compile(r"/(?!index\d*\.)[^/]+\.(html?|php|aspx?)$|/\d{4}/\d{1,2}/(\d{1,2}/)?[^/]+/?$", re.IGNORECASE)
# JSON-LD types a page declares itself as (top level or @graph), lowercased.
POST_TYPES = frozenset({kind.lower() for kind in POSTING_TYPES} | {"report"})
LISTING_TYPES = frozenset({"blog", "itemlist", "collectionpage", "searchresultspage"})


@dataclass(frozen=True, slots=True)
class PageKind:
    """What a page is (`LISTING`, `ARCHIVE`, `POST`, `OTHER`), how many posts it lists, and the signals that
    decided (for people reading a crawl's log or `python -m archiver.extract`)."""

    kind: str
    posts: int = 0
    signals: tuple[str, ...] = ()

    @property
    def reason(self) -> str:
        """The signals as one line."""
        return "; ".join(self.signals)


class _Vote:
    """Points for "one post" and for "a list of posts", and the signal behind each."""

    def __init__(self) -> None:
        self.for_post = 0
        self.for_listing = 0
        self.signals: list[str] = []

    def says(self, for_post: int, for_listing: int, signal: str) -> None:
        self.for_post += for_post
        self.for_listing += for_listing
        self.signals.append(signal)


def classify_page(html: str, url: str, *, listing: Listing | None = None, post: PostPage | None = None,
                  theme_rules: bool = True) -> PageKind:
    """Whether a page of a blog lists its posts, indexes them (by date, tag, or all titles), is one post, or
    neither. `listing` (and `post`) are the page's parse_listing (parse_post) readings when the caller has them.

    Generic signals only, each weighed by how strongly blogs of any engine mean it: what the page declares of
    itself (OpenGraph, JSON-LD, article:* meta), its address, its <article> elements, whether its <title> names
    one of its headings, and what it lists: several posts with excerpts in its content make a list; a post shows
    other posts only as bare titles beside its own text (a sidebar of recent posts, previous/next links)."""
    doc = parse_html(html, url)
    if listing is None:
        listing = parse_listing(html, url, theme_rules=theme_rules)
    count = len({entry.url for entry in listing.entries})
    if is_date_index(url) or is_taxonomy_index(url):
        return PageKind(ARCHIVE, count, ("a year, month, tag or category page",))
    vote = _Vote()
    _address(vote, url)
    _declared(vote, doc)
    _articles(vote, doc)
    if _title_names_a_heading(doc, url):
        vote.says(2, 0, "its <title> names a heading")
    texty = _what_it_lists(vote, doc, url, listing, post)
    if listing.next_pages:
        vote.says(0, 1, "pagination")
    signals = tuple(vote.signals)
    if count and vote.for_listing >= vote.for_post:
        if not texty and (count >= 15 or _grouped_by_year(doc)):
            return PageKind(ARCHIVE, count, ("titles of many posts without excerpts", *signals))
        return PageKind(LISTING, count, signals)
    # A single weak hint of a post (no list, one <article>) is an about page as often as a post, unless the
    # page shows a date of its own (a list's first entry shows one too, so it never votes above).
    dated = post is not None and post.published is not None and post.published.source != "url"
    if vote.for_post > vote.for_listing and (vote.for_post >= 2 or dated):
        return PageKind(POST, count, (*signals, "a date of its own") if dated else signals)
    return PageKind(OTHER, count, ("no list of posts and no post", *signals))


def _address(vote: _Vote, url: str) -> None:
    parts = urlsplit(url)
    if LISTING_PATH.search(parts.path + ("?" + parts.query if parts.query else "")):
        vote.says(0, 2, "a listing address (home, numbered page or section)")
    elif POST_PATH.search(parts.path):
        vote.says(1, 0, "a post address (a page file, or a slug under a date)")


def _declared(vote: _Vote, doc: Element) -> None:
    """What the page's metadata says it is."""
    og_type = ""
    published = False
    for meta in doc.iter("meta"):
        name = meta.get("property") or meta.get("name")
        if name == "og:type" and not og_type:
            og_type = (meta.get("content") or "").strip().lower()
        elif name == "article:published_time" and (meta.get("content") or "").strip():
            published = True
    if og_type == "article":
        vote.says(3, 0, "og:type article")
    elif og_type in ("website", "blog"):
        vote.says(0, 1, f"og:type {og_type}")
    if published:
        vote.says(2, 0, "article:published_time")
    types = _json_ld_types(doc)
    if types & POST_TYPES:
        vote.says(3, 0, "JSON-LD " + ", ".join(sorted(types & POST_TYPES)))
    if types & LISTING_TYPES:
        vote.says(0, 3, "JSON-LD " + ", ".join(sorted(types & LISTING_TYPES)))


def _articles(vote: _Vote, doc: Element) -> None:
    articles = sum(1 for _ in doc.iter("article"))
    if articles == 1:
        vote.says(1, 0, "one <article>")
    elif articles > 1:
        vote.says(0, 2, f"{articles} <article> elements")


def _what_it_lists(vote: _Vote, doc: Element, url: str, listing: Listing, post: PostPage | None) -> bool:
    """Weigh the posts the page lists; whether most of them show an excerpt."""
    entries = listing.entries
    count = len({entry.url for entry in entries})
    excerpted = sum(1 for entry in entries if entry.excerpt and len(entry.excerpt) >= 10)
    texty = count > 0 and excerpted * 2 >= len(entries)
    if count >= 3:
        titled = _titled(listing) if post is not None else []
        inside = sum(1 for title in titled if title in collapse(post.content_text)) if post is not None else 0
        if len(titled) >= 3 and inside * 2 >= len(titled):
            vote.says(0, 3, f"{count} listing entries, {inside} of them in the main text")
        elif texty:
            vote.says(0, 3, f"{count} listing entries, {excerpted} with an excerpt")
        elif _chrome_share(doc, url, listing) >= 0.5:
            # A post's "recent posts" and "related" lists are bare titles beside its own text.
            vote.says(3, 0, f"{count} listing entries, bare titles outside the main text (in the page's chrome)")
        else:
            vote.says(0, 3, f"{count} listing entries in the page's content")
    elif count == 2 and texty:
        vote.says(0, 1, "2 listing entries with excerpts")
    elif count == 2:
        vote.says(0, 0, "2 listing entries (a post's previous/next links look the same)")
    else:
        vote.says(1, 0, f"{count} listing entries")
    if count >= 6 and not _prose_outside(doc, listing):
        vote.says(0, 1, "many posts")
    elif count < 6 and _prose_outside(doc, listing):
        vote.says(2, 0, "its prose is outside what it lists")
    return texty


def _titled(listing: Listing) -> list[str]:
    return [collapse(entry.title) for entry in listing.entries if entry.title and len(entry.title) >= 4]


def _json_ld_types(doc: Element) -> set[str]:
    """The top-level @type of every JSON-LD block (and of @graph members), lowercased, without a vocabulary."""
    found: set[str] = set()
    for data in json_scripts(doc, ("application/ld+json",)):
        items = list(data) if isinstance(data, list) else [data]
        for item in list(items):
            if isinstance(item, dict) and isinstance(item.get("@graph"), list):
                items.extend(item["@graph"])
        for item in items:
            if isinstance(item, dict):
                kinds = item.get("@type")
                for kind in kinds if isinstance(kinds, list) else [kinds]:
                    if isinstance(kind, str):
                        found.add(kind.rsplit("/", 1)[-1].lower())
    return found


def _chrome_share(doc: Element, url: str, listing: Listing) -> float:
    """The share of the listed posts that only the page's chrome (header, sidebar, footer) links to."""
    wanted = {entry.url for entry in listing.entries}
    if not wanted:
        return 0.0
    seen: set[str] = set()
    in_content: set[str] = set()
    body = doc.find("body")
    for link in body.iter("a") if body is not None else ():
        href = link.get("href")
        if not href:
            continue
        target = urljoin(url, href).split("#", 1)[0]
        if target in wanted:
            seen.add(target)
            if target not in in_content and not in_chrome(link):
                in_content.add(target)
    return 1.0 - len(in_content) / len(seen) if seen else 0.0


# Prose (characters of paragraphs) that makes a page more than a list of titles; the share of it a list's
# excerpts cover on a list page (they are cut short, and the page has an intro and a footer too).
BIG_BLOCK_CHARS = 400
LISTED_SHARE = 0.3


def _prose_blocks(doc: Element) -> list[int]:
    """Characters of prose per element that holds paragraphs directly (a readability-style tally)."""
    tally: dict[Element, int] = {}
    body = doc.find("body")
    if body is None:
        return []
    for paragraph in body.iter("p", "pre", "blockquote"):
        parent = paragraph.getparent()
        if parent is not None:
            tally[parent] = tally.get(parent, 0) + len(text_of(paragraph))
    return list(tally.values())


def _prose_outside(doc: Element, listing: Listing) -> bool:
    """A block of prose the page's listed excerpts do not cover: a post's own text."""
    blocks = _prose_blocks(doc)
    listed_text = sum(len(entry.excerpt or "") for entry in listing.entries)
    return bool(blocks) and max(blocks) >= BIG_BLOCK_CHARS and listed_text < LISTED_SHARE * sum(blocks)


def _title_names_a_heading(doc: Element, url: str) -> bool:
    """Whether the page's <title> (or a part of it) is the text of one of its headings, and not the site's name
    (a heading linking to the home page, og:site_name): the mark of a post's own page."""
    title = doc.find(".//title")
    whole = collapse(title.text_content()) if title is not None else ""
    if not whole:
        return False
    parts = {whole}
    for separator in TITLE_SEPARATORS:
        if separator in whole:
            parts.update(part.strip() for part in whole.split(separator))
    site = {collapse(m.get("content")) for m in doc.iterfind(".//meta[@property]")
            if m.get("property") == "og:site_name"}
    body = doc.find("body")
    if body is None:
        return False
    root_path = "/"
    for heading in body.iter("h1", "h2", "h3", "div", "span", "p"):
        if heading.tag in ("div", "span", "p") and "title" not in (heading.get("class") or "").lower():
            continue  # besides headings, only elements a theme names as a title
        text = text_of(heading)
        if not text or text not in parts or text in site or _LABEL_NOISE.sub("", text.lower()) in LISTING_LABELS:
            continue  # the site's name, or a section's ("Posts", "Archive", "文章"): a list names itself too
        links = [a.get("href") or "" for a in (*heading.iter("a"), *heading.iterancestors("a"))]
        if any(urlsplit(urljoin(url, href)).path in (root_path, "") for href in links):
            continue  # the banner's site name, linking home
        return True
    return False


_YEAR_HEADING = re.compile(r"^\s*(?:19|20)\d{2}(?:\s*年)?(?:\s*[-/.年]\s*\d{1,2}\s*月?)?\s*(?:\(\d+\))?\s*$")


def _grouped_by_year(doc: Element) -> bool:
    """Headings (or labelled blocks) that are only a year or a month: an archive's groups."""
    body = doc.find("body")
    if body is None:
        return False
    found = 0
    for heading in body.iter("h1", "h2", "h3", "h4", "h5", "h6"):
        if _YEAR_HEADING.match(text_of(heading)):
            found += 1
            if found >= 2:
                return True
    return False


# ---------------------------------------------------------------- where the list is


def listing_links(html: str, url: str) -> list[tuple[str, float]]:
    """Links of a page (its menu first) that likely lead to the blog's list of posts, best first, with a score.

    For a home page that shows no list, or only the newest few posts: "Posts", "Blog", "Writing", "Archive",
    "文章", "归档", "View all"... Only same-site links; never the page itself, a feed, a tag or an about page."""
    doc = parse_html(html, url)
    body = doc.find("body")
    if body is None:
        return []
    here = canonical_url(url)
    best: dict[str, float] = {}
    for link in body.iter("a"):
        href = (link.get("href") or "").strip()
        if not href or href.startswith(("#", "mailto:", "javascript:", "tel:")):
            continue
        target = canonical_url(urljoin(url, href).split("#", 1)[0])
        if target == here or not same_site(target, url) or is_taxonomy_index(target) or is_date_index(target):
            continue
        score = _link_score(link, target)
        if score > best.get(target, 0.0):
            best[target] = score
    return sorted(best.items(), key=lambda item: -item[1])


def _link_score(link: Element, target: str) -> float:
    label = _label(link)
    segments = [s for s in urlsplit(target).path.lower().split("/") if s]
    if not segments or segments[-1] in _NOT_LISTING_SEGMENTS or segments[-1].endswith((".xml", ".rss", ".json")):
        return 0.0
    score = LISTING_LABELS.get(label, 0.0)
    if segments:
        last = segments[-1].removesuffix(".html").removesuffix(".htm")
        score = max(score, LISTING_SEGMENTS.get(last, 0.0) if len(segments) <= 2 else 0.0)
    if score and _in_navigation(link):
        score += 0.5  # the site's own menu, not a link inside a post's text
    return score


def _label(link: Element) -> str:
    text = text_of(link) or collapse(link.get("title")) or collapse(link.get("aria-label"))
    return _LABEL_NOISE.sub("", text.lower()).strip()


def _in_navigation(el: Element) -> bool:
    for ancestor in el.iterancestors():
        tag = ancestor.tag if isinstance(ancestor.tag, str) else ""
        if tag in ("body", "main", "article"):
            return False
        if tag in INVISIBLE_TAGS:
            return False
        if tag in CHROME_TAGS or CHROME_CLASS.search(f"{ancestor.get('class') or ''} {ancestor.get('id') or ''}"):
            return True
    return False
