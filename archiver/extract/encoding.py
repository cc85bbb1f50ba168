"""Turning response bytes into text: declared, sniffed and mis-declared charsets."""

from __future__ import annotations


def decode_html(body: bytes, declared: str | None) -> tuple[str, str]:
    """(text, encoding used) for an HTML body, `declared` being the HTTP header's charset if any."""
    raise NotImplementedError
