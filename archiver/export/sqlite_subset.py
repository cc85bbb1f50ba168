"""SQLite: a smaller archive with the same schema holding only the selected posts, which `archiver serve` opens."""

from __future__ import annotations

from pathlib import Path

from archiver.export.common import ExportResult, Tick
from archiver.export.selection import Selection
from archiver.store import Archive


def export_sqlite(archive: Archive, selection: Selection, target: Path, tick: Tick) -> ExportResult:
    """Create a new archive at `target` and copy the selection into it (posts keep their ids)."""
    target.unlink(missing_ok=True)  # the staged scratch file exists but is empty: Archive creates the schema
    sites = len(archive.selected_site_ids(selection))
    with Archive(target) as subset:
        posts = subset.copy_selection_from(archive.path, selection)
        # One file to hand over: fold the write-ahead log back in.
        subset.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        subset.db.execute("PRAGMA journal_mode = DELETE")
    tick(posts)
    return ExportResult(posts=posts, sites=sites, files=1, path=target)
