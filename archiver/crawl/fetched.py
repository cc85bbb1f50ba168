"""A fetched response as the crawl core sees it, whoever fetched it (Scrapy, a WARC capture, a worker)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from archiver.extract.encoding import decode_html

HTML_CONTENT_TYPES = ("text/html", "application/xhtml+xml")


def utc_now() -> str:
    """The current time as an ISO-8601 UTC string, to the second (when a page was fetched)."""
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass(slots=True)
class Fetched:
    """One HTTP answer: where it came from, its status, headers (first value per name) and body (decoded from
    its content coding), when it was fetched, and where its raw capture is when one was written."""

    url: str
    status: int
    headers: dict[str, str] = field(default_factory=dict)  # lower-case names
    body: bytes = b""
    fetched_at: str = field(default_factory=utc_now)
    warc_file: str | None = None
    warc_offset: int | None = None
    redirects: list[dict] | None = None  # the 3xx hops that led here (archiver.warc.capture.redirect_chain)

    @classmethod
    def of(cls, url: str, status: int, headers: Iterable[tuple[str, str]], body: bytes, **kwargs) -> Fetched:
        """A Fetched from (name, value) header pairs in any case; the first value of a repeated header wins."""
        first: dict[str, str] = {}
        for name, value in headers:
            first.setdefault(name.lower(), value)
        return cls(url, status, first, body, **kwargs)

    def header(self, name: str) -> str | None:
        """The header's value, or None."""
        return self.headers.get(name.lower())

    @property
    def content_hash(self) -> str:
        """sha256 of the body: a listing page whose bytes did not change brought nothing new."""
        return hashlib.sha256(self.body).hexdigest()


@dataclass(frozen=True, slots=True)
class Problem:
    """Why a URL gave nothing: a kind ("http-error", "timeout", "robots"...), one line for people, the status."""

    kind: str
    message: str
    status: int | None = None


def decode(fetched: Fetched) -> tuple[str | None, str | None]:
    """(text, encoding) of an HTML answer, with the charset the header declares checked against the bytes;
    (None, None) when the answer says it is not HTML."""
    content_type = (fetched.header("Content-Type") or "").lower()
    if content_type and not any(kind in content_type for kind in HTML_CONTENT_TYPES):
        return None, None
    declared = None
    if "charset=" in content_type:
        declared = content_type.split("charset=", 1)[1].split(";")[0].strip().strip("\"'")
    return decode_html(fetched.body, declared)


def not_html(fetched: Fetched) -> Problem:
    """The problem of an answer that is not an HTML page."""
    content_type = fetched.header("Content-Type") or "unknown"
    return Problem("not-html", f"not an HTML page (Content-Type: {content_type})", fetched.status)
