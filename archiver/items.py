"""The records a crawl produces (Scrapy calls them items); they live in the crawl core, archiver.crawl.records."""

from archiver.crawl.records import (
    ErrorItem,
    FeedItem,
    Listed,
    ListedItem,
    PageItem,
    PostItem,
    SeenItem,
    SiteItem,
    WalkItem,
)

__all__ = ["ErrorItem", "FeedItem", "Listed", "ListedItem", "PageItem", "PostItem", "SeenItem", "SiteItem",
           "WalkItem"]
