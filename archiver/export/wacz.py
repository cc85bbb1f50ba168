"""WACZ export (Web Archive Collection Zipped, format 1.1.1): one file that ReplayWeb.page and pywb open, holding
the WARC records of the selection (post pages, the listing pages they were found on, their images), their CDXJ
index, a pages list (one line per post page) and the data package describing it all with sha256 hashes.

The WARC records come from the WARC export (copied byte for byte); cdxj-indexer (Webrecorder's indexer, the one
py-wacz uses) writes the index; the rest is JSON and a ZIP in the layout the WACZ specification gives: WARCs and
the index stored uncompressed in the ZIP so a replay tool can read them by offset.
"""

from __future__ import annotations

import hashlib
import json
import tempfile
import zipfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cdxj_indexer import CDXJIndexer

from archiver import PROJECT_URL, __version__
from archiver.export.common import ExportResult, Tick
from archiver.export.selection import Selection
from archiver.export.warc_file import write_selection
from archiver.store import Archive

WACZ_VERSION = "1.1.1"
WARC_NAME = "data.warc.gz"
WARC_PATH = f"archive/{WARC_NAME}"
INDEX_PATH = "indexes/index.cdx"  # CDXJ lines; the name pywb and ReplayWeb.page look for
PAGES_PATH = "pages/pages.jsonl"
HASH_CHUNK = 1024 * 1024


def export_wacz(archive: Archive, selection: Selection, target: Path, tick: Tick) -> ExportResult:
    """Write the selection's captures as a WACZ file at `target`."""
    with tempfile.TemporaryDirectory(prefix=".wacz-", dir=target.parent) as scratch:
        warc = Path(scratch) / WARC_NAME
        with warc.open("wb") as out:
            copied = write_selection(archive, selection, out, WARC_NAME, tick)
        index = Path(scratch) / "index.cdxj"
        write_cdxj_index(warc, index)
        pages = pages_jsonl(copied.pages)
        with zipfile.ZipFile(target, "w") as package:
            resources = [
                _add_file(package, WARC_PATH, warc),
                _add_file(package, INDEX_PATH, index),
                _add_bytes(package, PAGES_PATH, pages, zipfile.ZIP_DEFLATED),
            ]
            datapackage = data_package(resources, title=f"blog-archiver export of {archive.path.name}",
                                       main_page=copied.pages[0] if copied.pages else None)
            package.writestr(_info("datapackage.json", zipfile.ZIP_DEFLATED), datapackage)
            digest = {"path": "datapackage.json", "hash": "sha256:" + hashlib.sha256(datapackage).hexdigest()}
            package.writestr(_info("datapackage-digest.json", zipfile.ZIP_DEFLATED),
                             json.dumps(digest, indent=2).encode("utf-8"))
    return ExportResult(posts=copied.posts, sites=len(copied.sites), files=1, path=target)


def write_cdxj_index(warc: Path, target: Path) -> None:
    """The CDXJ index of a WARC file (sorted; records named by the WARC's name inside the package)."""
    with target.open("w", encoding="utf-8") as out:
        CDXJIndexer(out, [str(warc)], sort=True, post_append=True, filename=WARC_NAME).process_all()


def pages_jsonl(pages: list[dict[str, Any]]) -> bytes:
    """The pages list: a header line, then one line per post page (URL, capture time, title)."""
    lines = [{"format": "json-pages-1.0", "id": "pages", "title": "Archived posts"}]
    for number, page in enumerate(pages, start=1):
        line = {"id": f"post-{number}", "url": page["url"], "ts": _iso_z(page["fetched_at"])}
        if page.get("title"):
            line["title"] = page["title"]
        lines.append(line)
    return "".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines).encode("utf-8")


def data_package(resources: list[dict[str, Any]], *, title: str, main_page: dict[str, Any] | None) -> bytes:
    """datapackage.json: every resource with its size and sha256, the WACZ version, who wrote it and when."""
    package: dict[str, Any] = {
        "profile": "data-package",
        "resources": resources,
        "title": title,
        "created": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "wacz_version": WACZ_VERSION,
        "software": f"blog-archiver {__version__} (+{PROJECT_URL})",
    }
    if main_page:
        package["mainPageURL"] = main_page["url"]
        package["mainPageDate"] = _iso_z(main_page["fetched_at"])
    return json.dumps(package, indent=2, ensure_ascii=False).encode("utf-8")


def _info(path: str, compression: int) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(path, datetime.now(UTC).timetuple()[:6])
    info.compress_type = compression
    return info


def _resource(path: str, size: int, digest: str) -> dict[str, Any]:
    return {"name": Path(path).name.lower(), "path": path, "hash": f"sha256:{digest}", "bytes": size}


def _add_file(package: zipfile.ZipFile, path: str, source: Path) -> dict[str, Any]:
    """Store a file uncompressed in the ZIP (WARCs are gzip already; replay tools seek in both by offset)."""
    digest = hashlib.sha256()
    size = 0
    with source.open("rb") as handle, package.open(_info(path, zipfile.ZIP_STORED), "w", force_zip64=True) as out:
        while chunk := handle.read(HASH_CHUNK):
            digest.update(chunk)
            size += len(chunk)
            out.write(chunk)
    return _resource(path, size, digest.hexdigest())


def _add_bytes(package: zipfile.ZipFile, path: str, data: bytes, compression: int) -> dict[str, Any]:
    package.writestr(_info(path, compression), data)
    return _resource(path, len(data), hashlib.sha256(data).hexdigest())


def _iso_z(value: str | None) -> str:
    """An ISO-8601 UTC time as WACZ writes it (2024-05-04T08:00:00Z)."""
    if not value:
        return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
