"""Offline benchmark of parse_post on the corpus: title, date, content F1, tags/categories/author, pages/s.

Usage: .venv/bin/python benchmarks/post_offline.py [--corpus DIR] [--sites id1,id2] [--examples N] [--no-theme-rules]

For each site's gold posts with in_www, the post's www file is parsed with url = origins[0] + path. Content is
scored like the blogbench harness: token F1 (single CJK characters and lowercase words) against the text under
the site's content_selector. Speed is CPU time of parse_post (process_time), so other load on the machine
skews it less than wall time would.
"""

from __future__ import annotations

import argparse
import sys
import time
import unicodedata
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
BLOGBENCH = Path("/work/shared/blogbench")
sys.path.insert(0, str(BLOGBENCH))

import lxml.html  # noqa: E402
from blogbench_lib.corpus import Site, list_sites  # noqa: E402
from blogbench_lib.scoring import XML_DECLARATION, gold_content_text, token_f1  # noqa: E402

from archiver.extract.post import parse_post  # noqa: E402


def normalize(text: str | None) -> str:
    """NFKC and whitespace-collapsed, as the harness compares titles."""
    return " ".join(unicodedata.normalize("NFKC", str(text)).split()) if text is not None else ""


def set_agreement(found: list[str], gold: list[str]) -> bool:
    return {normalize(t).casefold() for t in found} == {normalize(t).casefold() for t in gold}


def bench_site(site: Site, examples: int, theme_rules: bool = True) -> dict:
    """Scores and speed of parse_post over one site's gold posts that are in www/."""
    counts: Counter = Counter()
    misses: dict[str, list[str]] = {"title": [], "date": [], "content": [], "tags": [], "categories": [], "author": []}
    date_sources: Counter = Counter()
    off_by_one_sources: Counter = Counter()
    rules: Counter = Counter()
    parse_seconds = 0.0
    origin = site.origins[0].rstrip("/") if site.origins else "http://localhost"
    for post in site.posts:
        if not post.get("in_www"):
            continue
        path = site.file_for(post["url"])
        if not path:
            continue
        raw = Path(path).read_bytes().decode(site.encoding, "replace")
        url = post["url"] if post["url"].startswith("http") else origin + site.url_path(post["url"])
        started = time.process_time()
        page = parse_post(XML_DECLARATION.sub("", raw), url, theme_rules=theme_rules)
        parse_seconds += time.process_time() - started
        counts["posts"] += 1
        rules[page.extracted_by] += 1
        if normalize(page.title) == normalize(post.get("title")) or (not page.title and not post.get("title")):
            counts["title"] += 1
        elif len(misses["title"]) < examples:
            misses["title"].append(f"{post['url']}: got {page.title!r} want {post.get('title')!r}")
        if post.get("published"):
            counts["date_n"] += 1
            got = page.published.iso[:10] if page.published else None
            if page.published:
                date_sources[page.published.source] += 1
            if got == post["published"]:
                counts["date"] += 1
            else:
                if got and page.published and _days_apart(got, post["published"]) == 1:
                    off_by_one_sources[page.published.source] += 1
                if len(misses["date"]) < examples:
                    raw_value = page.published.raw if page.published else None
                    misses["date"].append(f"{post['url']}: got {got} ({raw_value!r}) want {post['published']}")
        gold_text = gold_content_text(site, post["url"], lxml.html)
        if gold_text:
            counts["content_n"] += 1
            f1 = token_f1(page.content_text or "", gold_text)
            counts["content"] += f1
            if f1 < 0.9 and len(misses["content"]) < examples:
                misses["content"].append(f"{post['url']}: F1 {f1:.3f} ({page.extracted_by})")
        for field in ("tags", "categories"):
            if post.get(field):
                counts[f"{field}_n"] += 1
                if set_agreement(getattr(page, field), post[field]):
                    counts[field] += 1
                elif len(misses[field]) < examples:
                    misses[field].append(f"{post['url']}: got {getattr(page, field)} want {post[field]}")
        if post.get("author"):
            counts["author_n"] += 1
            if normalize(page.author) == normalize(post["author"]):
                counts["author"] += 1
            elif len(misses["author"]) < examples:
                misses["author"].append(f"{post['url']}: got {page.author!r} want {post['author']!r}")
    return {
        "counts": counts,
        "misses": misses,
        "date_sources": date_sources,
        "off_by_one": off_by_one_sources,
        "rules": rules,
        "seconds": parse_seconds,
    }


def _days_apart(a: str, b: str) -> int:
    from datetime import date

    try:
        return abs((date.fromisoformat(a[:10]) - date.fromisoformat(b[:10])).days)
    except ValueError:
        return 99


def share(counts: Counter, key: str, total_key: str) -> str:
    total = counts[total_key]
    return f"{counts[key] / total:.3f}" if total else "  -  "


def main() -> None:
    """Run the benchmark and print one row per site, then the misses."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--corpus", default="/work/shared/corpus")
    parser.add_argument("--sites", default="")
    parser.add_argument("--examples", type=int, default=3)
    parser.add_argument("--no-theme-rules", action="store_true", help="parse_post(theme_rules=False)")
    args = parser.parse_args()
    sites = list_sites(args.corpus, [s for s in args.sites.split(",") if s] or None)
    header = f"{'site':34} {'n':>4} {'title':>6} {'date':>6} {'cont':>6} {'tags':>6} {'cats':>6} {'auth':>6} {'pg/s':>6}  rules"
    print(header)
    total_posts = 0
    total_seconds = 0.0
    details = []
    for site in sites:
        result = bench_site(site, args.examples, theme_rules=not args.no_theme_rules)
        c = result["counts"]
        total_posts += c["posts"]
        total_seconds += result["seconds"]
        speed = c["posts"] / result["seconds"] if result["seconds"] else 0.0
        content = f"{c['content'] / c['content_n']:.3f}" if c["content_n"] else "  -  "
        rules = ",".join(f"{k}:{v}" for k, v in result["rules"].most_common(2))
        print(
            f"{site.id[:34]:34} {c['posts']:>4} {share(c, 'title', 'posts'):>6} {share(c, 'date', 'date_n'):>6} "
            f"{content:>6} {share(c, 'tags', 'tags_n'):>6} {share(c, 'categories', 'categories_n'):>6} "
            f"{share(c, 'author', 'author_n'):>6} {speed:>6.0f}  {rules}"
        )
        details.append((site.id, result))
    print(f"total: {total_posts} pages in {total_seconds:.2f}s = {total_posts / total_seconds:.0f} pages/s")
    for site_id, result in details:
        lines = [f"  {kind}: {line}" for kind, items in result["misses"].items() for line in items]
        if result["off_by_one"]:
            lines.append(f"  date off by one day, by source: {dict(result['off_by_one'])}")
        if lines:
            print(f"== {site_id} (date sources {dict(result['date_sources'])})")
            print("\n".join(lines))


if __name__ == "__main__":
    main()
