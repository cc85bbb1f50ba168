"""Parsing HTML once into an lxml tree, and the small text helpers every extractor shares."""

from __future__ import annotations

import re
import threading

import lxml.etree
import lxml.html

# Elements whose text is never part of what a reader sees.
INVISIBLE_TAGS = ("script", "style", "noscript", "template", "svg")


# lxml.html's own parser picks each element's Python class with a Python callback (to give forms and inputs
# their own classes), paid on every element touched. One class for all elements, chosen in C, is ~10% faster
# for the extractors, which never use the form helpers.
_ELEMENT_CLASSES = lxml.etree.ElementDefaultClassLookup(
    element=lxml.html.HtmlElement, comment=lxml.html.HtmlComment, pi=lxml.html.HtmlProcessingInstruction,
    entity=lxml.html.HtmlEntity,
)
_PARSERS = threading.local()  # lxml parsers must not be shared between threads

# Characters XML cannot hold (C0 controls but tab/newline/return, U+FFFE/U+FFFF): libxml2 keeps some of them in
# the tree, and any later `el.text = ...` or attribute copy then raises "All strings must be XML compatible".
# Vertical tab and form feed are whitespace to a reader; the rest is invisible and dropped. Removed from the UTF-8
# bytes in one bytes.translate pass (a regex scan of the text costs as much as a sixth of the parse).
_CONTROL_TABLE = bytes(range(256)).replace(b"\x0b", b" ").replace(b"\x0c", b" ")
_CONTROL_DELETE = bytes(c for c in range(32) if c not in (0x09, 0x0A, 0x0B, 0x0C, 0x0D))
_NONCHARACTERS = ("\ufffe", "\uffff")
# The same characters written as numeric character references (&#1; &#x1b; &#65535;), which libxml2 decodes.
_NOT_XML_REFERENCE = re.compile(
    rb"&#(?:0*(?:[0-8]|1[1-24-9]|2[0-9]|3[01]|6553[45])(?![0-9])|[xX]0*(?:[0-8bBcCeEfF]|1[0-9a-fA-F]|[fF]{3}[eEfF])"
    rb"(?![0-9a-fA-F]));?"
)


# <html>/<body> tags, start or end. A browser ignores the ones out of place (a post that writes "</html>" in
# its text unescaped); libxml2 stops reading the document at an end tag and loses everything after it.
_FIRST_END_TAG = re.compile(rb"</(?:body|html)")
_DOCUMENT_TAG = re.compile(rb"<(/?)(html|body|HTML|BODY|Html|Body)(?=[\s>/])[^>]*>")
# A comment's body cannot run past its first "-->", so each byte has one reading: a failed fullmatch does not
# backtrack through every way of pairing many comments' starts and ends (seconds on a tail of ad comments).
_ONLY_CLOSING_TAIL = re.compile(rb"(?:\s|</(?:html|body|HTML|BODY|Html|Body)\s*>|<!--(?:[^-]|-(?!->))*-->)*")


def _without_stray_document_tags(data: bytes) -> bytes:
    """The document with only its first <html> and <body> start tags and no end tags, when some are out of place
    (the parser closes both at the end); unchanged otherwise."""
    # Cheap first (one search for a literal prefix): the first end tag is where the document ends. Stray start
    # tags alone are harmless to libxml2; end tags in capitals mid-document are too rare to pay a case-blind scan for.
    first_end = _FIRST_END_TAG.search(data)  # one pass for both names (two bytes.find cost twice as much)
    if first_end is None or _ONLY_CLOSING_TAIL.fullmatch(data, first_end.start()):
        return data
    tags = list(_DOCUMENT_TAG.finditer(data))
    seen: set[bytes] = set()
    parts: list[bytes] = []
    position = 0
    for tag in tags:
        name = tag.group(2).lower()
        if not tag.group(1) and name not in seen:
            seen.add(name)
            continue  # the first start tag stays
        parts.append(data[position:tag.start()])
        position = tag.end()
    parts.append(data[position:])
    return b"".join(parts)


def _parser() -> lxml.html.HTMLParser:
    parser = getattr(_PARSERS, "parser", None)
    if parser is None:
        # The text is handed over as UTF-8 bytes with the encoding fixed: ~10% faster than lxml's own str path,
        # and a stray <meta charset> cannot make libxml2 re-decode text that is already decoded.
        # collect_ids=False: libxml2 builds no hash of the id attributes (only XPath's id() and DTD validation read
        # it; the ids stay on the elements): ~6% of the parse.
        parser = lxml.html.HTMLParser(encoding="utf-8", collect_ids=False)
        parser.set_element_class_lookup(_ELEMENT_CLASSES)
        _PARSERS.parser = parser
    return parser


def parse_html(text: str, url: str) -> lxml.html.HtmlElement:
    """Parse an HTML document into an lxml tree with `url` as its base; never raises on bad markup."""
    # lxml refuses str input that carries an XML encoding declaration.
    if text[:512].lstrip().startswith("<?xml"):
        text = re.sub(r"^\s*<\?xml[^>]*>", "", text, count=1)
    if not text or text.isspace():
        text = "<html></html>"
    if any(ch in text for ch in _NONCHARACTERS):
        text = text.replace("\ufffe", "").replace("\uffff", "")
    # "replace": a lone surrogate (undecodable input) becomes "?" instead of cutting the text off.
    data = text.encode("utf-8", "replace").translate(_CONTROL_TABLE, _CONTROL_DELETE)
    if _NOT_XML_REFERENCE.search(data):
        data = _NOT_XML_REFERENCE.sub(b"", data)
    data = _without_stray_document_tags(data)
    try:
        return lxml.html.document_fromstring(data, parser=_parser(), base_url=url)
    except (lxml.etree.ParserError, ValueError):
        return lxml.html.document_fromstring(b"<html></html>", parser=_parser(), base_url=url)


# Typographic quotes and apostrophes, each to the straight one an author types ("isn’t", “Why”): one character
# for one, so a position in the folded text is the same position in the original.
_STRAIGHT_QUOTES = str.maketrans({"‘": "'", "’": "'", "‚": "'", "‛": "'", "“": '"', "”": '"', "„": '"', "‟": '"'})


def straight_quotes(text: str) -> str:
    """The text with curly quotes and apostrophes straightened (same length, character for character)."""
    return text.translate(_STRAIGHT_QUOTES)


def collapse(text: str | None) -> str:
    """Collapse runs of whitespace into one space and strip the ends."""
    # str.split() and the regex \s agree on what whitespace is; split/join is ~3x faster than re.sub.
    return " ".join(text.split()) if text else ""


BLOCK_TAGS = frozenset(
    ["address", "article", "aside", "blockquote", "br", "dd", "details", "dialog", "div", "dl", "dt", "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li", "main", "nav", "ol", "p", "pre", "section", "summary", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "ul"]
)


def text_of(element: lxml.html.HtmlElement | None) -> str:
    """The visible text of an element as a reader sees it: block edges become spaces, whitespace collapsed."""
    if element is None:
        return ""
    if not len(element):  # a leaf (most links, headings, date spans): its own text alone, no walk
        tag = element.tag
        return collapse(element.text) if isinstance(tag, str) and tag not in INVISIBLE_TAGS else ""
    parts: list[str] = []
    _append_text(element, parts)
    return collapse("".join(parts))


def _append_text(node: lxml.html.HtmlElement, parts: list[str]) -> None:
    tag = node.tag if isinstance(node.tag, str) else ""
    if not tag or tag in INVISIBLE_TAGS:
        return  # comments, processing instructions, scripts: no visible text (their tail is the caller's)
    block = tag in BLOCK_TAGS
    if block:
        parts.append(" ")
    if node.text:
        parts.append(node.text)
    for child in node:
        _append_text(child, parts)
        if child.tail:
            parts.append(child.tail)
    if block:
        parts.append(" ")


def drop_keeping_tail(element: lxml.html.HtmlElement) -> None:
    """Remove an element but keep its tail text in place."""
    parent = element.getparent()
    if parent is None:
        return
    tail = element.tail
    if tail:
        previous = element.getprevious()
        if previous is not None:
            previous.tail = (previous.tail or "") + tail
        else:
            parent.text = (parent.text or "") + tail
    parent.remove(element)
