"""Publishing the archive: Datasette with the project's metadata, templates and plugin."""

from archiver.publish.datasette import datasette_command, load_metadata, make_datasette, plan_publish

__all__ = ["datasette_command", "load_metadata", "make_datasette", "plan_publish"]
