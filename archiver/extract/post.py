"""Post pages: metadata (JSON-LD, OpenGraph, Dublin Core, <time>, microformats, bylines) and the body."""

from __future__ import annotations

from archiver.extract.model import PostPage


def parse_post(html: str, url: str) -> PostPage:
    """Extract title, dates, author, tags, categories, language and the sanitized body from a post page."""
    raise NotImplementedError
