"""Body extraction on Zyte's article-extraction-benchmark (AEB), scored by its own evaluate.py, with the anchors.

    .venv/bin/python benchmarks/aeb.py BENCH_DIR [--no-theme-rules] [--tools ours,trafilatura,...] [--worst N]

BENCH_DIR is a work tree of github:scrapinghub/article-extraction-benchmark (third-party, for measurement only:
never copied into this project). Its `html/*.html.gz` pages go through `parse_post` (our `content_text`) and, in
the same run, through trafilatura, readability-lxml (+ html-text, as the benchmark's own runner does) and
newspaper4k from the anchors venv (`make anchors`; see benchmarks/anchors.py). Every tool's texts are scored
with the benchmark's `evaluate()` (4-gram shingle precision/recall averaged per page, F1 of the averages,
bootstrap ±). Time is CPU time per page (median, and the ratio of our median to each anchor's).
"""

from __future__ import annotations

import argparse
import gzip
import importlib.util
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from archiver.extract.post import parse_post  # noqa: E402
from benchmarks.anchors import anchors_python, median, run_anchor_script  # noqa: E402

ANCHOR_SCRIPT = r"""
import json, sys, time, warnings, logging
warnings.filterwarnings("ignore")
logging.disable(logging.CRITICAL)
from importlib.metadata import version
pages = json.load(open(sys.argv[1], encoding="utf-8"))
tools = sys.argv[2].split(",")

def run_trafilatura(url, html):
    import trafilatura
    return trafilatura.extract(html, include_comments=False) or ""

def run_readability(url, html):
    import html_text
    from readability import Document
    return html_text.extract_text(Document(html).summary(html_partial=True))

def run_newspaper(url, html):
    import newspaper
    # article() downloads nothing given input_html, and parses; fetch_images=False: no request for the top image
    # (this machine has no internet: each would wait for its timeout), which the body text does not depend on.
    return newspaper.article(url, input_html=html, fetch_images=False).text or ""

RUNNERS = {"trafilatura": (run_trafilatura, "trafilatura"), "readability": (run_readability, "readability-lxml"),
           "newspaper4k": (run_newspaper, "newspaper4k")}
result = {}
for tool in tools:
    runner, dist = RUNNERS[tool]
    try:
        runner(pages[0][1], pages[0][2])  # imports and lazy set-up outside the timed loop
    except Exception:
        pass
    output, seconds = {}, []
    for key, url, html in pages:
        started = time.process_time()
        try:
            text = runner(url, html)
        except Exception:
            text = ""
        seconds.append(time.process_time() - started)
        output[key] = text
    result[tool] = {"version": version(dist), "output": output, "seconds": seconds}
print(json.dumps(result))
"""
ANCHORS = ("trafilatura", "readability", "newspaper4k")


def load_benchmark(folder: Path) -> tuple[dict, list[tuple[str, str, str]], object]:
    """Ground truth, (id, url, html) pages, and the benchmark's own evaluate module."""
    ground_truth = json.loads((folder / "ground-truth.json").read_text("utf-8"))
    pages = []
    for key, item in sorted(ground_truth.items()):
        with gzip.open(folder / "html" / f"{key}.html.gz", "rt", encoding="utf8") as handle:
            pages.append((key, item.get("url") or "", handle.read()))
    spec = importlib.util.spec_from_file_location("aeb_evaluate", folder / "evaluate.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return ground_truth, pages, module


def run_ours(pages: list[tuple[str, str, str]], theme_rules: bool) -> dict:
    """Our content_text per page, with CPU seconds per page."""
    parse_post(pages[0][2], pages[0][1], theme_rules=theme_rules)  # lazy imports outside the timed loop
    output, seconds = {}, []
    for key, url, html in pages:
        started = time.process_time()
        page = parse_post(html, url, theme_rules=theme_rules)
        seconds.append(time.process_time() - started)
        output[key] = page.content_text or ""
    return {"version": "theme rules on" if theme_rules else "theme rules off", "output": output, "seconds": seconds}


def page_f1(tp: float, fp: float, fn: float) -> float:
    """F1 of one page's normalised shingle counts."""
    return 2 * tp / (2 * tp + fp + fn) if tp else 0.0


def main() -> None:
    """Run every tool on the benchmark and print its table (and our worst pages)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path, help="work tree of the article-extraction-benchmark repository")
    parser.add_argument("--no-theme-rules", action="store_true", help="ours with theme_rules=False")
    parser.add_argument("--tools", default="ours," + ",".join(ANCHORS))
    parser.add_argument("--anchors-venv", default=None)
    parser.add_argument("--bootstrap", type=int, default=1000)
    parser.add_argument("--worst", type=int, default=0, help="list our N worst pages")
    args = parser.parse_args()
    ground_truth, pages, evaluation = load_benchmark(args.folder)
    tools = [t for t in args.tools.split(",") if t]
    results: dict[str, dict] = {}
    if "ours" in tools:
        results["ours"] = run_ours(pages, not args.no_theme_rules)
    anchors = [t for t in tools if t in ANCHORS]
    python = anchors_python(args.anchors_venv)
    if anchors and python is None:
        print("anchors venv missing (make anchors, or --anchors-venv / $ANCHORS_VENV): anchors skipped")
    elif anchors:
        results.update(run_anchor_script(python, ANCHOR_SCRIPT, pages, ",".join(anchors)))
    prediction_of = {name: {k: {"articleBody": v} for k, v in r["output"].items()} for name, r in results.items()}
    ours_ms = median(results["ours"]["seconds"]) * 1000 if "ours" in results else None
    print(f"AEB: {len(pages)} pages; scored by the benchmark's evaluate.py ({args.bootstrap} bootstrap samples)")
    print(f"{'tool':<13} {'version':<16} {'F1':<13}  {'precision':<13}  {'recall':<13}  {'accuracy':<13}  "
          f"{'ms/page':>7}  {'ours/this':>9}")
    scored = {}
    for name, result in results.items():
        metrics = evaluation.evaluate(ground_truth, prediction_of[name], args.bootstrap)
        scored[name] = metrics
        ms = median(result["seconds"]) * 1000
        ratio = f"{ours_ms / ms:>8.2f}x" if ours_ms is not None and ms else "-"
        print(f"{name:<13} {result['version'][:16]:<16} "
              f"{metrics['f1']:.3f} ± {metrics['f1_std']:.3f}  {metrics['precision']:.3f} ± {metrics['precision_std']:.3f}  "
              f"{metrics['recall']:.3f} ± {metrics['recall_std']:.3f}  {metrics['accuracy']:.3f} ± {metrics['accuracy_std']:.3f}  "
              f"{ms:>7.1f}  {ratio:>9}")
    if args.worst and "ours" in scored:
        keys = sorted(ground_truth)
        per_page = sorted(zip((page_f1(*t) for t in scored["ours"]["tp_fp_fns"]), keys, scored["ours"]["tp_fp_fns"],
                              strict=True))
        print(f"\nour {args.worst} worst pages (F1, precision, recall, id, url):")
        for f1, key, (tp, fp, fn) in per_page[: args.worst]:
            precision = tp / (tp + fp) if tp + fp else 0.0
            recall = tp / (tp + fn) if tp + fn else 0.0
            print(f"  {f1:.3f} {precision:.3f} {recall:.3f} {key[:12]} {ground_truth[key].get('url', '')[:90]}")


if __name__ == "__main__":
    main()
