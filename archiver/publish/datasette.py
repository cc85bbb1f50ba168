"""Publish an archive database with Datasette, using the metadata bundled with the project."""

from __future__ import annotations

import hashlib
import json
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # importing Datasette is slow; only make_datasette needs it at run time
    from datasette.app import Datasette

METADATA_PATH = Path(__file__).with_name("metadata.json")
# metadata.json describes the database under this name; Datasette names a database after its file's stem.
TEMPLATE_DATABASE = "archive"


def load_metadata(database_name: str = TEMPLATE_DATABASE) -> dict[str, Any]:
    """The bundled metadata, with its database section renamed to `database_name`."""
    metadata: dict[str, Any] = json.loads(METADATA_PATH.read_text(encoding="utf-8"))
    databases = metadata.get("databases", {})
    if database_name != TEMPLATE_DATABASE and TEMPLATE_DATABASE in databases:
        databases[database_name] = databases.pop(TEMPLATE_DATABASE)
    return metadata


def metadata_path_for(db_path: Path) -> Path:
    """A metadata file whose database section matches db_path's name (the bundled file for archive.db)."""
    database_name = db_path.stem
    if database_name == TEMPLATE_DATABASE:
        return METADATA_PATH
    text = json.dumps(load_metadata(database_name), ensure_ascii=False, indent=2)
    digest = hashlib.sha1(text.encode("utf-8")).hexdigest()[:12]
    target = Path(tempfile.gettempdir()) / f"blog-archiver-metadata-{digest}.json"
    if not target.exists():
        target.write_text(text, encoding="utf-8")
    return target


def datasette_command(db_path: Path, host: str = "127.0.0.1", port: int = 8001) -> list[str]:
    """The argv that serves db_path with Datasette and the project's metadata."""
    return [
        sys.executable,
        "-m",
        "datasette",
        "serve",
        str(db_path),
        "--metadata",
        str(metadata_path_for(db_path)),
        "--host",
        host,
        "--port",
        str(port),
    ]


def make_datasette(db_path: Path) -> Datasette:
    """An in-process Datasette for db_path with the same metadata as datasette_command (for tests and embedding)."""
    from datasette.app import Datasette

    return Datasette(files=[str(db_path)], metadata=load_metadata(db_path.stem))
