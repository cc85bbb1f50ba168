"""Offline dev loop for listing extraction: run parse_listing on every corpus listing page and score it.

Usage: .venv/bin/python benchmarks/listing_offline.py [--corpus DIR] [--sites id1,id2] [--verbose] [--no-theme-rules]

`--no-theme-rules` runs only the generic layers (what `-s ARCHIVER_THEME_RULES=False` does in a crawl).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time
import unicodedata
from pathlib import Path
from urllib.parse import unquote, urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from archiver.extract.listing import parse_listing  # noqa: E402
from archiver.extract.profile import BlogProfile  # noqa: E402

DEFAULT_CORPUS = "/work/shared/corpus"
_WS = re.compile(r"\s+")


def norm_text(text: str | None) -> str:
    """NFKC + whitespace collapse, as the scorer compares titles and excerpts."""
    return _WS.sub(" ", unicodedata.normalize("NFKC", text or "")).strip()


def url_key(url: str, origins: list[str]) -> str:
    """Scorer-style key: origin, fragment, trailing index.html and slash dropped; path percent-decoded."""
    url = url.split("#", 1)[0]
    for origin in origins:
        if url.lower().startswith(origin.lower()):
            url = url[len(origin) :]
            break
    else:
        if urlsplit(url).scheme:
            return url  # another host: never matches
    path, _, query = url.partition("?")
    path = unquote(path)
    if path.endswith("index.html"):
        path = path[: -len("index.html")]
    path = path.rstrip("/") or "/"
    return path + ("?" + query if query else "")


def www_file(site_dir: Path, base_path: str, path: str) -> Path:
    """The www/ file served for a URL path, with GitHub Pages rules."""
    rel = path[len(base_path) :] if path.startswith(base_path) else path.lstrip("/")
    rel = unquote(rel)
    candidate = site_dir / "www" / rel
    if rel == "" or rel.endswith("/") or candidate.is_dir():
        return candidate / "index.html"
    if not candidate.exists() and candidate.with_name(candidate.name + ".html").exists():
        return candidate.with_name(candidate.name + ".html")
    return candidate


def score_site(site_dir: Path, verbose: bool, theme_rules: bool = True) -> dict:
    """Score one corpus site's listing pages; returns the figures and the parse time."""
    site = json.loads((site_dir / "site.json").read_text(encoding="utf-8"))
    origins = site["origins"]
    encoding = site.get("encoding") or "utf-8"
    shows = site.get("listing_shows") or {}
    gold_by_page: dict[str, list[dict]] = {}
    for post in site["posts"]:
        gold_by_page.setdefault(post["listing"], []).append(post)
    found = gold_total = rows = 0
    title_ok = title_n = date_ok = date_n = excerpt_ok = excerpt_n = 0
    elapsed = 0.0
    misses: list[str] = []
    layout_hint = None  # as the spider does: the first page's layout is the hint for the blog's other pages
    profile = BlogProfile()  # and what the pages read so far taught about the blog's chrome
    for page in site["listing_pages"]:
        file = www_file(site_dir, site["base_path"], page)
        html = file.read_bytes().decode(encoding, errors="replace")
        started = time.perf_counter()
        listing = parse_listing(html, origins[0] + page, layout_hint=layout_hint, theme_rules=theme_rules,
                                profile=profile)
        elapsed += time.perf_counter() - started
        profile = profile.learn(listing.facts)
        layout_hint = layout_hint or listing.layout
        gold_entries: dict[str, list[dict]] = {}
        for p in gold_by_page.get(page, []):
            gold_entries.setdefault(url_key(p["url"], origins), []).append(p)
        gold = {key: posts[0] for key, posts in gold_entries.items()}
        gold_total += len(gold)
        seen: set[str] = set()
        rows += len(listing.entries)
        for entry in listing.entries:
            key = url_key(entry.url, origins)
            post = gold.get(key)
            if post is None or key in seen:
                if len(misses) < 6:
                    misses.append(f"  extra {page}: {entry.url} {entry.title!r}")
                continue
            seen.add(key)
            found += 1
            # several entries can share one URL (slug collisions): compare with the one at this position
            post = min(gold_entries[key], key=lambda p: abs(p["position"] - entry.position))
            title_n += 1
            if norm_text(entry.title) == norm_text(post["title"]):
                title_ok += 1
            elif len(misses) < 12:
                misses.append(f"  title {page}: {entry.title!r} != {post['title']!r}")
            if post.get("published") and shows.get("date", True):
                date_n += 1
                got = entry.published.iso[:10] if entry.published else None
                if got == post["published"]:
                    date_ok += 1
                elif len(misses) < 18:
                    misses.append(f"  date {page} {entry.url}: {got} != {post['published']}")
            if post.get("excerpt_start") and shows.get("excerpt", True):
                excerpt_n += 1
                if norm_text(entry.excerpt).startswith(norm_text(post["excerpt_start"])):
                    excerpt_ok += 1
                elif len(misses) < 24:
                    misses.append(
                        f"  excerpt {page}: {norm_text(entry.excerpt)[:70]!r} !^ {post['excerpt_start']!r}"
                    )
        for key in gold.keys() - seen:
            if len(misses) < 30:
                misses.append(f"  missing {page}: {key}")
    return {
        "site": site["id"],
        "pages": len(site["listing_pages"]),
        "recall": found / gold_total if gold_total else None,
        "precision": found / rows if rows else (None if not gold_total else 0.0),
        "title": title_ok / title_n if title_n else None,
        "date": date_ok / date_n if date_n else None,
        "excerpt": excerpt_ok / excerpt_n if excerpt_n else None,
        "seconds": elapsed,
        "misses": misses if verbose else [],
    }


def fmt(value: float | None) -> str:
    return "    -" if value is None else f"{value:5.3f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", default=DEFAULT_CORPUS)
    parser.add_argument("--sites", default="")
    parser.add_argument("--verbose", "-v", action="store_true")
    parser.add_argument("--no-theme-rules", action="store_true", help="generic layers only (theme tables off)")
    args = parser.parse_args()
    wanted = set(filter(None, args.sites.split(",")))
    sites = sorted(p.parent for p in Path(args.corpus).glob("*/site.json"))
    results = [score_site(s, args.verbose, not args.no_theme_rules) for s in sites if not wanted or s.name in wanted]
    figures = ("recall", "precision", "title", "date", "excerpt")
    print(f"{'site':38} pages " + " ".join(f"{f[:6]:>6}" for f in figures))
    for r in results:
        print(f"{r['site']:38} {r['pages']:5} " + " ".join(f" {fmt(r[f])}" for f in figures))
        for line in r["misses"]:
            print(line)
    macro = []
    for f in figures:
        values = [r[f] for r in results if r[f] is not None]
        macro.append(sum(values) / len(values) if values else None)
    total_pages = sum(r["pages"] for r in results)
    total_seconds = sum(r["seconds"] for r in results)
    print(f"{'MACRO':38} {total_pages:5} " + " ".join(f" {fmt(v)}" for v in macro))
    below = [r["site"] for r in results if any(r[f] is not None and r[f] < 0.95 for f in figures)]
    print(f"pages/s: {total_pages / total_seconds:.0f}  ({total_seconds:.2f}s parse time, {os.cpu_count()} cpus)")
    print(f"sites below 0.95 on some figure: {len(below)} {' '.join(below)}")


if __name__ == "__main__":
    main()
