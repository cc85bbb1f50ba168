"""The Datasette plugin of blog-archiver: CJK-aware search, the post page, the search page and the dashboard.

Loaded by `archiver serve` (through plugins/archiver_datasette.py) and by make_datasette. It needs only
Datasette, nh3 and archiver.store.search (stdlib only), so `archiver publish` can ship it with a copy of that
module into deployments where blog-archiver is not installed.
"""

from __future__ import annotations

import html
import importlib.util
import json
import re
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import quote, urlencode

import nh3
from datasette import hookimpl
from datasette.database import QueryInterrupted
from datasette.facets import Facet
from datasette.filters import FilterArguments
from datasette.utils import escape_sqlite, path_with_added_args, path_with_removed_args
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
READ_MMAP_BYTES = 2**31
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
# The posts' JSON list columns and the tables that mirror them: (link table, its name-id column, name table).
# Facets count through these, which stays fast on any result set.
TAXONOMIES: dict[str, tuple[str, str, str]] = {
    "tags": ("post_tags", "tag_id", "tags"),
    "categories": ("post_categories", "category_id", "categories"),
}


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
    # Searches and facets look up thousands of scattered post rows; reading them through a memory map
    # instead of a read() per page halves that time. SQLite caps it at its compiled maximum (2 GB).
    conn.execute(f"PRAGMA mmap_size = {READ_MMAP_BYTES}")


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
            where, params = await _taxonomy_narrowing(request, datasette.get_database(database))
            return FilterArguments(where, params=params, extra_context={"supports_search": True})
        # A search narrows by itself: a second IN (...) could make SQLite walk a common tag's posts instead.
        return FilterArguments(
            [search.match_sql("id", f":{SEARCH_PARAMETER}")],
            params={SEARCH_PARAMETER: query},
            human_descriptions=[f'search matches "{query}"'],
            extra_context={"supports_search": True, "search": query},
        )

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


# Datasette lists every column description above a table; on posts that pushed the rows below the first screen.
COMPACT_DESCRIPTIONS_CSS = (
    "dl.column-descriptions{max-height:7.5em;overflow:auto;font-size:.85em;border:1px solid #ddd;"
    "padding:.2em .6em;margin:.5em 0}dl.column-descriptions dd{margin-left:1.5em}"
)


@hookimpl
def extra_css_urls() -> list[str]:
    """A few lines of CSS, inline so a published copy needs no static files."""
    return ["data:text/css," + quote(COMPACT_DESCRIPTIONS_CSS)]


@hookimpl
def register_facet_classes() -> list[type[Facet]]:
    return [ArchiveFacet]


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


# --- facets ---------------------------------------------------------------------------------------


# The SQL Datasette hands facets for the posts table without any filter: `select <columns> from posts `.
UNFILTERED = re.compile(rf"\s*select\s[^;]*?\sfrom\s+\[?{POSTS_TABLE}\]?\s*$", re.IGNORECASE)


class ArchiveFacet(Facet):
    """The posts table's facets (metadata `{"archive": "year"}`, request `?_facet_archive=year`).

    Plain columns are counted as Datasette's column facet counts them. The JSON list columns (tags, categories)
    are counted through the link tables that mirror them: Datasette's array facet deduplicates `json_each` rows
    joined with every column of every matching post, bodies included, which on a large archive always hit the
    time limit. With any filter or search, all facets come from one statement that looks the matching posts up
    once, instead of one full-text query and one pass over the matches per facet; on the whole table, each
    facet counts its own index.
    """

    type = "archive"

    async def suggest(self) -> list[dict[str, Any]]:
        return []

    def _column_sql(self, column: str, limit: int, source: str) -> str:
        quoted = escape_sqlite(column)
        return (
            f"SELECT {quoted} AS value, count(*) AS count FROM ({source}) WHERE {quoted} IS NOT NULL "
            f"GROUP BY {quoted} ORDER BY count DESC, value LIMIT {limit}"
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
        """Value counts of `column` over the posts `source` (default: self.sql) selects, most frequent first."""
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
            values.append(
                {
                    "value": value,
                    "label": labels.get(value, value),
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

