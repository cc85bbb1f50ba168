"""The post body: finding the main content, sanitizing it (nh3), and turning it into text and Markdown."""

from __future__ import annotations

import re
from dataclasses import dataclass
from html import escape as html_escape
from urllib.parse import urljoin

import lxml.etree
import lxml.html
import nh3

from archiver.extract import post_rules as rules
from archiver.extract.boilerplate import DATE_LINE_MAX_CHARS, is_date_line, is_furniture_hint
from archiver.extract.html import BLOCK_TAGS, INVISIBLE_TAGS, collapse, drop_keeping_tail, straight_quotes
from archiver.extract.media import image_source

# ---------------------------------------------------------------------------------------------------------------
# Sanitizer policy
# ---------------------------------------------------------------------------------------------------------------
ALLOWED_TAGS = frozenset(
    ["p", "h1", "h2", "h3", "h4", "h5", "h6", "a", "img", "pre", "code", "span", "blockquote", "ul", "ol", "li", "dl", "dt", "dd", "table", "thead", "tbody", "tfoot", "tr", "th", "td", "caption", "colgroup", "col", "figure", "figcaption", "em", "strong", "b", "i", "u", "s", "del", "ins", "mark", "sup", "sub", "small", "abbr", "kbd", "samp", "var", "q", "cite", "br", "hr", "details", "summary", "div", "section", "article", "time"]
)
ALLOWED_ATTRIBUTES: dict[str, set[str]] = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height"},
    "pre": {"class"},
    "code": {"class"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan", "scope"},
    "ol": {"start", "reversed"},
    "abbr": {"title"},
    "time": {"datetime"},
    "details": {"open"},
}
# data: URLs are dropped everywhere (also data:image): they bloat the archive and nh3 cannot restrict a scheme
# to one tag; inline images are rare in blog bodies.
ALLOWED_URL_SCHEMES = frozenset({"http", "https", "mailto", "ftp"})
# Only a code language survives on pre/code: "language-python", "lang-js", "hljs", "highlight-python".
_CODE_CLASS = re.compile(r"^(?:language|lang|highlight|sourceCode)-[\w+#.-]+$|^hljs$")


def _keep_code_class(tag: str, attribute: str, value: str) -> str | None:
    if attribute != "class":
        return value
    kept = [token for token in value.split() if _CODE_CLASS.match(token)]
    return " ".join(kept) or None


def sanitize_html(html: str, base_url: str) -> str:
    """Sanitized HTML safe to show: no script, event handlers, javascript: URLs, forms or iframes."""
    if base_url and html.strip():
        html = _absolutize(html, base_url)
    return clean_html(html)


def clean_html(html: str) -> str:
    """nh3 with the archive's policy, for HTML whose links are already absolute."""
    return nh3.clean(
        html,
        tags=set(ALLOWED_TAGS),
        clean_content_tags={"script", "style", "noscript", "template", "iframe", "object", "embed", "form",
                            "textarea", "select", "button", "svg", "math", "canvas", "frameset"},
        attributes=ALLOWED_ATTRIBUTES,
        attribute_filter=_keep_code_class,
        url_schemes=set(ALLOWED_URL_SCHEMES),
        strip_comments=True,
        link_rel="noopener noreferrer nofollow",
    )


def _absolutize(html: str, base_url: str) -> str:
    fragment = lxml.html.fragment_fromstring(html, create_parent="div")
    absolutize_links(fragment, base_url)
    return inner_html(fragment)


def absolutize_links(root: lxml.html.HtmlElement, base_url: str) -> None:
    """Make href/src of links and images under root absolute against base_url (in place)."""
    for element in root.iter("a", "img"):
        attribute = "href" if element.tag == "a" else "src"
        value = element.get(attribute)
        if value is None:
            continue
        value = value.strip()
        if value.startswith(("http://", "https://", "#", "mailto:")):
            continue
        try:
            element.set(attribute, urljoin(base_url, value))
        except ValueError:
            del element.attrib[attribute]


def inner_html(element: lxml.html.HtmlElement) -> str:
    """The HTML of an element's content (its text and children, not its own tag)."""
    parts = [html_escape(element.text or "", quote=False)]
    for child in element:
        if isinstance(child.tag, str):
            parts.append(lxml.html.tostring(child, encoding="unicode"))  # with its tail
        elif child.tail:
            parts.append(html_escape(child.tail, quote=False))
    return "".join(parts)


# ---------------------------------------------------------------------------------------------------------------
# Markdown (own lxml walker: markdownify's BeautifulSoup parse costs ~10x the rest of parse_post)
#
# Safety: the Markdown holds no raw HTML at all. A blog's text that shows "<script>" or "&lt;img onerror&gt;"
# must not become markup in whatever renders the file (CommonMark, Hexo's marked, Jekyll's kramdown, Hugo's
# goldmark), so text is escaped: "<" before anything but a space becomes &lt; (no tag, comment or autolink can
# start), an "&" that would begin an entity becomes &amp;, Markdown's own punctuation is backslash-escaped, and
# a text that would open a block (#, >, -, +, 1.) where a line starts is escaped there. URLs in links and images
# are percent-encoded where they could end the destination. Code spans never hold a line break (a line starting
# "<script" inside one would open an HTML block), their fences outgrow any backtick run, and a fenced block's
# every line carries the list or quote prefix it sits in, so its content can never fall out of the fence.
# ---------------------------------------------------------------------------------------------------------------
_MARKDOWN_SPECIAL = re.compile(r"[\\`*_\[\]<&\x00]")
_MARKDOWN_ESCAPE = re.compile(r"([\\`*_\[\]])")
_OPENING_TAG = re.compile(r"<(?=\S)")  # "a < b" stays; "<b", "</", "<!", "<?", "<http:" cannot start markup
_ENTITY_START = re.compile(r"&(?=#[0-9]{1,7};|#[xX][0-9a-fA-F]{1,6};|[A-Za-z][A-Za-z0-9]{0,31};)")
# What opens a block when a line starts with it: heading, quote, list item, thematic break/setext line, fence.
_BLOCK_START = re.compile(r"^(\s*)(#|>|[-+](?=\s|$)|-(?=-)|=+\s*$|~~~|\d{1,9}(?=[.)](?:\s|$)))")
_INLINE_SPACES = re.compile(r"[ \t\r\n\f\v]+")
_LINE_BREAKS = re.compile(r"[\r\n\f\v\u2028\u2029]+")
_BACKTICKS = re.compile(r"`+")
# Characters that would end or break a link destination, or hide in it, percent-encoded.
_URL_UNSAFE = re.compile(r"[\s<>()\\`\"'\x00-\x1f\x7f]")
_CODE_LANGUAGE = re.compile(r"^[\w+#.-]+$")
_CODE_PLACEHOLDER = re.compile("\x00(\\d+)\x00")
# What may stand before a fenced code block on its line: list markers, quote markers and spaces (the containers
# the block is in), nothing else.
_CONTAINER_PREFIX = re.compile(r"(?:> ?|[-+*] |\d{1,9}[.)] | )*")
_LIST_MARKER = re.compile(r"[-+*] |\d{1,9}[.)] ")
_MARKDOWN_BLOCKS = frozenset(
    ["p", "div", "section", "article", "figure", "figcaption", "details", "summary", "header", "footer", "main", "address", "dl", "dt", "dd", "caption"]
)
_EMPHASIS = {"strong": "**", "b": "**", "em": "*", "i": "*", "del": "~~", "s": "~~", "strike": "~~"}


@dataclass(frozen=True, slots=True)
class _CodeBlock:
    text: str
    language: str


def html_to_markdown(html: str) -> str:
    """Markdown of sanitized body HTML (code blocks fenced); no raw HTML: all text is escaped."""
    if not html.strip():
        return ""
    # A plain etree parse: lxml.html's per-element Python class lookup would double the cost here.
    document = lxml.etree.HTML(f"<html><body><div>{html}</div></body></html>")
    root = document[0][0] if document is not None and len(document) and len(document[0]) else None
    if root is None:
        return ""
    code_blocks: list[_CodeBlock] = []
    markdown = _markdown_children(root, code_blocks)
    lines = [line.rstrip() for line in markdown.split("\n")]
    markdown = re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
    if not code_blocks:
        return markdown
    return "\n".join(_place_code(line, code_blocks) if "\x00" in line else line for line in markdown.split("\n"))


def text_to_markdown(text: str) -> str:
    """Plain text as Markdown that renders as the same text: escaped, paragraphs and line breaks kept."""
    paragraphs = []
    for paragraph in re.split(r"\n[ \t]*\n", text.strip()):
        lines = [_markdown_text(" ".join(line.split())) for line in paragraph.split("\n")]
        paragraphs.append("\\\n".join(line for line in lines if line))
    return "\n\n".join(p for p in paragraphs if p)


def _markdown_children(element: lxml.html.HtmlElement, code_blocks: list[_CodeBlock]) -> str:
    text = element.text
    parts = [_markdown_text(text)] if text else []
    for child in element:
        if isinstance(child.tag, str):
            parts.append(_markdown_element(child, code_blocks))
        tail = child.tail
        if tail:
            parts.append(_markdown_text(tail))
    return "".join(parts)


def _markdown_text(text: str | None) -> str:
    """A text node as Markdown that renders as exactly this text (whitespace runs as one space)."""
    if not text:
        return ""
    if _needs_collapse(text):
        text = _INLINE_SPACES.sub(" ", text)
    if _MARKDOWN_SPECIAL.search(text):
        text = text.replace("\x00", "")
        text = _MARKDOWN_ESCAPE.sub(r"\\\1", text)
        text = _ENTITY_START.sub("&amp;", text)
        text = _OPENING_TAG.sub("&lt;", text)
    first = text.lstrip()[:1]
    # Any text node may start a line (a block's first words, the words after a <br>): escape what would open a
    # block there. Mid-line the backslash is harmless; it renders as nothing.
    if first and (first in "#>+=~-" or "0" <= first <= "9"):
        text = _BLOCK_START.sub(_escape_block_start, text, count=1)
    return text


def _escape_block_start(match: re.Match[str]) -> str:
    spaces, opener = match.group(1), match.group(2)
    if opener[0].isdigit():
        return f"{spaces}{opener}\\"  # "2024. A year" -> "2024\. A year": the dot or parenthesis is escaped
    return f"{spaces}\\{opener}"


def _needs_collapse(text: str) -> bool:
    """Whether a text node holds a run the reader sees as one space (cheaper to ask than to run the regex)."""
    return "\n" in text or "  " in text or "\t" in text or "\r" in text or "\f" in text or "\v" in text


def _code_span(text: str) -> str:
    """Inline code: on one line, fenced by more backticks than any run inside it."""
    text = _LINE_BREAKS.sub(" ", text.replace("\x00", ""))
    if not text:
        return ""
    fence = "`" * (max((len(run) for run in _BACKTICKS.findall(text)), default=0) + 1)
    pad = " " if text[0] == "`" or text[-1] == "`" or (text[0] == " " and text[-1] == " " and text.strip()) else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def _fenced_block(code: _CodeBlock) -> list[str]:
    """A fenced code block's lines: the fence is longer than any backtick run inside."""
    longest = max((len(run) for run in _BACKTICKS.findall(code.text)), default=0)
    fence = "`" * max(3, longest + 1)
    return [f"{fence}{code.language}", *code.text.split("\n"), fence]


def _place_code(line: str, code_blocks: list[_CodeBlock]) -> str:
    """Put the code blocks back in a line: fenced when the block stands alone in its list items and quotes
    (each line carrying their prefix), else as inline code (in a table cell, a heading, a link's text)."""
    match = _CODE_PLACEHOLDER.search(line)
    if match and match.end() == len(line) and _CONTAINER_PREFIX.fullmatch(line[: match.start()]):
        prefix = line[: match.start()]
        continuation = _LIST_MARKER.sub(lambda marker: " " * len(marker.group()), prefix)
        fenced = _fenced_block(code_blocks[int(match.group(1))])
        return prefix + "\n".join([fenced[0], *(continuation + part for part in fenced[1:])])
    in_table = line.startswith("| ")  # a GFM row splits cells at "|" even inside code: escape it there
    return _CODE_PLACEHOLDER.sub(
        lambda m: _code_span(code_blocks[int(m.group(1))].text).replace("|", "\\|" if in_table else "|"), line
    )


def _link_destination(url: str) -> str:
    """A URL as a Markdown link destination that nothing in it can end early."""
    if not _URL_UNSAFE.search(url):
        return url
    return _URL_UNSAFE.sub(lambda m: "".join(f"%{byte:02X}" for byte in m.group().encode("utf-8")), url)


def _markdown_element(element: lxml.html.HtmlElement, code_blocks: list[_CodeBlock]) -> str:
    tag = element.tag
    if tag == "pre":
        code = element.find("code")
        language = ""
        if code is not None:
            language = next((t[9:] for t in _classes(code) if t.startswith("language-")), "")
        text = "".join((code if code is not None else element).itertext()).strip("\n").replace("\x00", "")
        code_blocks.append(_CodeBlock(text, language if _CODE_LANGUAGE.match(language) else ""))
        return f"\n\n\x00{len(code_blocks) - 1}\x00\n\n"
    if tag == "br":
        return "\\\n"
    if tag == "hr":
        return "\n\n---\n\n"
    if tag == "img":
        alt = _markdown_text(collapse(element.get("alt")))
        src = element.get("src")
        return f"![{alt}]({_link_destination(src)})" if src else alt
    inner = _markdown_children(element, code_blocks)
    if tag in _MARKDOWN_BLOCKS:
        return f"\n\n{inner.strip()}\n\n"
    if len(tag) == 2 and tag[0] == "h" and tag[1] in "123456":
        return f"\n\n{'#' * int(tag[1])} {collapse(inner)}\n\n"
    if tag in _EMPHASIS:
        stripped = inner.strip()
        if not stripped:
            return inner
        lead = " " if inner[:1].isspace() else ""
        trail = " " if inner[-1:].isspace() else ""
        return f"{lead}{_EMPHASIS[tag]}{stripped}{_EMPHASIS[tag]}{trail}"
    if tag in ("code", "kbd", "samp"):
        return _code_span("".join(element.itertext()))
    if tag == "a":
        href = element.get("href")
        text = inner.strip()
        return f"[{text}]({_link_destination(href)})" if href and text else text
    if tag == "blockquote":
        quoted = "\n".join(f"> {line}" if line else ">" for line in inner.strip().split("\n"))
        return f"\n\n{quoted}\n\n"
    if tag in ("ul", "ol"):
        return f"\n\n{_markdown_list(element, code_blocks)}\n\n"
    if tag == "table":
        return f"\n\n{_markdown_table(element, code_blocks)}\n\n"
    return inner


def _markdown_list(element: lxml.html.HtmlElement, code_blocks: list[_CodeBlock]) -> str:
    ordered = element.tag == "ol"
    start = int(element.get("start")) if (element.get("start") or "").isdigit() else 1
    items = []
    for number, item in enumerate((c for c in element if c.tag == "li"), start=start):
        marker = f"{number}. " if ordered else "- "
        text = re.sub(r"\n{3,}", "\n\n", _markdown_children(item, code_blocks).strip())
        indent = "\n" + " " * len(marker)
        items.append(marker + indent.join(text.split("\n")))
    return "\n".join(items)


def _markdown_table(table: lxml.html.HtmlElement, code_blocks: list[_CodeBlock]) -> str:
    rows = []
    for row in table.iter("tr"):
        cells = [
            collapse(_markdown_children(cell, code_blocks).replace("\n", " ")).replace("|", "\\|")
            for cell in row
            if cell.tag in ("td", "th")
        ]
        if cells:
            rows.append(cells)
    if not rows:
        return ""
    width = max(len(r) for r in rows)
    lines = ["| " + " | ".join(r + [""] * (width - len(r))) + " |" for r in rows]
    lines.insert(1, "| " + " | ".join(["---"] * width) + " |")
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------------------------------
# Finding the body
# ---------------------------------------------------------------------------------------------------------------
_FAST_TEXT = lxml.etree.XPath("string()")
_COMPOUND = re.compile(r"^(?P<tag>[a-z][a-z0-9]*)?(?P<rest>(?:[.#][\w-]+|\[[\w-]+~?=[\w-]+\])*)$")
_COMPOUND_PART = re.compile(r"([.#])([\w-]+)|\[([\w-]+)(~?=)([\w-]+)\]")


@dataclass(frozen=True, slots=True)
class _Compound:
    """One compound CSS selector: tag, id, classes and attribute tests all on the same element."""

    tag: str | None
    element_id: str | None
    classes: frozenset[str]
    attributes: tuple[tuple[str, str, str], ...]  # (name, operator "=" or "~=", value)

    def matches(self, element: lxml.html.HtmlElement) -> bool:
        if self.tag and element.tag != self.tag:
            return False
        if self.element_id and element.get("id") != self.element_id:
            return False
        if self.classes and not self.classes.issubset((element.get("class") or "").split()):
            return False
        for name, operator, value in self.attributes:
            actual = element.get(name) or ""
            if (actual.split() if operator == "~=" else [actual]).count(value) == 0:
                return False
        return True


@dataclass(frozen=True, slots=True)
class _Selector:
    """A CSS selector of the small subset the rule tables use: compounds joined by descendant or child combinators."""

    steps: tuple[tuple[str, _Compound], ...]  # (combinator to the previous step: " " or ">", compound), last first

    def matches(self, element: lxml.html.HtmlElement) -> bool:
        if not self.steps[0][1].matches(element):
            return False
        return self._ancestors_match(element, 1)

    def _ancestors_match(self, element: lxml.html.HtmlElement, index: int) -> bool:
        if index >= len(self.steps):
            return True
        combinator, compound = self.steps[index]
        parent = element.getparent()
        while parent is not None:
            if compound.matches(parent) and self._ancestors_match(parent, index + 1):
                return True
            if combinator == ">":
                return False
            parent = parent.getparent()
        return False


def _compile_selector(css: str) -> _Selector:
    tokens = css.replace(">", " > ").split()
    steps: list[tuple[str, _Compound]] = []
    combinator = " "
    for token in tokens:
        if token == ">":
            combinator = ">"
            continue
        match = _COMPOUND.match(token)
        if not match:
            raise ValueError(f"unsupported selector {css!r}")
        element_id, classes, attributes = None, set(), []
        for kind, name, attribute, operator, value in _COMPOUND_PART.findall(match.group("rest")):
            if kind == "#":
                element_id = name
            elif kind == ".":
                classes.add(name)
            else:
                attributes.append((attribute, operator, value))
        steps.append((combinator, _Compound(match.group("tag"), element_id, frozenset(classes), tuple(attributes))))
        combinator = " "
    # Stored last-first, each with the combinator that joins it to the step after it.
    ordered = [(steps[i + 1][0] if i + 1 < len(steps) else " ", steps[i][1]) for i in range(len(steps))]
    return _Selector(tuple(reversed(ordered)))


_BODY_SELECTORS: tuple[tuple[str, tuple[_Selector, ...]], ...] = tuple(
    (name, tuple(_compile_selector(part) for part in css.split(","))) for name, css in rules.BODY_RULES
)
# Cheap prefilter: an element can only match a rule if it carries the rule's last id, class or attribute.
_KEY_IDS = frozenset(s.steps[0][1].element_id for _n, sels in _BODY_SELECTORS for s in sels if s.steps[0][1].element_id)
_KEY_CLASSES = frozenset(c for _n, sels in _BODY_SELECTORS for s in sels for c in s.steps[0][1].classes)
_KEY_ATTRIBUTES = frozenset(a[0] for _n, sels in _BODY_SELECTORS for s in sels for a in s.steps[0][1].attributes)
# Tags a post body is ever written with; lxml's tag-filtered iter() is far cheaper than any XPath scan.
BODY_TAGS = ("div", "section", "article", "main", "td")


def _body_candidates(document: lxml.html.HtmlElement) -> list[lxml.html.HtmlElement]:
    candidates = []
    key_classes, key_ids, key_attributes = _KEY_CLASSES, _KEY_IDS, _KEY_ATTRIBUTES
    # element.get() straight away: an `attrib` proxy made for each of a page's hundreds of <div>s cost ~20% more.
    for element in document.iter(*BODY_TAGS):
        classes = element.get("class")
        if (classes and not key_classes.isdisjoint(classes.split())) or element.get("id") in key_ids:
            candidates.append(element)
            continue
        for name in key_attributes:
            if element.get(name) is not None:
                candidates.append(element)
                break
    return candidates


# Elements that make a body without text still a body (a post that is one embedded video or picture).
MEDIA_TAGS = ("img", "video", "audio", "iframe", "picture", "object", "embed")


def _has_content(element: lxml.html.HtmlElement) -> bool:
    return _text_length(element) > 0 or next(element.iter(*MEDIA_TAGS), None) is not None


def _text_length(element: lxml.html.HtmlElement) -> int:
    """Characters of text that are not whitespace (what thresholds and comparisons need; no regex pass)."""
    return _solid_length(_FAST_TEXT(element))


def _solid_length(text: str) -> int:
    return len(text) - text.count(" ") - text.count("\n") - text.count("\t") - text.count("\r") - text.count("\xa0")


def find_body(
    document: lxml.html.HtmlElement, *, theme_rules: bool = True
) -> tuple[lxml.html.HtmlElement | None, str]:
    """The element holding the post body and the name of the rule that found it (`theme_rules=False`: the
    theme body table is skipped, only the generic finders run)."""
    finders = (_body_by_theme_rule, _body_by_single_article, _body_by_density, _body_by_title_block)
    for finder in finders if theme_rules else finders[1:]:
        element, name = finder(document)
        if element is not None:
            if finder in (_body_by_theme_rule, _body_by_single_article) and _text_length(element) < SMALL_BODY_CHARS:
                return _unless_text_elsewhere(document, element, name)
            return element, name
    body = document.find("body")
    return (body if body is not None else document), "document"


# A body this short (an image post, or a rule that hit the wrong element) yields to a density winner elsewhere on
# the page holding many times its text.
SMALL_BODY_CHARS = 200
ELSEWHERE_MIN_CHARS = 1000


def _unless_text_elsewhere(
    document: lxml.html.HtmlElement, element: lxml.html.HtmlElement, name: str
) -> tuple[lxml.html.HtmlElement, str]:
    other, other_name = _body_by_density(document)
    if other is None or other is element or _text_length(other) < ELSEWHERE_MIN_CHARS:
        return element, name
    return other, other_name  # also a wrapper of the short element: the scorer left out sidebars and comments


def _body_by_theme_rule(document: lxml.html.HtmlElement) -> tuple[lxml.html.HtmlElement | None, str]:
    candidates = _body_candidates(document)
    if not candidates:
        return None, ""
    for name, selectors in _BODY_SELECTORS:
        matches = [element for element in candidates if any(s.matches(element) for s in selectors)]
        if not matches:
            continue
        if len(matches) == 1 and _has_content(matches[0]):
            return matches[0], name  # the theme's one body container, even for a short (image-only) post
        best = max(matches, key=_text_length)
        if _text_length(best) >= rules.MIN_BODY_CHARS:
            return best, name
    return None, ""


def _body_by_single_article(document: lxml.html.HtmlElement) -> tuple[lxml.html.HtmlElement | None, str]:
    articles = [a for a in document.iter("article") if _text_length(a) >= rules.MIN_BODY_CHARS]
    if len(articles) == 1:
        return articles[0], "article"
    mains = document.findall(".//main")
    if len(mains) == 1 and not articles and _text_length(mains[0]) >= rules.MIN_BODY_CHARS:
        return mains[0], "main"
    return None, ""


def _hint_weight(element: lxml.html.HtmlElement) -> float:
    hints = f"{element.get('class', '')} {element.get('id', '')}"
    if not hints.strip():
        return 0.0
    weight = 0.0
    if rules.POSITIVE_HINT.search(hints):
        weight += 25.0
    if rules.NEGATIVE_HINT.search(hints):
        weight -= 25.0
    return weight


def _body_by_density(document: lxml.html.HtmlElement) -> tuple[lxml.html.HtmlElement | None, str]:
    """Readability-style: paragraphs vote for their parent (and half for the grandparent). Text written straight
    into a <div> between <br>s votes too; paragraphs that are mostly links, or that sit in page furniture
    (comments, related posts, menus: boilerplate class/id words), do not."""
    scores: dict[lxml.html.HtmlElement, float] = {}
    furniture: dict[lxml.html.HtmlElement, bool] = {}
    containers: dict[lxml.html.HtmlElement, lxml.html.HtmlElement | None] = {}
    for paragraph in document.iter(*rules.SCORED_TAGS, "div"):
        if paragraph.tag == "div":
            raw = _direct_text(paragraph)
        elif paragraph.tag in ("td", "li", "blockquote") and paragraph.find(".//p") is not None:
            continue  # a container of paragraphs: its paragraphs vote themselves
        else:
            raw = _FAST_TEXT(paragraph)
        if len(raw) < MIN_PARAGRAPH_CHARS:
            continue  # collapsing only shortens: most wrappers' own text is a little whitespace
        text = collapse(raw)
        if len(text) < MIN_PARAGRAPH_CHARS:
            continue
        parent = paragraph if paragraph.tag == "div" else _text_container(paragraph.getparent(), containers)
        if parent is None or _in_furniture(parent, furniture):
            continue
        if paragraph.tag != "div" and _mostly_links(paragraph, text):
            continue
        if len(text) <= DATE_LINE_MAX_CHARS and is_date_line(text):
            continue  # a day heading ("Saturday, December 19, 2009") above the post, not its text
        points = 1.0 + text.count(",") + text.count("，") + text.count("。") + min(len(text) / 100.0, 3.0)
        for ancestor, share in ((parent, 1.0), (_text_container(parent.getparent(), containers), 0.5)):
            if ancestor is None or ancestor.tag in ("html", "body"):
                continue
            if ancestor not in scores:
                scores[ancestor] = _hint_weight(ancestor)
            scores[ancestor] += points * share
    if not scores:
        return None, ""
    # Link density is costly on big wrappers: only the strongest few candidates are weighed by it.
    top = sorted(scores.items(), key=lambda item: item[1], reverse=True)[:DENSITY_FINALISTS]
    heading = _title_heading(document)
    titled = _with_title(heading, [element for element, _score in top])
    best, best_score = max(
        (
            (element, score * (1.0 - _link_density(element)) * (TITLE_BONUS if element in titled else 1.0))
            for element, score in top
        ),
        key=lambda item: item[1],
    )
    return _with_sibling_parts(best, best_score, scores), "density"


def _with_title(
    heading: lxml.html.HtmlElement | None, finalists: list[lxml.html.HtmlElement]
) -> set[lxml.html.HtmlElement]:
    """The finalists that go with the page's title heading: those that hold it, and, inside one of
    those, the ones in the first block after the heading (the text under its title: a wrapper of title, text,
    tags and links to other posts is not preferred to the text itself)."""
    if heading is None:
        return set()
    titled = {element for element in finalists if _holds(element, heading)}
    if not titled:
        return titled
    ancestors = {element: {element, *element.iterancestors()} for element in finalists if element not in titled}
    wrappers = {id(element) for element in titled}
    ancestors = {element: chain for element, chain in ancestors.items() if any(id(a) in wrappers for a in chain)}
    node: lxml.html.HtmlElement | None = heading
    while node is not None and ancestors:
        for sibling in node.itersiblings():
            inside = [element for element, chain in ancestors.items() if sibling in chain]
            if inside:
                return titled | set(inside)
        node = node.getparent()
    return titled


# What a post's text is written in: a paragraph votes for the nearest of these above it, never for a list, a
# quote, a figure or a table row (a list item of prose, or a code block's table, is not the post).
TEXT_CONTAINER_TAGS = frozenset(["div", "section", "article", "main", "td", "body", "html"])


def _text_container(
    element: lxml.html.HtmlElement | None, memo: dict[lxml.html.HtmlElement, lxml.html.HtmlElement | None]
) -> lxml.html.HtmlElement | None:
    """The element, or its nearest ancestor, that can hold a post's text: a block container, not a list, quote,
    figure or table row, nor a cell of a code table (line numbers beside the code)."""
    start = element
    chain = []
    while element is not None:
        known = memo.get(element, _UNKNOWN)
        if known is not _UNKNOWN:
            element = known
            break
        chain.append(element)
        if element.tag in TEXT_CONTAINER_TAGS and not (element.tag == "td" and _in_code_table(element)):
            break
        element = element.getparent()
    for visited in chain:
        memo[visited] = element
    return element if start is not None else None


_UNKNOWN = lxml.html.HtmlElement()


def _in_code_table(cell: lxml.html.HtmlElement) -> bool:
    row = cell.getparent()
    first = row[0] if row is not None and len(row) else None
    return first is not None and first.tag == "td" and _is_gutter_cell(first)


DENSITY_FINALISTS = 8
# A paragraph shorter than this casts no vote (a label, a caption, a date line).
MIN_PARAGRAPH_CHARS = 25
# The post's text sits with its title: a finalist that holds the page's main heading is preferred to one beside
# it (a "you may also like" box of teasers can outscore a short post).
TITLE_BONUS = 1.5


def _title_heading(document: lxml.html.HtmlElement) -> lxml.html.HtmlElement | None:
    """The page's first <h1> outside its banner, navigation and furniture, if it has one."""
    for heading in document.iter("h1"):
        if _is_hidden_heading(heading) or any(
            a.tag in ("header", "nav", "aside", "footer") for a in heading.iterancestors()
        ):
            continue
        if _solid_length(_FAST_TEXT(heading)) >= 3:
            return heading
    return None


def _is_hidden_heading(heading: lxml.html.HtmlElement) -> bool:
    """A heading the reader does not see (a theme's hidden copy of the title for screen readers or search
    engines), judged by its own attributes and class words."""
    return "hidden" in heading.attrib or heading.get("aria-hidden") == "true" or is_furniture_hint(heading)


def _has_prose(document: lxml.html.HtmlElement) -> bool:
    """Whether the page's paragraphs the length of a sentence and not mostly links, wherever they sit (a footer's
    copyright line, or a whole article under wrappers named like furniture), add up to some prose."""
    found = 0
    for paragraph in document.iter(*rules.SCORED_TAGS, "div"):
        text = collapse(_direct_text(paragraph) if paragraph.tag == "div" else _FAST_TEXT(paragraph))
        if len(text) >= MIN_PARAGRAPH_CHARS and (paragraph.tag == "div" or not _mostly_links(paragraph, text)):
            found += len(text)
            if found >= TITLE_BLOCK_MAX_PROSE:
                return True
    return False


# A page with less prose than this anywhere is a post with (almost) no text: its body is the block of its title.
TITLE_BLOCK_MAX_PROSE = 200


def _body_by_title_block(document: lxml.html.HtmlElement) -> tuple[lxml.html.HtmlElement | None, str]:
    """The block around the page's title heading: a post with (almost) no text of its own, whose words no
    scorer counts, is still what sits under its title rather than the whole page."""
    heading = _title_heading(document)
    if heading is None or _has_prose(document):
        return None, ""  # prose the scorer set aside (all of it under a furniture-named wrapper): the whole page
    block = _text_container(heading.getparent(), {})
    if block is None or block.tag in ("body", "html"):
        return None, ""
    return block, "title-block"


def _holds(element: lxml.html.HtmlElement, heading: lxml.html.HtmlElement | None) -> bool:
    return heading is not None and any(ancestor is element for ancestor in heading.iterancestors())
# A sibling of the winner with at least this share of its score is another part of the same text (articles
# split by figures, pull quotes or ads into several containers): the body is then their common parent.
SIBLING_SHARE = 0.2
SIBLING_MAX_LINK_DENSITY = 0.25


def _with_sibling_parts(
    best: lxml.html.HtmlElement, best_score: float, scores: dict[lxml.html.HtmlElement, float]
) -> lxml.html.HtmlElement:
    parent = best.getparent()
    if parent is None or parent.tag in ("body", "html"):
        return best
    threshold = max(10.0, best_score * SIBLING_SHARE)
    for sibling in parent:
        if sibling is best or scores.get(sibling, 0.0) < threshold:
            continue
        if _link_density(sibling) <= SIBLING_MAX_LINK_DENSITY:
            return parent
    return best


def _direct_text(element: lxml.html.HtmlElement) -> str:
    """The text written straight into an element (its text and its children's tails), not its children's."""
    parts = [element.text or ""]
    parts.extend(child.tail or "" for child in element)
    return "".join(parts)


def _mostly_links(paragraph: lxml.html.HtmlElement, text: str) -> bool:
    linked = sum(len(collapse(_FAST_TEXT(a))) for a in paragraph.iter("a"))
    return linked > len(text) * 0.5


def _in_furniture(element: lxml.html.HtmlElement, memo: dict[lxml.html.HtmlElement, bool]) -> bool:
    """Whether the element or an ancestor is page furniture (nav, aside, footer, or boilerplate class/id words)."""
    chain = []
    node: lxml.html.HtmlElement | None = element
    verdict = False
    while node is not None:
        known = memo.get(node)
        if known is not None:
            verdict = known
            break
        if node.tag in _PAGE_TAGS:
            break  # the page's own classes name its layout and settings ("menu-type-dropdown"), not furniture
        if node.tag in _FURNITURE_TAGS or is_furniture_hint(node):
            verdict = True
            chain.append(node)
            break
        chain.append(node)
        node = node.getparent()
    for visited in chain:
        memo[visited] = verdict
    return verdict


_FURNITURE_TAGS = frozenset(["nav", "aside", "footer", "form"])
_PAGE_TAGS = frozenset(["body", "html"])


def _link_density(element: lxml.html.HtmlElement) -> float:
    # Script text would dilute the links of a wrapper that holds inline scripts next to the post. Its whole text
    # less that of its scripts and styles (raw text, never nested): an XPath of the text nodes without a script
    # ancestor tests every node's ancestors, ~a quarter of the density scorer.
    total = _text_length(element) - sum(_text_length(raw) for raw in element.iter("script", "style"))
    if not total:
        return 1.0
    linked = sum(_text_length(a) for a in element.iter("a"))
    return min(linked / total, 1.0)


# ---------------------------------------------------------------------------------------------------------------
# Cleaning the body in place
# ---------------------------------------------------------------------------------------------------------------
def _classes(element: lxml.html.HtmlElement) -> list[str]:
    value = element.get("class")
    return value.split() if value else []


def _is_noise(element: lxml.html.HtmlElement) -> bool:
    if element.tag in rules.NOISE_TAGS:
        return True
    attributes = element.attrib
    if not attributes:
        return False
    if "hidden" in attributes:
        return True
    element_id = attributes.get("id")
    if element_id and element_id.lower() in rules.NOISE_IDS:
        return True
    classes = attributes.get("class")
    return bool(classes) and not rules.NOISE_CLASSES.isdisjoint(classes.split())



@dataclass(slots=True)
class _BodyParts:
    """What one walk over the body finds: elements to drop and elements to rewrite."""

    doomed: list[lxml.html.HtmlElement]
    math_scripts: list[lxml.html.HtmlElement]
    katex: list[lxml.html.HtmlElement]
    gutter_tables: list[lxml.html.HtmlElement]
    pres: list[lxml.html.HtmlElement]
    unwrapped: list[lxml.html.HtmlElement]


def clean_body(body: lxml.html.HtmlElement, title: str | None = None) -> None:
    """Strip theme furniture from the body, flatten gutter code tables, keep math source, unlazy images."""
    parts = _walk_body(body)
    for script in parts.math_scripts:
        _math_script_to_text(script)
    for element in parts.katex:
        _katex_to_text(element)
    for table in parts.gutter_tables:
        _flatten_gutter_table(table)
    for element in parts.doomed:
        drop_keeping_tail(element)
    for element in parts.unwrapped:
        element.drop_tag()
    for pre in parts.pres:
        _flatten_pre(pre)
    if title:
        _drop_repeated_title(body, title)


def _walk_body(body: lxml.html.HtmlElement) -> _BodyParts:
    """One walk over the body; subtrees that get dropped or rewritten whole are not entered."""
    parts = _BodyParts([], [], [], [], [], [])
    stack = list(reversed(body))
    while stack:
        element = stack.pop()
        tag = element.tag
        if not isinstance(tag, str):
            if tag is lxml.etree.Comment:
                parts.doomed.append(element)
            continue
        if tag == "script" and (element.get("type") or "").startswith("math/tex"):
            parts.math_scripts.append(element)
        elif tag == "embed":
            parts.unwrapped.append(element)  # libxml2 nests what follows a void <embed> inside it
            stack.extend(reversed(element))
        elif _is_noise(element):
            parts.doomed.append(element)
        elif tag == "svg":
            if next(element.iter(*rules.SVG_LABEL_TAGS), None) is None:
                parts.doomed.append(element)  # an icon; a diagram stays for its labels (see body_text)
        elif tag == "pre":
            parts.pres.append(element)
        elif tag == "table" and _has_gutter(element):
            parts.gutter_tables.append(element)
        elif tag == "span" and "katex" in _classes(element):
            parts.katex.append(element)
        else:
            if tag == "img":
                _unlazy_image(element)
            stack.extend(reversed(element))
    return parts


def _unlazy_image(image: lxml.html.HtmlElement) -> None:
    """Point src at the image a reader sees: lazy-loading attributes, srcset and <picture> sources (media.py)."""
    source = image_source(image)
    if source and source != image.get("src"):
        image.set("src", source)


_CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_LINE_NUMBERS = re.compile(r"^[\d\s]+$")


def _is_gutter_cell(cell: lxml.html.HtmlElement) -> bool:
    if any(token in rules.GUTTER_CLASSES for token in _classes(cell)):
        return True
    # Generic: a cell of nothing but line numbers next to a cell holding the code.
    following = cell.getnext()
    return (
        following is not None
        and following.find(".//pre") is not None
        and bool(_LINE_NUMBERS.match(_FAST_TEXT(cell) or "x"))
    )


def _has_gutter(table: lxml.html.HtmlElement) -> bool:
    first_cell = next(table.iter("td"), None)
    return first_cell is not None and _is_gutter_cell(first_cell)


def _code_lines(cell: lxml.html.HtmlElement) -> str:
    """Text of a code cell or <pre>, with <br> as line breaks (Hexo writes one <br> per line)."""
    pre = cell if cell.tag == "pre" else cell.find(".//pre")
    source = pre if pre is not None else cell
    for br in source.iter("br"):
        br.tail = "\n" + (br.tail or "")
    return "".join(source.itertext("*", with_tail=True)).strip("\n")


def _flatten_gutter_table(table: lxml.html.HtmlElement) -> None:
    code_cells = [cell for cell in table.iter("td") if not _is_gutter_cell(cell)]
    if not code_cells:
        return
    code_text = "\n".join(_code_lines(cell) for cell in code_cells)
    language = _figure_language(code_cells[0].find(".//pre") if code_cells[0].find(".//pre") is not None else table)
    pre = lxml.html.Element("pre")
    code = lxml.etree.SubElement(pre, "code")
    if language:
        code.set("class", f"language-{language}")
    code.text = _CONTROL_CHARACTERS.sub("", code_text)
    # A Hexo <figure class="highlight lang"> wrapping the table (and maybe a caption) becomes just the <pre>.
    container = table.getparent()
    target = table
    if container is not None and container.tag == "figure" and "highlight" in _classes(container) or container is not None and container.tag in ("div",) and len(container) == 1:
        target = container
    pre.tail = target.tail
    parent = target.getparent()
    if parent is not None:
        parent.replace(target, pre)
    code.text = _CONTROL_CHARACTERS.sub("", code_text)


_NOT_LANGUAGES = frozenset(["highlight", "highlighter-rouge", "chroma", "hljs", "code", "plain", "plaintext", "text", "nohighlight", "sourceCode", "line-numbers", "notranslate", "prettyprint", "linenums"])
_LANGUAGE_PREFIXES = ("language-", "lang-", "highlight-source-", "highlight-")


def _figure_language(element: lxml.html.HtmlElement) -> str:
    """The code language named by classes of the element, its code child or its wrappers (up to 3 levels)."""
    nodes = [element]
    code = element.find("code")
    if code is not None:
        nodes.insert(0, code)
    nodes.extend(list(element.iterancestors())[:5])
    for node in nodes:
        tokens = _classes(node)
        for token in tokens:
            for prefix in _LANGUAGE_PREFIXES:
                if token.startswith(prefix) and len(token) > len(prefix):
                    return token[len(prefix):]
        if node.tag == "figure" and "highlight" in tokens:  # Hexo: <figure class="highlight python">
            others = [t for t in tokens if t not in _NOT_LANGUAGES]
            if others:
                return others[0]
        data_lang = node.get("data-lang")
        if data_lang:
            return data_lang
    return ""


def _flatten_pre(pre: lxml.html.HtmlElement) -> None:
    """A <pre> becomes <pre><code class="language-x">plain code</code></pre>: highlighting spans are noise."""
    language = _figure_language(pre)
    code_text = _code_lines(pre)
    for child in list(pre):
        pre.remove(child)
    for attribute in list(pre.attrib):
        del pre.attrib[attribute]
    pre.text = None
    code = lxml.etree.SubElement(pre, "code")
    if language:
        code.set("class", f"language-{language}")
    code.text = _CONTROL_CHARACTERS.sub("", code_text)


def _replace_with_text(element: lxml.html.HtmlElement, text: str) -> None:
    """Put `text` where the element was, dropping the element."""
    element.tail = text + (element.tail or "")
    drop_keeping_tail(element)


def _math_script_to_text(script: lxml.html.HtmlElement) -> None:
    source = (script.text or "").strip()
    display = "mode=display" in (script.get("type") or "")
    _replace_with_text(script, f"$${source}$$" if display else f"${source}$")


def _katex_to_text(element: lxml.html.HtmlElement) -> None:
    annotation = next(
        (a for a in element.iter("annotation") if (a.get("encoding") or "").endswith("x-tex")), None
    )
    if annotation is None or element.getparent() is None:
        return
    source = (annotation.text or "").strip()
    parent = element.getparent()
    display = "katex-display" in _classes(parent)
    target = parent if display else element
    _replace_with_text(target, f"$${source}$$" if display else f"${source}$")


_HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")


def _drop_repeated_title(body: lxml.html.HtmlElement, title: str) -> None:
    """Drop the page's title heading when the body holds it: the first visible heading of the page that says
    the title (whatever its level: Blogger writes it as an <h3>). A heading of the body repeating a title the
    page showed above the body is the author's own first line and stays (a teaser's heading inside a link, as
    a reading list of other posts, is not a title the page shows)."""
    wanted = straight_quotes(collapse(title).casefold())
    document = body.getroottree().getroot()
    for heading in (document if document is not None else body).iter(_HEADINGS):
        if _is_hidden_heading(heading) or straight_quotes(collapse(heading.text_content()).casefold()) != wanted:
            continue
        if any(ancestor.tag == "a" for ancestor in heading.iterancestors()):
            continue
        if heading is not body and any(ancestor is body for ancestor in heading.iterancestors()):
            drop_keeping_tail(heading)
        return
    _drop_title_line(body, wanted)


_TITLE_LINE_TAGS = ("div", "p", "span", "a", "strong", "b")


def _drop_title_line(body: lxml.html.HtmlElement, wanted: str) -> None:
    """A page that shows its title in no heading (a <div class="post-title">): the block saying only the title
    above the body's first paragraph is the title, not the post."""
    for element in body.iter(_TITLE_LINE_TAGS):
        text = straight_quotes(collapse(_FAST_TEXT(element)).casefold())
        if text == wanted:
            drop_keeping_tail(element)
            return
        if element.tag == "p" and len(text) >= MIN_PARAGRAPH_CHARS:
            return  # the post's text has begun


# ---------------------------------------------------------------------------------------------------------------
# Text
# ---------------------------------------------------------------------------------------------------------------
_SPACES = re.compile(r"[ \t\r\n\f\v]+")
_NEWLINES = re.compile(r"\n{2,}")
_PRE_NEWLINE = "\x01"  # a line break inside <pre>, kept through the collapsing of block-edge breaks


def body_text(element: lxml.html.HtmlElement) -> str:
    """Plain text of a body: block edges become line breaks, whitespace collapsed outside <pre>."""
    parts: list[str] = []
    _append_body_text(element, parts, in_pre=False)
    lines = [line.rstrip() for line in "".join(parts).split("\n")]
    text = _NEWLINES.sub("\n", "\n".join(lines)).strip()
    return text.replace(_PRE_NEWLINE, "\n")


def _append_body_text(node: lxml.html.HtmlElement, parts: list[str], in_pre: bool) -> None:
    tag = node.tag if isinstance(node.tag, str) else ""
    if tag == "svg":
        _append_svg_labels(node, parts)
        return
    if not tag or tag in INVISIBLE_TAGS:
        return
    if tag == "br":
        parts.append("\n")
        return
    in_pre = in_pre or tag == "pre"
    block = tag in BLOCK_TAGS
    if block:
        parts.append("\n")
    if node.text:
        parts.append(_inline(node.text, parts, in_pre))
    for child in node:
        _append_body_text(child, parts, in_pre)
        if child.tail:
            parts.append(_inline(child.tail, parts, in_pre))
    if block:
        parts.append("\n")


def _append_svg_labels(svg: lxml.html.HtmlElement, parts: list[str]) -> None:
    """The text labels of an inline diagram, one per line (nested tspans belong to their text element)."""
    for label in svg.iter("text"):
        text = collapse("".join(label.itertext()))
        if text:
            parts.append(f"\n{text}\n")


def _inline(text: str, parts: list[str], in_pre: bool) -> str:
    if in_pre:
        return text.replace("\n", _PRE_NEWLINE)
    if _needs_collapse(text):
        text = _SPACES.sub(" ", text)
    if not parts or parts[-1].endswith("\n"):
        text = text.lstrip()
    return text


def first_paragraph(body: lxml.html.HtmlElement, min_chars: int = 20) -> str | None:
    """The text of the body's first real paragraph (the post's lede)."""
    for paragraph in body.iter("p"):
        text = collapse(_FAST_TEXT(paragraph))
        if len(text) >= min_chars:
            return text
    return None
