"""Extraction alone (parse + extract, no network): listing pages/s and post pages/s, ours and trafilatura's.

Pages come from a blogbench synthetic blog (made here) and, when present, the corpus in ../shared/corpus
(read at run time for measurement, never copied). The trafilatura anchor runs in the anchors' venv
($BLOGBENCH_VENV, default /tmp/bb-venv; see ../shared/blogbench/anchors/README.md) on the same post pages, in the
same run; it is skipped with a note when that venv is missing.

    python benchmarks/bench_extract.py [--posts 1000] [--rounds 3]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
SHARED = REPO.parent / "shared"
BLOGBENCH = SHARED / "blogbench" / "blogbench"
CORPUS = SHARED / "corpus"

from archiver.extract.encoding import decode_html  # noqa: E402
from archiver.extract.listing import parse_listing  # noqa: E402
from archiver.extract.post import parse_post  # noqa: E402

TRAFILATURA_SCRIPT = r"""
import json, sys, time
from trafilatura import bare_extraction
pages = json.load(open(sys.argv[1]))
started = time.process_time()
for url, html in pages:
    bare_extraction(html, url=url, with_metadata=True)
print(json.dumps({"cpu_s": time.process_time() - started, "pages": len(pages)}))
"""


def _www_file(www: Path, path: str) -> Path | None:
    target = www / path.lstrip("/")
    if path.endswith("/") or target.is_dir():
        target = target / "index.html"
    return target if target.is_file() else None


def synthetic_pages(posts: int, workdir: Path) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(listing pages, post pages) of a fresh synthetic blog as (url, html)."""
    site = workdir / "synth"
    subprocess.run([sys.executable, str(BLOGBENCH), "synth", str(site), "--posts", str(posts)], check=True,
                   stdout=subprocess.DEVNULL)
    return _site_pages(site)


def _site_pages(site: Path) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    meta = json.loads((site / "site.json").read_text("utf-8"))
    origin = meta["origins"][0] if meta.get("origins") else "http://127.0.0.1"
    www = site / "www"
    listings, posts = [], []
    for path in meta["listing_pages"]:
        file = _www_file(www, path)
        if file:
            listings.append((origin + path, decode_html(file.read_bytes(), None)[0]))
    for post in meta["posts"]:
        if post.get("in_www"):
            path = post["url"] if post["url"].startswith("/") else "/" + post["url"].split("/", 3)[-1]
            file = _www_file(www, path)
            if file:
                posts.append((origin + path, decode_html(file.read_bytes(), None)[0]))
    return listings, posts


def corpus_pages() -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    listings, posts = [], []
    if not CORPUS.is_dir():
        return listings, posts
    for site in sorted(p for p in CORPUS.iterdir() if (p / "site.json").is_file()):
        site_listings, site_posts = _site_pages(site)
        listings += site_listings
        posts += site_posts
    return listings, posts


def rate(function, pages: list[tuple[str, str]], rounds: int) -> float:
    """Pages per CPU second, best of `rounds`."""
    best = float("inf")
    for _ in range(rounds):
        started = time.process_time()
        for url, html in pages:
            function(html, url)
        best = min(best, time.process_time() - started)
    return len(pages) / best if best else float("inf")


def trafilatura_rate(pages: list[tuple[str, str]]) -> float | None:
    venv_python = Path(os.environ.get("BLOGBENCH_VENV", "/tmp/bb-venv")) / "bin" / "python"
    if not venv_python.exists():
        return None
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
        json.dump(pages, handle)
    try:
        out = subprocess.run([str(venv_python), "-c", TRAFILATURA_SCRIPT, handle.name], check=True,
                             capture_output=True, text=True).stdout
    finally:
        os.unlink(handle.name)
    result = json.loads(out.strip().splitlines()[-1])
    return result["pages"] / result["cpu_s"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        sets = {"synthetic": synthetic_pages(args.posts, Path(tmp)), "corpus": corpus_pages()}
    print(f"{'pages':<10} {'kind':<8} {'n':>6} {'ours/s':>9} {'trafilatura/s':>14} {'ratio':>7}  (per CPU second)")
    for name, (listings, posts) in sets.items():
        if not listings:
            print(f"{name:<10} (not available)")
            continue
        listing_rate = rate(parse_listing, listings, args.rounds)
        print(f"{name:<10} {'listing':<8} {len(listings):>6} {listing_rate:>9.0f} {'-':>14} {'-':>7}")
        post_rate = rate(parse_post, posts, args.rounds)
        anchor = trafilatura_rate(posts)
        ratio = f"{post_rate / anchor:>6.1f}x" if anchor else "-"
        anchor_text = f"{anchor:.0f}" if anchor else "no venv"
        print(f"{name:<10} {'post':<8} {len(posts):>6} {post_rate:>9.0f} {anchor_text:>14} {ratio:>7}")


if __name__ == "__main__":
    main()
