"""Give every post one URL form, so URL variants of a post are one row."""

from __future__ import annotations

from archiver.extract.urls import canonical_url, url_key
from archiver.items import PostItem


class CanonicalUrlPipeline:
    """Set record["url"] to the canonical URL and record["url_key"] to its uniqueness key."""

    def process_item(self, item, spider=None):
        if isinstance(item, PostItem) and item.record is not None:
            item.record["url"] = canonical_url(item.record["url"])
            item.record["url_key"] = url_key(item.record["url"])
        return item
