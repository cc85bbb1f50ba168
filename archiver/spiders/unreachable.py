"""Hosts that cannot be reached are given up for the rest of the crawl.

A post may show hundreds of images on a host that no longer exists (a dead CDN, a renamed image host). Without
this, every one of them is asked for, retried RETRY_TIMES times, and waits its turn in that host's download slot:
a crawl whose posts were all archived in seconds then runs for an hour. A host whose name does not resolve is
given up at once (a DNS answer does not change within a crawl); a host that refuses or drops the connection
ARCHIVER_UNREACHABLE_AFTER times in a row, with no answer in between, too. Its remaining requests fail at once
with HostUnreachable, so each URL still gets its row saying why, and the next crawl tries the host again.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from scrapy.crawler import Crawler
from scrapy.exceptions import CannotResolveHostError, DownloadConnectionRefusedError, IgnoreRequest
from scrapy.http import Request, Response
from scrapy.utils.httpobj import urlparse_cached
from twisted.internet.error import ConnectionRefusedError, DNSLookupError, TCPTimedOutError

log = logging.getLogger(__name__)

NOT_RESOLVED = (DNSLookupError, CannotResolveHostError)
NOT_CONNECTED = (ConnectionRefusedError, DownloadConnectionRefusedError, TCPTimedOutError)


class HostUnreachable(IgnoreRequest):
    """A request not sent because its host was found unreachable earlier in this crawl."""


@dataclass
class UnreachableHostMiddleware:
    """Downloader middleware: counts connection failures per host and refuses requests to hosts given up."""

    failures_to_give_up: int
    failures: dict[str, int] = field(default_factory=dict)
    given_up: dict[str, str] = field(default_factory=dict)  # host -> why

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> UnreachableHostMiddleware:
        """Scrapy's constructor hook."""
        return cls(failures_to_give_up=max(1, crawler.settings.getint("ARCHIVER_UNREACHABLE_AFTER")))

    def process_request(self, request: Request) -> None:
        """Refuse a request to a host given up on."""
        host = urlparse_cached(request).netloc.lower()
        why = self.given_up.get(host)
        if why is not None:
            raise HostUnreachable(f"{why} ({host} given up for this crawl: not asked)")

    def process_response(self, request: Request, response: Response) -> Response:
        """Any answer shows the host is there."""
        self.failures.pop(urlparse_cached(request).netloc.lower(), None)
        return response

    def process_exception(self, request: Request, exception: BaseException) -> None:
        """Count a failure to reach the host; give the host up when its name does not resolve or it keeps
        refusing."""
        host = urlparse_cached(request).netloc.lower()
        if host in self.given_up:
            return
        if isinstance(exception, NOT_RESOLVED):
            self._give_up(host, "host not found (DNS lookup failed)")
        elif isinstance(exception, NOT_CONNECTED):
            failures = self.failures[host] = self.failures.get(host, 0) + 1
            if failures >= self.failures_to_give_up:
                what = "connection timed out" if isinstance(exception, TCPTimedOutError) else "connection refused"
                self._give_up(host, f"{what} {failures} times in a row")

    def _give_up(self, host: str, why: str) -> None:
        self.given_up[host] = why
        log.info("giving up %s for this crawl: %s", host, why)
