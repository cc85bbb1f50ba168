"""Datasette loads this file with --plugins-dir; the hooks live in archiver.publish.plugin."""

from archiver.publish.plugin import (  # noqa: F401
    asgi_wrapper,
    extra_body_script,
    extra_css_urls,
    extra_template_vars,
    filters_from_request,
    menu_links,
    prepare_connection,
    register_facet_classes,
    register_routes,
    render_cell,
)
