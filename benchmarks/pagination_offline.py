"""Offline pagination check over the corpus: follow find_next_pages from each site's start page through www/ files.

Reports per site how many gold listing pages were reached, how many non-listing pages were visited, and the
speed of parse + find_next_pages.
Usage: PYTHONPATH=. .venv/bin/python benchmarks/pagination_offline.py [CORPUS] [SITE...]
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections import deque
from pathlib import Path
from urllib.parse import unquote, urlsplit

from archiver.extract.encoding import decode_html
from archiver.extract.html import parse_html
from archiver.extract.pagination import find_next_pages
from archiver.extract.urls import blog_root, in_scope, url_key

DEFAULT_CORPUS = Path("/work/shared/corpus")
PAGE_CAP = 500
INDEX_FILES = ("index.html", "index.htm")


def file_for(www: Path, base_path: str, url: str) -> Path | None:
    """The www file a URL path is served from (GitHub Pages rules: dir/ → dir/index.html, /a → a.html)."""
    path = unquote(urlsplit(url).path or "/")
    if not path.startswith(base_path):
        return None
    rel = path[len(base_path):]
    target = www / rel
    if rel == "" or rel.endswith("/") or target.is_dir():
        for index in INDEX_FILES:
            if (target / index).is_file():
                return target / index
        return None
    if target.is_file():
        return target
    if Path(str(target) + ".html").is_file():
        return Path(str(target) + ".html")
    return None


def crawl_site(site_dir: Path) -> dict[str, object]:
    """Breadth-first over find_next_pages from the start page; counts against the gold listing pages."""
    meta = json.loads((site_dir / "site.json").read_text(encoding="utf-8"))
    origin = meta["origins"][0]
    base_path = meta.get("base_path") or "/"
    start = origin + meta["start"]
    gold = {url_key(origin + p) for p in meta["listing_pages"]}
    origins_hosts = {urlsplit(o).netloc.lower() for o in meta["origins"]}
    root = blog_root(start)
    queue: deque[str] = deque([start])
    seen = {url_key(start)}
    reached: set[str] = set()
    extra: list[str] = []
    missing_files: list[str] = []
    pages = 0
    elapsed = finding = 0.0
    while queue and pages < PAGE_CAP:
        url = queue.popleft()
        key = url_key(url)
        if key in gold:
            reached.add(key)
        else:
            extra.append(urlsplit(url).path)
        path = file_for(site_dir / "www", base_path, url)
        if path is None:
            missing_files.append(urlsplit(url).path)
            continue
        body = path.read_bytes()
        began = time.perf_counter()
        text, _ = decode_html(body, None)
        doc = parse_html(text, url)
        parsed = time.perf_counter()
        next_pages = find_next_pages(doc, url)
        finding += time.perf_counter() - parsed
        elapsed += time.perf_counter() - began
        pages += 1
        for link in next_pages:
            parts = urlsplit(link)
            # Links on another of the site's origins are the same site; map them onto the first origin.
            if parts.netloc.lower() in origins_hosts:
                link = origin + link[len(f"{parts.scheme}://{parts.netloc}"):]
            link_key = url_key(link)
            if link_key in seen or not in_scope(link, root):
                continue
            seen.add(link_key)
            queue.append(link)
    return {
        "site": meta["id"],
        "gold": len(gold),
        "reached": len(reached),
        "extra": extra,
        "missing_files": missing_files,
        "pages": pages,
        "pages_per_s": pages / elapsed if elapsed else 0.0,
        "seconds": elapsed,
        "find_seconds": finding,
    }


def main(argv: list[str]) -> int:
    """Run over every corpus site (or the named ones) and print the table."""
    corpus = Path(argv[0]) if argv and os.path.isdir(argv[0]) else DEFAULT_CORPUS
    wanted = {a for a in argv if not os.path.isdir(a)}
    rows = [
        crawl_site(site)
        for site in sorted(corpus.iterdir())
        if (site / "site.json").is_file() and (not wanted or site.name in wanted)
    ]
    print(f"{'site':40} {'reached':>9} {'extra':>6} {'pages/s':>8}")
    total_pages = total_time = total_find = 0.0
    perfect = 0
    for row in rows:
        print(f"{row['site']:40} {row['reached']:>4}/{row['gold']:<4} {len(row['extra']):>6} {row['pages_per_s']:>8.0f}"
              + (f"  extra: {row['extra'][:4]}" if row["extra"] else "")
              + (f"  no file: {row['missing_files'][:3]}" if row["missing_files"] else ""))
        total_pages += row["pages"]
        total_time += row["seconds"]
        total_find += row["find_seconds"]
        perfect += row["reached"] == row["gold"] and not row["extra"]
    print(f"sites complete with no extra page: {perfect}/{len(rows)}; "
          f"overall {total_pages / total_time if total_time else 0:.0f} listing pages/s "
          f"(decode + parse + find_next_pages); find_next_pages alone {total_pages / total_find if total_find else 0:.0f}/s")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
