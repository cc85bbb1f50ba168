"""Retry-After parsing: how long the crawler waits before retrying a 429/503."""

from __future__ import annotations

from datetime import UTC, datetime

from archiver.spiders.retry import retry_after_seconds


def test_delta_seconds():
    assert retry_after_seconds("7") == 7.0


def test_http_date_is_relative_to_now():
    now = datetime(2026, 1, 1, 12, 0, 0, tzinfo=UTC)
    assert retry_after_seconds("Thu, 01 Jan 2026 12:00:30 GMT", now) == 30.0


def test_absent_or_garbage_gives_none():
    assert retry_after_seconds(None) is None
    assert retry_after_seconds("soon") is None
