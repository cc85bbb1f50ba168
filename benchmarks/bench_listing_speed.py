"""Listing extraction speed per core on the corpus listing pages: parse_listing, and its parts.

Usage: .venv/bin/python benchmarks/bench_listing_speed.py [--corpus DIR] [--rounds N] [--no-theme-rules]

CPU time of this process (time.process_time) is measured, so other work on the machine does not count; the
best of N rounds is kept. "without pagination" subtracts find_next_pages, timed alone on the parsed trees.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from archiver.extract.html import parse_html  # noqa: E402
from archiver.extract.listing import parse_listing  # noqa: E402
from archiver.extract.pagination import find_next_pages  # noqa: E402
from benchmarks.listing_offline import DEFAULT_CORPUS, www_file  # noqa: E402


def corpus_pages(corpus: Path) -> list[tuple[str, str]]:
    """(html, url) of every listing page of every corpus site."""
    pages = []
    for site_json in sorted(corpus.glob("*/site.json")):
        site = json.loads(site_json.read_text(encoding="utf-8"))
        encoding = site.get("encoding") or "utf-8"
        for page in site["listing_pages"]:
            data = www_file(site_json.parent, site["base_path"], page).read_bytes()
            pages.append((data.decode(encoding, errors="replace"), site["origins"][0] + page))
    return pages


def best_seconds(run: Callable[[], object], rounds: int) -> float:
    """The lowest CPU time of `rounds` runs, after one warm-up run (date caches, compiled selectors)."""
    run()
    best = float("inf")
    for _ in range(rounds):
        started = time.process_time()
        run()
        best = min(best, time.process_time() - started)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", default=DEFAULT_CORPUS)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--no-theme-rules", action="store_true", help="generic layers only (theme tables off)")
    args = parser.parse_args()
    theme_rules = not args.no_theme_rules
    pages = corpus_pages(Path(args.corpus))
    trees = [(parse_html(html, url), url) for html, url in pages]
    total = best_seconds(lambda: [parse_listing(html, url, theme_rules=theme_rules) for html, url in pages],
                         args.rounds)
    parsing = best_seconds(lambda: [parse_html(html, url) for html, url in pages], args.rounds)
    pagination = best_seconds(lambda: [find_next_pages(tree, url) for tree, url in trees], args.rounds)
    n = len(pages)

    def line(label: str, seconds: float) -> None:
        print(f"{label:44} {n / seconds:7.0f} pages/s  {seconds / n * 1000:6.2f} ms/page")

    print(f"{n} listing pages, {sum(len(h) for h, _ in pages) / n / 1000:.0f} kB average, CPU time, best of "
          f"{args.rounds}" + ("" if theme_rules else ", theme tables off"))
    line("parse_listing (parse + extract + pagination)", total)
    line("parse_listing without find_next_pages", total - pagination)
    line("  parse_html alone", parsing)
    line("  find_next_pages alone", pagination)
    line("  extraction (without parse and pagination)", total - pagination - parsing)


if __name__ == "__main__":
    main()
