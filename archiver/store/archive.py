"""The SQLite archive file: open or create it, migrate it, open it read-only. What is done with it lives in one
module per job, each a part of `Archive`: posts written (posts.py), the crawl log (crawls.py), sites (sites.py),
the registry of scheduled blogs (registry.py), reads over a selection of posts (selection.py); what earlier
crawls learned, for a re-crawl, is memory.py."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlite_utils import Database

from archiver.store import search
from archiver.store.crawls import CrawlLog
from archiver.store.posts import PostWrites, content_hash
from archiver.store.registry import Registry
from archiver.store.schema import (
    SCHEMA_VERSION,
    SchemaVersionError,
    create_schema,
    migrate,
    read_schema_version,
)
from archiver.store.selection import PostReads
from archiver.store.sites import SiteRows
from archiver.store.sql import utc_now

__all__ = ["Archive", "content_hash", "utc_now"]


class Archive(CrawlLog, SiteRows, PostWrites, PostReads, Registry):
    """An SQLite archive file (WAL, foreign keys on), migrated to the current schema on open."""

    def __init__(self, path: str | Path, *, _db: Database | None = None) -> None:
        """Open or create the archive at `path` (WAL, foreign keys on) and migrate it to the current schema."""
        self.path = Path(path)
        if _db is not None:  # open_readonly hands over its own connection
            self.db = _db
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # sqlite-utils plugins are for its own command line; looking for them scans every installed package's
        # entry points (~30 ms of each crawl's start-up) and the archive uses none.
        self.db = Database(self.path, execute_plugins=False)
        # The search index's triggers call these when posts are updated or deleted.
        search.register_functions(self.db.conn)
        try:
            self.db.execute("PRAGMA foreign_keys = ON")
            # Parallel crawls (archiver schedule) share the file: wait for the writer instead of failing.
            self.db.execute("PRAGMA busy_timeout = 30000")
            self.db.enable_wal()
            # Safe with WAL: a power cut can lose the last transactions but never corrupts the file.
            self.db.execute("PRAGMA synchronous = NORMAL")
            version = read_schema_version(self.db)
            if version > SCHEMA_VERSION:
                raise SchemaVersionError(
                    f"{self.path} has schema version {version}, newer than the {SCHEMA_VERSION} this "
                    "blog-archiver knows: upgrade blog-archiver to open it"
                )
            if version == 0:
                with self.writing():  # another process may be making it too: the first one does
                    if read_schema_version(self.db) == 0:
                        create_schema(self.db)
            elif version < SCHEMA_VERSION:
                migrate(self.db, version)
        except BaseException:
            self.db.close()
            raise

    @classmethod
    def open_readonly(cls, path: str | Path) -> Archive:
        """Open an existing archive for reading only; never creates or migrates it."""
        path = Path(path)
        if not path.is_file():
            raise FileNotFoundError(f"no archive at {path}")
        connection = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        db = Database(connection, execute_plugins=False)
        try:
            version = read_schema_version(db)
            if version != SCHEMA_VERSION:
                hint = (
                    "upgrade blog-archiver to read it"
                    if version > SCHEMA_VERSION
                    else "open it read-write once to migrate it"
                )
                raise SchemaVersionError(
                    f"{path} has schema version {version}, this blog-archiver reads {SCHEMA_VERSION}: {hint}"
                )
        except BaseException:
            db.close()
            raise
        return cls(path, _db=db)

    @contextmanager
    def writing(self) -> Iterator[None]:
        """One write transaction around many writes (inside one already open: a savepoint of it).

        BEGIN IMMEDIATE takes the write lock before the first read, waiting busy_timeout for another process's
        writer; a deferred BEGIN that reads and then writes fails at once when another process wrote in between
        (SQLITE_BUSY on a stale WAL snapshot): what parallel crawls of one archive would hit."""
        conn = self.db.conn
        if conn.in_transaction:
            with self.db.atomic():
                yield
            return
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            conn.rollback()
            raise
        conn.execute("COMMIT")

    def __enter__(self) -> Archive:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the database file."""
        self.db.close()
