"""The crawl core: what a fetched response means for the archive, with no Scrapy, no SQL and no network.

A response (URL, status, headers, body: `Fetched`) and what was asked for and why (a `Visit`) go in; records
(`records.py`: the site, the page, posts, errors, listed posts) come out. Decoding, listing and post reading with
the per-page exception guard, the merge of a listing entry with its page and the canonical URL happen here
(`reader.py`), once, for every caller: the Scrapy spider (which only decides what to fetch next and when to
stop), re-extraction from WARC captures, and the distributed workers and writer. What a crawl of one blog has
done so far and how it went (its walk, its ledger of listed posts, its counts and outcome) is `state.py`; what
earlier crawls learned is read through `memory.py`.
"""
