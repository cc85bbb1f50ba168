"""Post-page heuristics as data: body selectors per engine/theme, noise to strip, title/tag/author hints.

Everything here is a table; the code that uses it lives in post.py and content.py. Order matters in the
cascades: the first rule whose selector finds a non-trivial body wins.
"""

from __future__ import annotations

import re


def words(text: str) -> frozenset[str]:
    """The whitespace-separated words of a table written as one string."""
    return frozenset(text.split())

# (rule name, CSS selector) of the post body, most specific first. Engine/theme markup, then semantic markup.
BODY_RULES: tuple[tuple[str, str], ...] = (
    ("theme:hexo-butterfly", "#article-container"),
    ("theme:hexo-keep", ".keep-markdown-body"),
    ("theme:hexo-redefine", ".article-content.markdown-body"),
    ("theme:hexo-fluid", "article .markdown-body"),
    ("theme:hexo-next", ".post-body"),  # also Blogger classic/layouts
    ("theme:hexo-landscape", ".article-entry"),
    ("theme:hexo-icarus", "article.article > .content"),
    ("theme:mkdocs-material", "article.md-content__inner"),
    ("theme:docusaurus", "article .markdown"),
    ("theme:jekyll-minimal-mistakes", ".page__content"),
    ("theme:jekyll-hux", ".post-container"),
    ("theme:hugo-clarity", ".post_body"),
    ("theme:hugo-ananke", ".nested-copy-line-height"),
    ("theme:hugo-loveit", "#content.content"),
    ("theme:ghost", ".gh-content"),
    ("theme:ghost-legacy", ".post-full-content"),
    ("theme:wordpress-hueman", ".entry-inner"),
    ("theme:wordpress", ".entry-content"),
    ("theme:post-content", ".post-content"),  # Hugo PaperMod/Terminal, Jekyll minima/Chirpy, Ghost Casper, Gridea
    ("theme:article-content", ".article-content"),
    ("theme:post-body", ".post_content, .postbody, .post-entry, .entry-body"),
    ("schema.org", "[itemprop~=articleBody]"),
    ("h-entry", ".e-content"),
    ("theme:content-in-article", "article .content"),
)

# A body candidate with less visible text than this is treated as "not found" and the cascade moves on.
MIN_BODY_CHARS = 40

# Elements dropped from the body wherever they sit.
NOISE_TAGS = words(
    "script style noscript template form button input select textarea iframe object embed canvas dialog link "
    "meta nav aside"
)
# Inline <svg> is an icon unless it carries text labels (a drawn diagram): then its labels are body text.
SVG_LABEL_TAGS = ("text", "tspan")
# Class tokens and ids of theme furniture inside post bodies: sharing, copyright boxes, rewards, navigation,
# comments, related posts, tables of contents, heading anchors, edit buttons.
NOISE_CLASSES = words("""
    post-copyright copyright-box article-copyright reward reward-container post-reward donate
    social-share share-buttons sharing sharedaddy share-component post-share article-share share-links
    jp-relatedposts related-posts related-post post-related yarpp-related
    post-nav post-navigation nav-links pagination pager post-pager prev-next article-nav
    comments comment-list comments-area post-comments giscus utterances disqus
    toc table-of-contents post-toc toc-container ez-toc-container theme-doc-toc-mobile
    headerlink header-anchor anchor hash-link anchorjs-link heading-anchor anchor-link
    md-content__button md-source-file post-meta entry-meta article-meta post-date post-info
    post-tags post-footer entry-footer article-footer post-tail-wrapper post-author
    wp-block-buttons screen-reader-text sr-only visually-hidden adsbygoogle
    """)
NOISE_IDS = words(
    "comments disqus_thread vcomments gitalk-container giscus toc post-nav respond related reward "
    "sharing copyright"
)
# Code-highlighting tables with a line-number gutter (Hexo highlight.js, Rouge, Pygments "table" mode).
GUTTER_CLASSES = words("gutter gl rouge-gutter linenos lineno line-numbers")
CODE_CELL_CLASSES = words("code rouge-code highlight")

# Title: elements of the post that hold its title, in order of trust.
TITLE_CLASSES = words(
    "post-title entry-title article-title page-title p-name single-title post__title page__title post-full-title "
    "article-header__title blog-post-title"
)
NOT_TITLE_CLASSES = words("site-title site-name logo brand navbar-brand site-brand blog-title")
# Headings that name a part of the page, never a post's title (compared case-folded).
NOT_TITLE_TEXTS = frozenset([
    "table of contents", "contents", "toc", "on this page", "in this article", "目录", "目錄", "文章目录", "目次",
    "목차", "inhaltsverzeichnis", "sommaire", "índice", "comments", "leave a comment", "leave a reply",
    "related posts", "recent posts", "archives", "categories", "tags", "search", "menu", "navigation",
])
# Words of a blog's name ("Mike's Blog", "某某的博客"): a heading outside the post's region that is one side of
# a two-part <title> and carries such a word is the site.
SITE_NAME_WORDS = ("blog", "weblog", "博客", "部落格", "ブログ", "블로그")
# " | Site", " - Site", ... separators of <title> suffixes.
TITLE_SEPARATORS = (" | ", " - ", " – ", " — ", " · ", " :: ", " » ", " _ ", "｜", " • ")

# Author: class tokens of a byline's author name.
AUTHOR_CLASSES = words("p-author author-name post-author entry-author author byline-name vcard")
AUTHOR_META_NAMES = ("author", "article:author", "dc.creator", "dcterms.creator")
# Social handles ("@quietcoder"): a name of last resort, after anything the page shows.
AUTHOR_HANDLE_META_NAMES = ("twitter:creator",)
# Byline text: "Posted by NAME on DATE", "By NAME", "Written by NAME and published on ...", "作者：NAME".
BYLINE_PREFIX = re.compile(
    r"^\s*(?:(?:posted|written|published|authored)\s+by\s+|by\s+|author\s*[:：]\s*|"
    r"(?:作者|著者|글쓴이)\s*[:：]?\s*|par\s+)",
    re.IGNORECASE,
)
# A byline label alone ("Posted by", "作者："), whose name sits in the next element.
BYLINE_LABEL = re.compile(
    r"^\s*(?:(?:posted|written|published|authored)\s+by|by|author|作者|著者|글쓴이|par)\s*[:：]?\s*$", re.IGNORECASE
)
# Where a byline's name ends: " on DATE", " at TIME", " in CATEGORY", " and published ...", separators, a digit.
BYLINE_NAME_END = re.compile(r"\s+(?:on|at|in|and|le|el|am)\s|\s*[|·•/,，、(（]|\s+\d|\s+-\s", re.IGNORECASE)
BYLINE_TAGS = words("div span p li small address em")
# A byline element is short: longer text is prose that happens to start with "By".
BYLINE_MAX_CHARS = 120
# A heading's surroundings read for byline facts when the title heading sits outside the post's region.
TITLE_BLOCK_MAX_CHARS = 400

# Tags and categories: link paths and container classes.
TAG_PATH = re.compile(r"/(?:tags?|labels?|search/label|topics?)/[^/]", re.IGNORECASE)
CATEGORY_PATH = re.compile(r"/(?:categor(?:y|ies)|cat)/[^/]", re.IGNORECASE)
TAG_CONTAINER_CLASSES = words(
    "post-tags tags tag-list article-tag tags-links entry-tags post-meta-tags article-tags tag-links "
    "post-tag tagcloud-post p-category"
)
CATEGORY_CONTAINER_CLASSES = words(
    "post-categories categories category cat-links entry-categories article-category post-category "
    "post-meta-category"
)
# Where post-wide tag/category links never sit: site-wide widgets.
SITEWIDE_CLASSES = words(
    "sidebar widget tagcloud tag-cloud site-footer site-header navbar menu related-posts footer header-nav "
    "panel-group trending-tags"
)

# Parts of the post's region that describe other posts or the site (their dates, tags and titles are not ours).
SCOPE_SKIP_CLASSES = SITEWIDE_CLASSES | words(
    "relatedPosts related-post related post-nav post-navigation pagination pagination-post prev-post next-post "
    "post-pager pager nav-links comments comment-list comments-area jp-relatedposts yarpp-related recent-posts"
)

# Themes that show the post's own metadata (date, categories) in a side column outside the post's region:
# body rule -> class of that metadata list. Read with its <nav> wrappers, which the region walk skips.
SIDE_META_CLASSES: dict[str, str] = {
    "theme:mkdocs-material": "md-post__meta",
}
# How many siblings before the post's region (and before its parent) may hold its header (WordPress Hueman's
# page-title with the category list, Blogger's date heading).
PRECEDING_HEADER_SIBLINGS = 3

# Any class token naming a sidebar or widget ("sidebar-container", "widget_tags", "site-sidebar").
SCOPE_SKIP_CLASS_PATTERN = re.compile(r"(?:^|[\s_-])(?:sidebar|widget)(?:$|[\s_-])", re.IGNORECASE)

# Visible byline dates: class tokens of elements that hold the publication date.
DATE_CLASSES = words(
    "post-date date published dt-published entry-date post-time article-date meta-date post-meta-date "
    "date-header timestamp posted-on post-meta"
)
# Any class token naming a date ("post_date", "entry-date", "date-posted"), for themes the table misses; searched
# in the whole class attribute.
DATE_CLASS_PATTERN = re.compile(r"(?:^|[\s_-])(?:date|published|posted|pubdate)(?:$|[\s_-])", re.IGNORECASE)
# Words that label a shown date as the last update rather than the publication.
UPDATED_WORDS = ("update", "modified", "aktualisiert", "actualizado", "mis à jour", "atualizado", "更新", "修改", "最終更新", "업데이트", "수정", "last edit")
UPDATED_CLASSES = words("updated dt-updated post-updated modified last-modified")

# Density scorer: class/id hints (the readability idea).
POSITIVE_HINT = re.compile(r"article|body|content|entry|main|page|post|text|blog|story|markdown", re.IGNORECASE)
NEGATIVE_HINT = re.compile(
    r"comment|meta|footer|footnote|sidebar|widget|nav|menu|header|share|social|related|sponsor|ad-|promo|"
    r"copyright|reward|toc|breadcrumb|pager|pagination|tag",
    re.IGNORECASE,
)
SCORED_TAGS = words("p pre blockquote td li h2 h3")

# JSON-LD @type values of a blog post.
ARTICLE_TYPES = words(
    "Article BlogPosting NewsArticle TechArticle SocialMediaPosting Report ScholarlyArticle LiveBlogPosting "
    "WebPage"
)
