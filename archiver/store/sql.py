"""Small SQL helpers shared by the archive's parts."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, datetime
from typing import Any

SQL_VARIABLE_CHUNK = 500


def utc_now() -> str:
    """The current time as an ISO-8601 UTC string, to the second."""
    return datetime.now(UTC).isoformat(timespec="seconds")


def to_json(value: Any) -> str:
    """JSON text as the archive stores it (UTF-8 kept)."""
    return json.dumps(value, ensure_ascii=False, default=str)


def clean_names(names: Iterable[str] | None) -> list[str]:
    """Whitespace-collapsed, non-empty, de-duplicated names in their original order."""
    seen: dict[str, None] = {}
    for name in names or ():
        cleaned = " ".join(str(name).split())
        if cleaned:
            seen.setdefault(cleaned, None)
    return list(seen)


def chunks(items: Sequence[Any], size: int = SQL_VARIABLE_CHUNK) -> Iterator[Sequence[Any]]:
    """`items` in slices small enough for one statement's variables."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


def placeholders(count: int) -> str:
    """`?,?,...` for `count` values."""
    return ",".join("?" * count)
