"""The `archiver` command: parse, call, report."""

from __future__ import annotations

import contextlib
import errno
import gc
import os
import socket
import subprocess
import sys
import tempfile
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit

import click

from archiver.settings import ARCHIVER_DB
from archiver.wording import plural

# Exit codes of every command (the README's table): 0 done, 1 failed (bad input, an archive or output that
# cannot be used, no blog crawled), 2 the command line itself is wrong (click's usage errors), 3 a crawl partly
# failed or was interrupted, 4 archived with monitoring warnings.
EXIT_FAILED = 1
VERBOSE_KEY = "archiver.verbose"

DB_OPTION = click.option(
    "--db",
    "db",
    # A folder is refused by open_archive with one line (click would print a usage error with exit code 2).
    type=click.Path(path_type=Path),
    default=ARCHIVER_DB,
    show_default=True,
    help="SQLite archive to write.",
)
# The example blog of `archiver demo` always has this address (as `python -m archiver.demo`), so each run
# re-crawls the same blog instead of adding a copy.
DEMO_BLOG_PORT = 4000
# Commands that only read the archive say so.
DB_READ_OPTION = click.option(
    "--db",
    "db",
    type=click.Path(path_type=Path),  # as DB_OPTION: a folder is refused with one line, not a usage error
    default=ARCHIVER_DB,
    show_default=True,
    help="SQLite archive to read.",
)


def _setting_pairs(pairs: tuple[str, ...]) -> dict[str, str]:
    settings = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep:
            raise click.BadParameter(f"expected NAME=VALUE, got {pair!r}", param_hint="-s")
        settings[name.strip()] = value
    return settings


def _remember_verbose(ctx: click.Context, _param: click.Parameter, value: bool) -> bool:
    if value:
        ctx.meta[VERBOSE_KEY] = True  # meta is shared by every context of the command line
    return value


VERBOSE_OPTION = click.option("-v", "--verbose", is_flag=True, callback=_remember_verbose, expose_value=False,
                              help="Show tracebacks of unexpected errors.")


class ArchiverGroup(click.Group):
    """The `archiver` group: an error no command expected becomes one line and exit code 1, the traceback
    only with -v (bad input must never greet a user with a stack of library frames)."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except Exception as error:
            if ctx.meta.get(VERBOSE_KEY):
                raise
            click.echo(f"Error: {_one_line(error)} (`archiver -v {ctx.invoked_subcommand or ''} ...` shows the "
                       "traceback)", err=True)
            ctx.exit(EXIT_FAILED)


def _one_line(error: BaseException) -> str:
    if isinstance(error, OSError) and error.strerror:
        where = f": {error.filename}" if error.filename else ""
        return f"{error.strerror}{where}"
    text = " ".join(str(error).split())
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


def _archive(db: Path, *, create: bool = False, readonly: bool = False):
    """The archive at `db` (read-only, or read-write; created only with `create`), or one line and exit 1."""
    from archiver.store import ArchiveUnavailableError, open_archive

    try:
        return open_archive(db, create=create, readonly=readonly)
    except ArchiveUnavailableError as error:
        raise click.ClickException(str(error)) from None


def _check_archive(db: Path, *, create: bool = False, readonly: bool = True) -> None:
    """Fail with one line now, before any work, when `db` cannot be opened as an archive."""
    _archive(db, create=create, readonly=readonly).close()


@click.group(cls=ArchiverGroup)
@click.version_option(package_name="blog-archiver")
@VERBOSE_OPTION
def main() -> None:
    """Crawl blogs of any engine, archive every post into SQLite, publish with Datasette."""


@main.command()
@click.argument("urls", nargs=-1)
@DB_OPTION
@click.option("--all", "all_sites", is_flag=True, help="Crawl every registered site (see `archiver sites`).")
@click.option("--due", "due_sites", is_flag=True, help="Crawl the registered sites whose time has come.")
@click.option("--max-parallel", type=click.IntRange(1),
              help="Blogs crawled at once (default: ARCHIVER_BLOGS_IN_FLIGHT, 100); politeness stays per host.")
@click.option("--no-post-pages", is_flag=True, help="Archive what listings show; don't fetch each post's page.")
@click.option("--full", is_flag=True, help="Re-crawl everything: no conditional requests, no early stop.")
@click.option("--max-listing-pages", type=int, help="Stop a blog's pagination after this many pages.")
@click.option("--no-warc", is_flag=True, help="Don't write raw captures (WARC files under warc/ beside the archive).")
@click.option("--no-images", is_flag=True, help="Don't fetch the images posts show (they stay placeholders).")
@click.option(
    "--rules",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="TOML file of CSS/XPath selectors for a blog the automatic extraction gets wrong.",
)
@click.option("--progress/--no-progress", default=None, help="Live status line (default: on a terminal only).")
@click.option("--log-file", type=click.Path(dir_okay=False, path_type=Path),
              help="Write Scrapy's log (INFO and up) to this file (default: WARNING and up to logs/crawl-DATE.log "
                   "beside the archive).")
@click.option("-s", "--set", "settings", multiple=True, metavar="NAME=VALUE", help="Any Scrapy/ARCHIVER_* setting.")
@click.option("-v", "--verbose", is_flag=True, callback=_remember_verbose,
              help="Show Scrapy's log (else it goes to logs/crawl-DATE.log beside the archive).")
@click.option("--distributed", metavar="REDIS_URL",
              help="Crawl on `archiver worker` processes sharing redis://HOST:PORT/N; this process writes the db.")
def crawl(urls, db, all_sites, due_sites, max_parallel, no_post_pages, full, max_listing_pages, no_warc, no_images,
          rules, progress, log_file, settings, verbose, distributed) -> None:
    """Crawl each blog from URL (its home or any listing page) into the archive, all in this process.

    With --all or --due, crawl registered sites instead (URLS, if given, picks some of them by URL or name),
    each with its stored rules."""
    registered = all_sites or due_sites
    if registered and rules:
        raise click.BadParameter("registered sites use the rules stored with them", param_hint="--rules")
    if registered and distributed:
        raise click.BadParameter("crawl registered sites in one process, or give their URLs", param_hint="--distributed")
    if not urls and not registered:
        raise click.UsageError("give the blog's URL, or --all / --due for the registered sites")
    user_settings = _setting_pairs(settings)  # a malformed -s fails here, before any work
    if not registered:
        urls = _blog_urls(urls)
    with _no_garbage_collection():  # the archive's modules, Scrapy, Twisted and the spider are imported here
        _check_archive(db, create=not registered, readonly=False)
        from archiver.extract.overrides import RulesError, load_rules
        from archiver.runner import run_crawl

    site_rules = None
    if rules:
        try:
            site_rules = load_rules(rules.read_text("utf-8"))
        except RulesError as error:
            raise click.BadParameter(str(error), param_hint="--rules") from error
    overrides: dict[str, object] = {"LOG_LEVEL": "INFO" if verbose else "WARNING"}
    if log_file is not None:
        overrides.update(LOG_FILE=str(log_file), LOG_LEVEL="INFO")
    elif not verbose and "LOG_FILE" not in user_settings:
        log_file = _crawl_log_file(db)
        if log_file is not None:
            overrides["LOG_FILE"] = str(log_file)
        else:
            overrides["LOG_LEVEL"] = "CRITICAL"  # nowhere to keep Scrapy's log: the summary line must stand alone
    if no_post_pages:
        overrides["ARCHIVER_FETCH_POSTS"] = False
    if full:
        overrides["ARCHIVER_INCREMENTAL"] = False
    if no_warc:
        overrides["ARCHIVER_WARC"] = False
    if no_images:
        overrides["ARCHIVER_IMAGES"] = False
    if max_listing_pages:
        overrides["ARCHIVER_MAX_LISTING_PAGES"] = max_listing_pages
    if max_parallel:
        overrides["ARCHIVER_BLOGS_IN_FLIGHT"] = max_parallel
    if progress is not None:
        overrides["ARCHIVER_PROGRESS"] = "on" if progress else "off"
    overrides.update(user_settings)
    logged_before = _size(log_file)
    if registered:
        _crawl_registered(db, urls, due_only=due_sites and not all_sites, overrides=overrides, log_file=log_file)
        return
    if distributed:
        outcome = _crawl_distributed(list(urls), db, distributed, overrides, rules)
    else:
        outcome = run_crawl(list(urls), db, overrides, rules=site_rules)
    if len(outcome.blogs) > 1:
        for blog in outcome.blogs:
            if outcome.blog_exit_code(blog):
                click.echo(f"{blog.name}: {blog.status}: {blog.message}", err=True)
    _report(outcome, db, log_file if _size(log_file) > logged_before else None)
    sys.exit(outcome.exit_code)


@contextlib.contextmanager
def _no_garbage_collection():
    """The cyclic garbage collector off while a command imports what it runs, and what was made meanwhile frozen
    (gc.freeze: left out of every later collection) when the block ends, the collector back on.

    Imports make some 500,000 objects that live as long as the process (modules, classes, functions) and almost no
    garbage, yet they cost ~190 collections before a crawl's first request (60-90 ms, ~10% of its start-up); off
    and then on without freezing, the first full collection after the block walked them all again. Frozen, they
    also stay out of the full collections of the whole crawl; the few cycles left over by imports stay too."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if was_enabled:
            gc.enable()


def _blog_urls(urls: tuple[str, ...]) -> list[str]:
    """The start URLs, each http(s) with a host; a bare host (example.com/blog) gets https:// and a note."""
    checked = []
    for raw in urls:
        url = _with_scheme(raw, "crawling")
        if not _web_url(url):
            raise click.ClickException(f"not a blog address: {raw!r} (give its http:// or https:// URL)")
        checked.append(url)
    return checked


def _with_scheme(raw: str, doing: str) -> str:
    """`raw`, with https:// in front (and a note saying so) when it is a bare host like example.com/blog."""
    url = raw.strip()
    if "://" not in url and not url.startswith(("mailto:", "javascript:", "data:", "file:")):
        assumed = "https://" + url
        if _web_url(assumed):
            click.echo(f"note: {raw} has no scheme: {doing} {assumed}", err=True)
            return assumed
    return url


def _web_url(url: str) -> bool:
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError on a port that is not a number
    except ValueError:
        return False
    host = parts.hostname or ""
    return parts.scheme in ("http", "https") and bool(host) and not any(c.isspace() or c in "<>\"{}|\\^`" for c in host)


def _crawl_log_file(db: Path) -> Path | None:
    """Where Scrapy logs when not -v: logs/crawl-YYYY-MM-DD.log beside the archive (None: nowhere writable)."""
    folder = db.absolute().parent / "logs"
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    return folder / f"crawl-{date.today().isoformat()}.log"


def _size(path: Path | None) -> int:
    try:
        return path.stat().st_size if path else 0
    except OSError:
        return 0


def _crawl_distributed(urls: list[str], db: Path, redis_url: str, overrides: dict, rules: Path | None):
    from archiver.distributed import DistributedError
    from archiver.distributed.writer import run_distributed_crawl

    overrides.pop("ARCHIVER_PROGRESS", None)
    try:
        return run_distributed_crawl(urls, db, redis_url, overrides, rules.read_text("utf-8") if rules else None)
    except DistributedError as error:
        raise click.ClickException(str(error)) from None


@main.command()
@click.argument("redis_url", metavar="REDIS_URL")
@click.option("--exit-when-idle", is_flag=True,
              help="Exit after one crawl, or after --idle-timeout seconds without one (default: wait for the next).")
@click.option("--idle-timeout", type=float, default=30.0, show_default=True, help="With --exit-when-idle.")
@click.option("-s", "--set", "settings", multiple=True, metavar="NAME=VALUE",
              help="Setting for this worker only (e.g. CONCURRENT_REQUESTS); the crawl's own come from the writer.")
@click.option("-v", "--verbose", is_flag=True, callback=_remember_verbose, help="Show Scrapy's log.")
def worker(redis_url, exit_when_idle, idle_timeout, settings, verbose) -> None:
    """Crawl for `archiver crawl URL --distributed REDIS_URL` writers: take requests from Redis, send items back."""
    from archiver.distributed import DistributedError
    from archiver.distributed.worker import run_worker

    overrides: dict[str, object] = {"LOG_LEVEL": "INFO" if verbose else "WARNING"}
    overrides.update(_setting_pairs(settings))
    prefix = str(overrides.pop("ARCHIVER_REDIS_PREFIX", "archiver"))
    try:
        sys.exit(run_worker(redis_url, prefix=prefix, exit_when_idle=exit_when_idle, idle_timeout=idle_timeout,
                            overrides=overrides))
    except DistributedError as error:
        raise click.ClickException(str(error)) from None


def _crawl_registered(db: Path, selectors, *, due_only: bool, overrides: dict[str, object],
                      log_file: Path | None = None) -> None:
    from archiver.runner import run_crawl
    from archiver.schedule.registry import RegistryError, blog_specs, crawl_exit_code, select_sites

    try:
        sites = select_sites(db, due_only=due_only, selectors=selectors)
    except RegistryError as error:
        raise click.ClickException(str(error)) from error
    if not sites:
        click.echo("no registered site is due" if due_only else "no registered sites: add one with `archiver sites add URL`")
        return
    outcome = run_crawl(blog_specs(sites), db, overrides)
    codes = []
    for blog in outcome.blogs:  # one line per site, the line `archiver crawl` of it alone would end with
        one = outcome.for_blog(blog)
        codes.append(one.exit_code)
        _report(one, db, log_file if one.exit_code and _size(log_file) else None, label=blog.name)
    sys.exit(crawl_exit_code(codes))


def _report(outcome, db: Path, log_file: Path | None = None, label: str | None = None) -> None:
    details = f" (details in {log_file})" if log_file and outcome.status != "ok" else ""
    said = f"{label}: " if label else ""
    if outcome.status == "failed":
        click.echo(f"{said}crawl failed: {outcome.message}{details}", err=True)
        return
    errors = f"; {plural(outcome.errors, 'problem')} logged (table crawl_errors)" if outcome.errors else ""
    removed = f", {outcome.posts_removed} marked removed" if outcome.posts_removed else ""
    prefix = "crawl partly failed" if outcome.status == "partial" else "archived"
    if outcome.status == "ok" and outcome.warnings:
        prefix = "archived with warnings"
    changes = f"{outcome.posts_new} new and {plural(outcome.posts_updated, 'updated post')}{removed}"
    if outcome.status == "ok" and not (outcome.posts_new or outcome.posts_updated or outcome.posts_removed):
        prefix, changes = "unchanged since the last crawl", "no new or updated posts"
    click.echo(f"{said}{prefix}: {changes} in {db}{errors} [{outcome.message}]{details}", err=outcome.exit_code != 0)


@main.command()
@DB_READ_OPTION
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on (0.0.0.0: every one).")
@click.option("--port", default=8001, show_default=True, type=int, help="Port Datasette listens on.")
@click.option(
    "--plugins-dir",
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    help="Your own Datasette plugins, instead of the bundled ones (copy archiver/publish/plugins to keep ours).",
)
def serve(db, host, port, plugins_dir) -> None:
    """Open the archive in Datasette: search in any language, post pages, facets, dashboard."""
    _serve(db, host, port, plugins_dir)


def _serve(db: Path, host: str, port: int, plugins_dir: Path | None = None) -> None:
    from archiver.publish.datasette import datasette_command

    if not db.exists():
        raise click.ClickException(f"no archive at {db}: run `archiver crawl URL --db {db}` first")
    _migrate_for_serving(db)
    _check_port(host, port)
    click.echo(f"Datasette on http://{host}:{port}/ (search: /-/search, dashboard: /-/dashboard; Ctrl-C to stop)")
    command = datasette_command(db, host, port, plugins_dir)
    sys.stdout.flush()
    sys.stderr.flush()
    # Become Datasette, so a SIGTERM or Ctrl-C meant for `archiver serve` reaches the server itself (a child
    # process would outlive its parent).
    os.execv(command[0], command)


def _migrate_for_serving(db: Path) -> None:
    """Bring an older archive to the current schema (search index, year/month) before Datasette opens it."""
    _check_archive(db, readonly=False)


def _check_port(host: str, port: int) -> None:
    """One line and exit 1 when Datasette could not listen on host:port (it would fail after the exec, with
    uvicorn's exit code 3, which means a partial crawl here)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except (OSError, UnicodeError) as error:
        raise click.ClickException(f"cannot serve on {host}: {getattr(error, 'strerror', None) or error}") from None
    family, kind, proto, _name, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn binds
        try:
            probe.bind(address)
        except OSError as error:
            reason = "already in use (another server?)" if error.errno == errno.EADDRINUSE else error.strerror or str(error)
            raise click.ClickException(f"cannot serve on {host}:{port}: {reason}; pick another --port") from None


@main.command()
@DB_READ_OPTION
@click.option(
    "--to",
    "target",
    type=click.Choice(["package", "cloudrun", "heroku"]),
    default="package",
    show_default=True,
    help="package: a local Docker image (needs docker); cloudrun/heroku: `datasette publish` (needs their CLI).",
)
@click.option("--name", help="Docker tag (package), Cloud Run service or Heroku app name.")
@click.option(
    "--staging",
    type=click.Path(file_okay=False, path_type=Path),
    help="Keep the staged snapshot, metadata and plugin here (default: a temporary directory).",
)
@click.option("--dry-run", is_flag=True, help="Stage the files and print the datasette command without running it.")
@click.argument("extra", nargs=-1, type=click.UNPROCESSED)
def publish(db, target, name, staging, dry_run, extra) -> None:
    """Deploy a read-only (immutable) copy of the archive with Datasette; EXTRA goes to datasette as is."""
    import shlex

    from archiver.publish.datasette import plan_publish

    if not db.exists():
        raise click.ClickException(f"no archive at {db}")
    _migrate_for_serving(db)
    with contextlib.ExitStack() as stack:
        if staging is None and dry_run:  # keep what the printed command names
            staging = Path(tempfile.mkdtemp(prefix="archiver-publish-"))
        elif staging is None:
            staging = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="archiver-publish-")))
        plan = plan_publish(db, staging, target, name, tuple(extra))
        click.echo(f"immutable snapshot: {plan.snapshot}")
        click.echo(shlex.join(plan.argv))
        if dry_run:
            return
        result = subprocess.run(plan.argv, check=False)
        if result.returncode:
            raise click.ClickException(f"datasette {target} failed (exit {result.returncode})")


@main.command()
@DB_READ_OPTION
def summary(db) -> None:
    """Print what the archive holds."""
    click.echo(_summary_text(db))


def _summary_text(db: Path) -> str:
    archive = _archive(db, readonly=True)
    try:
        info = archive.summary()
    finally:
        archive.close()
    lines = [
        f"{plural(info.get('sites', 0), 'site')}, {plural(info.get('posts', 0), 'post')}, published "
        f"{info.get('earliest_published') or '?'} to {info.get('latest_published') or '?'}"
    ]
    for site in info.get("per_site", []):
        lines.append(f"  {site.get('url')}: {plural(site.get('posts') or 0, 'post')} ({site.get('title') or 'untitled'})")
    return "\n".join(lines)


@main.command()
@DB_OPTION
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Interface Datasette listens on (0.0.0.0: every one).")
@click.option("--port", default=8001, show_default=True, type=int, help="Port Datasette listens on.")
@click.option("--blog-port", default=DEMO_BLOG_PORT, show_default=True, type=int,
              help="Port the example blog is served on (127.0.0.1); another port means another blog in the archive.")
@click.option("--no-serve", is_flag=True, help="Crawl and summarise, but don't start Datasette.")
def demo(db, host, port, blog_port, no_serve) -> None:
    """Serve the bundled example blog on 127.0.0.1, crawl it, summarise, and open it in Datasette.

    The blog keeps its address from run to run, so running the demo again re-crawls the same blog (the
    archive stays one blog of 24 posts); it is served for as long as Datasette runs, so "Original" links work."""
    from archiver.demo import start_demo_site
    from archiver.runner import run_crawl

    _check_archive(db, create=True, readonly=False)
    if not no_serve:
        _check_port(host, port)  # before crawling, not after
    with tempfile.TemporaryDirectory(prefix="archiver-demo-") as tmp:
        try:
            server, info = start_demo_site(Path(tmp), port=blog_port)
        except OSError as error:
            raise click.ClickException(
                f"cannot serve the example blog on 127.0.0.1:{blog_port} ({error.strerror or error}): is a demo "
                "still running? Stop it, or pick --blog-port (another port adds another copy of the blog)"
            ) from None
        try:
            click.echo(f"example blog ({plural(info.post_count, 'post')}) served at {server.url}/")
            outcome = run_crawl([server.url + "/"], db, {"LOG_LEVEL": "WARNING"})
            _report(outcome, db)
            if outcome.exit_code:
                sys.exit(outcome.exit_code)
            click.echo(_summary_text(db))
            if not no_serve:
                from archiver.publish.datasette import serve_beside

                _migrate_for_serving(db)
                click.echo(f"Datasette on http://{host}:{port}/ (search: /-/search, dashboard: /-/dashboard); "
                           f"the example blog stays at {server.url}/ until Ctrl-C")
                sys.exit(serve_beside(db, host, port))
        finally:
            server.stop()


# --- export ---------------------------------------------------------------------------------------------


@main.command("export")
@click.argument("format_name", metavar="FORMAT", type=click.Choice(["jsonl", "csv", "markdown", "html", "atom", "sqlite", "warc", "wacz"]))
@click.option("-o", "--output", "output", required=True, type=click.Path(path_type=Path),
              help="File (jsonl, csv, sqlite, atom to .xml) or folder (markdown, html, atom) to write.")
@click.option("--db", "db", type=click.Path(path_type=Path), default=ARCHIVER_DB,
              show_default=True, help="SQLite archive to read.")
@click.option("--site", "sites", multiple=True, metavar="URL-or-ID", help="Only this site (repeatable).")
@click.option("--since", metavar="DATE", help="Only posts published on or after DATE (YYYY, YYYY-MM or YYYY-MM-DD).")
@click.option("--until", metavar="DATE", help="Only posts published on or before DATE (the whole day/month/year).")
@click.option("--tag", "tags", multiple=True, metavar="TAG", help="Only posts with this tag (repeat: all of them).")
@click.option("--force", is_flag=True, help="Replace OUTPUT if it exists.")
@click.option("--progress/--no-progress", default=None, help="Progress bar (default: on a terminal only).")
def export_command(format_name, output, db, sites, since, until, tags, force, progress) -> None:
    """Export the archive (or the posts the filters select) as FORMAT to OUTPUT.

    \b
    FORMAT is one of:
      jsonl     one JSON object per post, a line each (-o FILE)
      csv       the same columns as a CSV table (-o FILE)
      markdown  Hugo/Hexo content: front matter + body, a folder per site (-o FOLDER)
      html      a static archive that opens from file:// with no network (-o FOLDER)
      atom      one full-history Atom feed per site (-o FOLDER, or -o FILE.xml for one site)
      sqlite    a new archive holding only the selected posts (-o FILE.db)
      warc      the raw captures of the selected posts' pages (-o FILE.warc.gz)"""
    from archiver.export import (
        ExportUnavailableError,
        OutputExistsError,
        OutputUnwritableError,
        SelectionError,
        count_selected,
        export,
        format_for,
        make_selection,
    )
    from archiver.export.progress import progress_bar

    try:
        format_for(format_name, output)
    except ExportUnavailableError as error:
        raise click.ClickException(str(error)) from None
    archive = _archive(db, readonly=True)
    try:
        selection = make_selection(archive, sites=sites, since=since, until=until, tags=tags)
        total = count_selected(archive, selection)
        with progress_bar(f"exporting {format_name}", total, progress) as tick:
            result = export(archive, format_name, output, selection, force=force, tick=tick)
    except (SelectionError, OutputExistsError, OutputUnwritableError) as error:
        raise click.ClickException(str(error)) from None
    except OSError as error:  # the disk filled up, the folder went away... the partial export is gone already
        raise click.ClickException(f"export to {output} failed: {_one_line(error)}") from None
    finally:
        archive.close()
    click.echo(f"exported {plural(result.posts, 'post')} from {plural(result.sites, 'site')} to {result.path} "
               f"({format_name})")


# --- re-extraction from the raw captures ------------------------------------------------------------------


@main.command()
@DB_OPTION
@click.option("--site", "sites", multiple=True, metavar="URL-or-ID", help="Only this site (repeatable).")
@click.option("--warc-dir", type=click.Path(file_okay=False, path_type=Path),
              help="Where the WARC files are (default: warc/ beside the archive, and ARCHIVER_WARC_DIR of its crawls).")
def reextract(db, sites, warc_dir) -> None:
    """Rebuild posts from the stored WARC captures with today's extraction, without any network."""
    from archiver.export.selection import SelectionError, resolve_sites
    from archiver.warc.locate import locator_for
    from archiver.warc.reextract import reextract as run_reextract

    archive = _archive(db)
    try:
        try:
            site_ids = resolve_sites(archive, tuple(sites))
        except SelectionError as error:
            raise click.BadParameter(str(error), param_hint="--site") from None
        result = run_reextract(archive, locator_for(archive, warc_dir),
                               list(site_ids) if site_ids is not None else None)
    finally:
        archive.close()
    missing = f"; WARC files not found: {', '.join(result.missing_files[:3])}" if result.missing_files else ""
    kept = f", {result.without_capture} kept (no capture of their page)" if result.without_capture else ""
    kept += f", image links of {plural(result.image_links, 'post')} rebuilt" if result.image_links else ""
    click.echo(f"re-extracted {plural(result.posts, 'post')} of {plural(result.sites, 'site')} from "
               f"{plural(result.listing_pages, 'listing page')}: {result.new} new, {result.updated} updated, "
               f"{result.unchanged} unchanged{kept}{missing}")
    if result.missing_files and not result.posts:
        sys.exit(1)


# --- sites registry, status and scheduling (logic in archiver.schedule) ---------------------------------------


@main.group()
def sites() -> None:
    """The registry of blogs crawled on a schedule (`archiver schedule`, `archiver crawl --all/--due`)."""


def _schedule_options(command):
    """--every, --cron and --rules, shared by `sites add` and `sites import`."""
    command = click.option("--every", metavar="INTERVAL", help="Crawl this often: 30m, 6h, 1d, 2h30m (default 1d).")(command)
    command = click.option("--cron", metavar="EXPR", help='Crawl at these times (crontab, local time): "0 */6 * * *".')(command)
    return click.option(
        "--rules",
        type=click.Path(exists=True, dir_okay=False, path_type=Path),
        help="TOML selectors file; its text is stored with the sites and applied to their crawls.",
    )(command)


@sites.command("add")
@click.argument("urls", nargs=-1, required=True, metavar="URL...")
@DB_OPTION
@_schedule_options
@click.option("--name", help="A short name to refer to the site by (with a single URL).")
def sites_add(urls, db, every, cron, name, rules) -> None:
    """Register the blogs at URL... (or change their schedule, name or rules)."""
    _register(db, [_with_scheme(url, "registering") for url in urls], every=every, cron=cron, name=name, rules=rules)


@sites.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@DB_OPTION
@_schedule_options
def sites_import(file, db, every, cron, rules) -> None:
    """Register every blog of FILE: an OPML file (a feed reader's export) or a text file of URLs, one a line."""
    from archiver.schedule.opml import BlogListError, read_blog_list

    try:
        urls = read_blog_list(file.read_bytes())
    except BlogListError as error:
        raise click.ClickException(f"{file}: {error}") from None
    if not urls:
        raise click.ClickException(f"{file}: no blog URLs in it")
    _register(db, [_with_scheme(url, "registering") for url in urls], every=every, cron=cron, name=None,
              rules=rules)


def _register(db: Path, urls: list[str], *, every, cron, name, rules) -> None:
    from archiver.schedule.registry import RegistryError, add_sites, normalize_site_url, site_label
    from archiver.schedule.timing import ScheduleError, make_schedule

    try:  # a URL or schedule the registry refuses is refused before any archive is made
        for url in urls:
            normalize_site_url(url)
        make_schedule(every, cron)
    except (RegistryError, ScheduleError) as error:
        raise click.UsageError(str(error)) from error
    _check_archive(db, create=True, readonly=False)
    try:
        added = add_sites(db, urls, every=every, cron=cron, name=name, rules_path=rules)
    except RegistryError as error:
        raise click.UsageError(str(error)) from error
    if len(added) == 1:
        (site, created), = added
        rules_note = " with rules" if site["rules"] else ""
        click.echo(f"{'registered' if created else 'updated'} {site_label(site)} ({site['url']}): "
                   f"{site['schedule']}{rules_note}")
        return
    new = sum(1 for _, created in added if created)
    click.echo(f"registered {new} sites, updated {len(added) - new}: {added[0][0]['schedule']}"
               f"{' with rules' if rules else ''}")


@sites.command("export")
@DB_OPTION
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the OPML file here (default: standard output).")
def sites_export(db, output) -> None:
    """Write the registered sites as OPML (what feed readers import)."""
    from archiver.schedule.opml import write_opml

    with _archive(db) as archive:  # never creates the archive
        text = write_opml(archive.list_sites())
    if output is None:
        click.echo(text, nl=False)
        return
    output.write_text(text, "utf-8")
    click.echo(f"wrote {text.count('<outline ')} sites to {output}", err=True)


@sites.command("list")
@DB_READ_OPTION
def sites_list(db) -> None:
    """List the registered sites with their schedules."""
    if not db.exists():
        click.echo("no registered sites")
        return
    with _archive(db) as archive:
        registered = archive.list_sites()
    if not registered:
        click.echo("no registered sites")
    for site in registered:
        rules_note = "  rules" if site["rules"] else ""
        click.echo(f"{site['name'] or '-'}\t{site['url']}\t{site['schedule']}{rules_note}")


@sites.command("remove")
@click.argument("url_or_name")
@DB_OPTION
def sites_remove(url_or_name, db) -> None:
    """Unregister a site: it is no longer crawled on schedule; its archived posts stay in the archive."""
    with _archive(db) as archive:  # never creates the archive: a typo in --db is said, not made
        site = archive.remove_site(url_or_name)
    if site is None:
        raise click.ClickException(f"no registered site {url_or_name!r} (see `archiver sites list`)")
    click.echo(f"unregistered {site['url']}; its {site['posts']} archived posts are kept")


@main.command()
@DB_READ_OPTION
@click.option("--fail-on-warnings/--no-fail-on-warnings", default=True, show_default=True,
              help="Exit with code 4 when a site's last crawl had monitoring warnings (failures always do).")
def status(db, fail_on_warnings) -> None:
    """Per blog of the archive (registered ones first): last crawl and result, posts new/updated/removed,
    errors, warnings, next due."""
    from archiver.schedule.status import collect_status, render_plain, render_rich, status_exit_code

    _check_archive(db, readonly=False)
    statuses = collect_status(db)
    if sys.stdout.isatty():
        render_rich(statuses)
    else:
        click.echo(render_plain(statuses))
    sys.exit(status_exit_code(statuses, fail_on_warnings=fail_on_warnings))


@main.command()
@DB_OPTION
@click.option("--max-parallel", type=click.IntRange(1), default=100, show_default=True,
              help="Blogs crawled at once (one process; politeness stays per host).")
@click.option("--jitter", default="30s", show_default=True, help="Random delay added to each crawl (0 for none).")
@click.option("--log-dir", type=click.Path(file_okay=False, path_type=Path),
              help="Where the daily log files go (default: logs/ beside the archive, e.g. data/logs/).")
@click.option("--stop-timeout", type=float, default=10.0, show_default=True,
              help="On SIGTERM/Ctrl-C: seconds running crawls get to stop before they are killed.")
@click.option("--sync-every", type=float, default=30.0, hidden=True, help="Seconds between registry re-reads.")
@click.option("--print-cron", is_flag=True, help="Print crontab lines for the registered sites and exit.")
@click.option("--print-systemd", is_flag=True, help="Print systemd service+timer units and exit.")
@click.option("-s", "--set", "settings", multiple=True, metavar="NAME=VALUE", help="Setting for every crawl.")
def schedule(db, max_parallel, jitter, log_dir, stop_timeout, sync_every, print_cron, print_systemd,
             settings) -> None:
    """Run in the foreground and crawl each registered site when it is due (Ctrl-C/SIGTERM stops)."""
    from archiver.schedule.timing import ScheduleError, parse_interval

    _setting_pairs(settings)  # validate early
    try:
        jitter_seconds = 0 if jitter.strip() in ("0", "0s") else parse_interval(jitter, minimum=0)
    except ScheduleError as error:
        raise click.BadParameter(str(error), param_hint="--jitter") from error
    db = db.absolute()
    log_dir = (log_dir or db.parent / "logs").absolute()
    if print_cron or print_systemd:
        from archiver.schedule.render import render_crontab, render_systemd_text

        with _archive(db) as archive:
            registered = archive.list_sites()
        if print_cron:
            click.echo(render_crontab(registered, db, log_dir), nl=False)
        if print_systemd:
            click.echo(render_systemd_text(registered, db, jitter_seconds), nl=False)
        return
    _check_archive(db, create=True, readonly=False)
    from archiver.schedule.scheduler import CrawlScheduler, SchedulerOptions, setup_logging

    setup_logging(log_dir)
    options = SchedulerOptions(
        db=db, max_parallel=max_parallel, jitter=jitter_seconds, log_dir=log_dir, sync_seconds=sync_every,
        stop_timeout=stop_timeout, overrides=_setting_pairs(settings),
    )
    sys.exit(CrawlScheduler(options).run())


if __name__ == "__main__":
    main()
