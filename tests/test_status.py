"""`archiver status`: per registered site the last crawl, its result, posts, errors, warnings and next due
time; exit code 4 when a last crawl failed or had warnings."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from archiver.store import Archive
from tests.conftest import run_archiver


def _finished_crawl(archive: Archive, url: str, status: str, stats: dict, ago: timedelta) -> int:
    crawl_id = archive.start_crawl([url], {})
    archive.finish_crawl(crawl_id, status, stats)
    when = (datetime.now(UTC) - ago).isoformat(timespec="seconds")
    archive.db.execute("UPDATE crawls SET started = ?, finished = ? WHERE id = ?", [when, when, crawl_id])
    return crawl_id


def _archive_with_three_sites(path: Path, *, warnings: bool) -> None:
    with Archive(path) as archive:
        archive.register_site("https://good.example/", schedule="every 6h", name="good")
        archive.register_site("https://broken.example/", schedule="every 1d", name="broken")
        archive.register_site("https://new.example/", schedule="every 6h", name="new")
        site_id = archive.upsert_site(url="https://good.example/", title=None, engine=None, theme=None, feeds=[],
                                      sitemaps=[], lang=None)
        first = _finished_crawl(archive, "https://good.example/", "ok", {}, timedelta(days=2))
        archive.save_posts([{"url": f"https://good.example/p/{n}/", "url_key": f"good.example/p/{n}",
                             "site_id": site_id, "title": f"Post {n}", "content_text": f"Body {n}."}
                            for n in range(5)], first)
        archive.db.execute("UPDATE posts SET removed_at = ? WHERE url_key = 'good.example/p/4'",
                           [datetime.now(UTC).isoformat(timespec="seconds")])
        stats = {"posts_new": 2, "posts_updated": 1}
        if warnings:
            stats["warnings"] = ["listing shows 3 posts, the previous crawl saw 40"]
        _finished_crawl(archive, "https://good.example/", "ok", stats, timedelta(hours=1))
        broken = _finished_crawl(archive, "https://broken.example/", "failed",
                                 {"message": "https://broken.example/: connection refused"}, timedelta(hours=2))
        archive.log_error(broken, "https://broken.example/", "unreachable", "connection refused")


def test_status_shows_each_site_and_fails_on_a_failed_crawl(tmp_path: Path) -> None:
    db = tmp_path / "a.db"
    _archive_with_three_sites(db, warnings=False)
    result = run_archiver("status", "--db", str(db), cwd=tmp_path)
    assert result.returncode == 4, result.stderr
    lines = result.stdout.splitlines()
    good = next(line for line in lines if line.startswith("good "))
    assert "[every 6h]" in good and " ok;" in good
    assert "posts 4 (new 2, updated 1, removed 1)" in good
    assert "warnings 0" in good
    broken = next(line for line in lines if line.startswith("broken "))
    assert " failed;" in broken and "errors 1" in broken
    assert "    failure: https://broken.example/: connection refused" in lines
    assert "    error: unreachable: https://broken.example/ connection refused" in lines
    new = next(line for line in lines if line.startswith("new "))
    assert "never crawled" in new and new.endswith("next due now")


def test_status_warnings_set_the_exit_code_unless_told_not_to(tmp_path: Path) -> None:
    db = tmp_path / "a.db"
    _archive_with_three_sites(db, warnings=True)
    with Archive(db) as archive:  # only the warning is left to report
        archive.remove_site("broken")
    result = run_archiver("status", "--db", str(db), cwd=tmp_path)
    assert result.returncode == 4
    assert "    warning: listing shows 3 posts, the previous crawl saw 40" in result.stdout.splitlines()
    relaxed = run_archiver("status", "--db", str(db), "--no-fail-on-warnings", cwd=tmp_path)
    assert relaxed.returncode == 0


def test_status_next_due_follows_the_schedule(tmp_path: Path) -> None:
    db = tmp_path / "a.db"
    with Archive(db) as archive:
        archive.register_site("https://good.example/", schedule="every 6h", name="good")
        crawl_id = _finished_crawl(archive, "https://good.example/", "ok", {}, timedelta(hours=1))
        finished = archive.db.execute("SELECT finished FROM crawls WHERE id = ?", [crawl_id]).fetchone()[0]
    result = run_archiver("status", "--db", str(db), cwd=tmp_path)
    assert result.returncode == 0
    expected = (datetime.fromisoformat(finished) + timedelta(hours=6)).isoformat(timespec="seconds")
    assert result.stdout.strip().endswith(f"next due {expected}")


def test_status_reads_per_site_warnings_from_crawl_stats(tmp_path: Path) -> None:
    from archiver.schedule.status import crawl_warnings

    stats = json.loads('{"warnings": ["a"], "sites": {"x": {"warnings": [{"message": "b"}, "a"]}}}')
    assert crawl_warnings(stats) == ["a", "b"]
