"""End-to-end crawls of blogbench synthetic blogs served on 127.0.0.1: posts/s, CPU s per post, peak RSS.

Runs `blogbench run` (the harness serves the blog, times the command, reads its rusage) on:
  1. a --ratio-posts blog (default 2,000) with our crawler AND the trafilatura anchor, in the same run, for the
     throughput ratio (the anchor needs the venv of ../shared/blogbench/anchors/README.md, else it is skipped);
  2. a --posts blog (default 10,000) with our crawler;
  3. with --big N (e.g. 100000), an N-post blog: peak RSS and whether throughput holds as the archive grows.
Ours runs twice: with the default (polite) settings, and with AutoThrottle off and 16 requests per domain, as a
user crawling their own blog on localhost would.

    python benchmarks/bench_crawl.py [--posts 10000] [--ratio-posts 2000] [--big 100000] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
BLOGBENCH = REPO.parent / "shared" / "blogbench" / "blogbench"
ANCHOR = REPO.parent / "shared" / "blogbench" / "anchors" / "trafilatura_crawl"
ARCHIVER = REPO / ".venv" / "bin" / "archiver"
FAST = "-s AUTOTHROTTLE_ENABLED=False -s CONCURRENT_REQUESTS_PER_DOMAIN=16 -s CONCURRENT_REQUESTS=32"


def synth(folder: Path, posts: int) -> None:
    if not (folder / "site.json").exists():
        subprocess.run([sys.executable, str(BLOGBENCH), "synth", str(folder), "--posts", str(posts)], check=True,
                       stdout=subprocess.DEVNULL)


def run(corpus: Path, site: str, commands: list[tuple[str, str]], keep: Path) -> list[dict]:
    out = keep / f"{site}.json"
    args = [sys.executable, str(BLOGBENCH), "run", "--corpus", str(corpus), "--sites", site, "--mode", "full",
            "--out", str(out), "--keep", str(keep / site), "--timeout", "3600"]
    for name, command in commands:
        args += ["--cmd", command, "--name", name]
    subprocess.run(args, check=True, stdout=subprocess.DEVNULL)
    return json.loads(out.read_text("utf-8"))["runs"]


def row(run_result: dict) -> str:
    found = run_result["counts"]["found"]
    per_post_cpu = run_result["cpu_s"] / found if found else float("nan")
    return (f"{run_result['crawler']:<22} {run_result['site']:<14} {run_result['scores']['recall']:>6.3f} "
            f"{run_result['wall_s']:>8.1f} {run_result['posts_per_s']:>8.1f} {per_post_cpu * 1000:>9.2f} "
            f"{run_result['peak_rss_mb']:>7.0f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=10000)
    parser.add_argument("--ratio-posts", type=int, default=2000)
    parser.add_argument("--big", type=int, default=0)
    parser.add_argument("--keep", type=Path)
    args = parser.parse_args()
    keep = args.keep or Path(tempfile.mkdtemp(prefix="bench-crawl-"))
    corpus = keep / "corpus"
    ours = [("ours", f"{ARCHIVER} crawl {{url}} --db {{db}}"), ("ours-localhost", f"{ARCHIVER} crawl {{url}} --db {{db}} {FAST}")]
    venv = Path(os.environ.get("BLOGBENCH_VENV", "/tmp/bb-venv"))
    anchor = [("trafilatura", f"{ANCHOR} {{url}} {{db}}")] if (venv / "bin" / "python").exists() else []

    results = []
    synth(corpus / "ratio", args.ratio_posts)
    results += run(corpus, "ratio", ours + anchor, keep)
    synth(corpus / "main", args.posts)
    results += run(corpus, "main", ours, keep)
    if args.big:
        synth(corpus / "big", args.big)
        results += run(corpus, "big", ours[1:], keep)

    print(f"{'crawler':<22} {'blog':<14} {'recall':>6} {'wall_s':>8} {'posts/s':>8} {'cpu_ms/p':>9} {'rss_MB':>7}")
    for result in results:
        print(row(result))
    by = {(r["crawler"], r["site"]): r for r in results}
    if ("trafilatura", "ratio") in by:
        for name in ("ours", "ours-localhost"):
            ratio = by[(name, "ratio")]["posts_per_s"] / by[("trafilatura", "ratio")]["posts_per_s"]
            print(f"{name} / trafilatura throughput on the same blog: {ratio:.1f}x")
    else:
        print("trafilatura anchor skipped: no venv at", venv)
    print("runs kept in", keep)


if __name__ == "__main__":
    main()
