"""The generated sites: engine, published theme, layout, and the labeler's selectors for each theme's listings.

The selectors only label the gold (where an entry is, which part is its excerpt); the crawler under test never
sees them. Layouts: "list" (the home page is the paginated post list), "about-home" (the home is an about page, the
list is one menu link away), "newest-home" (the home shows the newest few posts, the full list is one link away).
"""

from __future__ import annotations

from pathlib import Path

from benchmarks.gensites.build import Listing, Site, listing_pages


def paged(first: str, pattern: str, entry: str, excerpt: str | None = None, drop: str | None = None):
    """Listing groups for one paginated list: `first`, then `pattern` with {n} = 2, 3, ..."""
    def groups(www: Path) -> list[Listing]:
        return [Listing(listing_pages(www, first, pattern), entry, excerpt, drop)]
    return groups


def home_then(home_entry: str, home_excerpt: str | None, first: str, pattern: str, entry: str,
              excerpt: str | None = None, drop: str | None = None, home_drop: str | None = None):
    """A home page showing the newest few posts, then the full list elsewhere."""
    def groups(www: Path) -> list[Listing]:
        return [Listing(["/"], home_entry, home_excerpt, home_drop),
                Listing(listing_pages(www, first, pattern), entry, excerpt, drop)]
    return groups


SITES: list[Site] = [
    Site("hexo-landscape", "hexo", "landscape", "list", count=34, per_page=10, tz="Asia/Shanghai", lang="en",
         content_selector="div.article-entry",
         listing=paged("/", "/page/{n}/", "article.article", ".article-entry", ".article-more-link"),
         notes="Control: Hexo's default theme, which the project has a table for. Whole posts on the listing when "
               "there is no more marker."),
    Site("hexo-stellar", "hexo", "stellar", "list", count=40, per_page=8, tz="America/New_York", lang="en",
         content_selector="article.md-text", skip=2,
         listing=paged("/", "/page/{n}/", ".post-list .post-card", ".excerpt"),
         notes="Stellar: card list, sidebar of recent posts on every page."),
    Site("hexo-async", "hexo", "async", "about-home", count=30, per_page=6, tz="Asia/Shanghai", lang="en",
         content_selector=".trm-publication", listing=paged("/blog/", "/blog/page/{n}/", ".trm-blog-card"),
         options={"theme_config": "top_bars:\n  - title: Home\n    url: /\n  - title: Blog\n    url: /blog/\n"
                                  "  - title: Archive\n    url: /archives/\n"},
         notes="Home is an about page; the posts are under the 'Blog' menu link (/blog/). Listing dates are "
               "yy/mm/dd. No excerpt on the listing."),
    Site("hexo-reimu", "hexo", "reimu", "newest-home", count=26, per_page=8, tz="Europe/Berlin", lang="en",
         content_selector="article.article-entry, .article-entry",
         listing=home_then(".post-wrap", ".post-article", "/blog/", "/blog/page/{n}/", ".post-wrap", ".post-article"),
         notes="Home shows the 4 newest posts with no pager (a site script); the full list is /blog/, linked from "
               "the about page and the archive."),
    Site("hexo-yun", "hexo", "yun", "list", count=45, per_page=10, tz="Asia/Shanghai", lang="zh",
         content_selector=".markdown-body", options={"hexo_language": "zh-CN", "title": "林的笔记本"},
         listing=paged("/", "/page/{n}/", "article.post-card", ".post-card-excerpt"),
         notes="Yun, Chinese interface."),
    Site("hexo-kratos-rebirth", "hexo", "kratos-rebirth", "list", count=36, per_page=10, tz="Asia/Shanghai",
         lang="zh", content_selector="[itemprop=articleBody]", escapes_titles=False,
         options={"hexo_language": "zh-CN"},
         listing=paged("/", "/page/{n}/", ".kratos-entry-post-main", ".kratos-entry-content"),
         notes="Kratos-Rebirth prints titles unescaped, so the post with '<' in its title is left out."),
    Site("hexo-solitude", "hexo", "solitude", "list", count=28, per_page=7, tz="UTC", lang="en",
         content_selector="article.post-content", listing=paged("/", "/page/{n}/", ".recent-post-item"),
         notes="Solitude: list without excerpts; the date is a <time> in UTC."),
]

SITES += [
    Site("pelican-notmyidea", "pelican", "notmyidea", "list", count=32, per_page=6, tz="Europe/Berlin", lang="en",
         escapes_titles=False, content_selector="div.entry-content", listing=paged("/", "/index{n}.html", "article", ".entry-content | SELF", "h1, footer.post-info, a.readmore"),
         notes="Pelican's default theme: the newest post in full on top, the rest as summaries; pages index2.html. "
               "Pelican renders title metadata as Markdown (raw tags vanish), so the post with '<' in its title is "
               "left out of the Pelican sites."),
    Site("pelican-reflex", "pelican", "reflex", "list", count=38, per_page=7, tz="America/New_York", lang="en",
         escapes_titles=False, content_selector="article", listing=paged("/", "/index{n}.html", "article", ".entry-content", "a.btn"),
         options={"article_url": "posts/{date:%Y}/{slug}/",
                  "settings": {"CC_LICENSE": {"name": "Creative Commons Attribution-ShareAlike", "version": "4.0",
                                              "slug": "by-sa", "icon": True, "language": "en_US"},
                               "SITESUBTITLE": "Notes on software, data and food"}}),
    Site("pelican-smallweb", "pelican", "smallweb", "about-home", count=24, per_page=5, tz="Asia/Shanghai",
         lang="en", escapes_titles=False, content_selector="article", listing=paged("/blog/", "/blog/index{n}.html", "article.preview", "section"),
         options={"pagination_patterns": "((1, '{url}', '{save_as}'), (2, '{base_name}/index{number}.html', "
                                         "'{base_name}/index{number}.html'))"},
         notes="Home is an about page; the list is /blog/ (menu link 'Blog')."),
]

SITES += [
    Site("mkdocs-material", "mkdocs", "material", "about-home", count=30, per_page=10, tz="UTC", lang="en",
         content_selector="article.md-content__inner",
         listing=paged("/blog/", "/blog/page/{n}/", "article.md-post", ".md-post__content", "h2, .md-post__action"),
         notes="MkDocs Material's blog plugin: the home is a documentation page, the blog is under /blog/."),
    Site("eleventy-base-blog", "eleventy", "base-blog", "newest-home", count=22, per_page=0, tz="UTC", lang="en",
         content_selector="main", skip=3,
         listing=home_then("li.postlist-item", None, "/posts/", "/posts/page/{n}/", "li.postlist-item"),
         notes="eleventy-base-blog templates from npm: the home lists the 3 newest posts and links 'the archive' "
               "(/posts/, every post, no pager); dates are shown in UTC; no excerpts anywhere."),
]
