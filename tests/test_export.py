"""Exports on a real archive built with Archive: round trips (jsonl, csv, markdown, atom, sqlite), the static
HTML site, filters, --force, and safe file names against hostile slugs and titles."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path
from urllib.parse import unquote, urlsplit

import feedparser
import pytest
import yaml
from click.testing import CliRunner
from lxml import html as lxml_html
from markdown_it import MarkdownIt

from archiver.cli import main
from archiver.export import html_site
from archiver.export.markdown_files import yaml_string
from archiver.export.names import MAX_NAME_BYTES, WINDOWS_RESERVED_STEMS, UniqueNames, post_slug, safe_name
from archiver.export.selection import SelectionError, since_bound, until_bound
from archiver.extract.content import clean_html
from archiver.store import Archive

GARDEN = "https://garden.example.org/"
KITCHEN = "https://kitchen.example.net/blog/"


def _post(site_id: int, base: str, path: str, title: str, published: str | None, **fields) -> dict:
    post = {
        "site_id": site_id,
        "url": base + path,
        "url_key": urlsplit(base).netloc + "/" + path.strip("/"),
        "title": title,
        "excerpt": f"Notes about {title}.",
        "excerpt_source": "listing",
        "published": published,
        "published_raw": published,
        "published_source": "time" if published else None,
        "author": "Ada Fern",
        "lang": "en",
        "tags": ["soil"],
        "categories": ["outdoors"],
        "content_html": f"<p>All about {title}.</p>",
        "content_text": f"All about {title}.",
        "content_markdown": f"All about {title}.",
        "page_status": 200,
    }
    post.update(fields)
    return post


def _garden_posts(site_id: int) -> list[dict]:
    hostile_body = (
        '<p>Look <a href="https://elsewhere.example.com/x">there</a> and <img src="https://cdn.example.com/a.png" '
        'alt="a leaf"></p><script>alert(1)</script><p onclick="steal()">Done.</p>'
    )
    return [
        _post(site_id, GARDEN, "2024/03/compost/", "Compost: the basics", "2024-03-05T09:00:00+08:00",
              tags=["soil", "Compost"], updated="2024-04-01T10:00:00+08:00", content_html=hostile_body),
        _post(site_id, GARDEN, "2024/03/mulch/", "Mulch & more", "2024-03-31T23:59:00+08:00", tags=["soil"]),
        _post(site_id, GARDEN, "2024/04/seeds/", "种子的保存方法", "2024-04-01T00:10:00+08:00", lang="zh-CN",
              tags=["种子", "compost"], author="林一"),
        # Hostile slugs: path traversal, an absolute path, NUL, a reserved Windows name, dots, a long name.
        _post(site_id, GARDEN, "2024/05/..%2F..%2Fetc%2Fpasswd", "Escape attempt", "2024-05-01T08:00:00Z"),
        _post(site_id, GARDEN, "2024/05/%2Froot%2Fabs", "Absolute", "2024-05-02"),
        _post(site_id, GARDEN, "2024/05/nul%00byte", "Null byte", "2024-05-03T08:00:00"),
        _post(site_id, GARDEN, "2024/05/CON", "Console", "2024-05-04T08:00:00+02:00"),
        _post(site_id, GARDEN, "2024/05/aux.txt", "Aux", "2024-05-05T08:00:00+02:00"),
        _post(site_id, GARDEN, "2024/05/.../", "...", "2024-05-06T08:00:00+02:00"),
        _post(site_id, GARDEN, "2024/05/" + "long-" * 80, "Long", "2024-05-07T08:00:00+02:00"),
        # Two posts that give the same file name, also once only by case.
        _post(site_id, GARDEN, "2023/winter/", "Winter, first", "2023-01-10T08:00:00+02:00", tags=[]),
        _post(site_id, GARDEN, "2024/winter/", "Winter, again", "2024-01-10T08:00:00+02:00", tags=[]),
        _post(site_id, GARDEN, "2024/Winter/", "Winter, shouted", "2024-01-11T08:00:00+02:00", tags=[]),
        _post(site_id, GARDEN, "undated/", 'No date: "quoted" #x', None, tags=[], categories=[], author=None),
    ]


def _kitchen_posts(site_id: int) -> list[dict]:
    return [
        _post(site_id, KITCHEN, f"{year}/bread-{year}.html", f"Bread of {year}", f"{year}-06-01T12:00:00-05:00",
              tags=["bread", "Soil"], categories=["baking"])
        for year in (2022, 2023, 2024)
    ]


@pytest.fixture(scope="module")
def db(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("export") / "archive.db"
    with Archive(path) as archive:
        garden = archive.upsert_site(url=GARDEN, title="Garden Notes", engine="hugo", theme=None, feeds=[],
                                     sitemaps=[], lang="en")
        kitchen = archive.upsert_site(url=KITCHEN, title=None, engine="jekyll", theme=None, feeds=[],
                                      sitemaps=[], lang="en")
        crawl_id = archive.start_crawl([GARDEN, KITCHEN], {})
        archive.save_posts(_garden_posts(garden), crawl_id)
        archive.save_posts(_kitchen_posts(kitchen), crawl_id)
        archive.finish_crawl(crawl_id, "ok", {})
    return path


def db_posts(db: Path, where: str = "1", params: tuple = ()) -> dict[str, dict]:
    """Post rows by URL, tags/categories decoded, as the archive holds them."""
    with Archive(db) as archive:
        rows = list(archive.db.query(f"SELECT p.*, s.url AS site_url FROM posts p JOIN sites s ON s.id = p.site_id "
                                     f"WHERE {where}", params))
    for row in rows:
        row["tags"] = json.loads(row["tags"])
        row["categories"] = json.loads(row["categories"])
    return {row["url"]: row for row in rows}


def run(*args: str):
    result = CliRunner().invoke(main, ["export", *args])
    return result


def export_to(db: Path, tmp_path: Path, fmt: str, name: str, *extra: str) -> Path:
    out = tmp_path / name
    result = run(fmt, "-o", str(out), "--db", str(db), *extra)
    assert result.exit_code == 0, result.output
    return out


# --- round trips ----------------------------------------------------------------------------------------------


def test_jsonl_lines_are_the_archive_rows(db: Path, tmp_path: Path) -> None:
    out = export_to(db, tmp_path, "jsonl", "posts.jsonl")
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert {line["url"]: line for line in lines} == db_posts(db)


def test_csv_rows_are_the_archive_rows(db: Path, tmp_path: Path) -> None:
    out = export_to(db, tmp_path, "csv", "posts.csv")
    with out.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    expected = db_posts(db)
    assert len(rows) == len(expected)
    for row in rows:
        post = expected[row["url"]]
        assert (row["title"], json.loads(row["tags"]), json.loads(row["categories"])) == (
            post["title"], post["tags"], post["categories"])
        assert row["content_html"] == post["content_html"]


def _front_matter(path: Path) -> tuple[dict, str]:
    text = path.read_text(encoding="utf-8")
    match = re.match(r"^---\n(.*?\n)---\n\n(.*)$", text, re.DOTALL)
    assert match, f"{path.name} has no front matter"
    return yaml.safe_load(match[1]), match[2]


def test_markdown_front_matter_matches_the_archive(db: Path, tmp_path: Path) -> None:
    out = export_to(db, tmp_path, "markdown", "md")
    files = sorted(out.rglob("*.md"))
    expected = db_posts(db)
    assert len(files) == len(expected)
    for path in files:
        matter, body = _front_matter(path)
        post = expected[matter["url"]]
        assert matter["title"] == post["title"]
        assert matter.get("date") == post["published"]
        assert matter.get("updated") == post["updated"]
        assert matter["tags"] == post["tags"]
        assert matter["categories"] == post["categories"]
        assert matter.get("author") == post["author"]
        # The body is Markdown of the sanitized HTML: rendered, it reads as the page did (scripts gone).
        assert _visible_text(MarkdownIt("commonmark").render(body)) == _visible_text(clean_html(post["content_html"]))
        assert path.parent.parent == out  # one folder per site


def _visible_text(html: str) -> str:
    return " ".join(lxml_html.fragment_fromstring(html, create_parent="div").text_content().split())


def test_markdown_names_stay_inside_and_never_collide(db: Path, tmp_path: Path) -> None:
    out = export_to(db, tmp_path, "markdown", "md")
    files = list(out.rglob("*.md"))
    assert all(path.resolve().is_relative_to(out.resolve()) for path in files)
    assert len({str(path).casefold() for path in files}) == len(files) == len(db_posts(db))
    assert {path.parent.name for path in files} == {"garden.example.org", "kitchen.example.net-blog"}
    garden = {path.name for path in (out / "garden.example.org").iterdir()}
    assert {"winter.md", "winter-2.md", "Winter-3.md"} <= garden
    assert "_CON.md" in garden and "_aux.txt.md" in garden


def test_atom_feeds_give_back_every_post(db: Path, tmp_path: Path) -> None:
    out = export_to(db, tmp_path, "atom", "feeds")
    expected = db_posts(db)
    seen = {}
    for feed_path in out.glob("*.atom.xml"):
        feed = feedparser.parse(feed_path.read_bytes())
        assert not feed.bozo, feed.get("bozo_exception")
        for entry in feed.entries:
            seen[entry.link] = entry
    assert set(seen) == set(expected)
    for url, entry in seen.items():
        post = expected[url]
        assert entry.title == post["title"]
        assert entry.updated  # every entry is dated, the undated post by when it was archived
        if post["published"]:
            assert entry.published[:10] == post["published"][:10]


def test_atom_single_file_needs_one_site(db: Path, tmp_path: Path) -> None:
    result = run("atom", "-o", str(tmp_path / "all.xml"), "--db", str(db))
    assert result.exit_code != 0 and "--site" in result.output
    out = export_to(db, tmp_path, "atom", "kitchen.xml", "--site", KITCHEN)
    feed = feedparser.parse(out.read_bytes())
    assert not feed.bozo and len(feed.entries) == 3
    assert feed.feed.title == KITCHEN  # a site without a title is named by its URL


def test_sqlite_subset_opens_with_the_same_schema(db: Path, tmp_path: Path) -> None:
    out = export_to(db, tmp_path, "sqlite", "kitchen.db", "--site", KITCHEN)
    with Archive.open_readonly(out) as subset:
        summary = subset.summary()
        assert summary["sites"] == 1 and summary["posts"] == 3
        rows = {row["url"]: row for row in subset.db.query("SELECT * FROM posts")}
        tags = {row["name"] for row in subset.db.query("SELECT name FROM tags")}
    original = db_posts(db, "s.url = ?", (KITCHEN,))
    assert set(rows) == set(original)
    for url, row in rows.items():
        assert row["first_seen"] == original[url]["first_seen"]
        assert json.loads(row["tags"]) == original[url]["tags"]
    assert tags == {"bread", "Soil"}
    assert not out.with_name(out.name + "-wal").exists()


# --- the static HTML site -------------------------------------------------------------------------------------


@pytest.fixture
def html_out(db: Path, tmp_path: Path, monkeypatch) -> Path:
    monkeypatch.setattr(html_site, "POSTS_PER_PAGE", 4)  # garden's 14 posts span 4 index pages
    return export_to(db, tmp_path, "html", "site")


def test_html_links_resolve_to_files_and_nothing_external(db: Path, html_out: Path) -> None:
    allowed_external = set(db_posts(db)) | {GARDEN, KITCHEN}
    pages = list(html_out.rglob("*.html"))
    for page in pages:
        text = page.read_text(encoding="utf-8")
        tree = lxml_html.fromstring(text)
        assert not tree.xpath("//script"), page
        assert not tree.xpath("//@*[starts-with(name(), 'on')]"), page
        for _element, attribute, link, _ in tree.iterlinks():
            if urlsplit(link).scheme:
                assert attribute == "href" and link in allowed_external, (page, link)
                continue
            target = (page.parent / unquote(link.split("#")[0])).resolve()
            assert target.is_file(), (page, link)
            assert target.is_relative_to(html_out.resolve())


def test_html_has_every_post_index_pages_and_tag_pages(db: Path, html_out: Path) -> None:
    garden = html_out / "garden.example.org"
    assert len(list((garden / "posts").iterdir())) == 14
    assert sorted(p.name for p in (garden / "page").iterdir()) == ["2.html", "3.html", "4.html"]
    first = (garden / "index.html").read_text(encoding="utf-8")
    assert "page 1 of 4" in first and "Escape attempt" not in first  # newest first: May posts are on page 1
    # Tags differing only in case share one page: "Compost" and "compost".
    compost = (garden / "tags" / "Compost" / "index.html").read_text(encoding="utf-8")
    assert "Compost: the basics" in compost and "种子的保存方法" in compost
    post = next((garden / "posts").glob("compost-*.html"))
    text = post.read_text(encoding="utf-8")
    assert "a leaf" in text and "elsewhere.example.com" not in text
    # The image was never archived: a placeholder with its address as text, no source that would load it.
    placeholder = lxml_html.fromstring(text).xpath("//span[@class='archived-image-missing']")[0]
    assert placeholder.text_content() == "[image: a leaf] https://cdn.example.com/a.png"
    assert not lxml_html.fromstring(text).xpath("//img")
    assert "Done." in text and "alert(1)" not in text
    assert (html_out / "index.html").is_file()


# --- filters --------------------------------------------------------------------------------------------------


def _exported_urls(db: Path, tmp_path: Path, *filters: str) -> set[str]:
    out = export_to(db, tmp_path, "jsonl", "f.jsonl", "--force", *filters)
    return {json.loads(line)["url"] for line in out.read_text(encoding="utf-8").splitlines()}


@pytest.mark.parametrize(
    "filters, expected",
    [
        (("--site", KITCHEN), {KITCHEN + f"{y}/bread-{y}.html" for y in (2022, 2023, 2024)}),
        (("--site", "kitchen.example.net/blog"), {KITCHEN + f"{y}/bread-{y}.html" for y in (2022, 2023, 2024)}),
        (("--site", "2", "--since", "2024"), {KITCHEN + "2024/bread-2024.html"}),
        # --until takes the whole day, on the post's own calendar (23:59 +08:00 is still March 31st there).
        (("--site", GARDEN, "--since", "2024-03", "--until", "2024-03-31"),
         {GARDEN + "2024/03/compost/", GARDEN + "2024/03/mulch/"}),
        (("--until", "2022"), {KITCHEN + "2022/bread-2022.html"}),
        (("--tag", "COMPOST"), {GARDEN + "2024/03/compost/", GARDEN + "2024/04/seeds/"}),
        (("--tag", "soil", "--site", KITCHEN, "--until", "2023-06-01"),
         {KITCHEN + "2022/bread-2022.html", KITCHEN + "2023/bread-2023.html"}),
    ],
)
def test_filters_select_posts(db: Path, tmp_path: Path, filters: tuple[str, ...], expected: set[str]) -> None:
    assert _exported_urls(db, tmp_path, *filters) == expected


@pytest.mark.parametrize("filters", [("--site", "https://nowhere.example/"), ("--since", "March"),
                                     ("--since", "2024-13"), ("--since", "2024", "--until", "2023")])
def test_bad_filters_are_refused_clearly(db: Path, tmp_path: Path, filters: tuple[str, ...]) -> None:
    result = run("jsonl", "-o", str(tmp_path / "x.jsonl"), "--db", str(db), *filters)
    assert result.exit_code == 1 and "Error:" in result.output
    assert not (tmp_path / "x.jsonl").exists()


@pytest.mark.parametrize("text, since, until", [
    ("2024", "2024-01-01", "2025-01-01"),
    ("2024-12", "2024-12-01", "2025-01-01"),
    ("2024-02-29", "2024-02-29", "2024-03-01"),
])
def test_date_bounds(text: str, since: str, until: str) -> None:
    assert (since_bound(text), until_bound(text)) == (since, until)


def test_impossible_date_is_an_error() -> None:
    with pytest.raises(SelectionError):
        since_bound("2023-02-29")


# --- existing outputs -----------------------------------------------------------------------------------------


def test_existing_file_is_kept_without_force(db: Path, tmp_path: Path) -> None:
    out = tmp_path / "posts.jsonl"
    out.write_text("precious\n")
    result = run("jsonl", "-o", str(out), "--db", str(db))
    assert result.exit_code == 1 and "--force" in result.output
    assert out.read_text() == "precious\n"
    assert run("jsonl", "-o", str(out), "--db", str(db), "--force").exit_code == 0
    assert len(out.read_text(encoding="utf-8").splitlines()) == len(db_posts(db))
    assert [p.name for p in tmp_path.iterdir()] == ["posts.jsonl"]  # no scratch file left behind


def test_force_replaces_an_earlier_export_folder_but_no_other_folder(db: Path, tmp_path: Path) -> None:
    out = export_to(db, tmp_path, "markdown", "md", "--site", KITCHEN)
    assert run("markdown", "-o", str(out), "--db", str(db)).exit_code == 1
    assert run("markdown", "-o", str(out), "--db", str(db), "--force", "--site", GARDEN).exit_code == 0
    assert [p.name for p in out.iterdir() if not p.name.startswith(".")] == ["garden.example.org"]
    home = tmp_path / "home"
    home.mkdir()
    (home / "thesis.tex").write_text("years of work")
    result = run("html", "-o", str(home), "--db", str(db), "--force")
    assert result.exit_code == 1 and "not an earlier export" in result.output
    assert (home / "thesis.tex").read_text() == "years of work"


# --- safe names -----------------------------------------------------------------------------------------------

HOSTILE = [
    "../../etc/passwd", "/etc/passwd", "C:\\Windows\\system32", "a\x00b", "x" * 600, "日本語" * 200, "CON",
    "aux.txt", "com1", "LPT9.md", "...", "..", ".", "", "   ", ".hidden", "trailing. ", "a/b\\c:d*e?f\"g<h>i|j",
    "right\u202eleft", "zero\u200bwidth", "Ünïcode-日本語-한국어-Ελληνικά", "\ud800lone", "tab\tand\nnewline",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_safe_name_is_one_harmless_component(text: str) -> None:
    name = safe_name(text)
    assert name and name not in (".", "..")
    assert not any(char in name for char in '/\\\x00:*?"<>|\t\n')
    assert not name.startswith(".") and not name.endswith((".", " "))
    assert len(name.encode("utf-8")) <= MAX_NAME_BYTES
    assert name.split(".")[0].casefold() not in WINDOWS_RESERVED_STEMS
    assert "\u202e" not in name and "\u200b" not in name


def test_safe_name_keeps_readable_text() -> None:
    assert safe_name("Ünïcode 日本語 한국어") == "Ünïcode-日本語-한국어"
    assert safe_name("../../etc/passwd") == "etc-passwd"
    assert safe_name("CON") == "_CON"
    assert safe_name("...", fallback="post-7") == "post-7"


def test_post_slug_prefers_the_url_then_title_then_id() -> None:
    assert post_slug("https://a.example/2024/05/hello-world/", "Title", 1) == "hello-world"
    assert post_slug("https://a.example/2024/05/hello.html", "Title", 1) == "hello"
    assert post_slug("https://a.example/notes/index.html", "Title", 1) == "notes"
    assert post_slug("https://a.example/?p=42", "Title", 1) == "42"
    assert post_slug("https://a.example/", "A Title", 1) == "A-Title"
    assert post_slug("https://a.example/", "///", 9) == "post-9"


def test_unique_names_resolve_collisions_case_insensitively() -> None:
    names = UniqueNames()
    claimed = [names.claim("notes", ".md"), names.claim("Notes", ".md"), names.claim("notes", ".md")]
    assert claimed == ["notes.md", "Notes-2.md", "notes-3.md"]
    long = "y" * MAX_NAME_BYTES
    assert [len(names.claim(long, ".md").encode()) <= MAX_NAME_BYTES + 3 for _ in range(3)] == [True] * 3


@pytest.mark.parametrize("text", [
    'a: b # c', '--- "q" \\ end', "yes", "null", "1.0", "2024-01-01", "@x", "*a", "&b", "!t", "%p", "|", ">", "-",
    "? k", "{a}", "[b]", "~", "\x00\x07\x7f\x85\u2028\u2029\ufeff", "tab\there\r\nnext", "😀 日本語 한국어",
])
def test_front_matter_strings_read_back_unchanged(text: str) -> None:
    assert yaml.safe_load(f"k: {yaml_string(text)}")["k"] == text
