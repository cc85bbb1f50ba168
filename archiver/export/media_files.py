"""The images of an HTML export: each archived image a post shows is copied once (by its sha256) out of its WARC
capture into the export's media/ folder, so the exported pages show it with no network; SVG images go inline
as data: URLs instead of files (a script in an SVG never runs in an <img>, but would in a file opened alone)."""

from __future__ import annotations

import base64
import hashlib
from pathlib import Path
from typing import Any

from archiver.export.names import inside
from archiver.extract.media import image_sources
from archiver.store import Archive
from archiver.store import media as media_store
from archiver.warc.files import WarcLocator, WarcNotFoundError, read_capture
from archiver.warc.locate import locator_for

MEDIA_FOLDER = "media"
EXTENSIONS = {"image/png": ".png", "image/jpeg": ".jpg", "image/gif": ".gif", "image/webp": ".webp",
              "image/avif": ".avif", "image/bmp": ".bmp", "image/x-icon": ".ico", "image/tiff": ".tif"}
INLINE_TYPES = frozenset({"image/svg+xml"})


class ExportImages:
    """Copies archived images into `target/media/` on demand; remembers what it wrote (by sha256)."""

    def __init__(self, archive: Archive, target: Path, locator: WarcLocator | None = None) -> None:
        self.archive = archive
        self.folder = target / MEDIA_FOLDER
        self.locator = locator or locator_for(archive)
        self.written: dict[str, str | None] = {}  # sha256 -> file name or data: URL (None: could not be read)
        self.files = 0

    def local_images(self, body_html: str | None, to_root: str) -> dict[str, str]:
        """{image URL: where the page at `to_root` (relative path to the export's root) finds its copy}."""
        urls = image_sources(body_html)
        if not urls:
            return {}
        found: dict[str, str] = {}
        for url, row in media_store.images_by_url(self.archive, urls).items():
            place = self._copy(row)
            if place is not None:
                found[url] = place if place.startswith("data:") else f"{to_root}{MEDIA_FOLDER}/{place}"
        return found

    def _copy(self, row: dict[str, Any]) -> str | None:
        sha256, kind = row["sha256"], row["content_type"]
        if sha256 in self.written:
            return self.written[sha256]
        place = None
        if kind in EXTENSIONS or kind in INLINE_TYPES:
            body = self._bytes(sha256)
            if body is not None and kind in INLINE_TYPES:
                place = f"data:{kind};base64,{base64.b64encode(body).decode('ascii')}"
            elif body is not None:
                place = sha256 + EXTENSIONS[kind]
                self.folder.mkdir(exist_ok=True)
                inside(self.folder, place).write_bytes(body)
                self.files += 1
        self.written[sha256] = place
        return place

    def _bytes(self, sha256: str) -> bytes | None:
        """The image's bytes from the first readable capture holding them (a revisit record holds none)."""
        for copy in media_store.copies_of(self.archive, sha256):
            try:
                capture = read_capture(self.locator.path(copy["warc_file"]), copy["warc_offset"])
            except (WarcNotFoundError, OSError, ValueError, EOFError):
                continue
            if capture.status == 200 and hashlib.sha256(capture.body).hexdigest() == sha256:
                return capture.body
        return None
