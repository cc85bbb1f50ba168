"""`archiver status`: per blog of the archive (registered ones first, then those crawled once and never
registered), the last crawl and its result, post counts, errors, warnings and the next due time; a rich table
on a terminal, plain text otherwise."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from archiver.schedule.registry import site_label
from archiver.schedule.timing import next_due, parse_schedule, parse_time

EXIT_ATTENTION = 4  # the last crawl of some site failed or had warnings
FAILED_STATUSES = ("failed", "partial", "interrupted")


@dataclass
class SiteStatus:
    """What `archiver status` says about one blog."""

    label: str
    url: str
    schedule: str  # "" for a blog that is not registered
    last_crawl: str | None  # when it ended (or started, while running)
    result: str  # ok / partial / failed / running / never
    message: str = ""
    posts: int = 0
    posts_new: int = 0
    posts_updated: int = 0
    posts_removed: int = 0
    errors: int = 0
    error_samples: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    next_due: str = ""
    delay: str = "auto"  # the pause between requests it was crawled with: AutoThrottle's, or what robots.txt asks
    politeness: list[str] = field(default_factory=list)  # a capped Crawl-delay, what robots.txt disallowed

    @property
    def registered(self) -> bool:
        """The blog is in the registry (crawled on a schedule)."""
        return bool(self.schedule)

    @property
    def failed(self) -> bool:
        """The last crawl failed, wholly or partly."""
        return self.result in FAILED_STATUSES


def _warning_text(warning: Any) -> str:
    if isinstance(warning, dict):
        return str(warning.get("message") or json.dumps(warning, ensure_ascii=False))
    return str(warning)


def crawl_warnings(stats: dict[str, Any]) -> list[str]:
    """Monitoring warnings a crawl stored in its stats: under "warnings", overall or per start page."""
    found = [_warning_text(w) for w in stats.get("warnings") or []]
    for site_stats in (stats.get("sites") or {}).values():
        if isinstance(site_stats, dict):
            found += [_warning_text(w) for w in site_stats.get("warnings") or []]
    return list(dict.fromkeys(found))


def _politeness(stats: dict[str, Any], url: str) -> tuple[str, list[str]]:
    """The delay a site was crawled with and the politeness remarks, from its entry in the crawl's stats."""
    entry = next((s for s in (stats.get("sites") or {}).values() if isinstance(s, dict) and s.get("start_url") == url),
                 None)
    politeness = (entry or {}).get("politeness") or {}
    delay = politeness.get("delay") or 0
    text = f"{delay:g} s ({politeness.get('directive')})" if delay else "auto"
    return text, [str(note) for note in politeness.get("notes") or []]


def site_status(site: dict[str, Any], now: datetime) -> SiteStatus:
    """One blog (as Archive.list_sites or unregistered_sites give it) as a status line."""
    crawl = site.get("last_crawl")
    schedule = parse_schedule(site["schedule"])
    label = site_label(site) if site.get("schedule") else (site.get("title") or site["url"])
    status = SiteStatus(label=label, url=site["url"], schedule=site["schedule"] or "", last_crawl=None,
                        result="never", posts=site.get("posts") or 0)
    last = None
    if crawl:
        status.last_crawl = crawl["finished"] or crawl["started"]
        last = parse_time(status.last_crawl)
        stats = crawl.get("stats") or {}
        status.result = crawl["status"]
        status.message = crawl.get("message") or ""
        status.posts_new = crawl.get("posts_new") or 0
        status.posts_updated = crawl.get("posts_updated") or 0
        removed = stats.get("posts_removed")
        status.posts_removed = int(removed) if isinstance(removed, int) else site.get("posts_removed_last_crawl", 0)
        status.errors = crawl.get("errors") or 0
        status.error_samples = [
            f"{e['kind']}{' ' + str(e['status']) if e['status'] else ''}: {e['url'] or ''} {e['message'] or ''}".strip()
            for e in crawl.get("error_samples") or []
        ]
        status.warnings = crawl_warnings(stats)
        status.delay, status.politeness = _politeness(stats, site["url"])
    if schedule is not None:
        due = next_due(schedule, last, now)
        status.next_due = "now" if due <= now else due.isoformat(timespec="seconds")
    return status


def collect_status(db: Path, now: datetime | None = None) -> list[SiteStatus]:
    """The status of every blog of the archive at `db`: the registered ones, then the others."""
    from archiver.store import Archive
    from archiver.store.crawled_sites import unregistered_sites

    now = now or datetime.now(UTC)
    with Archive(db) as archive:
        return [site_status(site, now) for site in [*archive.list_sites(), *unregistered_sites(archive)]]


def status_exit_code(statuses: list[SiteStatus], *, fail_on_warnings: bool = True) -> int:
    """4 when the last crawl of some site failed (or had warnings, unless told not to mind), else 0."""
    attention = any(s.failed or (fail_on_warnings and s.warnings) for s in statuses)
    return EXIT_ATTENTION if attention else 0


def _short_time(value: str | None) -> str:
    return (value or "")[:19].replace("T", " ")


NO_BLOGS = "no blogs in this archive: crawl one with `archiver crawl URL`, or register one with `archiver sites add URL`"


def render_plain(statuses: list[SiteStatus]) -> str:
    """Plain text: one line per blog, then indented lines for its errors and warnings."""
    if not statuses:
        return NO_BLOGS
    lines = []
    for s in statuses:
        last = f"last crawl {_short_time(s.last_crawl)} {s.result}" if s.last_crawl else "never crawled"
        due = f"; next due {s.next_due}" if s.registered else ""
        lines.append(
            f"{s.label}  [{s.schedule or 'not registered'}]  {last}; posts {s.posts} (new {s.posts_new}, "
            f"updated {s.posts_updated}, removed {s.posts_removed}); errors {s.errors}; warnings {len(s.warnings)}; "
            f"delay {s.delay}{due}"
        )
        if s.failed and s.message:
            lines.append(f"    failure: {s.message}")
        lines += [f"    error: {sample}" for sample in s.error_samples]
        lines += [f"    warning: {warning}" for warning in s.warnings]
        lines += [f"    politeness: {note}" for note in s.politeness]
    return "\n".join(lines)


def render_rich(statuses: list[SiteStatus]) -> None:
    """A rich table on the terminal, with errors and warnings under it."""
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    console = Console()
    if not statuses:
        console.print(render_plain(statuses))
        return
    table = Table(title="blogs")
    for column in ("site", "schedule", "last crawl", "result", "posts", "new", "updated", "removed", "errors",
                   "warnings", "delay", "next due"):
        table.add_column(column, justify="right" if column in ("posts", "new", "updated", "removed", "errors",
                                                                 "warnings") else "left")
    colours = {"ok": "green", "partial": "yellow", "failed": "red", "running": "cyan", "interrupted": "yellow"}
    for s in statuses:
        result = f"[{colours.get(s.result, 'dim')}]{s.result}[/]"
        table.add_row(escape(s.label), s.schedule or "not registered", _short_time(s.last_crawl) or "-", result,
                      str(s.posts),
                      str(s.posts_new), str(s.posts_updated), str(s.posts_removed), str(s.errors),
                      f"[yellow]{len(s.warnings)}[/]" if s.warnings else "0", escape(s.delay), _short_time(s.next_due))
    console.print(table)
    for s in statuses:
        if s.failed and s.message:
            console.print(f"[red]{escape(s.label)}[/] failure: {escape(s.message)}", highlight=False)
        for sample in s.error_samples:
            console.print(f"{s.label} error: {sample}", markup=False, highlight=False)
        for warning in s.warnings:
            console.print(f"[yellow]{escape(s.label)}[/] warning: {escape(warning)}", highlight=False)
        for note in s.politeness:
            console.print(f"{escape(s.label)} politeness: {escape(note)}", highlight=False)
