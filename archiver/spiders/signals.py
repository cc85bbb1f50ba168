"""The crawl's own Scrapy signals: a blog's crawl starts (its crawls row is made) and ends (its row is finished).
Handlers get `blog` (archiver.crawl.state.Blog)."""

blog_started = object()
blog_finished = object()
