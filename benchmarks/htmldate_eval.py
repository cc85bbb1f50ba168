"""Published dates on htmldate's evaluation set (1,000 pages), scored by its own criteria, with htmldate itself.

    .venv/bin/python benchmarks/htmldate_eval.py BENCH_DIR [--no-theme-rules] [--published-only] [--misses N]

BENCH_DIR is a work tree of github:adbar/htmldate (third-party, for measurement only: never copied into this
project). Pages and gold come from its `tests/eval_default.json` and `tests/eval_mediacloud_2020.json`, read with
its own `load_document` and scored with its own `evaluate_result` (both taken from `tests/evaluation.py` at run
time): a page counts when the day found equals the gold day. Accuracy = (tp + tn) / all, coverage = share of
pages given a date. In the same run htmldate's `find_date(original_date=True)` runs fast and extensive from the
anchors venv (`make anchors`). Time is CPU time per page: ours is `post_dates` (what a crawl runs for the dates
of a post page, from the HTML text), htmldate's is `find_date` from the HTML text. With --published-only ours is
`post_published`: the published date alone, like for like with `find_date(original_date=True)` (post_dates also
looks for the update date, through the post's region when the metadata has none).

Timing is interleaved, so that the load of a shared machine falls alike on every tool. htmldate lives in the
anchors venv, so it runs in a worker process of its own that stays up for the whole run; the pages go by in
chunks of CHUNK_PAGES (~0.5-1 s of work each), and for each chunk ours times it in this process while the worker
waits, then the worker times it (fast and extensive, page by page in alternation) while this process waits: no
two tools are ever timed at once, and a change of load lasting longer than a chunk hits all three. The order
within a pair of chunks alternates (ours first, then htmldate first) so that neither side always runs just after
the other's cache-evicting work. Each tool is warmed up on the first page outside the timed loop. Medians and
means of CPU time per page are over the same pages for every tool; the ratio column is ours / that tool.
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from archiver.extract.post import post_dates, post_published  # noqa: E402
from benchmarks.anchors import anchors_python, median  # noqa: E402

ANCHOR_SCRIPT = r"""
import json, sys, time, logging, warnings
warnings.filterwarnings("ignore")
logging.disable(logging.CRITICAL)
from importlib.metadata import version
from htmldate import find_date
def timed(html, extensive):
    started = time.process_time()
    try:
        found = find_date(html, original_date=True, extensive_search=extensive)
    except Exception:
        found = None
    return found, time.process_time() - started
print(json.dumps({"version": version("htmldate")}), flush=True)
for line in sys.stdin:
    chunk = json.loads(line)
    reply = {}
    for key, url, html in chunk:
        fast, fast_s = timed(html, False)
        extensive, extensive_s = timed(html, True)
        reply[key] = [fast, fast_s, extensive, extensive_s]
    print(json.dumps(reply), flush=True)
"""
CHUNK_PAGES = 50
EVAL_FILES = ("eval_mediacloud_2020.json", "eval_default.json")  # the order tests/evaluation.py reads them in


def evaluation_functions(tests_dir: Path) -> dict:
    """`load_document` and `evaluate_result` from the benchmark's tests/evaluation.py, without its imports of
    the tools it compares (they live in the anchors venv)."""
    source = (tests_dir / "evaluation.py").read_text("utf-8")
    wanted = [node for node in ast.parse(source).body
              if isinstance(node, ast.FunctionDef) and node.name in ("load_document", "evaluate_result")]
    from charset_normalizer import detect  # the fallback tests/evaluation.py itself uses without cchardet

    namespace = {"os": os, "TEST_DIR": str(tests_dir), "detect": detect}
    exec(compile(ast.Module(body=wanted, type_ignores=[]), str(tests_dir / "evaluation.py"), "exec"), namespace)
    return namespace


def load_pages(folder: Path) -> tuple[dict, list[tuple[str, str, str]], dict]:
    """Gold per URL, (url, url, html) pages, and the evaluation functions."""
    tests_dir = folder / "tests"
    functions = evaluation_functions(tests_dir)
    gold: dict[str, dict] = {}
    for name in EVAL_FILES:
        gold.update(json.loads((tests_dir / name).read_text("utf-8")))
    pages = []
    for url, data in gold.items():
        html = functions["load_document"](data["file"])
        if isinstance(html, bytes):
            html = html.decode("utf-8", "replace")
        pages.append((url, url, html))
    return gold, pages, functions


class Ours:
    """Our published day per page, timed a chunk at a time."""

    def __init__(self, theme_rules: bool, published_only: bool) -> None:
        self.theme_rules, self.published_only = theme_rules, published_only
        version = ("theme rules on" if theme_rules else "theme rules off") + (", pub" if published_only else "")
        self.result: dict = {"version": version, "output": {}, "seconds": [], "sources": {}}

    def warm(self, page: tuple[str, str, str]) -> None:
        post_dates(page[2], page[1], theme_rules=self.theme_rules)  # lazy imports outside the timed loop

    def run(self, chunk: list[tuple[str, str, str]]) -> None:
        for key, url, html in chunk:
            started = time.process_time()
            if self.published_only:
                published = post_published(html, url, theme_rules=self.theme_rules)
            else:
                published, _updated = post_dates(html, url, theme_rules=self.theme_rules)
            self.result["seconds"].append(time.process_time() - started)
            self.result["output"][key] = published.iso[:10] if published else None
            self.result["sources"][key] = f"{published.source}: {published.raw[:60]!r}" if published else ""


class HtmldateWorker:
    """htmldate in the anchors venv, a process that stays up and times the chunks it is handed."""

    def __init__(self, python: Path) -> None:
        self.process = subprocess.Popen(
            [str(python), "-c", ANCHOR_SCRIPT], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
            encoding="utf-8",
        )
        version = json.loads(self._line())["version"]
        self.results = {name: {"version": version, "output": {}, "seconds": []}
                        for name in ("htmldate fast", "htmldate extensive")}

    def _line(self) -> str:
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        if not line:
            raise RuntimeError("the htmldate worker stopped")
        return line

    def _ask(self, chunk: list[tuple[str, str, str]]) -> dict:
        assert self.process.stdin is not None
        self.process.stdin.write(json.dumps(chunk) + "\n")
        self.process.stdin.flush()
        return json.loads(self._line())

    def warm(self, page: tuple[str, str, str]) -> None:
        self._ask([page])

    def run(self, chunk: list[tuple[str, str, str]]) -> None:
        reply = self._ask(chunk)
        fast, extensive = self.results["htmldate fast"], self.results["htmldate extensive"]
        for key, _url, _html in chunk:
            fast["output"][key], seconds, extensive["output"][key], extensive_seconds = reply[key]
            fast["seconds"].append(seconds)
            extensive["seconds"].append(extensive_seconds)

    def close(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.close()
        self.process.wait()


def run_interleaved(pages: list[tuple[str, str, str]], ours: Ours, worker: HtmldateWorker | None) -> dict:
    """Ours and htmldate over the same chunks of pages in turn (see the module's docstring)."""
    ours.warm(pages[0])
    if worker is not None:
        worker.warm(pages[0])
    for number, start in enumerate(range(0, len(pages), CHUNK_PAGES)):
        chunk = pages[start:start + CHUNK_PAGES]
        runners = [ours.run] if worker is None else [ours.run, worker.run]
        for run in runners if number % 2 == 0 else runners[::-1]:
            run(chunk)
    results = {"ours": ours.result}
    if worker is not None:
        worker.close()
        results.update(worker.results)
    return results


def main() -> None:
    """Run ours and htmldate on the set and print the table (and our misses)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path, help="work tree of the htmldate repository")
    parser.add_argument("--no-theme-rules", action="store_true", help="ours with theme_rules=False")
    parser.add_argument("--published-only", action="store_true", help="ours times post_published, not post_dates")
    parser.add_argument("--no-anchors", action="store_true")
    parser.add_argument("--anchors-venv", default=None)
    parser.add_argument("--misses", type=int, default=0, help="list N of our wrong or missing dates")
    args = parser.parse_args()
    gold, pages, functions = load_pages(args.folder)
    python = None if args.no_anchors else anchors_python(args.anchors_venv)
    if not args.no_anchors and python is None:
        print("anchors venv missing (make anchors, or --anchors-venv / $ANCHORS_VENV): htmldate skipped")
    worker = HtmldateWorker(python) if python is not None else None
    results = run_interleaved(pages, Ours(not args.no_theme_rules, args.published_only), worker)
    ours_ms = median(results["ours"]["seconds"]) * 1000
    ours_mean_ms = sum(results["ours"]["seconds"]) / len(results["ours"]["seconds"]) * 1000
    print(f"htmldate evaluation set: {len(pages)} pages; exact day, scored by tests/evaluation.py's evaluate_result")
    print(f"{'tool':<19} {'version':<15} {'accuracy':>8} {'coverage':>8} {'precision':>9} "
          f"{'ms/page':>7} {'mean ms':>7} {'ours/this':>9} {'mean o/t':>8}")
    for name, result in results.items():
        tp = fp = tn = fn = 0
        for url, data in gold.items():
            a, b, c, d = functions["evaluate_result"](result["output"][url], data)
            tp, fp, tn, fn = tp + a, fp + b, tn + c, fn + d
        total = tp + fp + tn + fn
        ms = median(result["seconds"]) * 1000
        mean_ms = sum(result["seconds"]) / len(result["seconds"]) * 1000
        ratio = f"{ours_ms / ms:>8.2f}x" if ms else "-"
        mean_ratio = f"{ours_mean_ms / mean_ms:>7.2f}x" if mean_ms else "-"
        print(f"{name:<19} {result['version'][:15]:<15} {(tp + tn) / total:>8.3f} {(tp + fp) / total:>8.3f} "
              f"{tp / (tp + fp) if tp + fp else 0:>9.3f} {ms:>7.2f} {mean_ms:>7.2f} {ratio:>9} {mean_ratio:>8}")
    if args.misses:
        ours = results["ours"]
        other = results.get("htmldate extensive", {}).get("output", {})
        print(f"\nour misses (gold, ours, htmldate extensive, how we found it, url), up to {args.misses}:")
        shown = 0
        for url, data in gold.items():
            if ours["output"][url] != data["date"] and shown < args.misses:
                shown += 1
                print(f"  {data['date']} {ours['output'][url]} {other.get(url)} [{ours['sources'][url]}] "
                      f"{data['file']} {url[:80]}")


if __name__ == "__main__":
    main()
