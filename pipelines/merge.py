"""Merge each post's listing entry with its post page into one record."""

from __future__ import annotations

from archiver.extract.merge import merge_post
from archiver.extract.model import to_dict
from archiver.items import PostItem


class MergePipeline:
    """PostItem(entry, page) -> PostItem.record."""

    def process_item(self, item, spider=None):
        if isinstance(item, PostItem):
            record = merge_post(item.entry, item.page, item.page_status)
            record.listing_url = item.listing_url
            item.record = to_dict(record)
            item.record["listing_hash"] = item.listing_hash
            item.record["page_fetched_at"] = item.page_fetched_at
        return item
