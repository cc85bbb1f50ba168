"""What a crawl loads before its first request: what the request needs, not what reading pages needs.

A crawl process imports the runner and the Scrapy components its settings name (pipelines, middlewares,
extensions) before it sends anything; the extractors, feedparser, warcio and rich wait for the first page read,
feed parsed, record written or status line shown (benchmarks/bench_crawl_start.py measures the time).
"""

from __future__ import annotations

import json
import subprocess
import sys

# Imported only when a page is read (or a feed, a WARC record, the status line): none is needed to send a request.
NOT_BEFORE_FIRST_REQUEST = [
    "archiver.extract.listing", "archiver.extract.post", "archiver.extract.content", "archiver.extract.merge",
    "archiver.extract.dates", "archiver.extract.pagekind", "archiver.extract.survey",
    "feedparser", "dateparser", "htmldate", "warcio", "rich", "aiohttp", "tldextract",
]

LOAD_A_CRAWL = """
import json, sys
from scrapy.utils.misc import load_object
from archiver.runner import crawl_settings
settings = crawl_settings("unused.db", {"LOG_LEVEL": "WARNING"})
for name in ("ITEM_PIPELINES", "DOWNLOADER_MIDDLEWARES", "SPIDER_MIDDLEWARES", "EXTENSIONS"):
    for path, order in settings.getwithbase(name).items():
        if order is not None:
            load_object(path)
for name in ("SCHEDULER", "SCHEDULER_PRIORITY_QUEUE", "ROBOTSTXT_PARSER"):
    load_object(settings[name])
for scheme, path in settings.getwithbase("DOWNLOAD_HANDLERS").items():
    if path:
        load_object(path)
print(json.dumps(sorted(sys.modules)))
"""


def test_a_crawl_loads_no_page_reading_module_before_its_first_request():
    result = subprocess.run([sys.executable, "-c", LOAD_A_CRAWL], capture_output=True, text=True, check=True)
    loaded = set(json.loads(result.stdout))
    assert "archiver.spiders.blog" in loaded and "pipelines.store" in loaded  # the crawl's own parts are there
    early = sorted(name for name in NOT_BEFORE_FIRST_REQUEST if name in loaded)
    assert early == []


TLS_PRELOADED = """
import inspect, json, sys
frames_read = []
real_getframeinfo = inspect.getframeinfo
inspect.getframeinfo = lambda *args, **kwargs: frames_read.append(1) or real_getframeinfo(*args, **kwargs)
import archiver.runner
from scrapy.core.downloader import contextfactory, tls
print(json.dumps([
    contextfactory.ScrapyClientContextFactory.__module__, contextfactory.AcceptableProtocolsContextFactory.__module__,
    tls.ScrapyClientTLSOptions.__module__, inspect.stack.__qualname__, inspect.getmodule.__qualname__,
    len(frames_read),
]))
"""


def test_tls_modules_load_with_the_runner_their_aliases_named_and_inspect_restored():
    result = subprocess.run([sys.executable, "-c", TLS_PRELOADED], capture_output=True, text=True, check=True)
    assert json.loads(result.stdout) == [
        "scrapy.core.downloader.contextfactory", "scrapy.core.downloader.contextfactory",
        "scrapy.core.downloader.tls", "stack", "getmodule", 0,  # no frame's source read
    ]


def test_versions_are_looked_up_only_for_a_log_that_shows_them():
    from archiver.runner import crawl_settings

    assert crawl_settings("x.db", {"LOG_LEVEL": "WARNING"}).getlist("LOG_VERSIONS") == []
    assert crawl_settings("x.db", {"LOG_LEVEL": "INFO"}).getlist("LOG_VERSIONS")
    assert crawl_settings("x.db", {"LOG_LEVEL": "CRITICAL", "LOG_VERSIONS": ["lxml"]}).getlist("LOG_VERSIONS") == ["lxml"]
