"""What every export format shares: its result, the progress callback, and text cleaning for XML/HTML."""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

# Called with the number of posts just written; drives the progress bar.
Tick = Callable[[int], None]

# Characters XML 1.0 forbids (and HTML shows as garbage): C0 controls but tab/newline/return, lone surrogates,
# U+FFFE/U+FFFF.
_NOT_XML_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


@dataclass(frozen=True, slots=True)
class ExportResult:
    """What an export wrote: posts, sites, files, and where."""

    posts: int
    sites: int
    files: int
    path: Path


def xml_text(value: str | None) -> str:
    """`value` with the characters XML cannot hold removed ('' for None)."""
    if not value:
        return ""
    return _NOT_XML_CHARS.sub("", value)


def no_tick(count: int) -> None:
    """A progress callback that shows nothing."""


def write_new_file(path: str | os.PathLike[str], text: str) -> None:
    """Create `path` (it must not exist) holding `text` as UTF-8: three system calls, no buffering layers."""
    handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    try:
        os.write(handle, text.encode("utf-8"))
    finally:
        os.close(handle)
