"""Publish an archive database with Datasette: metadata, templates and the plugin bundled with the project."""

from __future__ import annotations

import contextlib
import hashlib
import json
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # importing Datasette is slow; only make_datasette needs it at run time
    from datasette.app import Datasette

PUBLISH_DIR = Path(__file__).parent
METADATA_PATH = PUBLISH_DIR / "metadata.json"
TEMPLATES_DIR = PUBLISH_DIR / "templates"
PLUGINS_DIR = PUBLISH_DIR / "plugins"
PLUGIN_MODULE = PUBLISH_DIR / "plugin.py"
# metadata.json describes the database under this name; Datasette names a database after its file's stem.
TEMPLATE_DATABASE = "archive"
# Long bodies would make the posts table unreadable: cells show this many characters, the post page all.
# Facets are set in metadata, so suggesting more (a query per column) is work nobody asked for: on a search
# that matches most of 200,000 posts it cost seconds.
SETTINGS: dict[str, Any] = {"truncate_cells_html": 120, "suggest_facets": False}
# Where `archiver publish` can send the archive: `datasette package` builds a local Docker image; the others
# are Datasette's built-in `datasette publish` targets (each needs its own CLI and account).
PUBLISH_TARGETS = ("package", "cloudrun", "heroku")
# The option naming the image or service, per target.
NAME_OPTIONS = {"package": "--tag", "cloudrun": "--service", "heroku": "--name"}
# Python packages the deployed Datasette needs besides itself (the plugin's sanitizer).
DEPLOY_INSTALL = ("nh3",)


def load_metadata(database_name: str = TEMPLATE_DATABASE) -> dict[str, Any]:
    """The bundled metadata, with its database section renamed to `database_name`."""
    metadata: dict[str, Any] = json.loads(METADATA_PATH.read_text(encoding="utf-8"))
    databases = metadata.get("databases", {})
    if database_name != TEMPLATE_DATABASE and TEMPLATE_DATABASE in databases:
        databases[database_name] = databases.pop(TEMPLATE_DATABASE)
    return metadata


def _facet_column(facet: str | dict[str, str]) -> str:
    return facet if isinstance(facet, str) else next(iter(facet.values()))


def _archive_columns(db_path: Path) -> dict[str, set[str]] | None:
    """Every table's columns (generated ones included), or None when the file can't be read."""
    try:
        connection = sqlite3.connect(f"{db_path.resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error:
        return None
    try:
        names = [name for (name,) in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        return {name: {row[1] for row in connection.execute(f'PRAGMA table_xinfo("{name}")')} for name in names}
    except sqlite3.Error:
        return None
    finally:
        connection.close()


def fit_metadata(metadata: dict[str, Any], database_name: str, db_path: Path) -> dict[str, Any]:
    """Drop facets and sort orders naming columns the archive lacks (an older archive served read-only)."""
    columns = _archive_columns(db_path) if db_path.exists() else None
    if columns is None:
        return metadata
    for name, table in metadata.get("databases", {}).get(database_name, {}).get("tables", {}).items():
        present = columns.get(name)
        if present is None:
            continue
        if "facets" in table:
            table["facets"] = [facet for facet in table["facets"] if _facet_column(facet) in present]
        for key in ("sort", "sort_desc", "label_column"):
            if key in table and table[key] not in present:
                del table[key]
    return metadata


def metadata_for(db_path: Path) -> dict[str, Any]:
    """The metadata for serving db_path: named after the file, fitted to its columns."""
    return fit_metadata(load_metadata(db_path.stem), db_path.stem, db_path)


def metadata_path_for(db_path: Path) -> Path:
    """A metadata file for db_path (named after it and fitted to its columns), written to the temp directory."""
    text = json.dumps(metadata_for(db_path), ensure_ascii=False, indent=2)
    digest = hashlib.sha1(text.encode("utf-8")).hexdigest()[:12]
    target = Path(tempfile.gettempdir()) / f"blog-archiver-metadata-{digest}.json"
    if not target.exists():
        target.write_text(text, encoding="utf-8")
    return target


def _setting_args() -> list[str]:
    return [part for name, value in SETTINGS.items() for part in ("--setting", name, str(value))]


def datasette_command(
    db_path: Path, host: str = "127.0.0.1", port: int = 8001, plugins_dir: Path | None = None
) -> list[str]:
    """The argv that serves db_path with Datasette and the project's metadata, templates and plugin."""
    return [
        sys.executable,
        "-m",
        "datasette",
        "serve",
        str(db_path),
        "--metadata",
        str(metadata_path_for(db_path)),
        "--template-dir",
        str(TEMPLATES_DIR),
        "--plugins-dir",
        str(plugins_dir or PLUGINS_DIR),
        *_setting_args(),
        "--host",
        host,
        "--port",
        str(port),
    ]


def _die_with_parent() -> None:
    """In the child: get SIGTERM when the parent dies, even by SIGKILL (Linux; elsewhere nothing)."""
    with contextlib.suppress(Exception):
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def serve_beside(db_path: Path, host: str = "127.0.0.1", port: int = 8001) -> int:
    """Run Datasette on db_path as a child process until it stops or this process is told to stop (Ctrl-C,
    SIGTERM); returns its exit code. For a caller that keeps serving something else meanwhile (the demo's
    blog); `archiver serve` instead becomes Datasette (exec)."""
    child = subprocess.Popen(datasette_command(db_path, host, port), preexec_fn=_die_with_parent)

    def stop(signum: int, frame: object) -> None:
        child.terminate()

    previous_term = signal.signal(signal.SIGTERM, stop)
    # A crawl ran in this process before: Scrapy's SIGINT handler would only log. Ctrl-C reaches the child
    # (same process group); here it just means "wait for it to stop".
    previous_int = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        while True:
            try:
                return child.wait()
            except KeyboardInterrupt:
                child.terminate()
    finally:
        signal.signal(signal.SIGTERM, previous_term)
        signal.signal(signal.SIGINT, previous_int)
        if child.poll() is None:
            child.kill()
            child.wait()


def _register_plugin() -> None:
    from datasette.plugins import pm

    from archiver.publish import media, plugin

    if not pm.is_registered(plugin):
        pm.register(plugin, name="archiver.publish.plugin")
    if not pm.is_registered(media):
        pm.register(media, name="archiver.publish.media")


def make_datasette(db_path: Path, *, immutable: bool = False) -> Datasette:
    """An in-process Datasette for db_path configured like datasette_command (for tests and embedding)."""
    from datasette.app import Datasette

    _register_plugin()
    files = {"immutables": [str(db_path)]} if immutable else {"files": [str(db_path)]}
    return Datasette(
        **files,
        metadata=metadata_for(db_path),
        template_dir=str(TEMPLATES_DIR),
        settings=dict(SETTINGS),
    )


# --- publishing a read-only copy ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PublishPlan:
    """What `archiver publish` runs: the staged files and the datasette package/publish argv."""

    staging: Path
    snapshot: Path
    argv: list[str] = field(default_factory=list)


def snapshot_archive(db_path: Path, target: Path) -> Path:
    """A consistent single-file copy of the archive (even while a crawl writes to it), WAL folded in."""
    target.parent.mkdir(parents=True, exist_ok=True)
    target.unlink(missing_ok=True)
    source = sqlite3.connect(f"{db_path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        source.execute("VACUUM INTO ?", [str(target)])
    finally:
        source.close()
    copy = sqlite3.connect(target)
    try:
        copy.execute("PRAGMA journal_mode = DELETE")  # an immutable file must not need a -wal beside it
    finally:
        copy.close()
    return target


def stage_plugins(target: Path) -> Path:
    """A --plugins-dir that works without blog-archiver installed: the plugin and its search module."""
    from archiver.store import search

    target.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(PLUGIN_MODULE, target / "archiver_datasette.py")
    shutil.copyfile(Path(search.__file__), target / "archiver_search.py")
    return target


def plan_publish(
    db_path: Path, staging: Path, target: str = "package", name: str | None = None, extra: tuple[str, ...] = ()
) -> PublishPlan:
    """Stage an immutable snapshot, metadata and plugin under `staging`; return the argv to package/publish them."""
    if target not in PUBLISH_TARGETS:
        raise ValueError(f"publish target must be one of {', '.join(PUBLISH_TARGETS)}, not {target!r}")
    snapshot = snapshot_archive(db_path, staging / db_path.name)
    metadata = staging / "metadata.json"
    metadata.write_text(json.dumps(metadata_for(snapshot), ensure_ascii=False, indent=2), encoding="utf-8")
    plugins = stage_plugins(staging / "plugins")
    command = ["package"] if target == "package" else ["publish", target]
    argv = [
        sys.executable, "-m", "datasette", *command, str(snapshot),
        "--metadata", str(metadata),
        "--template-dir", str(TEMPLATES_DIR),
        "--plugins-dir", str(plugins),
        *[part for package in DEPLOY_INSTALL for part in ("--install", package)],
        "--extra-options", " ".join(_setting_args()),
    ]  # fmt: skip
    if name:
        argv += [NAME_OPTIONS[target], name]
    argv += list(extra)
    return PublishPlan(staging=staging, snapshot=snapshot, argv=argv)
