"""Pure extraction: functions from HTML (or feed/sitemap text) to the plain data in `model`.

No Scrapy, no SQL, no I/O here: everything takes a string and a URL and returns dataclasses.
"""

from archiver.extract.model import DateValue, Listing, ListingEntry, PostPage, PostRecord

__all__ = ["DateValue", "Listing", "ListingEntry", "PostPage", "PostRecord"]
