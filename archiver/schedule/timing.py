"""Crawl schedules as stored with a site ("every 6h" or "cron 0 */6 * * *"): parsing, validation, due times."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

# Below this a scheduled blog crawl is hammering, not archiving; tests lower it through the environment.
MIN_INTERVAL_SECONDS = 60
MIN_INTERVAL_ENV = "ARCHIVER_MIN_INTERVAL_SECONDS"
DEFAULT_EVERY = "1d"
UNIT_SECONDS: dict[str, int] = {"d": 86400, "h": 3600, "m": 60, "s": 1}
INTERVAL_RE = re.compile(r"(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?")


class ScheduleError(ValueError):
    """A --every or --cron value that can't be used, with a message for the user."""


@dataclass(frozen=True, slots=True)
class Schedule:
    """When a site is crawled: every `seconds`, or at the fire times of a crontab expression."""

    every: int | None = None
    cron: str | None = None

    @property
    def text(self) -> str:
        """The stored form: "every 6h" or "cron 0 */6 * * *"."""
        if self.cron is not None:
            return f"cron {self.cron}"
        return f"every {format_interval(self.every or 0)}"

    def trigger(self, jitter: int | None = None):
        """The APScheduler trigger firing at this schedule's times (local time for cron, like crontab)."""
        from apscheduler.triggers.cron import CronTrigger
        from apscheduler.triggers.interval import IntervalTrigger

        if self.cron is not None:
            minute, hour, day, month, day_of_week = self.cron.split()
            return CronTrigger(
                minute=minute, hour=hour, day=day, month=month, day_of_week=day_of_week,
                timezone=_local_zone(), jitter=jitter or None,
            )
        return IntervalTrigger(seconds=self.every or 0, jitter=jitter or None, timezone=UTC)


def _local_zone():
    from tzlocal import get_localzone

    return get_localzone()


def min_interval_seconds() -> int:
    """The shortest --every accepted: 60 s, or less when ARCHIVER_MIN_INTERVAL_SECONDS says so (tests)."""
    value = os.environ.get(MIN_INTERVAL_ENV, "")
    return int(value) if value.isdigit() else MIN_INTERVAL_SECONDS


def parse_interval(text: str, minimum: int | None = None) -> int:
    """Seconds in an interval such as 30m, 6h, 1d, 2h30m or 45s, at least `minimum` (default: the minimum
    crawl interval); raises ScheduleError."""
    cleaned = text.strip().lower().replace(" ", "")
    match = INTERVAL_RE.fullmatch(cleaned)
    if not cleaned or not match or not any(match.groups()):
        raise ScheduleError(f"{text!r} is not an interval: use a number with d, h, m or s, like 30m, 6h, 1d, 2h30m")
    seconds = sum(int(value) * UNIT_SECONDS[unit] for value, unit in zip(match.groups(), "dhms", strict=True) if value)
    minimum = min_interval_seconds() if minimum is None else minimum
    if seconds < minimum:
        raise ScheduleError(f"interval {text!r} is shorter than the minimum of {format_interval(minimum)}")
    return seconds


def format_interval(seconds: int) -> str:
    """Seconds as the shortest interval text: 21600 -> 6h, 9000 -> 2h30m."""
    if seconds <= 0:
        return "0s"
    parts = []
    for unit, size in UNIT_SECONDS.items():
        count, seconds = divmod(seconds, size)
        if count:
            parts.append(f"{count}{unit}")
    return "".join(parts)


def validate_cron(expression: str) -> str:
    """The crontab expression with whitespace normalised; raises ScheduleError when APScheduler rejects it."""
    from apscheduler.triggers.cron import CronTrigger

    fields = expression.split()
    if len(fields) != 5:
        raise ScheduleError(
            f"cron expression {expression!r} has {len(fields)} fields; it needs 5: minute hour day month weekday"
        )
    normalized = " ".join(fields)
    try:
        CronTrigger.from_crontab(normalized, timezone=UTC)
    except ValueError as error:
        raise ScheduleError(f"cron expression {expression!r} is invalid: {error}") from None
    return normalized


def make_schedule(every: str | None, cron: str | None) -> Schedule:
    """The schedule of `sites add` options: --every or --cron (not both); every 1d when neither is given."""
    if every and cron:
        raise ScheduleError("give --every or --cron, not both")
    if cron:
        return Schedule(cron=validate_cron(cron))
    return Schedule(every=parse_interval(every or DEFAULT_EVERY))


def parse_schedule(text: str | None) -> Schedule | None:
    """A stored schedule ("every 6h", "cron 0 */6 * * *") back as a Schedule; None when absent or unreadable."""
    if not text:
        return None
    kind, _, value = text.strip().partition(" ")
    try:
        if kind == "every":
            seconds = sum(
                int(v) * UNIT_SECONDS[u] for v, u in zip(INTERVAL_RE.fullmatch(value).groups(), "dhms", strict=True) if v
            )
            return Schedule(every=seconds) if seconds > 0 else None
        if kind == "cron":
            return Schedule(cron=validate_cron(value))
    except (AttributeError, ScheduleError):
        return None
    return None


def parse_time(value: str | None) -> datetime | None:
    """An ISO timestamp from the archive as an aware datetime (UTC when it has no offset)."""
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def next_due(schedule: Schedule, last_crawl: datetime | None, now: datetime) -> datetime:
    """When the site is next due: `now` or earlier when it is due already; never crawled means due now.

    An interval is due once the last crawl ended that long ago; a cron schedule once one of its fire times has
    passed since the last crawl."""
    if last_crawl is None:
        return now
    if schedule.cron is not None:
        trigger = schedule.trigger()
        fire = trigger.get_next_fire_time(None, last_crawl + timedelta(microseconds=1))
        return fire if fire is not None else now + timedelta(days=3650)
    return last_crawl + timedelta(seconds=schedule.every or 0)


def is_due(schedule: Schedule, last_crawl: datetime | None, now: datetime) -> bool:
    """True when the site's time has come (see next_due)."""
    return next_due(schedule, last_crawl, now) <= now
