"""Scrapy settings of the project (`scrapy.cfg` points here); every ARCHIVER_* setting is documented inline."""

from archiver import PROJECT_URL, __version__

BOT_NAME = "blog-archiver"
SPIDER_MODULES = ["archiver.spiders"]
NEWSPIDER_MODULE = "archiver.spiders"

# --- Politeness (archiver/politeness.py) -------------------------------------------------------------------
# Who we are: project, version, URL; ARCHIVER_CONTACT (e.g. an email) is added by IdentificationAddon so a site
# owner can write to whoever runs the crawl. robots.txt groups are matched on the product token alone.
USER_AGENT = f"blog-archiver/{__version__} (+{PROJECT_URL})"
ARCHIVER_CONTACT = None
ADDONS = {"archiver.politeness.IdentificationAddon": 0}
ROBOTSTXT_OBEY = True
ROBOTSTXT_USER_AGENT = BOT_NAME
ROBOTSTXT_PARSER = "archiver.politeness.RobotsRules"  # Protego, as Scrapy's default, plus Request-rate
# robots.txt Crawl-delay / Request-rate slow that host's download slot, up to this many seconds between requests
# (a site asking for more is crawled at this pace, with a warning in the crawl's message): one site cannot stall
# a scheduled run, and other hosts keep their own pace.
ARCHIVER_MAX_CRAWL_DELAY = 30
# A slowed host's requests wait in the scheduler, not in the downloader where they would count against
# CONCURRENT_REQUESTS and slow every other host (DownloaderAwarePriorityQueue, Scrapy's default, plus that).
SCHEDULER_PRIORITY_QUEUE = "archiver.politeness.SlotAwarePriorityQueue"
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 4
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 0.25
AUTOTHROTTLE_MAX_DELAY = 30
AUTOTHROTTLE_TARGET_CONCURRENCY = 4.0
DOWNLOAD_DELAY = 0
# Scrapy starts CONCURRENT_ITEMS asyncio workers for every response's output; ours yields a handful of items per
# page and the pipelines are synchronous, so the default 100 only cost ~20% of a crawl's CPU (profiled).
CONCURRENT_ITEMS = 4
DOWNLOAD_TIMEOUT = 30
DOWNLOAD_MAXSIZE = 16 * 1024 * 1024  # a blog page over 16 MB is not a blog page
DOWNLOAD_WARNSIZE = 4 * 1024 * 1024
COOKIES_ENABLED = False
REDIRECT_MAX_TIMES = 5

# --- Retries: 5xx and 429; the host's slot backs off (Retry-After, else exponential), nothing sleeps ---------
RETRY_ENABLED = True
RETRY_TIMES = 3
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]
RETRY_GIVE_UP_LOG_LEVEL = "INFO"  # a URL given up on is a row in crawl_errors, not a terminal error
ARCHIVER_RETRY_BACKOFF_BASE = 0.5  # seconds between requests to a host after a 5xx/429 without Retry-After;
# doubled on each further one, up to ARCHIVER_MAX_CRAWL_DELAY; back to normal after a good answer
ARCHIVER_UNREACHABLE_AFTER = 3  # connection failures in a row after which a host is given up for the crawl
ARCHIVER_RETRY_AFTER_MAX = 120  # seconds; a longer Retry-After gives up the URL, and the rest of its host this crawl
DOWNLOADER_MIDDLEWARES = {
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "archiver.spiders.retry.BackoffRetryMiddleware": 550,
    # After the retry middleware (a higher number sees a failure first): a host given up is not retried.
    "archiver.spiders.unreachable.UnreachableHostMiddleware": 560,
    # After RobotsTxtMiddleware (100): a host's robots.txt is read before its first request gets here.
    "archiver.politeness.PolitenessMiddleware": 120,
    # Closest to the downloader: sees every response as received (before decompression, redirects, retries).
    "archiver.warc.capture.WarcCaptureMiddleware": 950,
}

# --- The archive --------------------------------------------------------------------------------------------
ARCHIVER_DB = "data/archive.db"
ARCHIVER_BATCH_SIZE = 200  # posts per write transaction
ARCHIVER_MAX_LISTING_PAGES = 50_000  # per blog: a safety net against endless pagination (loops are caught sooner)
ARCHIVER_FETCH_POSTS = True  # False: archive what the listings show, without visiting post pages
ARCHIVER_INCREMENTAL = True  # re-crawls: conditional requests, stop at the first unchanged listing page
ARCHIVER_PAGINATION_OVERLAP = 0  # unchanged listing pages to walk on before stopping a re-crawl's pagination
ARCHIVER_REVISIT_DAYS = 30  # re-fetch a post page this old even without evidence of change (0: never)
ARCHIVER_FAIL_ON_WARNINGS = True  # monitoring warnings (signs of broken extraction) give exit code 4
# Sitemaps: read on a blog's first crawl (robots.txt's Sitemap: lines, else /sitemap.xml) as evidence of the posts
# that exist; on a re-crawl asked for (conditionally) only when the home page or the feed changed, or when the last
# look is this many days old; posts whose <lastmod> is newer than the archive's copy are fetched again.
ARCHIVER_SITEMAPS = True
ARCHIVER_SITEMAP_RECHECK_DAYS = 7
# False: switch off every theme-specific table (listing and post-body rules, theme fingerprints) so only the
# generic mechanisms read the blog; a diagnostic for "is my theme read by a table or generically?"
ARCHIVER_THEME_RULES = True
ARCHIVER_BLOGS_IN_FLIGHT = 100  # blogs crawled at once (crawl of many URLs, --all/--due, schedule)
# Processes one crawl of many blogs is split over (each crawls a share of the blogs, every blog of a host in the
# same one, into the same archive; CONCURRENT_REQUESTS applies to each, ARCHIVER_BLOGS_IN_FLIGHT is shared out).
# 0: one per CPU, as long as each gets 20 blogs or more (a crawl of many blogs is bound by one process's CPU).
# `archiver schedule` and distributed crawls run in one process.
ARCHIVER_CRAWL_PROCESSES = 0
# Images post bodies show (img src, srcset, <picture>), on the blog's host or any other: fetched after their post
# page (robots.txt and per-host download slots apply to every host), written to the WARC, listed in `media`.
ARCHIVER_IMAGES = True  # --no-images: False (the archive still records which images each post shows)
ARCHIVER_IMAGE_MAX_BYTES = 10 * 1024 * 1024  # an image over this is not downloaded (a `too-large` error row)
ARCHIVER_IMAGES_MAX_BYTES_PER_BLOG = 1024 * 1024 * 1024  # per blog and crawl; past it no image is asked for
ARCHIVER_PROGRESS = "auto"  # "auto": a live status line on a terminal only; "on"; "off"

# --- Raw captures (WARC, ISO 28500) -------------------------------------------------------------------------
ARCHIVER_WARC = True  # write every request and response (robots.txt, redirects, 304s too); --no-warc: False
ARCHIVER_WARC_DIR = None  # None: warc/ beside ARCHIVER_DB (data/warc/ for data/archive.db)
ARCHIVER_WARC_MAX_BYTES = 1_000_000_000  # a WARC file past this size is closed and the next one started

# --- Distributed crawls (scrapy-redis; see archiver/distributed) ---------------------------------------------
ARCHIVER_REDIS_URL = None  # redis://HOST:PORT/N of the crawl a worker serves (set by `archiver worker`)
ARCHIVER_REDIS_PREFIX = "archiver"  # key prefix: several crawls can share one Redis database
ARCHIVER_WORKER_TIMEOUT = 10.0  # seconds without a worker's heartbeat before the writer requeues its requests
ARCHIVER_DISTRIBUTED = None  # set by --distributed: the Redis the crawl ran on (recorded in crawls.options)

ITEM_PIPELINES = {
    "pipelines.tally.TallyPipeline": 300,
    "pipelines.store.StorePipeline": 900,
}
EXTENSIONS = {
    "archiver.progress.ProgressLine": 500,
}
# Scrapy's remote consoles are off: the remote control (recent Scrapy: an HTTP server that runs Python code sent
# to it, leaving a job file per crawl in ~/.local/state/scrapy) and the telnet console. A crawler of untrusted
# pages, often left running on a schedule, listens on no port. (archiver.runner.project_settings also keeps
# Scrapy from importing them, and the cookies middleware: ~0.8 s of every crawl's start-up.)
REMOTE_CONTROL_ENABLED = False
TELNETCONSOLE_ENABLED = False

LOG_LEVEL = "INFO"
REQUEST_FINGERPRINTER_IMPLEMENTATION = "2.7"
TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
FEED_EXPORT_ENCODING = "utf-8"
