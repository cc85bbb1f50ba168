"""The `archiver` command: parse, call, report."""

from __future__ import annotations

import contextlib
import subprocess
import sys
import tempfile
from pathlib import Path

import click

from archiver.settings import ARCHIVER_DB

DB_OPTION = click.option(
    "--db",
    "db",
    type=click.Path(dir_okay=False, path_type=Path),
    default=ARCHIVER_DB,
    show_default=True,
    help="SQLite archive to write.",
)


def _setting_pairs(pairs: tuple[str, ...]) -> dict[str, str]:
    settings = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep:
            raise click.BadParameter(f"expected NAME=VALUE, got {pair!r}", param_hint="-s")
        settings[name.strip()] = value
    return settings


@click.group()
@click.version_option(package_name="blog-archiver")
def main() -> None:
    """Crawl blogs of any engine, archive every post into SQLite, publish with Datasette."""


@main.command()
@click.argument("urls", nargs=-1, required=True)
@DB_OPTION
@click.option("--no-post-pages", is_flag=True, help="Archive what listings show; don't fetch each post's page.")
@click.option("--max-listing-pages", type=int, help="Stop a blog's pagination after this many pages.")
@click.option(
    "--rules",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="TOML file of CSS/XPath selectors for a blog the automatic extraction gets wrong.",
)
@click.option("--progress/--no-progress", default=None, help="Live status line (default: on a terminal only).")
@click.option("-s", "--set", "settings", multiple=True, metavar="NAME=VALUE", help="Any Scrapy/ARCHIVER_* setting.")
@click.option("-v", "--verbose", is_flag=True, help="Show Scrapy's log.")
def crawl(urls, db, no_post_pages, max_listing_pages, rules, progress, settings, verbose) -> None:
    """Crawl each blog from URL (its home or any listing page) into the archive."""
    from archiver.extract.overrides import RulesError, load_rules
    from archiver.runner import run_crawl

    site_rules = None
    if rules:
        try:
            site_rules = load_rules(rules.read_text("utf-8"))
        except RulesError as error:
            raise click.BadParameter(str(error), param_hint="--rules") from error
    overrides: dict[str, object] = {"LOG_LEVEL": "INFO" if verbose else "WARNING"}
    if no_post_pages:
        overrides["ARCHIVER_FETCH_POSTS"] = False
    if max_listing_pages:
        overrides["ARCHIVER_MAX_LISTING_PAGES"] = max_listing_pages
    if progress is not None:
        overrides["ARCHIVER_PROGRESS"] = "on" if progress else "off"
    overrides.update(_setting_pairs(settings))
    outcome = run_crawl(list(urls), db, overrides, rules=site_rules)
    _report(outcome, db)
    sys.exit(outcome.exit_code)


def _report(outcome, db: Path) -> None:
    if outcome.status == "failed":
        click.echo(f"crawl failed: {outcome.message}", err=True)
        return
    errors = f"; {outcome.errors} problems logged (table crawl_errors)" if outcome.errors else ""
    prefix = "crawl partly failed" if outcome.status == "partial" else "archived"
    click.echo(
        f"{prefix}: {outcome.posts_new} new and {outcome.posts_updated} updated posts in {db}{errors} "
        f"[{outcome.message}]",
        err=outcome.status != "ok",
    )


@main.command()
@DB_OPTION
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8001, show_default=True, type=int)
def serve(db, host, port) -> None:
    """Open the archive in Datasette."""
    _serve(db, host, port)


def _serve(db: Path, host: str, port: int) -> None:
    from archiver.publish.datasette import datasette_command

    if not db.exists():
        raise click.ClickException(f"no archive at {db}: run `archiver crawl URL --db {db}` first")
    click.echo(f"Datasette on http://{host}:{port}/ (Ctrl-C to stop)")
    with contextlib.suppress(KeyboardInterrupt):
        subprocess.run(datasette_command(db, host, port), check=False)


@main.command()
@DB_OPTION
def summary(db) -> None:
    """Print what the archive holds."""
    click.echo(_summary_text(db))


def _summary_text(db: Path) -> str:
    from archiver.store import Archive

    if not db.exists():
        raise click.ClickException(f"no archive at {db}")
    archive = Archive.open_readonly(db)
    try:
        info = archive.summary()
    finally:
        archive.close()
    lines = [
        f"{info.get('sites', 0)} sites, {info.get('posts', 0)} posts, published "
        f"{info.get('earliest_published') or '?'} to {info.get('latest_published') or '?'}"
    ]
    for site in info.get("per_site", []):
        lines.append(f"  {site.get('url')}: {site.get('posts')} posts ({site.get('title') or 'untitled'})")
    return "\n".join(lines)


@main.command()
@DB_OPTION
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8001, show_default=True, type=int, help="Datasette's port.")
@click.option("--no-serve", is_flag=True, help="Crawl and summarise, but don't start Datasette.")
def demo(db, host, port, no_serve) -> None:
    """Serve the bundled example blog on 127.0.0.1, crawl it, summarise, and open it in Datasette."""
    from archiver.demo import start_demo_site
    from archiver.runner import run_crawl

    with tempfile.TemporaryDirectory(prefix="archiver-demo-") as tmp:
        server, info = start_demo_site(Path(tmp))
        click.echo(f"example blog ({info.post_count} posts) served at {server.url}/")
        try:
            outcome = run_crawl([server.url + "/"], db, {"LOG_LEVEL": "WARNING"})
        finally:
            server.stop()
    _report(outcome, db)
    if outcome.exit_code:
        sys.exit(outcome.exit_code)
    click.echo(_summary_text(db))
    if not no_serve:
        _serve(db, host, port)


if __name__ == "__main__":
    main()
