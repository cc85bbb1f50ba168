"""The SQLite archive: the only part of blog-archiver that speaks SQL."""

from archiver.store.archive import Archive, content_hash
from archiver.store.opening import ArchiveUnavailableError, open_archive
from archiver.store.schema import SCHEMA_VERSION, NotAnArchiveError, SchemaVersionError

__all__ = [
    "SCHEMA_VERSION",
    "Archive",
    "ArchiveUnavailableError",
    "NotAnArchiveError",
    "SchemaVersionError",
    "content_hash",
    "open_archive",
]
