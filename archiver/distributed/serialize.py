"""Records through Redis: one JSON object per record, tagged with its class (archiver.crawl.records)."""

from __future__ import annotations

import json
from typing import Any

from archiver.crawl.records import from_json, to_json


def dump_item(record: Any) -> bytes:
    """One record as JSON bytes."""
    return json.dumps(to_json(record), ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def load_item(raw: bytes) -> Any:
    """The record dump_item's bytes hold."""
    return from_json(json.loads(raw))
