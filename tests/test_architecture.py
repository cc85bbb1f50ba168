"""The direction of dependencies: extract/ is pure and knows nothing of Scrapy, SQL or Datasette."""

from __future__ import annotations

import ast
from pathlib import Path

EXTRACT = Path(__file__).resolve().parent.parent / "archiver" / "extract"
FORBIDDEN = ("scrapy", "twisted", "sqlite_utils", "sqlite3", "datasette", "archiver.store", "archiver.spiders",
             "pipelines", "requests", "urllib.request")


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_extract_imports_no_crawler_storage_or_publishing_code():
    offenders = {
        f"{path.name}: {name}"
        for path in EXTRACT.rglob("*.py")
        for name in _imports(path)
        if any(name == f or name.startswith(f + ".") for f in FORBIDDEN)
    }
    assert not offenders, offenders
