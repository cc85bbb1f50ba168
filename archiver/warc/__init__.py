"""Raw captures in WARC files (ISO 28500): writing them during a crawl, reading them back, re-extracting
posts from them without the network, and copying them into an export."""

from __future__ import annotations

from archiver.warc.files import (
    Capture,
    RotatingWarcWriter,
    WarcLocator,
    copy_exchange,
    default_warc_dir,
    read_capture,
)

__all__ = ["Capture", "RotatingWarcWriter", "WarcLocator", "copy_exchange", "default_warc_dir", "read_capture"]
