"""Feeds and sitemaps: discovery on pages and in robots.txt, and parsing with feedparser."""

from __future__ import annotations

import lxml.html


def discover_feeds(doc: lxml.html.HtmlElement, url: str) -> list[str]:
    """Feed URLs a page advertises with <link rel=alternate type=application/(rss|atom)+xml>."""
    raise NotImplementedError
