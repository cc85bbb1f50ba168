"""Markdown: one folder per site, one `.md` per post with YAML front matter, ready as Hugo or Hexo content."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from archiver.export.common import ExportResult, Tick, write_new_file
from archiver.export.names import UniqueNames, inside, post_slug, site_folder
from archiver.export.output import EXPORT_MARKER
from archiver.export.selection import Selection
from archiver.extract.content import clean_html, html_to_markdown, text_to_markdown
from archiver.store import Archive
from archiver.store.search import short_excerpt

# Scalars are written as JSON strings, which YAML reads as double-quoted scalars: no type guessing (yes, 1.0,
# null, dates), no indicator characters to worry about, and ten times faster than a YAML library. These
# characters JSON leaves raw but YAML must see escaped: DEL and C1 controls, NEL and the line/paragraph
# separators (line breaks to YAML), BOM and non-characters, lone surrogates.
_YAML_UNSAFE = re.compile("[\x7f-\x9f\u2028\u2029\ufeff\ufffe\uffff\ud800-\udfff]")
MARKDOWN_COLUMNS = (
    "url", "title", "excerpt", "published", "updated", "author", "lang", "tags", "categories",
    "content_html", "content_text",
)
TICK_EVERY = 100


def front_matter(post: dict[str, Any]) -> dict[str, Any]:
    """The post's front matter: title, date, updated, tags, categories, url, author (+ lang, description)."""
    matter: dict[str, Any] = {"title": _one_line(post.get("title") or post.get("url"))}
    optional = {
        "date": post.get("published"),
        "updated": post.get("updated"),
        "tags": post.get("tags") or [],
        "categories": post.get("categories") or [],
        "url": post.get("url"),
        "author": _one_line(post.get("author")) or None,
        "lang": post.get("lang"),
        # A short excerpt: listings that show whole posts give whole posts as excerpts.
        "description": short_excerpt(post["excerpt"]) if post.get("excerpt") else None,
    }
    matter.update((key, value) for key, value in optional.items() if value is not None)
    return matter


def _one_line(text: str | None) -> str:
    return " ".join((text or "").split())


def yaml_string(text: str) -> str:
    """`text` as a double-quoted YAML scalar that every YAML 1.1/1.2 parser reads back unchanged."""
    quoted = json.dumps(text, ensure_ascii=False)
    return _YAML_UNSAFE.sub(lambda match: f"\\u{ord(match[0]):04x}", quoted)


def yaml_front_matter(matter: dict[str, Any]) -> str:
    """Block-style YAML of a flat mapping of strings and lists of strings (keys are plain words)."""
    lines = []
    for key, value in matter.items():
        if isinstance(value, list):
            lines.append(f"{key}: [{', '.join(yaml_string(str(item)) for item in value)}]")
        else:
            lines.append(f"{key}: {yaml_string(str(value))}")
    return "\n".join(lines) + "\n"


def markdown_document(post: dict[str, Any]) -> str:
    """`---` YAML front matter `---`, then the body as Markdown (its text, or excerpt, when it has no HTML)."""
    return f"---\n{yaml_front_matter(front_matter(post))}---\n\n{markdown_body(post)}\n"


def markdown_body(post: dict[str, Any]) -> str:
    """The body as Markdown, written now from the stored HTML re-sanitized with the archive's nh3 policy (not the
    stored content_markdown: an archive made before the writer escaped text holds Markdown that runs scripts
    once rendered); without HTML, the text or excerpt, escaped so it renders as the same text."""
    html = post.get("content_html")
    if html and html.strip():
        markdown = html_to_markdown(clean_html(html))
        if markdown:
            return markdown
    return text_to_markdown(post.get("content_text") or post.get("excerpt") or "")


def export_markdown(archive: Archive, selection: Selection, target: Path, tick: Tick) -> ExportResult:
    """Write `target/<site>/<slug>.md` for every selected post; slugs come from the post URL (else its title)."""
    posts = files = 0
    site_names = UniqueNames()
    site_names.claim(EXPORT_MARKER)
    folder: Path | None = None
    names = UniqueNames()
    current_site = None
    sites = 0
    for post in selection.posts(archive, order="site", columns=MARKDOWN_COLUMNS):
        if post["site_id"] != current_site:
            current_site = post["site_id"]
            folder = inside(target, site_names.claim(site_folder(post["site_url"])))
            folder.mkdir()
            names = UniqueNames()
            sites += 1
        assert folder is not None
        name = names.claim(post_slug(post["url"], post["title"], post["id"]), ".md")
        write_new_file(inside(folder, name), markdown_document(post))
        posts += 1
        files += 1
        if posts % TICK_EVERY == 0:
            tick(TICK_EVERY)
    tick(posts % TICK_EVERY)
    return ExportResult(posts=posts, sites=sites, files=files, path=target)
