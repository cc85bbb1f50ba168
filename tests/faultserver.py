"""A fault-injecting blog server for crawl tests: a generated WordPress-like blog on 127.0.0.1 whose posts and
listing pages misbehave the ways real servers do.

Faults, one post each (see FAULTS): transient and permanent 5xx, 429 with Retry-After, a response that never
comes, a truncated body, a slow drip, a redirect chain, a redirect loop back to the post's own URL, a PDF, a
50 MB page, a gzip bomb, GBK served as UTF-8, unlabelled Windows-1252. Listing page 2 answers 503 once, page 3
429 with Retry-After once; every listing page carries an endless calendar (month pages, each linking the next).
Every response is generated: nothing is written to disk, the big ones are streamed.
"""

from __future__ import annotations

import html
import threading
import zlib
from collections import Counter
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

PER_PAGE = 8
PLAIN_POSTS = 22
HUGE_BYTES = 50 * 1024 * 1024
BOMB_BYTES = 256 * 1024 * 1024  # what the gzip bomb inflates to (it weighs ~250 kB on the wire)
DRIP_CHUNKS = 20
DRIP_PAUSE = 0.05  # seconds between chunks: about 1 s for the page, well inside the crawl's DOWNLOAD_TIMEOUT
PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj 2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"
       b"trailer<</Root 1 0 R>>\n%%EOF\n")

# fault -> what must become of its post: "archived" (its page read, real title) or "logged" (a crawl_errors row
# with its URL; the post keeps what its listing showed).
FAULTS = {
    "transient-500": "archived",
    "permanent-500": "logged",
    "retry-after-429": "archived",
    "hang": "logged",
    "truncated": "logged",
    "drip": "archived",
    "redirect-chain": "archived",
    "redirect-loop": "logged",
    "pdf": "logged",
    "huge": "logged",
    "gzip-bomb": "logged",
    "gbk-as-utf8": "archived",
    "unlabelled-cp1252": "archived",
}
TITLES = {
    "gbk-as-utf8": "缓存失效的三种策略",
    "unlabelled-cp1252": "Café notes – “naïve” façades cost €5",
}


@dataclass(frozen=True)
class BlogPost:
    """A post of the generated blog: what a reader sees, and how its server misbehaves."""

    slug: str
    title: str
    date: str  # YYYY-MM-DD
    body: str  # a sentence only its own page shows
    fault: str = ""

    @property
    def path(self) -> str:
        return f"/posts/{self.slug}/"

    @property
    def expected(self) -> str:
        return FAULTS.get(self.fault, "archived")


def generated_posts() -> list[BlogPost]:
    """The blog's posts, newest first: plain ones with a fault post every other one."""
    faults = list(FAULTS)
    posts = []
    for number in range(PLAIN_POSTS + len(faults)):
        month, day = 12 - (number // 4) % 12, 28 - number % 27
        date = f"2024-{month:02d}-{day:02d}"
        fault = faults.pop(0) if number % 2 == 1 and faults else ""
        slug = f"{fault}-{number}" if fault else f"note-{number}"
        title = TITLES.get(fault, f"Field note {number}: {fault or 'plain'} & more")
        body = f"Only the page of post {number} says this sentence about {slug}."
        if fault == "gbk-as-utf8":
            body = f"只有第{number}篇文章的页面写着这句话，关于缓存与队列。"
        elif fault == "unlabelled-cp1252":
            body = f"Only page {number} says “this” – with café crème, naïveté and €."
        posts.append(BlogPost(slug, title, date, body, fault))
    return posts


class FaultServer(ThreadingHTTPServer):
    """The blog on 127.0.0.1:PORT; `hits` counts requests per path."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self) -> None:
        self.posts = generated_posts()
        self.by_path = {post.path: post for post in self.posts}
        self.hits: Counter[str] = Counter()
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self._bomb: bytes | None = None
        super().__init__(("127.0.0.1", 0), FaultHandler)
        self.thread = threading.Thread(target=self.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/"

    def __enter__(self) -> FaultServer:
        self.thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stopping.set()  # releases the hanging responses
        self.shutdown()
        self.server_close()
        self.thread.join(timeout=10)

    def hit(self, path: str) -> int:
        """Count a request for `path`; returns how many there were, this one included."""
        with self.lock:
            self.hits[path] += 1
            return self.hits[path]

    def bomb(self) -> bytes:
        """BOMB_BYTES of spaces, gzipped (made once)."""
        with self.lock:
            if self._bomb is None:
                packer = zlib.compressobj(9, zlib.DEFLATED, 31)
                chunk = b" " * (1024 * 1024)
                self._bomb = b"".join(packer.compress(chunk) for _ in range(BOMB_BYTES // len(chunk)))
                self._bomb += packer.flush()
            return self._bomb

    def handle_error(self, request, client_address) -> None:
        """A crawler that hangs up (timeout, size limit) is expected here: stay quiet."""


class FaultHandler(BaseHTTPRequestHandler):
    server: FaultServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet."""

    def do_GET(self) -> None:
        path = urlsplit(self.path).path
        count = self.server.hit(path)
        if path == "/robots.txt":
            return self._send(200, b"User-agent: *\nAllow: /\n", "text/plain")
        if path == "/" or path.startswith("/page/"):
            return self._listing(path, count)
        if path.startswith("/calendar/"):
            return self._calendar(path)
        post = self.server.by_path.get(path)
        if post is not None:
            return self._post(post, count)
        if path.startswith("/moved/") or path.startswith("/loop/"):
            return self._redirect_hop(path)
        return self._send(404, b"<html><body><h1>Not found</h1></body></html>")

    # -- listing pages, with the endless calendar -------------------------------------------------------------

    def _listing(self, path: str, count: int) -> None:
        number = 1 if path == "/" else int(path.strip("/").split("/")[-1])
        if number == 2 and count == 1:
            return self._send(503, b"<html><body>busy</body></html>")
        if number == 3 and count == 1:
            return self._send(429, b"<html><body>slow down</body></html>", extra={"Retry-After": "1"})
        posts = self.server.posts
        pages = (len(posts) + PER_PAGE - 1) // PER_PAGE
        if not 1 <= number <= pages:
            return self._send(404, b"<html><body><h1>Not found</h1></body></html>")
        shown = posts[(number - 1) * PER_PAGE : number * PER_PAGE]
        articles = "".join(
            f'<article class="post type-post hentry"><header class="entry-header"><h2 class="entry-title">'
            f'<a href="{p.path}" rel="bookmark">{html.escape(p.title)}</a></h2><div class="entry-meta">'
            f'<time class="entry-date published" datetime="{p.date}T09:00:00+00:00">{p.date}</time></div></header>'
            f'<div class="entry-summary"><p>A note from the field, number {i}.</p></div></article>'
            for i, p in enumerate(shown)
        )
        older = f'<div class="nav-previous"><a href="/page/{number + 1}/">Older posts</a></div>' if number < pages else ""
        page = (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><meta name="generator" '
                f'content="WordPress 6.5"><title>Fault Lines</title></head><body class="home blog">'
                f'<main id="main" class="site-main">{articles}<nav class="navigation posts-navigation">'
                f'<div class="nav-links">{older}</div></nav></main>{_calendar_widget(2024, 3)}</body></html>')
        self._send(200, page.encode())

    def _calendar(self, path: str) -> None:
        try:
            year, month = (int(part) for part in path.strip("/").split("/")[1:3])
        except ValueError:
            return self._send(404, b"<html><body>no</body></html>")
        page = (f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{year}-{month:02d} | Fault Lines</title>'
                f'</head><body><main><h1>Archives: {year}-{month:02d}</h1><p>Nothing posted this month.</p></main>'
                f'{_calendar_widget(year, month)}</body></html>')
        self._send(200, page.encode())

    # -- posts ----------------------------------------------------------------------------------------------------

    def _post(self, post: BlogPost, count: int) -> None:
        fault = post.fault
        if fault == "transient-500" and count == 1:
            return self._send(500, b"<html><body>oops</body></html>")
        if fault == "permanent-500":
            return self._send(502, b"<html><body>bad gateway</body></html>")
        if fault == "retry-after-429" and count == 1:
            return self._send(429, b"<html><body>later</body></html>", extra={"Retry-After": "1"})
        if fault == "hang":
            self.server.stopping.wait(120)  # never answers while the crawl runs
            self.close_connection = True
            return None
        if fault == "redirect-chain":
            return self._send(301, b"", extra={"Location": f"/moved/{post.slug}/a/"})
        if fault == "redirect-loop":
            return self._send(302, b"", extra={"Location": f"/loop/{post.slug}/"})
        if fault == "pdf":
            return self._send(200, PDF, "application/pdf")
        if fault == "huge":
            return self._stream_huge()
        if fault == "gzip-bomb":
            return self._send(200, self.server.bomb(), extra={"Content-Encoding": "gzip"})
        page = _post_page(post)
        if fault == "gbk-as-utf8":
            return self._send(200, page.replace('<meta charset="utf-8">', "").encode("gbk"))
        if fault == "unlabelled-cp1252":
            return self._send(200, page.replace('<meta charset="utf-8">', "").encode("cp1252"), "text/html")
        if fault == "truncated":
            return self._truncated(page.encode())
        if fault == "drip":
            return self._drip(page.encode())
        return self._send(200, page.encode())

    def _redirect_hop(self, path: str) -> None:
        parts = path.strip("/").split("/")
        slug = parts[1]
        if parts[0] == "loop":
            return self._send(302, b"", extra={"Location": f"/posts/{slug}/"})  # back where it started
        if parts[-1] == "a":
            return self._send(302, b"", extra={"Location": f"/moved/{slug}/b/"})
        if parts[-1] == "b":
            return self._send(307, b"", extra={"Location": f"/moved/{slug}/final/"})
        post = self.server.by_path[f"/posts/{slug}/"]
        return self._send(200, _post_page(post).encode())

    def _stream_huge(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Connection", "close")  # no length: the crawler only learns the size by reading
        self.end_headers()
        self.close_connection = True
        filler = b"<p>" + b"all work and no play " * 3000 + b"</p>\n"
        sent = 0
        try:
            self.wfile.write(b"<!DOCTYPE html><html><head><title>Huge</title></head><body>")
            while sent < HUGE_BYTES and not self.server.stopping.is_set():
                self.wfile.write(filler)
                sent += len(filler)
        except OSError:
            return  # the crawler gave up at its size limit

    def _truncated(self, body: bytes) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body) * 2))
        self.end_headers()
        self.wfile.write(body[: len(body) // 2])
        self.wfile.flush()
        self.close_connection = True  # the connection ends with half the announced bytes

    def _drip(self, body: bytes) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        step = max(1, len(body) // DRIP_CHUNKS + 1)
        try:
            for start in range(0, len(body), step):
                self.wfile.write(body[start : start + step])
                self.wfile.flush()
                if self.server.stopping.wait(DRIP_PAUSE):
                    return
        except OSError:
            return

    def _send(self, status: int, body: bytes, content_type: str = "text/html; charset=utf-8",
              extra: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        for name, value in (extra or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        try:
            self.wfile.write(body)
        except OSError:
            self.close_connection = True


def _post_page(post: BlogPost) -> str:
    title = html.escape(post.title)
    return (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{title} | Fault Lines</title>'
            f'<meta property="og:title" content="{title}"></head><body class="single">'
            f'<article class="post hentry"><header><h1 class="entry-title">{title}</h1>'
            f'<time class="entry-date published" datetime="{post.date}T09:00:00+00:00">{post.date}</time></header>'
            f'<div class="entry-content"><p>{html.escape(post.body)}</p><p>Some more words so the body is a body, '
            f'about caches, queues and the weather over the field.</p></div></article></body></html>')


def _calendar_widget(year: int, month: int) -> str:
    """WordPress's calendar: links to the previous and next month, forever."""
    before = (year, month - 1) if month > 1 else (year - 1, 12)
    after = (year, month + 1) if month < 12 else (year + 1, 1)
    return (f'<aside class="widget widget_calendar"><table id="wp-calendar"><caption>{year}-{month:02d}</caption>'
            f'<tfoot><tr><td id="prev"><a href="/calendar/{before[0]}/{before[1]:02d}/">&laquo; Previous</a></td>'
            f'<td id="next"><a href="/calendar/{after[0]}/{after[1]:02d}/">Next &raquo;</a></td></tr></tfoot>'
            f"</table></aside>")
