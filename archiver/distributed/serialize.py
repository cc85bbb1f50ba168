"""Items through Redis: one JSON object per item, tagged with its class and the start URL of its blog."""

from __future__ import annotations

import json
from typing import Any

from archiver.items import ErrorItem, FeedItem, PageItem, PostItem, SeenItem, SiteItem

ITEM_CLASSES: dict[str, type] = {cls.__name__: cls for cls in (SiteItem, PostItem, SeenItem, PageItem, ErrorItem, FeedItem)}


def dump_item(item: Any, site: str) -> bytes:
    """One item as JSON bytes; `site` is the start URL of the blog it belongs to."""
    return json.dumps(
        {"site": site, "type": type(item).__name__, "data": vars(item)}, ensure_ascii=False, separators=(",", ":")
    ).encode("utf-8")


def load_item(raw: bytes) -> tuple[str, Any]:
    """(start URL, item) from dump_item's bytes."""
    message = json.loads(raw)
    return message["site"], ITEM_CLASSES[message["type"]](**message["data"])
