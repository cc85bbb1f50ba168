"""Turning response bytes into text: declared, sniffed and mis-declared charsets."""

from __future__ import annotations

import codecs
import re

from w3lib.encoding import html_body_declared_encoding, read_bom, resolve_encoding

# How far into the body a <meta charset> / http-equiv declaration is looked for.
META_SCAN_BYTES = 4096
# Encodings tried, in order, when no declaration decodes cleanly and the detector gives nothing usable.
FALLBACK_CANDIDATES = ("utf-8", "gb18030", "big5hkscs", "cp932", "euc_jp", "cp949", "cp1251", "cp1252")
# Single-byte encodings decode any bytes at all, so a declaration of one of them proves nothing on its own.
SINGLE_BYTE_FAMILIES = ("cp125", "iso8859", "latin", "koi8", "mac", "cp437", "cp850", "cp866", "tis")
# Share of undecodable UTF-8 sequences under which a page is still UTF-8 with a few broken bytes (a truncated
# excerpt cut inside a character), rather than another encoding.
UTF8_STRAY_ERROR_RATIO = 0.01
# Share of the detector's "chaos" above which its guess is not trusted over the declared charset.
DETECTOR_MAX_CHAOS = 0.5
# An unlabelled page is read as browsers read it: in the legacy encoding of its locale (the WHATWG table of
# locale defaults), here the locale of the page's own <html lang>. Single-byte encodings cannot be told apart by
# their bytes: a detector reads a short French page as windows-1257 and a Polish one as windows-1252.
LOCALE_ENCODINGS = {
    **dict.fromkeys(("ar", "fa", "ur"), "cp1256"),
    **dict.fromkeys(("be", "bg", "kk", "ky", "mk", "ru", "sr", "tg", "tt", "uk"), "cp1251"),
    **dict.fromkeys(("bs", "cs", "hr", "hu", "pl", "ro", "sk", "sl"), "cp1250"),
    **dict.fromkeys(("et", "lt", "lv"), "cp1257"),
    "el": "cp1253", "he": "cp1255", "iw": "cp1255", "ja": "shift_jis", "ko": "euc_kr", "th": "cp874",
    "tr": "cp1254", "az": "cp1254", "vi": "cp1258", "zh": "gb18030", "zh-tw": "big5", "zh-hk": "big5",
    "zh-hant": "big5",
    **dict.fromkeys(("af", "ca", "cy", "da", "de", "en", "es", "eu", "fi", "fo", "fr", "ga", "gl", "id", "is", "it",
                     "ms", "nb", "nl", "nn", "no", "pt", "sq", "sv", "sw"), "cp1252"),
}
LATIN_SCRIPT_ENCODINGS = frozenset({"cp1250", "cp1252", "cp1254", "cp1257", "cp1258"})
_HTML_LANG = re.compile(rb"<html\b[^>]*?\blang\s*=\s*[\"']?([A-Za-z]{2,3}(?:-[A-Za-z0-9]{2,8})?)", re.I)

_CHARSET_PARAM = re.compile(r"charset\s*=\s*[\"']?([^\s\"';,]+)", re.I)
_HIGH_BYTE = re.compile(rb"[\x80-\xff]")
_NON_ASCII_RUN = re.compile(r"[^\x00-\x7f]{3,}")
# Share of non-ASCII characters standing in runs of three or more above which single-byte text is mojibake:
# Western text has isolated accented letters, CJK or Cyrillic bytes read as Latin-1 come in long runs.
MOJIBAKE_RUN_SHARE = 0.5


def _codec_name(label: str | None) -> str | None:
    """A Python codec name for an encoding label or Content-Type value, per the WHATWG label table."""
    if not label:
        return None
    match = _CHARSET_PARAM.search(label)
    label = (match.group(1) if match else label).strip().strip("\"'")
    resolved = resolve_encoding(label)
    if not resolved:
        return None
    try:
        return codecs.lookup(resolved).name
    except LookupError:
        return None


def _is_single_byte(encoding: str) -> bool:
    return encoding.replace("-", "").replace("_", "").startswith(SINGLE_BYTE_FAMILIES)


def _strict(body: bytes, encoding: str) -> str | None:
    try:
        return body.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        return None


def _mostly_utf8(body: bytes) -> str | None:
    """The body as UTF-8 when only a handful of its non-ASCII sequences are broken, else None."""
    text = body.decode("utf-8", "replace")
    errors = text.count("\ufffd") - body.count(b"\xef\xbf\xbd")
    non_ascii = sum(1 for ch in text if ord(ch) > 127)
    if non_ascii and errors <= max(1, non_ascii * UTF8_STRAY_ERROR_RATIO) and non_ascii > errors * 4:
        return text
    return None


def _looks_like_mojibake(text: str) -> bool:
    """Whether single-byte-decoded text is really a multi-byte or other-script encoding read as Latin."""
    non_ascii = sum(1 for ch in text if ord(ch) > 127)
    if not non_ascii:
        return False
    in_runs = sum(len(run) for run in _NON_ASCII_RUN.findall(text))
    return in_runs > non_ascii * MOJIBAKE_RUN_SHARE


def _detect(body: bytes) -> str | None:
    """charset-normalizer's best guess, as a codec name, when it is confident enough."""
    try:
        from charset_normalizer import from_bytes
    except ImportError:  # the detector is an optional speed-up of the fallback list
        return None
    best = from_bytes(body[:65536], steps=4, chunk_size=1024).best()
    if best is None or best.chaos > DETECTOR_MAX_CHAOS:
        return None
    return _codec_name(best.encoding)


def _locale_encoding(body: bytes) -> str | None:
    """The legacy encoding of the locale the page's <html lang> names (zh-TW: big5, pl: windows-1250...)."""
    match = _HTML_LANG.search(body[:META_SCAN_BYTES])
    if not match:
        return None
    lang = match.group(1).decode("ascii").lower()
    return LOCALE_ENCODINGS.get(lang) or LOCALE_ENCODINGS.get(lang.split("-")[0])


def _meta_declared(body: bytes) -> str | None:
    return _codec_name(html_body_declared_encoding(body[:META_SCAN_BYTES]))


def decode_html(body: bytes, declared: str | None) -> tuple[str, str]:
    """(text, encoding used) for an HTML body, `declared` being the HTTP header's charset if any."""
    bom_encoding, bom = read_bom(body)
    if bom_encoding:
        name = _codec_name(bom_encoding) or "utf-8"
        return body[len(bom):].decode(name, "replace"), name

    header = _codec_name(declared)
    if not _HIGH_BYTE.search(body):  # pure ASCII: every ASCII-compatible label gives the same text
        ascii_name = header if header and not header.startswith("utf_16") else None
        return body.decode("ascii"), ascii_name or _meta_declared(body) or "utf-8"

    meta = _meta_declared(body)
    candidates: list[str] = []
    for name in (header, meta):
        if name and name not in candidates:
            candidates.append(name)
    # A single-byte label (often a server default) can't be wrong by decoding errors; valid multi-byte UTF-8 is
    # far stronger evidence, so it goes first when every declaration is single-byte.
    if candidates and all(_is_single_byte(name) for name in candidates):
        candidates.insert(0, "utf-8")
    for name in candidates:
        text = _strict(body, name)
        if text is None:
            continue
        if _is_single_byte(name) and _looks_like_mojibake(text):
            detected = _detect(body)
            if detected and detected != name:
                better = _strict(body, detected)
                if better is not None:
                    return better, detected
        return text, name
    for name in candidates:
        if name == "utf-8":
            text = _mostly_utf8(body)
            if text is not None:
                return text, name

    text = _strict(body, "utf-8")
    if text is not None:
        return text, "utf-8"
    text = _mostly_utf8(body)
    if text is not None:
        return text, "utf-8"
    if not candidates:  # unlabelled: the page's locale default, as a browser in that locale reads it
        local = _locale_encoding(body)
        text = _strict(body, local) if local else None
        # In a Latin-script locale, long runs of accented letters mean the page is in another script after all.
        if local and text is not None and not (local in LATIN_SCRIPT_ENCODINGS and _looks_like_mojibake(text)):
            return text, local
    detected = _detect(body)
    if detected:
        text = _strict(body, detected)
        if text is not None:
            return text, detected
    for name in FALLBACK_CANDIDATES:
        text = _strict(body, name)
        if text is not None:
            return text, name
    fallback = header or meta or detected or "utf-8"
    return body.decode(fallback, "replace"), fallback
