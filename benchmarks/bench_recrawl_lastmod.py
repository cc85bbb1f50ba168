"""What a re-crawl costs, and whether it catches deep edits through the sitemap's lastmod (issue 15 item 4).

Two blogbench re-crawl pairs of one synthetic blog (`synth --posts N --then-add 0 --then-edit E`, and the same
with `--then-edit 0`, an unchanged blog): each is crawled twice into one archive (v1, then v2) and the second
crawl's requests are counted by blogbench's server. The unchanged pair is the anchor measured in the same run: the
edited pair should cost at most 1 (the sitemap) + E (the edited posts) requests more, and catch all E edits (rows
in post_versions with the right titles).

    python benchmarks/bench_recrawl_lastmod.py [--posts 1000] [--edits 3] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

REPO = Path(__file__).resolve().parent.parent
BLOGBENCH = REPO.parent / "shared" / "blogbench" / "blogbench"
ARCHIVER = REPO / ".venv" / "bin" / "archiver"


def pair(corpus: Path, posts: int, edits: int) -> Path:
    """The v1/v2 folders of a synth re-crawl pair (v2 is the site blogbench scores)."""
    folder = corpus / f"synth-{posts}-edit{edits}"
    if not (folder.parent / f"{folder.name}-v2" / "site.json").exists():
        subprocess.run([sys.executable, str(BLOGBENCH), "synth", str(folder), "--posts", str(posts), "--then-add",
                        "0", "--then-edit", str(edits), "--then-delete", "0"], check=True, stdout=subprocess.DEVNULL)
    return folder.parent / f"{folder.name}-v2"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=1000)
    parser.add_argument("--edits", type=int, default=3)
    parser.add_argument("--keep", type=Path)
    args = parser.parse_args()
    keep = args.keep or Path(tempfile.mkdtemp(prefix="bench-lastmod-"))
    corpus = keep / "corpus"
    sites = [pair(corpus, args.posts, 0), pair(corpus, args.posts, args.edits)]
    out = keep / "runs.json"
    subprocess.run([sys.executable, str(BLOGBENCH), "run", "--corpus", str(corpus), "--sites",
                    ",".join(s.name for s in sites), "--mode", "full", "--cmd", f"{ARCHIVER} crawl {{url}} --db {{db}}",
                    "--out", str(out), "--keep", str(keep / "runs")], check=True, stdout=subprocess.DEVNULL)
    runs = {r["site"]: r for r in json.loads(out.read_text("utf-8"))["runs"]}
    same, edited = runs[sites[0].name], runs[sites[1].name]
    v2 = {p["url"]: p for p in json.loads((sites[1] / "site.json").read_text("utf-8"))["posts"]}
    v1_folder = sites[1].parent / sites[1].name.removesuffix("-v2")
    v1 = {p["url"]: p for p in json.loads((v1_folder / "site.json").read_text("utf-8"))["posts"]}
    edited_urls = {url for url, post in v2.items() if url in v1 and post.get("updated") != v1[url].get("updated")}
    with sqlite3.connect(edited["db"]) as db:
        versions = {urlsplit(url).path: title for url, title in db.execute(
            "SELECT p.url, p.title FROM post_versions v JOIN posts p ON p.id = v.post_id")}
    print(f"{'re-crawl of':<28} {'requests':>8} {'by status':<26} {'complete':>8}")
    for name, run in (("unchanged blog (anchor)", same), (f"blog with {args.edits} deep edits", edited)):
        statuses = json.dumps(run["requests"]["by_status"], sort_keys=True)
        print(f"{name:<28} {run['requests']['total']:>8} {statuses:<26} {run['scores']['complete']:>8.3f}")
    extra = edited["requests"]["total"] - same["requests"]["total"]
    print(f"extra requests for {args.edits} edits: {extra} (goal: at most {1 + args.edits})")
    print(f"post_versions rows: {len(versions)}; edits caught: {len(edited_urls & set(versions))} of {len(edited_urls)}")
    wrong = {url: title for url, title in versions.items() if title != v2.get(url, {}).get("title")}
    print(f"titles of the re-fetched posts right: {wrong or 'yes'}")
    print("runs kept in", keep)


if __name__ == "__main__":
    main()
