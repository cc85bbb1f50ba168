"""Where an export goes: built beside its destination and moved into place at the end, so a failed export
leaves nothing half-written and an existing path is only replaced with --force."""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

# Every folder export holds this file; --force only ever deletes a folder that has it (or an empty one),
# so `-o ~ --force` cannot wipe a home directory.
EXPORT_MARKER = ".blog-archiver-export"


class OutputExistsError(FileExistsError):
    """The destination exists and may not (or cannot safely) be replaced."""


class OutputUnwritableError(RuntimeError):
    """The destination's folder cannot be written (missing and not creatable, read-only, /proc...)."""


def check_destination(path: Path, *, folder: bool, force: bool) -> None:
    """Raise OutputExistsError unless `path` is free, or --force may replace what is there."""
    if not path.exists() and not path.is_symlink():
        return
    if not force:
        raise OutputExistsError(f"{path} already exists: pass --force to replace it")
    if path.is_dir() and not path.is_symlink():
        if not folder:
            raise OutputExistsError(f"{path} is a folder; this format writes one file: choose a file name")
        if any(path.iterdir()) and not (path / EXPORT_MARKER).exists():
            raise OutputExistsError(f"{path} is a folder that is not an earlier export: refusing to delete it")
    elif folder:
        raise OutputExistsError(f"{path} is a file; this format writes a folder: choose a folder name")


@contextlib.contextmanager
def staged(path: Path, *, folder: bool, force: bool) -> Iterator[Path]:
    """Yield a scratch file or folder beside `path`; on success it replaces `path`, on error it is removed."""
    check_destination(path, folder=folder, force=force)
    scratch = _make_scratch(path, folder=folder)
    try:
        yield scratch
        _replace(scratch, path, folder=folder, force=force)
    except BaseException:
        _remove(scratch)
        raise


def _make_scratch(path: Path, *, folder: bool) -> Path:
    """An empty file or folder beside `path`, or OutputUnwritableError saying why there can be none."""
    prefix = f".{path.name}.partial-"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        if folder:
            scratch = Path(tempfile.mkdtemp(prefix=prefix, dir=path.parent))
            (scratch / EXPORT_MARKER).write_text("written by blog-archiver export\n", encoding="utf-8")
            return scratch
        handle, name = tempfile.mkstemp(prefix=prefix, dir=path.parent)
    except OSError as error:
        raise OutputUnwritableError(f"cannot write {path}: {error.strerror or error}") from None
    os.close(handle)
    return Path(name)


def _replace(scratch: Path, path: Path, *, folder: bool, force: bool) -> None:
    check_destination(path, folder=folder, force=force)  # again: something may have appeared meanwhile
    if folder:
        os.chmod(scratch, 0o755)  # mkdtemp makes it private; an export is meant to be shared
    else:
        os.chmod(scratch, 0o644)
    if folder and path.is_dir() and not path.is_symlink():
        old = path.with_name(f".{path.name}.old-{os.getpid()}")
        path.rename(old)
        scratch.rename(path)
        shutil.rmtree(old)
    else:
        os.replace(scratch, path)


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)
