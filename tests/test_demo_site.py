"""The bundled example blog and its static server, checked the way a reader or a crawler meets them."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from lxml import etree, html

from archiver.demo import SiteInfo, build_site, serve_directory, start_demo_site
from archiver.demo.markup import render_markdown

BASE_URL = "http://blog.test:4000"
ATOM = "{http://www.w3.org/2005/Atom}"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> SiteInfo:
    return build_site(tmp_path_factory.mktemp("demo"), base_url=BASE_URL)


def page(site: SiteInfo, url_path: str) -> html.HtmlElement:
    """The page a browser would get for url_path, read from the built files."""
    file_path = site.out_dir.joinpath(*unquote(url_path).strip("/").split("/")) / "index.html"
    return html.fromstring(file_path.read_bytes())


def listing_paths(site: SiteInfo) -> list[str]:
    return ["/"] + [f"/page/{n}/" for n in range(2, site.listing_page_count + 1)]


# --- the site as a reader sees it -------------------------------------------------------------------------


def test_site_has_two_dozen_posts_on_at_least_four_listing_pages(site: SiteInfo) -> None:
    assert site.post_count == len(site.posts) == 24
    assert site.listing_page_count >= 4


def test_listing_pages_show_every_post_once_newest_first_five_per_page(site: SiteInfo) -> None:
    seen: list[str] = []
    for path in listing_paths(site):
        links = page(site, path).cssselect("div.post-block h2.post-title > a.post-title-link")
        assert 1 <= len(links) <= 5
        seen += [link.get("href") for link in links]
    assert seen == [post.path for post in site.posts]
    published = [datetime.fromisoformat(post.published) for post in site.posts]
    assert published == sorted(published, reverse=True)


def test_every_listing_page_links_the_next_one(site: SiteInfo) -> None:
    paths = listing_paths(site)
    for current, following in zip(paths, [*paths[1:], None], strict=True):
        tree = page(site, current)
        next_links = tree.cssselect('nav.pagination a.extend.next[rel="next"]')
        assert [a.get("href") for a in next_links] == ([following] if following else [])
        assert tree.cssselect("nav.pagination span.page-number.current")[0].text_content() == str(
            paths.index(current) + 1
        )


def test_first_listing_page_elides_middle_pages_like_hexo(site: SiteInfo) -> None:
    numbered = [a.get("href") for a in page(site, "/").cssselect("nav.pagination a.page-number")]
    assert numbered == ["/page/2/", f"/page/{site.listing_page_count}/"]
    assert page(site, "/").cssselect("nav.pagination span.space")


def test_listing_entries_show_the_creation_date_with_offset(site: SiteInfo) -> None:
    first = page(site, "/").cssselect("div.post-block")[0]
    time_element = first.cssselect('.post-meta time[itemprop~="datePublished"]')[0]
    assert time_element.get("datetime") == site.posts[0].published
    assert time_element.text_content() == site.posts[0].published[:10]
    assert time_element.get("title").startswith("创建时间：")


def test_post_pages_carry_published_date_in_time_json_ld_and_open_graph(site: SiteInfo) -> None:
    for post in site.posts:
        tree = page(site, post.path)
        assert tree.cssselect("h1.post-title")[0].text_content() == post.title
        assert (
            tree.cssselect('.post-meta time[itemprop~="datePublished"]')[0].get("datetime") == post.published
        )
        (ld_script,) = tree.xpath('//script[@type="application/ld+json"]')
        ld = json.loads(ld_script.text)
        assert (ld["@type"], ld["headline"], ld["datePublished"]) == (
            "BlogPosting",
            post.title,
            post.published,
        )
        og_time = tree.xpath('//meta[@property="article:published_time"]/@content')[0]
        assert datetime.fromisoformat(og_time) == datetime.fromisoformat(post.published)
        assert tree.xpath('//link[@rel="canonical"]/@href') == [BASE_URL + post.path]


def test_a_midnight_post_shows_its_local_day_while_open_graph_gives_utc(site: SiteInfo) -> None:
    midnight = next(post for post in site.posts if "T00:" in post.published)
    tree = page(site, midnight.path)
    assert tree.cssselect(".post-meta time")[0].text_content() == midnight.published[:10]
    og_time = datetime.fromisoformat(tree.xpath('//meta[@property="article:published_time"]/@content')[0])
    assert og_time.tzinfo == UTC and og_time.date().isoformat() < midnight.published[:10]


def test_some_posts_were_updated_and_say_when(site: SiteInfo) -> None:
    updated = []
    for post in site.posts:
        modified = page(site, post.path).cssselect('.post-meta time[itemprop="dateModified"]')
        if modified:
            assert modified[0].get("datetime") > post.published
            updated.append(post)
    assert len(updated) >= 3


def test_posts_are_half_chinese_half_english(site: SiteInfo) -> None:
    languages = [page(site, post.path).get("lang") for post in site.posts]
    assert languages.count("zh-CN") == languages.count("en") == 12


def test_posts_name_author_tags_and_categories(site: SiteInfo) -> None:
    for post in site.posts:
        tree = page(site, post.path)
        assert tree.cssselect(".post-copyright-author")[0].text_content().split("：")[-1].strip()
        tags = tree.cssselect('.post-tags a[rel="tag"]')
        assert tags and all(a.get("href").startswith("/tags/") for a in tags)
        assert tree.cssselect('.post-meta a[rel="index"]')[0].get("href").startswith("/categories/")


def test_cjk_slugs_are_percent_encoded_in_links_and_plain_on_disk(site: SiteInfo) -> None:
    cjk_posts = [post for post in site.posts if "%E" in post.path]
    assert len(cjk_posts) >= 4
    for post in cjk_posts:
        assert post.path.isascii()
        assert site.out_dir.joinpath(*unquote(post.path).strip("/").split("/"), "index.html").is_file()


def test_code_blocks_render_as_hexo_tables_with_a_line_number_gutter(site: SiteInfo) -> None:
    figures = [f for path in listing_paths(site) for f in page(site, path).cssselect("figure.highlight")]
    assert figures, "some listing excerpts show code"
    for figure in figures:
        gutter = figure.cssselect("td.gutter span.line")
        code = figure.cssselect("td.code span.line")
        assert [span.text_content() for span in gutter] == [str(n) for n in range(1, len(code) + 1)]


def test_more_split_posts_show_only_the_lead_and_a_read_more_button(site: SiteInfo) -> None:
    entries = [e for path in listing_paths(site) for e in page(site, path).cssselect("div.post-block")]
    with_button = [e for e in entries if e.cssselect(".post-button a.btn")]
    assert len(with_button) >= 1
    for entry in with_button:
        button = entry.cssselect(".post-button a.btn")[0]
        assert button.text_content().startswith("阅读全文")
        post_path = button.get("href").removesuffix("#more")
        assert button.get("href").endswith("#more")
        listing_text = entry.cssselect(".post-body")[0].text_content()
        full_body = page(site, post_path).cssselect(".post-body")[0]
        assert full_body.xpath('.//*[@id="more"]')
        assert len(full_body.text_content()) > len(listing_text) + 200


def test_math_is_left_as_text(site: SiteInfo) -> None:
    bodies = " ".join(page(site, post.path).cssselect(".post-body")[0].text_content() for post in site.posts)
    assert "$O(\\log n)$" in bodies
    assert "$$" in bodies


def test_site_says_it_is_hexo(site: SiteInfo) -> None:
    assert page(site, "/").xpath('//meta[@name="generator"]/@content')[0].startswith("Hexo 7")


def test_archives_tags_categories_and_about_pages_exist(site: SiteInfo) -> None:
    archive_links = page(site, "/archives/").cssselect(".posts-collapse a.post-title-link")
    assert [a.get("href") for a in archive_links] == [post.path for post in site.posts]
    tag_link = page(site, "/tags/").cssselect(".tag-cloud-tags a")[0].get("href")
    assert page(site, tag_link).cssselect(".posts-collapse a.post-title-link")
    assert page(site, "/categories/").cssselect(".category-list a.category-list-link")
    assert "示例博客" in page(site, "/about/").text_content()


def test_feed_lists_the_newest_posts_with_utc_times(site: SiteInfo) -> None:
    feed = etree.fromstring((site.out_dir / "atom.xml").read_bytes())
    entries = feed.findall(f"{ATOM}entry")
    assert 0 < len(entries) < site.post_count
    newest = entries[0]
    assert newest.findtext(f"{ATOM}id") == BASE_URL + site.posts[0].path
    published = datetime.fromisoformat(newest.findtext(f"{ATOM}published"))
    assert published == datetime.fromisoformat(site.posts[0].published)


def test_sitemap_and_robots_point_at_every_post(site: SiteInfo) -> None:
    sitemap = etree.fromstring((site.out_dir / "sitemap.xml").read_bytes())
    locations = {loc.text for loc in sitemap.iter(f"{SITEMAP}loc")}
    assert {BASE_URL + post.path for post in site.posts} <= locations
    assert f"Sitemap: {BASE_URL}/sitemap.xml" in (site.out_dir / "robots.txt").read_text()


def test_markdown_keeps_math_and_code_apart_from_emphasis() -> None:
    rendered = render_markdown("Cost is $a_i * b_j$ and `x*y*z` but *this* is **loud** <b>.\n")
    assert rendered.html == (
        "<p>Cost is $a_i * b_j$ and <code>x*y*z</code> but <em>this</em> is <strong>loud</strong> &lt;b&gt;.</p>"
    )
    assert rendered.excerpt_html is None


# --- the static server ------------------------------------------------------------------------------------


class NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


def fetch(
    url: str, headers: dict[str, str] | None = None, method: str = "GET"
) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, headers=headers or {}, method=method)
    try:
        with urllib.request.build_opener(NoRedirects).open(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


@pytest.fixture()
def served_root(tmp_path: Path):
    (tmp_path / "index.html").write_text("<html><body>home 首页</body></html>", encoding="utf-8")
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "index.html").write_text("<html><body>notes</body></html>", encoding="utf-8")
    (tmp_path / "feed.xml").write_text("<feed/>", encoding="utf-8")
    (tmp_path / "legacy.html").write_bytes("<html><body>旧页面</body></html>".encode("gbk"))
    (tmp_path / "404.html").write_text("<html><body>custom not found</body></html>", encoding="utf-8")
    with serve_directory(tmp_path) as handle:
        yield handle


def test_server_serves_index_html_for_a_directory_with_utf8_content_type(served_root) -> None:
    status, headers, body = fetch(served_root.url + "/")
    assert status == 200
    assert headers["Content-Type"] == "text/html; charset=utf-8"
    assert "home 首页" in body.decode("utf-8")
    assert fetch(served_root.url + "/feed.xml")[1]["Content-Type"] == "application/xml; charset=utf-8"


def test_server_redirects_a_directory_without_slash(served_root) -> None:
    status, headers, _ = fetch(served_root.url + "/notes?x=1")
    assert (status, headers["Location"]) == (301, "/notes/?x=1")


def test_server_answers_404_with_the_sites_404_page(served_root) -> None:
    status, _, body = fetch(served_root.url + "/missing/")
    assert status == 404 and b"custom not found" in body
    assert fetch(served_root.url + "/../../etc/passwd")[0] == 404


def test_server_answers_304_to_conditional_gets(served_root) -> None:
    _, headers, _ = fetch(served_root.url + "/")
    assert fetch(served_root.url + "/", {"If-None-Match": headers["ETag"]})[0] == 304
    assert fetch(served_root.url + "/", {"If-Modified-Since": headers["Last-Modified"]})[0] == 304
    assert fetch(served_root.url + "/", {"If-None-Match": '"something-else"'})[0] == 200


def test_server_answers_head_without_a_body(served_root) -> None:
    status, headers, body = fetch(served_root.url + "/", method="HEAD")
    assert (status, body) == (200, b"")
    assert int(headers["Content-Length"]) == len(fetch(served_root.url + "/")[2])


def test_server_applies_headers_json_overrides(served_root) -> None:
    overrides = {
        "/legacy.html": {"headers": {"Content-Type": "text/html; charset=utf-8"}},
        "/notes/": {"status": 500},
        "/feed.xml": {"status": 429, "headers": {"Retry-After": "2"}, "times": 1},
        "/": {"delay": 0.3},
    }
    (served_root.root / "_headers.json").write_text(json.dumps(overrides), encoding="utf-8")

    status, headers, body = fetch(served_root.url + "/legacy.html")
    assert (status, headers["Content-Type"]) == (200, "text/html; charset=utf-8")
    assert body.decode("gbk") == "<html><body>旧页面</body></html>"
    assert fetch(served_root.url + "/notes/")[0] == 500
    status, headers, _ = fetch(served_root.url + "/feed.xml")
    assert (status, headers["Retry-After"]) == (429, "2")
    assert fetch(served_root.url + "/feed.xml")[0] == 200, "after its one time the override stops"
    started = time.perf_counter()
    assert fetch(served_root.url + "/")[0] == 200
    assert time.perf_counter() - started >= 0.3
    assert fetch(served_root.url + "/_headers.json")[0] == 404


def test_demo_site_is_crawlable_over_http(tmp_path: Path) -> None:
    handle, info = start_demo_site(tmp_path / "site")
    try:
        cjk_post = next(post for post in info.posts if "%E" in post.path)
        status, _, body = fetch(handle.url + cjk_post.path)
        assert status == 200 and cjk_post.title in body.decode("utf-8")
        canonical = html.fromstring(body).xpath('//link[@rel="canonical"]/@href')[0]
        assert urlsplit(canonical).netloc == urlsplit(handle.url).netloc
    finally:
        handle.stop()
