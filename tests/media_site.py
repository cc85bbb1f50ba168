"""A fixture blog with images, for the image, export and WACZ tests: images on the blog's host and on a second
loopback host (127.0.0.2, as a CDN), an img with only a srcset, a <picture>, a missing image, a 20 MB image over
the per-image limit, an image two posts show, the same bytes under a second URL, and an image the CDN's
robots.txt forbids. Every image is made here (PNG bytes written with zlib), nothing is copied from anywhere.
"""

from __future__ import annotations

import html
import json
import os
import struct
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from archiver.demo.server import ServerHandle, serve_directory

CDN_HOST = "127.0.0.2"
HUGE_BYTES = 20 * 1024 * 1024


def png(width: int, height: int, rgb: tuple[int, int, int], *, noise: bool = False) -> bytes:
    """A PNG image: one colour, or random noise (which does not compress: a file of about width*height*3)."""
    row_bytes = width * 3
    if noise:
        raw = b"".join(b"\x00" + os.urandom(row_bytes) for _ in range(height))
        data = zlib.compress(raw, 0)
    else:
        raw = (b"\x00" + bytes(rgb) * width) * height
        data = zlib.compress(raw, 9)

    def chunk(kind: bytes, payload: bytes) -> bytes:
        return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", data) + chunk(b"IEND", b"")


@dataclass
class MediaPost:
    path: str
    title: str
    date: str
    body: str  # HTML of the post body
    images: list[str] = field(default_factory=list)  # absolute URLs the archived body shows, in order


@dataclass
class MediaSite:
    """The served blog and its CDN, with what a reader of it would say."""

    url: str  # the blog's home (http://127.0.0.1:PORT/)
    cdn: str  # http://127.0.0.2:PORT/
    posts: list[MediaPost]
    archived: dict[str, bytes]  # image URL -> the bytes the archive must hold
    missing: str  # a 404
    huge: str  # over the per-image limit
    forbidden: str  # disallowed by the CDN's robots.txt
    not_chosen: str  # the narrow srcset candidate, never fetched
    moved: str = ""  # an image whose address answers 301 to another


def _write(root: Path, path: str, data: bytes | str) -> None:
    target = root / path.lstrip("/")
    if path.endswith("/"):
        target = target / "index.html"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)


def _post_page(post: MediaPost) -> str:
    return f"""<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{html.escape(post.title)} | Tide Log</title>
<meta property="og:title" content="{html.escape(post.title)}">
<meta property="article:published_time" content="{post.date}T08:00:00+00:00"></head>
<body><header><a href="/" rel="home">Tide Log</a></header>
<main><article class="post"><h1>{html.escape(post.title)}</h1>
<time datetime="{post.date}T08:00:00+00:00">{post.date}</time>
<div class="post-body">{post.body}</div></article></main>
<footer>Tide Log, a fixture blog</footer></body></html>"""


def build(blog_root: Path, cdn_root: Path, blog: str, cdn: str) -> MediaSite:
    """Write the blog (served at `blog`) and its CDN (served at `cdn`) to the two folders."""
    harbour = png(320, 180, (30, 110, 200))
    lighthouse = png(200, 300, (220, 60, 40))
    boats_small, boats_large = png(320, 90, (250, 200, 0)), png(1400, 390, (40, 170, 90))
    gull = png(240, 160, (120, 40, 160))
    pier = png(300, 120, (200, 120, 30))
    images = {
        "/images/harbour.png": harbour,
        "/images/harbour-copy.png": harbour,  # the same bytes under a second URL
        "/images/boats-320.png": boats_small,
        "/images/boats-1400.png": boats_large,
        "/images/gull.png": gull,
        "/images/pier.png": pier,  # only reached through a redirect from /old/pier.png
        "/images/huge.png": png(2600, 2700, (0, 0, 0), noise=True),
    }
    for path, data in images.items():
        _write(blog_root, path, data)
    _write(cdn_root, "/cdn/lighthouse.png", lighthouse)
    _write(cdn_root, "/private/secret.png", png(50, 50, (0, 0, 0)))
    _write(cdn_root, "/robots.txt", "User-agent: *\nDisallow: /private/\n")
    _write(blog_root, "/_headers.json", json.dumps({"/old/pier.png": {"status": 301,
                                                                       "headers": {"Location": "/images/pier.png"}}}))

    prose = ("<p>We walked down to the water before the ferries started, when the light is still flat and grey "
             "and the gulls have the quay to themselves. These notes keep what we saw.</p>")
    posts = [
        MediaPost(
            "/2024/05/harbour-at-dawn/", "Harbour at dawn", "2024-05-04",
            prose + '<p><img src="/images/harbour.png" alt="the harbour"></p>'
            f'<p><img src="{cdn}cdn/lighthouse.png" alt="the lighthouse" width="200" height="300"></p>'
            '<p><img srcset="/images/boats-320.png 320w, /images/boats-1400.png 1400w" sizes="100vw" alt="boats"></p>'
            '<p><img src="/images/missing.png" alt="a photo that is gone"></p>'
            f'<p><img src="{cdn}private/secret.png" alt="a private photo"></p>'
            "<p>The tide turned at seven and we went back up the hill for breakfast.</p>",
            [blog + "images/harbour.png", cdn + "cdn/lighthouse.png", blog + "images/boats-1400.png",
             blog + "images/missing.png", cdn + "private/secret.png"],
        ),
        MediaPost(
            "/2024/05/cliff-walk/", "Cliff walk", "2024-05-11",
            prose + '<p><img src="/images/harbour.png" alt="the harbour again"></p>'
            '<p><img src="/images/huge.png" alt="a panorama far too big"></p>'
            '<picture><source srcset="/images/gull.webp" type="image/webp"><img src="/images/gull.png" alt="a gull">'
            "</picture><p>The path along the cliff is closed after the winter storms, so we turned back early.</p>",
            [blog + "images/harbour.png", blog + "images/huge.png", blog + "images/gull.png"],
        ),
        MediaPost(
            "/2024/05/same-picture/", "The same picture twice", "2024-05-18",
            prose + '<p><img src="/images/harbour-copy.png" alt="the harbour, copied"></p>'
            '<p><img src="/old/pier.png" alt="the pier, moved"></p>'
            "<p>Someone uploaded the harbour photo a second time under another name.</p>",
            [blog + "images/harbour-copy.png", blog + "old/pier.png"],
        ),
    ]
    entries = "".join(
        f"""<article class="post-entry"><h2><a href="{p.path}">{html.escape(p.title)}</a></h2>
<time datetime="{p.date}">{p.date}</time><p>Notes from the coast, {html.escape(p.title.lower())}.</p></article>"""
        for p in sorted(posts, key=lambda p: p.date, reverse=True)
    )
    _write(blog_root, "/", f"""<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Tide Log</title></head>
<body><header><a href="/" rel="home">Tide Log</a></header><main>{entries}</main></body></html>""")
    for post in posts:
        _write(blog_root, post.path, _post_page(post))
    archived = {blog + path.lstrip("/"): data for path, data in images.items()
                if path not in ("/images/huge.png", "/images/boats-320.png", "/images/pier.png")}
    archived[blog + "old/pier.png"] = pier  # archived under the address the post shows
    archived[cdn + "cdn/lighthouse.png"] = lighthouse
    return MediaSite(blog, cdn, posts, archived, missing=blog + "images/missing.png", huge=blog + "images/huge.png",
                     forbidden=cdn + "private/secret.png", not_chosen=blog + "images/boats-320.png",
                     moved=blog + "old/pier.png")


@contextmanager
def served_media_site(folder: Path) -> Iterator[tuple[MediaSite, ServerHandle, ServerHandle]]:
    """Build the blog under `folder` and serve it on 127.0.0.1 and its CDN on 127.0.0.2."""
    for name in ("blog", "cdn"):
        (folder / name).mkdir(parents=True, exist_ok=True)
    cdn_handle = serve_directory(folder / "cdn", host=CDN_HOST)
    try:
        blog_handle = serve_directory(folder / "blog")
        try:
            site = build(folder / "blog", folder / "cdn", blog_handle.url + "/", cdn_handle.url + "/")
            yield site, blog_handle, cdn_handle
        finally:
            blog_handle.stop()
    finally:
        cdn_handle.stop()


def crawl_media_site(folder: Path) -> tuple[MediaSite, Path]:
    """Serve the blog, crawl it with `archiver crawl` into folder/archive.db, then take the blog down (the
    archive must show it without it); returns the site and the archive's path."""
    from tests.conftest import run_archiver

    db = folder / "archive.db"
    with served_media_site(folder / "site") as (site, _blog, _cdn):
        result = run_archiver("crawl", site.url, "--db", str(db), cwd=folder)
        assert result.returncode == 0, result.stderr
    return site, db
