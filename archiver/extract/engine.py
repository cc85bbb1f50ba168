"""Engine and theme fingerprints: generator meta, class names, asset paths."""

from __future__ import annotations

import lxml.html


def detect_engine(doc: lxml.html.HtmlElement) -> tuple[str | None, str | None]:
    """(engine, theme) of the page, e.g. ("hexo", "next"); None where unknown."""
    raise NotImplementedError
