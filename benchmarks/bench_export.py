"""Export speed and memory: a generated 100,000-post archive exported to jsonl and markdown, each export run as
`archiver export` in its own process; prints seconds and peak RSS (goals: jsonl < 30 s, RSS < 200 MB).

Run from the repository root: .venv/bin/python -m benchmarks.bench_export [--posts N] [--db PATH] [--formats ...]
An existing --db with enough posts is reused (building 100,000 posts takes a minute or two).
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from archiver.store import Archive

WORDS = ["archive", "crawler", "listing", "pagination", "excerpt", "theme", "engine", "parser", "sqlite", "index", "query", "render", "markdown", "feed", "sitemap", "canonical", "charset", "timezone", "offset", "author", "category", "tag", "release", "note", "kernel", "network", "cache", "数据", "归档", "ブログ", "기록"]
TAGS = [f"topic-{number}" for number in range(300)]
CATEGORIES = ["notes", "howto", "reviews", "essays", "links"]
SITES = 20
BATCH = 500
JSONL_GOAL_SECONDS = 30
RSS_GOAL_MB = 200


def generated_post(rng: random.Random, site_id: int, number: int) -> dict:
    """One invented post of realistic size: 300-1,500 words as HTML, text and Markdown, 1-5 tags."""
    paragraphs = []
    words = rng.randint(300, 1500)
    while words > 0:
        size = min(words, rng.randint(30, 120))
        paragraphs.append(" ".join(rng.choice(WORDS) for _ in range(size)).capitalize() + ".")
        words -= size
    day = f"20{10 + number % 15:02d}-{1 + number % 12:02d}-{1 + number % 28:02d}"
    slug = f"{'-'.join(rng.sample(WORDS[:26], 3))}-{number}"
    host = f"blog{site_id}.example.org"
    return {
        "site_id": site_id,
        "url": f"https://{host}/{day[:4]}/{slug}/",
        "url_key": f"{host}/{day[:4]}/{slug}",
        "title": " ".join(rng.choice(WORDS) for _ in range(rng.randint(3, 10))).capitalize(),
        "excerpt": paragraphs[0][:280],
        "excerpt_source": "listing",
        "published": f"{day}T{number % 24:02d}:15:00+08:00",
        "published_raw": day,
        "published_source": "time",
        "updated": f"{day}T23:00:00+08:00" if number % 3 == 0 else None,
        "author": f"Author {number % 7}",
        "lang": "en",
        "tags": rng.sample(TAGS, rng.randint(1, 5)),
        "categories": [rng.choice(CATEGORIES)],
        "content_html": "".join(f"<p>{paragraph}</p>\n" for paragraph in paragraphs),
        "content_text": "\n\n".join(paragraphs),
        "content_markdown": "\n\n".join(paragraphs),
        "listing_url": f"https://{host}/page/{1 + number // 10}/",
        "listing_position": number % 10,
        "extracted_by": "bench",
        "page_status": 200,
    }


def build_archive(path: Path, posts: int) -> float:
    """Fill a new archive at `path` with `posts` generated posts over SITES sites; returns seconds taken."""
    rng = random.Random(6)
    started = time.perf_counter()
    with Archive(path) as archive:
        site_ids = [
            archive.upsert_site(url=f"https://blog{number}.example.org/", title=f"Blog {number}", engine="hugo",
                                theme=None, feeds=[], sitemaps=[], lang="en")
            for number in range(SITES)
        ]
        crawl_id = archive.start_crawl(["https://blog0.example.org/"], {"bench": True})
        for start in range(0, posts, BATCH):
            batch = [generated_post(rng, site_ids[n % SITES], n) for n in range(start, min(posts, start + BATCH))]
            archive.save_posts(batch, crawl_id)
        archive.finish_crawl(crawl_id, "ok", {})
    return time.perf_counter() - started


def run_export(db: Path, fmt: str, out: Path) -> tuple[float, float, str]:
    """Run `archiver export FMT` in a child process; returns (seconds, peak RSS in MB, its last output line)."""
    command = [sys.executable, "-m", "archiver.cli", "export", fmt, "-o", str(out), "--db", str(db), "--force",
               "--no-progress"]
    started = time.perf_counter()
    child = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    output = child.stdout.read() if child.stdout else ""
    # wait4 gives this child's own rusage, not the maximum over every child so far.
    _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"export {fmt} failed:\n{output}")
    return seconds, usage.ru_maxrss / 1024, output.strip().splitlines()[-1]


def main() -> int:
    """Build (or reuse) the archive, export it in each format, print the figures; exit 1 if a goal is missed."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--posts", type=int, default=100_000)
    parser.add_argument("--db", type=Path, help="archive to reuse or create (default: a temporary one)")
    parser.add_argument("--formats", nargs="+", default=["jsonl", "markdown"])
    args = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="bench-export-"))
    db = args.db or scratch / "archive.db"
    try:
        existing = 0
        if db.exists():
            with Archive(db) as archive:
                existing = archive.db["posts"].count
        if existing < args.posts:
            db.unlink(missing_ok=True)
            seconds = build_archive(db, args.posts)
            print(f"built {args.posts} posts in {seconds:.1f} s ({db.stat().st_size / 1e9:.2f} GB)", flush=True)
        else:
            print(f"reusing {db} ({existing} posts)", flush=True)
        missed = False
        anchor = None  # the first format's time: the others as ratios to it, measured in the same run
        for fmt in args.formats:
            seconds, rss, line = run_export(db, fmt, scratch / f"out-{fmt}")
            anchor = anchor or seconds
            print(f"{fmt:9} {seconds:6.1f} s  x{seconds / anchor:4.1f} of {args.formats[0]}  peak RSS {rss:6.1f} MB  "
                  f"{line}", flush=True)
            missed |= rss > RSS_GOAL_MB or (fmt == "jsonl" and seconds > JSONL_GOAL_SECONDS)
            path = scratch / f"out-{fmt}"
            shutil.rmtree(path) if path.is_dir() else path.unlink()
        print("goals met" if not missed else f"goal missed (jsonl < {JSONL_GOAL_SECONDS} s, RSS < {RSS_GOAL_MB} MB)")
        return 1 if missed else 0
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
