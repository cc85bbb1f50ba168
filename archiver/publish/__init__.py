"""Publishing the archive: Datasette with the project's metadata."""

from archiver.publish.datasette import datasette_command, load_metadata, make_datasette

__all__ = ["datasette_command", "load_metadata", "make_datasette"]
