"""Safe file names from slugs and titles: nothing a post says can escape the export folder or break on
Windows, macOS or Linux file systems."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path
from urllib.parse import unquote, urlsplit

# Names Windows refuses as a file's stem, whatever the extension (CON, aux.txt, COM1.md...).
WINDOWS_RESERVED_STEMS = frozenset(
    ["con", "prn", "aux", "nul", "conin$", "conout$"]
    + [f"{device}{digit}" for device in ("com", "lpt") for digit in "0123456789¹²³"]
)
# Characters forbidden on Windows, path separators included; replaced by a dash.
_FORBIDDEN = re.compile(r'[<>:"/\\|?*\s]+')
_DASHES = re.compile(r"-{2,}")
# Leading dots hide files (and make "." / ".."); trailing dots and spaces are dropped by Windows.
_EDGE_JUNK = " .-_"
# Bytes, not characters: file systems limit names to 255 bytes; this leaves room for "-NNN" and an extension.
MAX_NAME_BYTES = 150
# The last URL path segments that say nothing about the post.
_INDEX_SEGMENTS = re.compile(r"^(?:index|default)(?:\.\w+)?$", re.IGNORECASE)
_PAGE_EXTENSION = re.compile(r"\.(?:html?|php|aspx?|jsp|md)$", re.IGNORECASE)


def safe_name(text: str | None, *, fallback: str = "untitled", max_bytes: int = MAX_NAME_BYTES) -> str:
    """One path component made from arbitrary text: no separators, controls, reserved names or dot-only names."""
    name = _clean(text or "", max_bytes)
    if not name:
        name = _clean(fallback, max_bytes) or "untitled"
    if name.split(".", 1)[0].casefold() in WINDOWS_RESERVED_STEMS:
        name = "_" + name
    return name


def _clean(text: str, max_bytes: int) -> str:
    text = unicodedata.normalize("NFC", text)
    # Controls (NUL included), format characters (bidi overrides, zero-width joiners), unassigned, surrogates.
    text = "".join(char for char in text if unicodedata.category(char)[0] != "C")
    text = _DASHES.sub("-", _FORBIDDEN.sub("-", text)).strip(_EDGE_JUNK)
    encoded = text.encode("utf-8")
    if len(encoded) > max_bytes:
        text = encoded[:max_bytes].decode("utf-8", errors="ignore").strip(_EDGE_JUNK)
    return text


def post_slug(url: str | None, title: str | None, post_id: int) -> str:
    """The post's own name: its URL's last meaningful path segment, else its title, else `post-ID`."""
    return safe_name(_url_slug(url or "") or title, fallback=f"post-{post_id}")


def _url_slug(url: str) -> str:
    parts = urlsplit(url)
    segments = [unquote(segment) for segment in parts.path.split("/") if segment]
    while segments and _INDEX_SEGMENTS.match(segments[-1]):
        segments.pop()
    if segments:
        return _PAGE_EXTENSION.sub("", segments[-1])
    # "?p=123" style permalinks: the query's values.
    return "-".join(value for _, _, value in (pair.partition("=") for pair in parts.query.split("&")) if value)


def site_folder(url: str) -> str:
    """A folder name for a site: its host (and port) and path, e.g. `blog.example.org-notes`."""
    parts = urlsplit(url)
    host = (parts.hostname or "").removeprefix("www.")
    if parts.port:
        host += f"-{parts.port}"
    path = unquote(parts.path).strip("/")
    return safe_name(f"{host}-{path}" if path else host, fallback="site")


class UniqueNames:
    """Hands out names unique within one folder, also on case-insensitive file systems (name-2.md, ...)."""

    def __init__(self) -> None:
        self._taken: set[str] = set()

    def claim(self, stem: str, extension: str = "") -> str:
        """A file name `stem + extension`, or `stem-N + extension` when the name is already taken."""
        candidate = stem + extension
        number = 1
        while candidate.casefold() in self._taken:
            number += 1
            suffix = f"-{number}"
            candidate = safe_name(stem, max_bytes=MAX_NAME_BYTES - len(suffix)) + suffix + extension
        self._taken.add(candidate.casefold())
        return candidate


def inside(root: Path, *parts: str) -> Path:
    """root/parts..., refusing any part that could leave root (a last guard behind safe_name)."""
    for part in parts:
        if part in ("", ".", "..") or any(char in part for char in "/\\\0") or Path(part).is_absolute():
            raise ValueError(f"unsafe path component {part!r}")
    return root.joinpath(*parts)
