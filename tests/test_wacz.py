"""`archiver export wacz`: a WACZ of a crawled fixture blog with images passes py-wacz's `wacz validate`, and pywb
replays a post and its images from it (the image stored once as a revisit record included)."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import time
import urllib.request
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import rows, run_archiver
from tests.media_site import MediaSite, served_media_site
from tests.test_warc import _free_port, _pywb_bin

WACZ_BIN = Path(sys.executable).parent / "wacz"


@pytest.fixture(scope="module")
def exported(tmp_path_factory) -> Iterator[dict]:
    folder = tmp_path_factory.mktemp("wacz")
    with served_media_site(folder / "site") as (site, _blog, _cdn):
        db = folder / "archive.db"
        crawl = run_archiver("crawl", site.url, "--db", str(db), cwd=folder)
        assert crawl.returncode == 0, crawl.stderr
    # The blog is gone: only the archive and its WARC files are left.
    wacz = folder / "blog.wacz"
    result = run_archiver("export", "wacz", "-o", str(wacz), "--db", str(db), "--site", site.url, cwd=folder)
    yield {"site": site, "db": db, "wacz": wacz, "result": result, "folder": folder}


def test_export_reports_what_it_packed(exported) -> None:
    assert exported["result"].returncode == 0, exported["result"].stderr
    assert "exported 3 posts from 1 site to" in exported["result"].stdout


def test_wacz_validate_passes(exported) -> None:
    if not WACZ_BIN.exists():
        pytest.skip("py-wacz is not installed (pip install wacz: a test dependency)")
    check = subprocess.run([str(WACZ_BIN), "validate", "-f", str(exported["wacz"])], capture_output=True, text=True,
                           check=False)
    assert check.returncode == 0, check.stdout + check.stderr
    assert "passed WACZ is valid" in check.stdout


def test_wacz_holds_every_post_page_and_archived_image(exported) -> None:
    site: MediaSite = exported["site"]
    with zipfile.ZipFile(exported["wacz"]) as package:
        names = set(package.namelist())
        assert {"archive/data.warc.gz", "indexes/index.cdx", "pages/pages.jsonl", "datapackage.json",
                "datapackage-digest.json"} <= names
        assert package.getinfo("archive/data.warc.gz").compress_type == zipfile.ZIP_STORED
        indexed = [json.loads(line.split(" ", 2)[2]) for line in package.read("indexes/index.cdx").decode().splitlines()]
        pages = [json.loads(line) for line in package.read("pages/pages.jsonl").decode().splitlines()]
        datapackage = json.loads(package.read("datapackage.json"))
        for resource in datapackage["resources"]:
            assert resource["hash"] == "sha256:" + hashlib.sha256(package.read(resource["path"])).hexdigest()
    urls = {entry["url"] for entry in indexed}
    assert {site.url.rstrip("/") + post.path for post in site.posts} <= urls
    assert set(site.archived) <= urls
    assert site.missing not in urls and site.huge not in urls  # never archived, never packed
    assert {e["status"] for e in indexed if e["url"] == site.moved} == {"301"}  # the hop, then its target
    assert site.url + "images/pier.png" in urls
    assert pages[0]["format"] == "json-pages-1.0"
    assert {(p["url"], p["title"]) for p in pages[1:]} == {(site.url.rstrip("/") + p.path, p.title) for p in site.posts}


def test_pywb_replays_a_post_and_its_images_from_the_wacz(exported, tmp_path: Path) -> None:
    pywb = _pywb_bin()
    if pywb is None:
        pytest.skip("pywb not installed (make .venv-pywb/.installed; see README: WARC capture)")
    site: MediaSite = exported["site"]
    subprocess.run([str(pywb / "wb-manager"), "init", "blogs"], cwd=tmp_path, check=True, capture_output=True)
    subprocess.run([str(pywb / "wb-manager"), "add", "--unpack-wacz", "blogs", str(exported["wacz"])],
                   cwd=tmp_path, check=True, capture_output=True)
    port = _free_port()
    server = subprocess.Popen([str(pywb / "wayback"), "-p", str(port), "-b", "127.0.0.1"], cwd=tmp_path,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def replay(url: str) -> bytes:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/blogs/id_/{url}", timeout=5) as reply:
                    return reply.read()
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise
                time.sleep(0.2)

    try:
        post = site.posts[1]  # Cliff walk: shows the harbour image, stored as a revisit of its copy's bytes
        page = replay(site.url.rstrip("/") + post.path).decode("utf-8")
        assert post.title in page and "the harbour again" in page
        for url in post.images:
            if url in site.archived:
                assert replay(url) == site.archived[url], url
        cdn_image = next(url for url in site.archived if url.startswith(site.cdn))
        assert replay(cdn_image) == site.archived[cdn_image]
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_warc_export_carries_the_images_too(exported) -> None:
    from warcio.archiveiterator import ArchiveIterator

    warc = exported["folder"] / "blog.warc.gz"
    result = run_archiver("export", "warc", "-o", str(warc), "--db", str(exported["db"]), cwd=exported["folder"])
    assert result.returncode == 0, result.stderr
    with warc.open("rb") as handle:
        targets = [r.rec_headers.get_header("WARC-Target-URI") for r in ArchiveIterator(handle)
                   if r.rec_type in ("response", "revisit")]
    assert set(exported["site"].archived) <= set(targets)
    assert len(targets) == len(set(targets))  # an image two posts show is packed once
    assert rows(exported["db"], "SELECT count(*) AS n FROM media WHERE sha256 IS NOT NULL")[0]["n"] == len(
        exported["site"].archived)
