"""Scrapy item pipelines, one job each, in data-flow order (see ITEM_PIPELINES in archiver/settings.py):

tally (fold each record into the crawl state: counts, the ledger of listed posts; drop a post this crawl already
archived under another URL) -> store (batched writes to the SQLite archive).

The records arrive finished: the crawl core (archiver.crawl) has already merged each post with its listing entry
and given it its canonical URL, in the spider's callback, so a distributed worker does that work too.
"""
