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


# Hand-written pages (not corpus content): the date next to the title settles the day without the body search.
_UTC_META = '<meta property="article:published_time" content="2021-03-04T23:30:00Z">'
_TEXT = "<p>" + "Ein langer Absatz über den Garten im Frühling, damit der Körper des Beitrags Text hat. " * 8 + "</p>"


def _page(head: str, header: str, h1s: str = "<h1>Garten</h1>") -> str:
    return (f"<html><head>{head}</head><body><div class='wrap'><header>{h1s}{header}</header>"
            f"<div class='content'>{_TEXT}</div></div><aside><ul><li><time datetime='2020-01-01'>1 Jan</time>"
            "</li></ul></aside></body></html>")


def _no_body_search(monkeypatch: pytest.MonkeyPatch) -> None:
    import archiver.extract.post as post_module

    def fail(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("the body was looked for")

    monkeypatch.setattr(post_module, "find_body", fail)


def test_the_local_day_next_to_the_title_overrules_a_utc_instant_without_the_body_search(monkeypatch) -> None:
    html = _page(_UTC_META, "<span class='post-date'>5 March 2021</span>")
    _no_body_search(monkeypatch)
    assert post_published(html, "https://garten.example/fruehling").iso[:10] == "2021-03-05"


def test_a_page_without_metadata_takes_the_one_day_marked_up_next_to_its_title(monkeypatch) -> None:
    html = _page("", "<time datetime='2021-03-05T08:00:00+01:00'>5. März 2021</time>")
    _no_body_search(monkeypatch)
    assert post_published(html, "https://garten.example/fruehling").iso[:10] == "2021-03-05"


@pytest.mark.parametrize(("header", "h1s"), [
    ("<time datetime='2021-03-05'>5 March</time><time datetime='2021-03-09'>9 March</time>", "<h1>Garten</h1>"),
    ("<time datetime='2021-03-05'>5 March</time>", "<h1>Site</h1><h1>Garten</h1>"),
    ("<span>Frühling</span>", "<h1>Garten</h1>"),
], ids=["two-days", "two-h1", "no-date"])
def test_the_post_region_is_read_when_the_title_block_gives_no_single_day(header: str, h1s: str) -> None:
    html = _page("", header, h1s)
    url = "https://garten.example/fruehling"
    assert day(post_published(html, url)) == day(parse_post(html, url).published)
    from archiver.extract.html import parse_html
    from archiver.extract.post import _title_dates

    assert _title_dates(parse_html(html, url)) is None


def test_of_several_h1_the_one_the_title_tag_holds_is_the_posts(monkeypatch) -> None:
    html = _page("<title>Garten im Frühling | Blog</title>", "<time datetime='2021-03-05'>5 March</time>",
                 "<h1>Blog</h1><h1>Garten im Frühling</h1>")
    _no_body_search(monkeypatch)
    assert post_published(html, "https://garten.example/fruehling").iso[:10] == "2021-03-05"
