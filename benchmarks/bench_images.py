"""What archiving images costs a crawl: the same blogs crawled with images on and with --no-images (the anchor,
measured in the same run), on 127.0.0.1 with AutoThrottle off.

Two blogs, written to a temporary folder and served by the project's static server:
  * "images": --posts posts (default 600), each showing --per-post images (default 3: two of its own, one shared
    by every post), PNGs made here, 20 posts per listing page;
  * "text": the same posts without any image (what images-on costs a blog that has none: the body scan only).
Reported per run: wall seconds, crawl CPU seconds, posts/s, image responses; and the ratio on/off.

    python -m benchmarks.bench_images [--posts 600] [--per-post 3] [--repeat 1]
"""

from __future__ import annotations

import argparse
import os
import resource
import struct
import subprocess
import sys
import tempfile
import time
import zlib
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
FAST = ["-s", "AUTOTHROTTLE_ENABLED=False", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=16", "-s", "CONCURRENT_REQUESTS=32",
        "-s", "LOG_LEVEL=ERROR"]
PER_PAGE = 20


def png(width: int, height: int, seed: int) -> bytes:
    """A small one-colour PNG, its colour from `seed` (distinct images have distinct bytes)."""
    rgb = bytes(((seed * 37) % 256, (seed * 91) % 256, (seed * 53) % 256))
    raw = (b"\x00" + rgb * width) * height

    def chunk(kind: bytes, payload: bytes) -> bytes:
        return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 6)) + chunk(b"IEND", b"")


def write_blog(root: Path, posts: int, per_post: int) -> int:
    """A paginated blog of `posts` posts, each showing `per_post` images (0: none); returns the distinct images."""
    images: set[str] = set()
    if per_post:
        (root / "img").mkdir(parents=True, exist_ok=True)
        (root / "img" / "shared.png").write_bytes(png(400, 200, 0))
        images.add("shared")
    paths = []
    for number in range(1, posts + 1):
        path = f"posts/{number:05d}/"
        paths.append((path, f"Field note {number}"))
        figures = []
        for index in range(per_post):
            name = "shared" if index == per_post - 1 and per_post > 1 else f"p{number}-{index}"
            if name not in images:
                (root / "img" / f"{name}.png").write_bytes(png(320, 180, number * 7 + index))
                images.add(name)
            figures.append(f'<p><img src="/img/{name}.png" alt="figure {index}"></p>')
        text = (f"<p>Field note {number} records what the tide left on the sand this morning, with the usual "
                "remarks on weather, birds and the state of the path down to the water.</p>")
        page = (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Field note {number}</title>'
                f'<meta property="article:published_time" content="2024-01-01T08:00:00+00:00"></head><body>'
                f'<main><article><h1>Field note {number}</h1><time datetime="2024-01-01">2024-01-01</time>'
                f'{text}{"".join(figures)}{text}</article></main></body></html>')
        target = root / path / "index.html"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(page, "utf-8")
    pages = [paths[i:i + PER_PAGE] for i in range(0, len(paths), PER_PAGE)]
    for index, chunk in enumerate(pages, start=1):
        entries = "".join(f'<article><h2><a href="/{p}">{t}</a></h2><time datetime="2024-01-01">2024-01-01</time>'
                          f"<p>Notes from the shore, {t.lower()}.</p></article>" for p, t in chunk)
        older = f'<a rel="next" href="/page/{index + 1}/">Older posts</a>' if index < len(pages) else ""
        target = root / ("index.html" if index == 1 else f"page/{index}/index.html")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Shore Log</title>'
                          f"</head><body><main>{entries}</main><nav>{older}</nav></body></html>", "utf-8")
    return len(images)


def crawl(url: str, work: Path, *extra: str) -> dict[str, float]:
    """One `archiver crawl` in a subprocess: wall and CPU seconds, posts and image responses archived."""
    import sqlite3

    db = work / "archive.db"
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "archiver.cli", "crawl", url, "--db", str(db), "--no-progress", *FAST,
                    *extra], cwd=work, check=True, stdout=subprocess.DEVNULL, env={**os.environ, "PYTHONPATH": str(REPO)})
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    with sqlite3.connect(db) as connection:
        posts = connection.execute("SELECT count(*) FROM posts").fetchone()[0]
        images = connection.execute("SELECT count(*) FROM media WHERE sha256 IS NOT NULL").fetchone()[0]
    return {"wall": wall, "cpu": cpu, "posts": posts, "images": images}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=600)
    parser.add_argument("--per-post", type=int, default=3)
    parser.add_argument("--repeat", type=int, default=1, help="runs of each configuration (the best is kept)")
    args = parser.parse_args()
    sys.path.insert(0, str(REPO))
    from archiver.demo.server import serve_directory

    with tempfile.TemporaryDirectory(prefix="bench-images-") as scratch:
        base = Path(scratch)
        blogs = {"images": write_blog(base / "images", args.posts, args.per_post),
                 "text": write_blog(base / "text", args.posts, 0)}
        print(f"{'blog':<7} {'images':<7} {'wall_s':>7} {'cpu_s':>7} {'posts/s':>8} {'images':>7}")
        results: dict[tuple[str, str], dict[str, float]] = {}
        for blog, distinct in blogs.items():
            with serve_directory(base / blog) as server:
                for label, extra in (("off", ("--no-images",)), ("on", ())):
                    best = None
                    for attempt in range(args.repeat):
                        work = base / f"run-{blog}-{label}-{attempt}"
                        work.mkdir()
                        result = crawl(server.url + "/", work, *extra)
                        best = result if best is None or result["wall"] < best["wall"] else best
                    assert best is not None
                    results[(blog, label)] = best
                    print(f"{blog:<7} {label:<7} {best['wall']:>7.2f} {best['cpu']:>7.2f} "
                          f"{best['posts'] / best['wall']:>8.1f} {best['images']:>7.0f}")
            if blog == "images":
                print(f"        ({distinct} distinct images on the blog)")
        for blog in blogs:
            on, off = results[(blog, "on")], results[(blog, "off")]
            print(f"{blog}: images on / off: wall {on['wall'] / off['wall']:.2f}x, crawl CPU {on['cpu'] / off['cpu']:.2f}x")


if __name__ == "__main__":
    main()
