"""Every post a listing shows ends as a row (with what the listing showed) or an error row, whatever happens to
its request: real crawls by the `archiver` command against fixture blogs on 127.0.0.1."""

from __future__ import annotations

import html
import json
from pathlib import Path

from tests.conftest import rows, run_archiver

LOOP = "/posts/loop/"  # answers 301 to /posts/loop-moved/, which answers 301 back: Scrapy drops the repeat
LONG = "/posts/" + "very-long-slug-" * 150 + "/"  # past Scrapy's URLLENGTH_LIMIT: filtered without a word
PLAIN = ("/posts/first/", "/posts/second/")


def _build(root: Path) -> dict[str, str]:
    """A one-page blog whose listing shows four posts: two plain, one behind a redirect loop, one too long."""
    titles = {PLAIN[0]: "A first plain post", LOOP: "The post behind a loop", LONG: "The post with a long address",
              PLAIN[1]: "A second plain post"}
    articles = "".join(
        f'<article class="post"><h2 class="entry-title"><a href="{path}" rel="bookmark">{html.escape(title)}</a>'
        f'</h2><time class="entry-date" datetime="2024-05-0{n}T09:00:00+02:00">2024-05-0{n}</time>'
        f'<div class="entry-summary"><p>Summary of post {n}, long enough to read as an excerpt.</p></div></article>'
        for n, (path, title) in enumerate(titles.items(), start=1)
    )
    (root / "index.html").write_text(f"<!DOCTYPE html><html><head><title>Ledger</title></head><body><main>"
                                     f"{articles}</main></body></html>", "utf-8")
    for path in PLAIN:
        page = root / path.strip("/") / "index.html"
        page.parent.mkdir(parents=True)
        page.write_text(f"<!DOCTYPE html><html><head><title>{titles[path]}</title></head><body><article>"
                        f"<h1>{titles[path]}</h1><p>The body of {path}.</p></article></body></html>", "utf-8")
    (root / "_headers.json").write_text(json.dumps({
        LOOP: {"status": 301, "headers": {"Location": "/posts/loop-moved/"}},
        "/posts/loop-moved/": {"status": 301, "headers": {"Location": LOOP}},
    }))
    return titles


def test_posts_whose_requests_vanish_still_end_as_rows_with_an_error_each(tmp_path, serve):
    site = tmp_path / "site"
    site.mkdir()
    titles = _build(site)
    base = serve(site).rstrip("/")
    db = tmp_path / "a.db"
    result = run_archiver("crawl", base + "/", "--db", str(db), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    archived = {row["url"].removeprefix(base): row for row in rows(db, "SELECT * FROM posts")}
    assert {path: archived[path]["title"] for path in archived} == titles  # all four, as the listing shows them
    assert "The body of" in archived[PLAIN[0]]["content_text"]
    assert archived[LOOP]["content_text"] is None and archived[LOOP]["published"].startswith("2024-05-02")
    errors = {row["url"].removeprefix(base): row for row in rows(db, "SELECT * FROM crawl_errors")}
    assert errors[LOOP]["kind"] == "dropped" and "redirect loop" in errors[LOOP]["message"]
    assert errors[LONG]["kind"] == "dropped"
    assert "2 problems logged" in result.stdout
