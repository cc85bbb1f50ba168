"""WARC export: the raw captures of the selected posts in one WARC file, copied byte for byte (record digests
stay valid): for each post, once, the listing page it was found on, then the redirects its URL answered with
and its post page (each a response + request pair), so a replay of the post's own URL follows to its page."""

from __future__ import annotations

from pathlib import Path
from typing import BinaryIO

from warcio.warcwriter import WARCWriter

from archiver.export.common import ExportResult, Tick
from archiver.export.selection import Selection
from archiver.store import Archive
from archiver.store.captures import selected_posts_with_listing
from archiver.warc.files import WarcNotFoundError, copy_exchange, warcinfo_fields
from archiver.warc.locate import locator_for
from archiver.warc.lookup import CaptureFinder

TICK_EVERY = 200


def export_warc(archive: Archive, selection: Selection, target: Path, tick: Tick) -> ExportResult:
    """Write the captures of the selected posts to `target` (gzip per record, a warcinfo record first)."""
    locator = locator_for(archive)
    written: set[tuple[str, int]] = set()
    posts = pending = 0
    site_ids: set[int] = set()
    handles: dict[str, BinaryIO] = {}
    try:
        with target.open("wb") as out:
            writer = WARCWriter(out, gzip=True)
            info = warcinfo_fields({"description": f"blog-archiver export of {archive.path.name}"})
            writer.write_record(writer.create_warcinfo_record(target.name, info))
            finder = CaptureFinder(archive, locator)
            for post, listing in selected_posts_with_listing(archive, selection.query()):
                page_chain = finder.post_chains([post["url_key"]]).get(post["url_key"], [])
                copied = False
                for capture in [listing, *page_chain] if listing else page_chain:
                    place = (capture["warc_file"], capture["warc_offset"])
                    if place in written:
                        continue
                    try:
                        source = _handle(handles, locator.path(capture["warc_file"]))
                    except WarcNotFoundError:
                        continue
                    copy_exchange(source, capture["warc_offset"], out)
                    # Listing pages and redirects are few; post pages are never met twice: the set stays small.
                    if capture["kind"] != "post":
                        written.add(place)
                    copied = capture["kind"] == "post" or copied
                if copied:
                    posts += 1
                    site_ids.add(post["site_id"])
                pending += 1
                if pending >= TICK_EVERY:
                    tick(pending)
                    pending = 0
            tick(pending)
    finally:
        for handle in handles.values():
            handle.close()
    return ExportResult(posts=posts, sites=len(site_ids), files=1, path=target)


def _handle(handles: dict[str, BinaryIO], path: Path) -> BinaryIO:
    key = str(path)
    if key not in handles:
        if len(handles) >= 32:  # a long archive has many files; keep only a few open
            handles.pop(next(iter(handles))).close()
        handles[key] = path.open("rb")
    return handles[key]
