"""Exports of the archive into formats people already use: JSON Lines, CSV, Markdown, a static HTML site,
Atom feeds, a subset SQLite archive and the raw WARC captures. Every export streams and writes beside its
destination first."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from archiver.export.atom import export_atom, export_atom_file
from archiver.export.common import ExportResult, Tick, no_tick
from archiver.export.csv_table import export_csv
from archiver.export.html_site import export_html
from archiver.export.jsonl import export_jsonl
from archiver.export.markdown_files import export_markdown
from archiver.export.output import OutputExistsError, OutputUnwritableError, staged
from archiver.export.selection import Selection, SelectionError, make_selection
from archiver.export.sqlite_subset import export_sqlite
from archiver.export.wacz import export_wacz
from archiver.export.warc_file import export_warc
from archiver.store import Archive

Writer = Callable[[Archive, Selection, Path, Tick], ExportResult]


@dataclass(frozen=True, slots=True)
class ExportFormat:
    """One export format: its writer, and whether it writes a folder (else one file)."""

    name: str
    write: Writer
    folder: bool
    description: str


FORMATS: dict[str, ExportFormat] = {
    f.name: f
    for f in (
        ExportFormat("jsonl", export_jsonl, False, "one JSON object per post per line"),
        ExportFormat("csv", export_csv, False, "one row per post, tags and categories as JSON arrays"),
        ExportFormat("markdown", export_markdown, True, "a folder per site, one .md per post with YAML front matter"),
        ExportFormat("html", export_html, True, "a static archive site that opens from file://"),
        ExportFormat("atom", export_atom, True, "one full-history Atom feed per site (a .xml/.atom path: one file)"),
        ExportFormat("sqlite", export_sqlite, False, "a subset archive with the same schema"),
        ExportFormat("warc", export_warc, False, "the raw captures of the selected posts, their listing pages and images"),
        ExportFormat("wacz", export_wacz, False, "those captures as a WACZ file (index and pages list) for replay tools"),
    )
}
# Formats the command names but cannot write yet, with the reason shown to the user.
NOT_YET: dict[str, str] = {}
SINGLE_FEED_SUFFIXES = (".xml", ".atom")


class ExportUnavailableError(RuntimeError):
    """The format exists in name only (see NOT_YET)."""


def format_for(name: str, path: Path) -> ExportFormat:
    """The ExportFormat for `name` and `path` (atom to a .xml/.atom path writes one file)."""
    if name in NOT_YET:
        raise ExportUnavailableError(f"{name} export is not available: {NOT_YET[name]}")
    chosen = FORMATS[name]
    if name == "atom" and path.suffix.lower() in SINGLE_FEED_SUFFIXES:
        return ExportFormat("atom", export_atom_file, False, chosen.description)
    return chosen


def count_selected(archive: Archive, selection: Selection) -> int:
    """How many posts the selection holds (the progress bar's total)."""
    return archive.count_posts(selection)


def export(
    archive: Archive, name: str, path: Path, selection: Selection, *, force: bool = False, tick: Tick = no_tick
) -> ExportResult:
    """Export the selection to `path` in format `name`; an existing path is replaced only with `force`."""
    chosen = format_for(name, path)
    if path.resolve() == archive.path.resolve():
        raise OutputExistsError(f"{path} is the archive being exported")
    with staged(path, folder=chosen.folder, force=force) as scratch:
        result = chosen.write(archive, selection, scratch, tick)
    return ExportResult(posts=result.posts, sites=result.sites, files=result.files, path=path)


__all__ = [
    "FORMATS",
    "NOT_YET",
    "ExportFormat",
    "ExportResult",
    "ExportUnavailableError",
    "OutputExistsError",
    "OutputUnwritableError",
    "Selection",
    "SelectionError",
    "count_selected",
    "export",
    "format_for",
    "make_selection",
]
