"""The bundled example blog (Hexo/NexT-like markup, invented posts) and the static server that serves it."""

from pathlib import Path

from archiver.demo.server import ServerHandle, serve_directory
from archiver.demo.site import SiteInfo, SitePost, build_site

__all__ = ["ServerHandle", "SiteInfo", "SitePost", "build_site", "serve_directory", "start_demo_site"]


def start_demo_site(out_dir: Path, host: str = "127.0.0.1", port: int = 0) -> tuple[ServerHandle, SiteInfo]:
    """Serve out_dir, then build the example blog into it with the server's URL as the site URL."""
    out_dir.mkdir(parents=True, exist_ok=True)
    handle = serve_directory(out_dir, host=host, port=port)
    return handle, build_site(out_dir, base_url=handle.url)
