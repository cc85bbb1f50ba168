"""Crontab lines and systemd service+timer units for the registered sites, for users who prefer the OS
scheduler to `archiver schedule`. Every line uses absolute paths (the archiver executable, the archive)."""

from __future__ import annotations

import re
import shlex
import shutil
import sys
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from archiver.schedule.registry import site_label
from archiver.schedule.timing import Schedule, format_interval, parse_schedule

# An interval no cron expression can express exactly is polled this often with `crawl --due`.
POLL_MINUTES = 5
CRON_DOW_NAMES = ("Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
CRON_DOW_WORDS = {name.lower(): name for name in CRON_DOW_NAMES}
CRON_PLAIN_FIELD = re.compile(r"^(\*|\*/\d+|\d+(-\d+)?(,\d+(-\d+)?)*)$")


@dataclass(frozen=True, slots=True)
class UnitFile:
    """A systemd unit: its file name and text."""

    name: str
    text: str


def archiver_command() -> list[str]:
    """The absolute command that runs `archiver`: the venv's script beside this Python, else python -m."""
    beside = Path(sys.executable).parent / "archiver"
    if beside.is_file():
        return [str(beside.absolute())]
    found = shutil.which("archiver")
    if found:
        return [str(Path(found).absolute())]
    return [str(Path(sys.executable).absolute()), "-m", "archiver.cli"]


def unit_slug(site: dict[str, Any]) -> str:
    """A file-name-safe name for a site's units and logs."""
    slug = re.sub(r"[^A-Za-z0-9]+", "-", site.get("name") or re.sub(r"^https?://", "", site["url"])).strip("-")
    return slug.lower()[:60] or "site"


def _stable_offset(url: str, modulo: int) -> int:
    """A minute/hour picked from the URL, so many sites don't all start at :00 (and it never changes)."""
    return zlib.crc32(url.encode("utf-8")) % modulo


def interval_cron(seconds: int, url: str) -> str | None:
    """A cron expression firing exactly every `seconds`, or None when cron can't express that interval."""
    minute = _stable_offset(url, 60)
    if seconds % 60 == 0 and seconds < 3600 and 60 % (seconds // 60) == 0:
        step = seconds // 60
        return "* * * * *" if step == 1 else f"{minute % step}-59/{step} * * * *"
    if seconds % 3600 == 0 and seconds < 86400 and 24 % (seconds // 3600) == 0:
        step = seconds // 3600
        return f"{minute} * * * *" if step == 1 else f"{minute} {_stable_offset(url[::-1], step)}-23/{step} * * *"
    if seconds == 86400:
        return f"{minute} {_stable_offset(url[::-1], 24)} * * *"
    if seconds == 7 * 86400:
        return f"{minute} {_stable_offset(url[::-1], 24)} * * {_stable_offset(url, 7)}"
    return None


def _crawl_words(site: dict[str, Any], db: Path, *, due_only: bool) -> list[str]:
    return [*archiver_command(), "crawl", "--due" if due_only else "--all", site["url"], "--db", str(db)]


def render_crontab(sites: list[dict[str, Any]], db: Path, log_dir: Path) -> str:
    """Crontab lines (for `crontab -e`), one per registered site, logging to log_dir/cron-SITE.log."""
    db, log_dir = db.absolute(), log_dir.absolute()
    lines = [
        f"# blog-archiver: crawls of the sites registered in {db}",
        "# Install: crontab -e and paste these lines (crontab - would replace your whole crontab).",
        "# Cron runs with local time; create the log folder first: mkdir -p " + shlex.quote(str(log_dir)),
    ]
    for site in sites:
        schedule = parse_schedule(site["schedule"])
        if schedule is None:
            lines.append(f"# {site_label(site)}: unreadable schedule {site['schedule']!r}, skipped")
            continue
        expression, due_only = _cron_expression(schedule, site["url"])
        log = log_dir / f"cron-{unit_slug(site)}.log"
        command = shlex.join(_crawl_words(site, db, due_only=due_only))
        note = " (polled: crawls when due)" if due_only else ""
        lines.append(f"# {site_label(site)}: {schedule.text}{note}")
        # A bare % ends a crontab command: escape it.
        lines.append(f"{expression} {command} >> {shlex.quote(str(log))} 2>&1".replace("%", r"\%"))
    return "\n".join(lines) + "\n"


def _cron_expression(schedule: Schedule, url: str) -> tuple[str, bool]:
    """(cron expression, whether the command must check dueness itself because cron only approximates)."""
    if schedule.cron is not None:
        return schedule.cron, False
    exact = interval_cron(schedule.every or 0, url)
    if exact is not None:
        return exact, False
    poll = max(1, min(POLL_MINUTES, (schedule.every or 60) // 60))
    return ("* * * * *" if poll == 1 else f"*/{poll} * * * *"), True


def cron_to_calendar(expression: str) -> str | None:
    """systemd OnCalendar= for a crontab expression, or None when it has no exact equivalent."""
    minute, hour, day, month, weekday = expression.split()
    if not all(CRON_PLAIN_FIELD.match(f) for f in (minute, hour, day, month)):
        return None
    if day != "*" and weekday != "*":
        return None  # cron ORs day-of-month with weekday, systemd ANDs them
    weekdays = _calendar_weekdays(weekday)
    if weekdays is None:
        return None
    time_part = f"{_calendar_field(hour, 0)}:{_calendar_field(minute, 0)}:00"
    date_part = f"*-{_calendar_field(month, 1)}-{_calendar_field(day, 1)}"
    return f"{weekdays + ' ' if weekdays else ''}{date_part} {time_part}"


def _calendar_field(field: str, first: int) -> str:
    if field == "*":
        return "*"
    if field.startswith("*/"):
        return f"{first}/{field[2:]}"
    return field.replace("-", "..")


def _calendar_weekdays(field: str) -> str | None:
    if field == "*":
        return ""
    names = []
    for part in field.lower().split(","):
        ends = part.split("-")
        if len(ends) > 2:
            return None
        converted = []
        for end in ends:
            if end.isdigit() and int(end) <= 7:
                converted.append(CRON_DOW_NAMES[int(end)])
            elif end[:3] in CRON_DOW_WORDS:
                converted.append(CRON_DOW_WORDS[end[:3]])
            else:
                return None
        names.append("..".join(converted))
    return ",".join(names)


def _systemd_quote(word: str) -> str:
    escaped = word.replace("%", "%%").replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"' if re.search(r"[\s\"'\\;$]", word) or word == "" else escaped


def render_systemd(sites: list[dict[str, Any]], db: Path, jitter: int = 30) -> list[UnitFile]:
    """A oneshot service and its timer per registered site."""
    db = db.absolute()
    units = []
    for site in sites:
        schedule = parse_schedule(site["schedule"])
        if schedule is None:
            continue
        slug = f"blog-archiver-{unit_slug(site)}"
        calendar = cron_to_calendar(schedule.cron) if schedule.cron else None
        due_only = schedule.cron is not None and calendar is None
        command = " ".join(_systemd_quote(word) for word in _crawl_words(site, db, due_only=due_only))
        label = site_label(site).replace("%", "%%")
        units.append(UnitFile(f"{slug}.service", f"""[Unit]
Description=blog-archiver: crawl {label}
Wants=network-online.target
After=network-online.target

[Service]
Type=oneshot
WorkingDirectory={_systemd_quote(str(db.parent))}
ExecStart={command}
"""))
        if schedule.cron is None:
            when = f"OnBootSec=5min\nOnUnitActiveSec={format_interval(schedule.every or 0)}"
        elif calendar is not None:
            when = f"OnCalendar={calendar}\nPersistent=true"
        else:  # no exact OnCalendar for this cron expression: poll, the command crawls only when due
            when = f"OnCalendar=*:0/{POLL_MINUTES}"
        units.append(UnitFile(f"{slug}.timer", f"""[Unit]
Description=blog-archiver: when to crawl {label} ({schedule.text})

[Timer]
{when}
RandomizedDelaySec={jitter}s

[Install]
WantedBy=timers.target
"""))
    return units


def render_systemd_text(sites: list[dict[str, Any]], db: Path, jitter: int = 30) -> str:
    """The units as one text: each after a `# --- NAME ---` line, with install instructions."""
    units = render_systemd(sites, db, jitter)
    timers = " ".join(unit.name for unit in units if unit.name.endswith(".timer"))
    parts = [
        "# blog-archiver systemd units: save each block below as /etc/systemd/system/NAME (system-wide, add User=)"
        " or ~/.config/systemd/user/NAME (then use systemctl --user), then:",
        f"#   systemctl daemon-reload && systemctl enable --now {timers}",
    ]
    for unit in units:
        parts.append(f"# --- {unit.name} ---\n{unit.text}")
    return "\n".join(parts)
