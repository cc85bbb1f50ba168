"""WARC export: the raw captures of the selected posts in one WARC file, copied byte for byte (record digests
stay valid): for each post, once, the listing page it was found on, then the redirects its URL answered with
and its post page (each a response + request pair), so a replay of the post's own URL follows to its page, and
the images its body shows (a revisit record comes with the capture it refers to)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from warcio.warcwriter import WARCWriter

from archiver.export.common import ExportResult, Tick
from archiver.export.selection import Selection
from archiver.store import Archive
from archiver.store import media as media_store
from archiver.store.captures import selected_posts_with_listing
from archiver.warc.files import WarcLocator, WarcNotFoundError, copy_exchange, warcinfo_fields
from archiver.warc.locate import locator_for
from archiver.warc.lookup import CaptureFinder

TICK_EVERY = 200


@dataclass
class CopiedPages:
    """What a WARC export wrote: posts and sites counted, and each post page copied (for a WACZ pages list)."""

    posts: int = 0
    sites: set[int] = field(default_factory=set)
    pages: list[dict[str, Any]] = field(default_factory=list)  # {"url", "fetched_at", "title"}


def export_warc(archive: Archive, selection: Selection, target: Path, tick: Tick) -> ExportResult:
    """Write the captures of the selected posts to `target` (gzip per record, a warcinfo record first)."""
    with target.open("wb") as out:
        copied = write_selection(archive, selection, out, target.name, tick)
    return ExportResult(posts=copied.posts, sites=len(copied.sites), files=1, path=target)


def write_selection(archive: Archive, selection: Selection, out: BinaryIO, name: str, tick: Tick) -> CopiedPages:
    """The selection's captures as one WARC stream on `out` (named `name` in its warcinfo record)."""
    locator = locator_for(archive)
    copier = _Copier(locator)
    copied = CopiedPages()
    pending = 0
    try:
        writer = WARCWriter(out, gzip=True)
        info = warcinfo_fields({"description": f"blog-archiver export of {archive.path.name}"})
        writer.write_record(writer.create_warcinfo_record(name, info))
        finder = CaptureFinder(archive, locator)
        for post, listing in selected_posts_with_listing(archive, selection):
            page_chain = finder.post_chains([post["url_key"]]).get(post["url_key"], [])
            page = None
            any_copied = False
            for capture in [listing, *page_chain] if listing else page_chain:
                # Listing pages and redirects are few; post pages are never met twice: the set stays small.
                if copier.copy(capture, out, remember=capture["kind"] != "post") and capture["kind"] == "post":
                    any_copied = True
                    page = capture
            if any_copied:
                copied.posts += 1
                copied.sites.add(post["site_id"])
            if page is not None:
                copied.pages.append({"url": page["url"], "fetched_at": page["fetched_at"], "title": post.get("title")})
                for image in media_store.post_images(archive, post["id"]):
                    _copy_image(archive, copier, image, out)
            pending += 1
            if pending >= TICK_EVERY:
                tick(pending)
                pending = 0
        tick(pending)
    finally:
        copier.close()
    return copied


def _copy_image(archive: Archive, copier: _Copier, image: dict[str, Any], out: BinaryIO) -> None:
    if image["sha256"] is None or image["warc_file"] is None:
        return
    # The redirects the image's URL answered with first, so a replay of the address the post shows follows them.
    for hop in json.loads(image.get("redirects") or "[]"):
        copier.copy(hop, out, remember=True)
    if copier.copy(image, out, remember=True):
        # The record may be a revisit: the capture holding the bytes goes with it (the first one copied wins).
        for copy in media_store.copies_of(archive, image["sha256"])[:1]:
            copier.copy(copy, out, remember=True)


class _Copier:
    """Copies exchanges out of the archive's WARC files, each place once, with a few files kept open."""

    def __init__(self, locator: WarcLocator) -> None:
        self.locator = locator
        self.written: set[tuple[str, int]] = set()
        self.handles: dict[str, BinaryIO] = {}

    def copy(self, row: dict[str, Any], out: BinaryIO, *, remember: bool) -> bool:
        """Copy the exchange at the row's warc_file/warc_offset unless already copied; False when not copied."""
        place = (row["warc_file"], row["warc_offset"])
        if place in self.written:
            return False
        try:
            source = self._handle(self.locator.path(row["warc_file"]))
        except WarcNotFoundError:
            return False
        copy_exchange(source, row["warc_offset"], out)
        if remember:
            self.written.add(place)
        return True

    def _handle(self, path: Path) -> BinaryIO:
        key = str(path)
        if key not in self.handles:
            if len(self.handles) >= 32:  # a long archive has many files; keep only a few open
                self.handles.pop(next(iter(self.handles))).close()
            self.handles[key] = path.open("rb")
        return self.handles[key]

    def close(self) -> None:
        for handle in self.handles.values():
            handle.close()
