"""Serve the example blog for a look in the browser: python -m archiver.demo [PORT]."""

import sys
import tempfile
import time
from pathlib import Path

from archiver.demo import start_demo_site


def main() -> None:
    """Build the demo blog into a temporary directory and serve it until Ctrl-C."""
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 4000
    with tempfile.TemporaryDirectory(prefix="blog-archiver-demo-") as tmp:
        handle, info = start_demo_site(Path(tmp), port=port)
        print(
            f"{info.post_count} posts on {info.listing_page_count} listing pages at {handle.url}/ (Ctrl-C stops)"
        )
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass
        finally:
            handle.stop()


if __name__ == "__main__":
    main()
