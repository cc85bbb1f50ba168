"""Write speed of the archive: 20,000 synthetic posts of realistic size saved in batches, then re-saved.

Run from the repository root: .venv/bin/python -m benchmarks.bench_store [--posts N] [--batch N] [--changed FRACTION]
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from pathlib import Path

from archiver.store import Archive

WORDS = ["archive", "crawler", "listing", "pagination", "excerpt", "theme", "engine", "parser", "sqlite", "index", "query", "render", "markdown", "feed", "sitemap", "canonical", "charset", "timezone", "offset", "author", "category", "tag", "release", "note", "kernel", "network", "cache"]


def synthetic_text(rng: random.Random, words: int) -> str:
    """Invented prose of about `words` words, in paragraphs."""
    paragraphs = []
    while words > 0:
        size = min(words, rng.randint(40, 120))
        paragraphs.append(" ".join(rng.choice(WORDS) for _ in range(size)).capitalize() + ".")
        words -= size
    return "\n\n".join(paragraphs)


def synthetic_post(rng: random.Random, site_id: int, number: int) -> dict:
    """One post dict shaped like the pipeline's: ~1,200 words of body as text, HTML and Markdown."""
    text = synthetic_text(rng, rng.randint(600, 1800))
    paragraphs = text.split("\n\n")
    day = 1 + number % 28
    return {
        "site_id": site_id,
        "url": f"https://blog.example.org/posts/{number}/",
        "url_key": f"blog.example.org/posts/{number}",
        "title": f"Post number {number}: " + " ".join(rng.choice(WORDS) for _ in range(6)),
        "excerpt": paragraphs[0][:300],
        "excerpt_source": "listing",
        "published": f"2024-{1 + number % 12:02d}-{day:02d}T08:30:00+08:00",
        "published_raw": f"2024-{1 + number % 12:02d}-{day:02d}",
        "published_source": "listing-text",
        "updated": None,
        "author": "Someone",
        "lang": "en",
        "tags": rng.sample(WORDS, 3),
        "categories": [rng.choice(WORDS[:5])],
        "content_html": "".join(f"<p>{p}</p>\n" for p in paragraphs),
        "content_text": text,
        "content_markdown": text,
        "listing_url": f"https://blog.example.org/page/{1 + number // 10}/",
        "listing_position": number % 10,
        "extracted_by": "theme:bench",
        "page_status": 200,
    }


def save_all(archive: Archive, posts: list[dict], batch: int) -> tuple[float, int, int]:
    """Save `posts` in batches under a new crawl; returns (seconds, new, updated)."""
    crawl_id = archive.start_crawl(["https://blog.example.org/"], {"bench": True})
    new = updated = 0
    started = time.perf_counter()
    for start in range(0, len(posts), batch):
        batch_new, batch_updated = archive.save_posts(posts[start : start + batch], crawl_id)
        new += batch_new
        updated += batch_updated
    seconds = time.perf_counter() - started
    archive.finish_crawl(crawl_id, "ok", {})
    return seconds, new, updated


def main() -> None:
    """Run the benchmark and print posts/s for the insert pass and the update pass."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--posts", type=int, default=20_000)
    parser.add_argument("--batch", type=int, default=200)
    parser.add_argument("--changed", type=float, default=0.2, help="fraction of posts edited before re-saving")
    args = parser.parse_args()

    rng = random.Random(7)
    posts = [synthetic_post(rng, 1, number) for number in range(args.posts)]
    megabytes = sum(len(p["content_html"]) + len(p["content_text"]) * 2 for p in posts) / 1e6
    print(f"{args.posts} posts, {megabytes:.0f} MB of body, batches of {args.batch}")

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bench.db"
        with Archive(path) as archive:
            site_id = archive.upsert_site(
                url="https://blog.example.org/", title="Bench", engine=None, theme=None,
                feeds=[], sitemaps=[], lang="en",
            )
            assert site_id == 1
            seconds, new, updated = save_all(archive, posts, args.batch)
            print(f"insert pass: {args.posts / seconds:8.0f} posts/s  ({new} new, {updated} updated)")

            for post in posts:
                post["url"] = post["url"].rstrip("/")  # a URL variant of the same post
                if rng.random() < args.changed:
                    post["content_text"] += " Edited."
                    post["tags"] = post["tags"][:2]
            seconds, new, updated = save_all(archive, posts, args.batch)
            print(f"update pass: {args.posts / seconds:8.0f} posts/s  ({new} new, {updated} updated)")

            for post in posts:  # a crawl that could not fetch post pages: listing fields only
                for name in ("content_html", "content_text", "content_markdown", "page_status"):
                    post[name] = None
            seconds, new, updated = save_all(archive, posts, args.batch)
            print(f"listing-only pass: {args.posts / seconds:8.0f} posts/s  ({new} new, {updated} updated)")
        print(f"file size: {path.stat().st_size / 1e6:.0f} MB")


if __name__ == "__main__":
    main()
