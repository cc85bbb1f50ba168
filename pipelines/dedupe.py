"""Drop a post already archived in this crawl (the same post reached under two URLs)."""

from __future__ import annotations

from scrapy.exceptions import DropItem

from archiver.items import PostItem


class DedupePipeline:
    """Keep the first record of each url_key per crawl."""

    def __init__(self) -> None:
        self.seen: set[str] = set()

    def process_item(self, item, spider=None):
        if isinstance(item, PostItem) and item.record is not None:
            key = item.record["url_key"]
            if key in self.seen:
                raise DropItem(f"duplicate post {item.record['url']}")
            self.seen.add(key)
        return item
