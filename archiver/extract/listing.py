"""Listing pages: the post entries a home/archive page shows, found by layers (theme rules, semantic markup,
a generic repeated-block detector)."""

from __future__ import annotations

from archiver.extract.model import Listing


def parse_listing(html: str, url: str) -> Listing:
    """Extract post entries, pagination, engine and feeds from one listing page."""
    raise NotImplementedError
