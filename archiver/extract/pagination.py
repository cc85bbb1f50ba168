"""Pagination: where a listing page's further pages are (rel=next, numbered pages, "older posts", /page/N/)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import lxml.etree
import lxml.html

from archiver.extract.html import collapse
from archiver.extract.urls import canonical_url, same_site, url_key

# Where a page number sits in a listing URL's path, across engines: Hexo/Hugo/WordPress/Ghost/MkDocs "/page/2/",
# Jekyll paginator "/page2/" or "/page2", "page/2.html", Pelican "/index2.html", "/p/2/", "/page-2/".
PAGE_PATH_PATTERNS = (
    re.compile(r"^(?P<base>.*/)page/(?P<n>\d{1,5})(?:/|\.html?|\.php)?$", re.I),
    re.compile(r"^(?P<base>.*/)page[-_]?(?P<n>\d{1,5})(?:/|\.html?|\.php)?$", re.I),
    re.compile(r"^(?P<base>.*/)p/(?P<n>\d{1,5})/?$", re.I),
    re.compile(r"^(?P<base>.*/)index[-_]?(?P<n>\d{1,5})\.(?:html?|php)$", re.I),
)
# Query parameters that carry a page number (WordPress ?paged=N, many CMSs ?page=N). Not "p": WordPress ?p=N
# is a post id.
PAGE_QUERY_PARAMS = ("page", "paged", "pg", "pagenum", "pageno", "page_no", "currentpage")
_PAGE_QUERY = re.compile(r"(?:^|&)(?:" + "|".join(PAGE_QUERY_PARAMS) + r")=(\d{1,5})(?=&|$)", re.I)
# A bare number as the last path segment ("/blog/2/") is a page only inside a pagination container, and never a
# year.
_BARE_NUMBER_PATH = re.compile(r"^(?P<base>.*/)(?P<n>\d{1,3})/?$")
# Index files that are page 1 of a listing directory.
INDEX_FILE = re.compile(r"/(?:index\.(?:html?|php|shtml))$", re.I)

# Anchor texts / labels that lead to the next (older) listing page. Matched against the whole collapsed label,
# lower-cased, so "Next" matches but "Next steps with Rust" (a post title) does not.
NEXT_LABELS = frozenset(
    {
        "next", "next page", "next »", "next ›", "next →", "next >", "next>>", "next >>", "»", "›", "→", ">",
        ">>", "»»", "older", "older posts", "older post", "older entries", "older articles", "older posts →",
        "« older posts", "← older posts", "older entries »", "more posts", "load more", "more", "next-page",
        "下一页", "下一頁", "下页", "后一页", "後一頁", "下一页 »", "更早", "更早的文章", "更多文章",
        "次へ", "次のページ", "次ページへ", "次ページへ »", "次へ »", "次", "古い記事",
        "다음", "다음 페이지", "다음 »",
        "suivant", "suivante", "page suivante", "articles plus anciens", "articles plus ancien", "plus anciens",
        "anciens articles", "anciennes entrées", "entrées plus anciennes",
        "siguiente", "página siguiente", "próxima", "próxima página", "weiter", "nächste", "nächste seite",
        "ältere beiträge", "successivo", "avanti", "volgende", "следующая", "далее", "старые записи",
    }
)
# Words that anywhere in a label mean "further" / "back"; used when the whole label is not in NEXT_LABELS.
NEXT_WORDS = re.compile(
    r"\b(?:next|older|earlier|suivant\w*|ancien\w*|siguiente|próxima|nächste|ältere|weiter|successiv\w*)\b"
    r"|下一[页頁]|更早|次へ|次のページ|次ページ|다음|»|›|→",
    re.I,
)
BACK_WORDS = re.compile(
    r"\b(?:prev|previous|newer|later|précédent\w*|récent\w*|nouveaux|nouvelles|anterior|neuere|vorherige)\b"
    r"|上一[页頁]|前のページ|前ページ|新しい|이전|«|‹|←",
    re.I,
)
# Wording and classes of a link to the next page of a listing (plural "posts", "page"), as opposed to the next
# single post; the only evidence accepted for a target URL without a page number.
LISTING_NEXT_WORDS = re.compile(
    r"\b(?:older|earlier|more|previous|next)\s+(?:posts|entries|articles|stories)\b|\bnext\s+page\b|"
    r"\bpage\s+suivante\b|\b(?:articles|entrées|billets)\s+plus\s+ancien|\banciens\s+articles\b|"
    r"\banciennes\s+entrées\b|\bpágina\s+siguiente\b|\bältere\s+(?:beiträge|einträge|artikel)\b|"
    r"下一[页頁]|下页|更早的文章|次のページ|次ページ|古い記事|다음\s*페이지|이전\s*글\s*목록",
    re.I,
)
LISTING_NEXT_CLASSES = frozenset(
    {"older-posts", "blog-pager-older-link", "nextpostslink", "next-posts", "next-posts-link", "older-link"}
)
# Class fragments of the box that links a post to its neighbour posts (not listing pages).
POST_NAV_HINTS = re.compile(
    r"post-nav|postnav|paginav|post-navigation|nav-single|article-nav|next-post|prev-post|post-footer|"
    r"pagination--pager|single-nav|entry-navigation|post-pagination",
    re.I,
)
# Class names (of the link or its parent) that mark a "next page" control: Hexo "extend next", WordPress
# ".nav-previous" (older posts in a newest-first blog), Ghost ".older-posts", Bootstrap/Bulma "pagination-next".
NEXT_CLASSES = frozenset(
    {
        "next", "extend next", "older", "older-posts", "older-link", "nav-previous", "pagination-next",
        "pagination-nav__link--next", "page-next", "next-page", "nextpostslink", "pager-next", "next-posts",
        "blog-pager-older-link", "pagination__next", "pagination-item older", "navigation-next",
    }
)
# Substrings every class in NEXT_CLASSES contains: a cheap first test before the exact token match.
NEXT_CLASS_FRAGMENTS = ("next", "older", "nav-previous")
BACK_CLASSES = frozenset(
    {
        "prev", "previous", "newer", "newer-posts", "newer-link", "nav-next", "pagination-previous",
        "pagination-nav__link--prev", "page-prev", "prev-page", "previouspostslink", "pager-prev",
        "blog-pager-newer-link", "pagination__prev", "extend prev",
    }
)
# Class or id fragments of a pagination container.
PAGINATION_CONTAINER_HINTS = re.compile(
    r"pagina|pager|page-nav|pagenav|page-numbers|nav-links|paging|wp-pagenavi|blog-pager|paginator|"
    r"page-link|page-item|older-newer|post-nav-links",
    re.I,
)
# Class tokens of links that are in the markup but not shown, or shown greyed out.
HIDDEN_CLASSES = frozenset(
    {"is-invisible", "invisible", "hidden", "is-hidden", "d-none", "disabled", "is-disabled", "sr-only"}
)
# Longest link label still read as a pagination control rather than a post title.
MAX_LABEL_LENGTH = 40
# Letters and digits a pagination label may carry besides its keyword ("Older posts by Ann" is still one,
# a post title that happens to contain "next page" is not).
MAX_EXTRA_LABEL_CHARS = 6
_WORD_CHARS = re.compile(r"[^\W_]")
# Raw hrefs that may carry a page number (tested before resolving, to skip most links cheaply).
_PAGEY_HREF = re.compile(
    r"page|index[-_]?\d|/p/\d|/\d{1,3}/?$|[?&](?:" + "|".join(PAGE_QUERY_PARAMS) + r")=", re.I
)
# Path segments of taxonomy and other non-listing sections that a blog's main pagination never goes through.
TAXONOMY_SEGMENTS = frozenset(
    {
        "tag", "tags", "category", "categories", "label", "labels", "topic", "topics", "author", "authors",
        "series", "feed", "comments", "wp-admin", "wp-login.php", "login", "cdn-cgi",
    }
)
# Post-looking paths: a full date before a slug.
_DATED_POST = re.compile(r"/(?:19|20)\d\d/[01]?\d/[0-3]?\d/[^/]+")
# Links to files that are never listing pages.
_NON_PAGE_EXTENSION = re.compile(
    r"\.(?:xml|rss|atom|json|txt|pdf|zip|gz|png|jpe?g|gif|webp|svg|css|js|ico|mp[34]|woff2?)$", re.I
)
_SKIP_HREF = re.compile(r"^\s*(?:#|javascript:|mailto:|tel:|data:)", re.I)
_MONTH_ARCHIVE = re.compile(r"^(?P<prefix>(?:/[^/]+)*?)/(?P<year>(?:19|20)\d\d)/(?P<month>0?[1-9]|1[0-2])/?$")
_YEAR_ARCHIVE = re.compile(r"^(?P<prefix>(?:/[^/]+)*?)/(?P<year>(?:19|20)\d\d)/?$")


@dataclass(slots=True, frozen=True)
class PagePosition:
    """Where a URL stands in a paginated series: the series it belongs to and its page number."""

    series: str  # host + base path + other query parameters: the same for every page of one listing
    number: int


def page_position(url: str) -> PagePosition:
    """The series and page number of a listing URL; a URL without a page number is page 1 of its own series."""
    parts = urlsplit(url)
    host = parts.netloc.lower()
    path = INDEX_FILE.sub("/", parts.path or "/")
    query = parts.query
    match = _PAGE_QUERY.search(query)
    if match:
        rest = (query[: match.start()] + "&" + query[match.end() :]).strip("&")
        return PagePosition(_series(host, path, rest), int(match.group(1)))
    for pattern in PAGE_PATH_PATTERNS:
        match = pattern.match(path)
        if match:
            return PagePosition(_series(host, match.group("base"), query), int(match.group("n")))
    return PagePosition(_series(host, path, query), 1)


def _series(host: str, base: str, query: str) -> str:
    # "/blog" and "/blog/" are one listing (servers redirect one to the other).
    return f"{host}{base.rstrip('/')}" + (f"?{query}" if query else "")


def _bare_number_position(url: str) -> PagePosition | None:
    parts = urlsplit(url)
    match = _BARE_NUMBER_PATH.match(parts.path or "/")
    if not match or parts.query:
        return None
    return PagePosition(_series(parts.netloc.lower(), match.group("base"), ""), int(match.group("n")))


def _label(anchor: lxml.html.HtmlElement) -> str:
    """What the link says: its text, else its aria-label or title."""
    if anchor.tag != "a":
        text = ""
    elif len(anchor):
        text = collapse(_STRING_VALUE(anchor))
    else:
        text = collapse(anchor.text)
    return (text or anchor.get("aria-label") or anchor.get("title") or "").lower()


# text_content() without the smart-string result object (same text, cheaper per link).
_STRING_VALUE = lxml.etree.XPath("string()", smart_strings=False)


def _classes(element: lxml.html.HtmlElement | None) -> str:
    if element is None or not isinstance(element.tag, str):
        return ""
    return f"{element.get('class') or ''} {element.get('id') or ''}".strip().lower()


def _class_says(classes: str, table: frozenset[str]) -> bool:
    if not classes:
        return False
    if classes in table:
        return True
    return any(token in table for token in classes.split())


def _direction(anchor: lxml.html.HtmlElement) -> int:
    """+1 when the link says "next/older", -1 when it says "previous/newer", 0 when it says neither."""
    rel = (anchor.get("rel") or "").lower().split()
    if "next" in rel:
        return 1
    if "prev" in rel or "previous" in rel:
        return -1
    own, parent = _classes(anchor), _classes(anchor.getparent())
    label = _label(anchor)
    if label in NEXT_LABELS:
        return 1
    back_text = _label_is_mostly(label, BACK_WORDS)
    next_text = _label_is_mostly(label, NEXT_WORDS)
    if next_text and not back_text:
        return 1
    if back_text and not next_text:
        return -1
    for classes in (own, parent):
        if _class_says(classes, NEXT_CLASSES):
            return 1
        if _class_says(classes, BACK_CLASSES):
            return -1
    return 0


def _is_hidden(anchor: lxml.html.HtmlElement) -> bool:
    """Whether the link (or its parent) is marked invisible or disabled: themes keep a dead "next" on the last
    page."""
    for element in (anchor, anchor.getparent()):
        if element is None:
            return False
        classes = (element.get("class") or "").lower().split()
        if any(token in HIDDEN_CLASSES for token in classes):
            return True
        style = (element.get("style") or "").replace(" ", "").lower()
        if "display:none" in style or "visibility:hidden" in style or element.get("hidden") is not None:
            return True
    return False


def _may_be_numbered(href: str) -> bool:
    """Whether a raw href may carry a page number (plain substring tests first, the exact pattern after)."""
    lowered = href.lower()
    if "page" in lowered or "index" in lowered or "/p/" in lowered or "pg=" in lowered or lowered[-1:].isdigit():
        return bool(_PAGEY_HREF.search(href))
    return lowered.endswith("/") and lowered[-2:-1].isdigit() and bool(_PAGEY_HREF.search(href))


def _may_point_forward(anchor: lxml.html.HtmlElement) -> bool:
    """A quick look at the link's classes (its own and its parent's) and label for any next/older signal."""
    classes = anchor.get("class")
    parent = anchor.getparent()
    parent_classes = parent.get("class") if parent is not None else None
    if classes or parent_classes:
        lowered = f"{classes or ''} {parent_classes or ''}".lower()
        if "next" in lowered or "older" in lowered or "nav-previous" in lowered:  # NEXT_CLASS_FRAGMENTS
            return True
    head = anchor.text
    if head and len(head) > MAX_LABEL_LENGTH and len(head.strip()) > MAX_LABEL_LENGTH:
        return False  # a post title, not a pagination control
    # _label, inlined: this runs for every link of the page, and most are post titles, tags and menu entries.
    if anchor.tag != "a":
        text = ""
    else:
        text = _STRING_VALUE(anchor) if len(anchor) else head
        text = " ".join(text.split()) if text else ""
    label = (text or anchor.get("aria-label") or anchor.get("title") or "").lower()
    return bool(label) and len(label) <= MAX_LABEL_LENGTH and (label in NEXT_LABELS or bool(NEXT_WORDS.search(label)))


def _label_is_mostly(label: str, words: re.Pattern[str]) -> bool:
    """Whether the label is the wording itself, give or take arrows and a word or two: a title that merely
    contains "next page" (in any language) is not a pagination control."""
    if not label or len(label) > MAX_LABEL_LENGTH:
        return False
    rest, found = words.subn(" ", label)
    return bool(found) and len(_WORD_CHARS.findall(rest)) <= MAX_EXTRA_LABEL_CHARS


def _says_older_posts(anchor: lxml.html.HtmlElement) -> bool:
    """Whether the link's wording or class is about the next page of posts (not the next post)."""
    if _label_is_mostly(_label(anchor), LISTING_NEXT_WORDS):
        return True
    return _class_says(_classes(anchor), LISTING_NEXT_CLASSES) or _class_says(
        _classes(anchor.getparent()), LISTING_NEXT_CLASSES
    )


def _in_post_navigation(anchor: lxml.html.HtmlElement, depth: int = 4) -> bool:
    """Whether the link sits in a post's previous/next-post box."""
    node = anchor.getparent()
    for _ in range(depth):
        if node is None or not isinstance(node.tag, str):
            return False
        if POST_NAV_HINTS.search(_classes(node)):
            return True
        node = node.getparent()
    return False


def _in_pagination(anchor: lxml.html.HtmlElement, depth: int = 4) -> bool:
    """Whether the link sits in a pagination container (looked for a few levels up)."""
    node = anchor
    for _ in range(depth):
        if node is None or not isinstance(node.tag, str):
            return False
        if PAGINATION_CONTAINER_HINTS.search(_classes(node)) or (node.get("role") or "") == "navigation" and (
            "pag" in (node.get("aria-label") or "").lower()
        ):
            return True
        node = node.getparent()
    return False


def _has_taxonomy(path: str, current_path: str) -> bool:
    current_segments = set(current_path.lower().split("/"))
    return any(seg in TAXONOMY_SEGMENTS and seg not in current_segments for seg in path.lower().split("/"))


def _base_url(doc: lxml.html.HtmlElement, url: str) -> str:
    """The URL relative links resolve against: <base href> when the page sets one."""
    for base in doc.iter("base"):
        href = base.get("href")
        if href:
            return urljoin(url, href.strip())
        break
    return url


def find_next_pages(doc: lxml.html.HtmlElement, url: str) -> list[str]:
    """Absolute URLs of further listing pages linked from this one, the next page first."""
    base = _base_url(doc, url)
    here = page_position(canonical_url(url))
    here_key = url_key(url)
    current_path = urlsplit(url).path or "/"
    numbered: dict[str, int] = {}  # url -> page number, same series, beyond this page
    forward: list[str] = []  # links that say "next" (rel, label, class), in document order
    seen_backward: set[str] = set()
    counts_down = False  # a "next" link to a lower number: higher numbers are the newer pages

    for anchor in doc.iter("a", "link"):
        href = anchor.get("href")
        if not href or href[0] == "#":
            continue
        rel = (anchor.get("rel") or "").lower()
        if anchor.tag == "link" and "next" not in rel.split():
            continue
        # Cheap test on the raw link before any URL resolution: most links on a page are posts and menus.
        if not (_may_be_numbered(href) or "next" in rel or _may_point_forward(anchor)):
            continue
        if _SKIP_HREF.match(href) or _is_hidden(anchor):
            continue
        target = canonical_url(urljoin(base, href.strip()))
        parts = urlsplit(target)
        if parts.scheme not in ("http", "https") or not same_site(target, url):
            continue
        path = parts.path or "/"
        if _NON_PAGE_EXTENSION.search(path) or _has_taxonomy(path, current_path):
            continue
        key = url_key(target)
        if key == here_key:
            continue
        position = page_position(target)
        numbered_here = position.series == here.series
        if position.series != here.series and position.number == 1 and _in_pagination(anchor):
            bare = _bare_number_position(target)
            if bare and bare.series == here.series:
                position, numbered_here = bare, True
        direction = _direction(anchor)
        if numbered_here:
            if position.number > here.number:
                numbered[target] = position.number
                if direction > 0:
                    forward.append(target)
            elif direction > 0:
                # A series that counts down (index.html, index-5.html ... index-1.html, the oldest page): the
                # link says it is the next page, and its lower number is where that is.
                forward.append(target)
                counts_down = True
            else:
                seen_backward.add(target)
            continue
        # A "next" link outside this page's series: a listing whose later pages live elsewhere (home page →
        # /blog/page/2/), or a non-numbered scheme (Blogger ?updated-max=...). Without a page number in the URL,
        # only wording that is about pages of posts counts: a bare "Next" or rel=next is also how a post links
        # the next post.
        if direction <= 0 or _DATED_POST.search(path) or _in_post_navigation(anchor):
            continue
        if (position.number > 1 and ("next" in rel.split() or _in_pagination(anchor))) or _says_older_posts(anchor):
            forward.append(target)

    if counts_down:
        return _dedupe([u for u in forward if u not in seen_backward])
    ordered: list[str] = []
    expected_next = here.number + 1
    explicit = [u for u in forward if u not in seen_backward]
    numbered_next = [u for u, n in numbered.items() if n == expected_next]
    # The next page: the explicitly marked one that is also the following number, else any marked one, else
    # the following number, else the lowest number beyond this page.
    for candidate in [u for u in explicit if numbered.get(u) == expected_next] + explicit + numbered_next:
        ordered.append(candidate)
        break
    for candidate in sorted(numbered, key=numbered.__getitem__):
        if candidate not in ordered:
            ordered.append(candidate)
    for candidate in explicit:
        if candidate not in ordered:
            ordered.append(candidate)
    return _dedupe(ordered)


def _dedupe(urls: list[str]) -> list[str]:
    seen: set[str] = set()
    unique: list[str] = []
    for candidate in urls:
        key = url_key(candidate)
        if key not in seen:
            seen.add(key)
            unique.append(candidate)
    return unique


def find_archive_pages(doc: lxml.html.HtmlElement, url: str) -> list[str]:
    """Absolute URLs of archive-by-month (or by-year) pages linked from this one (/2020/05/), newest first."""
    base = _base_url(doc, url)
    found: dict[str, tuple[int, int]] = {}
    for anchor in doc.iter("a"):
        href = anchor.get("href")
        if not href or _SKIP_HREF.match(href):
            continue
        target = canonical_url(urljoin(base, href.strip()))
        parts = urlsplit(target)
        if parts.scheme not in ("http", "https") or parts.query or not same_site(target, url):
            continue
        path = INDEX_FILE.sub("/", parts.path or "/")
        match = _MONTH_ARCHIVE.match(path)
        if match:
            found.setdefault(target, (int(match.group("year")), int(match.group("month"))))
            continue
        match = _YEAR_ARCHIVE.match(path)
        if match:
            found.setdefault(target, (int(match.group("year")), 0))
    here_key = url_key(url)
    ordered = sorted(found, key=lambda u: found[u], reverse=True)
    return _dedupe([u for u in ordered if url_key(u) != here_key])

