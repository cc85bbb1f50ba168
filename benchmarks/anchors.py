"""Running the anchor tools (trafilatura, readability-lxml, newspaper4k, htmldate) in their own venv.

They pin libraries of their own (newspaper4k pins python-dateutil, readability-lxml wants lxml-html-clean), so
they live in `.venv-anchors` (`make anchors`), or in the venv named by $ANCHORS_VENV, never in the project's.
A runner hands them a JSON file of pages and reads back one JSON object per tool: per-page output and CPU time.
"""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def anchors_python(venv: str | None = None) -> Path | None:
    """The anchors venv's python, or None when it is not there."""
    root = Path(venv or os.environ.get("ANCHORS_VENV") or REPO / ".venv-anchors")
    python = root / "bin" / "python"
    return python if python.exists() else None


def run_anchor_script(python: Path, script: str, payload: object, *args: str) -> dict:
    """Run `script` with the anchors' python on a JSON payload file; its last stdout line is JSON."""
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False, encoding="utf-8") as handle:
        json.dump(payload, handle)
    try:
        completed = subprocess.run(
            [str(python), "-c", script, handle.name, *args], check=True, capture_output=True, text=True
        )
    finally:
        os.unlink(handle.name)
    return json.loads(completed.stdout.strip().splitlines()[-1])


def median(values: list[float]) -> float:
    """The median of a non-empty list (0.0 for an empty one)."""
    if not values:
        return 0.0
    ordered = sorted(values)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2
