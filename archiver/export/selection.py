"""Which posts an export takes: sites given by URL or id, a published date range, a tag."""

from __future__ import annotations

import re
from datetime import date, timedelta
from urllib.parse import urlsplit

from archiver.store import Archive
from archiver.store.selection import PostSelection

# --since/--until take a year, a month or a day, compared with the post's own calendar date (its offset kept).
_DATE_BOUND = re.compile(r"^(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?$")


class SelectionError(ValueError):
    """A filter the user gave does not make sense for this archive (unknown site, malformed date...)."""


# The archive's own selection value: every read over posts takes one (archiver.store.selection).
Selection = PostSelection


def since_bound(text: str) -> str:
    """The inclusive ISO lower bound of `--since YYYY[-MM[-DD]]`."""
    year, month, day = _date_parts(text)
    return date(year, month or 1, day or 1).isoformat()


def until_bound(text: str) -> str:
    """The exclusive ISO upper bound of `--until YYYY[-MM[-DD]]`: the whole day, month or year is included."""
    year, month, day = _date_parts(text)
    if day:
        end = date(year, month, day) + timedelta(days=1)
    elif month:
        end = date(year + month // 12, month % 12 + 1, 1)
    else:
        end = date(year + 1, 1, 1)
    return end.isoformat()


def _date_parts(text: str) -> tuple[int, int, int]:
    match = _DATE_BOUND.match(text.strip())
    if not match:
        raise SelectionError(f"{text!r} is not a date: use YYYY, YYYY-MM or YYYY-MM-DD")
    year, month, day = (int(part) if part else 0 for part in match.groups())
    try:
        date(year, month or 1, day or 1)
    except ValueError as error:
        raise SelectionError(f"{text!r} is not a date: {error}") from None
    return year, month, day


def resolve_sites(archive: Archive, wanted: tuple[str, ...]) -> tuple[int, ...] | None:
    """Site ids for `--site` values (an id, or the site's URL with or without scheme/trailing slash)."""
    if not wanted:
        return None
    sites = archive.sites()
    by_id = {site["id"]: site for site in sites}
    by_key: dict[str, int] = {}
    for site in sites:
        by_key.setdefault(_site_key(site["url"]), site["id"])
    found: list[int] = []
    for value in wanted:
        value = value.strip()
        site_id = int(value) if value.isdigit() and int(value) in by_id else by_key.get(_site_key(value))
        if site_id is None:
            known = ", ".join(f"{site['id']}={site['url']}" for site in sites[:10]) or "none"
            raise SelectionError(f"no site {value!r} in the archive (sites: {known})")
        found.append(site_id)
    return tuple(dict.fromkeys(found))


def _site_key(url: str) -> str:
    """A site URL without scheme, www., default port, index file or trailing slash, lower-cased host."""
    if "://" not in url:
        url = "http://" + url
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").lower().removeprefix("www.")
    port = f":{parts.port}" if parts.port and parts.port not in (80, 443) else ""
    path = re.sub(r"/(?:index\.html?)?$", "", parts.path)
    return f"{host}{port}{path}"


def make_selection(
    archive: Archive, *, sites: tuple[str, ...] = (), since: str | None = None, until: str | None = None,
    tags: tuple[str, ...] = (),
) -> Selection:
    """A Selection from the command line's filters, checked against the archive."""
    published_from = since_bound(since) if since else None
    published_before = until_bound(until) if until else None
    if published_from and published_before and published_from >= published_before:
        raise SelectionError(f"--since {since} is after --until {until}")
    return Selection(
        site_ids=resolve_sites(archive, sites),
        published_from=published_from,
        published_before=published_before,
        tags=tuple(tag.strip() for tag in tags if tag.strip()),
    )
