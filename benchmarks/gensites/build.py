"""Build blogs with real generators and published themes into a blogbench corpus, gold known by construction.

    python -m benchmarks.gensites.build --tools /tmp/gensites-tools --out tests/sites/generated [--sites id,...]

The posts come from `posts.py` (written here); the generators and themes come only from package registries (npm,
PyPI) and are installed under --tools at the pinned versions below. Each site is written as a blogbench site folder:
`www/` (only what a crawler reads: HTML, feeds, sitemaps, robots.txt; stylesheets, scripts, fonts and images are
dropped, their tags stay in the HTML) and `site.json` with the gold. The gold's URLs, titles and dates follow from
the posts and the generator's settings; where a post sits on which listing page, and the excerpt text the theme
shows, are read from the built pages with the selectors of the site's spec and checked against the posts (a lead or
summary that does not start the shown excerpt stops the build). See README.md.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unicodedata
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import lxml.html

from benchmarks.gensites.posts import Post, newest

NPM_HEXO = {
    "hexo": "8.1.2", "hexo-generator-index": "4.0.0", "hexo-generator-archive": "2.0.0",
    "hexo-generator-category": "2.0.0", "hexo-generator-tag": "2.0.0", "hexo-generator-feed": "3.0.0",
    "hexo-generator-sitemap": "3.0.1", "hexo-renderer-marked": "7.0.1", "hexo-renderer-ejs": "2.0.0",
    "hexo-renderer-stylus": "3.0.1", "hexo-renderer-pug": "3.0.0",
    "hexo-theme-landscape": "1.1.0", "hexo-theme-stellar": "1.44.0", "hexo-theme-async": "2.2.7",
    "hexo-theme-reimu": "1.12.6", "hexo-theme-yun": "1.10.11", "hexo-theme-kratos-rebirth": "3.0.1",
    "hexo-theme-solitude": "4.0.0", "hexo-theme-next": "8.29.0",
}
NPM_ELEVENTY = {
    "@11ty/eleventy": "0.11.1", "@11ty/eleventy-navigation": "0.1.6", "@11ty/eleventy-plugin-rss": "1.0.9",
    "@11ty/eleventy-plugin-syntaxhighlight": "3.0.1", "luxon": "1.21.3", "markdown-it": "8.4.2",
    "markdown-it-anchor": "5.2.5",
}
ELEVENTY_THEME = "eleventy-base-blog@5.0.2"  # a starter published on npm (templates only: `npm pack`)
PYPI = ("pelican==4.12.0", "markdown==3.10", "pelican-theme-reflex==4.0.1", "pelican-theme-smallweb==2022.6.28",
        "mkdocs==1.6.1", "mkdocs-material==9.7.7")

UTF8 = lxml.html.HTMLParser(encoding="utf-8")
BLOCK_TAGS = ("address", "article", "aside", "blockquote", "br", "dd", "div", "dl", "dt", "figcaption", "figure",
              "footer", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li", "main", "nav", "ol", "p", "pre",
              "section", "table", "td", "th", "tr", "ul")
KEEP_SUFFIXES = {".html", ".htm", ".xml", ".rss", ".atom", ".xsl", ".txt"}
MAX_KEPT_BYTES = 400_000  # search indexes and similar bulk data are not what a crawler reads


@dataclass
class Listing:
    """A group of listing pages and how the theme marks an entry and its excerpt there (the labeler's selectors)."""

    pages: list[str]
    entry: str
    excerpt: str | None = None  # CSS inside the entry; None: the theme shows no excerpt there
    drop: str | None = None  # CSS inside the excerpt that is not excerpt text (read-more links, meta lines)


@dataclass
class Site:
    """One generated blog: engine, theme, layout and the labeler's knowledge of the theme."""

    id: str
    engine: str
    theme: str
    layout: str  # "list" | "about-home" (home is an about page) | "newest-home" (home shows a few newest posts)
    count: int
    per_page: int
    tz: str  # IANA zone the site shows dates in
    lang: str
    content_selector: str
    listing: Callable[[Path], list[Listing]]  # from the built www/ to the listing groups
    skip: int = 0  # start the site's posts this many posts into the pool
    escapes_titles: bool = True  # False: the theme prints titles unescaped, posts with "<" in the title are left out
    options: dict = field(default_factory=dict)
    notes: str = ""

    @property
    def origin(self) -> str:
        return f"https://{self.id}.blog.example"


# ---- the generators ------------------------------------------------------------------------------------------


def run(cmd: list[str], cwd: Path, env: dict | None = None) -> None:
    """Run a build step; its output is shown only when it fails."""
    result = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, env={**os.environ, **(env or {})},
                            check=False)
    if result.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed in {cwd}:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")


def ensure_tools(tools: Path) -> None:
    """Install the pinned generators and themes under `tools` (npm and PyPI only), once."""
    hexo = tools / "hexo"
    if not (hexo / "node_modules" / "hexo").is_dir():
        hexo.mkdir(parents=True, exist_ok=True)
        (hexo / "package.json").write_text(json.dumps({"name": "gensites-hexo", "private": True}), "utf-8")
        run(["npm", "install", "--no-audit", "--no-fund", *[f"{k}@{v}" for k, v in NPM_HEXO.items()]], hexo)
    eleventy = tools / "eleventy"
    if not (eleventy / "node_modules" / "@11ty" / "eleventy").is_dir():
        eleventy.mkdir(parents=True, exist_ok=True)
        (eleventy / "package.json").write_text(json.dumps({"name": "gensites-eleventy", "private": True}), "utf-8")
        run(["npm", "install", "--no-audit", "--no-fund", *[f"{k}@{v}" for k, v in NPM_ELEVENTY.items()]], eleventy)
    if not (eleventy / "package" / ".eleventy.js").is_file():
        run(["npm", "pack", ELEVENTY_THEME], eleventy)
        run(["tar", "xzf", next(eleventy.glob("eleventy-base-blog-*.tgz")).name], eleventy)
    py = tools / "py"
    if not (py / "bin" / "pelican").exists():
        run([sys.executable, "-m", "venv", str(py)], tools)
        run([str(py / "bin" / "pip"), "install", "--quiet", *PYPI], tools)


def yaml_str(text: str) -> str:
    """A YAML double-quoted scalar (JSON strings are valid YAML)."""
    return json.dumps(text, ensure_ascii=False)


def body_markdown(post: Post, marker: str = "<!-- more -->") -> str:
    """Lead, the excerpt marker if the author used one, then the rest."""
    blocks = [post.lead] + ([marker] if post.more else []) + list(post.body)
    return "\n\n".join(blocks) + "\n"


ABOUT_EN = ("I am Lin Wei, and this is where I keep notes on software, data and the occasional recipe. "
            "Everything I write is in the blog; the archive lists it by year.")


def build_hexo(site: Site, posts: list[Post], work: Path, tools: Path) -> tuple[Path, dict[str, str]]:
    """A Hexo site with the theme from npm; returns the output folder and slug -> URL path."""
    modules = tools / "hexo" / "node_modules"
    (work / "node_modules").symlink_to(modules)
    deps = {k: v for k, v in NPM_HEXO.items() if not k.startswith("hexo-theme-")}
    deps[f"hexo-theme-{site.theme}"] = NPM_HEXO[f"hexo-theme-{site.theme}"]
    (work / "package.json").write_text(json.dumps({"name": "blog", "private": True, "hexo": {"version": "8.1.2"},
                                                   "dependencies": deps}), "utf-8")
    index_path = "blog" if site.layout != "list" else ""
    config = f"""title: {yaml_str(site.options.get("title", "Lin's Notebook"))}
subtitle: {yaml_str(site.options.get("subtitle", "notes on software, data and food"))}
author: Lin Wei
language: {site.options.get("hexo_language", "en")}
timezone: {site.tz}
url: {site.origin}
permalink: {site.options.get("permalink", ":year/:month/:day/:title/")}
updated_option: date
theme: {site.theme}
per_page: {site.per_page}
pagination_dir: page
index_generator:
  path: '{index_path}'
  per_page: {site.per_page}
  order_by: -date
archive_generator:
  per_page: {site.options.get("archive_per_page", 0)}
  yearly: true
  monthly: false
feed:
  type: atom
  path: atom.xml
  limit: 20
sitemap:
  path: sitemap.xml
"""
    (work / "_config.yml").write_text(config, "utf-8")
    if site.options.get("theme_config"):
        (work / f"_config.{site.theme}.yml").write_text(site.options["theme_config"], "utf-8")
    source = work / "source" / "_posts"
    source.mkdir(parents=True)
    urls = {}
    for post in posts:
        # Hexo's documented front-matter date: wall time in the site's timezone.
        local = post.date.astimezone(ZoneInfo(site.tz))
        front = [f"title: {yaml_str(post.title)}", f"date: {local:%Y-%m-%d %H:%M:%S}",
                 f"author: {yaml_str(post.author)}", f"tags: {json.dumps(list(post.tags), ensure_ascii=False)}"]
        if post.category:
            front.append(f"categories: [{yaml_str(post.category)}]")
        if post.updated:
            front.append(f"updated: {post.updated.astimezone(ZoneInfo(site.tz)):%Y-%m-%d %H:%M:%S}")
        if post.summary:
            front.append(f"description: {yaml_str(post.summary)}")
        (source / f"{post.slug}.md").write_text("---\n" + "\n".join(front) + "\n---\n" + body_markdown(post), "utf-8")
        # Hexo fills the permalink's date from the build machine's clock zone (run with TZ=UTC), not from the
        # site's timezone: a post shown on 1 March may live under /2024/02/29/.
        stamp = post.date.astimezone(ZoneInfo("UTC"))
        urls[post.slug] = site.options.get("permalink", ":year/:month/:day/:title/").replace(
            ":year", f"{stamp:%Y}").replace(":month", f"{stamp:%m}").replace(":day", f"{stamp:%d}").replace(
            ":title", post.slug)
        urls[post.slug] = "/" + urls[post.slug]
    about = f"---\ntitle: About\ndate: 2022-01-01 00:00:00\n---\n{ABOUT_EN}\n\n[Read the blog](/blog/) or browse the [archive](/archives/).\n"
    (work / "source" / "about").mkdir()
    (work / "source" / "about" / "index.md").write_text(about, "utf-8")
    if site.layout == "about-home":
        (work / "source" / "index.md").write_text(about.replace("title: About", "title: Hello"), "utf-8")
    if site.layout == "newest-home":
        # The site's own script (as owners write them): the theme's index layout with the 4 newest posts, no pager.
        (work / "scripts").mkdir()
        (work / "scripts" / "home.js").write_text("""
hexo.extend.generator.register('newest_home', function (locals) {
  const posts = locals.posts.sort('-date').limit(4);
  return {path: 'index.html', layout: ['index'],
          data: {__index: true, base: '', total: 1, current: 1, current_url: '', posts: posts, prev: 0,
                 prev_link: '', next: 0, next_link: ''}};
});
""", "utf-8")
    run(["node", str(modules / "hexo" / "bin" / "hexo"), "generate"], work, env={"TZ": "UTC"})
    return work / "public", urls


def build_pelican(site: Site, posts: list[Post], work: Path, tools: Path) -> tuple[Path, dict[str, str]]:
    """A Pelican site with a theme from PyPI (or Pelican's own); returns the output folder and slug -> URL path."""
    content = work / "content"
    (content / "pages").mkdir(parents=True)
    urls = {}
    article_url = site.options.get("article_url", "{date:%Y}/{date:%m}/{slug}.html")
    for post in posts:
        meta = [f"Title: {post.title}", f"Date: {post.date.isoformat()}", f"Author: {post.author}",
                f"Slug: {post.slug}", f"Tags: {', '.join(post.tags)}"]
        if post.category:
            meta.append(f"Category: {post.category}")
        if post.updated:
            meta.append(f"Modified: {post.updated.isoformat()}")
        if post.summary:
            meta.append(f"Summary: {post.summary}")
        (content / f"{post.slug}.md").write_text("\n".join(meta) + "\n\n" + body_markdown(post, "<!-- PELICAN_END_SUMMARY -->"), "utf-8")
        urls[post.slug] = "/" + article_url.format(date=post.date, slug=post.slug)
    about_meta = "Title: About\nSlug: about\n"
    if site.layout == "about-home":
        about_meta += "URL: \nsave_as: index.html\n"
    (content / "pages" / "about.md").write_text(about_meta + f"\n{ABOUT_EN}\n\n[Read the blog](/blog/).\n", "utf-8")
    settings = {
        "AUTHOR": "Lin Wei", "SITENAME": site.options.get("title", "Lin's Notebook"), "SITEURL": site.origin,
        "TIMEZONE": site.tz, "DEFAULT_LANG": site.lang, "DEFAULT_PAGINATION": site.per_page,
        "ARTICLE_URL": article_url, "ARTICLE_SAVE_AS": article_url + ("index.html" if article_url.endswith("/") else ""),
        "FEED_ALL_ATOM": "feeds/all.atom.xml", "CATEGORY_FEED_ATOM": None, "TRANSLATION_FEED_ATOM": None,
        "AUTHOR_FEED_ATOM": None, "AUTHOR_FEED_RSS": None, "RELATIVE_URLS": False, "SUMMARY_MAX_LENGTH": 50,
        "THEME": site.theme, "DEFAULT_DATE_FORMAT": site.options.get("date_format", "%a %d %B %Y"),
        "MENUITEMS": [["Blog", "/blog/"]] if site.layout == "about-home" else [],
        "DISPLAY_PAGES_ON_MENU": True, "DELETE_OUTPUT_DIRECTORY": True, "TYPOGRIFY": False,
    }
    if site.layout == "about-home":
        settings.update({"INDEX_SAVE_AS": "blog/index.html", "INDEX_URL": "blog/"})
    settings.update(site.options.get("settings", {}))
    lines = [f"{key} = {value!r}" for key, value in settings.items()]
    if site.options.get("pagination_patterns"):
        lines.append("PAGINATION_PATTERNS = " + site.options["pagination_patterns"])
    (work / "pelicanconf.py").write_text("\n".join(lines) + "\n", "utf-8")
    run([str(tools / "py" / "bin" / "pelican"), "content", "-o", "output", "-s", "pelicanconf.py"], work)
    return work / "output", urls


def build_mkdocs(site: Site, posts: list[Post], work: Path, tools: Path) -> tuple[Path, dict[str, str]]:
    """An MkDocs Material site with its blog plugin (home is an about page, the blog under /blog/)."""
    docs = work / "docs"
    (docs / "blog" / "posts").mkdir(parents=True)
    (docs / "index.md").write_text(f"# Hello\n\n{ABOUT_EN}\n\n[Read the blog](blog/index.md).\n", "utf-8")
    (docs / "blog" / "index.md").write_text("# Blog\n", "utf-8")
    authors = {f"a{i}": {"name": name, "description": "Writer", "avatar": "https://www.example.org/a.png"}
               for i, name in enumerate(sorted({p.author for p in posts}))}
    by_name = {v["name"]: k for k, v in authors.items()}
    (docs / "blog" / ".authors.yml").write_text("authors:\n" + "".join(
        f"  {k}:\n    name: {yaml_str(v['name'])}\n    description: Writer\n    avatar: {v['avatar']}\n"
        for k, v in authors.items()), "utf-8")
    urls = {}
    for post in posts:
        local = post.date.astimezone(ZoneInfo(site.tz))
        front = [f"title: {yaml_str(post.title)}", "date:", f"  created: {local.replace(tzinfo=None).isoformat()}"]
        if post.updated:
            front.append(f"  updated: {post.updated.astimezone(ZoneInfo(site.tz)).replace(tzinfo=None).isoformat()}")
        front += [f"authors: [{by_name[post.author]}]", f"slug: {post.slug}"]
        if post.category:
            front.append(f"categories: [{yaml_str(post.category)}]")
        if post.tags:
            front.append(f"tags: {json.dumps(list(post.tags), ensure_ascii=False)}")
        text = f"# {post.title}\n\n" + body_markdown(post)
        (docs / "blog" / "posts" / f"{post.slug}.md").write_text("---\n" + "\n".join(front) + "\n---\n\n" + text, "utf-8")
        urls[post.slug] = f"/blog/{local:%Y}/{local:%m}/{local:%d}/{post.slug}/"
    config = f"""site_name: {yaml_str(site.options.get("title", "Lin's Notebook"))}
site_url: {site.origin}/
theme:
  name: material
  language: {site.lang}
markdown_extensions:
  - pymdownx.arithmatex:
      generic: true
  - pymdownx.superfences
plugins:
  - blog:
      post_excerpt: optional
      post_excerpt_max_categories: 2
      pagination_per_page: {site.per_page}
      post_date_format: long
      archive: true
      categories: true
  - tags
nav:
  - Home: index.md
  - Blog:
    - blog/index.md
"""
    (work / "mkdocs.yml").write_text(config, "utf-8")
    run([str(tools / "py" / "bin" / "mkdocs"), "build", "--quiet", "-d", "site"], work)
    return work / "site", urls


def build_eleventy(site: Site, posts: list[Post], work: Path, tools: Path) -> tuple[Path, dict[str, str]]:
    """Eleventy with the eleventy-base-blog templates from npm (home: the 3 newest posts, the archive one link away)."""
    theme = tools / "eleventy" / "package"
    for name in (".eleventy.js", "_includes", "_data", "archive.njk", "index.njk", "tags.njk", "tags-list.njk",
                 "page-list.njk", "sitemap.xml.njk", "feed", "404.md", "about"):
        source = theme / name
        if source.is_dir():
            shutil.copytree(source, work / name)
        elif source.exists():
            shutil.copy(source, work / name)
    (work / "node_modules").symlink_to(tools / "eleventy" / "node_modules")
    metadata = json.loads((work / "_data" / "metadata.json").read_text("utf-8"))
    metadata.update({"title": site.options.get("title", "Lin's Notebook"), "url": site.origin + "/",
                     "description": "Notes on software, data and food"})
    metadata["feed"].update({"id": site.origin + "/", "subtitle": "Notes on software, data and food"})
    metadata["jsonfeed"]["url"] = site.origin + "/feed/feed.json"
    metadata["author"] = {"name": "Lin Wei", "email": "lin@blog.example", "url": site.origin + "/about/"}
    (work / "_data" / "metadata.json").write_text(json.dumps(metadata, indent=1), "utf-8")
    (work / "posts").mkdir()
    (work / "posts" / "posts.json").write_text(json.dumps({"tags": ["posts"], "layout": "layouts/post.njk"}), "utf-8")
    urls = {}
    for post in posts:
        tags = [t for t in post.tags if re.fullmatch(r"[a-z0-9+-]+", t)]
        front = [f"title: {yaml_str(post.title)}", f"date: {post.date.isoformat()}",
                 f"author: {yaml_str(post.author)}", f"tags: {json.dumps(['posts', *tags])}",
                 f"description: {yaml_str(post.summary or post.lead_text[:150])}"]
        (work / "posts" / f"{post.slug}.md").write_text("---\n" + "\n".join(front) + "\n---\n" + body_markdown(post).replace(
            "<!-- more -->\n\n", ""), "utf-8")
        urls[post.slug] = f"/posts/{post.slug}/"
    run(["node", str(tools / "eleventy" / "node_modules" / "@11ty" / "eleventy" / "cmd.js"), "--quiet"], work)
    return work / "_site", urls


BUILDERS = {"hexo": build_hexo, "pelican": build_pelican, "mkdocs": build_mkdocs, "eleventy": build_eleventy}
SHOWN_IN_UTC = {"eleventy"}  # generators that print dates in UTC whatever the author wrote
SHOWN_AS_WRITTEN = {"pelican", "hugo"}  # generators that keep the offset the author wrote


# ---- the gold ------------------------------------------------------------------------------------------------


def collapse(text: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", text).split())


def fold(text: str) -> str:
    """For comparing a shown excerpt with what the author wrote: typographers curl quotes."""
    return text.translate(str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"'}))


def norm_path(url: str, origin: str) -> str:
    """The URL path of an href on the site (absolute on the origin, or root-relative), percent-decoded."""
    parts = urllib.parse.urlsplit(url)
    if parts.netloc and f"{parts.scheme}://{parts.netloc}" != origin:
        return ""
    path = urllib.parse.unquote(parts.path)
    if path.endswith("index.html"):
        path = path[: -len("index.html")]
    return path


def file_for(www: Path, path: str) -> Path | None:
    """The www file that serves URL path `path` (GitHub Pages rules)."""
    candidate = www / urllib.parse.unquote(path).lstrip("/")
    if path.endswith("/"):
        candidate = candidate / "index.html"
    if candidate.is_file():
        return candidate
    if candidate.with_suffix(".html").is_file():
        return candidate.with_suffix(".html")
    return None


def page(www: Path, path: str) -> lxml.html.HtmlElement:
    found = file_for(www, path)
    if found is None:
        raise SystemExit(f"listing page {path} was not built")
    return lxml.html.document_fromstring(found.read_bytes(), parser=UTF8)


def shown_text(element: lxml.html.HtmlElement, drop: str | None) -> str:
    """Text of an element as shown: scripts, styles and the `drop` parts left out, whitespace collapsed."""
    element = lxml.html.fromstring(lxml.html.tostring(element))
    for junk in element.xpath(".//script|.//style|.//noscript|.//template"):
        junk.drop_tree()
    for junk in element.cssselect(drop) if drop else []:
        junk.drop_tree()
    for block in element.iter(*BLOCK_TAGS):  # a block's edges separate words, as a browser shows them
        block.text = " " + (block.text or "")
        block.tail = " " + (block.tail or "")
    return collapse(element.text_content())


def listing_pages(www: Path, first: str, pattern: str) -> list[str]:
    """`first` and the numbered pages after it that were built (`pattern` with {n})."""
    pages, n = [first], 2
    while file_for(www, pattern.format(n=n)):
        pages.append(pattern.format(n=n))
        n += 1
    return pages


def shown_instant(site: Site, post: Post) -> str:
    """The publication instant, with the offset of the zone the site shows dates in."""
    if site.engine in SHOWN_AS_WRITTEN:
        return post.date.isoformat()
    zone = ZoneInfo("UTC") if site.engine in SHOWN_IN_UTC else ZoneInfo(site.tz)
    return post.date.astimezone(zone).isoformat()


def shown_date(site: Site, post: Post) -> str:
    zone = ZoneInfo("UTC") if site.engine in SHOWN_IN_UTC else ZoneInfo(site.tz)
    if site.engine in SHOWN_AS_WRITTEN:
        return post.date.strftime("%Y-%m-%d")
    return post.date.astimezone(zone).strftime("%Y-%m-%d")


def gold(site: Site, posts: list[Post], www: Path, urls: dict[str, str]) -> tuple[list[dict], list[str], list[str]]:
    """The gold posts, the listing pages, and warnings (dates not found on the post page)."""
    by_path = {urls[p.slug]: p for p in posts}
    groups = site.listing(www)
    placed: dict[str, tuple[str, int, str | None]] = {}
    pages: list[str] = []
    for group in groups:
        for path in group.pages:
            pages.append(path)
            position = 0
            for entry in page(www, path).cssselect(group.entry):
                hrefs = [norm_path(urllib.parse.urljoin(site.origin + path, a.get("href") or ""), site.origin)
                         for a in entry.iter("a")]
                hit = next((h for h in hrefs if h in by_path), None)
                if hit is None:
                    continue
                if hit not in placed:
                    excerpt = None
                    if group.excerpt:
                        # "a | b | SELF": the first alternative that matches; SELF is the entry itself
                        boxes = []
                        for alternative in group.excerpt.split("|"):
                            alternative = alternative.strip()
                            boxes = [entry] if alternative == "SELF" else entry.cssselect(alternative)
                            if boxes:
                                break
                        if not boxes:
                            raise SystemExit(f"{site.id}: no excerpt {group.excerpt!r} in the entry of {hit} on {path}")
                        excerpt = shown_text(boxes[0], group.drop)
                        post = by_path[hit]
                        if not excerpt and not post.more and not post.summary:
                            excerpt = None  # the theme shows an excerpt only where the author marked one
                    if excerpt is not None:
                        post = by_path[hit]
                        expected = [collapse(c) for c in (post.lead_text, post.summary or "") if c]
                        if not any(fold(excerpt).startswith(fold(c[:40])) for c in expected):
                            raise SystemExit(f"{site.id}: excerpt of {hit} on {path} is {excerpt[:80]!r}, "
                                             f"expected one of {[c[:40] for c in expected]}")
                        excerpt = excerpt[:60]
                    placed[hit] = (path, position, excerpt)
                position += 1
    missing = [p for p in by_path if p not in placed]
    if missing:
        raise SystemExit(f"{site.id}: {len(missing)} posts on no listing page: {missing[:3]}")
    entries, warnings = [], []
    for post in posts:
        url = urls[post.slug]
        listing, position, excerpt = placed[url]
        day = shown_date(site, post)
        post_file = file_for(www, url)
        if post_file is None:
            raise SystemExit(f"{site.id}: post page {url} was not built")
        title = shown_title(post_file, post.title)
        if title is None:
            raise SystemExit(f"{site.id}: title {post.title!r} is not on {url} (<title>, og:title or a heading)")
        listing_file = file_for(www, listing)
        if not date_shown(post_file.read_text("utf-8"), day) and not date_shown(listing_file.read_text("utf-8"), day):
            warnings.append(f"{url}: {day} not found on the post page nor on its listing page")
        entries.append({
            "url": url, "title": title, "published": day, "published_at": shown_instant(site, post),
            "updated": post.updated.isoformat() if post.updated else None, "listing": listing,
            "position": position, "excerpt_start": excerpt, "tags": list(post.tags),
            "categories": [post.category] if post.category else [], "author": post.author, "in_www": True,
        })
    return entries, pages, warnings


def shown_title(post_file: Path, title: str) -> str | None:
    """The title as the post page shows it: the written one when its <title>, og:title or a heading has it, else
    the same text with the quotes a typographer curled (the page's own characters); None when neither is there."""
    document = lxml.html.document_fromstring(post_file.read_bytes(), parser=UTF8)
    texts = [collapse(e.text_content()) for e in document.xpath("//title|//h1|//h2")]
    texts += [collapse(m.get("content") or "") for m in document.xpath("//meta[@property='og:title']")]
    wanted = collapse(title)
    if any(wanted in text for text in texts):
        return title
    for text in texts:
        at = fold(text).find(fold(wanted))
        if at >= 0:
            return text[at:at + len(wanted)]
    return None


def date_shown(html: str, day: str) -> bool:
    """Whether the page shows (or marks up) `day` in one of the usual formats."""
    date = datetime.strptime(day, "%Y-%m-%d")
    forms = {day, date.strftime("%Y/%m/%d"), date.strftime("%d %b %Y"), date.strftime("%b %d, %Y"),
             date.strftime("%B %d, %Y"), date.strftime("%d %B %Y"), f"{date:%B} {date.day}, {date:%Y}",
             f"{date.year}年{date.month}月{date.day}日", date.strftime("%y/%m/%d"), f"{date:%a} {date:%d} {date:%B} {date:%Y}"}
    return any(form in html for form in forms)


def keep_file(path: Path) -> bool:
    """What a crawler reads: HTML, feeds, sitemaps, robots.txt (small)."""
    if path.name in ("robots.txt", "feed.json"):
        return True
    return path.suffix.lower() in KEEP_SUFFIXES and path.stat().st_size <= MAX_KEPT_BYTES


FEED_NAMES = ("atom.xml", "rss.xml", "feed.xml", "feeds/all.atom.xml", "feed/feed.xml", "feed_rss_created.xml",
              "feed_json_created.json", "index.xml", "feed/feed.json")


def build_site(site: Site, tools: Path, out: Path) -> list[str]:
    """Build one site into out/<id>/ (www/ and site.json); returns warnings."""
    posts = [p for p in newest(site.count, skip=site.skip) if site.escapes_titles or "<" not in p.title]
    with tempfile.TemporaryDirectory(prefix=f"gensites-{site.id}-") as tmp:
        built, urls = BUILDERS[site.engine](site, posts, Path(tmp), tools)
        target = out / site.id
        if target.exists():
            shutil.rmtree(target)
        www = target / "www"
        for source in sorted(built.rglob("*")):
            if source.is_file() and keep_file(source):
                destination = www / source.relative_to(built)
                destination.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(source, destination)
    entries, pages, warnings = gold(site, posts, www, urls)
    feeds = [f"/{name}" for name in FEED_NAMES if (www / name).is_file() and name != "sitemap.xml"]
    sitemaps = ["/sitemap.xml"] if (www / "sitemap.xml").is_file() else []
    groups = site.listing(www)
    meta = {
        "id": site.id, "source": f"benchmarks/gensites/build.py --sites {site.id}", "commit": None,
        "origins": [site.origin], "base_path": "/", "start": "/", "engine": site.engine, "theme": site.theme,
        "layout": site.layout, "lang": site.lang, "encoding": "utf-8", "timezone_shown": "UTC"
        if site.engine in SHOWN_IN_UTC else "as written" if site.engine in SHOWN_AS_WRITTEN else site.tz, "feeds": feeds, "sitemaps": sitemaps, "listing_pages": pages,
        "per_page": site.per_page,
        "listing_shows": {"excerpt": any(g.excerpt for g in groups)},
        "content_selector": site.content_selector,
        "checks": {"gold": "by construction: URLs, titles and dates from benchmarks/gensites/posts.py and the "
                           "generator's settings; listing, position and excerpt read from the built listing pages "
                           "with the labeler's selectors and checked against each post's lead or summary",
                   "date_warnings": warnings},
        "notes": site.notes, "posts": entries,
    }
    (target / "site.json").write_text(json.dumps(meta, indent=1, ensure_ascii=False) + "\n", "utf-8")
    return warnings


def main(argv: list[str] | None = None) -> int:
    from benchmarks.gensites.sites import SITES

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tools", type=Path, default=Path(tempfile.gettempdir()) / "gensites-tools",
                        help="where the generators are installed (npm, PyPI), reused between runs")
    parser.add_argument("--out", type=Path, default=Path("tests/sites/generated"), help="corpus folder to write")
    parser.add_argument("--sites", default="", help="comma-separated site ids (default: all)")
    args = parser.parse_args(argv)
    wanted = [s for s in args.sites.split(",") if s]
    unknown = set(wanted) - {s.id for s in SITES}
    if unknown:
        parser.error(f"unknown sites: {', '.join(sorted(unknown))}")
    ensure_tools(args.tools.resolve())
    for site in SITES:
        if wanted and site.id not in wanted:
            continue
        warnings = build_site(site, args.tools.resolve(), args.out)
        print(f"{site.id}: built" + "".join(f"\n  warning: {w}" for w in warnings))
    return 0


if __name__ == "__main__":
    sys.exit(main())
