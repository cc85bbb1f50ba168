"""Decoding HTML bytes: BOMs, declared charsets, <meta> declarations, and wrong declarations."""

from __future__ import annotations

import pytest

from archiver.extract.encoding import decode_html

TEXTS = {
    "gbk": "这是一个关于编码的测试段落，包含足够多的汉字。今天天气很好，我们去公园散步吧，顺便买点水果。",
    "big5": "這是一個關於編碼的測試段落，包含足夠多的漢字。今天天氣很好，我們去公園散步吧，順便買點水果。",
    "shift_jis": "これは文字コードのテストです。今日はいい天気ですね。公園に散歩に行きましょう、果物も買いましょう。",
    "euc-kr": "이것은 문자 인코딩 시험입니다. 오늘 날씨가 좋네요. 공원에 산책하러 가서 과일도 삽시다.",
    "cp1251": "Это проверка кодировки русского текста. Сегодня хорошая погода, пойдём гулять в парк за фруктами.",
}
# What each encoding is decoded as: the WHATWG superset of the label.
DECODED_AS = {"gbk": "gb18030", "big5": "big5hkscs", "shift_jis": "cp932", "euc-kr": "cp949", "cp1251": "cp1251"}


def _page(text: str, meta: str = "") -> str:
    return f"<html><head>{meta}<title>t</title></head><body><p>{text}</p></body></html>"


@pytest.mark.parametrize("declared", ["right", "missing", "utf-8", "iso-8859-1"])
@pytest.mark.parametrize("encoding", TEXTS)
def test_decodes_text_whatever_the_header_says(encoding: str, declared: str) -> None:
    html = _page(TEXTS[encoding])
    header = {"right": encoding, "missing": None}.get(declared, declared)
    text, _ = decode_html(html.encode(encoding), header)
    assert text == html


@pytest.mark.parametrize("encoding", TEXTS)
def test_reports_the_encoding_used(encoding: str) -> None:
    _, used = decode_html(_page(TEXTS[encoding]).encode(encoding), encoding)
    assert used == DECODED_AS[encoding]


@pytest.mark.parametrize("encoding", TEXTS)
def test_meta_charset_wins_over_a_wrong_header(encoding: str) -> None:
    html = _page(TEXTS[encoding], f'<meta charset="{encoding}">')
    text, used = decode_html(html.encode(encoding), "utf-8")
    assert (text, used) == (html, DECODED_AS[encoding])


def test_http_equiv_declaration_is_read() -> None:
    html = _page(TEXTS["gbk"], '<meta http-equiv="Content-Type" content="text/html; charset=gb2312">')
    assert decode_html(html.encode("gbk"), None) == (html, "gb18030")


def test_header_given_as_full_content_type() -> None:
    html = _page(TEXTS["big5"])
    assert decode_html(html.encode("big5"), "text/html; charset=Big5")[0] == html


def test_utf8_bom_is_removed() -> None:
    html = _page("café 你好")
    assert decode_html(b"\xef\xbb\xbf" + html.encode("utf-8"), "iso-8859-1") == (html, "utf-8")


def test_utf16_bom() -> None:
    html = _page("你好")
    text, used = decode_html(html.encode("utf-16"), None)
    assert text == html and used.startswith("utf")


def test_utf8_page_declared_latin1_is_utf8() -> None:
    html = _page("Un café à Noël, déjà vu. 中文也有。")
    assert decode_html(html.encode("utf-8"), "iso-8859-1") == (html, "utf-8")


def test_real_latin1_page_stays_windows_1252() -> None:
    html = _page("Un café très léger à Noël, où l'été déçoit.")
    assert decode_html(html.encode("cp1252"), "iso-8859-1") == (html, "cp1252")


def test_utf8_page_with_one_broken_character_stays_utf8() -> None:
    # A listing excerpt cut in the middle of a character: one bad sequence in a long UTF-8 page.
    good = _page("这是一段很长的中文摘要，" * 20)
    body = good.encode("utf-8").replace("摘要".encode()[:4], "摘要".encode()[:2] + b"<", 1)
    text, used = decode_html(body, "utf-8")
    assert used == "utf-8" and "这是一段很长的中文" in text


def test_pure_ascii_uses_the_declared_label() -> None:
    html = _page("plain words")
    assert decode_html(html.encode("ascii"), "windows-1252") == (html, "cp1252")


def test_unknown_label_is_ignored() -> None:
    html = _page(TEXTS["gbk"])
    assert decode_html(html.encode("utf-8"), "x-no-such-charset") == (html, "utf-8")


UNLABELLED = [
    # (the page's <html lang>, its text, the encoding it was saved in): no header, no <meta charset>.
    ("en", "Café notes – “naïve” façades cost €5, and the crème brûlée was fine.", "cp1252"),
    ("fr-FR", "Un café très léger à Noël, où l'été déçoit.", "cp1252"),
    ("pl", "Zażółć gęślą jaźń – polskie znaki w krótkim tekście.", "cp1250"),
    ("el", "Αυτή είναι μια δοκιμαστική σελίδα στα ελληνικά.", "cp1253"),
    ("en", "Это страница на русском языке, хотя она говорит, что английская.", "cp1251"),  # lang is wrong
]


@pytest.mark.parametrize(("lang", "text", "encoding"), UNLABELLED, ids=[f"{u[0]}-{u[2]}" for u in UNLABELLED])
def test_unlabelled_single_byte_page_is_read_in_its_locales_encoding(lang: str, text: str, encoding: str) -> None:
    # Single-byte encodings can't be told apart by their bytes: a short French page is valid windows-1257 and
    # windows-1250 too. Browsers use their locale's default; the page's lang says which locale it is written for.
    html = f'<html lang="{lang}"><head><title>{text[:20]}</title></head><body><p>{text}</p></body></html>'
    decoded, _ = decode_html(html.encode(encoding), None)
    assert decoded == html
