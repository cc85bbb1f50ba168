"""WARC files: a size-rotated writer of request/response pairs, and random access to one capture by offset.

Every record is its own gzip member (what `warcio` writes and every replay tool expects), so a record can be
read, or copied byte for byte, from its offset alone.
"""

from __future__ import annotations

import base64
import hashlib
import io
import os
import socket
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from http import HTTPStatus
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO
from urllib.parse import urlsplit

from archiver import PROJECT_URL, __version__, settings

if TYPE_CHECKING:
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

# warcio (~25 ms to import) is imported where a record is first written or read: a crawl's first request does not
# wait for it, nor does a crawl without WARC (--no-warc) load it at all.

WARC_FILE_PREFIX = "archiver"
WARC_SUFFIX = ".warc.gz"
DEFAULT_MAX_BYTES = settings.ARCHIVER_WARC_MAX_BYTES  # the customary 1 GB per WARC file (declared in settings)
# Hop-by-hop framing the HTTP client already undid: the stored body is not chunked any more.
DROPPED_RESPONSE_HEADERS = frozenset({"transfer-encoding"})
COPY_CHUNK = 64 * 1024


def default_warc_dir(db_path: str | os.PathLike[str]) -> Path:
    """Where captures go when ARCHIVER_WARC_DIR is not set: `warc/` beside the archive file."""
    return Path(db_path).absolute().parent / "warc"


@dataclass(frozen=True, slots=True)
class HttpExchange:
    """One request and the response it got, as they went over the wire (body still content-encoded)."""

    url: str
    method: str
    request_headers: list[tuple[str, str]]
    request_body: bytes
    status: int
    response_headers: list[tuple[str, str]]
    body: bytes
    protocol: str = "HTTP/1.1"
    ip_address: str | None = None


class RotatingWarcWriter:
    """Append request/response pairs to gzipped WARC files in `directory`, starting a new file past max_bytes."""

    def __init__(self, directory: str | os.PathLike[str], max_bytes: int = DEFAULT_MAX_BYTES,
                 info: dict[str, str] | None = None) -> None:
        self.directory = Path(directory)
        self.max_bytes = max_bytes
        self.info = info or {}
        self.serial = 0
        self.files: list[str] = []
        self._file: BinaryIO | None = None
        self._name = ""
        self._writer: WARCWriter | None = None
        # Payload digest -> (URL, WARC-Date) of the first full record with those bytes, for `dedupe` writes.
        self._payloads: dict[str, tuple[str, str]] = {}

    def write_exchange(self, exchange: HttpExchange, *, dedupe: bool = False) -> tuple[str, int]:
        """Write the response record, then its request; returns (file name, offset of the response record).
        With `dedupe`, a 200 whose body this writer already stored becomes a `revisit` record (WARC's
        identical-payload-digest profile: headers, and a reference to the first capture, not the bytes again)."""
        writer = self._current()
        assert self._file is not None
        digest = payload_digest(exchange.body) if dedupe and exchange.status == 200 and exchange.body else None
        original = self._payloads.get(digest) if digest else None
        if digest and original:
            response = _revisit_record(writer, exchange, digest, *original)
        else:
            response = _response_record(writer, exchange)
            if digest:
                self._payloads[digest] = (exchange.url, response.rec_headers.get_header("WARC-Date"))
        request = _request_record(writer, exchange)
        request.rec_headers.add_header("WARC-Concurrent-To", response.rec_headers.get_header("WARC-Record-ID"))
        offset = self._file.tell()
        writer.write_record(response)
        writer.write_record(request)
        # One flush per exchange: a killed crawl never leaves an offset in the archive pointing past the file.
        self._file.flush()
        return self._name, offset

    def close(self) -> None:
        """Close the current file."""
        if self._file is not None:
            self._file.close()
            self._file = None
            self._writer = None

    def _current(self) -> WARCWriter:
        if self._file is not None and self._file.tell() >= self.max_bytes:
            self.close()
        if self._writer is None:
            self._open_next()
        assert self._writer is not None
        return self._writer

    def _open_next(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now(UTC).strftime("%Y%m%d%H%M%S")
        while True:
            self.serial += 1
            # Time first so names sort in capture order; pid keeps parallel crawls of one archive apart.
            name = f"{WARC_FILE_PREFIX}-{stamp}-{self.serial:05d}-{os.getpid()}{WARC_SUFFIX}"
            try:
                self._file = open(self.directory / name, "xb")  # noqa: SIM115 - lives across many calls
                break
            except FileExistsError:
                continue
        from warcio.warcwriter import WARCWriter

        self._name = name
        self.files.append(name)
        self._writer = WARCWriter(self._file, gzip=True)
        self._writer.write_record(self._writer.create_warcinfo_record(name, warcinfo_fields(self.info)))


def warcinfo_fields(extra: dict[str, str]) -> dict[str, str]:
    """The warcinfo record's fields: software, format, host, and what the caller adds (robots, user agent)."""
    return {
        "software": f"blog-archiver/{__version__} (+{PROJECT_URL}); warcio",
        "format": "WARC File Format 1.0",
        "conformsTo": "http://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.0/",
        "hostname": socket.gethostname(),
        **extra,
    }


def payload_digest(body: bytes) -> str:
    """The WARC-Payload-Digest of a body as warcio writes it (sha1, base32)."""
    return "sha1:" + base64.b32encode(hashlib.sha1(body).digest()).decode("ascii")


def _http_response_headers(exchange: HttpExchange) -> StatusAndHeaders:
    from warcio.statusandheaders import StatusAndHeaders

    headers = [(k, v) for k, v in exchange.response_headers if k.lower() not in DROPPED_RESPONSE_HEADERS]
    headers = [(k, v) for k, v in headers if k.lower() != "content-length"]
    headers.append(("Content-Length", str(len(exchange.body))))
    reason = _reason(exchange.status)
    return StatusAndHeaders(f"{exchange.status} {reason}".strip(), headers, protocol=exchange.protocol)


def _response_record(writer: WARCWriter, exchange: HttpExchange):
    warc_headers = {"WARC-IP-Address": exchange.ip_address} if exchange.ip_address else {}
    return writer.create_warc_record(
        exchange.url, "response", payload=io.BytesIO(exchange.body), length=len(exchange.body),
        http_headers=_http_response_headers(exchange), warc_headers_dict=warc_headers,
    )


def _revisit_record(writer: WARCWriter, exchange: HttpExchange, digest: str, refers_to_url: str, refers_to_date: str):
    warc_headers = {"WARC-IP-Address": exchange.ip_address} if exchange.ip_address else {}
    return writer.create_revisit_record(
        exchange.url, digest, refers_to_url, refers_to_date, http_headers=_http_response_headers(exchange),
        warc_headers_dict=warc_headers,
    )


def _request_record(writer: WARCWriter, exchange: HttpExchange):
    from warcio.statusandheaders import StatusAndHeaders

    target = _request_target(exchange.url)
    headers = list(exchange.request_headers)
    if not any(k.lower() == "host" for k, _ in headers):
        headers.insert(0, ("Host", _host(exchange.url)))
    http_headers = StatusAndHeaders(f"{exchange.method} {target} {exchange.protocol}", headers,
                                    is_http_request=True)
    return writer.create_warc_record(
        exchange.url, "request", payload=io.BytesIO(exchange.request_body), length=len(exchange.request_body),
        http_headers=http_headers,
    )


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""


def _request_target(url: str) -> str:
    parts = urlsplit(url)
    return (parts.path or "/") + (f"?{parts.query}" if parts.query else "")


def _host(url: str) -> str:
    return urlsplit(url).netloc


# --- reading ------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Capture:
    """A response record read back: its URL, status, headers, body with the content coding undone, date."""

    url: str
    status: int
    headers: list[tuple[str, str]]
    body: bytes
    date: str

    def header(self, name: str) -> str | None:
        """The first value of header `name` (case ignored), or None."""
        wanted = name.lower()
        return next((v for k, v in self.headers if k.lower() == wanted), None)


class WarcNotFoundError(FileNotFoundError):
    """A capture's WARC file is in none of the places looked at."""


class WarcLocator:
    """Finds a WARC file by its name among a few candidate folders (the configured one first)."""

    def __init__(self, folders: Iterable[str | os.PathLike[str]]) -> None:
        self.folders = [Path(f) for f in dict.fromkeys(str(f) for f in folders if f)]
        self._found: dict[str, Path] = {}

    def path(self, name: str) -> Path:
        """The absolute path of WARC file `name`; WarcNotFoundError when no folder holds it."""
        if name not in self._found:
            if Path(name).name != name:  # a name from the database never points outside the WARC folders
                raise WarcNotFoundError(f"not a WARC file name: {name!r}")
            for folder in self.folders:
                candidate = folder / name
                if candidate.is_file():
                    self._found[name] = candidate
                    break
            else:
                looked = ", ".join(str(f) for f in self.folders) or "nowhere"
                raise WarcNotFoundError(f"WARC file {name} not found (looked in {looked})")
        return self._found[name]


def read_capture(path: str | os.PathLike[str], offset: int) -> Capture:
    """The response record at `offset` of WARC file `path`, its body decoded (chunks and gzip/deflate/br)."""
    from warcio.archiveiterator import ArchiveIterator

    with open(path, "rb") as handle:
        handle.seek(offset)
        record = next(iter(ArchiveIterator(handle)), None)
        if record is None or record.rec_type != "response" or record.http_headers is None:
            raise ValueError(f"no response record at offset {offset} of {path}")
        http = record.http_headers
        body = record.content_stream().read()
        return Capture(
            url=record.rec_headers.get_header("WARC-Target-URI") or "",
            status=int(http.get_statuscode() or 0),
            headers=list(http.headers),
            body=body,
            date=record.rec_headers.get_header("WARC-Date") or "",
        )


def gzip_member_length(handle: BinaryIO, offset: int) -> int:
    """Bytes of the gzip member that starts at `offset` (one WARC record), read without keeping them."""
    handle.seek(offset)
    inflater = zlib.decompressobj(wbits=31)
    consumed = 0
    while not inflater.eof:
        chunk = handle.read(COPY_CHUNK)
        if not chunk:
            raise ValueError(f"truncated gzip member at offset {offset}")
        inflater.decompress(chunk)
        consumed += len(chunk)
    return consumed - len(inflater.unused_data)


def record_type_at(handle: BinaryIO, offset: int) -> str | None:
    """The WARC-Type of the record starting at `offset` (None at the end of the file)."""
    handle.seek(offset)
    inflater = zlib.decompressobj(wbits=31)
    head = b""
    while b"\r\n\r\n" not in head:
        chunk = handle.read(4096)
        if not chunk:
            return None
        head += inflater.decompress(chunk, 8192)
        if inflater.eof or len(head) > 65536:
            break
    for line in head.split(b"\r\n"):
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"warc-type":
            return value.strip().decode("ascii", "replace")
    return None


def copy_exchange(source: BinaryIO, offset: int, out: BinaryIO) -> int:
    """Copy the response record at `offset` and the request record written right after it, byte for byte;
    returns the bytes copied."""
    length = gzip_member_length(source, offset)
    end = offset + length
    if record_type_at(source, end) == "request":
        end += gzip_member_length(source, end)
    source.seek(offset)
    left = end - offset
    while left:
        chunk = source.read(min(COPY_CHUNK, left))
        if not chunk:
            raise ValueError(f"truncated WARC record at offset {offset}")
        out.write(chunk)
        left -= len(chunk)
    return end - offset
