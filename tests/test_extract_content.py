"""The body pipeline: sanitizing (one test per hostile construct), code blocks, math, Markdown, body finding."""

from __future__ import annotations

import pytest

from archiver.extract.boilerplate import is_date_line, is_furniture_hint, prune_boilerplate
from archiver.extract.content import body_text, clean_body, find_body, html_to_markdown, sanitize_html
from archiver.extract.html import parse_html

BASE = "https://blog.example/posts/kites/"

HOSTILE = [
    pytest.param("<p>hi</p><script>alert(1)</script>", "script", id="script"),
    pytest.param("<p>hi</p><style>p{display:none}</style>", "display:none", id="style-element"),
    pytest.param('<img src="a.png" onerror="alert(1)">', "onerror", id="onerror"),
    pytest.param('<p onclick="steal()">hi</p>', "onclick", id="onclick"),
    pytest.param('<a href="javascript:alert(1)">x</a>', "javascript:", id="javascript-link"),
    pytest.param('<a href="JaVaScRiPt:alert(1)">x</a>', "javascript:", id="javascript-mixed-case"),
    pytest.param('<a href=" javascript:alert(1)">x</a>', "javascript:", id="javascript-leading-space"),
    pytest.param('<iframe src="https://evil.example/"></iframe>', "iframe", id="iframe"),
    pytest.param('<form action="/x"><input name="p"><button>go</button></form>', "<form", id="form"),
    pytest.param('<form action="/x"><input name="p"></form>', "<input", id="input"),
    pytest.param('<object data="x.swf"></object>', "object", id="object"),
    pytest.param('<p style="position:fixed;top:0">hi</p>', "style=", id="style-attribute"),
    pytest.param('<img src="data:image/png;base64,AAAA">', "data:", id="data-url"),
    pytest.param('<svg onload="alert(1)"><circle r="1"/></svg>', "svg", id="svg"),
    pytest.param('<div class="evil" id="x">hi</div>', "class=", id="class-outside-code"),
    pytest.param('<meta http-equiv="refresh" content="0;url=https://evil.example/">', "refresh", id="meta-refresh"),
    pytest.param('<base href="https://evil.example/">', "<base", id="base"),
]


@pytest.mark.parametrize(("html", "forbidden"), HOSTILE)
def test_sanitizer_removes_hostile_construct(html: str, forbidden: str) -> None:
    assert forbidden.lower() not in sanitize_html(html, BASE).lower()


def test_sanitizer_keeps_formatting_and_makes_urls_absolute() -> None:
    cleaned = sanitize_html(
        '<h2>Tails</h2><p><em>Long</em> <strong>tails</strong> <a href="../other/">steady</a> kites.</p>'
        '<img src="img/kite.png" alt="kite"><blockquote>quote</blockquote><table><tr><td>1</td></tr></table>',
        BASE,
    )
    assert "<h2>Tails</h2>" in cleaned
    assert "<em>Long</em>" in cleaned and "<strong>tails</strong>" in cleaned
    assert 'href="https://blog.example/posts/other/"' in cleaned
    assert 'src="https://blog.example/posts/kites/img/kite.png"' in cleaned
    assert "<blockquote>quote</blockquote>" in cleaned and "<td>1</td>" in cleaned


def test_sanitizer_keeps_only_language_class_on_code() -> None:
    cleaned = sanitize_html('<pre class="chroma"><code class="language-go hl">x := 1</code></pre>', BASE)
    assert cleaned == '<pre><code class="language-go">x := 1</code></pre>'


def _cleaned(html: str) -> tuple[str, str]:
    document = parse_html(f"<html><body><article>{html}</article></body></html>", BASE)
    body = document.find(".//article")
    clean_body(body)
    return body_text(body), sanitize_html("".join(__import__("lxml.html").html.tostring(c, encoding="unicode") for c in body), BASE)


def test_gutter_table_becomes_plain_code_without_line_numbers() -> None:
    text, html = _cleaned(
        '<figure class="highlight js"><table><tr><td class="gutter"><pre><span class="line">1</span><br>'
        '<span class="line">2</span><br></pre></td><td class="code"><pre><span class="line">let a = 1;</span><br>'
        '<span class="line">let b = 2;</span><br></pre></td></tr></table></figure>'
    )
    assert html == '<pre><code class="language-js">let a = 1;\nlet b = 2;</code></pre>'
    assert "let a = 1;\nlet b = 2;" in text and "1\n2" not in text


def test_unclassed_line_number_cell_is_recognised_as_gutter() -> None:
    text, _html = _cleaned(
        "<table><tr><td><pre>1\n2\n3</pre></td><td><pre>x = 1\ny = 2\nz = 3</pre></td></tr></table>"
    )
    assert text == "x = 1\ny = 2\nz = 3"


def test_mathjax_script_source_is_kept_as_tex() -> None:
    text, _html = _cleaned(
        '<p>Energy <script type="math/tex">E = mc^2</script> holds.</p>'
        '<script type="math/tex; mode=display">\\sum_i x_i</script>'
    )
    assert "Energy $E = mc^2$ holds." in text and "$$\\sum_i x_i$$" in text


def test_katex_rendering_is_replaced_by_its_tex_source() -> None:
    text, _html = _cleaned(
        '<p>Area <span class="katex"><span class="katex-mathml"><math><semantics><mrow><mi>r</mi></mrow>'
        '<annotation encoding="application/x-tex">\\pi r^2</annotation></semantics></math></span>'
        '<span class="katex-html" aria-hidden="true"><span class="mord">πr2</span></span></span> here.</p>'
    )
    assert text == "Area $\\pi r^2$ here."


def test_lazy_image_gets_its_real_source() -> None:
    _text, html = _cleaned('<img src="/img/loading.gif" data-src="/img/photo.jpg" alt="photo">')
    assert 'src="https://blog.example/img/photo.jpg"' in html


def test_theme_furniture_is_removed_from_body() -> None:
    text, _html = _cleaned(
        '<p>The only real paragraph of this post.</p><div class="post-copyright">License text</div>'
        '<div class="social-share">Share</div><div id="comments">A comment</div><div class="reward">Tip</div>'
    )
    assert text == "The only real paragraph of this post."


def test_markdown_fences_code_and_keeps_structure() -> None:
    markdown = html_to_markdown(
        '<h2>Steps</h2><ol><li>Fold</li><li>Tie</li></ol><pre><code class="language-sh">ls -l\n</code></pre>'
        '<p>See <a href="https://k.example/">the <em>guide</em></a>.</p><blockquote><p>Fly high</p></blockquote>'
        "<table><tr><th>a</th><th>b</th></tr><tr><td>1</td><td>2</td></tr></table>"
    )
    assert markdown == (
        "## Steps\n\n1. Fold\n2. Tie\n\n```sh\nls -l\n```\n\nSee [the *guide*](https://k.example/).\n\n"
        "> Fly high\n\n| a | b |\n| --- | --- |\n| 1 | 2 |"
    )


def test_markdown_escapes_literal_asterisks() -> None:
    assert html_to_markdown("<p>2 * 3 * 4</p>") == "2 \\* 3 \\* 4"


def test_body_text_breaks_blocks_into_lines() -> None:
    document = parse_html("<html><body><div><h2>Head</h2><p>One\n  two</p><ul><li>a</li><li>b</li></ul></div></body></html>", BASE)
    assert body_text(document.find(".//div")) == "Head\nOne two\na\nb"


def test_theme_rule_beats_longer_sidebar() -> None:
    document = parse_html(
        '<html><body><div class="sidebar">' + "<p>Links, links, links and more links here.</p>" * 20 + "</div>"
        '<div class="post-body"><p>Short but real post body text.</p></div></body></html>',
        BASE,
    )
    body, rule = find_body(document)
    assert rule == "theme:hexo-next" and body.get("class") == "post-body"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Saturday, December 19, 2009", True),
        ("Posted on 2020-01-02", True),
        ("发布于 2020年1月2日", True),
        ("本文最后更新于 2021年3月4日", True),
        ("《新作》剧场版确认延期到2026年8月28日。没想到宣传铺垫了这么多，结果还能直接延期半年。", False),
        ("The launch moved to March 3, 2026 after the rocket failed its last test.", False),
    ],
)
def test_date_line_counts_words_in_any_script(text: str, expected: bool) -> None:
    assert is_date_line(text) is expected


def _pruned_text(inner: str, url: str) -> str:
    document = parse_html(f"<html><body><div id='b'>{inner}</div></body></html>", url)
    body = document.get_element_by_id("b")
    prune_boilerplate(body, url)
    return body_text(body)


def test_a_line_giving_the_posts_own_address_is_not_the_post() -> None:
    url = "https://blog.example/2020/05/kites/"
    prose = "<p>Kites fly best in a steady wind, and a long tail keeps them from spinning around.</p>"
    text = _pruned_text(prose + f'<p>Permalink: <a href="{url}">{url}</a></p>', url)
    assert "Permalink" not in text and "steady wind" in text


def test_links_to_places_on_the_page_and_to_other_pages_stay() -> None:
    url = "https://blog.example/2020/05/kites/"
    prose = "<p>Kites fly best in a steady wind, and a long tail keeps them from spinning around.</p>"
    footnote = f'<p>Source: <a href="{url}#fn1">{url}#fn1</a></p>'
    other = '<p>Source: <a href="https://wind.example/2019/gusts/">https://wind.example/2019/gusts/</a></p>'
    text = _pruned_text(prose + footnote + other, url)
    assert "#fn1" in text and "wind.example" in text


@pytest.mark.parametrize(
    ("classes", "expected"),
    [
        ("post-copyright", True),
        ("entry-meta", True),
        ("main-navigation", True),
        ("entry-content", False),
        ("entry-content share-on", False),
        ("content-sidebar-wrap", False),
        ("article-widget article-tweet", False),
        ("widget widget_text", True),
    ],
)
def test_a_name_is_furniture_by_its_last_word(classes: str, expected: bool) -> None:
    element = parse_html(f'<html><body><div class="{classes}">x</div></body></html>', BASE).find(".//div")
    assert is_furniture_hint(element) is expected


def test_a_block_inside_the_body_is_named_by_its_last_telling_word() -> None:
    element = parse_html('<html><body><div class="post-copyright-info">x</div></body></html>', BASE).find(".//div")
    assert is_furniture_hint(element, past_generic=True)
    wrapper = parse_html('<html><body><div class="content-sidebar-wrap">x</div></body></html>', BASE).find(".//div")
    assert not is_furniture_hint(wrapper)  # a layout wrapper, judged without looking past "wrap"
