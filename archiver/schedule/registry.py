"""The sites registry as the commands use it: adding sites (validated), which are due, and the crawl of each
registered site (its URL, stored rules and name) for one `archiver crawl` of many blogs in one process."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from archiver.crawl.state import BlogSpec
from archiver.schedule.timing import ScheduleError, make_schedule, next_due, parse_schedule, parse_time

WEB_SCHEMES = ("http", "https")


class RegistryError(ValueError):
    """A `sites add` argument that can't be registered, with a message for the user."""


def site_label(site: dict[str, Any]) -> str:
    """How a site is named to people: its registry name, else its URL."""
    return site.get("name") or site["url"]


def normalize_site_url(url: str) -> str:
    """The URL a site is registered under: canonical form of an http(s) URL; raises RegistryError."""
    from archiver.extract.urls import canonical_url

    parts = urlsplit(url.strip())
    if parts.scheme.lower() not in WEB_SCHEMES or not parts.netloc:
        raise RegistryError(f"{url!r} is not a blog URL: give an http:// or https:// address")
    return canonical_url(url)


def add_site(
    db: Path, url: str, *, every: str | None, cron: str | None, name: str | None, rules_path: Path | None
) -> tuple[dict[str, Any], bool]:
    """Validate and register a site; returns (the registered site, whether it was new)."""
    (site, created), = add_sites(db, [url], every=every, cron=cron, name=name, rules_path=rules_path)
    return site, created


def add_sites(
    db: Path, urls: Sequence[str], *, every: str | None, cron: str | None, name: str | None = None,
    rules_path: Path | None = None,
) -> list[tuple[dict[str, Any], bool]]:
    """Validate every URL and the options first, then register them all in one archive session; returns
    (each registered site, whether it was new). A name can only be given to one URL."""
    from archiver.extract.overrides import RulesError, load_rules
    from archiver.store import Archive

    site_urls = list(dict.fromkeys(normalize_site_url(url) for url in urls))
    if name is not None and len(site_urls) > 1:
        raise RegistryError("--name names one site: give it with a single URL")
    try:
        schedule = make_schedule(every, cron)
    except ScheduleError as error:
        raise RegistryError(str(error)) from None
    rules_text = None
    if rules_path is not None:
        rules_text = rules_path.read_text("utf-8")
        try:
            load_rules(rules_text)
        except RulesError as error:
            raise RegistryError(f"{rules_path}: {error}") from None
    if name is not None and (not name.strip() or "://" in name):
        raise RegistryError(f"{name!r} can't be a site name: use a short word like 'myblog'")
    added = []
    with Archive(db) as archive:
        for site_url in site_urls:
            existed = archive.find_registered_site(site_url) is not None
            try:
                archive.register_site(site_url, schedule=schedule.text, name=name and name.strip(), rules=rules_text)
            except ValueError as error:
                raise RegistryError(str(error)) from None
            site = archive.find_registered_site(site_url)
            assert site is not None
            added.append((site, not existed))
    return added


def blog_specs(sites: Sequence[dict[str, Any]]) -> list[BlogSpec]:
    """The crawl of each registered site: its URL, its stored rules, its name."""
    from archiver.extract.overrides import load_rules

    return [BlogSpec(site["url"], load_rules(site["rules"]) if site.get("rules") else None, site_label(site))
            for site in sites]


def select_sites(db: Path, *, due_only: bool, selectors: Sequence[str] = ()) -> list[dict[str, Any]]:
    """Registered sites to crawl: all of them or only those due now, limited to `selectors` (URLs or names)
    when given; raises RegistryError for a selector no registered site answers to."""
    from archiver.store import Archive

    with Archive(db) as archive:
        chosen = due_sites(archive) if due_only else archive.list_sites()
        if selectors:
            wanted = []
            for selector in selectors:
                site = archive.find_registered_site(selector)
                if site is None:
                    raise RegistryError(f"no registered site {selector!r} (see `archiver sites list`)")
                wanted.append(site["id"])
            chosen = [site for site in chosen if site["id"] in wanted]
    return chosen


def due_sites(archive: Any, now: datetime | None = None) -> list[dict[str, Any]]:
    """Registered sites whose time has come at `now` (default: the current time), each with `next_due`:
    never crawled; an interval elapsed since the last crawl ended; or a cron fire time since it began."""
    now = now or datetime.now(UTC)
    due = []
    for site in archive.list_sites():
        schedule = parse_schedule(site["schedule"])
        if schedule is None:
            continue
        crawl = site["last_crawl"]
        last = parse_time(crawl["finished"] or crawl["started"]) if crawl else None
        site["next_due"] = next_due(schedule, last, now)
        if site["next_due"] <= now:
            due.append(site)
    return due


def crawl_exit_code(exit_codes: Sequence[int]) -> int:
    """0 when every site crawled fine, 1 when all failed, 3 (partial) when some did."""
    failed = sum(1 for code in exit_codes if code != 0)
    if not failed:
        return 0
    return 1 if failed == len(exit_codes) else 3
