"""A post page whose <title> carries the blog's name, on a blog that says its name only on its listing: the archived
title is the post's own (the crawl hands the listing's site name to the merge)."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import rows, run_archiver

POSTS = (
    ("first-light", "Soldering by lamplight, with a magnifier and patience", "2025-03-09"),
    ("tin-cans", "A tin can lantern from the recycling bin, step by step", "2025-02-21"),
    ("wicks", "Wicks, and why a ragged one soots the glass within the hour", "2025-01-30"),
)


def build(root: Path) -> None:
    entries = "".join(
        f'<li><h2><a href="/posts/{slug}.html">{title[:24]}…</a></h2><time datetime="{day}">{day}</time>'
        f"<p>Notes from the bench about {slug.replace('-', ' ')}, written up the same evening.</p></li>"
        for slug, title, day in POSTS
    )
    (root / "index.html").write_text(
        "<!DOCTYPE html><html lang=en><head><meta charset=utf-8><title>Lantern Workshop</title></head><body>"
        f"<main><ul class=entries>{entries}</ul></main></body></html>", encoding="utf-8")
    (root / "posts").mkdir()
    for slug, title, day in POSTS:
        # No <h1>, no og:site_name: the page's only title is its <title>, with the blog's name after it.
        (root / "posts" / f"{slug}.html").write_text(
            f"<!DOCTYPE html><html lang=en><head><meta charset=utf-8><title>{title} — Lantern Workshop</title>"
            f'</head><body><article><time datetime="{day}">{day}</time><p>The whole post about {slug}, '
            "long enough to be a body: the lamp, the bench, the solder and the smoke.</p></article></body></html>",
            encoding="utf-8")


def test_the_blog_name_is_taken_off_post_titles(serve, tmp_path: Path) -> None:
    site = tmp_path / "site"
    site.mkdir()
    build(site)
    url = serve(site)
    db = tmp_path / "archive.db"
    result = run_archiver("crawl", url, "--db", str(db), "-s", "ARCHIVER_THEME_RULES=False", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    titles = {r["url"].rsplit("/", 1)[-1]: r["title"] for r in rows(db, "SELECT url, title FROM posts")}
    assert titles == {f"{slug}.html": title for slug, title, _ in POSTS}
