"""Pagination: where a listing page's further pages are (rel=next, numbered pages, "older posts", /page/N/)."""

from __future__ import annotations

import lxml.html


def find_next_pages(doc: lxml.html.HtmlElement, url: str) -> list[str]:
    """Absolute URLs of further listing pages linked from this one, the next page first."""
    raise NotImplementedError
