"""Build the bundled example blog: Markdown posts rendered into a static site that looks like Hexo + NexT."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from html import escape
from pathlib import Path
from typing import NamedTuple
from urllib.parse import quote

from archiver.demo.markup import render_markdown

POSTS_DIR = Path(__file__).with_name("posts")
DEFAULT_BASE_URL = "http://127.0.0.1:4000"
POSTS_PER_PAGE = 5
FEED_LIMIT = 20  # hexo-generator-feed's default: the feed does not list every post
PAGINATOR_END_SIZE = 1
PAGINATOR_MID_SIZE = 1
GENERATOR = "Hexo 7.3.0"
THEME_VERSION = "8.20.0"
SITE_TITLE = "Byte Garden"
SITE_SUBTITLE = "一个写给自己的技术笔记本 · notes on code and systems"
SITE_AUTHOR = "Byte Garden"
SITE_LANG = "zh-CN"
OG_LOCALES = {"zh-CN": "zh_CN", "en": "en_US"}
SLUG_UNSAFE_RE = re.compile(r"[\s/\\?#%&+'\"<>]+")
FRONT_MATTER_RE = re.compile(r"\A---\n(.*?)\n---\n", re.S)
MENU = (
    ("home", "首页", "/", "fa-home"),
    ("about", "关于", "/about/", "fa-user"),
    ("tags", "标签", "/tags/", "fa-tags"),
    ("categories", "分类", "/categories/", "fa-th"),
    ("archives", "归档", "/archives/", "fa-archive"),
)


class SitePost(NamedTuple):
    """One post of the built site as a reader finds it: link path, title and published time."""

    path: str  # percent-encoded URL path, e.g. "/2024/05/01/%E7%AC%94%E8%AE%B0/"
    title: str
    published: str  # ISO 8601 with the +08:00 offset the site shows


@dataclass(slots=True)
class SiteInfo:
    """What build_site wrote: where, how many posts and listing pages, and every post (newest first)."""

    out_dir: Path
    post_count: int
    listing_page_count: int
    posts: list[SitePost] = field(default_factory=list)
    base_url: str = DEFAULT_BASE_URL


@dataclass(slots=True)
class DemoPost:
    """A parsed source post with everything the templates need."""

    slug: str
    title: str
    published: datetime
    updated: datetime | None
    author: str
    lang: str
    tags: list[str]
    categories: list[str]  # a Hexo category path: parent first
    html: str
    excerpt_html: str | None
    description: str

    @property
    def parts(self) -> list[str]:
        """Path segments of the post's permalink, unencoded."""
        return [f"{self.published:%Y}", f"{self.published:%m}", f"{self.published:%d}", self.slug]

    @property
    def path(self) -> str:
        """The permalink path as linked: /YYYY/MM/DD/slug/ with the slug percent-encoded."""
        return "/" + "/".join(quote(part, safe="-_.~") for part in self.parts) + "/"


def parse_front_matter(text: str) -> tuple[dict[str, str | list[str]], str]:
    """Split a post into its front matter (scalars and lists) and the Markdown body."""
    match = FRONT_MATTER_RE.match(text)
    if not match:
        return {}, text
    meta: dict[str, str | list[str]] = {}
    key = ""
    for line in match.group(1).split("\n"):
        if line.lstrip().startswith("- ") and key:
            listed = meta.setdefault(key, [])
            if isinstance(listed, list):
                listed.append(line.strip()[2:].strip())
            continue
        key, _, value = line.partition(":")
        key, value = key.strip(), value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
            value = value[1:-1]
        if value.startswith("[") and value.endswith("]"):
            meta[key] = [item.strip() for item in value[1:-1].split(",") if item.strip()]
        elif value:
            meta[key] = value
        else:
            meta[key] = []
    return meta, text[match.end() :]


def load_post(path: Path) -> DemoPost:
    """Read one Markdown post with its front matter."""
    meta, body = parse_front_matter(path.read_text(encoding="utf-8"))
    rendered = render_markdown(body)
    first_paragraph = re.search(r"<p>(.*?)</p>", rendered.html, re.S)
    description = re.sub(r"<[^>]+>", "", first_paragraph.group(1)) if first_paragraph else ""
    updated = meta.get("updated")
    return DemoPost(
        slug=str(meta.get("slug") or path.stem),
        title=str(meta["title"]),
        published=datetime.fromisoformat(str(meta["date"])),
        updated=datetime.fromisoformat(updated) if isinstance(updated, str) else None,
        author=str(meta.get("author") or SITE_AUTHOR),
        lang=str(meta.get("lang") or SITE_LANG),
        tags=_as_list(meta.get("tags")),
        categories=_as_list(meta.get("categories")),
        html=rendered.html,
        excerpt_html=rendered.excerpt_html,
        description=re.sub(r"\s+", " ", description).strip()[:150],
    )


def _as_list(value: str | list[str] | None) -> list[str]:
    if value is None:
        return []
    return [value] if isinstance(value, str) else list(value)


def slugize(name: str) -> str:
    """Hexo's tag/category slug: unsafe characters and spaces become dashes."""
    return SLUG_UNSAFE_RE.sub("-", name).strip("-")


def tag_path(tag: str) -> str:
    """Link path of a tag page."""
    return f"/tags/{quote(slugize(tag), safe='-_.~')}/"


def category_path(categories: list[str]) -> str:
    """Link path of a (possibly nested) category page."""
    return "/categories/" + "".join(quote(slugize(name), safe="-_.~") + "/" for name in categories)


def _utc_iso(moment: datetime) -> str:
    """The form Hexo's open-graph and feed helpers print: UTC with milliseconds and Z."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def _time_element(moment: datetime, *, updated: bool = False) -> str:
    label, itemprop = ("修改时间", "dateModified") if updated else ("创建时间", "dateCreated datePublished")
    return (
        f'<time title="{label}：{moment:%Y-%m-%d %H:%M:%S}" itemprop="{itemprop}" '
        f'datetime="{moment.isoformat()}">{moment:%Y-%m-%d}</time>'
    )


def post_meta(post: DemoPost) -> str:
    """NexT's .post-meta line: created, updated (when another day) and category."""
    items = [
        '<span class="post-meta-item"><span class="post-meta-item-icon"><i class="far fa-calendar"></i></span>'
        f'<span class="post-meta-item-text">发表于</span> {_time_element(post.published)}</span>'
    ]
    if post.updated and post.updated.date() != post.published.date():
        items.append(
            '<span class="post-meta-item"><span class="post-meta-item-icon"><i class="far fa-calendar-check"></i>'
            f'</span><span class="post-meta-item-text">更新于</span> {_time_element(post.updated, updated=True)}</span>'
        )
    if post.categories:
        links = "，".join(
            '<span itemprop="about" itemscope itemtype="http://schema.org/Thing">'
            f'<a href="{category_path(post.categories[: depth + 1])}" itemprop="url" rel="index">'
            f'<span itemprop="name">{escape(name)}</span></a></span>'
            for depth, name in enumerate(post.categories)
        )
        items.append(
            '<span class="post-meta-item"><span class="post-meta-item-icon"><i class="far fa-folder"></i></span>'
            f'<span class="post-meta-item-text">分类于</span> {links}</span>'
        )
    return '<div class="post-meta-container"><div class="post-meta">' + "".join(items) + "</div></div>"


def layout(
    base_url: str,
    title: str,
    main: str,
    *,
    lang: str = SITE_LANG,
    head: str = "",
    counts: tuple[int, int, int],
) -> str:
    """The NexT page shell: head, header with menu, sidebar, main column, footer."""
    menu = "".join(
        f'<li class="menu-item menu-item-{key}"><a href="{href}" rel="section">'
        f'<i class="fa {icon} fa-fw"></i>{label}</a></li>'
        for key, label, href, icon in MENU
    )
    config = json.dumps({"hostname": base_url.split("//", 1)[-1], "root": "/", "version": THEME_VERSION})
    posts, categories, tags = counts
    return f"""<!DOCTYPE html>
<html lang="{lang}">
<head>
<meta charset="UTF-8">
<meta name="viewport" content="width=device-width">
<meta name="theme-color" content="#222">
<meta name="generator" content="{GENERATOR}">
<link rel="stylesheet" href="/css/main.css">
<link rel="alternate" href="/atom.xml" title="{SITE_TITLE}" type="application/atom+xml">
<script class="next-config" data-name="main" type="application/json">{config}</script>
{head}
<title>{escape(title)}</title>
</head>
<body itemscope itemtype="http://schema.org/WebPage" class="use-motion">
<div class="headband"></div>
<main class="main">
<div class="column">
<header class="header" itemscope itemtype="http://schema.org/WPHeader"><div class="site-brand-container">
<div class="site-meta"><a href="/" class="brand" rel="start"><i class="logo-line"></i><p class="site-title">{SITE_TITLE}</p><i class="logo-line"></i></a>
<p class="site-subtitle" itemprop="description">{escape(SITE_SUBTITLE)}</p></div></div>
<nav class="site-nav"><ul class="main-menu menu">{menu}</ul></nav></header>
<aside class="sidebar"><div class="sidebar-inner"><div class="site-overview-wrap sidebar-panel">
<div class="site-author" itemprop="author" itemscope itemtype="http://schema.org/Person">
<p class="site-author-name" itemprop="name">{SITE_AUTHOR}</p><div class="site-description" itemprop="description">{escape(SITE_SUBTITLE)}</div></div>
<nav class="site-state"><div class="site-state-item site-state-posts"><a href="/archives/"><span class="site-state-item-count">{posts}</span><span class="site-state-item-name">日志</span></a></div>
<div class="site-state-item site-state-categories"><a href="/categories/"><span class="site-state-item-count">{categories}</span><span class="site-state-item-name">分类</span></a></div>
<div class="site-state-item site-state-tags"><a href="/tags/"><span class="site-state-item-count">{tags}</span><span class="site-state-item-name">标签</span></a></div></nav>
</div></div></aside>
</div>
<div class="main-inner">
{main}
</div>
</main>
<footer class="footer"><div class="footer-inner"><div class="copyright">&copy; <span itemprop="copyrightYear">2025</span><span class="with-love"><i class="fa fa-heart"></i></span><span class="author" itemprop="copyrightHolder">{SITE_AUTHOR}</span></div>
<div class="powered-by">由 <a href="https://hexo.io/" rel="noopener" target="_blank">Hexo</a> &amp; <a href="https://theme-next.js.org/pisces/" rel="noopener" target="_blank">NexT.Pisces</a> 强力驱动</div></div></footer>
<script src="/js/next-boot.js"></script>
</body>
</html>
"""


def listing_entry(post: DemoPost, base_url: str) -> str:
    """One post on a home/page-N listing: title link, meta, excerpt (or full body) and the read-more button."""
    body = post.excerpt_html if post.excerpt_html is not None else post.html
    button = (
        f'<div class="post-button"><a class="btn" href="{post.path}#more" rel="contents">阅读全文 &raquo;</a></div>'
        if post.excerpt_html is not None
        else ""
    )
    return f"""<div class="post-block">
<article itemscope itemtype="http://schema.org/Article" class="post-content" lang="{post.lang}">
<link itemprop="mainEntityOfPage" href="{base_url}{post.path}">
<span hidden itemprop="author" itemscope itemtype="http://schema.org/Person"><meta itemprop="name" content="{escape(post.author)}"></span>
<header class="post-header">
<h2 class="post-title" itemprop="name headline"><a href="{post.path}" class="post-title-link" itemprop="url">{escape(post.title)}</a></h2>
{post_meta(post)}
</header>
<div class="post-body" itemprop="articleBody">
{body}
</div>
{button}
<footer class="post-footer"><div class="post-eof"></div></footer>
</article>
</div>"""


def page_path(number: int) -> str:
    """Link path of listing page `number` (1-based)."""
    return "/" if number == 1 else f"/page/{number}/"


def pagination(current: int, total: int) -> str:
    """Hexo's paginator: first/last pages, the current one with its neighbours, dots between, prev/next arrows."""
    if total <= 1:
        return ""
    parts: list[str] = []
    if current > 1:
        parts.append(
            f'<a class="extend prev" rel="prev" title="上一页" aria-label="上一页" href="{page_path(current - 1)}">'
            '<i class="fa fa-angle-left"></i></a>'
        )
    gap = False
    for number in range(1, total + 1):
        shown = (
            number <= PAGINATOR_END_SIZE
            or number > total - PAGINATOR_END_SIZE
            or abs(number - current) <= PAGINATOR_MID_SIZE
        )
        if number == current:
            parts.append(f'<span class="page-number current">{number}</span>')
        elif shown:
            parts.append(f'<a class="page-number" href="{page_path(number)}">{number}</a>')
        if shown and gap:
            parts.insert(-1, '<span class="space">&hellip;</span>')
        gap = not shown
    if current < total:
        parts.append(
            f'<a class="extend next" rel="next" title="下一页" aria-label="下一页" href="{page_path(current + 1)}">'
            '<i class="fa fa-angle-right"></i></a>'
        )
    return '<nav class="pagination">' + "".join(parts) + "</nav>"


def json_ld(post: DemoPost, base_url: str) -> str:
    """A schema.org BlogPosting block for a post page."""
    data = {
        "@context": "https://schema.org",
        "@type": "BlogPosting",
        "mainEntityOfPage": {"@type": "WebPage", "@id": base_url + post.path},
        "headline": post.title,
        "url": base_url + post.path,
        "datePublished": post.published.isoformat(),
        "dateModified": (post.updated or post.published).isoformat(),
        "author": {"@type": "Person", "name": post.author},
        "publisher": {"@type": "Organization", "name": SITE_TITLE},
        "inLanguage": post.lang,
        "keywords": ", ".join(post.tags),
        "description": post.description,
    }
    # "</" inside a script element would end it early.
    return json.dumps(data, ensure_ascii=False).replace("</", "<\\/")


def post_head(post: DemoPost, base_url: str) -> str:
    """The <head> additions of a post page: description, canonical, Open Graph, article:*, JSON-LD."""
    url = base_url + post.path
    meta = [
        f'<meta name="description" content="{escape(post.description)}">',
        f'<meta name="keywords" content="{escape(",".join(post.tags))}">',
        '<meta property="og:type" content="article">',
        f'<meta property="og:title" content="{escape(post.title)}">',
        f'<meta property="og:url" content="{url}">',
        f'<meta property="og:site_name" content="{SITE_TITLE}">',
        f'<meta property="og:description" content="{escape(post.description)}">',
        f'<meta property="og:locale" content="{OG_LOCALES.get(post.lang, "zh_CN")}">',
        f'<meta property="article:published_time" content="{_utc_iso(post.published)}">',
        f'<meta property="article:modified_time" content="{_utc_iso(post.updated or post.published)}">',
        f'<meta property="article:author" content="{escape(post.author)}">',
        *(f'<meta property="article:tag" content="{escape(tag)}">' for tag in post.tags),
        '<meta name="twitter:card" content="summary">',
        f'<link rel="canonical" href="{url}">',
        f'<script type="application/ld+json">{json_ld(post, base_url)}</script>',
    ]
    return "\n".join(meta)


def post_article(post: DemoPost, newer: DemoPost | None, older: DemoPost | None, base_url: str) -> str:
    """The main column of a post page: header, full body, copyright block, tags and prev/next links."""
    tags = "".join(f'<a href="{tag_path(tag)}" rel="tag"># {escape(tag)}</a>' for tag in post.tags)
    nav = ""
    for neighbour, rel, icon in ((newer, "prev", "fa-chevron-left"), (older, "next", "fa-chevron-right")):
        link = (
            f'<a href="{neighbour.path}" rel="{rel}" title="{escape(neighbour.title)}">'
            f'<i class="fa {icon}"></i> {escape(neighbour.title)}</a>'
            if neighbour
            else ""
        )
        nav += f'<div class="post-nav-item">{link}</div>'
    url = base_url + post.path
    return f"""<div class="post-block">
<article itemscope itemtype="http://schema.org/Article" class="post-content" lang="{post.lang}">
<link itemprop="mainEntityOfPage" href="{url}">
<header class="post-header">
<h1 class="post-title" itemprop="name headline">{escape(post.title)}</h1>
{post_meta(post)}
</header>
<div class="post-body" itemprop="articleBody">
{post.html}
</div>
<footer class="post-footer">
<div class="post-copyright"><ul>
<li class="post-copyright-author"><strong>本文作者： </strong>{escape(post.author)}</li>
<li class="post-copyright-link"><strong>本文链接：</strong><a href="{url}" title="{escape(post.title)}">{url}</a></li>
<li class="post-copyright-license"><strong>版权声明： </strong>本博客所有文章除特别声明外，均采用 CC BY-NC-SA 4.0 许可协议。转载请注明出处！</li>
</ul></div>
<div class="post-tags">{tags}</div>
<div class="post-nav">{nav}</div>
</footer>
</article>
</div>"""


def collapse_list(posts: list[DemoPost], header: str) -> str:
    """NexT's compact year-grouped list used by archives, tag and category pages."""
    rows = [f'<div class="collection-title"><span class="collection-header">{header}</span></div>']
    year = None
    for post in posts:
        if post.published.year != year:
            year = post.published.year
            rows.append(f'<div class="collection-year"><span class="collection-header">{year}</span></div>')
        rows.append(
            '<article itemscope itemtype="http://schema.org/Article"><header class="post-header">'
            f'<div class="post-meta-container"><time itemprop="dateCreated" datetime="{post.published.isoformat()}" '
            f'content="{post.published:%Y-%m-%d}">{post.published:%m-%d}</time></div>'
            f'<div class="post-title"><a class="post-title-link" href="{post.path}" itemprop="url">'
            f'<span itemprop="name">{escape(post.title)}</span></a></div></header></article>'
        )
    return '<div class="post-block"><div class="posts-collapse">' + "\n".join(rows) + "</div></div>"


def atom_feed(posts: list[DemoPost], base_url: str) -> str:
    """hexo-generator-feed's Atom output: the newest FEED_LIMIT posts, times in UTC."""
    entries = []
    for post in posts[:FEED_LIMIT]:
        url = base_url + post.path
        categories = "".join(
            f'<category term="{escape(tag)}" scheme="{base_url}{tag_path(tag)}"/>' for tag in post.tags
        )
        entries.append(
            f'<entry><title>{escape(post.title)}</title><link href="{url}"/><id>{url}</id>'
            f"<published>{_utc_iso(post.published)}</published>"
            f"<updated>{_utc_iso(post.updated or post.published)}</updated>"
            f'<content type="html"><![CDATA[{post.html}]]></content>'
            f'<summary type="html">{escape(post.description)}</summary>{categories}</entry>'
        )
    newest = max((post.updated or post.published) for post in posts)
    return f"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
<title>{SITE_TITLE}</title>
<subtitle>{escape(SITE_SUBTITLE)}</subtitle>
<link href="{base_url}/atom.xml" rel="self"/>
<link href="{base_url}/"/>
<updated>{_utc_iso(newest)}</updated>
<id>{base_url}/</id>
<author><name>{SITE_AUTHOR}</name></author>
<generator uri="https://hexo.io/">Hexo</generator>
{chr(10).join(entries)}
</feed>
"""


def sitemap(posts: list[DemoPost], base_url: str) -> str:
    """hexo-generator-sitemap's output: every post and the about page with UTC lastmod."""
    urls = [(base_url + post.path, post.updated or post.published) for post in posts]
    urls.append((base_url + "/about/", posts[-1].published))
    rows = "\n".join(
        f"<url><loc>{loc}</loc><lastmod>{_utc_iso(moment)}</lastmod></url>" for loc, moment in urls
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n{rows}\n</urlset>\n'
    )


ABOUT_HTML = """<div class="post-block"><article class="post-content"><header class="post-header">
<h1 class="post-title" itemprop="name headline">关于</h1></header><div class="post-body">
<p>这是 blog-archiver 自带的示例博客，内容是虚构的技术笔记，用来在没有网络的情况下演示抓取。</p>
<p>This is the example blog bundled with blog-archiver: invented technical notes, served locally so the
crawler can be demonstrated without the internet.</p></div></article></div>"""

NOT_FOUND_HTML = """<div class="post-block"><article class="post-content"><header class="post-header">
<h1 class="post-title">404</h1></header><div class="post-body"><p>页面不存在 · Page not found.</p>
<p><a href="/">回到首页 · Back to the home page</a></p></div></article></div>"""


def _write(out_dir: Path, parts: list[str], text: str, name: str = "index.html") -> None:
    target = out_dir.joinpath(*parts)
    target.mkdir(parents=True, exist_ok=True)
    (target / name).write_text(text, encoding="utf-8")


def load_posts(posts_dir: Path = POSTS_DIR) -> list[DemoPost]:
    """All source posts, newest first."""
    posts = [load_post(path) for path in sorted(posts_dir.glob("*.md"))]
    return sorted(posts, key=lambda post: post.published, reverse=True)


def build_site(out_dir: Path, base_url: str = DEFAULT_BASE_URL) -> SiteInfo:
    """Render the bundled posts into a static Hexo/NexT-like site in out_dir; base_url is where it will be served."""
    base_url = base_url.rstrip("/")
    posts = load_posts()
    out_dir.mkdir(parents=True, exist_ok=True)
    tags: dict[str, list[DemoPost]] = {}
    categories: dict[tuple[str, ...], list[DemoPost]] = {}
    for post in posts:
        for tag in post.tags:
            tags.setdefault(tag, []).append(post)
        for depth in range(len(post.categories)):
            categories.setdefault(tuple(post.categories[: depth + 1]), []).append(post)
    counts = (len(posts), len(categories), len(tags))

    page_count = -(-len(posts) // POSTS_PER_PAGE)
    for number in range(1, page_count + 1):
        chunk = posts[(number - 1) * POSTS_PER_PAGE : number * POSTS_PER_PAGE]
        main = (
            '<div class="posts-expand">\n' + "\n".join(listing_entry(p, base_url) for p in chunk) + "\n</div>"
        )
        main += "\n" + pagination(number, page_count)
        title = SITE_TITLE if number == 1 else f"{SITE_TITLE} - 第 {number} 页"
        head = f'<link rel="canonical" href="{base_url}{page_path(number)}">'
        _write(
            out_dir,
            [] if number == 1 else ["page", str(number)],
            layout(base_url, title, main, head=head, counts=counts),
        )

    for index, post in enumerate(posts):
        newer = posts[index - 1] if index > 0 else None
        older = posts[index + 1] if index + 1 < len(posts) else None
        main = post_article(post, newer, older, base_url)
        html = layout(
            base_url,
            f"{post.title} | {SITE_TITLE}",
            main,
            lang=post.lang,
            head=post_head(post, base_url),
            counts=counts,
        )
        _write(out_dir, post.parts, html)

    _write(
        out_dir,
        ["archives"],
        layout(
            base_url,
            f"归档 | {SITE_TITLE}",
            collapse_list(posts, f"嗯..! 目前共计 {len(posts)} 篇日志。 继续努力。"),
            counts=counts,
        ),
    )
    cloud = "".join(f'<a href="{tag_path(tag)}" class="tag-cloud">{escape(tag)}</a> ' for tag in sorted(tags))
    _write(
        out_dir,
        ["tags"],
        layout(
            base_url,
            f"标签 | {SITE_TITLE}",
            f'<div class="post-block"><div class="tag-cloud"><div class="tag-cloud-tags">{cloud}</div></div></div>',
            counts=counts,
        ),
    )
    for tag, tagged in tags.items():
        _write(
            out_dir,
            ["tags", slugize(tag)],
            layout(
                base_url,
                f"标签: {tag} | {SITE_TITLE}",
                collapse_list(tagged, f"{escape(tag)}<small>标签</small>"),
                counts=counts,
            ),
        )
    category_items = "".join(
        f'<li class="category-list-item"><a class="category-list-link" href="{category_path(list(path))}">'
        f'{escape(" / ".join(path))}</a><span class="category-list-count">{len(listed)}</span></li>'
        for path, listed in sorted(categories.items())
    )
    _write(
        out_dir,
        ["categories"],
        layout(
            base_url,
            f"分类 | {SITE_TITLE}",
            f'<div class="post-block"><div class="category-all-page"><ul class="category-list">{category_items}</ul></div></div>',
            counts=counts,
        ),
    )
    for path, listed in categories.items():
        _write(
            out_dir,
            ["categories", *map(slugize, path)],
            layout(
                base_url,
                f"分类: {path[-1]} | {SITE_TITLE}",
                collapse_list(listed, f"{escape(path[-1])}<small>分类</small>"),
                counts=counts,
            ),
        )
    _write(out_dir, ["about"], layout(base_url, f"关于 | {SITE_TITLE}", ABOUT_HTML, counts=counts))
    _write(out_dir, [], layout(base_url, f"404 | {SITE_TITLE}", NOT_FOUND_HTML, counts=counts), "404.html")
    _write(out_dir, [], atom_feed(posts, base_url), "atom.xml")
    _write(out_dir, [], sitemap(posts, base_url), "sitemap.xml")
    _write(out_dir, [], f"User-agent: *\nAllow: /\n\nSitemap: {base_url}/sitemap.xml\n", "robots.txt")
    _write(out_dir, ["css"], "body{font-family:Lato,'PingFang SC',sans-serif}\n", "main.css")
    _write(out_dir, ["js"], "/* NexT boot placeholder */\n", "next-boot.js")

    return SiteInfo(
        out_dir=out_dir,
        post_count=len(posts),
        listing_page_count=page_count,
        posts=[SitePost(post.path, post.title, post.published.isoformat()) for post in posts],
        base_url=base_url,
    )
