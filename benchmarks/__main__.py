"""Run every benchmark script in this folder, one after another, and print what each measured."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main(argv: list[str]) -> int:
    """`python -m benchmarks [NAME ...]`: run the named scripts (default: all bench_*.py and *_offline.py)."""
    scripts = sorted(p for p in HERE.glob("*.py") if p.stem.startswith("bench_") or p.stem.endswith("_offline"))
    if argv:
        scripts = [p for p in scripts if p.stem in argv]
    failed = 0
    for script in scripts:
        print(f"\n=== {script.stem}", flush=True)
        started = time.perf_counter()
        result = subprocess.run([sys.executable, str(script)], cwd=HERE.parent, check=False)
        print(f"--- {script.stem}: exit {result.returncode}, {time.perf_counter() - started:.1f} s", flush=True)
        failed += result.returncode != 0
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
