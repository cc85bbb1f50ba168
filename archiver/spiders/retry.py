"""Retries for 5xx and 429 with exponential backoff, honouring Retry-After."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.http import Request, Response
from scrapy.utils.response import response_status_message


def retry_after_seconds(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds a Retry-After header asks to wait (delta-seconds or an HTTP date); None when absent or bad."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


class BackoffRetryMiddleware(RetryMiddleware):
    """Scrapy's RetryMiddleware, waiting before each retry: Retry-After when given, else base * 2**attempt."""

    def __init__(self, settings) -> None:
        super().__init__(settings)
        self.backoff_base = settings.getfloat("ARCHIVER_RETRY_BACKOFF_BASE")
        self.retry_after_max = settings.getfloat("ARCHIVER_RETRY_AFTER_MAX")

    async def process_response(self, request: Request, response: Response, spider=None) -> Request | Response:
        if request.meta.get("dont_retry", False) or response.status not in self.retry_http_codes:
            return response
        header = response.headers.get(b"Retry-After")
        wait = retry_after_seconds(header.decode("latin-1") if header else None)
        if wait is not None and wait > self.retry_after_max:
            return response  # the server asks for longer than we wait: give up on this URL, not the crawl
        if wait is None:
            wait = self.backoff_base * 2 ** request.meta.get("retry_times", 0)
        retry = self._retry(request, response_status_message(response.status))
        if retry is None:
            return response
        await asyncio.sleep(wait)
        return retry
