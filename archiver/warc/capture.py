"""The Scrapy side of WARC capture: a downloader middleware that writes every response the crawl receives,
with its request, and tells the spider where (response.meta["warc_file"], ["warc_offset"]).

It sits closest to the downloader (after Scrapy's decompression, redirect and retry middlewares in the
response direction), so it sees each response as received: redirects, retried 5xx, 304s and robots.txt too,
bodies still compressed when the server compressed them.
"""

from __future__ import annotations

import logging
from pathlib import Path

from scrapy import signals
from scrapy.exceptions import NotConfigured
from scrapy.http import Request, Response

from archiver.warc.files import HttpExchange, RotatingWarcWriter, default_warc_dir

log = logging.getLogger(__name__)

META_FILE = "warc_file"
META_OFFSET = "warc_offset"
# A request with this meta key set stores a body already captured in this crawl as a `revisit` record (images).
META_DEDUPE = "warc_dedupe_payload"
META_REDIRECTS = "warc_redirects"  # [{"url", "warc_file", "warc_offset"}] of the 3xx answers on the way here
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})


def warc_dir_from_settings(settings) -> Path:
    """ARCHIVER_WARC_DIR, or warc/ beside ARCHIVER_DB."""
    configured = settings.get("ARCHIVER_WARC_DIR")
    return Path(configured) if configured else default_warc_dir(settings.get("ARCHIVER_DB"))


class WarcCaptureMiddleware:
    """Downloader middleware: every (request, response) pair -> WARC; the response record's place -> meta."""

    def __init__(self, writer: RotatingWarcWriter) -> None:
        self.writer = writer
        self.failed = False

    @classmethod
    def from_crawler(cls, crawler):
        settings = crawler.settings
        if not settings.getbool("ARCHIVER_WARC"):
            raise NotConfigured
        info = {
            "robots": "obey" if settings.getbool("ROBOTSTXT_OBEY") else "ignore",
            "http-header-user-agent": settings.get("USER_AGENT", ""),
        }
        writer = RotatingWarcWriter(
            warc_dir_from_settings(settings), settings.getint("ARCHIVER_WARC_MAX_BYTES"), info
        )
        middleware = cls(writer)
        crawler.signals.connect(middleware.spider_closed, signal=signals.spider_closed)
        return middleware

    def process_response(self, request: Request, response: Response, spider=None) -> Response:
        if self.failed:
            return response
        try:
            name, offset = self.writer.write_exchange(exchange_of(request, response),
                                                      dedupe=bool(request.meta.get(META_DEDUPE)))
        except OSError as error:
            # A full disk must not cost the crawl: the archive still gets every post, without raw captures.
            self.failed = True
            log.error("WARC capture stopped: %s", error)
            return response
        request.meta[META_FILE] = name
        request.meta[META_OFFSET] = offset
        if response.status in REDIRECT_STATUSES:
            # Scrapy's redirect middleware copies meta into the next request: the final response knows every hop.
            hop = {"url": response.url, META_FILE: name, META_OFFSET: offset}
            request.meta[META_REDIRECTS] = [*request.meta.get(META_REDIRECTS, []), hop]
        return response

    def spider_closed(self, spider=None) -> None:
        self.writer.close()


def redirect_chain(response: Response) -> list[dict]:
    """The redirects that led to `response`, first to last: url, status, location (the next URL), and where the
    3xx answer's capture is (warc_file, warc_offset; None without WARC capture). Empty when none."""
    meta = response.meta
    urls = list(meta.get("redirect_urls") or [])
    if not urls:
        return []
    reasons = list(meta.get("redirect_reasons") or [])
    captured = {hop["url"]: hop for hop in meta.get(META_REDIRECTS) or []}
    chain = []
    for number, url in enumerate(urls):
        reason = reasons[number] if number < len(reasons) else None
        hop = captured.get(url, {})
        chain.append({
            "url": url,
            "status": reason if isinstance(reason, int) else None,  # "meta refresh" hops carry no status
            "location": urls[number + 1] if number + 1 < len(urls) else response.url,
            META_FILE: hop.get(META_FILE),
            META_OFFSET: hop.get(META_OFFSET),
        })
    return chain


def exchange_of(request: Request, response: Response) -> HttpExchange:
    """The pair as it went over the wire (Scrapy's Headers hold every value of repeated headers)."""
    return HttpExchange(
        url=response.url,
        method=request.method,
        request_headers=_header_pairs(request.headers),
        request_body=request.body or b"",
        status=response.status,
        response_headers=_header_pairs(response.headers),
        body=response.body,
        protocol=_protocol(response.protocol),
        ip_address=str(response.ip_address) if response.ip_address else None,
    )


def _header_pairs(headers) -> list[tuple[str, str]]:
    return [
        (name.decode("latin-1"), value.decode("latin-1"))
        for name, values in headers.items()
        for value in values
    ]


def _protocol(protocol: str | None) -> str:
    # Scrapy says "HTTP/1.1" or "h2"; WARC's HTTP header block wants a status-line version.
    if protocol and protocol.upper().startswith("HTTP/"):
        return protocol.upper()
    if protocol == "h2":
        return "HTTP/2"
    return "HTTP/1.1"
