"""Per-engine/theme knowledge for listing pages, as data: fingerprints and CSS selectors.

Each ThemeRule names CSS selectors relative to an entry block. Empty selectors mean "use the generic
heuristics for this field". Rules are tried in order; the first whose `fingerprint` matches the page wins.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# A rule's `date` when the theme shows no publication date on listings (only an updated date, or nothing).
NO_DATE = "-"


@dataclass(frozen=True, slots=True)
class ThemeRule:
    """Selectors for one theme's listing markup (CSS, relative to the entry block unless noted)."""

    engine: str
    theme: str
    fingerprint: str  # CSS selector (whole page) whose presence identifies the theme
    entry: str  # CSS selector (whole page) of one post entry block
    title: str = ""  # title element (a link, or a heading around/inside the link)
    link: str = ""  # the permalink <a> when it is not the title
    date: str = ""
    excerpt: str = ""
    drop: str = ""  # elements inside the excerpt that are not excerpt text (meta, buttons)
    tags: str = ""
    categories: str = ""
    author: str = ""
    exclude: str = ""  # ancestors (CSS, whole page) whose entries are not listing entries
    assets: tuple[str, ...] = ()  # substrings of script/stylesheet URLs that also identify the theme

    @property
    def name(self) -> str:
        """The rule's id, e.g. "hexo-next"."""
        return f"{self.engine}-{self.theme}"


# Read-more buttons and links: their text is never excerpt text.
READ_MORE_TEXT = re.compile(
    r"\s*(read\s*more|continue\s*reading|more|keep\s*reading|read\s*the\s*rest|read\s*full|full\s*post|"
    r"view\s*post|阅读全文|閱讀全文|继续阅读|繼續閱讀|阅读更多|閱讀更多|查看全文|查看详情|查看更多|更多|全文|続きを読む|"
    r"もっと読む|더\s*보기|계속\s*읽기|lire\s*(la\s*)?suite|lire\s*plus|lire\s*l.article( complet)?|"
    r"en\s*savoir\s*plus|leia\s*mais|weiterlesen|)\s*[»→›>…\.]*\s*",
    re.IGNORECASE,
)
READ_MORE_CLASS = re.compile(r"(read-?more|more-?link|readmore|post-more|article-more|excerpt_more|post-button|"
                             r"btn-more|continue)", re.IGNORECASE)

# Classes of elements inside an entry that hold meta data, not excerpt text.
META_CLASS = re.compile(
    r"(^|[-_\s])(meta|post-meta|entry-meta|entry-footer|post-footer|post-info|article-meta|byline|tags?|"
    r"tag-list|categor(y|ies)|post-tags|share|comments?|post-date|date|time|footer|badge)([-_\s]|$)",
    re.IGNORECASE,
)

# Class or id names of the element holding an entry's excerpt in unknown themes...
EXCERPT_NAME = re.compile(
    r"(excerpt|summary|abstract|teaser|preview|description|synopsis|snippet|(^|[-_\s])(desc|intro|lead)([-_\s]|$))",
    re.IGNORECASE,
)
# The names among those that say "the post's excerpt" rather than "a description" (a subtitle, a caption).
EXCERPT_FIRST_NAME = re.compile(r"(excerpt|summary|abstract|teaser|preview|synopsis|snippet)", re.IGNORECASE)
# ...and of the entry's content area, which on a listing holds the excerpt or the whole post.
CONTENT_NAME = re.compile(
    r"(entry-content|post-content|post-body|article-entry|content|(^|[-_\s])(entry|body|text|markdown|prose)"
    r"([-_\s]|$))",
    re.IGNORECASE,
)
# Elements that never hold an excerpt by themselves (code and its line numbers, media, tables of data).
NEVER_EXCERPT_TAGS = frozenset({"code", "pre", "kbd", "samp", "table", "img", "figure", "svg", "button", "time",
                                "script", "style", "template", "noscript", "input", "select", "textarea"})

# Ancestors that mark a link as navigation or a sidebar widget rather than a listing entry.
CHROME_CLASS = re.compile(
    r"(sidebar|widget|(^|[-_\s])nav|menu|footer|header|breadcrumb|related|recent|popular|toc|pagination|"
    r"pager|swiper|carousel|banner|top_post|featured|sticky-list)",
    re.IGNORECASE,
)
CHROME_TAGS = frozenset({"nav", "aside", "footer", "header"})

# URL path segments that never lead to a single post.
NON_POST_SEGMENTS = frozenset(
    ["tag", "tags", "category", "categories", "categorie", "page", "author", "authors", "search", "label", "labels", "topics", "series", "wp-login.php", "wp-admin"]
)
# Last path segments of site sections (not posts) when the path is short: /about/, /archives/, /feed/.
SECTION_SEGMENTS = frozenset(
    ["feed", "rss", "atom", "archive", "archives", "about", "links", "friends", "link", "comments", "posts", "blog", "index.html"]
)
NON_POST_SUFFIXES = (".xml", ".rss", ".atom", ".json", ".png", ".jpg", ".jpeg", ".gif", ".webp", ".svg",
                     ".pdf", ".zip", ".css", ".js")

# Classes of un-linked category labels ("Python 2026-01-11" meta lines of hand-written themes).
CATEGORY_CLASS = re.compile(r"(^|[-_\s])(cat|cats|category|categories)([-_\s]|$)", re.IGNORECASE)
TAG_HREF = re.compile(r"/(tags?|labels?|topics?)/", re.IGNORECASE)
CATEGORY_HREF = re.compile(r"/(categor(y|ies)|categorie)/", re.IGNORECASE)

# Engine from <meta name=generator>.
GENERATOR_ENGINES: tuple[tuple[str, str], ...] = (
    ("hexo", "hexo"), ("hugo", "hugo"), ("jekyll", "jekyll"), ("wordpress", "wordpress"), ("ghost", "ghost"),
    ("pelican", "pelican"), ("gridea", "gridea"), ("mkdocs", "mkdocs"), ("docusaurus", "docusaurus"),
    ("blogger", "blogger"), ("wintersmith", "wintersmith"), ("gatsby", "gatsby"), ("eleventy", "eleventy"),
    ("hexo-theme", "hexo"), ("redefine", "hexo"), ("zola", "zola"), ("vuepress", "vuepress"),
    ("vitepress", "vitepress"), ("astro", "astro"), ("nuxt", "nuxt"), ("typecho", "typecho"),
    ("halo", "halo"), ("z-blog", "zblog"), ("drupal", "drupal"), ("joomla", "joomla"),
)

# Engine fingerprints when there is no generator meta: substrings of asset URLs / markup selectors.
ENGINE_ASSETS: tuple[tuple[str, str], ...] = (
    ("/wp-content/", "wordpress"), ("/wp-includes/", "wordpress"), ("/ghost/", "ghost"),
    ("assets/built/", "ghost"), ("/_next/", "nextjs"), ("blogger.com", "blogger"),
    ("/assets/javascripts/bundle", "mkdocs"), ("/theme/css/", "pelican"),
)

THEME_RULES: tuple[ThemeRule, ...] = (
    # --- Hexo ---
    ThemeRule("hexo", "butterfly", "#recent-posts .recent-post-item", "#recent-posts .recent-post-item",
              title=".article-title", date="time.post-meta-date-created, .post-meta-date time",
              excerpt=".content", categories=".article-meta__categories", tags=".article-meta__tags",
              exclude="#home_top, .top_post_group", assets=("butterfly",)),
    ThemeRule("hexo", "next", ".posts-expand", ".posts-expand article",
              title=".post-title-link, .post-title a", date=".post-meta time",
              excerpt=".post-body", drop=".post-button, .post-more-link, .post-meta, .post-footer",
              categories="[itemprop=about] [itemprop=name], .post-category a",
              assets=("next-boot.js", "/js/next.", "theme-next")),
    ThemeRule("hexo", "fluid", ".index-card", ".index-card", title=".index-header a",
              date=".post-meta time, .index-btm time", excerpt=".index-excerpt",
              categories=".category-chain a, .post-meta a[href*='/categories/']",
              tags=".post-meta a[href*='/tags/']"),
    ThemeRule("hexo", "icarus", ".column-main article.card-content.article, .column-main .card article.article",
              ".column-main .card article.article", title=".title a", date="time",
              excerpt=".content", drop=".article-more, .article-meta"),
    ThemeRule("hexo", "keep", ".home-post-list .home-post-item", ".home-post-list .home-post-item",
              title=".home-post-title a", date=NO_DATE,
              excerpt=".home-post-content", categories=".home-post-category a, .post-category a",
              tags=".home-post-tag a, .post-tags a"),
    ThemeRule("hexo", "redefine", ".home-article-list .home-article-item", ".home-article-list .home-article-item",
              title=".home-article-title a", date=".home-article-date", excerpt=".home-article-content",
              categories=".home-article-category a", tags=".home-article-tag a"),
    ThemeRule("hexo", "landscape", "article.article .article-inner", "#main article.article",
              title=".article-title", link=".article-title, a.article-date", date="a.article-date time, time",
              excerpt=".article-entry", drop=".article-more-link",
              categories=".article-category a", tags=".article-tag-list a"),
    ThemeRule("hexo", "cactus", "#archive .post-list .post-item, .post-list .post-item",
              ".post-list .post-item", title="a", date="time", excerpt=""),
    ThemeRule("hexo", "maupassant", ".content_container .post .post-title",
              ".content_container .post", title=".post-title a", date=".post-meta .post-time, .post-meta",
              excerpt=".post-content", drop=".readmore, p.readmore"),
    ThemeRule("hexo", "matery", "#articles .article", "#articles .article", title=".card-title",
              link="a", date=".publish-date", excerpt=".summary", categories=".post-category",
              tags=".article-tags .chip"),
    # --- Hugo ---
    ThemeRule("hugo", "papermod", "article.post-entry", "article.post-entry",
              title=".entry-header h2, .entry-header h1", link="a.entry-link",
              date=".entry-footer span[title], .entry-footer", excerpt=".entry-content"),
    ThemeRule("hugo", "loveit", ".page.archive .archive-item", ".page.archive .archive-item",
              title=".archive-item-link", date=".archive-item-date"),
    ThemeRule("hugo", "loveit", "article.single.summary", "article.single.summary",
              title=".single-title a", date=".post-meta time, .post-meta", excerpt=".content",
              drop=".post-footer"),
    ThemeRule("hugo", "clarity", "ul.posts .post_item", "ul.posts .post_item", title=".post_link a",
              date=".post_date", excerpt=".pale, .excerpt_footer", drop=".excerpt_more", tags=".post_tag"),
    ThemeRule("hugo", "terminal", ".posts article.post.on-list", ".posts article.post.on-list",
              title=".post-title a", date=".post-date", excerpt=".post-content", drop=".read-more",
              tags=".post-tags a", author=".post-author"),
    ThemeRule("hugo", "stack", ".article-list article", ".article-list article",
              title=".article-title a", date="time.article-time--published, .article-time time",
              excerpt=".article-subtitle", categories=".article-category a"),
    ThemeRule("hugo", "even", "#posts article.post .post-header .post-title .post-link",
              "#posts article.post", title=".post-title a", date=".post-time", excerpt=".post-summary",
              drop=".read-more"),
    ThemeRule("hugo", "ananke", "body.production .nested-copy-line-height h1 a.link, .bg-near-white h1.f3 a",
              "article section .relative, section .relative.bg-white", title="h1 a",
              excerpt=".nested-links", drop="a.ba"),
    # --- Jekyll ---
    ThemeRule("jekyll", "hux", ".postlist-container .post-preview", ".postlist-container .post-preview",
              title=".post-title", link="a", date=".post-meta", excerpt=".post-content-preview"),
    ThemeRule("jekyll", "chirpy", "#post-list .post-preview, #post-list .card-wrapper",
              "#post-list .post-preview, #post-list .card-wrapper", title="h1, .card-title",
              link="h1 a, a.post-preview, a", date=".timeago, time, em[date]",
              excerpt=".post-content, .card-text", categories=".post-meta .fa-folder-open + span, .categories"),
    ThemeRule("jekyll", "minimal-mistakes", ".entries-list .archive__item, .archive .list__item .archive__item",
              ".archive__item", title=".archive__item-title a", date=".page__meta time, time",
              excerpt=".archive__item-excerpt"),
    ThemeRule("jekyll", "lanyon", ".posts .post .post-title", ".posts .post", title=".post-title",
              link=".post-title a", date=".post-date", excerpt="*", drop=".post-title, .post-date"),
    ThemeRule("jekyll", "minima", "ul.post-list > li .post-link", "ul.post-list > li",
              title=".post-link", date=".post-meta", excerpt=".post-excerpt, .excerpt",
              drop=".more-link, .post-meta, .post-link"),
    # --- other engines ---
    ThemeRule("ghost", "casper", "article.post-card .post-card-content-link", "article.post-card", title=".post-card-title",
              link="a.post-card-content-link, a", date="time", excerpt=".post-card-excerpt",
              tags=".post-card-primary-tag"),
    ThemeRule("ghost", "casper", "article.post .post-excerpt", "article.post", title=".post-title a",
              date="time.post-date", excerpt=".post-excerpt", drop="a.read-more", tags=".post-meta a[href*='/tag/']"),
    ThemeRule("mkdocs", "material", "article.md-post--excerpt", "article.md-post--excerpt",
              title=".md-post__content h2", link=".md-post__action a, .md-post__content h2 a",
              date=".md-post__header time, time", excerpt=".md-post__content",
              drop=".md-post__action, .md-post__content > h2:first-child, .md-post__content > h1:first-child",
              categories=".md-post__header a[href*='/category/']"),
    ThemeRule("docusaurus", "classic", ".blog-list-page main article", "main > article",
              title="header h2 a, header h1 a", date="header time", excerpt=".markdown",
              tags="footer a[href*='/tags/']", author=".avatar__name"),
    ThemeRule("blogger", "classic", ".date-header", ".post", title=".post-title",
              link=".post-title a, .post-footer a[title='permanent link'], .post-footer a, .timestamp-link",
              date="abbr.published, .published, .date-header", excerpt=".post-body",
              author=".post-author, .fn"),
    ThemeRule("gridea", "notes", "article.post-item", "article.post-item", title=".post-title",
              link="a", date=".post-date", excerpt=".post-abstract"),
    ThemeRule("pelican", "mg", "article.uk-article", "article.uk-article", title=".uk-article-title",
              date="time", excerpt="[itemprop=articleBody]", drop=".uk-article-meta",
              tags="a[rel=tag], a[href*='/tag/']", categories="a[href*='/category/']"),
    # --- WordPress (any classic theme) ---
    ThemeRule("wordpress", "generic", "article.post .entry-title, article.type-post .entry-title, .hentry .entry-title",
              "article.post, article.type-post, div.post.hentry, div.type-post",
              title=".entry-title a, .post-title a", date="time.entry-date, time.published, .posted-on time, .entry-meta time, .entry-date",
              excerpt=".entry-summary, .entry-content, .entry-excerpt, .post-content",
              drop=".more-link, .read-more, .entry-meta, .entry-footer, .sharedaddy",
              categories=".cat-links a, a[rel~='category']", tags=".tags-links a, a[rel='tag']",
              author=".author a, .byline a", exclude=".widget, .alx-tab, #sidebar, .sidebar"),
)
