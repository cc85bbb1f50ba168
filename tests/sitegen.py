"""Small fixture blogs written to a folder, in the markup of a few engines, for the spider and CLI tests.

Each builder returns the gold: what a reader of the site would say each post is (url path, title, date shown,
the start of the excerpt the listing shows).
"""

from __future__ import annotations

import html
import json
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class GoldPost:
    path: str
    title: str
    date: str  # YYYY-MM-DD as the site shows it
    excerpt_start: str
    body: str
    tags: list[str] = field(default_factory=list)


def _posts(n: int, *, lang: str = "en") -> list[GoldPost]:
    posts = []
    for i in range(n):
        day = 28 - (i % 27)
        month = 12 - (i // 27) % 12
        date = f"2024-{month:02d}-{day:02d}"
        if lang == "zh":
            title = f"第{i + 1}篇笔记：缓存与队列"
            excerpt = f"这是第{i + 1}篇文章的摘要，讨论缓存失效与消息队列的取舍。"
            body = excerpt + "正文继续展开，给出代码与例子。"
        else:
            title = f"Note {i + 1}: caches & queues"
            excerpt = f"Post number {i + 1} weighs cache invalidation against message queues."
            body = excerpt + " The body goes on with code and examples."
        slug = f"note-{i + 1}"
        posts.append(GoldPost(f"/{date.replace('-', '/')}/{slug}/", title, date, excerpt, body, ["cache", "queue"]))
    return posts


def _write(root: Path, path: str, text: str, encoding: str = "utf-8") -> None:
    target = root / path.lstrip("/")
    if path.endswith("/"):
        target = target / "index.html"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(text.encode(encoding))


def _pages(posts: list[GoldPost], per_page: int) -> list[list[GoldPost]]:
    return [posts[i : i + per_page] for i in range(0, len(posts), per_page)]


def _post_page(post: GoldPost, site_title: str, lang: str = "en", charset_meta: bool = True) -> str:
    meta = '<meta charset="utf-8">' if charset_meta else ""
    tags = "".join(f'<a href="/tags/{t}/" rel="tag">{t}</a> ' for t in post.tags)
    return f"""<!DOCTYPE html><html lang="{lang}"><head>{meta}<title>{html.escape(post.title)} | {site_title}</title>
<meta property="og:title" content="{html.escape(post.title)}">
<meta property="article:published_time" content="{post.date}T10:00:00+08:00">
</head><body><header><a href="/" rel="home">{site_title}</a></header>
<main><article class="post">
<h1 class="post-title">{html.escape(post.title)}</h1>
<time datetime="{post.date}T10:00:00+08:00">{post.date}</time>
<div class="post-body"><p>{html.escape(post.body)}</p><pre><code>print("hello")</code></pre></div>
<div class="post-tags">{tags}</div>
</article></main><footer>&copy; 2024 {site_title}</footer></body></html>"""


# -- WordPress-like: article.post, .entry-title, time.entry-date, .entry-summary, "Older posts" ------------------

def build_wordpress(root: Path, n_posts: int = 12, per_page: int = 5, without: tuple[int, ...] = ()) -> list[GoldPost]:
    """A WordPress-like blog: /page/N/ pagination via an "Older posts" link only; `without` leaves posts out."""
    posts = [p for i, p in enumerate(_posts(n_posts)) if i not in without]
    pages = _pages(posts, per_page)
    for number, page_posts in enumerate(pages, start=1):
        articles = "".join(
            f"""<article class="post type-post status-publish hentry">
<header class="entry-header"><h2 class="entry-title"><a href="{p.path}" rel="bookmark">{html.escape(p.title)}</a></h2>
<div class="entry-meta"><span class="posted-on"><time class="entry-date published" datetime="{p.date}T09:00:00+00:00">{_long_date(p.date)}</time></span></div></header>
<div class="entry-summary"><p>{html.escape(p.excerpt_start)} Continue reading&hellip;</p></div></article>"""
            for p in page_posts
        )
        older = f'<div class="nav-previous"><a href="/page/{number + 1}/">Older posts</a></div>' if number < len(pages) else ""
        newer = f'<div class="nav-next"><a href="{"/" if number == 2 else f"/page/{number - 1}/"}">Newer posts</a></div>' if number > 1 else ""
        _write(root, "/" if number == 1 else f"/page/{number}/", f"""<!DOCTYPE html><html lang="en-US"><head>
<meta charset="UTF-8"><meta name="generator" content="WordPress 6.4.2"><title>Field Notes</title></head>
<body class="home blog"><header class="site-header"><a href="/" rel="home">Field Notes</a>
<nav><a href="/about/">About</a> <a href="https://elsewhere.example.org/">Friends</a></nav></header>
<main id="main" class="site-main">{articles}
<nav class="navigation posts-navigation"><div class="nav-links">{older}{newer}</div></nav></main>
<aside class="widget"><h2>Recent</h2><ul>{''.join(f'<li><a href="{p.path}">{html.escape(p.title)}</a></li>' for p in posts[:3])}</ul></aside>
</body></html>""")
    for p in posts:
        _write(root, p.path, _post_page(p, "Field Notes"))
    _write(root, "/about/", "<html><body><h1>About</h1><p>Just a blog.</p></body></html>")
    return posts


def _long_date(iso: str) -> str:
    months = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"]
    year, month, day = iso.split("-")
    return f"{months[int(month) - 1]} {int(day)}, {year}"


# -- Seeds-like custom theme: cards, "LATEST UPDATES", excerpts cut with "...", "Python 2026-01-11" ------------

def build_custom_cards(root: Path, n_posts: int = 9, per_page: int = 4) -> list[GoldPost]:
    """A hand-written theme: card divs, category + date line, numbered pagination index.html / page2.html."""
    posts = _posts(n_posts, lang="zh")
    pages = _pages(posts, per_page)
    page_paths = ["/"] + [f"/page{n}.html" for n in range(2, len(pages) + 1)]
    for number, page_posts in enumerate(pages, start=1):
        cards = "".join(
            f"""<div class="card"><a class="card-link" href="{p.path}"><h3 class="card-title">{html.escape(p.title)}</h3></a>
<p class="summary">{html.escape(p.excerpt_start)}...</p><div class="info"><span class="cat">Python</span> <span class="day">{p.date}</span></div></div>"""
            for p in page_posts
        )
        pager = " ".join(
            f'<a href="{path}">{i}</a>' if i != number else f"<span>{i}</span>" for i, path in enumerate(page_paths, 1)
        )
        _write(root, page_paths[number - 1], f"""<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><title>信号站</title></head>
<body><div class="top"><a href="/">信号站</a> <a href="/links.html">友链</a></div>
<h1>INCOMING TRANSMISSION</h1><h2>LATEST UPDATES</h2><div class="feed">{cards}</div>
<div class="pager">{pager}</div></body></html>""")
    for p in posts:
        _write(root, p.path, _post_page(p, "信号站", lang="zh-CN"))
    return posts


# -- Trouble: a Hexo-like blog whose server misbehaves ------------------------------------------------------

GBK_TITLE = "用中文编码写的文章"
GBK_BODY = "这篇文章以 GBK 编码保存，服务器却声称它是 UTF-8。"


def build_trouble(root: Path) -> dict[str, object]:
    """Three listing pages; a post answering 404, one 500, one GBK served as UTF-8, one slow; page 3 leads to a
    fourth page that repeats the first."""
    posts = _posts(9)
    posts[3] = GoldPost(posts[3].path, GBK_TITLE, posts[3].date, "GBK 编码的文章摘要。", GBK_BODY)
    pages = _pages(posts, 3)
    paths = ["/", "/page/2/", "/page/3/"]
    for number, page_posts in enumerate(pages, start=1):
        entries = "".join(
            f"""<article class="post-block"><h2 class="post-title"><a class="post-title-link" href="{p.path}">{html.escape(p.title)}</a></h2>
<div class="post-meta"><time datetime="{p.date}T08:00:00+08:00">{p.date}</time></div>
<div class="post-body"><p>{html.escape(p.excerpt_start)}</p><a class="btn" href="{p.path}#more">阅读全文 »</a></div></article>"""
            for p in page_posts
        )
        # The last page's "next" link leads to a page that repeats page 1 (servers that clamp the page number).
        next_path = paths[number] if number < 3 else "/page/4/"
        _write(root, paths[number - 1], f"""<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<meta name="generator" content="Hexo 7.0.0"><title>Trouble</title></head><body>
<main>{entries}</main><nav class="pagination"><a class="extend next" rel="next" href="{next_path}">下一页</a></nav></body></html>""")
    _write(root, "/page/4/", (root / "index.html").read_text("utf-8"))
    for i, p in enumerate(posts):
        if i == 1:
            continue  # 404
        if i == 3:
            _write(root, p.path, _post_page(p, "Trouble", lang="zh", charset_meta=False), encoding="gbk")
            continue
        _write(root, p.path, _post_page(p, "Trouble"))
    headers = {
        posts[3].path: {"headers": {"Content-Type": "text/html; charset=utf-8"}},
        posts[5].path: {"status": 500},
        posts[7].path: {"delay": 3},
    }
    (root / "_headers.json").write_text(json.dumps(headers))
    return {
        "posts": posts,
        "missing": posts[1],
        "gbk": posts[3],
        "server_error": posts[5],
        "slow": posts[7],
    }
