"""`python -m archiver.extract FILE --url U`: say which kind of page a saved page is (a listing of posts, or
one post) and print what extraction reads in it, as JSON. `--as listing|post|both` picks the reading."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from archiver.extract.encoding import decode_html
from archiver.extract.listing import parse_listing
from archiver.extract.model import to_dict
from archiver.extract.page_kind import page_kind
from archiver.extract.post import parse_post


def main(argv: list[str] | None = None) -> int:
    """Read FILE, run the listing and/or post extractors on it, print the result."""
    parser = argparse.ArgumentParser(prog="python -m archiver.extract", description=__doc__)
    parser.add_argument("file", type=Path, help="a saved HTML page")
    parser.add_argument("--url", required=True, help="the URL the page was served at (links resolve against it)")
    parser.add_argument("--as", dest="kind", choices=["auto", "listing", "post", "both"], default="auto",
                        help="which reading to print (default: the kind of page it looks like)")
    parser.add_argument("--charset", help="the charset the server declared, if any")
    args = parser.parse_args(argv)
    text, encoding = decode_html(args.file.read_bytes(), args.charset)
    result: dict[str, object] = {"encoding": encoding}
    listing = parse_listing(text, args.url)
    post = parse_post(text, args.url)
    verdict = page_kind(text, args.url, listing, post)
    result["kind"] = verdict.kind
    result["kind_signals"] = verdict.signals
    shown = {"auto": (verdict.kind,), "both": ("listing", "post")}.get(args.kind, (args.kind,))
    if "listing" in shown:
        result["listing"] = to_dict(listing)
    if "post" in shown:
        page = to_dict(post)
        for name in ("content_html", "content_markdown"):
            if page.get(name) and len(page[name]) > 500:
                page[name] = page[name][:500] + "…"
        result["post"] = page
    json.dump(result, sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
