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
from archiver.extract.model import Listing
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

# A page whose single post fills this much text (characters) in one element is a post, not a list.
POST_BODY_CHARS = 1500


@dataclass(frozen=True, slots=True)
class PageKind:
    """What a page is (`LISTING`, `ARCHIVE`, `POST`, `OTHER`), how many posts it lists, and the evidence."""

    kind: str
    posts: int = 0
    reason: str = ""


def classify_page(html: str, url: str, *, listing: Listing | None = None, theme_rules: bool = True) -> PageKind:
    """Whether a page of a blog lists its posts, indexes them (by date, tag, or all titles), is one post, or
    neither. `listing` is the page's parse_listing result when the caller has it already.

    A post says "article" in its metadata, names its heading in its <title>, holds its prose in one body outside
    any list, and shows other posts only in its chrome (a sidebar of recent posts). A list shows several posts,
    with their excerpts, in the page's content."""
    doc = parse_html(html, url)
    if listing is None:
        listing = parse_listing(html, url, theme_rules=theme_rules)
    features = page_features(doc, url, listing)
    count = features.posts
    if is_date_index(url) or is_taxonomy_index(url):
        return PageKind(ARCHIVE, count, "a year, month, tag or category page")
    post, listed = features.post_reasons, features.list_reasons
    post_weight = len(post) + (1 if features.metadata else 0)  # the page's own metadata counts twice
    if listed and (len(listed) > post_weight or (count == 1 and features.texty and not post)):
        if not features.texty and (count >= 15 or _grouped_by_year(doc)):
            return PageKind(ARCHIVE, count, "; ".join(["titles of many posts without excerpts", *listed]))
        return PageKind(LISTING, count, "; ".join(listed))
    if post:
        return PageKind(POST, count, "; ".join(post))
    return PageKind(OTHER, count, "no list of posts and no post")


@dataclass(frozen=True, slots=True)
class PageFeatures:
    """The evidence classify_page weighs (exposed for tests and for a crawl's log)."""

    posts: int  # distinct posts the page lists
    texty: bool  # most of them show an excerpt
    metadata: bool  # the page's metadata says it is an article
    post_reasons: list[str]
    list_reasons: list[str]


def page_features(doc: Element, url: str, listing: Listing) -> PageFeatures:
    """Reasons to think a page is one post, and reasons to think it lists posts."""
    entries = listing.entries
    count = len({entry.url for entry in entries})
    texty = count > 0 and sum(1 for entry in entries if entry.excerpt) * 2 >= count
    blocks = _prose_blocks(doc)
    prose = sum(blocks)
    listed_text = sum(len(entry.excerpt or "") for entry in entries)
    chrome = _chrome_share(doc, url, listing)
    post = _post_metadata(doc)
    metadata = bool(post)
    if _title_names_a_heading(doc, url):
        post.append("its <title> names a heading")
    if prose >= BIG_BLOCK_CHARS and listed_text < LISTED_SHARE * prose:
        post.append("its prose is outside what it lists")
    if count >= 2 and chrome >= 0.5 and not texty:
        post.append("the posts it lists are in its chrome")
    listed = []
    if count >= 3:
        listed.append(f"{count} posts listed")
    if count >= 6:
        listed.append("many posts")
    if count >= 1 and texty:
        listed.append("with excerpts")
    if count >= 2 and chrome < 0.5:
        listed.append("in the page's content")
    return PageFeatures(count, texty, metadata, post, listed)


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


def _post_metadata(doc: Element) -> list[str]:
    """What a page's metadata says about it being one post."""
    reasons = []
    for meta in doc.iterfind(".//meta[@property]"):
        prop = meta.get("property")
        if prop == "og:type" and (meta.get("content") or "").strip().lower() == "article":
            reasons.append("og:type article")
        elif prop == "article:published_time":
            reasons.append("article:published_time")
    if _json_ld_posting(doc):
        reasons.append("JSON-LD BlogPosting")
    return reasons


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
        if not text or text not in parts or text in site:
            continue
        links = [a.get("href") or "" for a in heading.iter("a")]
        if any(urlsplit(urljoin(url, href)).path in (root_path, "") for href in links):
            continue  # the banner's site name, linking home
        return True
    return False


def _json_ld_posting(doc: Element) -> bool:
    """A top-level JSON-LD BlogPosting/Article (not one inside a list, which is a listing's)."""
    for data in json_scripts(doc, ("application/ld+json",)):
        nodes = data if isinstance(data, list) else data.get("@graph", [data]) if isinstance(data, dict) else []
        for node in nodes if isinstance(nodes, list) else []:
            if not isinstance(node, dict):
                continue
            kinds = node.get("@type")
            kinds = kinds if isinstance(kinds, list) else [kinds]
            if any(str(kind).rsplit("/", 1)[-1] in POSTING_TYPES for kind in kinds if kind):
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
