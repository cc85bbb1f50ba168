"""Scrapy item pipelines, one job each, in data-flow order (see ITEM_PIPELINES in archiver/settings.py):

merge (listing entry + post page -> one record) -> canonical (one URL form) -> dedupe (once per crawl) ->
store (batched writes to the SQLite archive).
"""
