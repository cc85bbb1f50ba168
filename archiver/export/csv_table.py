"""CSV: one row per post with a header, every column of the archive plus its site's URL; tags and categories
as JSON arrays (exact, and readable as text in a spreadsheet)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from archiver.export.common import ExportResult, Tick
from archiver.export.selection import Selection
from archiver.store import Archive

LIST_COLUMNS = ("tags", "categories")
TICK_EVERY = 200


def export_csv(archive: Archive, selection: Selection, target: Path, tick: Tick) -> ExportResult:
    """Write the selected posts to `target` as RFC 4180 CSV (UTF-8, CRLF line ends, all fields quoted as needed)."""
    posts = 0
    sites: set[int] = set()
    with target.open("w", encoding="utf-8", newline="") as out:
        writer = csv.DictWriter(out, fieldnames=[*archive.post_columns(), "site_url"])
        writer.writeheader()
        for post in selection.posts(archive):
            for name in LIST_COLUMNS:
                post[name] = json.dumps(post[name], ensure_ascii=False)
            writer.writerow(post)
            sites.add(post["site_id"])
            posts += 1
            if posts % TICK_EVERY == 0:
                tick(TICK_EVERY)
    tick(posts % TICK_EVERY)
    return ExportResult(posts=posts, sites=len(sites), files=1, path=target)
