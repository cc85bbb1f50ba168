"""Engine and theme fingerprints: generator meta, class names, asset paths."""

from __future__ import annotations

import re
from functools import lru_cache

import cssselect
import lxml.etree
import lxml.html
from cssselect.xpath import XPathExpr
from lxml.cssselect import CSSSelector

from archiver.extract.listing_rules import ENGINE_ASSETS, GENERATOR_ENGINES, THEME_RULES, ThemeRule


@lru_cache(maxsize=512)
def css(selector: str) -> CSSSelector:
    """A compiled CSS selector (cached: rules are reused for every page)."""
    return CSSSelector(selector, translator="html")


class _FirstMatchTranslator(cssselect.HTMLTranslator):
    """Translates `A B` so only the first A in document order is searched for a B (libxml2 then stops early)."""

    def xpath_descendant_combinator(self, left: XPathExpr, right: XPathExpr) -> XPathExpr:
        # The first B below the first A precedes every B below a later A (a later A nested in the first one has
        # its Bs inside the first A too), so this finds the true first match whenever it finds one.
        return left.join("[1]/descendant-or-self::*/", right)


_FIRST_MATCH = _FirstMatchTranslator()


@lru_cache(maxsize=512)
def _first_match_xpath(selector: str) -> lxml.etree.XPath:
    alternatives = [_FIRST_MATCH.selector_to_xpath(parsed, prefix="descendant-or-self::")
                    for parsed in cssselect.parse(selector)]
    # `step[1]` on the last step lets libxml2 stop at the first hit instead of walking the whole subtree.
    return lxml.etree.XPath(" | ".join(f"{alt}[1]" for alt in alternatives))


def css_first(selector: str, element: lxml.html.HtmlElement) -> lxml.html.HtmlElement | None:
    """The first element (document order) under `element` matching a CSS selector, or None; cheap on big trees."""
    found = _first_match_xpath(selector)(element)
    if not found:
        if not _has_descendant_combinator(selector):
            return None  # the fast query is exact (a list "A, B" is not a descendant combinator)
        found = css(selector)(element)  # the first A had no B below it: ask the exact question
    return found[0] if found else None


@lru_cache(maxsize=512)
def _has_descendant_combinator(selector: str) -> bool:
    """Whether some alternative of a selector list joins two compounds by a descendant combinator (`A B`)."""
    for parsed in cssselect.parse(selector):
        node = parsed.parsed_tree
        stack = [node]
        while stack:
            node = stack.pop()
            if isinstance(node, cssselect.parser.CombinedSelector):
                if node.combinator == " ":
                    return True
                stack += [node.selector, node.subselector]
            elif hasattr(node, "selector"):  # class, attribute, pseudo-class... wrap the compound they refine
                stack.append(node.selector)
    return False


SimpleSelector = tuple[str | None, frozenset[str], str | None]  # tag (None: any), classes, id


@lru_cache(maxsize=512)
def simple_selectors(selector: str) -> tuple[SimpleSelector, ...] | None:
    """A selector list made only of `tag.class#id` compounds, as data for matches_simple; None for anything else."""
    compounds: list[SimpleSelector] = []
    for parsed in cssselect.parse(selector):
        node = parsed.parsed_tree
        classes: set[str] = set()
        ident = None
        while isinstance(node, (cssselect.parser.Class, cssselect.parser.Hash)):
            if isinstance(node, cssselect.parser.Class):
                classes.add(node.class_name)
            else:
                ident = node.id
            node = node.selector
        if parsed.pseudo_element or not isinstance(node, cssselect.parser.Element) or node.namespace:
            return None
        compounds.append((node.element, frozenset(classes), ident))
    return tuple(compounds)


def matches_simple(element: lxml.html.HtmlElement, compounds: tuple[SimpleSelector, ...]) -> bool:
    """Whether one element matches one of the simple compounds (no tree walk: for per-element tests)."""
    classes = None
    for tag, needed, ident in compounds:
        if tag is not None and element.tag != tag:
            continue
        if ident is not None and element.get("id") != ident:
            continue
        if needed:
            if classes is None:
                classes = set((element.get("class") or "").split())
            if not needed <= classes:
                continue
        return True
    return False


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


_CLASS_VALUES = lxml.etree.XPath("//@class", smart_strings=False)
_ID_VALUES = lxml.etree.XPath("//@id", smart_strings=False)


def page_names(doc: lxml.html.HtmlElement) -> frozenset[str]:
    """Every class name and "#id" used on the page (attribute strings only: no element objects are made)."""
    names = set(" ".join(_CLASS_VALUES(doc)).split())
    names.update("#" + ident for ident in _ID_VALUES(doc))
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
        if css_first(rule.fingerprint, doc) is not None:  # stops at the first hit
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


def detect_engine_and_rule(
    doc: lxml.html.HtmlElement, *, theme_rules: bool = True
) -> tuple[str | None, str | None, ThemeRule | None]:
    """(engine, theme, the matching listing rule) of the page; the rule is None for unknown themes, and always
    None with `theme_rules=False` (the engine still comes from the generator meta and asset paths)."""
    engine = generator_engine(doc)
    rule = match_theme_rule(doc, engine) if theme_rules else None
    assets = ""
    if rule is None and theme_rules:
        assets = asset_urls(doc)
        rule = _asset_theme(assets)
    if engine is None and rule is not None:
        engine = rule.engine
    if engine is None:
        assets = assets or asset_urls(doc)
        engine = next((name for needle, name in ENGINE_ASSETS if needle in assets), None)
    theme = rule.theme if rule is not None and rule.engine == engine else None
    return engine, theme, rule
