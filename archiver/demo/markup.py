"""A tiny Markdown renderer for the subset the demo posts use, producing the markup Hexo emits."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

MORE_MARKER = "<!-- more -->"
MORE_ANCHOR = '<span id="more"></span>'

FENCE_RE = re.compile(r"^```\s*([\w+-]*)\s*$")
HEADING_RE = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")
BULLET_RE = re.compile(r"^[-*+]\s+(.*)$")
NUMBERED_RE = re.compile(r"^\d+[.)]\s+(.*)$")
# Code spans, math and links are protected from emphasis and escaping rules; they are matched first.
INLINE_RE = re.compile(
    r"(?P<code>`+)(?P<code_text>.+?)(?P=code)"
    r"|(?P<math>\$\$.+?\$\$|\$[^$\s](?:[^$\n]*?[^$\s])?\$)"
    r"|\[(?P<link_text>[^\]]+)\]\((?P<link_url>[^)\s]+)\)"
)
STRONG_RE = re.compile(r"\*\*(.+?)\*\*")
EMPHASIS_RE = re.compile(r"(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?![\w*])")
HEADING_ID_STRIP_RE = re.compile(r"[^\w\s-]")


@dataclass(slots=True)
class RenderedMarkdown:
    """A post body as HTML, plus the part before `<!-- more -->` when the post has one."""

    html: str
    excerpt_html: str | None


def render_inline(text: str) -> str:
    """Render code spans, math (kept as text), links, strong and emphasis; escape everything else."""
    parts: list[str] = []
    position = 0
    for match in INLINE_RE.finditer(text):
        parts.append(_render_emphasis(text[position : match.start()]))
        if match.group("code"):
            parts.append(f"<code>{html.escape(match.group('code_text').strip(), quote=False)}</code>")
        elif match.group("math"):
            parts.append(html.escape(match.group("math"), quote=False))
        else:
            url = html.escape(match.group("link_url"))
            parts.append(f'<a href="{url}">{_render_emphasis(match.group("link_text"))}</a>')
        position = match.end()
    parts.append(_render_emphasis(text[position:]))
    return "".join(parts)


def _render_emphasis(text: str) -> str:
    escaped = html.escape(text, quote=False)
    escaped = STRONG_RE.sub(r"<strong>\1</strong>", escaped)
    return EMPHASIS_RE.sub(r"<em>\1</em>", escaped)


def render_code_block(code: str, language: str) -> str:
    """Render a fenced block the way Hexo's highlighter does: a table with a line-number gutter."""
    lines = code.split("\n")
    gutter = "".join(f'<span class="line">{number}</span><br>' for number in range(1, len(lines) + 1))
    body = "".join(f'<span class="line">{html.escape(line, quote=False)}</span><br>' for line in lines)
    return (
        f'<figure class="highlight {language or "plaintext"}"><table><tr>'
        f'<td class="gutter"><pre>{gutter}</pre></td><td class="code"><pre>{body}</pre></td>'
        "</tr></table></figure>"
    )


def heading_id(text: str) -> str:
    """The anchor id Hexo gives a heading: its text with punctuation dropped and spaces as dashes."""
    return re.sub(r"\s+", "-", HEADING_ID_STRIP_RE.sub("", text).strip())


def render_markdown(source: str) -> RenderedMarkdown:
    """Render a post body; the `<!-- more -->` line becomes Hexo's `#more` anchor and splits the excerpt."""
    blocks: list[str] = []
    excerpt_html: str | None = None
    paragraph: list[str] = []
    lines = source.replace("\r\n", "\n").split("\n")

    def flush_paragraph() -> None:
        if paragraph:
            blocks.append(f"<p>{render_inline(chr(10).join(paragraph))}</p>")
            paragraph.clear()

    index = 0
    while index < len(lines):
        line = lines[index]
        stripped = line.strip()
        fence = FENCE_RE.match(stripped)
        if fence:
            flush_paragraph()
            end = index + 1
            while end < len(lines) and lines[end].strip() != "```":
                end += 1
            blocks.append(render_code_block("\n".join(lines[index + 1 : end]), fence.group(1)))
            index = end + 1
            continue
        if stripped == MORE_MARKER:
            flush_paragraph()
            excerpt_html = "\n".join(blocks)
            blocks.append(MORE_ANCHOR)
        elif not stripped:
            flush_paragraph()
        elif stripped.startswith("$$") and not paragraph:
            end = index if len(stripped) > 2 and stripped.endswith("$$") else index + 1
            while end < len(lines) - 1 and not lines[end].strip().endswith("$$"):
                end += 1
            math = "\n".join(part.strip() for part in lines[index : end + 1])
            blocks.append(f"<p>{html.escape(math, quote=False)}</p>")
            index = end
        elif heading := HEADING_RE.match(stripped):
            flush_paragraph()
            level, text = len(heading.group(1)), heading.group(2)
            anchor = html.escape(heading_id(text))
            plain_title = html.escape(re.sub(r"[*`]", "", text))
            blocks.append(
                f'<h{level} id="{anchor}"><a href="#{anchor}" class="headerlink" title="{plain_title}"></a>'
                f"{render_inline(text)}</h{level}>"
            )
        elif BULLET_RE.match(stripped) or NUMBERED_RE.match(stripped):
            flush_paragraph()
            item_re, other_re, tag = (
                (BULLET_RE, NUMBERED_RE, "ul")
                if BULLET_RE.match(stripped)
                else (NUMBERED_RE, BULLET_RE, "ol")
            )
            items: list[str] = []
            while index < len(lines) and lines[index].strip() and not other_re.match(lines[index].strip()):
                item = item_re.match(lines[index].strip())
                if item:
                    items.append(item.group(1))
                else:  # a continuation line of the previous item
                    items[-1] += " " + lines[index].strip()
                index += 1
            blocks.append(
                f"<{tag}>" + "".join(f"<li>{render_inline(item)}</li>" for item in items) + f"</{tag}>"
            )
            continue
        elif stripped.startswith(">"):
            flush_paragraph()
            quoted: list[str] = []
            while index < len(lines) and lines[index].strip().startswith(">"):
                quoted.append(lines[index].strip()[1:].strip())
                index += 1
            blocks.append(f"<blockquote><p>{render_inline(chr(10).join(quoted))}</p></blockquote>")
            continue
        else:
            paragraph.append(stripped)
        index += 1
    flush_paragraph()
    return RenderedMarkdown(html="\n".join(blocks), excerpt_html=excerpt_html)
