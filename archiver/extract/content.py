"""The post body: finding the main content, sanitizing it (nh3), and turning it into text and Markdown."""

from __future__ import annotations


def sanitize_html(html: str, base_url: str) -> str:
    """Sanitized HTML safe to show: no script, event handlers, javascript: URLs, forms or iframes."""
    raise NotImplementedError


def html_to_markdown(html: str) -> str:
    """Markdown of sanitized body HTML (code blocks fenced)."""
    raise NotImplementedError
