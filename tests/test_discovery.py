"""Start anywhere on a blog (issue 10 item 1), the sitemap and the feed as evidence of its posts, and sitemap
lastmod as evidence of change on a re-crawl (issue 15 item 4): real crawls (`archiver crawl` in a subprocess) of
fixture blogs served on 127.0.0.1 by a server that logs what it is asked.

The blogs are written here (own markup and text); each is one way a blog hides its list: an "about me" home whose
menu leads to the blog, a home with the newest few posts and the whole list one link away, a post page handed to
the crawl, a blog whose only list is its sitemap, a home with the newest posts and month archive pages.
"""

from __future__ import annotations

import html
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from archiver.demo.server import StaticFileHandler, StaticSiteServer
from tests.conftest import rows, run_archiver

SITE = "Harbour Notes"


# -- a server that logs what it is asked -----------------------------------------------------------------------

class LoggingHandler(StaticFileHandler):
    def do_GET(self) -> None:
        with self.server.lock:  # type: ignore[attr-defined]
            self.server.hits.append(urlsplit(self.path).path)  # type: ignore[attr-defined]
        super().do_GET()


@dataclass
class Served:
    url: str
    server: StaticSiteServer
    thread: threading.Thread

    def paths(self) -> list[str]:
        return list(self.server.hits)  # type: ignore[attr-defined]

    def forget(self) -> None:
        """Start a new request log (before the next crawl)."""
        with self.server.lock:  # type: ignore[attr-defined]
            self.server.hits.clear()  # type: ignore[attr-defined]


@pytest.fixture
def serve_logged() -> Iterator:
    started: list[Served] = []

    def start(root: Path) -> Served:
        server = StaticSiteServer(("127.0.0.1", 0), root)
        server.RequestHandlerClass = LoggingHandler
        server.hits = []  # type: ignore[attr-defined]
        server.lock = threading.Lock()  # type: ignore[attr-defined]
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        served = Served(f"http://127.0.0.1:{server.server_address[1]}/", server, thread)
        started.append(served)
        return served

    yield start
    for served in started:
        served.server.shutdown()
        served.server.server_close()
        served.thread.join(timeout=5)


# -- fixture blogs ----------------------------------------------------------------------------------------------

@dataclass
class Post:
    number: int
    title: str
    day: str  # YYYY-MM-DD
    lead: str
    tags: list[str] = field(default_factory=lambda: ["boats"])

    @property
    def path(self) -> str:
        return f"/{self.day.replace('-', '/')}/harbour-entry-{self.number}/"


def make_posts(count: int) -> list[Post]:
    """`count` posts, newest first, over several months."""
    posts = []
    for i in range(count, 0, -1):
        month, day = 1 + (i - 1) // 4, 2 + ((i - 1) % 4) * 6
        posts.append(Post(i, f"Harbour entry {i}: ropes & tides", f"2023-{month:02d}-{day:02d}",
                          f"Entry {i} is about mooring lines, slack water and the smell of tar."))
    return posts


def write(root: Path, path: str, text: str) -> None:
    """Write a page (unchanged bytes are left alone, so the server's ETag stays the same)."""
    target = root / path.lstrip("/")
    if path.endswith("/"):
        target = target / "index.html"
    target.parent.mkdir(parents=True, exist_ok=True)
    data = text.encode("utf-8")
    if not target.exists() or target.read_bytes() != data:
        target.write_bytes(data)


MENU = {"blog": '<a href="/blog/">Blog</a>', "archive": '<a href="/archive/">Archive</a>',
        "about": '<a href="/about/">About</a>', "home": '<a href="/">Home</a>'}


def page(title: str, body: str, *, menu: tuple[str, ...] = ("home", "blog", "about"), head: str = "",
         sidebar: str = "", feed: bool = True) -> str:
    links = " ".join(MENU[m] for m in menu)
    feed_link = '<link rel="alternate" type="application/atom+xml" href="/feed.xml">' if feed else ""
    return (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>'
            f"{feed_link}{head}</head><body><header><a class=\"brand\" href=\"/\">{SITE}</a>"
            f'<nav class="menu">{links}</nav></header><main>{body}</main>{sidebar}'
            f"<footer>Written in a small harbour town.</footer></body></html>")


def card(post: Post, *, lead: bool = True) -> str:
    text = f"<p>{html.escape(post.lead)}</p>" if lead else ""
    return (f'<article class="entry"><h2><a href="{post.path}">{html.escape(post.title)}</a></h2>'
            f'<time datetime="{post.day}">{post.day}</time>{text}</article>')


def post_page(post: Post, body_extra: str = "", **kwargs) -> str:
    head = (f'<meta property="og:type" content="article">'
            f'<meta property="article:published_time" content="{post.day}T09:00:00+00:00">')
    body = (f'<article><h1>{html.escape(post.title)}</h1><time datetime="{post.day}">{post.day}</time>'
            f'<div class="entry-content"><p>{html.escape(post.lead)}</p><p>The rest of entry {post.number}: '
            f"how the tide turns twice a day, why the ropes are coiled clockwise, and what the harbour master said "
            f"about it over coffee.{body_extra}</p></div></article>")
    return page(f"{post.title} | {SITE}", body, head=head, **kwargs)


def write_blog(root: Path, posts: list[Post], *, home: str, per_page: int = 5, feed_size: int = 10,
               sitemap: bool = True, robots: str = "User-agent: *\nAllow: /\n", edits: dict[int, str] | None = None,
               lastmod: dict[int, str] | None = None, menu: tuple[str, ...] = ("home", "blog", "about")) -> None:
    """The blog in `root`: posts, about, tag pages, feed, sitemap, robots.txt, and a home page of kind `home`:
    "list" (the first listing page), "about" (an "about me" text, the list at /blog/), "newest" (the 3 newest posts,
    the list at /blog/, every title at /archive/)."""
    edits, lastmod = edits or {}, lastmod or {}
    pages = [posts[i:i + per_page] for i in range(0, len(posts), per_page)]
    for number, chunk in enumerate(pages, start=1):
        older = f'<a class="older" rel="next" href="/blog/page/{number + 1}/">Older posts</a>' if number < len(pages) else ""
        body = "".join(card(p) for p in chunk) + f'<nav class="pagination">{older}</nav>'
        write(root, "/blog/" if number == 1 else f"/blog/page/{number}/", page(f"Blog | {SITE}", body, menu=menu))
    if home == "list":
        write(root, "/", (root / "blog" / "index.html").read_text("utf-8"))
    elif home == "about":
        write(root, "/", page(SITE, "<h1>Hello, I keep boats</h1><p>I repair wooden boats and write about the harbour "
                              "where I work. The writing is in the blog; this page stays as it is.</p>", menu=menu))
    elif home == "newest":
        newest = "".join(card(p) for p in posts[:3])
        write(root, "/", page(SITE, f"<h1>Latest</h1>{newest}<p>Everything else is in the archive.</p>",
                              menu=("home", "archive", "about")))
    titles = "".join(f'<li><time datetime="{p.day}">{p.day}</time> <a href="{p.path}">{html.escape(p.title)}</a></li>'
                     for p in posts)
    write(root, "/archive/", page(f"Archive | {SITE}", f"<h1>Archive</h1><ul class=\"archive\">{titles}</ul>", menu=menu))
    for post in posts:
        write(root, post.path, post_page(post, edits.get(post.number, ""), menu=menu))
    write(root, "/about/", page(f"About | {SITE}", "<h1>About</h1><p>I repair wooden boats. Write to me at the "
                                "harbour office; letters are answered on Sundays.</p>", menu=menu))
    write(root, "/tags/boats/", page(f"boats | {SITE}", "<h1>boats</h1>" + "".join(card(p) for p in posts[:5]),
                                     menu=menu))
    entries = "".join(f"<entry><title>{html.escape(p.title)}</title><link href=\"{p.path}\"/><id>{p.path}</id>"
                      f"<updated>{p.day}T09:00:00Z</updated><summary>{html.escape(p.lead)}</summary></entry>"
                      for p in posts[:feed_size])
    write(root, "/feed.xml", f'<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
                             f"<title>{SITE}</title><id>/</id><updated>{max(lastmod.values(), default=posts[0].day)}"
                             f"T09:00:00Z</updated>{entries}</feed>")
    if sitemap:
        urls = [(p.path, lastmod.get(p.number, p.day)) for p in posts]
        urls += [("/", posts[0].day), ("/about/", "2022-01-01"), ("/blog/", posts[0].day), ("/tags/boats/", posts[0].day)]
        write(root, "/sitemap.xml", '<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/'
                                    'schemas/sitemap/0.9">' + "".join(f"<url><loc>{loc}</loc><lastmod>{day}</lastmod>"
                                                                      "</url>" for loc, day in urls) + "</urlset>")
    write(root, "/robots.txt", robots + ("\nSitemap: /sitemap.xml\n" if sitemap else ""))


def crawl(served: Served, db: Path, *args: str, start: str | None = None):
    result = run_archiver("crawl", start or served.url, "--db", str(db), *args, cwd=db.parent)
    assert result.returncode == 0, result.stdout + result.stderr
    return result


def archived(db: Path) -> dict[str, dict]:
    return {urlsplit(r["url"]).path: r for r in rows(db, "SELECT url, title, published, extracted_by, listing_url "
                                                           "FROM posts WHERE removed_at IS NULL")}


# -- start anywhere -----------------------------------------------------------------------------------------------

def test_about_home_blog_is_archived_whole_and_its_list_is_walked_on_a_recrawl(tmp_path, serve_logged):
    """The home page is an "about me" text; its menu's "Blog" is the list. Every post is archived, never the about,
    home or tag pages; a re-crawl whose home answers 304 still walks the list and finds a new post there."""
    root, db = tmp_path / "site", tmp_path / "a.db"
    posts = make_posts(12)
    write_blog(root, posts, home="about")
    served = serve_logged(root)

    crawl(served, db)
    assert set(archived(db)) == {p.path for p in posts}
    assert "/blog/page/3/" in served.paths()

    newer = make_posts(13)
    write_blog(root, newer, home="about")  # the home page's bytes stay the same
    served.forget()
    crawl(served, db)
    assert set(archived(db)) == {p.path for p in newer}
    assert archived(db)[newer[0].path]["title"] == newer[0].title
    assert served.paths().count("/") == 1
    assert newer[-1].path not in served.paths(), "an unchanged post was fetched again"


def test_home_with_the_newest_posts_leads_to_the_whole_list(tmp_path, serve_logged):
    """The home shows the 3 newest posts, without pagination; its menu's "Archive" lists every title."""
    root, db = tmp_path / "site", tmp_path / "a.db"
    posts = make_posts(14)
    write_blog(root, posts, home="newest", sitemap=False, feed_size=5)
    served = serve_logged(root)
    crawl(served, db)
    got = archived(db)
    assert set(got) == {p.path for p in posts}
    assert all(got[p.path]["title"] == p.title and got[p.path]["published"][:10] == p.day for p in posts)


def test_a_post_page_handed_to_the_crawl_leads_to_the_whole_blog(tmp_path, serve_logged):
    root, db = tmp_path / "site", tmp_path / "a.db"
    posts = make_posts(11)
    write_blog(root, posts, home="list")
    served = serve_logged(root)
    crawl(served, db, start=served.url.rstrip("/") + posts[6].path)
    assert set(archived(db)) == {p.path for p in posts}


def test_a_crawl_started_deep_in_the_pagination_reaches_the_newer_posts(tmp_path, serve_logged):
    """Started at /blog/page/2/: pagination leads only to older posts; the feed names newer ones, which the home
    page lists."""
    root, db = tmp_path / "site", tmp_path / "a.db"
    posts = make_posts(13)
    write_blog(root, posts, home="list", sitemap=False)
    served = serve_logged(root)
    crawl(served, db, start=served.url + "blog/page/2/")
    assert set(archived(db)) == {p.path for p in posts}


def test_a_blog_whose_only_list_is_its_sitemap(tmp_path, serve_logged):
    """No list anywhere (the home is an app shell, the menu leads nowhere useful), no feed: the sitemap names the
    posts among other pages (documentation, about); a sample of its pages shows which are posts and what their
    URLs look like, and only pages of that shape are read after it. Posts are kept (marked "sitemap"), nothing
    else."""
    root, db = tmp_path / "site", tmp_path / "a.db"
    posts = make_posts(7)
    write_blog(root, posts, home="list", menu=("home", "about"))
    shell = page(SITE, '<div id="app">Loading…</div><noscript>This site needs JavaScript.</noscript>',
                 menu=("home", "about"), feed=False)
    for path in ("/", "/blog/", "/blog/page/2/", "/archive/", "/tags/boats/"):
        write(root, path, shell)
    (root / "feed.xml").unlink()
    docs = [f"/docs/chapter-{n}/" for n in range(1, 21)]
    for n, path in enumerate(docs, start=1):
        write(root, path, page(f"Chapter {n} | {SITE}", f"<h1>Chapter {n}</h1><p>How to splice a rope, part {n}: "
                                                          "lay the strands out, tuck each one twice.</p>"))
    sitemap = (root / "sitemap.xml").read_text("utf-8")
    docs_urls = "".join(f"<url><loc>{path}</loc></url>" for path in docs)
    (root / "sitemap.xml").write_text(sitemap.replace("<urlset", "<urlset", 1).replace(
        'sitemaps.org/schemas/sitemap/0.9">', f'sitemaps.org/schemas/sitemap/0.9">{docs_urls}', 1), "utf-8")
    served = serve_logged(root)
    result = crawl(served, db)
    got = archived(db)
    assert set(got) == {p.path for p in posts}, result.stdout
    assert all("sitemap" in got[p.path]["extracted_by"] for p in posts)
    assert all(got[p.path]["title"] == p.title for p in posts)
    assert len([path for path in served.paths() if path.startswith("/docs/")]) <= 12


def test_posts_beyond_the_home_are_sought_in_the_month_archives_the_feed_points_to(tmp_path, serve_logged):
    """A home with the 4 newest posts and no pagination, an archive widget of month pages, a feed of the 8 newest:
    the 4 posts the feed names beyond the home are found on their month pages (which list them as posts)."""
    root, db = tmp_path / "site", tmp_path / "a.db"
    posts = make_posts(16)  # 4 posts a month, January to April
    write_blog(root, posts, home="list", sitemap=False, feed_size=8, menu=("home", "about"))
    months = sorted({p.day[:7] for p in posts}, reverse=True)
    widget = '<aside class="sidebar"><h3>Archives</h3><ul>' + "".join(
        f'<li><a href="/{m.replace("-", "/")}/">{m}</a></li>' for m in months) + "</ul></aside>"
    write(root, "/", page(SITE, "".join(card(p) for p in posts[:4]), menu=("home", "about"), sidebar=widget))
    for month in months:
        held = [p for p in posts if p.day.startswith(month)]
        write(root, f"/{month.replace('-', '/')}/", page(f"{month} | {SITE}", "".join(card(p) for p in held),
                                                         menu=("home", "about"), sidebar=widget))
    served = serve_logged(root)
    crawl(served, db)
    got = archived(db)
    named = {p.path for p in posts[:8]}
    assert named <= set(got)
    assert set(got) <= {p.path for p in posts}
    assert all(got[path]["listing_url"].endswith(("/2023/03/", "/2023/04/")) for path in named - {p.path for p in posts[:4]})


# -- sitemap lastmod on a re-crawl --------------------------------------------------------------------------------

def test_a_deep_edit_is_caught_by_the_sitemap_lastmod_with_one_sitemap_request(tmp_path, serve_logged):
    """A post on the last listing page is edited; its sitemap lastmod and the feed's <updated> move, the home page
    does not. The re-crawl asks for robots.txt, the home (304), the sitemap and that post only."""
    root, db = tmp_path / "site", tmp_path / "a.db"
    posts = make_posts(20)
    write_blog(root, posts, home="list")
    served = serve_logged(root)
    crawl(served, db)

    deep = posts[-2]
    write_blog(root, posts, home="list", edits={deep.number: " A paragraph added in the spring."},
               lastmod={deep.number: "2024-04-01"})
    served.forget()
    crawl(served, db)
    asked = served.paths()
    assert sorted(asked) == sorted(["/robots.txt", "/", "/sitemap.xml", deep.path]), asked
    versions = rows(db, "SELECT p.url FROM post_versions v JOIN posts p ON p.id = v.post_id")
    assert [urlsplit(v["url"]).path for v in versions] == [deep.path]
    text = rows(db, "SELECT content_text FROM posts WHERE url LIKE ?", f"%{deep.path}")[0]["content_text"]
    assert "added in the spring" in text


def test_an_unchanged_recrawl_asks_for_a_sitemap_with_lastmod_conditionally(tmp_path, serve_logged):
    """The sitemap's lastmod is the one evidence of a deep edit: an unchanged blog's re-crawl asks for robots.txt,
    the home and the sitemap, and both answer 304."""
    root, db = tmp_path / "site", tmp_path / "a.db"
    write_blog(root, make_posts(12), home="list")
    served = serve_logged(root)
    crawl(served, db)
    assert "/sitemap.xml" in served.paths()
    served.forget()
    crawl(served, db)
    assert sorted(served.paths()) == ["/", "/robots.txt", "/sitemap.xml"]
    statuses = {urlsplit(r["url"]).path: r["status"] for r in rows(db, "SELECT url, status FROM pages")}
    assert statuses["/"] == statuses["/sitemap.xml"] == 304


def test_an_unchanged_recrawl_does_not_ask_for_a_sitemap_without_lastmod(tmp_path, serve_logged):
    root, db = tmp_path / "site", tmp_path / "a.db"
    posts = make_posts(12)
    write_blog(root, posts, home="list")
    write(root, "/sitemap.xml", '<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/'
                                'schemas/sitemap/0.9">' + "".join(f"<url><loc>{p.path}</loc></url>" for p in posts)
                                + "</urlset>")
    served = serve_logged(root)
    crawl(served, db)
    assert "/sitemap.xml" in served.paths()
    served.forget()
    crawl(served, db)
    assert sorted(served.paths()) == ["/", "/robots.txt"]
