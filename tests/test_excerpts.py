"""Listings that show whole posts give whole posts as excerpts: every view and export shows a short one
(issue 14, item 15), while the archive keeps what the listing showed."""

from __future__ import annotations

from pathlib import Path

import feedparser
import pytest
from lxml import html

from archiver.export import export, make_selection
from archiver.store import Archive
from archiver.store.search import short_excerpt
from tests.archive_samples import WHOLE_POST_EXCERPT, add_display_posts, build_sample_archive


@pytest.fixture(scope="module")
def archive_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("excerpts") / "archive.db"
    build_sample_archive(path)
    add_display_posts(path)
    return path


def _export(archive_path: Path, name: str, target: Path) -> Path:
    with Archive.open_readonly(archive_path) as archive:
        export(archive, name, target, make_selection(archive, tags=("layout",)))
    return target


def test_the_archive_keeps_the_whole_excerpt(archive_path: Path) -> None:
    with Archive.open_readonly(archive_path) as archive:
        stored = archive.db.execute("SELECT excerpt FROM posts WHERE title = 'Lists and a diagram'").fetchone()[0]
    assert stored == WHOLE_POST_EXCERPT


@pytest.mark.parametrize(
    "text, limit, shown",
    [
        ("short and sweet", 200, "short and sweet"),
        ("one two three four five six", 16, "one two three…"),  # cut at a word end
        ("垃圾回收器会找出不再使用的对象", 12, "垃圾回收器…"),  # CJK characters count two columns
        ("a  spaced\n\nout   text", 200, "a spaced out text"),
    ],
)
def test_short_excerpt(text: str, limit: int, shown: str) -> None:
    assert short_excerpt(text, limit) == shown


def test_html_export_index_shows_the_start_of_the_excerpt(archive_path: Path, tmp_path: Path) -> None:
    site = _export(archive_path, "html", tmp_path / "site")
    (index,) = [path for path in site.glob("*/index.html") if "Lists and a diagram" in path.read_text("utf-8")]
    (excerpt,) = html.fromstring(index.read_text("utf-8")).xpath("//p[@class='excerpt']")
    assert excerpt.text_content().startswith("1 print(value) 2 print(value)")
    assert len(excerpt.text_content()) <= 200


def test_markdown_description_is_short(archive_path: Path, tmp_path: Path) -> None:
    folder = _export(archive_path, "markdown", tmp_path / "md")
    (post,) = folder.glob("*/*.md")
    description = next(line for line in post.read_text("utf-8").splitlines() if line.startswith("description:"))
    assert "1 print(value)" in description and len(description) < 240


def test_atom_summary_is_short(archive_path: Path, tmp_path: Path) -> None:
    feed = feedparser.parse(_export(archive_path, "atom", tmp_path / "feed.xml").read_bytes())
    (entry,) = feed.entries
    assert entry.summary.startswith("1 print(value)") and len(entry.summary) <= 200
