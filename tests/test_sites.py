"""The sites registry: `archiver sites add/list/remove`, validation, due computation, `crawl --all/--due`."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from archiver.schedule.registry import due_sites
from archiver.schedule.timing import ScheduleError, make_schedule, parse_interval
from archiver.store import Archive
from tests.conftest import rows, run_archiver
from tests.sitegen import build_custom_cards, build_wordpress

NOW = datetime(2024, 5, 1, 12, 0, 0, tzinfo=UTC)


# -- the commands -------------------------------------------------------------------------------------------


def test_sites_add_list_remove(tmp_path: Path) -> None:
    db = str(tmp_path / "a.db")
    rules = tmp_path / "rules.toml"
    rules.write_text('[listing]\nentry = "tr.row"\ntitle = "td.t"\nlink = "a.go"\n', "utf-8")

    added = run_archiver("sites", "add", "https://Blog.Example/", "--every", "6h", "--name", "ex", "--db", db,
                         cwd=tmp_path)
    assert added.returncode == 0, added.stderr
    assert "registered ex (https://blog.example/): every 6h" in added.stdout
    run_archiver("sites", "add", "https://other.example/notes/", "--cron", "0 */6 * * *", "--rules", str(rules),
                 "--db", db, cwd=tmp_path)

    listed = run_archiver("sites", "list", "--db", db, cwd=tmp_path).stdout.splitlines()
    assert listed == [
        "ex\thttps://blog.example/\tevery 6h",
        "-\thttps://other.example/notes/\tcron 0 */6 * * *  rules",
    ]
    assert rows(Path(db), "SELECT rules FROM sites WHERE url = 'https://other.example/notes/'")[0][
        "rules"
    ] == rules.read_text("utf-8")

    changed = run_archiver("sites", "add", "https://blog.example/", "--every", "2h30m", "--db", db, cwd=tmp_path)
    assert "updated ex" in changed.stdout and "every 2h30m" in changed.stdout

    removed = run_archiver("sites", "remove", "ex", "--db", db, cwd=tmp_path)
    assert removed.returncode == 0 and "unregistered https://blog.example/" in removed.stdout
    assert run_archiver("sites", "list", "--db", db, cwd=tmp_path).stdout.splitlines() == [
        "-\thttps://other.example/notes/\tcron 0 */6 * * *  rules"
    ]
    missing = run_archiver("sites", "remove", "ex", "--db", db, cwd=tmp_path)
    assert missing.returncode == 1 and "no registered site 'ex'" in missing.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--every", "6x"), "'6x' is not an interval"),
        (("--every", "10s"), "shorter than the minimum of 1m"),
        (("--cron", "61 * * * *"), "cron expression '61 * * * *' is invalid"),
        (("--cron", "0 6 * *"), "has 4 fields; it needs 5"),
        (("--every", "6h", "--cron", "0 * * * *"), "give --every or --cron, not both"),
    ],
)
def test_sites_add_refuses_bad_schedules(tmp_path: Path, args: tuple[str, ...], message: str) -> None:
    result = run_archiver("sites", "add", "https://blog.example/", *args, "--db", str(tmp_path / "a.db"),
                          cwd=tmp_path)
    assert result.returncode == 2 and message in result.stderr


def test_sites_add_refuses_bad_urls_names_and_rules(tmp_path: Path) -> None:
    db = str(tmp_path / "a.db")
    not_web = run_archiver("sites", "add", "ftp://blog.example/", "--db", db, cwd=tmp_path)
    assert not_web.returncode == 2 and "give an http:// or https:// address" in not_web.stderr

    run_archiver("sites", "add", "https://one.example/", "--name", "mine", "--db", db, cwd=tmp_path)
    clash = run_archiver("sites", "add", "https://two.example/", "--name", "mine", "--db", db, cwd=tmp_path)
    assert clash.returncode == 2 and "already taken by https://one.example/" in clash.stderr

    rules = tmp_path / "bad.toml"
    rules.write_text("[listing]\ntitle = 'h2'\n", "utf-8")
    bad_rules = run_archiver("sites", "add", "https://two.example/", "--rules", str(rules), "--db", db, cwd=tmp_path)
    assert bad_rules.returncode == 2 and "needs an 'entry' selector" in bad_rules.stderr


def test_interval_and_cron_parsing() -> None:
    assert [parse_interval(t) for t in ("30m", "6h", "1d", "2h30m")] == [1800, 21600, 86400, 9000]
    assert make_schedule(None, None).text == "every 1d"
    assert make_schedule("90m", None).text == "every 1h30m"
    assert make_schedule(None, " 0  */6 * * * ").text == "cron 0 */6 * * *"
    with pytest.raises(ScheduleError):
        parse_interval("")


# -- the store: removal keeps posts, due sites at a fixed time ------------------------------------------------


def _crawl(archive: Archive, url: str, started: str, finished: str | None, status: str = "ok") -> int:
    crawl_id = archive.start_crawl([url], {})
    archive.db.execute(
        "UPDATE crawls SET started = ?, finished = ?, status = ? WHERE id = ?", [started, finished, status, crawl_id]
    )
    return crawl_id


def test_remove_site_unschedules_but_keeps_its_posts(tmp_path: Path) -> None:
    with Archive(tmp_path / "a.db") as archive:
        archive.register_site("https://blog.example/", schedule="every 6h", name="ex")
        crawl_id = archive.start_crawl(["https://blog.example/"], {})
        site_id = archive.upsert_site(url="https://blog.example/", title="Ex", engine=None, theme=None, feeds=[],
                                      sitemaps=[], lang=None)
        archive.save_posts([{"url": "https://blog.example/p/1/", "url_key": "blog.example/p/1", "site_id": site_id,
                             "title": "One", "content_text": "Body."}], crawl_id)
        assert archive.list_sites()[0]["posts"] == 1
        assert archive.remove_site("https://blog.example/")["name"] == "ex"
        assert archive.list_sites() == []
        assert archive.remove_site("ex") is None
        kept = archive.db.execute("SELECT count(*) FROM posts WHERE site_id = ?", [site_id]).fetchone()[0]
    assert kept == 1


def test_posts_of_a_site_registered_below_its_root_are_counted(tmp_path: Path) -> None:
    with Archive(tmp_path / "a.db") as archive:
        archive.register_site("https://blog.example/blog/", schedule="every 6h")
        crawl_id = archive.start_crawl(["https://blog.example/blog/"], {})
        root_id = archive.upsert_site(url="https://blog.example/", title=None, engine=None, theme=None, feeds=[],
                                      sitemaps=[], lang=None)
        archive.save_posts([{"url": "https://blog.example/p/1/", "url_key": "blog.example/p/1", "site_id": root_id,
                             "title": "One"}], crawl_id)
        assert archive.list_sites()[0]["posts"] == 1


def test_due_sites_at_a_fixed_time(tmp_path: Path) -> None:
    with Archive(tmp_path / "a.db") as archive:
        for name, schedule in (
            ("never", "every 6h"),
            ("fresh", "every 6h"),
            ("stale", "every 6h"),
            ("failed-stale", "every 1h"),
            ("running", "every 1h"),
            ("cron-fired", "cron 30 * * * *"),
            ("cron-waiting", "cron 30 * * * *"),
        ):
            archive.register_site(f"https://{name}.example/", schedule=schedule, name=name)
        _crawl(archive, "https://fresh.example/", "2024-05-01T08:00:00+00:00", "2024-05-01T08:30:00+00:00")
        _crawl(archive, "https://stale.example/", "2024-05-01T05:00:00+00:00", "2024-05-01T06:00:00+00:00")
        _crawl(archive, "https://failed-stale.example/", "2024-05-01T10:00:00+00:00", "2024-05-01T10:01:00+00:00",
               status="failed")
        _crawl(archive, "https://running.example/", "2024-05-01T11:30:00+00:00", None, status="running")
        _crawl(archive, "https://cron-fired.example/", "2024-05-01T11:20:00+00:00", "2024-05-01T11:29:00+00:00")
        _crawl(archive, "https://cron-waiting.example/", "2024-05-01T11:25:00+00:00", "2024-05-01T11:31:00+00:00")
        # an older crawl of "fresh" must not count: the latest one does
        _crawl(archive, "https://fresh.example/", "2024-04-01T08:00:00+00:00", "2024-04-01T08:30:00+00:00")
        archive.db.execute("UPDATE crawls SET id = 0 WHERE started = '2024-04-01T08:00:00+00:00'")
        due = due_sites(archive, NOW)

    assert [site["name"] for site in due] == ["never", "stale", "failed-stale", "cron-fired"]
    by_name = {site["name"]: site for site in due}
    assert by_name["never"]["next_due"] == NOW
    assert by_name["stale"]["next_due"] == datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
    assert by_name["failed-stale"]["next_due"] == datetime(2024, 5, 1, 11, 1, tzinfo=UTC)
    assert by_name["cron-fired"]["next_due"] == datetime(2024, 5, 1, 11, 30, tzinfo=UTC)


# -- crawl --all / --due ------------------------------------------------------------------------------------


def test_crawl_due_crawls_registered_sites_with_their_rules(tmp_path: Path, serve) -> None:
    wordpress = build_wordpress(tmp_path / "wp", n_posts=6, per_page=3)
    build_custom_cards(tmp_path / "cards", n_posts=3, per_page=4)
    table = tmp_path / "table"
    table.mkdir()
    (table / "index.html").write_text(
        "<html><body><table>" + "".join(
            f'<tr class="row"><td class="t">Entry {n}</td><td><a class="go" href="/e/{n}.html">open</a></td></tr>'
            for n in (2, 1)
        ) + "</table></body></html>", "utf-8")
    (table / "e").mkdir()
    for n in (2, 1):
        (table / "e" / f"{n}.html").write_text(f"<html><body><p>Body {n}.</p></body></html>", "utf-8")
    rules = tmp_path / "rules.toml"
    rules.write_text('[listing]\nentry = "tr.row"\ntitle = "td.t"\nlink = "a.go"\n', "utf-8")
    db = tmp_path / "a.db"
    wp_url, table_url = serve(tmp_path / "wp"), serve(table)
    run_archiver("sites", "add", wp_url, "--every", "6h", "--name", "wp", "--db", str(db), cwd=tmp_path)
    run_archiver("sites", "add", table_url, "--every", "6h", "--rules", str(rules), "--db", str(db), cwd=tmp_path)
    run_archiver("sites", "add", serve(tmp_path / "cards"), "--every", "6h", "--name", "cards", "--db", str(db),
                 cwd=tmp_path)
    first = run_archiver("crawl", "--all", "cards", "--db", str(db), cwd=tmp_path)
    assert first.returncode == 0, first.stdout + first.stderr

    due = run_archiver("crawl", "--due", "--db", str(db), cwd=tmp_path)
    assert due.returncode == 0, due.stdout + due.stderr
    crawled = [r["start_urls"] for r in rows(db, "SELECT start_urls FROM crawls ORDER BY id")]
    assert len(crawled) == 3 and sorted(crawled[1:]) == sorted([f'["{wp_url}"]', f'["{table_url}"]'])
    titles = {r["title"] for r in rows(db, "SELECT title FROM posts")}
    assert {p.title for p in wordpress} | {"Entry 1", "Entry 2"} <= titles

    again = run_archiver("crawl", "--due", "--db", str(db), cwd=tmp_path)
    assert again.returncode == 0 and "no registered site is due" in again.stdout
