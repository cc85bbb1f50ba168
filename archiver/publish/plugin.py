"""The Datasette plugin of blog-archiver: CJK-aware search, the post page, the posts table's first screen, live
Atom feeds, the search page and the dashboard.

Loaded by `archiver serve` (through plugins/archiver_datasette.py) and by make_datasette. It needs only
Datasette, nh3 and archiver.store.search (stdlib only), so `archiver publish` can ship it with a copy of that
module into deployments where blog-archiver is not installed.
"""

from __future__ import annotations

import base64
import hashlib
import html
import importlib.util
import json
import math
import re
import xml.etree.ElementTree as ElementTree
from collections.abc import Awaitable, Callable
from datetime import date
from html.parser import HTMLParser
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit

import nh3
from datasette import hookimpl
from datasette.database import QueryInterrupted
from datasette.facets import Facet
from datasette.filters import FilterArguments
from datasette.utils import escape_sqlite, path_with_added_args, path_with_removed_args, tilde_decode
from datasette.utils.asgi import NotFound, Response
from markupsafe import Markup

SHIPPED_SEARCH_MODULE = "archiver_search.py"


def _load_search() -> ModuleType:
    try:
        from archiver.store import search

        return search
    except ImportError:  # a deployment made by `archiver publish`: the module sits beside this file
        path = Path(__file__).with_name(SHIPPED_SEARCH_MODULE)
        spec = importlib.util.spec_from_file_location("archiver_search", path)
        assert spec and spec.loader, f"missing {path}"
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module


search = _load_search()

POSTS_TABLE = "posts"
READ_MMAP_BYTES = 2**31
RESULTS_PER_PAGE = 20
DASHBOARD_LATEST = 15
DASHBOARD_TOP_TAGS = 30
DASHBOARD_CRAWLS = 10
FEED_ENTRIES_PER_PAGE = 100
# What a person opening the posts table sees first; every other column is one click away ("all columns").
COMPACT_COLUMNS = ("title", "published", "site_id", "author", "tags", "excerpt")
# Canned queries name a post's id `post_id`: their `title` then links to the post page and `snippet` shows
# its highlights (see render_cell).
CANNED_POST_ID = "post_id"
# What a post body may keep at render time: text structure, code, tables, images and plain links. No script,
# style, iframe, form, event handlers or inline styles; links only to http(s)/mailto.
BODY_TAGS = frozenset(
    {
        "a", "abbr", "b", "blockquote", "br", "caption", "cite", "code", "dd", "del", "details", "dfn", "div",
        "dl", "dt", "em", "figcaption", "figure", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "ins",
        "kbd", "li", "mark", "ol", "p", "pre", "q", "rp", "rt", "ruby", "s", "samp", "small", "span", "strong",
        "sub", "summary", "sup", "table", "tbody", "td", "tfoot", "th", "thead", "time", "tr", "u", "ul", "var",
    }
)  # fmt: skip
BODY_ATTRIBUTES: dict[str, set[str]] = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan"},
    "ol": {"start"},
    "time": {"datetime"},
    "code": {"class"},  # language-xxx of highlighted code
    "pre": {"class"},
}
BODY_URL_SCHEMES = frozenset({"http", "https", "mailto"})
# The posts' JSON list columns and the tables that mirror them: (link table, its name-id column, name table).
# Facets count through these, which stays fast on any result set.
TAXONOMIES: dict[str, tuple[str, str, str]] = {
    "tags": ("post_tags", "tag_id", "tags"),
    "categories": ("post_categories", "category_id", "categories"),
}
# Facets whose values are dates: listed newest first, not by count.
DATE_FACETS = frozenset({"year", "month"})
# Post pages load nothing from anywhere but this Datasette: the body's images are shown as placeholders unless
# the archive serves them itself (local_image_urls). Scripts: Datasette's own files and, by hash, the one
# inline script of its base template (menus); nothing from a post body could run even if the sanitizer let it.
POST_PAGE_CSP = (
    "default-src 'none'; img-src 'self' data:; style-src 'self' 'unsafe-inline' data:; font-src 'self' data:; "
    "connect-src 'self'; script-src 'self'{script_hashes}; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'self'"
)


def _inline_script_hashes() -> str:
    """CSP source expressions for the inline <script> of Datasette's base template (closing open menus)."""
    try:
        import datasette

        template = Path(datasette.__file__).with_name("templates") / "_close_open_menus.html"
        text = template.read_text("utf-8")
    except OSError:
        return ""
    hashes = []
    for script in re.findall(r"<script>(.*?)</script>", text, re.DOTALL):
        digest = base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode("ascii")
        hashes.append(f" 'sha256-{digest}'")
    return "".join(hashes)


POST_PAGE_CSP = POST_PAGE_CSP.format(script_hashes=_inline_script_hashes())


# --- text shown to readers --------------------------------------------------------------------------------


def isolate(text: Any, fallback: str = "") -> Markup:
    """User text (a title, a name) as HTML isolated from its surroundings: `<bdi>`, bidi overrides removed, so
    a right-to-left override in a title can neither reverse the title nor the date printed after it."""
    shown = search.strip_bidi_controls("" if text is None else str(text)) or fallback
    return Markup("<bdi>{}</bdi>").format(shown)


def display_url(url: str | None) -> str:
    """A URL as a person reads it: percent-escapes of non-ASCII text decoded (kept when they are not UTF-8)."""
    if not url:
        return ""
    try:
        return unquote(url, errors="strict")
    except UnicodeDecodeError:
        return url


def short_time(value: str | None) -> str:
    """2024-05-03T09:20:00+08:00 as 2024-05-03 09:20 (the wall time the blog shows); a bare day as it is."""
    if not value:
        return ""
    return value[:16].replace("T", " ") if len(value) > 10 else value


def _json_list(value: Any) -> list[str]:
    try:
        names = json.loads(value or "[]")
    except (TypeError, ValueError):
        return []
    return [str(name) for name in names] if isinstance(names, list) else []


# --- the post body ----------------------------------------------------------------------------------------


def sanitize_body(content_html: str | None) -> str:
    """The stored body re-sanitized for display (defence in depth: it was sanitized when archived)."""
    return nh3.clean(
        content_html or "",
        tags=set(BODY_TAGS),
        attributes=BODY_ATTRIBUTES,
        url_schemes=set(BODY_URL_SCHEMES),
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )


class _ImageCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.sources: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "img":
            source = dict(attrs).get("src")
            if source:
                self.sources.append(source)


def image_sources(body_html: str) -> list[str]:
    """The src of every image of a (sanitized) body, in order, without repeats."""
    collector = _ImageCollector()
    collector.feed(body_html)
    collector.close()
    return list(dict.fromkeys(collector.sources))


async def local_image_urls(datasette: Any, database: str, sources: list[str]) -> dict[str, str]:
    """Where this Datasette serves an archived copy of each image: {original src: local URL}.

    The images the crawl archived are served from their WARC captures (archiver.publish.media); the URLs must be
    on this Datasette (the post page's Content-Security-Policy allows images from 'self' only)."""
    try:
        from archiver.publish import media
    except ImportError:  # a deployment made by `archiver publish`: no WARC files, every image a placeholder
        return {}
    return await media.archived_image_urls(datasette, database, sources)


def _attributes(attrs: list[tuple[str, str | None]]) -> str:
    return "".join(f' {name}="{html.escape(value or "", quote=True)}"' for name, value in attrs)


class _ImageRewriter(HTMLParser):
    """Re-emits sanitized HTML with each <img> pointed at its local copy, or replaced by a placeholder."""

    def __init__(self, local: Callable[[str], str | None]) -> None:
        super().__init__(convert_charrefs=False)
        self.local = local
        self.out: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag != "img":
            self.out.append(f"<{tag}{_attributes(attrs)}>")
            return
        values = dict(attrs)
        source = values.get("src") or ""
        local = self.local(source) if source else None
        if local:
            kept = [(name, value) for name, value in attrs if name != "src"]
            self.out.append(f'<img src="{html.escape(local, quote=True)}"{_attributes(kept)}>')
            return
        alt = values.get("alt") or values.get("title") or ""
        self.out.append(
            '<span class="archiver-image" role="img" aria-label="'
            f'{html.escape("image: " + alt, quote=True)}"><span class="archiver-image-label">image'
            f"{': ' + html.escape(alt) if alt else ''}</span>"
            + (f' <span class="archiver-image-source">{html.escape(display_url(source))}</span>' if source else "")
            + "</span>"
        )

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        self.out.append(f"</{tag}>")

    def handle_data(self, data: str) -> None:
        self.out.append(data)

    def handle_entityref(self, name: str) -> None:
        self.out.append(f"&{name};")

    def handle_charref(self, name: str) -> None:
        self.out.append(f"&#{name};")


def rewrite_images(body_html: str, local: Callable[[str], str | None]) -> str:
    """A sanitized body whose images load only from this Datasette: each <img> gets `local(src)` as its
    source, or, when that is None, becomes a placeholder showing its alt text and original URL as text."""
    if "<img" not in body_html:
        return body_html
    rewriter = _ImageRewriter(local)
    rewriter.feed(body_html)
    rewriter.close()
    return "".join(rewriter.out)


async def render_body(datasette: Any, database: str, content_html: str | None) -> str:
    """A stored body as the post page shows it: sanitized, images local or placeholders."""
    body = sanitize_body(content_html)
    local = await local_image_urls(datasette, database, image_sources(body))
    return rewrite_images(body, local.get)


# --- which databases are archives -------------------------------------------------------------------------


async def _is_archive(datasette: Any, database: str) -> bool:
    """The database holds a blog-archiver archive (posts and its search index).

    Asked for every cell of a posts table page: a yes is remembered (an archive stays one); a no is asked again."""
    if database not in datasette.databases or database == "_internal":
        return False
    known: set[str] = datasette.__dict__.setdefault("_archiver_archives", set())
    if database in known:
        return True
    db = datasette.get_database(database)
    if await db.table_exists(search.SEARCH_TABLE) and await db.table_exists(POSTS_TABLE):
        known.add(database)
        return True
    return False


async def _archive_databases(datasette: Any) -> list[str]:
    return [name for name in datasette.databases if await _is_archive(datasette, name)]


def _connection_is_archive(conn: Any) -> bool:
    try:
        found = conn.execute(
            "SELECT count(*) FROM sqlite_master WHERE name IN (?, ?)", [search.SEARCH_TABLE, POSTS_TABLE]
        ).fetchone()
    except Exception:  # a database that can't even list its tables is no archive of ours
        return False
    return bool(found) and found[0] == 2


# --- hooks ----------------------------------------------------------------------------------------------


@hookimpl(trylast=True)
def prepare_connection(conn: Any) -> None:
    """Our SQL functions; on an archive, Datasette's escape_fts becomes the CJK-aware query rewrite.

    trylast: Datasette registers its own escape_fts on every connection, and the last registration wins. So
    `?_search=` of the posts table, Datasette's own search box and `_search_title=`, goes through the same
    query rewrite as the index (`_searchmode=raw` hands FTS5 the query as typed)."""
    search.register_functions(conn)
    if _connection_is_archive(conn):
        conn.create_function("escape_fts", 1, search.fts_query, deterministic=True)
    # Searches and facets look up thousands of scattered post rows; reading them through a memory map
    # instead of a read() per page halves that time. SQLite caps it at its compiled maximum (2 GB).
    conn.execute(f"PRAGMA mmap_size = {READ_MMAP_BYTES}")


@hookimpl
def filters_from_request(request: Any, database: str, table: str, datasette: Any) -> Any:
    """A tag or category filter of posts narrows through its link table's index."""
    if table != POSTS_TABLE:
        return None

    async def inner() -> FilterArguments | None:
        if not await _is_archive(datasette, database):
            return None
        if (request.args.get("_search") or "").strip():
            # A search narrows by itself: a second IN (...) could make SQLite walk a common tag's posts instead.
            return None
        where, params = await _taxonomy_narrowing(request, datasette.get_database(database))
        return FilterArguments(where, params=params)

    return inner


async def _taxonomy_narrowing(request: Any, db: Any) -> tuple[list[str], dict[str, str]]:
    """For each `tags__arraycontains=` (or categories) filter, a clause on the link table's index.

    Datasette's own filter stays and decides; this only lets SQLite look up the posts that carry the name
    instead of parsing the JSON list of every post (the link tables mirror those lists)."""
    where: list[str] = []
    params: dict[str, str] = {}
    for column, (link_table, link_column, name_table) in TAXONOMIES.items():
        names = request.args.getlist(f"{column}__arraycontains")
        if not names or not await db.table_exists(link_table):
            continue
        for number, name in enumerate(names):
            parameter = f"archiver_{column}_{number}"
            where.append(
                f"id IN (SELECT post_id FROM {link_table} WHERE {link_column} = "
                f"(SELECT id FROM {name_table} WHERE name = :{parameter}))"
            )
            params[parameter] = name
    return where, params


@hookimpl
def extra_template_vars(template: str, database: str, table: str, view_name: str, request: Any, datasette: Any):
    """The post page, the site page, the posts table's column switch and feed links, the home page's blogs."""
    if request is None:
        return {}
    if view_name == "index":
        return _home_vars(datasette)
    if view_name == "row" and table == POSTS_TABLE:
        return _post_vars(datasette, database, request)
    if view_name == "row" and table == "sites":
        return _site_vars(datasette, database, request)
    if view_name == "table" and table == POSTS_TABLE:
        return _posts_table_vars(datasette, database, request)
    return {}


def _post_vars(datasette: Any, database: str, request: Any) -> Callable[[], Awaitable[dict[str, Any]]]:
    async def inner() -> dict[str, Any]:
        pks = request.url_vars.get("pks", "")
        db = datasette.get_database(database)
        if not await _is_archive(datasette, database) or not await db.table_exists("sites"):
            return {}
        result = await db.execute(
            """SELECT p.*, s.title AS site_title, s.url AS site_url
               FROM posts p LEFT JOIN sites s ON s.id = p.site_id WHERE p.id = :id""",
            {"id": pks},
        )
        row = result.first()
        if row is None:
            return {}
        post = dict(row)
        table_url = datasette.urls.table(database, POSTS_TABLE)
        return {
            "archiver_post": post,
            "archiver_title": search.strip_bidi_controls(post.get("title")),
            "archiver_body": Markup(await render_body(datasette, database, post.get("content_html"))),
            "archiver_excerpt": post.get("excerpt") or "",
            "archiver_tags": [(name, f"{table_url}?{urlencode({'tags__arraycontains': name})}")
                              for name in _json_list(post.get("tags"))],
            "archiver_categories": [
                (name, f"{table_url}?{urlencode({'categories__arraycontains': name})}")
                for name in _json_list(post.get("categories"))
            ],
            "archiver_site_link": f"{table_url}?{urlencode({'site_id': post.get('site_id')})}",
            "archiver_author_link": f"{table_url}?{urlencode({'author': post.get('author') or ''})}",
            "archiver_original": display_url(post.get("url")),
            "archiver_feed": feed_path(datasette, database, "site", str(post.get("site_id"))),
            "isolate": isolate,
        }

    return inner


def _site_vars(datasette: Any, database: str, request: Any) -> Callable[[], Awaitable[dict[str, Any]]]:
    async def inner() -> dict[str, Any]:
        if not await _is_archive(datasette, database):
            return {}
        site_id = request.url_vars.get("pks", "")
        row = (await datasette.get_database(database).execute(
            "SELECT id, url, title FROM sites WHERE id = :id", {"id": site_id})).first()
        if row is None:
            return {}
        return {
            "archiver_site": dict(row),
            "archiver_site_title": site_label(row["title"], row["url"]),
            "archiver_site_posts": datasette.urls.table(database, POSTS_TABLE) + "?" + urlencode({"site_id": row["id"]}),
            "archiver_feed": feed_path(datasette, database, "site", str(row["id"])),
            "isolate": isolate,
        }

    return inner


def _posts_table_vars(datasette: Any, database: str, request: Any) -> Callable[[], Awaitable[dict[str, Any]]]:
    async def inner() -> dict[str, Any]:
        if not await _is_archive(datasette, database):
            return {}
        shown = request.args.getlist("_col")
        columns = await datasette.get_database(database).table_columns(POSTS_TABLE)
        values: dict[str, Any] = {
            "archiver_posts_table": True,
            "archiver_compact": shown == [column for column in COMPACT_COLUMNS if column in columns],
            "archiver_all_columns_url": all_columns_url(request, columns),
            "archiver_compact_url": compact_url(request, columns),
            "archiver_column_count": len(columns),
            "archiver_feeds": [],
        }
        for site_id in request.args.getlist("site_id")[:1]:
            values["archiver_feeds"].append(("this blog", "", feed_path(datasette, database, "site", site_id)))
        for tag in request.args.getlist("tags__arraycontains")[:1]:
            values["archiver_feeds"].append(("the tag", tag, feed_path(datasette, database, "tag", tag)))
        values["isolate"] = isolate
        return values

    return inner


def _home_vars(datasette: Any) -> Callable[[], Awaitable[dict[str, Any]]]:
    async def inner() -> dict[str, Any]:
        archives = []
        for database in await _archive_databases(datasette):
            db = datasette.get_database(database)
            # Each blog's count and date range from the (site_id, published) index: no pass over the posts.
            rows = (await db.execute(
                """SELECT s.id, s.url, s.title,
                          (SELECT count(*) FROM posts p WHERE p.site_id = s.id) AS posts,
                          (SELECT min(published) FROM posts p WHERE p.site_id = s.id) AS first,
                          (SELECT max(published) FROM posts p WHERE p.site_id = s.id) AS last
                   FROM sites s ORDER BY posts DESC, s.id LIMIT 200"""
            )).rows
            table_url = datasette.urls.table(database, POSTS_TABLE)
            archives.append({
                "database": database,
                "sites": [
                    {**dict(row), "label": site_label(row["title"], row["url"]),
                     "posts_path": f"{table_url}?{urlencode({'site_id': row['id']})}",
                     "feed_path": feed_path(datasette, database, "site", str(row["id"]))}
                    for row in rows
                ],
            })
        return {"archiver_archives": archives, "isolate": isolate,
                "archiver_search_path": datasette.urls.path("/-/search"),
                "archiver_dashboard_path": datasette.urls.path("/-/dashboard")}

    return inner


def site_label(title: str | None, url: str) -> str:
    """A blog's name as shown: its title, else its URL without the scheme."""
    return search.strip_bidi_controls(title) or re.sub(r"^https?://", "", url or "").rstrip("/")


def _url_with_columns(request: Any, columns: list[str]) -> str:
    pairs = [(key, value) for key, value in parse_qsl(request.query_string, keep_blank_values=True)
             if key not in ("_col", "_nocol")]
    return request.path + "?" + urlencode([*pairs, *(("_col", column) for column in columns)])


def compact_url(request: Any, columns: list[str]) -> str:
    """This page of the posts table with only COMPACT_COLUMNS (those the table has)."""
    return _url_with_columns(request, [column for column in COMPACT_COLUMNS if column in columns])


def all_columns_url(request: Any, columns: list[str]) -> str:
    """This page of the posts table with every column, COMPACT_COLUMNS first."""
    ordered = [column for column in COMPACT_COLUMNS if column in columns]
    ordered += [column for column in columns if column not in ordered and column != "id"]
    return _url_with_columns(request, ordered)


@hookimpl
def extra_body_script(template: str, database: str, table: str, view_name: str, request: Any, datasette: Any):
    """On the posts table, the column menu's "Show all columns" shows all of them (it would drop _col, which
    brings back the short view)."""
    if view_name != "table" or table != POSTS_TABLE or request is None:
        return None

    async def inner() -> str:
        if not await _is_archive(datasette, database):
            return ""
        url = all_columns_url(request, await datasette.get_database(database).table_columns(POSTS_TABLE))
        return (
            "document.addEventListener('click', function (event) {"
            " var link = event.target.closest && event.target.closest('a.dropdown-show-all-columns');"
            f" if (link) {{ event.preventDefault(); window.location.href = {json.dumps(url)}; }} }}, true);"
        )

    return inner


@hookimpl
def render_cell(row: Any, value: Any, column: str, table: str | None, database: str, datasette: Any):
    """Posts as people read them: titles linking to the post page, short excerpts, tags as links, dates
    without seconds, decoded URLs; in canned queries, linked titles and highlighted snippets."""
    if table == POSTS_TABLE:
        return _posts_cell(row, value, column, database, datasette)
    if table == "sites" and column == "title":
        return isolate(value)
    # sqlite3.Row: `in` would look at the values, keys() at the column names.
    if table is None and column in ("title", "snippet") and CANNED_POST_ID in row.keys():  # noqa: SIM118
        return _canned_cell(row, value, column, database, datasette)
    return None


def _posts_cell(row: Any, value: Any, column: str, database: str, datasette: Any):
    async def inner() -> Any:
        if not await _is_archive(datasette, database):
            return None
        if column == "title":
            link = datasette.urls.row(database, POSTS_TABLE, quote(str(row["id"])))
            return Markup('<a class="archiver-title" href="{}">{}</a>').format(link, isolate(value, "(untitled)"))
        if column in ("published", "updated", "first_seen", "last_seen", "removed_at") and value:
            return Markup('<time datetime="{}">{}</time>').format(value, short_time(value))
        if column == "excerpt":
            return search.short_excerpt(value, 120) if value else None
        if column in TAXONOMIES:
            names = _json_list(value)
            table_url = datasette.urls.table(database, POSTS_TABLE)
            return Markup(", ").join(
                Markup('<a href="{}">{}</a>').format(
                    f"{table_url}?{urlencode({f'{column}__arraycontains': name})}", isolate(name))
                for name in names
            ) or Markup("&nbsp;")
        if column == "site_id" and isinstance(value, dict):
            link = datasette.urls.row(database, "sites", quote(str(value["value"])))
            return Markup('<a href="{}">{}</a>').format(link, isolate(value["label"], str(value["value"])))
        if column in ("url", "listing_url") and value:
            return Markup('<a class="archiver-url" href="{}">{}</a>').format(value, display_url(value))
        if column == "url_key" and value:
            return Markup('<span class="archiver-url">{}</span>').format(display_url(value))
        if column == "author" and value:
            return isolate(value)
        return None

    return inner


def _canned_cell(row: Any, value: Any, column: str, database: str, datasette: Any) -> Any:
    if column == "title":
        link = datasette.urls.row(database, POSTS_TABLE, quote(str(row[CANNED_POST_ID])))
        return Markup('<a href="{}">{}</a>').format(link, isolate(value, "(untitled)"))
    # archiver_snippet's HTML: escaped text and <mark>; cleaned again so any text in this column stays text.
    return Markup(nh3.clean(str(value or ""), tags={"mark"}, attributes={}))


# Datasette lists every column description above a table; on posts they would push the rows off the first
# screen. The posts table: facets beside the rows on wide screens, URLs that wrap, short columns.
ARCHIVE_CSS = """
dl.column-descriptions{max-height:4.6em;overflow:auto;font-size:.85em;border:1px solid #ddd;padding:.2em .6em;
margin:.5em 0}dl.column-descriptions dd{margin-left:1.5em}
.archiver-url{overflow-wrap:anywhere;word-break:break-word}
body.table-posts .rows-and-columns td{vertical-align:top}
body.table-posts td.col-title{min-width:12em;max-width:26em;font-weight:600}
body.table-posts td.col-excerpt{min-width:14em;max-width:30em;font-size:.9em;color:#444}
body.table-posts td.col-published,body.table-posts td.col-updated{white-space:nowrap}
body.table-posts td.col-tags,body.table-posts td.col-categories{max-width:14em}
body.table-posts td.col-url,body.table-posts td.col-url_key,body.table-posts td.col-listing_url{min-width:14em;
max-width:22em}
body.table-posts td[class*="col-content_"]{min-width:16em;max-width:26em;font-size:.85em}
body.table-posts .archiver-columns{margin:.3em 0;font-size:.9em}
body.table-posts form.filters{display:flex;flex-wrap:wrap;align-items:center;gap:.3em 1.2em}
body.table-posts form.filters .search-row{margin:0}
body.table-posts form.filters .filter-row{margin:0}
body.table-posts p.export-links,body.table-posts section.content>p:has(>a.not-underlined){display:inline-block;
margin:.3em 1.2em .3em 0}
body.table-posts .facet-info{width:auto;min-width:9em}
@media (min-width:1000px){body.table-posts .facet-results{float:right;display:block;width:15em;margin:0 0 1em 1.5em}
body.table-posts .facet-info{width:auto;margin:0 0 .8em 0}
body.table-posts .table-wrapper{overflow:auto}}
"""


@hookimpl
def extra_css_urls() -> list[str]:
    """A few lines of CSS, inline so a published copy needs no static files."""
    return ["data:text/css," + quote(" ".join(ARCHIVE_CSS.split()))]


@hookimpl
def register_facet_classes() -> list[type[Facet]]:
    return [ArchiveFacet]


@hookimpl
def register_routes() -> list[tuple[str, Any]]:
    return [
        (r"^/-/search(?P<format>\.json)?$", search_view),
        (r"^/-/dashboard$", dashboard_view),
        (r"^/-/feeds/(?P<database>[^/]+)/(?P<kind>site|tag)/(?P<key>[^/]+)\.atom$", feed_view),
    ]


@hookimpl
def menu_links(datasette: Any) -> list[dict[str, str]]:
    return [
        {"href": datasette.urls.path("/-/search"), "label": "Search posts"},
        {"href": datasette.urls.path("/-/dashboard"), "label": "Dashboard"},
    ]


@hookimpl
def asgi_wrapper(datasette: Any):
    """The posts table opens on its short column set; post pages get their Content-Security-Policy."""

    def wrap(app: Any) -> Any:
        async def archive_rules(scope: dict, receive: Any, send: Any) -> None:
            if scope.get("type") != "http" or scope.get("method") not in ("GET", "HEAD"):
                await app(scope, receive, send)
                return
            kind = await _archive_page_kind(datasette, scope.get("path", ""))
            if kind == "posts-table":
                query = scope.get("query_string", b"").decode("latin-1")
                keys = {key for key, _ in parse_qsl(query, keep_blank_values=True)}
                if not keys & {"_col", "_nocol"}:
                    await _redirect_to_compact(datasette, scope, query, send)
                    return
            if kind == "post-page":
                await app(scope, receive, _with_header(send, b"content-security-policy", POST_PAGE_CSP))
                return
            await app(scope, receive, send)

        return archive_rules

    return wrap


async def _archive_page_kind(datasette: Any, path: str) -> str | None:
    """'posts-table' for an archive's posts table page, 'post-page' for a post's page, else None."""
    base = datasette.setting("base_url") or "/"
    if not path.startswith(base):
        return None
    parts = path[len(base):].split("/")
    if len(parts) not in (2, 3) or parts[1] != POSTS_TABLE:
        return None
    if len(parts) == 3 and (not parts[2] or "." in parts[2]):  # .json and other formats keep Datasette's
        return None
    if not await _is_archive(datasette, tilde_decode(parts[0])):
        return None
    return "posts-table" if len(parts) == 2 else "post-page"


async def _redirect_to_compact(datasette: Any, scope: dict, query: str, send: Any) -> None:
    database = tilde_decode(scope["path"][len(datasette.setting("base_url") or "/"):].split("/")[0])
    columns = await datasette.get_database(database).table_columns(POSTS_TABLE)
    pairs = parse_qsl(query, keep_blank_values=True)
    pairs += [("_col", column) for column in COMPACT_COLUMNS if column in columns]
    location = datasette.urls.table(database, POSTS_TABLE) + "?" + urlencode(pairs)
    await send({"type": "http.response.start", "status": 302,
                "headers": [(b"location", location.encode("ascii")), (b"content-length", b"0")]})
    await send({"type": "http.response.body", "body": b""})


def _with_header(send: Any, name: bytes, value: str) -> Any:
    async def sending(message: dict) -> None:
        if message["type"] == "http.response.start":
            message = dict(message)
            message["headers"] = [*message.get("headers", []), (name, value.encode("ascii"))]
        await send(message)

    return sending


# --- facets ---------------------------------------------------------------------------------------


# The SQL Datasette hands facets for the posts table without any filter: `select <columns> from posts `.
UNFILTERED = re.compile(rf"\s*select\s[^;]*?\sfrom\s+\[?{POSTS_TABLE}\]?\s*$", re.IGNORECASE)


class ArchiveFacet(Facet):
    """The posts table's facets (metadata `{"archive": "year"}`, request `?_facet_archive=year`).

    Plain columns are counted as Datasette's column facet counts them, years and months newest first, others
    most frequent first. The JSON list columns (tags, categories) are counted through the link tables that
    mirror them: Datasette's array facet deduplicates `json_each` rows joined with every column of every
    matching post, bodies included, which on a large archive always hit the time limit. With any filter or
    search, all facets come from one statement that looks the matching posts up once, instead of one
    full-text query and one pass over the matches per facet; on the whole table, each facet counts its own
    index.
    """

    type = "archive"

    async def suggest(self) -> list[dict[str, Any]]:
        return []

    def _column_sql(self, column: str, limit: int, source: str) -> str:
        quoted = escape_sqlite(column)
        order = "value DESC" if column in DATE_FACETS else "count DESC, value"
        return (
            f"SELECT {quoted} AS value, count(*) AS count FROM ({source}) WHERE {quoted} IS NOT NULL "
            f"GROUP BY {quoted} ORDER BY {order} LIMIT {limit}"
        )

    def _taxonomy_sql(self, column: str, limit: int, source: str, *, posts_first: bool = False) -> str:
        link_table, link_column, name_table = TAXONOMIES[column]
        # CROSS JOIN keeps the matched posts as the outer loop: the planner would otherwise scan the whole link
        # table and probe the matches.
        join = "CROSS JOIN" if posts_first else "JOIN"
        return (
            f"SELECT n.name AS value, count(*) AS count FROM ({source}) AS p "
            f"{join} {link_table} AS l ON l.post_id = p.id JOIN {name_table} AS n ON n.id = l.{link_column} "
            f"GROUP BY l.{link_column} ORDER BY count DESC, value LIMIT {limit}"
        )

    def _link_table_sql(self, column: str, limit: int) -> str:
        link_table, link_column, name_table = TAXONOMIES[column]
        return (
            f"SELECT n.name AS value, count(*) AS count FROM {link_table} AS l "
            f"JOIN {name_table} AS n ON n.id = l.{link_column} "
            f"GROUP BY l.{link_column} ORDER BY count DESC, value LIMIT {limit}"
        )

    def facet_sql(self, column: str, limit: int, source: str | None = None) -> str:
        """Value counts of `column` over the posts `source` (default: self.sql) selects, in facet order."""
        if column not in TAXONOMIES:
            return self._column_sql(column, limit, source or self.sql)
        if source is not None:
            return self._taxonomy_sql(column, limit, source, posts_first=True)
        if UNFILTERED.match(self.sql):  # every post: the link table alone says it (foreign keys: no orphans)
            return self._link_table_sql(column, limit)
        return self._taxonomy_sql(column, limit, self.sql)

    def combined_sql(self, columns: list[str], limit: int) -> str:
        """One statement counting every facet in `columns`: rows (facet index, value, count)."""
        plain = [escape_sqlite(column) for column in columns if column not in TAXONOMIES]
        branches = " UNION ALL ".join(
            f"SELECT {index} AS facet, value, count FROM ({self.facet_sql(column, limit, 'SELECT * FROM matched')})"
            for index, column in enumerate(columns)
        )
        # Used several times, so SQLite (3.35+) materializes it: the matches are looked up once.
        return f"WITH matched AS (SELECT {', '.join(['id', *plain])} FROM ({self.sql})) {branches}"

    async def _known_columns(self) -> set[str]:
        """The table's columns, generated ones included: a facet on anything else is ignored."""
        return set(await self.ds.get_database(self.database).table_columns(self.table))

    async def facet_results(self) -> tuple[list[dict[str, Any]], list[str]]:
        configs = self.get_configs()
        if not configs or self.table != POSTS_TABLE:
            return [], []
        known = await self._known_columns()
        facets = []  # (column, source)
        for source_and_config in configs:
            config = source_and_config["config"]
            column = config.get("column") or config["simple"]
            if column in known and column not in [name for name, _ in facets]:
                facets.append((column, source_and_config["source"]))
        columns = [column for column, _ in facets]
        facet_size = self.get_facet_size()
        time_limit = self.ds.setting("facet_time_limit_ms")
        rows_by_column: dict[str, list[Any]] = {}
        timed_out: list[str] = []
        if len(columns) > 1 and not UNFILTERED.match(self.sql):
            try:
                result = await self.ds.execute(
                    self.database, self.combined_sql(columns, facet_size + 1), self.params,
                    truncate=False, custom_time_limit=time_limit * len(columns),
                )
                for row in result.rows:
                    rows_by_column.setdefault(columns[row["facet"]], []).append(row)
            except QueryInterrupted:
                timed_out = columns
        else:
            for column in columns:
                try:
                    result = await self.ds.execute(
                        self.database, self.facet_sql(column, facet_size + 1), self.params,
                        truncate=False, custom_time_limit=time_limit,
                    )
                    rows_by_column[column] = list(result.rows)
                except QueryInterrupted:
                    timed_out.append(column)
        results = [
            await self._facet_info(column, source, rows_by_column.get(column, []), facet_size)
            for column, source in facets
            if column not in timed_out
        ]
        return results, timed_out

    async def _facet_info(self, column: str, source: str, rows: list[Any], facet_size: int) -> dict[str, Any]:
        """One facet in the shape Datasette's column and array facets give (JSON and the table page)."""
        pairs = self.get_querystring_pairs()
        shown = rows[:facet_size]
        if column in TAXONOMIES:
            argument = f"{column}__arraycontains"
            labels: dict[Any, Any] = {}
        else:
            argument = f"{column}__exact" if column.startswith("_") else column
            expanded = await self.ds.expand_foreign_keys(
                self.database, self.table, column, [row["value"] for row in shown]
            )
            labels = {value: label for (_, value), label in expanded.items()}
        values = []
        for row in shown:
            value = row["value"]
            selected = (argument, str(value)) in pairs
            toggle = (path_with_removed_args if selected else path_with_added_args)(
                self.request, {argument: str(value) if selected else value}
            )
            label = labels.get(value, value)
            values.append(
                {
                    "value": value,
                    # Names are the blogs' text: shown as they are, but never reversing what follows them.
                    "label": search.strip_bidi_controls(label) if isinstance(label, str) else label,
                    "count": row["count"],
                    "toggle_url": self.ds.absolute_url(self.request, self.ds.urls.path(toggle)),
                    "selected": selected,
                }
            )
        return {
            "name": column,
            # As Datasette's own facets would say: the table page shows "tags (array)".
            "type": "array" if column in TAXONOMIES else "column",
            "hideable": source != "metadata",
            "toggle_url": self.ds.urls.path(path_with_removed_args(self.request, {f"_facet_{self.type}": column})),
            "results": values,
            "truncated": len(rows) > facet_size,
        }


# --- the search page --------------------------------------------------------------------------------


async def search_posts(datasette: Any, database: str, query: str, limit: int, offset: int = 0) -> dict:
    """Posts of one database matching `query`, best first, with a highlighted snippet each, and the total."""
    db = datasette.get_database(database)
    match = f"{search.SEARCH_TABLE} MATCH archiver_fts_query(:q)"
    total = (await db.execute(f"SELECT count(*) FROM {search.SEARCH_TABLE} WHERE {match}", {"q": query})).first()[0]
    rows = await db.execute(
        f"""SELECT p.id, p.title, p.url, p.published, p.author, p.tags, s.title AS site_title, s.url AS site_url,
                   p.site_id, archiver_snippet(coalesce(p.content_text, p.excerpt, ''), :q) AS snippet,
                   {search.rank_sql()} AS rank
            FROM {search.SEARCH_TABLE} JOIN posts p ON p.id = {search.SEARCH_TABLE}.rowid
            LEFT JOIN sites s ON s.id = p.site_id
            WHERE {match} ORDER BY rank LIMIT :limit OFFSET :offset""",
        {"q": query, "limit": limit, "offset": offset},
    )
    results = []
    for row in rows:
        item = dict(row)
        item["title_html"] = search.snippet(search.strip_bidi_controls(item["title"]), query, width=400)
        item["site_label"] = site_label(item.pop("site_title"), item.pop("site_url") or "")
        item["tags"] = _json_list(item["tags"])
        item["database"] = database
        item["post_path"] = datasette.urls.row(database, POSTS_TABLE, str(item["id"]))
        results.append(item)
    return {"database": database, "total": total, "results": results}


async def search_labels(datasette: Any, database: str, query: str, limit: int = 20) -> dict[str, list[dict]]:
    """Sites, tags and categories whose name contains the query (small tables: a substring match is enough)."""
    db = datasette.get_database(database)
    pattern = "%" + query.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    found: dict[str, list[dict]] = {}
    table_url = datasette.urls.table(database, POSTS_TABLE)
    for table, column, sql in (
        ("sites", "site_id", "SELECT id, coalesce(title, url) AS name FROM sites "
         "WHERE title LIKE :p ESCAPE '\\' OR url LIKE :p ESCAPE '\\' ORDER BY name LIMIT :limit"),
        ("tags", "tags", "SELECT id, name FROM tags WHERE name LIKE :p ESCAPE '\\' ORDER BY name LIMIT :limit"),
        ("categories", "categories",
         "SELECT id, name FROM categories WHERE name LIKE :p ESCAPE '\\' ORDER BY name LIMIT :limit"),
    ):
        if not await db.table_exists(table):
            continue
        rows = (await db.execute(sql, {"p": pattern, "limit": limit})).rows
        links = []
        for row in rows:
            argument = {"site_id": row["id"]} if table == "sites" else {f"{column}__arraycontains": row["name"]}
            links.append({"name": row["name"], "posts_path": f"{table_url}?{urlencode(argument)}"})
        if links:
            found[table] = links
    return found


async def search_view(datasette: Any, request: Any) -> Response:
    """/-/search?q=: posts of every archive ranked by relevance with snippets, plus matching sites and tags."""
    query = (request.args.get("q") or "").strip()
    try:
        page = max(1, int(request.args.get("page") or 1))
    except ValueError:
        page = 1
    sections = []
    if query:
        for database in await _archive_databases(datasette):
            found = await search_posts(datasette, database, query, RESULTS_PER_PAGE, (page - 1) * RESULTS_PER_PAGE)
            found["labels"] = await search_labels(datasette, database, query)
            sections.append(found)
    if request.url_vars.get("format") == ".json":
        return Response.json({"q": query, "page": page, "databases": sections})
    has_more = any(section["total"] > page * RESULTS_PER_PAGE for section in sections)
    return Response.html(
        await datasette.render_template(
            "archiver_search.html",
            {
                "q": query,
                "page": page,
                "sections": sections,
                "next_url": f"?{urlencode({'q': query, 'page': page + 1})}" if has_more else None,
                "mark": lambda fragment: Markup(fragment),  # snippets are escaped by search.snippet
                "isolate": isolate,
            },
            request=request,
        )
    )


# --- live Atom feeds ---------------------------------------------------------------------------------------

ATOM_NS = "http://www.w3.org/2005/Atom"
_TIMESTAMP = re.compile(r"^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2})(:\d{2})?(?:\.\d+)?\s*(Z|[+-]\d{2}:?\d{2})?)?$",
                        re.IGNORECASE)


def atom_time(value: str | None) -> str | None:
    """An archive timestamp as an RFC 3339 date-time (bare days at midnight, naive times as UTC)."""
    match = _TIMESTAMP.match(value.strip()) if value else None
    if not match:
        return None
    day, hours_minutes, seconds, offset = match.groups()
    offset = (offset or "Z").upper()
    if len(offset) == 5:
        offset = f"{offset[:3]}:{offset[3:]}"
    return f"{day}T{hours_minutes or '00:00'}{seconds or ':00'}{offset}"


def feed_path(datasette: Any, database: str, kind: str, key: str) -> str:
    """Where the live Atom feed of one blog (kind 'site', key its id) or one tag (kind 'tag') is."""
    return datasette.urls.path(f"/-/feeds/{quote(database, safe='')}/{kind}/{quote(key, safe='')}.atom")


_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _xml(text: Any) -> str:
    return _XML_INVALID.sub("", "" if text is None else str(text))


def _sub(parent: ElementTree.Element, tag: str, text: Any = None, **attributes: str) -> ElementTree.Element:
    element = ElementTree.SubElement(parent, f"{{{ATOM_NS}}}{tag}", {k: _xml(v) for k, v in attributes.items()})
    if text is not None:
        element.text = _xml(text)
    return element


async def feed_view(datasette: Any, request: Any) -> Response:
    """/-/feeds/DB/site/ID.atom and /-/feeds/DB/tag/NAME.atom: the archived posts, newest first, as Atom,
    paged (RFC 5005: rel="next" to older pages) so the whole history is there for a reader that follows it."""
    database = request.url_vars["database"]
    kind, key = request.url_vars["kind"], unquote(request.url_vars["key"])
    if not await _is_archive(datasette, database):
        raise NotFound(f"no archive named {database}")
    db = datasette.get_database(database)
    try:
        page = max(1, int(request.args.get("page") or 1))
    except ValueError:
        page = 1
    if kind == "site":
        site = (await db.execute("SELECT id, url, title FROM sites WHERE id = :id", {"id": key})).first()
        if site is None:
            raise NotFound(f"no blog {key} in {database}")
        title, home = site_label(site["title"], site["url"]), site["url"]
        where, params = "p.site_id = :key", {"key": site["id"]}
    else:
        tag = (await db.execute("SELECT id, name FROM tags WHERE name = :name", {"name": key})).first()
        if tag is None:
            raise NotFound(f"no tag {key!r} in {database}")
        title = f"{search.strip_bidi_controls(tag['name'])} · archived posts"
        home = datasette.absolute_url(request, datasette.urls.table(database, POSTS_TABLE)
                                      + "?" + urlencode({"tags__arraycontains": tag["name"]}))
        where = "p.id IN (SELECT post_id FROM post_tags WHERE tag_id = :key)"
        params = {"key": tag["id"]}
    total = (await db.execute(f"SELECT count(*) FROM posts p WHERE {where}", params)).first()[0]
    rows = (await db.execute(
        f"""SELECT p.id, p.url, p.title, p.excerpt, p.published, p.updated, p.first_seen, p.author, p.tags,
                   p.categories, p.content_html, coalesce(s.title, s.url) AS site_title
            FROM posts p LEFT JOIN sites s ON s.id = p.site_id WHERE {where}
            ORDER BY p.published IS NULL, p.published DESC, p.id DESC LIMIT :limit OFFSET :offset""",
        {**params, "limit": FEED_ENTRIES_PER_PAGE, "offset": (page - 1) * FEED_ENTRIES_PER_PAGE},
    )).rows
    pages = max(1, math.ceil(total / FEED_ENTRIES_PER_PAGE))
    self_url = datasette.absolute_url(request, request.path)
    ElementTree.register_namespace("", ATOM_NS)
    feed = ElementTree.Element(f"{{{ATOM_NS}}}feed")
    _sub(feed, "id", self_url)
    _sub(feed, "title", title)
    _sub(feed, "subtitle", f"Archived by blog-archiver: {total} posts")
    updated = max((atom_time(row["updated"]) or atom_time(row["published"]) or atom_time(row["first_seen"]) or ""
                   for row in rows), default="") or f"{date.today().isoformat()}T00:00:00Z"
    _sub(feed, "updated", updated)
    _sub(feed, "link", rel="alternate", type="text/html", href=home)
    _sub(feed, "link", rel="self", type="application/atom+xml",
         href=self_url + (f"?page={page}" if page > 1 else ""))
    _sub(feed, "link", rel="first", href=self_url)
    _sub(feed, "link", rel="last", href=f"{self_url}?page={pages}")
    if page > 1:
        _sub(feed, "link", rel="previous", href=self_url + (f"?page={page - 1}" if page > 2 else ""))
    if page < pages:
        _sub(feed, "link", rel="next", href=f"{self_url}?page={page + 1}")
    author = _sub(feed, "author")
    _sub(author, "name", title)
    _sub(feed, "generator", "blog-archiver")
    for row in rows:
        entry = _sub(feed, "entry")
        _sub(entry, "id", row["url"])
        _sub(entry, "title", search.strip_bidi_controls(row["title"]) or display_url(row["url"]), type="text")
        _sub(entry, "link", rel="alternate", type="text/html", href=row["url"])
        _sub(entry, "link", rel="related", type="text/html",
             href=datasette.absolute_url(request, datasette.urls.row(database, POSTS_TABLE, str(row["id"]))))
        published = atom_time(row["published"])
        if published:
            _sub(entry, "published", published)
        _sub(entry, "updated", atom_time(row["updated"]) or published or atom_time(row["first_seen"]) or updated)
        if row["author"]:
            _sub(_sub(entry, "author"), "name", row["author"])
        for name in [*_json_list(row["tags"]), *_json_list(row["categories"])]:
            _sub(entry, "category", term=name)
        if row["excerpt"]:
            _sub(entry, "summary", search.short_excerpt(row["excerpt"]), type="text")
        if row["content_html"]:
            # The same body as the post page: sanitized, images as placeholders unless archived here.
            _sub(entry, "content", await render_body(datasette, database, row["content_html"]), type="html")
    body = ElementTree.tostring(feed, encoding="unicode", xml_declaration=False)
    return Response('<?xml version="1.0" encoding="utf-8"?>\n' + body,
                    content_type="application/atom+xml; charset=utf-8")


# --- the dashboard ----------------------------------------------------------------------------------

CHART_WIDTH = 960  # the SVG's own coordinates; it scales to its container's width
CHART_PLOT_HEIGHT = 170
CHART_COLORS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#bcbd22")
CHART_MAX_SERIES = len(CHART_COLORS)  # more blogs than colours: the smallest are summed as "other blogs"
CHART_FONT = 12
CHART_CHAR_WIDTH = 7.5  # generous width of a digit at CHART_FONT px, to keep tick labels apart


def _months_between(first: str, last: str) -> list[str]:
    """Every month from `first` to `last` (YYYY-MM), both included."""
    year, month = int(first[:4]), int(first[5:7])
    end = (int(last[:4]), int(last[5:7]))
    months = []
    while (year, month) <= end:
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def _nice_step(peak: int, ticks: int = 4) -> int:
    """A step of 1, 2 or 5 times a power of ten giving about `ticks` gridlines up to `peak`."""
    raw = max(1.0, peak / ticks)
    power = 10 ** math.floor(math.log10(raw))
    return int(next(factor * power for factor in (1, 2, 5, 10) if factor * power >= raw))


# (months between labels, characters of a label): the first choice whose labels don't touch wins.
TICK_CHOICES = ((1, 7), (3, 7), (6, 7), (12, 4), (24, 4), (60, 4), (120, 4), (600, 4))


def _month_ticks(months: list[str], slot: float) -> list[tuple[int, str]]:
    """(index, label) of the months to label on the axis: as many as fit without touching, on round months
    (quarters, halves of years, Januaries of round years)."""
    for every, chars in TICK_CHOICES:
        if every * slot >= chars * CHART_CHAR_WIDTH + 10:
            break
    ticks = []
    for index, month in enumerate(months):
        year, number = int(month[:4]), int(month[5:7])
        if every < 12 and (number - 1) % every == 0:
            ticks.append((index, month))
        elif every >= 12 and number == 1 and year % (every // 12) == 0:
            ticks.append((index, month[:4]))
    return ticks


def posts_per_month_svg(rows: list[tuple[str, int, int]], labels: dict[int, str]) -> str:
    """A stacked bar chart (inline SVG, no JavaScript, no network) of (month, site id, posts) rows on a
    time axis: every month from the first to the last has its slot, months without posts included."""
    dated = [(month, site, count) for month, site, count in rows if month and re.match(r"\d{4}-\d{2}$", month)]
    if not dated:
        return "<p>No dated posts yet.</p>"
    totals_by_site: dict[int, int] = {}
    for _, site, count in dated:
        totals_by_site[site] = totals_by_site.get(site, 0) + count
    ranked = sorted(totals_by_site, key=lambda site: (-totals_by_site[site], site))
    shown = ranked if len(ranked) <= CHART_MAX_SERIES else ranked[: CHART_MAX_SERIES - 1]
    series = {site: index for index, site in enumerate(shown)}
    other = len(shown) if len(shown) < len(ranked) else None
    names = [labels.get(site, str(site)) for site in shown] + (["other blogs"] if other is not None else [])
    months = _months_between(min(month for month, _, _ in dated), max(month for month, _, _ in dated))
    position = {month: index for index, month in enumerate(months)}
    counts = [[0] * len(names) for _ in months]
    for month, site, count in dated:
        counts[position[month]][series.get(site, other if other is not None else 0)] += count
    peak = max(sum(column) for column in counts) or 1
    step = _nice_step(peak)
    top = step * math.ceil(peak / step)
    left, right, plot_top = 46, 12, 10
    plot_width = CHART_WIDTH - left - right
    axis_y = plot_top + CHART_PLOT_HEIGHT
    slot = plot_width / len(months)
    legend_y = axis_y + 44
    height = legend_y + 20 * math.ceil(len(names) / 4) + 4
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {CHART_WIDTH} {height}" width="100%" '
        f'preserveAspectRatio="xMinYMin meet" role="img" aria-label="Posts per month per blog" '
        f'class="archiver-chart" font-size="{CHART_FONT}" font-family="system-ui, sans-serif">'
    ]
    for value in range(0, top + 1, step):  # gridlines and y ticks
        y = axis_y - CHART_PLOT_HEIGHT * value / top
        parts.append(f'<line x1="{left}" y1="{y:.1f}" x2="{left + plot_width}" y2="{y:.1f}" '
                     f'stroke="{"#999" if value == 0 else "#e4e4e4"}"/>')
        parts.append(f'<text class="y-tick" x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">{value}</text>')
    for index, month in enumerate(months):
        x, y = left + index * slot, float(axis_y)
        parts.append(f'<g class="month" data-month="{month}">')
        for series_index, count in enumerate(counts[index]):
            if not count:
                continue
            bar = CHART_PLOT_HEIGHT * count / top
            y -= bar
            parts.append(
                f'<rect x="{x + slot * 0.1:.2f}" y="{y:.2f}" width="{max(slot * 0.8, 0.6):.2f}" height="{bar:.2f}" '
                f'fill="{CHART_COLORS[series_index % len(CHART_COLORS)]}">'
                f"<title>{html.escape(names[series_index])} · {month}: {count}</title></rect>"
            )
        parts.append("</g>")
    for index, label in _month_ticks(months, slot):
        x = left + (index + 0.5) * slot
        parts.append(f'<line x1="{x:.1f}" y1="{axis_y}" x2="{x:.1f}" y2="{axis_y + 4}" stroke="#999"/>')
        parts.append(f'<text class="x-tick" x="{x:.1f}" y="{axis_y + 18}" text-anchor="middle">{label}</text>')
    for index, name in enumerate(names):
        x, y = left + (index % 4) * (plot_width / 4), legend_y + 20 * (index // 4)
        shown_name = name if len(name) <= 34 else name[:33] + "…"
        parts.append(
            f'<g class="legend"><rect x="{x:.1f}" y="{y - 10}" width="11" height="11" '
            f'fill="{CHART_COLORS[index % len(CHART_COLORS)]}"/><text x="{x + 16:.1f}" y="{y}">'
            f"{html.escape(search.strip_bidi_controls(shown_name))}</text></g>"
        )
    parts.append("</svg>")
    return "".join(parts)


def distinct_site_labels(sites: list[tuple[int, str | None, str]]) -> dict[int, str]:
    """Each blog's name for a legend: its title, with its host when another blog has the same title."""
    plain = {site_id: site_label(title, url) for site_id, title, url in sites}
    seen: dict[str, int] = {}
    for label in plain.values():
        seen[label] = seen.get(label, 0) + 1
    return {
        site_id: f"{label} ({urlsplit(url).netloc or url})" if seen[label] > 1 else label
        for (site_id, _, url), label in zip(sites, plain.values(), strict=True)
    }


async def dashboard_view(datasette: Any, request: Any) -> Response:
    """/-/dashboard: latest posts across sites, posts per month per site, top tags, crawl history with errors."""
    panels = []
    for database in await _archive_databases(datasette):
        db = datasette.get_database(database)
        latest = (
            await db.execute(
                f"""SELECT p.id, p.title, p.published, coalesce(s.title, s.url) AS site_title FROM posts p
                    LEFT JOIN sites s ON s.id = p.site_id WHERE p.removed_at IS NULL
                    ORDER BY p.published DESC LIMIT {DASHBOARD_LATEST}"""
            )
        ).rows
        per_month = (
            await db.execute("SELECT month, site_id, count(*) FROM posts WHERE month IS NOT NULL GROUP BY 1, 2")
        ).rows
        sites = [(row[0], row[1], row[2]) for row in (await db.execute("SELECT id, title, url FROM sites")).rows]
        top_tags = (
            await db.execute(
                f"""SELECT t.name, count(*) AS posts FROM post_tags pt JOIN tags t ON t.id = pt.tag_id
                    GROUP BY t.id ORDER BY posts DESC, t.name LIMIT {DASHBOARD_TOP_TAGS}"""
            )
        ).rows
        crawls = (
            await db.execute(
                f"""SELECT id, started, finished, status, pages_fetched, posts_new, posts_updated, errors, message,
                           {CRAWL_SITES_SQL} AS sites
                    FROM crawls c ORDER BY id DESC LIMIT {DASHBOARD_CRAWLS}"""
            )
        ).rows
        table_url = datasette.urls.table(database, POSTS_TABLE)
        chart = posts_per_month_svg([(row[0], row[1], row[2]) for row in per_month], distinct_site_labels(sites))
        panels.append(
            {
                "database": database,
                "latest": [
                    dict(row, path=datasette.urls.row(database, POSTS_TABLE, str(row["id"]))) for row in latest
                ],
                "chart": Markup(chart),
                "top_tags": [
                    {"name": row["name"], "posts": row["posts"],
                     "path": f"{table_url}?{urlencode({'tags__arraycontains': row['name']})}"}
                    for row in top_tags
                ],
                "crawls": [dict(row) for row in crawls],
                "errors_path": datasette.urls.table(database, "crawl_errors"),
                "queries_path": datasette.urls.database(database),
            }
        )
    return Response.html(
        await datasette.render_template(
            "archiver_dashboard.html", {"panels": panels, "isolate": isolate, "short_time": short_time},
            request=request,
        )
    )


# The blogs a crawl covered: those it fetched pages of, else (a crawl that fetched nothing) its start URLs.
CRAWL_SITES_SQL = (
    "coalesce((SELECT group_concat(name, ', ') FROM (SELECT DISTINCT coalesce(s.title, s.url) AS name "
    "FROM pages pg JOIN sites s ON s.id = pg.site_id WHERE pg.crawl_id = c.id)), "
    "(SELECT group_concat(value, ', ') FROM json_each(CASE WHEN json_valid(c.start_urls) THEN c.start_urls "
    "ELSE '[]' END)))"
)
