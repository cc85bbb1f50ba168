"""Both feed readers over every RSS/Atom feed on disk: the lxml reader (with its feedparser fallback) against
feedparser alone. Every entry must come out the same (URL, title, dates, summary, content, tags, author); the
differences are printed, with the CPU of each reader and how many feeds fell back to feedparser.

Usage: .venv/bin/python benchmarks/feeds_offline.py [FOLDER ...] [--fallbacks]
(default folders: ../shared/corpus/*/www and tests/sites)
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from archiver.extract.feeds import _parse_plain, _parse_with_feedparser, parse_feed

REPO = Path(__file__).resolve().parent.parent
FEED_MARKS = (b"<rss", b"<feed", b"<rdf:RDF")


def feed_files(folders: list[Path]) -> list[Path]:
    """Files under the folders whose first 2 KB look like an RSS, Atom or RDF feed."""
    found = []
    for folder in folders:
        for path in sorted(folder.rglob("*")):
            if path.is_file() and path.stat().st_size < 20_000_000:
                with path.open("rb") as handle:
                    head = handle.read(2048)
                if any(mark in head for mark in FEED_MARKS):
                    found.append(path)
    return found


def main() -> None:
    """Compare, time, print."""
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    folders = [Path(a) for a in args] or [*sorted((REPO.parent / "shared" / "corpus").glob("*/www")),
                                          REPO / "tests" / "sites"]
    plain = fallback = differing = 0
    cpu_feedparser = cpu_reader = 0.0
    import feedparser  # noqa: F401 - imported once, outside the timings

    for path in feed_files(folders):
        body, url = path.read_bytes(), "https://feeds.example/" + path.name
        started = time.process_time()
        expected = _parse_with_feedparser(body, url)
        cpu_feedparser += time.process_time() - started
        started = time.process_time()
        got = parse_feed(body, url)
        cpu_reader += time.process_time() - started
        if not expected and not got:
            continue
        if _parse_plain(body, url) is None:
            fallback += 1
            if "--fallbacks" in sys.argv:
                print("feedparser:", path)
        else:
            plain += 1
        if got != expected:
            differing += 1
            print(f"DIFFERENT: {path} ({len(expected)} entries by feedparser, {len(got)} by the reader)")
            for old, new in zip(expected, got, strict=False):
                for name in old.__slots__:
                    if getattr(old, name) != getattr(new, name):
                        print(f"  {name}: {getattr(old, name)!r:.200} / {getattr(new, name)!r:.200}")
    feeds = plain + fallback
    print(f"{feeds} feeds: {plain} read by lxml, {fallback} left to feedparser, {differing} different; CPU per "
          f"feed: feedparser {cpu_feedparser / max(feeds, 1) * 1000:.1f} ms, reader {cpu_reader / max(feeds, 1) * 1000:.1f} ms")


if __name__ == "__main__":
    main()
