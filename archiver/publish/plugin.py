"""The Datasette plugin of blog-archiver: CJK-aware search, the post page, the search page and the dashboard.

Loaded by `archiver serve` (through plugins/archiver_datasette.py) and by make_datasette. It needs only
Datasette, nh3 and archiver.store.search (stdlib only), so `archiver publish` can ship it with a copy of that
module into deployments where blog-archiver is not installed.
"""

from __future__ import annotations

import html
import importlib.util
import json
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import urlencode

import nh3
from datasette import hookimpl
from datasette.filters import FilterArguments
from datasette.utils.asgi import Response
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
SEARCH_PARAMETER = "archiver_search"
RESULTS_PER_PAGE = 20
DASHBOARD_LATEST = 15
DASHBOARD_TOP_TAGS = 30
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


def _json_list(value: Any) -> list[str]:
    try:
        names = json.loads(value or "[]")
    except ValueError:
        return []
    return [str(name) for name in names] if isinstance(names, list) else []


async def _has_search(datasette: Any, database: str) -> bool:
    db = datasette.get_database(database)
    return await db.table_exists(search.SEARCH_TABLE) and await db.table_exists(POSTS_TABLE)


async def _archive_databases(datasette: Any) -> list[str]:
    return [name for name in datasette.databases if name != "_internal" and await _has_search(datasette, name)]


# --- hooks ----------------------------------------------------------------------------------------------


@hookimpl
def prepare_connection(conn: Any) -> None:
    search.register_functions(conn)


@hookimpl(trylast=True)
def filters_from_request(request: Any, database: str, table: str, datasette: Any) -> Any:
    """?_search= on posts goes through the CJK-aware index; trylast so our supports_search wins."""
    if table != POSTS_TABLE:
        return None

    async def inner() -> FilterArguments | None:
        if not await _has_search(datasette, database):
            return None
        query = (request.args.get("_search") or "").strip()
        if not query:
            return FilterArguments([], extra_context={"supports_search": True})
        return FilterArguments(
            [search.match_sql("id", f":{SEARCH_PARAMETER}")],
            params={SEARCH_PARAMETER: query},
            human_descriptions=[f'search matches "{query}"'],
            extra_context={"supports_search": True, "search": query},
        )

    return inner


@hookimpl
def extra_template_vars(template: str, database: str, table: str, view_name: str, request: Any, datasette: Any):
    """The post page: the post, its site and its sanitized body for row.html."""
    if view_name != "row" or table != POSTS_TABLE or request is None:
        return {}

    async def inner() -> dict[str, Any]:
        pks = request.url_vars.get("pks", "")
        db = datasette.get_database(database)
        if not await db.table_exists("sites"):
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
            "archiver_body": Markup(sanitize_body(post.get("content_html"))),
            "archiver_tags": [(name, f"{table_url}?{urlencode({'tags__arraycontains': name})}")
                              for name in _json_list(post.get("tags"))],
            "archiver_categories": [
                (name, f"{table_url}?{urlencode({'categories__arraycontains': name})}")
                for name in _json_list(post.get("categories"))
            ],
            "archiver_site_link": f"{table_url}?{urlencode({'site_id': post.get('site_id')})}",
            "archiver_author_link": f"{table_url}?{urlencode({'author': post.get('author') or ''})}",
        }

    return inner


@hookimpl
def register_routes() -> list[tuple[str, Any]]:
    return [
        (r"^/-/search(?P<format>\.json)?$", search_view),
        (r"^/-/dashboard$", dashboard_view),
    ]


@hookimpl
def menu_links(datasette: Any) -> list[dict[str, str]]:
    return [
        {"href": datasette.urls.path("/-/search"), "label": "Search posts"},
        {"href": datasette.urls.path("/-/dashboard"), "label": "Dashboard"},
    ]


# --- the search page --------------------------------------------------------------------------------


async def search_posts(datasette: Any, database: str, query: str, limit: int, offset: int = 0) -> dict:
    """Posts of one database matching `query`, best first, with a highlighted snippet each, and the total."""
    db = datasette.get_database(database)
    match = f"{search.SEARCH_TABLE} MATCH archiver_fts_query(:q)"
    total = (await db.execute(f"SELECT count(*) FROM {search.SEARCH_TABLE} WHERE {match}", {"q": query})).first()[0]
    rows = await db.execute(
        f"""SELECT p.id, p.title, p.url, p.published, p.author, p.tags, s.title AS site_title, p.site_id,
                   archiver_snippet(coalesce(p.content_text, p.excerpt, ''), :q) AS snippet,
                   {search.rank_sql()} AS rank
            FROM {search.SEARCH_TABLE} JOIN posts p ON p.id = {search.SEARCH_TABLE}.rowid
            LEFT JOIN sites s ON s.id = p.site_id
            WHERE {match} ORDER BY rank LIMIT :limit OFFSET :offset""",
        {"q": query, "limit": limit, "offset": offset},
    )
    results = []
    for row in rows:
        item = dict(row)
        item["title_html"] = search.snippet(item["title"] or "", query, width=400)
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
            },
            request=request,
        )
    )


# --- the dashboard ----------------------------------------------------------------------------------

CHART_WIDTH = 760
CHART_HEIGHT = 220
CHART_COLORS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#17becf")


def posts_per_month_svg(rows: list[tuple[str, str, int]]) -> str:
    """A stacked bar chart (inline SVG, no JavaScript, no network) of (month, site, posts) rows."""
    months = sorted({month for month, _, _ in rows})
    sites = sorted({site for _, site, _ in rows})
    if not months:
        return "<p>No dated posts yet.</p>"
    counts = {(month, site): count for month, site, count in rows}
    totals = {month: sum(counts.get((month, site), 0) for site in sites) for month in months}
    peak = max(totals.values()) or 1
    left, bottom = 40, 30
    plot_width, plot_height = CHART_WIDTH - left - 10, CHART_HEIGHT - bottom - 10
    bar = plot_width / len(months)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{CHART_WIDTH}" height="{CHART_HEIGHT + 20 * len(sites)}" '
        f'role="img" aria-label="Posts per month per site" class="archiver-chart">',
        f'<text x="4" y="16" font-size="11">{peak}</text>',
        f'<line x1="{left}" y1="{10 + plot_height}" x2="{left + plot_width}" y2="{10 + plot_height}" stroke="#999"/>',
    ]
    label_every = max(1, len(months) // 12)
    for index, month in enumerate(months):
        x = left + index * bar
        y = 10 + plot_height
        for site_index, site in enumerate(sites):
            count = counts.get((month, site), 0)
            if not count:
                continue
            height = plot_height * count / peak
            y -= height
            parts.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{max(bar - 1, 1):.1f}" height="{height:.1f}" '
                f'fill="{CHART_COLORS[site_index % len(CHART_COLORS)]}">'
                f"<title>{html.escape(site)} {month}: {count}</title></rect>"
            )
        if index % label_every == 0:
            parts.append(f'<text x="{x:.1f}" y="{CHART_HEIGHT - 8}" font-size="10">{month}</text>')
    for site_index, site in enumerate(sites):
        y = CHART_HEIGHT + 20 * site_index + 10
        parts.append(
            f'<rect x="{left}" y="{y - 9}" width="10" height="10" fill="{CHART_COLORS[site_index % len(CHART_COLORS)]}"/>'
            f'<text x="{left + 16}" y="{y}" font-size="11">{html.escape(site)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


async def dashboard_view(datasette: Any, request: Any) -> Response:
    """/-/dashboard: latest posts across sites, posts per month per site, top tags, crawl history with errors."""
    panels = []
    for database in await _archive_databases(datasette):
        db = datasette.get_database(database)
        latest = (
            await db.execute(
                f"""SELECT p.id, p.title, p.published, s.title AS site_title FROM posts p
                    LEFT JOIN sites s ON s.id = p.site_id WHERE p.removed_at IS NULL
                    ORDER BY p.published DESC LIMIT {DASHBOARD_LATEST}"""
            )
        ).rows
        per_month = (
            await db.execute(
                """SELECT p.month, coalesce(s.title, s.url, p.site_id), count(*) FROM posts p
                   LEFT JOIN sites s ON s.id = p.site_id WHERE p.month IS NOT NULL GROUP BY 1, 2"""
            )
        ).rows
        top_tags = (
            await db.execute(
                f"""SELECT t.name, count(*) AS posts FROM post_tags pt JOIN tags t ON t.id = pt.tag_id
                    GROUP BY t.id ORDER BY posts DESC, t.name LIMIT {DASHBOARD_TOP_TAGS}"""
            )
        ).rows
        crawls = (
            await db.execute(
                """SELECT id, started, finished, status, pages_fetched, posts_new, posts_updated, errors, message
                   FROM crawls ORDER BY id DESC LIMIT 10"""
            )
        ).rows
        table_url = datasette.urls.table(database, POSTS_TABLE)
        panels.append(
            {
                "database": database,
                "latest": [
                    dict(row, path=datasette.urls.row(database, POSTS_TABLE, str(row["id"]))) for row in latest
                ],
                "chart": Markup(posts_per_month_svg([(row[0], str(row[1]), row[2]) for row in per_month])),
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
        await datasette.render_template("archiver_dashboard.html", {"panels": panels}, request=request)
    )

