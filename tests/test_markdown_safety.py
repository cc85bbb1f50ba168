"""The Markdown we write runs nothing once rendered: hostile bodies go through the writer, then through real
Markdown renderers (markdown-it-py in CommonMark mode with raw HTML on, as Hugo/Jekyll-style pipelines allow;
Debian's `marked`, the renderer Hexo uses), and what they render is opened in real headless Chromium.

Text a blog showed escaped (`&lt;script&gt;`) must render as that text, never as markup."""

from __future__ import annotations

import random
import shutil
import subprocess
from pathlib import Path

import lxml.html
import pytest
from markdown_it import MarkdownIt

from archiver.extract.content import html_to_markdown, sanitize_html, text_to_markdown
from archiver.store import Archive
from tests.conftest import run_archiver

MARKED = shutil.which("marked")
BASE = "https://blog.example/posts/p/"
PWN = "window.pwned=1;document.title='PWNED'"

# (name, body HTML as the blog served it): each was raw HTML in the Markdown the old writer made.
HOSTILE_BODIES = [
    ("escaped-img", f'<p>Try this: &lt;img src=x onerror="{PWN}"&gt; in your page.</p>'),
    ("escaped-script", f"<p>&lt;script&gt;{PWN}&lt;/script&gt;</p>"),
    ("escaped-svg", f"<p>&lt;svg onload={PWN}&gt;&lt;/svg&gt;</p>"),
    ("code-in-list", f'<ul><li>step<pre><code>&lt;img src=x onerror="{PWN}"&gt;\n\n&lt;script&gt;{PWN}&lt;/script&gt;'
                     "</code></pre></li></ul>"),
    ("code-in-quote", f'<blockquote><pre>x\n&lt;img src=x onerror="{PWN}"&gt;</pre></blockquote>'),
    ("code-in-list-in-quote", f'<blockquote><ol><li><pre>&lt;img src=x onerror="{PWN}"&gt;</pre></li></ol></blockquote>'),
    ("code-in-table", f'<table><tr><td><pre>a\n&lt;img src=x onerror="{PWN}"&gt;</pre></td></tr></table>'),
    ("code-in-heading", f'<h2>Title <code>x\n&lt;img src=x onerror="{PWN}"&gt;</code></h2>'),
    ("backticks-in-code", f'<p><code>a``&lt;img src=x onerror="{PWN}"&gt;``b</code></p>'),
    ("fence-in-code", f'<pre>```\n&lt;img src=x onerror="{PWN}"&gt;\n````</pre>'),
    ("href-breakout", f'<p><a href="https://x.example/a) <img src=x onerror={PWN}>">link</a></p>'),
    ("alt-breakout", f'<p><img alt="x](https://a.example/) <img src=x onerror={PWN}>" src="https://i.example/p.png"></p>'),
    ("autolink", "<p>&lt;javascript:window.pwned=1&gt; and &lt;vbscript:x&gt;</p>"),
    ("entity-text", "<p>write &amp;lt;b&amp;gt; to get &lt;b&gt;</p>"),
    ("line-start-html-after-br", f'<p>first<br>&lt;img src=x onerror="{PWN}"&gt;</p>'),
    ("html-comment", "<p>&lt;!-- hidden --&gt; &lt;?php echo 1; ?&gt; &lt;![CDATA[x]]&gt;</p>"),
    ("live-markup", f'<p onmouseover="{PWN}">hover</p><img src="x" onerror="{PWN}"><script>{PWN}</script>'
                    f'<a href="javascript:{PWN}">js</a>'),
]
# Tags CommonMark + GFM tables can produce from Markdown syntax alone; anything else came from raw HTML.
MARKDOWN_TAGS = {"p", "h1", "h2", "h3", "h4", "h5", "h6", "a", "img", "code", "pre", "em", "strong", "del", "s",
                 "blockquote", "ul", "ol", "li", "table", "thead", "tbody", "tr", "th", "td", "br", "hr", "div"}


def commonmark(markdown: str) -> str:
    """CommonMark with raw HTML allowed (markdown-it's commonmark preset) plus GFM tables and strikethrough."""
    return MarkdownIt("commonmark").enable(["table", "strikethrough"]).render(markdown)


def marked(markdown: str) -> str:
    """Debian's marked (Hexo's renderer), its defaults: GFM, raw HTML passed through."""
    assert MARKED
    return subprocess.run([MARKED], input=markdown, capture_output=True, text=True, check=True, timeout=60).stdout


def assert_no_raw_html(rendered: str) -> None:
    """Only elements Markdown syntax makes, no event handler, no script URL."""
    root = lxml.html.fragment_fromstring(rendered or "<p></p>", create_parent="div")
    for element in root.iter():
        if not isinstance(element.tag, str):
            raise AssertionError(f"comment or processing instruction in {rendered!r}")
        assert element.tag in MARKDOWN_TAGS, (element.tag, rendered)
        for name, value in element.attrib.items():
            assert not name.lower().startswith("on"), rendered
            if name in ("href", "src"):
                assert not value.strip().lower().startswith(("javascript:", "vbscript:", "data:")), rendered


@pytest.mark.parametrize(("name", "body"), HOSTILE_BODIES, ids=[n for n, _ in HOSTILE_BODIES])
def test_hostile_body_renders_no_raw_html_in_commonmark(name, body):
    markdown = html_to_markdown(sanitize_html(body, BASE))
    assert_no_raw_html(commonmark(markdown))


@pytest.mark.skipif(not MARKED, reason="Debian's node-marked is not installed")
@pytest.mark.parametrize(("name", "body"), HOSTILE_BODIES, ids=[n for n, _ in HOSTILE_BODIES])
def test_hostile_body_renders_no_raw_html_in_marked(name, body):
    markdown = html_to_markdown(sanitize_html(body, BASE))
    assert_no_raw_html(marked(markdown))


def _rendered_text(markdown: str) -> str:
    return " ".join(lxml.html.fragment_fromstring(commonmark(markdown) or "<p></p>", create_parent="div")
                    .text_content().split())


@pytest.mark.parametrize("text", [
    '<img src=x onerror="alert(1)">', "<script>alert(1)</script>", "a < b && c > d", "&lt;b&gt; &amp; &#60; &#x3c;",
    "# not a heading", "1. not a list", "2024) a year", "- not an item", "+ nor this", "> not a quote", "---",
    "=== nor this", "~~~ no fence", "``` no fence", "*not em* _nor this_ **nor strong**", "[not](a link)",
    "![not](an image)", "<https://not.an/autolink>", "back\\slash \\* kept", "pipes | stay | put",
    "    four spaces", "tab\tand  spaces", "<!-- not a comment -->", "C# and F#", "100% & 50 < 60",
])
def test_text_renders_as_exactly_that_text(text):
    expected = " ".join(text.split())
    assert _rendered_text(html_to_markdown(f"<p>{_escape(text)}</p>")) == expected
    assert _rendered_text(text_to_markdown(text)) == expected


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def test_random_punctuation_renders_back_to_itself():
    alphabet = "<>&;#!-+=*_`~[]()\\|:/.'\"  abc12"
    rng = random.Random(13)
    for _ in range(400):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 24)))
        expected = " ".join(text.split())
        if not expected:
            continue
        markdown = html_to_markdown(f"<p>{_escape(text)}</p>")
        assert_no_raw_html(commonmark(markdown))
        assert _rendered_text(markdown) == expected, (text, markdown)


def test_code_keeps_its_text_inside_containers():
    code = 'if (a < b) {\n    return "<script>";\n}\n\n```\nend'
    for wrapper in ("{}", "<ul><li>{}</li></ul>", "<blockquote>{}</blockquote>", "<ol><li><blockquote>{}</blockquote></li></ol>"):
        rendered = commonmark(html_to_markdown(wrapper.format(f"<pre><code>{_escape(code)}</code></pre>")))
        blocks = lxml.html.fragment_fromstring(rendered, create_parent="div").findall(".//pre/code")
        assert [b.text_content().rstrip("\n") for b in blocks] == [code], (wrapper, rendered)


# --- the export, rendered and opened in Chromium ----------------------------------------------------------------

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]
# Markdown an older writer stored: raw HTML. The export must not copy it, but write Markdown anew from the HTML.
OLD_UNSAFE_MARKDOWN = f'Hello <img src=x onerror="{PWN}"> <script>{PWN}</script>'


@pytest.fixture(scope="module")
def exported(tmp_path_factory) -> Path:
    """`archiver export markdown` of an archive holding every hostile body, an old unsafe content_markdown, and
    a post known by its text only."""
    work = tmp_path_factory.mktemp("md-export")
    db = work / "archive.db"
    with Archive(db) as archive:
        crawl_id = archive.start_crawl([BASE], {})
        site_id = archive.upsert_site(url="https://blog.example/", title="Blog", engine=None, theme=None, feeds=[],
                                      sitemaps=[], lang=None)
        posts = []
        for number, (name, body) in enumerate(HOSTILE_BODIES):
            html = sanitize_html(body, BASE)
            posts.append({"url": f"https://blog.example/posts/{name}/", "title": f"{name} <script>{PWN}</script>",
                          "content_html": html, "content_markdown": OLD_UNSAFE_MARKDOWN, "content_text": name,
                          "published": f"2024-01-{number + 1:02d}T00:00:00+00:00"})
        posts.append({"url": "https://blog.example/posts/text-only/", "title": "text only",
                      "content_text": f'Text with <img src=x onerror="{PWN}"> shown as text', "content_html": None,
                      "content_markdown": None, "published": "2024-02-01T00:00:00+00:00"})
        for post in posts:
            post.update(site_id=site_id, url_key=post["url"].split("://", 1)[1].rstrip("/"), page_status=200)
        archive.save_posts(posts, crawl_id)
        archive.finish_crawl(crawl_id, "ok", {})
    result = run_archiver("export", "markdown", "-o", str(work / "md"), "--db", str(db), cwd=work)
    assert result.returncode == 0, result.stderr
    return work / "md"


def _body(document: str) -> str:
    assert document.startswith("---\n")
    return document.split("\n---\n", 1)[1]


def _markdown_files(folder: Path) -> list[Path]:
    files = sorted(folder.rglob("*.md"))
    assert len(files) == len(HOSTILE_BODIES) + 1
    return files


def test_exported_markdown_renders_no_raw_html(exported):
    for path in _markdown_files(exported):
        body = _body(path.read_text("utf-8"))
        assert "Hello <img" not in body  # the stored Markdown of an older writer is not copied
        assert_no_raw_html(commonmark(body))
        if MARKED:
            assert_no_raw_html(marked(body))


def test_text_only_post_is_escaped_text(exported):
    (path,) = [p for p in _markdown_files(exported) if "text-only" in p.name]
    assert _rendered_text(_body(path.read_text("utf-8"))) == f'Text with <img src=x onerror="{PWN}"> shown as text'


pytestmark_browser = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed")


@pytestmark_browser
@pytest.mark.parametrize("renderer", ["commonmark", "marked"])
def test_rendered_export_runs_nothing_in_chromium(exported, tmp_path, renderer):
    if renderer == "marked" and not MARKED:
        pytest.skip("Debian's node-marked is not installed")
    sync_api = pytest.importorskip("playwright.sync_api")
    render = commonmark if renderer == "commonmark" else marked
    pages = []
    for path in _markdown_files(exported):
        page_file = tmp_path / f"{path.stem}.html"
        page_file.write_text("<!DOCTYPE html><html><head><meta charset='utf-8'><title>clean</title></head><body>"
                             + render(_body(path.read_text("utf-8"))) + "</body></html>", "utf-8")
        pages.append(page_file)
    with sync_api.sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path / "profile"), executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        try:
            page = context.new_page()
            page.set_default_timeout(5000)
            dialogs: list[str] = []
            page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
            for page_file in pages:
                page.goto(page_file.as_uri())
                page.wait_for_load_state("load")
                for element in page.locator("body *").all()[:60]:  # move over everything: hover handlers
                    if element.is_visible():
                        element.hover()
                page.wait_for_timeout(100)
                assert page.evaluate("typeof window.pwned") == "undefined", page_file.name
                assert page.title() == "clean", page_file.name
                assert page.locator("script, iframe, object, embed, svg, [onerror], [onload], [onmouseover]").count() == 0
            assert dialogs == []
            # What the blog showed as text is what the reader sees.
            page.goto(next(p for p in pages if "escaped-img" in p.name).as_uri())
            assert f'<img src=x onerror="{PWN}">' in page.inner_text("body")
        finally:
            context.close()
