"""A static archive site that opens from file:// with no network: per site an index with pagination, one page
per post, tag pages; post bodies sanitized again, without any URL that would load or lead elsewhere."""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from html import escape
from pathlib import Path
from typing import Any
from urllib.parse import quote

import nh3

from archiver.export.common import ExportResult, Tick, write_new_file, xml_text
from archiver.export.media_files import MEDIA_FOLDER, ExportImages
from archiver.export.names import UniqueNames, inside, post_slug, safe_name, site_folder
from archiver.export.output import EXPORT_MARKER
from archiver.export.selection import Selection
from archiver.extract.content import ALLOWED_ATTRIBUTES, ALLOWED_TAGS
from archiver.extract.media import PLACEHOLDER_CLASS, replace_images
from archiver.store import Archive
from archiver.store.search import short_excerpt, strip_bidi_controls

POSTS_PER_PAGE = 50
TICK_EVERY = 100
# Offline policy: the archive's own tags, but no attribute that can hold a URL (href, src, srcset, cite...):
# the page must never load or point at anything outside the export; the original link is shown apart. The
# one exception: an <img> src pointing at the image's copy in the export (media_files.py), checked by prefix.
BODY_TAGS = ALLOWED_TAGS
BODY_ATTRIBUTES: dict[str, set[str]] = {
    tag: attributes - {"href", "src"} for tag, attributes in ALLOWED_ATTRIBUTES.items()
}
BODY_ATTRIBUTES["img"] = BODY_ATTRIBUTES.get("img", set()) | {"src"}
BODY_ATTRIBUTES["span"] = BODY_ATTRIBUTES.get("span", set()) | {"class"}
LOCAL_IMAGE_PREFIXES = (f"../../{MEDIA_FOLDER}/", "data:image/")
PLACEHOLDER_CLASSES = frozenset({PLACEHOLDER_CLASS, "source"})
DROPPED_WITH_CONTENT = frozenset(
    ["script", "style", "noscript", "template", "iframe", "object", "embed", "form", "textarea", "select",
     "button", "svg", "math", "canvas", "frameset", "video", "audio", "picture", "source"]
)
# The browser enforces what the sanitizer already ensures: nothing is fetched, from anywhere.
CONTENT_SECURITY_POLICY = "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:"
STYLE = (
    "body{font:16px/1.6 system-ui,sans-serif;max-width:46rem;margin:2rem auto;padding:0 1rem;color:#222}"
    "header,nav,.meta,.source{color:#555;font-size:.9rem}a{color:#1a5fb4}h1{line-height:1.25}"
    "pre{overflow:auto;background:#f4f4f4;padding:.6rem}li{margin:.3rem 0}.excerpt{margin:.1rem 0 1rem}"
    "img{max-width:100%}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.2rem .4rem}"
    f".{PLACEHOLDER_CLASS}{{display:inline-block;border:1px dashed #aaa;padding:.2rem .5rem;color:#555;"
    "font-size:.9rem;overflow-wrap:anywhere}"
)
SUMMARY_COLUMNS = ("url", "title", "published", "excerpt")
POST_COLUMNS = ("url", "title", "published", "updated", "author", "lang", "tags", "categories", "content_html",
                "content_text", "excerpt")
# Stands for the relative path from a listing page to its site folder; NUL never survives xml_text in content.
SITE = "\x00site\x00"
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def _only_local_images(tag: str, attribute: str, value: str) -> str | None:
    if tag == "img" and attribute == "src":
        return value if value.startswith(LOCAL_IMAGE_PREFIXES) else None
    if tag == "span" and attribute == "class":  # only the placeholder's own classes, not the blog's
        return value if value in PLACEHOLDER_CLASSES else None
    return value


def clean_body(html: str | None, images: dict[str, str] | None = None) -> str:
    """The archived body sanitized for offline reading: no scripts, no styles, no URLs but the copies of its
    images in the export (`images`: image URL -> path from a post page); other images become placeholders."""
    if not html:
        return ""
    return nh3.clean(
        replace_images(xml_text(html), (images or {}).get),
        tags=set(BODY_TAGS),
        clean_content_tags=set(DROPPED_WITH_CONTENT),
        attributes=BODY_ATTRIBUTES,
        attribute_filter=_only_local_images,
        url_schemes={"data"},
        strip_comments=True,
        link_rel=None,
    )


def _nocase(tag: str) -> str:
    """The key SQLite's NOCASE collation compares tags by (ASCII case folded)."""
    return tag.translate(_ASCII_LOWER)


def _href(*parts: str) -> str:
    return "/".join(quote(part) for part in parts)


def _text(value: Any) -> str:
    return escape(xml_text(str(value)) if value is not None else "")


def _name(value: Any) -> str:
    """A title or name from the blog, escaped and isolated: `<bdi>`, bidi overrides removed, so it can neither
    read reversed nor reverse the date or text printed after it."""
    return f"<bdi>{_text(strip_bidi_controls(None if value is None else str(value)))}</bdi>"


def _when(value: str | None) -> str:
    return (value or "").replace("T", " ")


class _SitePaths:
    """File names of one site's pages, decided before any page is written so every link is known."""

    def __init__(self, folder: str, tag_counts: list[tuple[str, int]]) -> None:
        self.folder = folder
        names = UniqueNames()
        names.claim("index.html")
        self.tag_folders = {_nocase(tag): names.claim(safe_name(tag, fallback="tag")) for tag, _ in tag_counts}

    @staticmethod
    def post_file(post: dict[str, Any]) -> str:
        # The id keeps names unique without remembering them: index and tag pages recompute the same name.
        return f"{post_slug(post['url'], post['title'], post['id'])}-{post['id']}.html"

    def tag_folder(self, tag: str) -> str | None:
        return self.tag_folders.get(_nocase(tag))


def _page(title: str, body: str, *, lang: str | None = None) -> str:
    lang_attribute = f' lang="{_text(lang)}"' if lang else ""
    return (
        f"<!DOCTYPE html>\n<html{lang_attribute}><head><meta charset=\"utf-8\">"
        f'<meta http-equiv="Content-Security-Policy" content="{CONTENT_SECURITY_POLICY}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_text(strip_bidi_controls(title))}</title><style>{STYLE}</style></head>\n<body>\n{body}\n"
        "</body></html>\n"
    )


def _post_page(post: dict[str, Any], site_title: str, paths: _SitePaths, images: ExportImages | None = None) -> str:
    title = post.get("title") or post["url"]
    meta = []
    if post.get("published"):
        meta.append(f'published <time datetime="{_text(post["published"])}">{_text(_when(post["published"]))}</time>')
    if post.get("updated") and post["updated"] != post.get("published"):
        meta.append(f'updated <time datetime="{_text(post["updated"])}">{_text(_when(post["updated"]))}</time>')
    if post.get("author"):
        meta.append(f"by {_name(post['author'])}")
    tag_links = []
    for tag in post.get("tags") or []:
        folder = paths.tag_folder(tag)
        label = _name(tag)
        tag_links.append(f'<a href="../tags/{_href(folder, "index.html")}">{label}</a>' if folder else label)
    taxonomy = []
    if tag_links:
        taxonomy.append("tags: " + ", ".join(tag_links))
    if post.get("categories"):
        taxonomy.append("categories: " + ", ".join(_name(name) for name in post["categories"]))
    local = images.local_images(post.get("content_html"), "../../") if images else None
    body = clean_body(post.get("content_html"), local)
    if not body:
        body = "".join(f"<p>{_text(paragraph)}</p>" for paragraph in
                       (post.get("content_text") or post.get("excerpt") or "").split("\n\n") if paragraph.strip())
    parts = [
        f'<header><a href="../index.html">{_name(site_title)}</a> · <a href="../../index.html">all sites</a></header>',
        f'<main><article><h1 dir="auto">{_name(title)}</h1>',
        f'<p class="meta">{" · ".join(meta)}</p>' if meta else "",
        f'<p class="meta">{" · ".join(taxonomy)}</p>' if taxonomy else "",
        f'<div class="body">{body}</div>',
        f'<p class="source">original: <a href="{_text(post["url"])}" rel="noopener noreferrer">{_text(post["url"])}</a></p>',
        "</article></main>",
    ]
    return _page(f"{title} · {site_title}", "\n".join(part for part in parts if part), lang=post.get("lang"))


def _summary_items(posts: Iterable[dict[str, Any]]) -> Iterator[str]:
    """List items linking each post; SITE stands for the relative path to the site folder."""
    for post in posts:
        title = post.get("title") or post["url"]
        day = (post.get("published") or "")[:10]
        # Listings that show whole posts give whole posts as excerpts: an index shows the start of it.
        excerpt = f'<p class="excerpt">{_text(short_excerpt(post["excerpt"]))}</p>' if post.get("excerpt") else ""
        yield (f'<li><a href="{SITE}posts/{_href(_SitePaths.post_file(post))}">{_name(title)}</a>'
               f'{f" <small>{day}</small>" if day else ""}{excerpt}</li>')


def _write_paginated(
    folder: Path, to_site: str, title: str, header: str, heading: str, items: Iterator[str], total: int
) -> int:
    """Write folder/index.html and folder/page/N.html, POSTS_PER_PAGE items each; returns files written.

    `to_site` is the relative path from `folder` to the site folder; SITE in header/items becomes the path
    from each page to the site folder. `heading` is HTML (names in it already escaped and isolated).
    """
    pages = max(1, math.ceil(total / POSTS_PER_PAGE))
    for number in range(1, pages + 1):
        chunk = [item for _, item in zip(range(POSTS_PER_PAGE), items, strict=False)]
        to_folder = "" if number == 1 else "../"
        site = to_folder + to_site

        def page_href(target: int, to_folder: str = to_folder) -> str:
            return f"{to_folder}index.html" if target == 1 else f"{to_folder}page/{target}.html"

        nav = []
        if number > 1:
            nav.append(f'<a href="{page_href(number - 1)}">« newer</a>')
        nav.append(f"page {number} of {pages}")
        if number < pages:
            nav.append(f'<a href="{page_href(number + 1)}">older »</a>')
        body = "\n".join([
            header.replace(SITE, site),
            f"<main><h1>{heading}</h1><ul>",
            "\n".join(item.replace(SITE, site) for item in chunk),
            f"</ul><nav>{' · '.join(nav)}</nav></main>",
        ])
        path = folder / "index.html" if number == 1 else folder / "page" / f"{number}.html"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(_page(title, body), encoding="utf-8")
    return pages


def export_html(archive: Archive, selection: Selection, target: Path, tick: Tick) -> ExportResult:
    """Write the static archive: target/index.html, then per site its index, posts/ and tags/."""
    site_rows = {site["id"]: site for site in archive.sites()}
    site_ids = archive.selected_site_ids(selection)
    folders = UniqueNames()
    for reserved in ("index.html", EXPORT_MARKER, MEDIA_FOLDER):
        folders.claim(reserved)
    files = posts = 0
    listing = []
    images = ExportImages(archive, target)
    for site_id in site_ids:
        site = site_rows[site_id]
        site_title = site.get("title") or site["url"]
        query = selection.narrowed(site_id=site_id)
        paths = _SitePaths(folders.claim(site_folder(site["url"])), archive.tag_counts(query))
        site_dir = inside(target, paths.folder)
        (site_dir / "posts").mkdir(parents=True)
        count = 0
        for post in selection.posts(archive, site_id=site_id, order="site", columns=POST_COLUMNS):
            write_new_file(inside(site_dir, "posts", paths.post_file(post)), _post_page(post, site_title, paths, images))
            count += 1
            if count % TICK_EVERY == 0:
                tick(TICK_EVERY)
        tick(count % TICK_EVERY)
        posts += count
        files += count
        files += _write_site_index(archive, selection, site_id, site_dir, site, count)
        files += _write_tag_pages(archive, selection, site_id, site_dir, site_title, paths)
        listing.append(f'<li><a href="{_href(paths.folder, "index.html")}">{_name(site_title)}</a> '
                       f"<small>{count} posts · {_text(site['url'])}</small></li>")
    body = f"<main><h1>Archived blogs</h1><ul>{''.join(listing)}</ul></main>"
    (target / "index.html").write_text(_page("Archived blogs", body), encoding="utf-8")
    return ExportResult(posts=posts, sites=len(site_ids), files=files + 1 + images.files, path=target)


def _write_site_index(
    archive: Archive, selection: Selection, site_id: int, site_dir: Path, site: dict[str, Any], total: int
) -> int:
    site_title = site.get("title") or site["url"]
    posts = selection.posts(archive, site_id=site_id, order="published", columns=SUMMARY_COLUMNS)
    header = (f'<header><a href="{SITE}../index.html">all sites</a> · <a href="{SITE}tags/index.html">tags</a>'
              f' · original: <a href="{_text(site["url"])}" rel="noopener noreferrer">{_text(site["url"])}</a>'
              "</header>")
    return _write_paginated(site_dir, "", site_title, header, _name(site_title), _summary_items(posts), total)


def _write_tag_pages(
    archive: Archive, selection: Selection, site_id: int, site_dir: Path, site_title: str, paths: _SitePaths
) -> int:
    tags_dir = site_dir / "tags"
    tags_dir.mkdir(exist_ok=True)
    written = 0
    entries = []
    for tag, count in archive.tag_counts(selection.narrowed(site_id=site_id)):
        folder = paths.tag_folder(tag)
        if folder is None:
            continue
        posts = selection.posts(
            archive, site_id=site_id, extra_tags=(tag,), order="published", columns=SUMMARY_COLUMNS
        )
        header = (f'<header><a href="{SITE}index.html">{_name(site_title)}</a> · '
                  f'<a href="{SITE}tags/index.html">all tags</a></header>')
        written += _write_paginated(
            inside(tags_dir, folder), "../../", f"{tag} · {site_title}", header, f"Tag: {_name(tag)}",
            _summary_items(posts), count,
        )
        entries.append(f'<li><a href="{_href(folder, "index.html")}">{_name(tag)}</a> <small>{count}</small></li>')
    body = (f'<header><a href="../index.html">{_name(site_title)}</a></header>'
            f"<main><h1>Tags</h1><ul>{''.join(entries)}</ul></main>")
    (tags_dir / "index.html").write_text(_page(f"Tags · {site_title}", body), encoding="utf-8")
    return written + 1
