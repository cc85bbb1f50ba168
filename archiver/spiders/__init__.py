"""Scrapy spiders: crawling decisions only (what to fetch next, when to stop)."""
