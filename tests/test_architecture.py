"""The direction of dependencies over the whole import graph (imports inside functions included): extract/ is pure
and knows nothing of Scrapy, SQL or Datasette; the crawl core knows nothing of Scrapy or SQL; the store never
reaches up into what crawls, schedules or publishes; and no two parts of the project import each other."""

from __future__ import annotations

import ast
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

# Each part of the project, and the parts it may import (the package root and settings are open to all).
ALLOWED: dict[str, set[str]] = {
    "extract": set(),
    "crawl": {"extract"},
    "store": {"extract", "crawl"},
    "spiders": {"extract", "crawl", "warc"},  # warc.capture: where a response's raw capture and redirects are
    "warc": {"extract", "crawl", "store"},
    "pipelines": {"crawl", "store", "spiders"},
    "items": {"crawl"},
    "progress": {"crawl", "spiders"},
    "politeness": {"crawl", "spiders"},
    "runner": {"extract", "crawl", "spiders", "progress"},  # progress: one line for a crawl split over processes
    "distributed": {"extract", "crawl", "store", "spiders", "runner"},
    "export": {"extract", "store", "warc"},
    "publish": {"store", "warc"},  # warc.files: an archived image's bytes, read from its capture
    "schedule": {"extract", "crawl", "store", "spiders", "runner"},
    "demo": {"extract"},
    "cli": {"extract", "store", "warc", "runner", "distributed", "export", "publish", "schedule", "demo"},
}
OPEN_TO_ALL = {"archiver", "settings", "wording"}  # wording: counted nouns, imports nothing
# Third-party code a part must not touch.
FORBIDDEN: dict[str, tuple[str, ...]] = {
    "extract": ("scrapy", "twisted", "sqlite_utils", "sqlite3", "datasette", "requests", "urllib.request", "redis"),
    "crawl": ("scrapy", "twisted", "sqlite_utils", "sqlite3", "datasette", "requests", "urllib.request", "redis"),
    "store": ("scrapy", "twisted", "datasette", "redis"),
    "export": ("scrapy", "twisted", "redis"),
    "publish": ("scrapy", "twisted", "redis"),
}


def _part(module: str) -> str | None:
    """The part of the project a module belongs to (None for third-party and standard-library modules)."""
    parts = module.split(".")
    if parts[0] == "pipelines":
        return "pipelines"
    if parts[0] != "archiver":
        return None
    return parts[1] if len(parts) > 1 else "archiver"


def _modules() -> list[tuple[str, Path]]:
    paths = [*REPO.glob("archiver/**/*.py"), *REPO.glob("pipelines/*.py")]
    found = []
    for path in paths:
        name = ".".join(path.relative_to(REPO).with_suffix("").parts).removesuffix(".__init__")
        found.append((name, path))
    return found


def _is_module(name: str) -> bool:
    path = REPO.joinpath(*name.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            # `from archiver import settings` imports a module of its own; `from archiver import __version__` not.
            names.update(f"{node.module}.{alias.name}" for alias in node.names
                         if _is_module(f"{node.module}.{alias.name}"))
    return names


def _edges() -> dict[str, dict[str, set[str]]]:
    """part -> imported part -> the modules that import it."""
    edges: dict[str, dict[str, set[str]]] = {}
    for name, path in _modules():
        source = _part(name)
        for imported in _imports(path):
            target = _part(imported)
            if source and target and target != source:
                edges.setdefault(source, {}).setdefault(target, set()).add(name)
    return edges


def test_every_part_imports_only_what_it_may():
    offenders = {
        f"{source} -> {target} ({', '.join(sorted(modules))})"
        for source, targets in _edges().items()
        for target, modules in targets.items()
        if target not in OPEN_TO_ALL and target not in ALLOWED.get(source, set())
    }
    assert not offenders, sorted(offenders)


def test_every_part_is_known():
    parts = {_part(name) for name, _ in _modules()} - OPEN_TO_ALL
    assert parts <= set(ALLOWED), parts - set(ALLOWED)


def test_no_two_parts_import_each_other():
    edges = _edges()
    cycles = {tuple(sorted((a, b))) for a, targets in edges.items() for b in targets if a in edges.get(b, {})}
    assert not cycles, cycles


def test_pure_parts_use_no_crawler_storage_or_publishing_library():
    offenders = {
        f"{name}: {imported}"
        for name, path in _modules()
        for imported in _imports(path)
        for forbidden in FORBIDDEN.get(_part(name) or "", ())
        if imported == forbidden or imported.startswith(forbidden + ".")
    }
    assert not offenders, sorted(offenders)
