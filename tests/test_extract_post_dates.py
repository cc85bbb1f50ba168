"""post_dates and post_published (the dates of a post page alone) find parse_post's days on every post fixture.

The day, not the whole value: parse_post also reads a theme's side column of metadata (`_read_outside_header`),
which may hold the same day as a <time> where post_dates keeps the URL's (mkdocs-material-post-side-meta)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from archiver.extract.model import DateValue
from archiver.extract.post import parse_post, post_dates, post_published

FIXTURES = Path(__file__).parent / "fixtures"
POST_FIXTURES = sorted(FIXTURES.glob("*-post-*.json"))


@pytest.mark.parametrize("path", POST_FIXTURES, ids=lambda path: path.stem)
def test_the_dates_alone_are_those_parse_post_finds(path: Path) -> None:
    url = json.loads(path.read_text(encoding="utf-8"))["url"]
    html = path.with_suffix(".html").read_text(encoding="utf-8")
    page = parse_post(html, url)
    published, updated = post_dates(html, url)
    assert [day(published), day(updated)] == [day(page.published), day(page.updated)]
    assert post_published(html, url) == published


def day(value: DateValue | None) -> str | None:
    return value.iso[:10] if value else None
