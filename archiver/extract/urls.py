"""URLs: one canonical form per post, and what is inside a blog."""

from __future__ import annotations


def canonical_url(url: str) -> str:
    """One form for URL variants: scheme, host case, default port, trailing slash, index.html, tracking
    parameters and fragments."""
    raise NotImplementedError


def in_scope(url: str, root: str) -> bool:
    """Whether `url` belongs to the blog whose home is `root` (same host, http or https, under its base path)."""
    raise NotImplementedError
