"""Where an archive's WARC files are: the folder given, the ARCHIVER_WARC_DIR its crawls ran with, and the
default warc/ beside the archive, in that order (pages.warc_file holds names relative to that folder)."""

from __future__ import annotations

from pathlib import Path

from archiver.store import Archive
from archiver.store.captures import configured_warc_dirs
from archiver.warc.files import WarcLocator, default_warc_dir


def locator_for(archive: Archive, warc_dir: Path | None = None) -> WarcLocator:
    """A WarcLocator for the archive's captures."""
    folders: list[Path] = [warc_dir] if warc_dir else []
    for configured in configured_warc_dirs(archive):
        path = Path(configured)
        # A relative setting was relative to where the crawl ran: try here, and beside the archive.
        folders += [path] if path.is_absolute() else [path.absolute(), archive.path.absolute().parent / path]
    folders.append(default_warc_dir(archive.path))
    return WarcLocator(folders)
