"""JSON Lines: one post per line, every column of the archive plus its site's URL, tags/categories as lists."""

from __future__ import annotations

from pathlib import Path

from archiver.export.common import ExportResult, Tick
from archiver.export.selection import Selection
from archiver.store import Archive

BATCH_LINES = 200


def export_jsonl(archive: Archive, selection: Selection, target: Path, tick: Tick) -> ExportResult:
    """Write the selected posts to `target`, one JSON object per line (UTF-8, not ASCII-escaped)."""
    posts = 0
    with target.open("wb") as out:
        lines: list[bytes] = []
        for document in archive.iter_posts_json(selection):
            lines.append(document)
            if len(lines) >= BATCH_LINES:
                out.write(b"\n".join(lines) + b"\n")
                posts += len(lines)
                tick(len(lines))
                lines.clear()
        if lines:
            out.write(b"\n".join(lines) + b"\n")
            posts += len(lines)
            tick(len(lines))
    sites = len(archive.selected_site_ids(selection)) if posts else 0
    return ExportResult(posts=posts, sites=sites, files=1, path=target)
