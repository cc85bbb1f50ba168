"""Opening an archive file for a command: every way that can fail (no such file, a folder, a text file, a place
SQLite cannot write, a newer schema, someone else's database) as one ArchiveUnavailableError with one line
that says so, and never creating a file or a folder unless the command writes a new archive."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from archiver.store.archive import Archive
from archiver.store.schema import NotAnArchiveError, SchemaVersionError


class ArchiveUnavailableError(RuntimeError):
    """The archive at a path cannot be opened; str() is one line for the user."""


def open_archive(path: str | Path, *, create: bool = False, readonly: bool = False) -> Archive:
    """The Archive at `path`, read-only or read-write; a missing file is created only with `create`."""
    path = Path(path)
    check_archive_path(path, create=create)
    try:
        return Archive.open_readonly(path) if readonly else Archive(path)
    except SchemaVersionError as error:
        raise ArchiveUnavailableError(str(error)) from None
    except NotAnArchiveError as error:
        raise ArchiveUnavailableError(f"{path} is an SQLite database blog-archiver did not make ({error})") from None
    except sqlite3.DatabaseError as error:
        raise ArchiveUnavailableError(_sqlite_reason(path, error)) from None
    except OSError as error:
        raise ArchiveUnavailableError(f"cannot open {path}: {error.strerror or error}") from None


def check_archive_path(path: Path, *, create: bool = False) -> None:
    """Raise ArchiveUnavailableError when `path` cannot hold an archive (without opening or creating anything)."""
    try:
        if path.is_dir():
            raise ArchiveUnavailableError(f"{path} is a folder: give the archive's file (e.g. {path / 'archive.db'})")
        if path.exists():
            if not path.is_file():
                raise ArchiveUnavailableError(f"{path} is not a regular file")
            return
        if not create:
            raise ArchiveUnavailableError(f"no archive at {path}")
        folder = _nearest_existing(path.parent)
        if not folder.is_dir():
            raise ArchiveUnavailableError(f"cannot create {path}: {folder} is not a folder")
    except OSError as error:  # a path the system refuses to even look at (permissions, too long)
        raise ArchiveUnavailableError(f"cannot open {path}: {error.strerror or error}") from None


def _nearest_existing(folder: Path) -> Path:
    folder = folder.absolute()
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    return folder


def _sqlite_reason(path: Path, error: sqlite3.DatabaseError) -> str:
    message = str(error)
    if "not a database" in message:
        return f"{path} is not an archive (not an SQLite database)"
    if "unable to open" in message or "readonly" in message or "disk I/O" in message:
        return f"cannot open {path}: {message} (check the path and its permissions)"
    return f"cannot use {path}: {message}"
