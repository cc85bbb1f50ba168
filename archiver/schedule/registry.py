"""The sites registry as the commands use it: adding a site (validated), and crawling registered sites, each in
its own `archiver crawl` subprocess (Scrapy's reactor runs once per process; a site's rules and status stay its
own; one site crashing never takes the others down)."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from archiver.schedule.timing import ScheduleError, make_schedule, next_due, parse_schedule, parse_time

WEB_SCHEMES = ("http", "https")


class RegistryError(ValueError):
    """A `sites add` argument that can't be registered, with a message for the user."""


@dataclass
class SiteCrawlResult:
    """How one registered site's crawl subprocess ended."""

    url: str
    label: str
    returncode: int
    output: str


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
    from archiver.extract.overrides import RulesError, load_rules
    from archiver.store import Archive

    site_url = normalize_site_url(url)
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
    with Archive(db) as archive:
        existed = archive.find_registered_site(site_url) is not None
        try:
            archive.register_site(site_url, schedule=schedule.text, name=name and name.strip(), rules=rules_text)
        except ValueError as error:
            raise RegistryError(str(error)) from None
        site = archive.find_registered_site(site_url)
    assert site is not None
    return site, not existed


def crawl_command(url: str, db: Path, rules_file: Path | None, extra_args: Sequence[str] = ()) -> list[str]:
    """The `archiver crawl` command line of one site (this Python, so it runs in the same environment)."""
    command = [sys.executable, "-m", "archiver.cli", "crawl", url, "--db", str(Path(db).resolve())]
    if rules_file is not None:
        command += ["--rules", str(rules_file)]
    return command + list(extra_args)


def run_site_crawl(
    site: dict[str, Any],
    db: Path,
    extra_args: Sequence[str] = (),
    *,
    on_start: Callable[[subprocess.Popen], None] | None = None,
    on_line: Callable[[str], None] | None = None,
    own_session: bool = False,
) -> SiteCrawlResult:
    """Crawl one registered site in an `archiver crawl` subprocess with its stored rules; waits for it.

    `on_start` gets the process once started; `on_line` each line of its output."""
    with tempfile.TemporaryDirectory(prefix="archiver-site-") as tmp:
        rules_file = None
        if site.get("rules"):
            rules_file = Path(tmp) / "rules.toml"
            rules_file.write_text(site["rules"], "utf-8")
        process = subprocess.Popen(
            crawl_command(site["url"], db, rules_file, extra_args),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            # The scheduler's crawls: Ctrl-C reaches the scheduler only, which then stops them once.
            start_new_session=own_session,
            text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        if on_start is not None:
            on_start(process)
        lines = []
        assert process.stdout is not None
        for line in process.stdout:
            lines.append(line)
            if on_line is not None:
                on_line(line.rstrip("\n"))
        returncode = process.wait()
    return SiteCrawlResult(site["url"], site_label(site), returncode, "".join(lines))


def run_site_crawls(
    sites: list[dict[str, Any]], db: Path, extra_args: Sequence[str] = (), *, max_parallel: int = 2,
    on_done: Callable[[SiteCrawlResult], None] | None = None,
) -> list[SiteCrawlResult]:
    """Crawl several registered sites, each in its own subprocess, at most `max_parallel` at once."""

    def crawl_one(site: dict[str, Any]) -> SiteCrawlResult:
        result = run_site_crawl(site, db, extra_args)
        if on_done is not None:
            on_done(result)
        return result

    with ThreadPoolExecutor(max_workers=max(1, max_parallel)) as pool:
        return list(pool.map(crawl_one, sites))


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


def crawl_exit_code(results: list[SiteCrawlResult]) -> int:
    """0 when every site crawled fine, 1 when all failed, 3 (partial) when some did."""
    failed = sum(1 for result in results if result.returncode != 0)
    if not failed:
        return 0
    return 1 if failed == len(results) else 3
