"""Images of a post body: which URL an <img> shows (its src, else the best candidate of a srcset, a lazy-loading
attribute or its <picture>'s sources), and the images a sanitized body references, in order.

Pure functions over lxml elements and strings: no I/O. The crawl fetches what `image_sources` returns; the
archive links each post to those images and shows them instead of loading them from their hosts.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urldefrag, urlsplit

import lxml.html

# A srcset candidate at least this wide is enough for a reading column on any screen; a wider one costs
# bytes the archive keeps forever. Without any such candidate, the widest one is taken.
TARGET_WIDTH = 1280
# For density descriptors (1x, 2x): the sharpest candidate up to this density.
TARGET_DENSITY = 2.0
# Attributes lazy-loading scripts move the real URL into (the src then holds a placeholder).
LAZY_SRC_ATTRIBUTES = ("data-src", "data-original", "data-lazy-src", "data-actualsrc")
LAZY_SRCSET_ATTRIBUTES = ("data-srcset", "data-lazy-srcset", "srcset")
# A src that stands in for the real image until a script swaps it: empty, inline data, or a tiny spacer file.
PLACEHOLDER_SRC = re.compile(r"^(?:data:|$)|(?:loading|placeholder|blank|lazy|spacer)[\w.-]*\.(?:gif|svg|png)")
# <source type> values a browser would pick for an <img>; anything else (video types) is not an image.
IMAGE_SOURCE_TYPE = re.compile(r"^image/", re.IGNORECASE)
_DESCRIPTOR = re.compile(r"^(\d+(?:\.\d+)?)([wx])$", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class SrcsetCandidate:
    """One image candidate of a srcset: its URL and its width (`400w`) or pixel density (`2x`) descriptor."""

    url: str
    width: int | None = None
    density: float | None = None


def parse_srcset(value: str | None) -> list[SrcsetCandidate]:
    """The candidates of a srcset attribute, as the HTML standard splits them (a URL may contain commas:
    only a comma after whitespace or at the URL's end separates candidates)."""
    candidates: list[SrcsetCandidate] = []
    text = value or ""
    position, length = 0, len(text)
    while position < length:
        while position < length and (text[position].isspace() or text[position] == ","):
            position += 1
        start = position
        while position < length and not text[position].isspace():
            position += 1
        url = text[start:position]
        descriptors: list[str] = []
        if url.endswith(","):
            url = url.rstrip(",")
        else:
            end = text.find(",", position)
            end = length if end < 0 else end
            descriptors = text[position:end].split()
            position = end + 1
        if not url:
            continue
        width: int | None = None
        density: float | None = None
        for descriptor in descriptors:
            match = _DESCRIPTOR.match(descriptor)
            if match and match.group(2).lower() == "w":
                width = int(float(match.group(1)))
            elif match:
                density = float(match.group(1))
        candidates.append(SrcsetCandidate(url, width, density))
    return candidates


def choose_srcset_candidate(value: str | None, target_width: int = TARGET_WIDTH) -> str | None:
    """The URL of the srcset candidate an archive keeps: the narrowest at least `target_width` wide (else the
    widest), or the sharpest up to 2x for density descriptors, else the first; None for an empty srcset."""
    candidates = parse_srcset(value)
    if not candidates:
        return None
    widths = [c for c in candidates if c.width]
    if widths:
        wide_enough = [c for c in widths if c.width is not None and c.width >= target_width]
        if wide_enough:
            return min(wide_enough, key=lambda c: c.width or 0).url
        return max(widths, key=lambda c: c.width or 0).url
    densities = [c for c in candidates if c.density]
    if densities:
        sharp_enough = [c for c in densities if (c.density or 0) <= TARGET_DENSITY]
        pool = sharp_enough or densities
        pick = max if sharp_enough else min
        return pick(pool, key=lambda c: c.density or 0).url
    return candidates[0].url


def is_placeholder_src(src: str | None) -> bool:
    """True when an <img> src is empty, inline data or a lazy-loading spacer rather than the image itself."""
    return bool(PLACEHOLDER_SRC.search((src or "").strip()))


def image_source(image: lxml.html.HtmlElement) -> str | None:
    """The URL an <img> element shows, as an archive should keep it: its src when that is the real image, else
    a lazy-loading attribute, the best candidate of its (lazy) srcset, or of its <picture>'s <source>s."""
    src = (image.get("src") or "").strip()
    if src and not is_placeholder_src(src):
        return src
    for attribute in LAZY_SRC_ATTRIBUTES:
        value = (image.get(attribute) or "").strip()
        if value and not is_placeholder_src(value):
            return value
    for attribute in LAZY_SRCSET_ATTRIBUTES:
        chosen = choose_srcset_candidate(image.get(attribute))
        if chosen and not is_placeholder_src(chosen):
            return chosen
    picture = _enclosing_picture(image)
    if picture is not None:
        for source in picture.iter("source"):
            kind = source.get("type")
            if kind and not IMAGE_SOURCE_TYPE.match(kind):
                continue
            for attribute in ("srcset", "data-srcset"):
                chosen = choose_srcset_candidate(source.get(attribute))
                if chosen and not is_placeholder_src(chosen):
                    return chosen
    return src or None


def _enclosing_picture(image: lxml.html.HtmlElement) -> lxml.html.HtmlElement | None:
    # libxml2 does not know <source> is void: it nests what follows inside it (<source><img></source>).
    parent = image.getparent()
    while parent is not None and parent.tag == "source":
        parent = parent.getparent()
    return parent if parent is not None and parent.tag == "picture" else None


def image_url(src: str | None) -> str | None:
    """The URL an archive fetches and keys an image by: an absolute http(s) URL without its fragment."""
    if not src:
        return None
    url = urldefrag(src.strip()).url
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    return url


def image_sources(body_html: str | None) -> list[str]:
    """The images a sanitized post body shows (absolute http(s) <img src>), in order, each once."""
    if not body_html or "<img" not in body_html:
        return []
    try:
        fragment = lxml.html.fragment_fromstring(body_html, create_parent="div")
    except (ValueError, lxml.etree.ParserError):
        return []
    found: dict[str, None] = {}
    for image in fragment.iter("img"):
        url = image_url(image.get("src"))
        if url:
            found.setdefault(url, None)
    return list(found)


# Magic numbers of the image formats blogs use: the bytes decide, a server's Content-Type only hints.
_MAGIC: tuple[tuple[bytes, int, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", 0, "image/png"),
    (b"\xff\xd8\xff", 0, "image/jpeg"),
    (b"GIF87a", 0, "image/gif"),
    (b"GIF89a", 0, "image/gif"),
    (b"BM", 0, "image/bmp"),
    (b"\x00\x00\x01\x00", 0, "image/x-icon"),
    (b"II*\x00", 0, "image/tiff"),
    (b"MM\x00*", 0, "image/tiff"),
)
_SVG = re.compile(rb"^\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*(?:<!DOCTYPE\s+svg[^>]*>\s*)?<svg[\s>]", re.DOTALL | re.I)


def sniff_image_type(body: bytes, declared: str | None = None) -> str | None:
    """The image type of `body` from its first bytes (PNG, JPEG, GIF, WebP, AVIF, BMP, ICO, TIFF, SVG), or the
    declared image/* type when the bytes are of no known kind; None when it is not an image (an HTML error
    page served with 200, say)."""
    head = body[:512]
    for magic, offset, kind in _MAGIC:
        if head.startswith(magic, offset):
            return kind
    if head.startswith(b"RIFF") and head[8:12] == b"WEBP":
        return "image/webp"
    if head[4:8] == b"ftyp" and head[8:12] in (b"avif", b"avis"):
        return "image/avif"
    if _SVG.match(head):
        return "image/svg+xml"
    kind = (declared or "").split(";")[0].strip().lower()
    if kind.startswith("image/") and not head.lstrip().lower().startswith((b"<!doctype html", b"<html")):
        return kind
    return None


PLACEHOLDER_CLASS = "archived-image-missing"


def replace_images(body_html: str | None, local: Callable[[str], str | None]) -> str:
    """A sanitized body whose every <img> shows its archived copy: src set to `local(url)`, or, when that is
    None (never archived), replaced by a placeholder naming the image (its alt text) and its original URL as
    text, not as a link or a source."""
    if not body_html or "<img" not in body_html:
        return body_html or ""
    try:
        fragment = lxml.html.fragment_fromstring(body_html, create_parent="div")
    except (ValueError, lxml.etree.ParserError):
        return body_html
    for image in list(fragment.iter("img")):
        src = image.get("src")
        url = image_url(src)
        target = local(url) if url else None
        if target:
            image.set("src", target)
            continue
        placeholder = lxml.html.Element("span", {"class": PLACEHOLDER_CLASS})
        alt = (image.get("alt") or image.get("title") or "").strip()
        placeholder.text = f"[image{': ' + alt if alt else ''}] "
        source = lxml.html.Element("span", {"class": "source"})
        source.text = (src or "no address").strip()
        placeholder.append(source)
        placeholder.tail = image.tail
        image.getparent().replace(image, placeholder)
    parts = [html.escape(fragment.text or "", quote=False)]
    parts += [lxml.html.tostring(child, encoding="unicode") for child in fragment]
    return "".join(parts)
