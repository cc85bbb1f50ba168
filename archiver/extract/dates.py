"""Dates as blogs show them: ISO, RFC 822, "January 2, 2006", "2006年1月2日", relative dates, timestamps."""

from __future__ import annotations

from datetime import datetime

from archiver.extract.model import DateValue


def parse_date(text: str, source: str, *, now: datetime | None = None) -> DateValue | None:
    """Parse one date string (the whole string is a date); None when it is not a plausible post date."""
    raise NotImplementedError


def find_date_in_text(text: str, source: str, *, now: datetime | None = None) -> DateValue | None:
    """Find the first date inside a longer text ("Python 2026-01-11", "Posted on 3 Jan 2020 by X")."""
    raise NotImplementedError
