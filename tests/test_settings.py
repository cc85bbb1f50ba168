"""Settings are declared once: every ARCHIVER_* setting the code reads or sets has its default in
archiver/settings.py, no read repeats a default of its own, and nothing declared there goes unused."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from archiver import settings

REPO = Path(__file__).resolve().parent.parent
SETTING = re.compile(r"^ARCHIVER_[A-Z0-9_]+$")
READERS = {"get", "getbool", "getint", "getfloat", "getlist", "getdict", "getwithbase"}
SOURCES = [path for pattern in ("archiver/**/*.py", "pipelines/*.py") for path in REPO.glob(pattern)
           if path != REPO / "archiver" / "settings.py"]


def _environment_names(tree: ast.AST) -> set[str]:
    """Constants assigned to a NAME_ENV: environment variables, not Scrapy settings."""
    return {node.value.value for node in ast.walk(tree)
            if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant)
            and any(isinstance(t, ast.Name) and t.id.endswith("_ENV") for t in node.targets)}


def _uses() -> tuple[dict[str, list[str]], list[str]]:
    """(setting name -> where it is used, reads that give their own default)."""
    used: dict[str, list[str]] = {}
    defaulted: list[str] = []
    for path in SOURCES:
        tree = ast.parse(path.read_text("utf-8"))
        environment = _environment_names(tree)
        where = str(path.relative_to(REPO))
        for node in ast.walk(tree):
            if (isinstance(node, ast.Constant) and isinstance(node.value, str) and SETTING.match(node.value)
                    and node.value not in environment):
                used.setdefault(node.value, []).append(f"{where}:{node.lineno}")
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in READERS
                    and node.args and isinstance(node.args[0], ast.Constant)
                    and isinstance(node.args[0].value, str) and SETTING.match(node.args[0].value)
                    and (len(node.args) > 1 or any(k.arg == "default" for k in node.keywords))):
                defaulted.append(f"{where}:{node.lineno} {node.args[0].value}")
    return used, defaulted


def test_every_setting_used_is_declared_in_settings_py():
    used, _ = _uses()
    undeclared = {name: places for name, places in used.items() if not hasattr(settings, name)}
    assert not undeclared, undeclared


def test_no_read_gives_a_default_of_its_own():
    _, defaulted = _uses()
    assert not defaulted, defaulted


def test_every_declared_setting_is_used():
    used, _ = _uses()
    declared = {name for name in vars(settings) if SETTING.match(name)}
    assert declared - set(used) == set()
