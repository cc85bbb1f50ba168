"""Finding the capture of a post's page: the one place that answers "which WARC record holds this post?" for the
WARC export and re-extraction.

A post is known by the URL its listing linked (its url_key); when that URL redirected, the page was captured
under the final URL. The crawl records each hop as a `redirect` row of pages (its target in outlinks), so the
chain is followed there, hop by hop. Archives crawled before hops were recorded still have the 3xx answers in
their WARC files: for posts that were fetched but have no pages row at all, those files are read once, and
their redirect records followed the same way.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any
from urllib.parse import urljoin

from warcio.archiveiterator import ArchiveIterator

from archiver.extract.urls import url_key
from archiver.store import Archive
from archiver.store import captures as store
from archiver.warc.capture import REDIRECT_STATUSES
from archiver.warc.files import WarcLocator, WarcNotFoundError

MAX_REDIRECTS = 20  # Scrapy's REDIRECT_MAX_TIMES; a longer chain (or a loop) ends without a capture


class CaptureFinder:
    """The capture rows (CAPTURE_COLUMNS dicts) of posts' pages, through the redirects their URLs answered with."""

    def __init__(self, archive: Archive, locator: WarcLocator) -> None:
        self.archive = archive
        self.locator = locator
        self._warc_index: _WarcRedirects | None = None

    def post_chains(self, keys: Sequence[str]) -> dict[str, list[dict[str, Any]]]:
        """url_key -> the rows to read for that post: the redirect hops that have a capture, first to last, then
        the post page's capture (always the last row). Keys whose page has no capture are left out."""
        chains = {key: [page] for key, page in store.post_captures(self.archive, keys).items()}
        missing = [key for key in dict.fromkeys(keys) if key not in chains]
        if missing:
            chains.update(self._through_recorded_redirects(missing))
            left = [key for key in missing if key not in chains]
            if left:
                chains.update(self._through_warc_redirects(left))
        return chains

    def post_page(self, key: str) -> dict[str, Any] | None:
        """The capture row of one post's page (after its redirects), or None."""
        chain = self.post_chains([key]).get(key)
        return chain[-1] if chain else None

    def _through_recorded_redirects(self, keys: list[str]) -> dict[str, list[dict[str, Any]]]:
        first_hops: dict[str, list[dict[str, Any]]] = {}
        for row in store.redirect_pages(self.archive, keys):
            first_hops.setdefault(row["url_key"], []).append(row)
        found = {}
        for key, rows in first_hops.items():
            chain = self._follow_recorded(key, rows)
            if chain:
                found[key] = chain
        return found

    def _follow_recorded(self, key: str, rows: list[dict[str, Any]]) -> list[dict[str, Any]] | None:
        hops: list[dict[str, Any]] = []
        seen = {key}
        for _hop in range(MAX_REDIRECTS):
            targets = []
            for row in rows:
                if row["warc_file"]:
                    hops.append(row)
                target = url_key(row["location"])
                if target not in seen:
                    seen.add(target)
                    targets.append(target)
            if not targets:
                return None  # a loop, or a dead end
            pages = store.post_captures(self.archive, targets)
            for target in targets:
                if target in pages:
                    return [*hops, pages[target]]
            rows = store.redirect_pages(self.archive, targets)
        return None

    def _through_warc_redirects(self, keys: list[str]) -> dict[str, list[dict[str, Any]]]:
        candidates = store.unrecorded_fetched_posts(self.archive, keys)
        if not candidates:
            return {}
        if self._warc_index is None:
            self._warc_index = _WarcRedirects.read(self.locator, store.warc_file_names(self.archive), candidates)
        index = self._warc_index
        found: dict[str, list[dict[str, Any]]] = {}
        for key in candidates:
            if key in index.pages:  # captured under its own URL, without a pages row (not HTML)
                found[key] = [index.pages[key]]
                continue
            hops: list[dict[str, Any]] = []
            current, seen = key, {key}
            for _hop in range(MAX_REDIRECTS):
                hop = index.redirects.get(current)
                if hop is None:
                    break
                hops.append(hop)
                current = url_key(hop["location"])
                if current in seen:
                    break
                seen.add(current)
                page = store.post_captures(self.archive, [current]).get(current)
                if page is not None:
                    found[key] = [*hops, page]
                    break
        return found


class _WarcRedirects:
    """The 3xx records of a set of WARC files (url_key -> the latest one as a capture row with its `location`),
    and the 2xx records of some wanted keys."""

    def __init__(self) -> None:
        self.redirects: dict[str, dict[str, Any]] = {}
        self.pages: dict[str, dict[str, Any]] = {}

    @classmethod
    def read(cls, locator: WarcLocator, names: Iterable[str], wanted: set[str]) -> _WarcRedirects:
        index = cls()
        for name in names:
            try:
                path = locator.path(name)
            except WarcNotFoundError:
                continue
            with open(path, "rb") as handle:
                records = ArchiveIterator(handle)
                for record in records:
                    if record.rec_type != "response" or record.http_headers is None:
                        continue
                    uri = record.rec_headers.get_header("WARC-Target-URI") or ""
                    status = int(record.http_headers.get_statuscode() or 0)
                    key = url_key(uri)
                    row = {"url": uri, "url_key": key, "status": status, "warc_file": name,
                           "warc_offset": records.get_record_offset(),
                           "fetched_at": record.rec_headers.get_header("WARC-Date")}
                    location = record.http_headers.get_header("Location")
                    if status in REDIRECT_STATUSES and location:
                        index.redirects[key] = {**row, "kind": "redirect", "location": urljoin(uri, location)}
                    elif 200 <= status < 300 and key in wanted:
                        index.pages[key] = {**row, "kind": "post"}
        return index
