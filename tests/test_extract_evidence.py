"""The feed and the sitemap as evidence of a blog's posts (extract.evidence, extract.survey, crawl.discovery): which
URLs they name may be posts no listing reached, which never are, and when a sitemap lastmod says a post changed."""

from __future__ import annotations

from archiver.crawl.discovery import BlogDiscovery, archive_period, archives_for, child_sitemaps
from archiver.extract.evidence import (
    Candidate,
    Named,
    PostShapes,
    changed_since,
    is_pagination_url,
    loose_key,
    missing_posts,
    never_a_post,
    path_shape,
)
from archiver.extract.listing import parse_listing
from archiver.extract.model import DateValue
from archiver.extract.pagekind import LISTING, OTHER
from archiver.extract.survey import survey_page

ROOT = "https://boats.example/"


def named(*paths: str, via: str = "sitemap") -> dict[str, Named]:
    return {loose_key(ROOT.rstrip("/") + p): Named(ROOT.rstrip("/") + p, via, ROOT + "sitemap.xml") for p in paths}


def test_shapes_keep_folders_and_generalize_slugs_and_numbers() -> None:
    assert path_shape("https://boats.example/2020/05/17/my-post/") == "#/#/#/*"
    assert path_shape("https://boats.example/posts/ropes.html") == "posts/*.html"
    assert path_shape("https://boats.example/p/1784522/") == "p/#"
    assert path_shape("boats.example/tech/ropes") == "tech/*"
    assert path_shape("boats.example/tech/ropes", coarse=True) == "*/*"


def test_a_url_is_post_like_when_listed_posts_share_its_shape() -> None:
    shapes = PostShapes(["boats.example/posts/a", "boats.example/posts/b", "boats.example/projects/x"])
    assert shapes.matches("https://boats.example/posts/new-one/")
    assert not shapes.matches("https://boats.example/projects/y/")  # one project is no evidence
    assert not shapes.matches("https://boats.example/about/")


def test_category_folders_match_once_the_posts_vary_there() -> None:
    shapes = PostShapes(["b.example/tech/a", "b.example/life/b", "b.example/misc/c"])
    assert shapes.matches("https://b.example/travel/d/")
    two = PostShapes(["b.example/tech/a", "b.example/life/b"])
    assert not two.matches("https://b.example/about/team/")


def test_indexes_pagination_files_and_the_home_are_never_posts() -> None:
    for url in ("https://boats.example/", "https://boats.example/2020/05/", "https://boats.example/tags/rope/",
                "https://boats.example/page/3/", "https://boats.example/blog/index4.html",
                "https://boats.example/?page=2", "https://boats.example/feed.xml", "https://boats.example/a.pdf",
                "https://elsewhere.example/2020/05/17/post/"):
        assert never_a_post(url, ROOT), url
    assert not never_a_post("https://boats.example/?p=123", ROOT)  # WordPress's post shortlink
    assert is_pagination_url("https://boats.example/blog/page2/")


def test_missing_posts_are_the_post_like_urls_no_listing_showed() -> None:
    listed = ["boats.example/2023/01/02/a", "boats.example/2023/01/08/b"]
    evidence = named("/2023/01/02/a/", "/2022/12/30/c/", "/about/", "/2022/12/", "/docs/splicing/")
    found = missing_posts(evidence, listed, [], ROOT, PostShapes(listed))
    assert [c.url for c in found] == ["https://boats.example/2022/12/30/c/"]


def test_a_feed_entry_goes_before_bare_sitemap_urls_and_menu_pages_are_excluded() -> None:
    listed = ["boats.example/posts/a", "boats.example/posts/b"]
    evidence = {**named("/posts/c/", "/posts/about/"), **named("/posts/d/", via="feed")}
    found = missing_posts(evidence, listed, ["boats.example/posts/about"], ROOT, PostShapes(listed))
    assert [(c.url.rsplit("/", 2)[-2], c.named.via) for c in found] == [("d", "feed"), ("c", "sitemap")]


def test_without_listed_posts_every_page_url_is_a_candidate_dated_ones_first() -> None:
    found = missing_posts(named("/docs/x/", "/2023/01/02/a/", "/tags/t/"), [], [], ROOT, PostShapes([]))
    assert [(c.url, c.shaped) for c in found] == [("https://boats.example/2023/01/02/a/", True),
                                                  ("https://boats.example/docs/x/", False)]


def test_doubled_slashes_in_a_feed_name_the_same_post() -> None:
    assert loose_key("https://boats.example//2024/09/08/a.html") == loose_key("https://boats.example/2024/09/08/a.html")


def test_lastmod_changes_against_the_last_sitemap_else_the_fetch_time() -> None:
    assert changed_since("2024-04-01", "2024-03-01", None)
    assert not changed_since("2024-03-01", "2024-03-01T00:00:00Z", "2020-01-01")
    assert changed_since("2024-04-01T10:00:00+02:00", None, "2024-04-01T07:00:00+00:00")
    assert not changed_since("2024-04-01", None, "2024-04-01T07:00:00+00:00")  # a day is its midnight
    assert not changed_since(None, "2024-03-01", None)
    assert not changed_since("2024-04-01", None, None)


def test_the_feed_entry_wins_and_keeps_the_sitemap_lastmod() -> None:
    discovery = BlogDiscovery()
    discovery.name(Named(ROOT + "a/", "sitemap", ROOT + "sitemap.xml", lastmod="2024-01-01"))
    discovery.name(Named(ROOT + "a/", "feed", ROOT + "feed.xml", "A", DateValue("2023-12-01", "x", "feed")))
    got = discovery.named[loose_key(ROOT + "a/")]
    assert (got.via, got.title, got.lastmod) == ("feed", "A", "2024-01-01")


def test_child_sitemaps_of_tags_categories_and_authors_are_not_read() -> None:
    children = [ROOT + n for n in ("post-sitemap.xml", "page-sitemap.xml", "category-sitemap.xml",
                                   "wp-sitemap-taxonomies-post_tag-1.xml", "wp-sitemap-users-1.xml",
                                   "sitemap-tags.xml", "wp-sitemap-posts-post-1.xml")]
    assert child_sitemaps(children) == [ROOT + "post-sitemap.xml", ROOT + "page-sitemap.xml",
                                        ROOT + "wp-sitemap-posts-post-1.xml"]


def test_archive_pages_are_chosen_for_the_months_of_the_missing_posts() -> None:
    archives = [ROOT + "2023/04/", ROOT + "2023/03/", ROOT + "2023/", ROOT + "2022/", ROOT + "blog/2009_05_01_archive.html"]
    assert archive_period(ROOT + "blog/2009_05_01_archive.html") == ("2009", "05")
    assert archive_period(ROOT + "2022/") == ("2022", None)
    missing = [Candidate(Named(ROOT + "2023/03/09/x/", "feed", ROOT), True),
               Candidate(Named(ROOT + "y/", "feed", ROOT, published=DateValue("2022-07-01", "", "feed")), True)]
    assert archives_for(archives, missing) == [ROOT + "2023/03/", ROOT + "2022/"]
    assert archives_for(archives, [Candidate(Named(ROOT + "z/", "sitemap", ROOT), False)]) == archives


def test_a_survey_tells_an_about_home_from_a_list_and_finds_its_ways_to_the_posts() -> None:
    about = """<html><head><title>Boats</title></head><body><header><nav><a href="/">Home</a>
    <a href="/blog/">Blog</a> <a href="/about/">About</a></nav></header><main><h1>Hello</h1>
    <p>I repair wooden boats.</p></main><aside><a href="/2023/05/">May 2023</a><a href="/2023/">2023</a></aside>
    </body></html>"""
    survey = survey_page(about, ROOT, parse_listing(about, ROOT))
    assert survey.kind.kind == OTHER and not survey.lists_posts
    assert survey.labelled_links() == [ROOT + "blog/"]
    assert survey.date_archives == [ROOT + "2023/05/", ROOT + "2023/"]
    assert loose_key(ROOT + "about/") in survey.menu

    cards = "".join(f'<article><h2><a href="/2023/05/{d:02d}/post-{d}/">Post {d} on ropes</a></h2><time datetime='
                    f'"2023-05-{d:02d}">May {d}</time><p>What post {d} says about ropes and tides, at length.</p>'
                    "</article>" for d in range(1, 7))
    listing = f"<html><head><title>Boats</title></head><body><main>{cards}</main></body></html>"
    assert survey_page(listing, ROOT, parse_listing(listing, ROOT)).kind.kind == LISTING
