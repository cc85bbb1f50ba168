"""Datasette loads this file with --plugins-dir: the route serving archived images (archiver.publish.media)."""

from archiver.publish.media import register_routes  # noqa: F401
