"""URLs: one canonical form per post, and what is inside a blog."""

from __future__ import annotations

import posixpath
import re
from functools import lru_cache
from urllib.parse import SplitResult, urljoin, urlsplit, urlunsplit

# Query parameters that only say where a visitor came from; they never change the page.
TRACKING_PARAMS = frozenset(
    {
        "fbclid", "gclid", "dclid", "gbraid", "wbraid", "msclkid", "yclid", "igshid", "twclid", "ttclid",
        "mc_cid", "mc_eid", "_hsenc", "_hsmkt", "__hstc", "__hssc", "__hsfp", "mkt_tok", "oly_anon_id",
        "oly_enc_id", "vero_id", "spm", "scm", "from", "ref", "ref_src", "ref_url", "share", "sharesource",
        "_ga", "_gl", "wt_mc", "cmpid",
    }
)
TRACKING_PARAM_PREFIXES = ("utm_", "pk_", "mtm_", "hmsr")
# Directory index files a server answers for "dir/": `dir/index.html` and `dir/` are one page.
INDEX_FILENAMES = frozenset({"index.html", "index.htm", "index.php", "index.shtml", "index.xhtml"})
DEFAULT_PORTS = {"http": "80", "https": "443"}
WEB_SCHEMES = frozenset({"http", "https"})

_UNRESERVED = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
# Characters that may appear literally in a path or query (RFC 3986 pchar plus "/" and "?"); the rest is escaped.
_PATH_LITERAL = _UNRESERVED | frozenset(b"!$&'()*+,;=:@/")
_QUERY_LITERAL = _PATH_LITERAL | frozenset(b"?")
_PERCENT_TRIPLET = re.compile(rb"%([0-9A-Fa-f]{2})")
_WWW = re.compile(r"^www\d*\.")
# A path or query made only of characters it may hold literally, with no "%": already in its normal form (most
# URLs are: the byte-by-byte walk below is then skipped).
_PLAIN = {
    _PATH_LITERAL: re.compile(r"[A-Za-z0-9\-._~!$&'()*+,;=:@/]*"),
    _QUERY_LITERAL: re.compile(r"[A-Za-z0-9\-._~!$&'()*+,;=:@/?]*"),
}


def _normalize_percent(text: str, literal: frozenset[int]) -> str:
    """Uppercase every %XX, decode it when it is an unreserved character, UTF-8-escape everything not allowed."""
    plain = _PLAIN.get(literal)
    if plain is not None and plain.fullmatch(text):
        return text
    raw = text.encode("utf-8", "surrogatepass")
    out: list[str] = []
    i, n = 0, len(raw)
    while i < n:
        byte = raw[i]
        if byte == 0x25:  # "%"
            match = _PERCENT_TRIPLET.match(raw, i)
            if match:
                value = int(match.group(1), 16)
                out.append(chr(value) if value in _UNRESERVED else "%" + match.group(1).decode().upper())
                i += 3
                continue
            out.append("%25")
        elif byte in literal:
            out.append(chr(byte))
        else:
            out.append(f"%{byte:02X}")
        i += 1
    return "".join(out)


def _remove_dot_segments(path: str) -> str:
    """RFC 3986 dot-segment removal that keeps a trailing slash and repeated slashes."""
    if "/." not in path and not path.startswith("."):
        return path
    trailing = path.endswith(("/", "/.", "/.."))
    normalized = posixpath.normpath(path)
    if normalized.startswith("//"):  # normpath keeps a leading "//"; a path never means that
        normalized = "/" + normalized.lstrip("/")
    if normalized == ".":
        normalized = "/"
    if trailing and not normalized.endswith("/"):
        normalized += "/"
    return normalized


def _is_tracking(name: str) -> bool:
    lowered = name.lower()
    return lowered in TRACKING_PARAMS or lowered.startswith(TRACKING_PARAM_PREFIXES)


def _clean_query(query: str) -> str:
    """Drop tracking parameters and empty pieces, keep the others in their order."""
    if not query:
        return ""
    kept = []
    for piece in query.split("&"):
        if not piece:
            continue
        name = piece.split("=", 1)[0]
        if _is_tracking(name):
            continue
        kept.append(_normalize_percent(piece, _QUERY_LITERAL))
    return "&".join(kept)


def _host_port(parts: SplitResult, scheme: str) -> str:
    host = (parts.hostname or "").rstrip(".")
    try:
        port = parts.port
    except ValueError:
        port = None
    netloc = f"[{host}]" if ":" in host else host
    if port is not None and str(port) != DEFAULT_PORTS.get(scheme):
        netloc += f":{port}"
    if parts.username:
        userinfo = parts.username + (f":{parts.password}" if parts.password else "")
        netloc = f"{userinfo}@{netloc}"
    return netloc


# Entries of each URL cache (canonical_url, url_key, and the evidence's loose keys). A crawl asks again for the
# same URL within a post's lifetime (listing, request, answer, record, ledger: a few hundred URLs apart) and in
# the passes over a sitemap's URLs; 16,384 holds both for a blog of that many URLs. A larger blog's sitemap passes
# outgrow any size (a pass over 100,000 URLs evicts itself), while each full cache of 65,536 cost ~12 MB of RSS
# (four caches: ~50 MB, filled by the first sitemap read of a 100,000-post blog). A miss costs ~12 us.
URL_CACHE_SIZE = 16384


@lru_cache(maxsize=URL_CACHE_SIZE)
def canonical_url(url: str) -> str:
    """One form for URL variants: scheme, host case, default port, trailing slash, index.html, tracking
    parameters and fragments."""
    url = url.strip()
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    scheme = parts.scheme.lower()
    if scheme and scheme not in WEB_SCHEMES:
        return url  # mailto:, javascript:, data:... have no canonical web form
    netloc = _host_port(parts, scheme) if parts.netloc else ""
    path = _remove_dot_segments(_normalize_percent(parts.path, _PATH_LITERAL))
    if not path and netloc:
        path = "/"
    head, _, last = path.rpartition("/")
    if last.lower() in INDEX_FILENAMES:
        path = head + "/"
    query = _clean_query(parts.query)
    return urlunsplit((scheme, netloc, path, query, ""))


@lru_cache(maxsize=URL_CACHE_SIZE)  # a crawl asks for the key of one URL many times (ledger, evidence, memory)
def url_key(url: str) -> str:
    """The uniqueness key of a URL: canonical without scheme and trailing slash ("example.com/a/b")."""
    parts = urlsplit(canonical_url(url))
    path = parts.path.rstrip("/")
    return parts.netloc + path + (f"?{parts.query}" if parts.query else "")


def _bare_host(netloc: str) -> str:
    """Host without port, "www." prefix and case: what makes two origins the same site."""
    host = netloc.rsplit("@", 1)[-1].lower()
    if host.startswith("["):
        return host.split("]", 1)[0] + "]"
    host = host.split(":", 1)[0].rstrip(".")
    return _WWW.sub("", host)


def _port_of(parts: SplitResult) -> str:
    try:
        port = parts.port
    except ValueError:
        return ""
    if port is None or str(port) == DEFAULT_PORTS.get(parts.scheme.lower()):
        return ""
    return str(port)


def same_site(url: str, other: str) -> bool:
    """Whether two absolute URLs are on the same host (case, "www.", http/https and default ports aside)."""
    a, b = urlsplit(url), urlsplit(other)
    return _bare_host(a.netloc) == _bare_host(b.netloc) and _port_of(a) == _port_of(b)


def _directory_of(path: str) -> str:
    """The directory a path is in ("/a/b/" stays, "/a/b.html" gives "/a/"), always ending with "/"."""
    if not path:
        return "/"
    return path if path.endswith("/") else path.rsplit("/", 1)[0] + "/"


def in_scope(url: str, root: str) -> bool:
    """Whether `url` belongs to the blog whose home is `root` (same host, http or https, under its base path)."""
    try:
        target, home = urlsplit(canonical_url(url)), urlsplit(canonical_url(root))
    except ValueError:
        return False
    if target.scheme not in WEB_SCHEMES or not target.netloc:
        return False
    if not same_site(urlunsplit(target), urlunsplit(home)):
        return False
    base = _directory_of(home.path)
    path = target.path or "/"
    return path.startswith(base) or path + "/" == base


def blog_root(start_url: str, home_hint: str | None = None) -> str:
    """The blog's home for scoping: the host root, or the home link's directory when the blog lives under a path.

    A start page below the root (/blog/, /posts/, /archives/) often links posts outside its own path, so the
    start path alone never narrows the scope; only the page's own home link (GitHub project pages: /project/)
    does, and only when the start page is inside it."""
    start = urlsplit(canonical_url(start_url))
    host_root = urlunsplit((start.scheme, start.netloc, "/", "", ""))
    if not home_hint:
        return host_root
    home = urlsplit(canonical_url(urljoin(start_url, home_hint)))
    if home.scheme not in WEB_SCHEMES or not same_site(urlunsplit(home), host_root):
        return host_root
    base = _directory_of(home.path)
    start_path = start.path or "/"
    if base != "/" and (start_path.startswith(base) or start_path + "/" == base):
        return urlunsplit((start.scheme, start.netloc, base, "", ""))
    return host_root


# ---------------------------------------------------------------- index pages (never posts)

# Date archives: /2020/, /2020/05/, /2020/05/17/ with nothing after them, under any prefix (/archives/2020/05/,
# /blog/2020/); Blogger classic's /2005_01_01_archive.html; "archive-2020-05.html"-like names.
_DATE_INDEX_PATH = re.compile(
    r"(?:^|/)(?:19|20)\d{2}(?:/(?:0?[1-9]|1[0-2])(?:/(?:0?[1-9]|[12]\d|3[01]))?)?/?$"
    r"|(?:^|/)(?:19|20)\d{2}[-_](?:0?[1-9]|1[0-2])(?:[-_](?:0?[1-9]|[12]\d|3[01]))?[-_]archive\.html?$"
    r"|(?:^|/)archives?[-_](?:19|20)\d{2}(?:[-_](?:0?[1-9]|1[0-2]))?(?:\.html?|/)?$",
    re.IGNORECASE,
)
# WordPress ?m=202005 (month) / ?m=2020 (year), Blogger ?updated-max= / ?updated-min= listing slices.
_DATE_INDEX_QUERY = re.compile(r"(?:^|&)(?:m=(?:19|20)\d{2}(?:\d{2}){0,2}|updated-(?:max|min)=[^&]*)(?:&|$)", re.I)
# Path segments of taxonomy and people indexes: a page listing posts, never a post. ("archive" is not one: some
# blogs keep old posts under /archive/2015/03/slug/; /archives/ alone is a section, see SECTION_SEGMENTS.)
TAXONOMY_SEGMENTS = frozenset(
    {"tag", "tags", "category", "categories", "categorie", "label", "labels", "topic", "topics", "author",
     "authors", "series", "search"}
)
_TRAILING_PAGE = re.compile(r"/page[-_/]?\d{1,5}/?$", re.I)


def is_date_index(url: str) -> bool:
    """Whether a URL is a year/month/day archive page (/2020/05/, /archives/2020/, ?m=202005), never a post."""
    parts = urlsplit(url)
    path = parts.path or "/"
    return bool(_DATE_INDEX_PATH.search(path) or (parts.query and _DATE_INDEX_QUERY.search(parts.query)))


def is_taxonomy_index(url: str) -> bool:
    """Whether a URL is a tag/category/author/archive index (/tags/, /tags/rust/, /category/a/b/), never a post."""
    path = _TRAILING_PAGE.sub("/", (urlsplit(url).path or "/").lower())
    segments = [s for s in path.split("/") if s]
    # The taxonomy segment within the last three: /tags/rust/, /blog/category/a/b/, /tags/rust/page/2/.
    return any(s in TAXONOMY_SEGMENTS for s in segments[-3:])


def is_index_url(url: str) -> bool:
    """Whether a URL names a page that lists posts by date, tag, category or author (not a post itself)."""
    return is_date_index(url) or is_taxonomy_index(url)
