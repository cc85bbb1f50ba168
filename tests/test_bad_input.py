"""Bad input at the command line, as a new user types it: every command answers with a line or two saying what
is wrong, no traceback (unless -v), the exit code of the README's table, and nothing created that the user did
not ask for. Each case runs the real `archiver` command in a subprocess."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from tests.archive_samples import build_sample_archive
from tests.conftest import REPO, rows, run_archiver
from tests.sitegen import build_custom_cards

# The README's table: 0 done, 1 failed (bad input, unusable archive or output, nothing crawled), 2 the command
# line is malformed, 3 partial or interrupted crawl, 4 archived with warnings.
FAILED = 1
MAX_LINES = 3


@pytest.fixture(scope="module")
def places(tmp_path_factory) -> dict[str, Path]:
    """A good archive, a text file, a folder, and paths in places that cannot hold an archive."""
    base = tmp_path_factory.mktemp("bad-input")
    good = base / "good.db"
    build_sample_archive(good)
    text = base / "notes.txt"
    text.write_text("these are my notes, not an archive\n")
    folder = base / "a-folder"
    folder.mkdir()
    return {"base": base, "good": good, "text": text, "folder": folder}


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def assert_one_clear_failure(result: subprocess.CompletedProcess, *, says: str, code: int = FAILED) -> None:
    """At most a few lines, no traceback, the documented exit code, and the line says what is wrong."""
    output = (result.stdout + result.stderr).strip()
    assert result.returncode == code, output
    assert "Traceback" not in output and 'File "' not in output, output
    assert 0 < len([line for line in output.splitlines() if line.strip()]) <= MAX_LINES, output
    assert says in output, output


# --- unopenable archives -------------------------------------------------------------------------------------

# (command line before --db, what the line must say about a text file)
COMMANDS_ON_AN_ARCHIVE = [
    ("summary",),
    ("export", "jsonl", "-o", "{base}/out-{n}.jsonl"),
    ("export", "markdown", "-o", "{base}/out-{n}-md"),
    ("serve", "--port", "{port}"),
    ("status",),
    ("sites", "list"),
    ("sites", "remove", "myblog"),
    ("sites", "add", "https://blog.example/"),
    ("reextract",),
    ("publish", "--dry-run"),
    ("crawl", "--all"),
    ("crawl", "http://127.0.0.1:{port}/"),
]


def _args(template: tuple[str, ...], places: dict[str, Path], n: int) -> list[str]:
    port = _closed_port()
    return [part.format(base=places["base"], n=n, port=port) for part in template]


@pytest.mark.parametrize("command", COMMANDS_ON_AN_ARCHIVE, ids=" ".join)
def test_a_text_file_as_archive_is_one_line_and_exit_1(places, command, tmp_path):
    result = run_archiver(*_args(command, places, 1), "--db", str(places["text"]), cwd=tmp_path)
    assert_one_clear_failure(result, says="not an archive")
    assert places["text"].read_text() == "these are my notes, not an archive\n"


@pytest.mark.parametrize("command", COMMANDS_ON_AN_ARCHIVE, ids=" ".join)
def test_a_folder_as_archive_is_one_line_and_exit_1(places, command, tmp_path):
    result = run_archiver(*_args(command, places, 2), "--db", str(places["folder"]), cwd=tmp_path)
    assert_one_clear_failure(result, says="is a folder")
    assert list(places["folder"].iterdir()) == []


# Commands that make a new archive when there is none: crawl URL and sites add. The others only use one.
CREATING = (("crawl", "http://127.0.0.1:{port}/"), ("sites", "add", "https://blog.example/"))


@pytest.mark.parametrize("command", [c for c in COMMANDS_ON_AN_ARCHIVE if c != ("sites", "list")], ids=" ".join)
def test_an_archive_where_none_can_be_is_one_line_and_exit_1(places, command, tmp_path):
    # /proc refuses new files: SQLite cannot open a database there, and nothing may be created.
    result = run_archiver(*_args(command, places, 3), "--db", "/proc/self/archive.db", cwd=tmp_path)
    assert_one_clear_failure(result, says="unable to open" if command in CREATING else "no archive at")
    assert not Path("/proc/self/archive.db").exists()


READ_ONLY_COMMANDS = [c for c in COMMANDS_ON_AN_ARCHIVE if c not in CREATING]


@pytest.mark.parametrize("command", READ_ONLY_COMMANDS, ids=" ".join)
def test_commands_that_only_read_never_create_the_archive_or_its_folder(places, command, tmp_path):
    typo = tmp_path / "no" / "such" / "folder" / "typo.db"
    result = run_archiver(*_args(command, places, 4), "--db", str(typo), cwd=tmp_path)
    if command == ("sites", "list"):
        assert result.returncode == 0 and "no registered sites" in result.stdout
    else:
        assert_one_clear_failure(result, says=f"no archive at {typo}")
    assert not (tmp_path / "no").exists()
    beside = tmp_path / "typo.db"
    result = run_archiver(*_args(command, places, 5), "--db", str(beside), cwd=tmp_path)
    assert not beside.exists() and not (tmp_path / "typo.db-wal").exists()


def test_a_database_of_another_program_is_named_as_such(places, tmp_path):
    import sqlite3

    other = tmp_path / "other.db"
    connection = sqlite3.connect(other)
    connection.execute("create table invoices (id integer primary key, total real)")
    connection.commit()
    connection.close()
    result = run_archiver("summary", "--db", str(other), cwd=tmp_path)
    assert_one_clear_failure(result, says="blog-archiver did not make")


def _broken_archive(path: Path) -> Path:
    """An archive file whose version row says current but whose tables are gone (a half-restored backup)."""
    import sqlite3

    from archiver.store.schema import META_TABLE, SCHEMA_VERSION, VERSION_KEY

    connection = sqlite3.connect(path)
    connection.execute(f"create table {META_TABLE} (key text primary key, value text)")
    connection.execute(f"insert into {META_TABLE} values (?, ?)", (VERSION_KEY, str(SCHEMA_VERSION)))
    connection.commit()
    connection.close()
    return path


def test_an_unexpected_error_is_one_line_and_its_traceback_shows_with_v(tmp_path):
    broken = _broken_archive(tmp_path / "broken.db")
    quiet = run_archiver("summary", "--db", str(broken), cwd=tmp_path)
    assert_one_clear_failure(quiet, says="no such table")
    assert "-v" in quiet.stderr  # the line says how to see more
    loud = run_archiver("-v", "summary", "--db", str(broken), cwd=tmp_path)
    assert loud.returncode == FAILED and "Traceback" in loud.stderr and "no such table" in loud.stderr


def test_a_malformed_command_line_is_click_usage_error_exit_2(places, tmp_path):
    result = run_archiver("crawl", "--all", "--db", str(places["good"]), "-s", "BROKEN", cwd=tmp_path)
    assert_one_clear_failure(result, says="expected NAME=VALUE", code=2)


# --- URLs -------------------------------------------------------------------------------------------------------


def test_a_url_without_scheme_is_crawled_as_https_and_said(tmp_path):
    port = _closed_port()
    db = tmp_path / "a.db"
    result = run_archiver("crawl", f"127.0.0.1:{port}/blog/", "--db", str(db), cwd=tmp_path)
    output = (result.stdout + result.stderr).strip()
    assert f"crawling https://127.0.0.1:{port}/blog/" in output
    # Nothing answers there: the crawl failed, and says so in one line after the note, with exit code 1.
    assert_one_clear_failure(result, says="crawl failed")
    assert rows(db, "select status from crawls")[-1]["status"] == "failed"


@pytest.mark.parametrize("url", ["ftp://files.example/", "mailto:me@example.com", "http://", "https://exa mple.com/",
                                 "javascript:alert(1)"])
def test_a_url_that_is_no_blog_address_is_refused_before_crawling(tmp_path, url):
    db = tmp_path / "a.db"
    result = run_archiver("crawl", url, "--db", str(db), cwd=tmp_path)
    assert_one_clear_failure(result, says="not a blog address")
    assert not db.exists()


def test_sites_add_takes_the_same_care_with_urls(tmp_path):
    db = tmp_path / "a.db"
    refused = run_archiver("sites", "add", "ftp://files.example/", "--db", str(db), cwd=tmp_path)
    assert_one_clear_failure(refused, says="give an http:// or https:// address", code=2)  # registry: usage error
    assert not db.exists()
    added = run_archiver("sites", "add", "blog.example", "--db", str(db), cwd=tmp_path)
    assert added.returncode == 0, added.stderr
    assert [r["url"] for r in rows(db, "select url from sites")] == ["https://blog.example/"]


# --- unreachable hosts: one line per problem, Scrapy's log kept in a file --------------------------------------


def test_an_unreachable_blog_is_one_line_and_the_log_goes_to_a_file(tmp_path):
    db = tmp_path / "a.db"
    url = f"http://127.0.0.1:{_closed_port()}/"
    result = run_archiver("crawl", url, "--db", str(db), cwd=tmp_path)
    assert_one_clear_failure(result, says="connection refused", code=FAILED)
    assert len((result.stdout + result.stderr).strip().splitlines()) == 1
    logs = list((tmp_path / "logs").glob("crawl-*.log"))
    assert len(logs) == 1 and "Connection was refused" in logs[0].read_text()
    assert str(logs[0]) in result.stderr  # the line says where the details are


def test_with_v_scrapys_log_is_shown(tmp_path):
    url = f"http://127.0.0.1:{_closed_port()}/"
    result = run_archiver("crawl", url, "--db", str(tmp_path / "a.db"), "-v", cwd=tmp_path)
    assert result.returncode == FAILED
    assert "[scrapy" in result.stderr and "Connection was refused" in result.stderr
    assert not (tmp_path / "logs").exists()


def test_crawl_all_says_one_line_per_failing_site(tmp_path, serve):
    site = tmp_path / "site"
    build_custom_cards(site, n_posts=3)
    good_url = serve(site)
    db = tmp_path / "a.db"
    bad_urls = [f"http://127.0.0.1:{_closed_port()}/", f"http://127.0.0.1:{_closed_port()}/other/"]
    for url in [good_url, *bad_urls]:
        assert run_archiver("sites", "add", url, "--db", str(db), cwd=tmp_path).returncode == 0
    result = run_archiver("crawl", "--all", "--db", str(db), "-s", "AUTOTHROTTLE_ENABLED=False", cwd=tmp_path)
    output = (result.stdout + result.stderr).strip()
    assert result.returncode == 3, output  # some sites failed, the others were archived
    assert "Traceback" not in output
    lines = output.splitlines()
    assert len(lines) == 3, output
    for url in bad_urls:
        assert sum(url in line and "connection refused" in line for line in lines) == 1, output
    assert sum(line.startswith(good_url) and "archived" in line for line in lines) == 1, output


# --- exports ------------------------------------------------------------------------------------------------------


def test_export_to_a_place_that_cannot_be_written_is_one_line(places, tmp_path):
    result = run_archiver("export", "jsonl", "-o", "/proc/posts.jsonl", "--db", str(places["good"]), cwd=tmp_path)
    assert_one_clear_failure(result, says="cannot write /proc/posts.jsonl")


def test_export_into_a_file_below_a_file_is_one_line(places, tmp_path):
    result = run_archiver("export", "html", "-o", str(places["text"] / "site"), "--db", str(places["good"]),
                          cwd=tmp_path)
    assert_one_clear_failure(result, says="cannot write")


@pytest.mark.parametrize("force", [False, True])
def test_markdown_export_over_an_existing_file_is_refused_and_keeps_the_file(places, tmp_path, force):
    existing = tmp_path / "notes.md"
    existing.write_text("mine\n")
    result = run_archiver("export", "markdown", "-o", str(existing), "--db", str(places["good"]),
                          *(["--force"] if force else []), cwd=tmp_path)
    assert_one_clear_failure(result, says=str(existing))
    assert existing.read_text() == "mine\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.md"]  # no scratch folder left behind


# --- serve ----------------------------------------------------------------------------------------------------------


def test_serve_on_a_busy_port_fails_with_exit_1_not_the_partial_crawl_code(places, tmp_path):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        env = {**os.environ, "PYTHONPATH": str(REPO)}
        result = subprocess.run(
            [sys.executable, "-m", "archiver.cli", "serve", "--db", str(places["good"]), "--port", str(port)],
            cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60, check=False,
        )
    assert_one_clear_failure(result, says="already in use")


# --- limits the user chose ------------------------------------------------------------------------------------------


def test_a_listing_page_limit_the_user_chose_is_no_error(tmp_path, serve):
    site = tmp_path / "site"
    build_custom_cards(site, n_posts=12, per_page=3)
    db = tmp_path / "a.db"
    result = run_archiver("crawl", serve(site), "--db", str(db), "--max-listing-pages", "2", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "problems" not in result.stdout and "stopped after 2 listing pages" in result.stdout
    assert rows(db, "select count(*) n from crawl_errors")[0]["n"] == 0
    crawl = rows(db, "select status, errors from crawls")[-1]
    assert crawl == {"status": "ok", "errors": 0}
    assert rows(db, "select count(*) n from posts")[0]["n"] == 6
