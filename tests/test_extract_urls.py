"""URL canonical forms, uniqueness keys, and what is inside a blog."""

from __future__ import annotations

import pytest

from archiver.extract.urls import blog_root, canonical_url, in_scope, url_key


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("HTTPS://Blog.Example.COM/a/", "https://blog.example.com/a/"),
        ("http://blog.example.com:80/a/", "http://blog.example.com/a/"),
        ("https://blog.example.com:443/a/", "https://blog.example.com/a/"),
        ("https://blog.example.com:8443/a/", "https://blog.example.com:8443/a/"),
        ("https://blog.example.com/a/#comments", "https://blog.example.com/a/"),
        ("https://blog.example.com/a/?utm_source=x&utm_medium=y", "https://blog.example.com/a/"),
        ("https://blog.example.com/a/?fbclid=1&id=3&gclid=2", "https://blog.example.com/a/?id=3"),
        ("https://blog.example.com/?b=2&a=1", "https://blog.example.com/?b=2&a=1"),
        ("https://blog.example.com/a/index.html", "https://blog.example.com/a/"),
        ("https://blog.example.com/index.php", "https://blog.example.com/"),
        ("https://blog.example.com/a/b/../c/./d/", "https://blog.example.com/a/c/d/"),
        ("https://blog.example.com", "https://blog.example.com/"),
        ("https://blog.example.com/%7euser/%e4%bd%a0", "https://blog.example.com/~user/%E4%BD%A0"),
        ("https://blog.example.com/2020/01/你好/", "https://blog.example.com/2020/01/%E4%BD%A0%E5%A5%BD/"),
        ("https://blog.example.com/a%2Fb/", "https://blog.example.com/a%2Fb/"),
        ("https://blog.example.com/a b/", "https://blog.example.com/a%20b/"),
        ("https://blog.example.com/post.html", "https://blog.example.com/post.html"),
    ],
)
def test_canonical_url(url: str, expected: str) -> None:
    assert canonical_url(url) == expected


def test_utf8_path_and_its_percent_encoding_are_one_url() -> None:
    assert canonical_url("https://b.example/2020/01/你好/") == canonical_url(
        "https://b.example/2020/01/%e4%bd%a0%e5%a5%bd/"
    )


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://example.com/a/b/", "example.com/a/b"),
        ("http://example.com/a/b", "example.com/a/b"),
        ("https://example.com/a/b/index.html#top", "example.com/a/b"),
        ("https://example.com/", "example.com"),
        ("https://example.com/list/?page=2", "example.com/list?page=2"),
    ],
)
def test_url_key(url: str, expected: str) -> None:
    assert url_key(url) == expected


def test_http_and_https_share_a_key() -> None:
    assert url_key("http://example.com/a/") == url_key("https://example.com/a")


@pytest.mark.parametrize(
    ("url", "root", "expected"),
    [
        ("https://b.example/2020/01/02/x/", "https://b.example/", True),
        ("http://b.example/2020/01/02/x/", "https://b.example/", True),
        ("https://www.b.example/x/", "https://b.example/", True),
        ("https://B.EXAMPLE/x/", "https://b.example/", True),
        ("https://other.example/x/", "https://b.example/", False),
        ("https://cdn.b.example/x/", "https://b.example/", False),
        ("https://b.example:8080/x/", "https://b.example/", False),
        ("https://b.example/project/post/", "https://b.example/project/", True),
        ("https://b.example/project", "https://b.example/project/", True),
        ("https://b.example/other-project/post/", "https://b.example/project/", False),
        ("https://b.example/projects/", "https://b.example/project/", False),
        ("mailto:me@b.example", "https://b.example/", False),
        ("/relative/", "https://b.example/", False),
    ],
)
def test_in_scope(url: str, root: str, expected: bool) -> None:
    assert in_scope(url, root) is expected


@pytest.mark.parametrize(
    ("start", "home_hint", "expected"),
    [
        ("https://b.example/", None, "https://b.example/"),
        # a listing below the root links posts outside its own path: the scope is the whole host
        ("https://b.example/archives/", None, "https://b.example/"),
        ("https://b.example/posts/", "https://b.example/", "https://b.example/"),
        ("https://b.example/fr/blog/", "/fr/", "https://b.example/fr/"),
        # a project page: the home link says the blog lives under /project/
        ("https://user.example.io/project/", "/project/", "https://user.example.io/project/"),
        ("https://user.example.io/project/page/2/", "https://user.example.io/project/",
         "https://user.example.io/project/"),
        # a home link elsewhere (another host, or a path the start page is not under) does not narrow the scope
        ("https://b.example/blog/", "https://elsewhere.example/", "https://b.example/"),
        ("https://b.example/blog/", "/about/", "https://b.example/"),
    ],
)
def test_blog_root(start: str, home_hint: str | None, expected: str) -> None:
    assert blog_root(start, home_hint) == expected


def test_the_url_caches_are_bounded_and_share_one_size() -> None:
    # Each full cache holds its URLs and results alive (~190 bytes an entry): four caches of 65,536 were ~50 MB of
    # a 100,000-post blog's crawl, filled by its sitemap alone.
    from archiver.extract import evidence, urls

    cached = (urls.canonical_url, urls.url_key, evidence.loose_key, evidence.loose_key_of)
    assert urls.URL_CACHE_SIZE <= 16384
    assert {function.cache_info().maxsize for function in cached} == {urls.URL_CACHE_SIZE}
