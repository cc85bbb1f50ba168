"""parse_html: one tree for every extractor, whatever bytes a page carries."""

from __future__ import annotations

import re

import lxml.html

from archiver.extract.html import parse_html, text_of
from archiver.extract.post import parse_post

# What XML (and so lxml's element API) refuses: C0 controls but tab, newline and return; U+FFFE and U+FFFF.
NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")

POST_WITH_CONTROL_CHARACTERS = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Caulking the deck\x01 | Tidewater Log</title>
<meta property="og:title" content="Caulking\x02 the deck"></head>
<body><article class="post">
<h1 class="post-title">Caulking\x00 the deck</h1>
<time datetime="2023-05-20">May 20, 2023</time>
<div class="post-content">
<p>Oakum goes in first\x0b, driven with a mallet&#1; and a caulking iron\x1b until the seam rings.</p>
<img src="/img/seam.jpg" alt="a seam\x07 before pitch" title="seam&#x1b; detail">
<pre><code>pitch:\x00 2 parts\x1f
tar: 1 part</code></pre>
<p>Then hot pitch over the top, poured slowly from a ladle so that it fills the groove and nothing more.</p>
</div></article></body></html>
"""


def test_control_characters_never_reach_the_tree() -> None:
    doc = parse_html("<p title='a&#1;b\x02'>one\x00two&#0;three&#x1B;four\x1f&#65535;five&#xfffe;</p>", "https://x.test/")
    paragraph = doc.find(".//p")
    assert text_of(paragraph) == "onetwothreefourfive"
    assert paragraph.get("title") == "ab"
    # The tree is usable by code that writes into it (the sanitizer, the Markdown writer): no ValueError.
    paragraph.text = text_of(paragraph)
    paragraph.set("title", paragraph.get("title"))


def test_vertical_tab_and_form_feed_separate_words() -> None:
    assert text_of(parse_html("<p>tide\x0btable\x0cclock</p>", "https://x.test/").find(".//p")) == "tide table clock"


def test_legitimate_references_are_kept() -> None:
    paragraph = parse_html("<p>&#8217;&#10;&#x41;&#123;&#x1F600;&#9;&#13;</p>", "https://x.test/").find(".//p")
    assert text_of(paragraph) == "\u2019 A{\U0001f600"


def test_post_page_with_control_characters_keeps_title_and_body() -> None:
    post = parse_post(POST_WITH_CONTROL_CHARACTERS, "https://tidewater.example.net/2023/05/20/caulking-the-deck/")
    assert post.title == "Caulking the deck"
    assert post.content_text is not None
    assert "driven with a mallet and a caulking iron until the seam rings" in post.content_text
    assert "poured slowly from a ladle" in post.content_text
    for value in (post.title, post.content_text, post.content_html, post.content_markdown):
        assert not NOT_XML.search(value or "")
    body = lxml.html.fragment_fromstring(post.content_html, create_parent="div")
    assert body.find(".//img").get("alt") == "a seam before pitch"


def test_a_stray_end_of_document_in_the_text_loses_nothing_after_it() -> None:
    # A post about HTML whose excerpt writes the tags unescaped: browsers ignore them, libxml2 stopped there.
    entries = "".join(
        f'<li class="entry"><h3><a href="/notes/{slug}/">{title}</a></h3><p>{text}</p></li>'
        for slug, title, text in [
            ("closing-tags", "Closing tags", "Put </body> and </html> last, then <html> starts nothing new."),
            ("doctype", "The doctype line", "It tells the browser which mode to render in."),
            ("meta-charset", "Meta charset", "Declare the encoding within the first kilobyte."),
        ]
    )
    page = f"<!DOCTYPE html><html><head><title>Markup notes</title></head><body><ul>{entries}</ul></body></html>\n"
    doc = parse_html(page, "https://markup.example.org/")
    assert [text_of(a) for a in doc.iter("a")] == ["Closing tags", "The doctype line", "Meta charset"]
    assert doc.find("body") is not None and len(doc.find("body").findall(".//li")) == 3


def test_many_comments_after_the_end_of_the_document_parse_at_once() -> None:
    # An ad network's comments after </html>, then more markup: the check for "only closing tags and comments
    # follow" once backtracked through every pairing of the comments' starts and ends (hours for 30 of them).
    ads = "".join(f"<!--slot {n}: <top>--><!--{n}-->\n" for n in range(30))
    page = f"<html><body><p>Post text.</p></body></html>\n{ads}<div id='ad'>Sponsored</div>"
    doc = parse_html(page, "https://ads.example.org/")
    assert text_of(doc.find("body")).startswith("Post text.")
    assert doc.find(".//div[@id='ad']") is not None


def test_ids_stay_on_the_elements_without_libxml2s_id_table() -> None:
    document = parse_html("<html><body><div id='main'><p id='x'>a</p></div></body></html>", "https://a.example/")
    assert [e.get("id") for e in document.iter("div", "p")] == ["main", "x"]
    assert document.cssselect("#x")[0].text == "a"
