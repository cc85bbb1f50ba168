"""Engine and theme fingerprints: generator meta, class names, asset paths."""

from __future__ import annotations

import re
from functools import lru_cache

import lxml.html
from lxml.cssselect import CSSSelector

from archiver.extract.listing_rules import ENGINE_ASSETS, GENERATOR_ENGINES, THEME_RULES, ThemeRule


@lru_cache(maxsize=512)
def css(selector: str) -> CSSSelector:
    """A compiled CSS selector (cached: rules are reused for every page)."""
    return CSSSelector(selector, translator="html")


def generator_engine(doc: lxml.html.HtmlElement) -> str | None:
    """Engine named by <meta name=generator>, e.g. "hexo"."""
    for meta in doc.iterfind(".//meta[@name]"):
        if (meta.get("name") or "").lower() != "generator":
            continue
        content = (meta.get("content") or "").lower()
        for needle, engine in GENERATOR_ENGINES:
            if needle in content:
                return engine
    return None


def asset_urls(doc: lxml.html.HtmlElement) -> str:
    """All script/stylesheet URLs of the page, lowercased, in one string for substring tests."""
    urls = [el.get("src") or "" for el in doc.iterfind(".//script[@src]")]
    urls += [el.get("href") or "" for el in doc.iterfind(".//link[@href]")]
    return "\n".join(urls).lower()


_CLASS_NAME = re.compile(r"\.([\w-]+)")
_ID_NAME = re.compile(r"#([\w-]+)")


@lru_cache(maxsize=512)
def _required_names(selector: str) -> tuple[frozenset[str], ...]:
    """Class and id names each comma-separated alternative of a selector needs (a cheap pre-filter)."""
    return tuple(
        frozenset(_CLASS_NAME.findall(alt)) | frozenset("#" + n for n in _ID_NAME.findall(alt))
        for alt in selector.split(",")
    )


def page_names(doc: lxml.html.HtmlElement) -> frozenset[str]:
    """Every class name and "#id" used on the page, collected in one pass."""
    names: set[str] = set()
    for el in doc.iter():
        if not isinstance(el.tag, str):
            continue
        classes = el.get("class")
        if classes:
            names.update(classes.split())
        ident = el.get("id")
        if ident:
            names.add("#" + ident)
    return frozenset(names)


def match_theme_rule(doc: lxml.html.HtmlElement, engine: str | None = None,
                     names: frozenset[str] | None = None) -> ThemeRule | None:
    """The first theme rule whose fingerprint selector matches the page (engine-consistent when known)."""
    names = page_names(doc) if names is None else names
    for rule in THEME_RULES:
        if engine and rule.engine != engine:
            continue
        if not any(required <= names for required in _required_names(rule.fingerprint)):
            continue  # some class or id the fingerprint needs is absent: skip the XPath
        if css(rule.fingerprint)(doc):
            return rule
    if engine:  # a generator meta can be wrong or generic (themes that rename it): try every rule
        return match_theme_rule(doc, None, names)
    return None


def _asset_theme(assets: str) -> ThemeRule | None:
    for rule in THEME_RULES:
        if any(needle in assets for needle in rule.assets):
            return rule
    return None


def detect_engine(doc: lxml.html.HtmlElement) -> tuple[str | None, str | None]:
    """(engine, theme) of the page, e.g. ("hexo", "next"); None where unknown."""
    engine, theme, _ = detect_engine_and_rule(doc)
    return engine, theme


def detect_engine_and_rule(doc: lxml.html.HtmlElement) -> tuple[str | None, str | None, ThemeRule | None]:
    """(engine, theme, the matching listing rule) of the page; the rule is None for unknown themes."""
    engine = generator_engine(doc)
    rule = match_theme_rule(doc, engine)
    assets = ""
    if rule is None:
        assets = asset_urls(doc)
        rule = _asset_theme(assets)
    if engine is None and rule is not None:
        engine = rule.engine
    if engine is None:
        assets = assets or asset_urls(doc)
        engine = next((name for needle, name in ENGINE_ASSETS if needle in assets), None)
    theme = rule.theme if rule is not None and rule.engine == engine else None
    return engine, theme, rule
