"""A small threaded static file server for the demo blog and the spider tests.

It behaves like a static host (GitHub Pages, nginx): `dir/` serves `dir/index.html`, `dir` redirects to `dir/`,
unknown paths get the site's 404.html, and conditional GETs get 304. A `_headers.json` file at the root can
override status, headers and timing per URL path, so tests can stage broken servers.
"""

from __future__ import annotations

import json
import mimetypes
import threading
import time
from dataclasses import dataclass, field
from email.utils import formatdate, parsedate_to_datetime
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

OVERRIDES_FILE = "_headers.json"
NOT_FOUND_FILE = "404.html"
INDEX_FILE = "index.html"
CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".htm": "text/html; charset=utf-8",
    ".xml": "application/xml; charset=utf-8",
    ".json": "application/json; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".md": "text/markdown; charset=utf-8",
}
FALLBACK_NOT_FOUND = (
    b"<!DOCTYPE html><html><head><title>404 Not Found</title></head><body><h1>404</h1></body></html>"
)


@dataclass(slots=True)
class PathOverride:
    """What `_headers.json` says about one URL path."""

    status: int | None = None
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    times: int | None = None  # apply only to the first N requests, then serve normally (for retry tests)


class OverrideTable:
    """The parsed `_headers.json` of a root, reloaded when the file changes, with per-path request counts."""

    def __init__(self, root: Path) -> None:
        self._file = root / OVERRIDES_FILE
        self._mtime_ns: int | None = None
        self._overrides: dict[str, PathOverride] = {}
        self._hits: dict[str, int] = {}
        self._lock = threading.Lock()

    def lookup(self, raw_path: str, decoded_path: str) -> PathOverride | None:
        """The override to apply to this request, counting it against the override's `times` budget."""
        with self._lock:
            self._reload()
            key = raw_path if raw_path in self._overrides else decoded_path
            override = self._overrides.get(key)
            if override is None:
                return None
            self._hits[key] = self._hits.get(key, 0) + 1
            if override.times is not None and self._hits[key] > override.times:
                return None
            return override

    def _reload(self) -> None:
        try:
            mtime_ns = self._file.stat().st_mtime_ns
        except OSError:
            self._overrides, self._mtime_ns = {}, None
            return
        if mtime_ns == self._mtime_ns:
            return
        raw: dict[str, dict[str, Any]] = json.loads(self._file.read_text(encoding="utf-8"))
        self._overrides = {
            path: PathOverride(
                status=spec.get("status"),
                headers={str(k): str(v) for k, v in (spec.get("headers") or {}).items()},
                delay=float(spec.get("delay") or 0),
                times=spec.get("times"),
            )
            for path, spec in raw.items()
        }
        self._mtime_ns, self._hits = mtime_ns, {}


class StaticSiteServer(ThreadingHTTPServer):
    """ThreadingHTTPServer that knows its root directory and override table."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], root: Path) -> None:
        self.root = root.resolve()
        self.overrides = OverrideTable(self.root)
        super().__init__(address, StaticFileHandler)

    def handle_error(self, request, client_address) -> None:
        """A client that hangs up early (a crawler's timeout) is not the server's problem: stay quiet."""


class StaticFileHandler(BaseHTTPRequestHandler):
    """Serves files under the server's root like a static host would."""

    server: StaticSiteServer
    protocol_version = "HTTP/1.1"
    # Headers and body go out in separate writes; with Nagle's algorithm on, keep-alive clients wait for the
    # peer's delayed ACK (~40 ms) on every response.
    disable_nagle_algorithm = True
    server_version = "blog-archiver-demo/1.0"

    def do_GET(self) -> None:
        """Answer a GET."""
        self._respond(send_body=True)

    def do_HEAD(self) -> None:
        """Answer a HEAD: the GET's headers without the body."""
        self._respond(send_body=False)

    def log_message(self, format: str, *args: Any) -> None:
        """Stay quiet: tests and the demo command print their own progress."""

    def _respond(self, *, send_body: bool) -> None:
        split = urlsplit(self.path)
        raw_path = split.path or "/"
        decoded_path = unquote(raw_path)
        override = self.server.overrides.lookup(raw_path, decoded_path)
        if override and override.delay:
            time.sleep(override.delay)

        file_path = self._resolve(decoded_path)
        if file_path is not None and file_path.is_dir():
            if not raw_path.endswith("/"):
                location = raw_path + "/" + (f"?{split.query}" if split.query else "")
                self._send(HTTPStatus.MOVED_PERMANENTLY, b"", {"Location": location}, override, send_body)
                return
            file_path = file_path / INDEX_FILE
        if file_path is None or not file_path.is_file():
            self._send_not_found(override, send_body)
            return

        stat = file_path.stat()
        etag = f'"{stat.st_size:x}-{stat.st_mtime_ns:x}"'
        headers = {
            "Content-Type": content_type_for(file_path),
            "Last-Modified": formatdate(stat.st_mtime, usegmt=True),
            "ETag": etag,
        }
        if (override is None or override.status is None) and self._not_modified(etag, stat.st_mtime):
            self._send(HTTPStatus.NOT_MODIFIED, b"", headers, override, send_body)
            return
        self._send(HTTPStatus.OK, file_path.read_bytes(), headers, override, send_body)

    def _resolve(self, decoded_path: str) -> Path | None:
        """The file or directory a URL path names, or None when it is outside the root or hidden."""
        relative = decoded_path.lstrip("/")
        if relative == OVERRIDES_FILE:
            return None
        candidate = (self.server.root / relative).resolve()
        if not candidate.is_relative_to(self.server.root) or not candidate.exists():
            return None
        return candidate

    def _not_modified(self, etag: str, mtime: float) -> bool:
        if_none_match = self.headers.get("If-None-Match")
        if if_none_match is not None:
            tags = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
            return "*" in tags or etag in tags
        if_modified_since = self.headers.get("If-Modified-Since")
        if if_modified_since:
            try:
                return int(mtime) <= parsedate_to_datetime(if_modified_since).timestamp()
            except (TypeError, ValueError):
                return False
        return False

    def _send_not_found(self, override: PathOverride | None, send_body: bool) -> None:
        page = self.server.root / NOT_FOUND_FILE
        body = page.read_bytes() if page.is_file() else FALLBACK_NOT_FOUND
        headers = {"Content-Type": CONTENT_TYPES[".html"]}
        self._send(HTTPStatus.NOT_FOUND, body, headers, override, send_body)

    def _send(
        self,
        status: int,
        body: bytes,
        headers: dict[str, str],
        override: PathOverride | None,
        send_body: bool,
    ) -> None:
        if override is not None:
            if override.status is not None and override.status != status:
                body = status_page(override.status) if override.status >= 400 else b""
            status = override.status or status
            lowered = {name.lower() for name in override.headers}
            headers = {k: v for k, v in headers.items() if k.lower() not in lowered} | override.headers
        if status == HTTPStatus.NOT_MODIFIED or status < 200:
            body = b""
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if send_body and body:
            self.wfile.write(body)


def status_page(status: int) -> bytes:
    """A minimal HTML error page for a status staged through `_headers.json`."""
    try:
        reason = HTTPStatus(status).phrase
    except ValueError:
        reason = "Error"
    return f"<!DOCTYPE html><html><head><title>{status} {reason}</title></head><body><h1>{status} {reason}</h1></body></html>".encode()


def content_type_for(path: Path) -> str:
    """The Content-Type a static host sends for a file, with charset=utf-8 for text formats."""
    suffix = path.suffix.lower()
    if suffix in CONTENT_TYPES:
        return CONTENT_TYPES[suffix]
    guessed, _ = mimetypes.guess_type(path.name)
    return guessed or "application/octet-stream"


@dataclass(slots=True)
class ServerHandle:
    """A running server: its base URL (no trailing slash) and a way to stop it."""

    url: str
    root: Path
    server: StaticSiteServer
    thread: threading.Thread

    @property
    def port(self) -> int:
        """The TCP port the server listens on."""
        return int(self.server.server_address[1])

    def stop(self) -> None:
        """Stop serving and close the socket."""
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)

    def __enter__(self) -> ServerHandle:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


def serve_directory(root: Path, host: str = "127.0.0.1", port: int = 0) -> ServerHandle:
    """Serve `root` over HTTP in a background thread; port 0 picks a free port (see handle.url)."""
    server = StaticSiteServer((host, port), root)
    thread = threading.Thread(target=server.serve_forever, name=f"demo-server-{root.name}", daemon=True)
    thread.start()
    bound_host, bound_port = server.server_address[:2]
    return ServerHandle(
        url=f"http://{bound_host}:{bound_port}", root=server.root, server=server, thread=thread
    )
