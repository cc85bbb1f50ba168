"""Dates as blogs write them: one parametrized case per written form, including the forms that must be rejected."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from archiver.extract.dates import (
    DATEPARSER_LANGUAGES,
    date_in_url,
    date_part,
    find_date_in_text,
    htmldate_published,
    offset_minutes,
    parse_date,
    reconcile_dates,
    to_offset,
)
from archiver.extract.model import DateValue

# Every case is read as of this moment, so relative dates and the "not in the future" rule are deterministic.
NOW = datetime(2026, 1, 20, 12, 0, 0, tzinfo=UTC)

# (whole string, expected iso or None)
PARSE_DATE_CASES: list[tuple[str, str | None]] = [
    # ISO 8601
    ("2021-03-04", "2021-03-04"),
    ("2021-03-04T05:06:07", "2021-03-04T05:06:07"),
    ("2021-03-04T05:06:07+08:00", "2021-03-04T05:06:07+08:00"),
    ("2021-03-04T05:06:07-07:00", "2021-03-04T05:06:07-07:00"),
    ("2020-12-05T23:15:0Z", "2020-12-05T23:15:00+00:00"),  # a template that drops the seconds' zero
    ("2021-03-04T05:06:07Z", "2021-03-04T05:06:07+00:00"),
    ("2021-03-04T05:06:07.123Z", "2021-03-04T05:06:07+00:00"),
    ("2021-03-04T05:06:07.123456+05:30", "2021-03-04T05:06:07+05:30"),
    ("2021-03-04T05:06", "2021-03-04T05:06:00"),
    ("2021-03-04 05:06:07+00:00", "2021-03-04T05:06:07+00:00"),
    ("2021-03-04T05:06:07+08", "2021-03-04T05:06:07+08:00"),
    ("2021-03-04T05:06:07+0530", "2021-03-04T05:06:07+05:30"),
    ("  2021-03-04  ", "2021-03-04"),
    # Go's default time format, as Hugo themes print it
    ("2021-03-04 05:06:07 -0400 EDT", "2021-03-04T05:06:07-04:00"),
    ("2021-03-04 05:06:07 +0800 CST", "2021-03-04T05:06:07+08:00"),
    # RFC 822 / 1123 and JavaScript Date.toString
    ("Thu, 04 Mar 2021 05:06:07 +0800", "2021-03-04T05:06:07+08:00"),
    ("Thu, 04 Mar 2021 05:06:07 GMT", "2021-03-04T05:06:07+00:00"),
    ("Thu, 04 Mar 2021 05:06:07 -0000", "2021-03-04T05:06:07+00:00"),
    ("Thu Mar 04 2021 05:06:07 GMT+0800", "2021-03-04T05:06:07+08:00"),
    ("Thu, Mar  4, 2021, 12:00 AM +0100", "2021-03-04T00:00:00+01:00"),
    # Unix timestamps, as data attributes carry them
    ("1614834367", "2021-03-04T05:06:07+00:00"),
    ("1614834367000", "2021-03-04T05:06:07+00:00"),
    ("20210304", "2021-03-04"),
    # a label before the date inside an attribute value
    ("发表于 2021-03-04 05:06:07", "2021-03-04T05:06:07"),
    ("创建时间：2021-03-04 05:06:07", "2021-03-04T05:06:07"),
    # whole-string relative words
    ("yesterday", "2026-01-19"),
    ("昨天", "2026-01-19"),
    ("today 08:15", "2026-01-20"),
    # rejections
    ("0001-01-01T00:00:00Z", None),
    ("1970-01-01", None),
    ("1994-12-31", None),
    ("2026-03-01", None),
    ("2021-02-30", None),
    ("2021-13-01", None),
    ("2021-03", None),
    ("March 2021", None),
    ("2021年3月", None),
    ("0", None),
    ("12345", None),
    ("draft", None),
    ("创建于", None),
    ("", None),
]

# (text with a date somewhere inside, expected iso or None)
FIND_DATE_CASES: list[tuple[str, str | None]] = [
    # numeric, year first
    ("Rust 2025-11-09", "2025-11-09"),
    ("2025/11/09 notes", "2025-11-09"),
    ("2025.11.09", "2025-11-09"),
    ("2025-1-9", "2025-01-09"),
    ("posted 2025-11-09 18:30", "2025-11-09T18:30:00"),
    ("2025-11-09 18:30:59 · reading time 4 min", "2025-11-09T18:30:59"),
    ("2025-11-09 18:30 -12 votes", "2025-11-09T18:30:00"),
    ("2025. 11. 9.", "2025-11-09"),
    # numeric, year last
    ("09.11.2025", "2025-11-09"),
    ("11/09/2025", "2025-11-09"),
    ("25/11/2024", "2024-11-25"),
    ("11-09-2025", "2025-11-09"),
    # English month names
    ("Published November 9, 2025 by Ann", "2025-11-09"),
    ("Nov 9, 2025 · 6 min read", "2025-11-09"),
    ("Nov. 9, 2025", "2025-11-09"),
    ("NOVEMBER 9, 2025", "2025-11-09"),
    ("November 9th, 2025", "2025-11-09"),
    ("9 Nov 2025", "2025-11-09"),
    ("09 November 2025", "2025-11-09"),
    ("Sunday, 9 November 2025", "2025-11-09"),
    ("Sunday, November 09, 2025", "2025-11-09"),
    ("Sun, 09 Nov 2025 • travel •", "2025-11-09"),
    ("Posted on 3rd March 2024", "2024-03-03"),
    ("9-Nov-2025", "2025-11-09"),
    ("2025 Nov 9", "2025-11-09"),
    ("Nov 9, 2025 at 3:04 pm", "2025-11-09T15:04:00"),
    ("Nov 9, 2025, 12:30 AM", "2025-11-09T00:30:00"),
    ("Written by Ann and published on November, 9 of 2025.", "2025-11-09"),
    ("March 3rd of 2024", "2024-03-03"),
    ("Nov 9, 2025 12:00 PM", "2025-11-09T12:00:00"),
    ("9. November 2025", "2025-11-09"),
    # other languages
    ("9 novembre 2025", "2025-11-09"),
    ("1er février 2024", "2024-02-01"),
    ("le 7 févr. 2024", "2024-02-07"),
    ("14 juil. 2023", "2023-07-14"),
    ("3 août 2023", "2023-08-03"),
    ("9. März 2025", "2025-03-09"),
    ("9. Dez. 2024", "2024-12-09"),
    ("9 de noviembre de 2025", "2025-11-09"),
    ("9 de março de 2025", "2025-03-09"),
    ("9 novembre 2025 alle 10:00", "2025-11-09T10:00:00"),
    ("9 ottobre 2025", "2025-10-09"),
    ("9 oktober 2025", "2025-10-09"),
    ("9 ноября 2025 г.", "2025-11-09"),
    # Chinese, Japanese, Korean
    ("发表于 2025-11-09 | 分类于 随笔", "2025-11-09"),
    ("2025年11月9日", "2025-11-09"),
    ("2025 年 11 月 9 日", "2025-11-09"),
    ("2025年11月09日 14:05", "2025-11-09T14:05:00"),
    ("2025年11月9日 下午2:05", "2025-11-09T14:05:00"),
    ("2025年11月9日 上午12:05", "2025-11-09T00:05:00"),
    ("2025年11月9日 14时05分", "2025-11-09T14:05:00"),
    ("2025年11月9日(日) 14:05", "2025-11-09T14:05:00"),
    ("投稿日 2025年11月09日", "2025-11-09"),
    ("2025년 11월 9일", "2025-11-09"),
    ("2025년 11월 9일 오후 2:05", "2025-11-09T14:05:00"),
    ("9 11月, 2025", "2025-11-09"),
    # relative dates, resolved against NOW
    ("3 days ago", "2026-01-17"),
    ("an hour ago", "2026-01-20"),
    ("13 hours ago", "2026-01-19"),
    ("2 weeks ago", "2026-01-06"),
    ("2 months ago", "2025-11-20"),
    ("a year ago", "2025-01-20"),
    ("3天前", "2026-01-17"),
    ("5 小时前", "2026-01-20"),
    ("3日前", "2026-01-17"),
    ("2ヶ月前", "2025-11-20"),
    ("3 일 전", "2026-01-17"),
    ("3일 전", "2026-01-17"),
    ("il y a 3 jours", "2026-01-17"),
    ("vor 3 Tagen", "2026-01-17"),
    ("hace 3 días", "2026-01-17"),
    ("yesterday", "2026-01-19"),
    ("Posted yesterday", "2026-01-19"),
    ("前天", "2026-01-18"),
    ("어제", "2026-01-19"),
    # the first date wins
    ("Posted 2024-05-01, updated 2025-02-03", "2024-05-01"),
    ("发表于 2024-05-01 | 更新于 2025-02-03", "2024-05-01"),
    # numbers that are not dates
    ("Python 3.7.3", None),
    ("release 1.5.0", None),
    ("version 10.12.1 2024", None),
    ("at 12:30", None),
    ("1 2 3 4 5 6 7 8 9 10", None),
    ("© 2019 - 2026 Someone", None),
    ("Copyright 2021", None),
    ("call 010-8765-4321", None),
    ("192.168.20.19", None),
    ("May 2019", None),
    ("2019-05", None),
    ("2019年5月", None),
    ("Archives 2023 (12)", None),
    ("12 min read", None),
    ("28 minute read", None),
    ("Nov 9", None),
    ("11-09", None),
    ("1844 words", None),
    # impossible and placeholder dates
    ("2025-02-29", None),
    ("31/02/2025", None),
    ("0001-01-01", None),
    ("2027-01-01", None),
    # asctime / Unix `date`
    ("Tue Jan 28 15:28:56 CET 2020", "2020-01-28T15:28:56+01:00"),
    # a long text that merely mentions a relative word is not "yesterday"
    ("Yesterday I finally rewrote the build scripts from scratch, and here is what I learned.", None),
]

# (text, year the caller knows from context, expected iso)
YEARLESS_CASES: list[tuple[str, int, str | None]] = [
    ("May 9", 2024, "2024-05-09"),
    ("May 9 10 min read", 2024, "2024-05-09"),
    ("9 May", 2024, "2024-05-09"),
    ("05-31", 2025, "2025-05-31"),
    ("5月31日", 2025, "2025-05-31"),
    ("Feb 30", 2024, None),
    ("10.12", 2024, None),
    ("2023-04-05", 2024, "2023-04-05"),
]


@pytest.mark.parametrize(
    ("text", "expected"), PARSE_DATE_CASES, ids=[c[0] or "<empty>" for c in PARSE_DATE_CASES]
)
def test_parse_date(text: str, expected: str | None) -> None:
    value = parse_date(text, "meta", now=NOW)
    assert (value.iso if value else None) == expected


@pytest.mark.parametrize(("text", "expected"), FIND_DATE_CASES, ids=[c[0] for c in FIND_DATE_CASES])
def test_find_date_in_text(text: str, expected: str | None) -> None:
    value = find_date_in_text(text, "listing-text", now=NOW)
    assert (value.iso if value else None) == expected


@pytest.mark.parametrize(("text", "year", "expected"), YEARLESS_CASES, ids=[c[0] for c in YEARLESS_CASES])
def test_find_date_in_text_with_default_year(text: str, year: int, expected: str | None) -> None:
    value = find_date_in_text(text, "listing-text", now=NOW, default_year=year)
    assert (value.iso if value else None) == expected


@pytest.mark.parametrize(
    ("text", "expected_raw"),
    [
        ("Posted on 3 Jan 2020 by Kim", "3 Jan 2020"),
        ("发表于 2020-01-02 | 分类于 杂谈", "2020-01-02"),
        ("Mar 5, 2019 · 3 min read", "Mar 5, 2019"),
        ("2020-01-02T03:04:05.678Z", "2020-01-02T03:04:05.678Z"),
        ("2020年1月2日 星期四", "2020年1月2日"),
        ("3 days ago by Kim", "3 days ago"),
    ],
)
def test_raw_is_the_matched_substring(text: str, expected_raw: str) -> None:
    value = find_date_in_text(text, "listing-text", now=NOW)
    assert value is not None and value.raw == expected_raw


def test_basic_format_iso_datetime_as_a_whole_value() -> None:
    value = parse_date("20201123T11:02:35Z", "meta", now=NOW)
    assert value is not None and value.iso == "2020-11-23T11:02:35+00:00"


def test_source_is_passed_through() -> None:
    value = parse_date("2020-01-02", "json-ld", now=NOW)
    assert value is not None and value.source == "json-ld"


def test_future_limit_follows_now() -> None:
    assert parse_date("2026-01-22", "meta", now=NOW) is not None
    assert parse_date("2026-01-23", "meta", now=NOW) is None


def test_dateparser_fallback_reads_uncommon_wording() -> None:
    value = parse_date("2021, March the 4th", "meta", now=NOW)
    assert value is not None and value.iso == "2021-03-04"


def test_dateparser_fallback_reads_arabic_month_names() -> None:
    value = parse_date("الخميس، 04 مارس 2021 - 10:15 ص", "meta", now=NOW)
    assert value is not None and value.iso == "2021-03-04"


@pytest.mark.parametrize(
    ("iso", "expected"),
    [
        ("2026-01-11T08:00:00+08:00", "2026-01-11"),
        ("2026-01-11", "2026-01-11"),
        ("2026-01-11T23:59:59", "2026-01-11"),
    ],
)
def test_date_part(iso: str, expected: str) -> None:
    assert date_part(iso) == expected


@pytest.mark.parametrize(
    ("iso", "expected"),
    [
        ("2026-01-11T08:00:00+08:00", 480),
        ("2026-01-11T08:00:00-05:30", -330),
        ("2026-01-11T08:00:00+00:00", 0),
        ("2026-01-11T08:00:00Z", 0),
        ("2026-01-11T08:00:00", None),
        ("2026-01-11", None),
        ("not a date", None),
    ],
)
def test_offset_minutes(iso: str, expected: int | None) -> None:
    assert offset_minutes(iso) == expected


@pytest.mark.parametrize(
    ("iso", "minutes", "expected"),
    [
        ("2022-09-08T05:39:28+00:00", -420, "2022-09-07T22:39:28-07:00"),
        ("2022-09-07T20:00:00+00:00", 480, "2022-09-08T04:00:00+08:00"),
        ("2022-09-08T05:39:28+08:00", 0, "2022-09-07T21:39:28+00:00"),
        ("2022-09-08T05:39:28.500Z", 60, "2022-09-08T06:39:28+01:00"),
        ("2022-09-08T05:39:28", 480, "2022-09-08T05:39:28"),
        ("2022-09-08", 480, "2022-09-08"),
    ],
)
def test_to_offset(iso: str, minutes: int, expected: str) -> None:
    assert to_offset(iso, minutes) == expected


def _value(iso: str, raw: str = "") -> DateValue:
    return DateValue(iso=iso, raw=raw or iso, source="test")


@pytest.mark.parametrize(
    ("machine", "shown", "expected"),
    [
        # same day: the machine value is more precise
        ("2022-09-07T20:00:00+08:00", "2022-09-07", "2022-09-07T20:00:00+08:00"),
        # UTC attribute, the page shows the previous day (a site west of UTC): the shown day wins
        ("2022-09-08T05:39:28+00:00", "2022-09-07", "2022-09-07"),
        # UTC attribute, the page shows day and time: the offset follows from the difference
        ("2026-05-10T22:56:06+00:00", "2026-05-11T07:56:00", "2026-05-11T07:56:06+09:00"),
        ("2021-03-04T23:30:00+00:00", "2021-03-05T05:15:00", "2021-03-05T05:15:00+05:45"),
        # the shown time is not a whole offset away: keep what the reader sees
        ("2026-05-10T22:56:06+00:00", "2026-05-11T07:03:00", "2026-05-11T07:03:00"),
        ("2022-09-08T05:39:28+00:00", None, "2022-09-08T05:39:28+00:00"),
        (None, "2022-09-07", "2022-09-07"),
    ],
)
def test_reconcile_dates(machine: str | None, shown: str | None, expected: str) -> None:
    result = reconcile_dates(_value(machine) if machine else None, _value(shown) if shown else None)
    assert result is not None and result.iso == expected


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/2020/01/02/a-post/", "2020-01-02"),
        ("/home/2017/7/12/short-numbers", "2017-07-12"),
        ("/blog/2020-01-02-a-post/", "2020-01-02"),
        ("/notes/2020_01_31_draft", "2020-01-31"),
        ("/20190607.html", "2019-06-07"),
        ("/p/20190607-a-post/", "2019-06-07"),
        ("/2023/11/", None),  # a month archive, no day
        ("/2023/10/3-questions-for-the-editor/", None),  # month-and-name permalink: the slug starts with a number
        ("/2019/05/10-tips-for-winter/", None),
        ("/2020/01/02.html", "2020-01-02"),
        ("/1784522/", None),  # a post id, not a date
        ("/id/201906071234/", None),  # a longer number that only starts like a date
        ("/x/2019-13-01-x", None),
        ("/2027/01/01/from-the-future/", None),
    ],
)
def test_date_in_url(path: str, expected: str | None) -> None:
    value = date_in_url(path, now=NOW)
    assert (value.iso if value else None) == expected
    assert value is None or value.source == "url"


def test_htmldate_fallback_finds_a_date_our_region_signals_do_not_read() -> None:
    from archiver.extract.html import parse_html

    document = parse_html(
        "<html><body><div id='x'><h1>Jahresbericht</h1><div>Veröffentlicht am 14.10.2019</div>"
        "<p>Text über das Jahr, lang genug, um ein Absatz zu sein.</p></div></body></html>",
        "https://verein.example/bericht",
    )
    value = htmldate_published(document, "https://verein.example/bericht")
    assert value is not None and value.iso == "2019-10-14" and value.source == "htmldate"


def test_htmldate_fallback_gives_no_day_for_a_year_alone() -> None:
    from archiver.extract.html import parse_html

    document = parse_html(
        "<html><body><div id='x'><h1>Über uns</h1><p>Ein Verein, der seit langem Bäume im Viertel pflanzt.</p>"
        "</div><footer>© 2019 Baumfreunde</footer></body></html>",
        "https://verein.example/ueber",
    )
    assert htmldate_published(document, "https://verein.example/ueber") is None


def test_htmldate_fallback_runs_the_extensive_search_only_when_the_fast_one_finds_no_day(monkeypatch) -> None:
    import archiver.extract.dates as dates_module
    from archiver.extract.html import parse_html

    asked: list[bool] = []
    answers = {False: "2019-10-14", True: "2018-03-02"}

    def find_date(document, *, url, original_date, extensive_search):
        asked.append(extensive_search)
        return answers[extensive_search]

    monkeypatch.setattr(dates_module, "_htmldate_find_date", lambda: find_date)
    document = parse_html("<html><body><p>x</p></body></html>", "https://a.example/")
    assert htmldate_published(document, "https://a.example/").iso == "2019-10-14"
    assert asked == [False]
    asked.clear()
    answers[False] = "2019-01-01"  # a year alone: no day, so the extensive search is asked
    assert htmldate_published(document, "https://a.example/").iso == "2018-03-02"
    assert asked == [False, True]


def test_htmldate_dateparser_is_bounded_to_our_languages() -> None:
    """htmldate's extensive search asks dateparser with every locale (seconds per odd string, issue 13): ours
    swaps its parser factory for one limited to DATEPARSER_LANGUAGES. If htmldate renames the factory, this fails."""
    import htmldate.extractors

    from archiver.extract.html import parse_html

    htmldate_published(parse_html("<html><body><p>x</p></body></html>", "https://a.example/"), "https://a.example/")
    parser = htmldate.extractors.get_external_parser()
    assert sorted(parser._settings.__dict__.get("LANGUAGES") or parser.languages) == sorted(DATEPARSER_LANGUAGES)


def test_our_dateparser_fallback_is_bounded_to_our_languages() -> None:
    """Unbounded, dateparser tries ~200 locales on a string none reads (seconds per string: issue 13 item 12)."""
    from archiver.extract.dates import _dateparser

    assert sorted(_dateparser().languages) == sorted(DATEPARSER_LANGUAGES)


@pytest.mark.parametrize(
    ("lang", "more", "expected"),
    [
        ("en-US", "", "2019-09-08"),  # US English writes the month first
        ("en", "<li>Older: 8/25/2019</li>", "2019-09-08"),  # another date on the page says month first
        ("en-GB", "", "2019-08-09"),  # day first, as htmldate reads it
        ("en-US", "<li>Older: 25/8/2019</li>", "2019-08-09"),  # the page's own dates say day first
    ],
)
def test_htmldate_slash_dates_are_read_in_the_order_the_page_writes(lang: str, more: str, expected: str) -> None:
    from archiver.extract.html import parse_html

    document = parse_html(
        f"<html lang='{lang}'><body><div><h1>Weekend bread</h1><i class='when'><span>9/8/2019</span></i>"
        f"<p>A loaf that takes two days, most of them waiting, and is worth each hour.</p><ul>{more}</ul>"
        "</div></body></html>",
        "https://bread.example/blogs/weekend-bread.html",
    )
    value = htmldate_published(document, "https://bread.example/blogs/weekend-bread.html")
    assert value is not None and value.iso == expected


def test_numeric_order_of_a_page() -> None:
    from archiver.extract.dates import in_numeric_order, numeric_order

    assert numeric_order("Posted 14/06/2024 and 01/06/2024") == "dmy"
    assert numeric_order("Posted 6/14/2024 and 6/1/2024") == "mdy"
    assert numeric_order("Posted 01/06/2024") is None
    assert numeric_order("14/06/2024 beside 6/14/2024") is None  # no single order
    misread = parse_date("01/06/2024", "listing-text")
    assert misread is not None and misread.iso == "2024-01-06"  # month first by default
    assert in_numeric_order(misread, "dmy").iso == "2024-06-01"
    assert in_numeric_order(misread, "mdy") == misread
    assert in_numeric_order(misread, None) == misread
    unambiguous = parse_date("14/06/2024", "listing-text")
    assert unambiguous is not None and in_numeric_order(unambiguous, "mdy") == unambiguous
