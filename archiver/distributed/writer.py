"""`archiver crawl URL --distributed redis://...`: seed the crawl, write what the workers send, say when it is over.

This process is the only one that opens the SQLite archive (SQLite has one writer). It runs no Scrapy engine:
it puts the start pages in the shared queue, consumes the items list, requeues the leases of dead workers, and
ends the crawl when the queue, the leases and the items list are all empty at the same moment.
"""

from __future__ import annotations

import json
import pickle
import signal
import sys
import time
import uuid
from typing import Any

from archiver.crawl.state import BlogSpec, CrawlOptions, CrawlState
from archiver.crawl.visits import ListingVisit
from archiver.distributed.keys import DistributedError, RedisKeys, connect
from archiver.distributed.queue import UrlKeyDupeFilter, lease_holders, requeue_leases
from archiver.distributed.serialize import load_item
from archiver.extract.overrides import load_rules
from archiver.runner import CrawlOutcome, crawl_settings
from archiver.spiders.blog import BlogSpider
from archiver.store.memory import ArchiveMemory
from archiver.store.writer import ArchiveWriter

ITEMS_PER_READ = 500
CHECK_SECONDS = 0.5  # how often an idle writer checks for the end, dead workers and its lock
WAITING_NOTICE_SECONDS = 5.0  # no worker alive for this long: tell the user how to start one
# Every count this checks must be read at one instant: work is either queued, leased or pushed as items.
DRAINED_SCRIPT = """
return {redis.call('ZCARD', KEYS[1]), redis.call('HLEN', KEYS[2]), redis.call('LLEN', KEYS[3])}
"""


def _interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt


class DistributedCrawl:
    """One distributed crawl, seen from the writer."""

    def __init__(self, redis_url: str, urls: list[str], settings: Any, rules_text: str | None):
        self.redis_url = redis_url
        self.keys = RedisKeys(settings.get("ARCHIVER_REDIS_PREFIX"))
        self.server = connect(redis_url)
        self.urls = urls
        self.writer: ArchiveWriter | None = None
        self.settings = settings
        self.rules_text = rules_text
        self.worker_timeout = settings.getfloat("ARCHIVER_WORKER_TIMEOUT")
        self.token = uuid.uuid4().hex[:12]
        # The crawl's state is folded here from every worker's records, as a one-process crawl folds its own.
        self.state = CrawlState(CrawlOptions.from_settings(settings))
        rules = load_rules(rules_text) if rules_text else None
        for url in urls:
            self.state.add_blog(BlogSpec(url, rules))
        self._drained = self.server.register_script(DRAINED_SCRIPT)

    def lock(self) -> None:
        """Refuse to run beside another writer on the same keys."""
        ttl = int(max(self.worker_timeout, 5) * 1000)
        if not self.server.set(self.keys.writer, self.token, nx=True, px=ttl):
            raise DistributedError(
                f"another distributed crawl is running on {self.redis_url} (key {self.keys.writer}); "
                "wait for it, or use another Redis database (redis://HOST:PORT/N) or -s ARCHIVER_REDIS_PREFIX=..."
            )

    def offer(self, overrides: dict[str, Any]) -> None:
        """Clear the previous crawl's keys, seed the start pages, and publish the crawl for the workers."""
        server, keys = self.server, self.keys
        server.delete(*keys.per_crawl())
        spider = BlogSpider(urls=self.urls)  # builds the requests the workers' BlogSpiders will answer
        with server.pipeline(transaction=True) as pipe:
            for start_url in self.state.blogs:
                request = spider.request(ListingVisit(url=start_url, blog=start_url))
                data = pickle.dumps(request.to_dict(spider=spider), protocol=4)
                # The start request skips the dupefilter (dont_filter); a link back to it must not.
                pipe.sadd(keys.dupefilter, UrlKeyDupeFilter(server, keys.dupefilter).request_fingerprint(request))
                pipe.execute_command("ZADD", keys.requests, -request.priority, data)
            config = {
                "urls": self.urls,
                "settings": overrides,
                "rules": self.rules_text,
                "prefix": keys.prefix,
                "worker_timeout": self.worker_timeout,
            }
            pipe.hset(keys.crawl, mapping={"token": self.token, "status": "running", "config": json.dumps(config)})
            pipe.execute()

    def run(self) -> bool:
        """Write items until the crawl is over (True) or interrupted (False)."""
        last_check = 0.0
        last_worker_seen = time.monotonic()
        told_waiting = False
        while True:
            raw_items = self.server.lpop(self.keys.items, ITEMS_PER_READ)
            if raw_items:
                for raw in raw_items:
                    self.write(raw)
                if len(raw_items) == ITEMS_PER_READ:
                    continue
            now = time.monotonic()
            if now - last_check >= CHECK_SECONDS:
                last_check = now
                self.server.set(self.keys.writer, self.token, px=int(max(self.worker_timeout, 5) * 1000))
                live = self.requeue_dead_workers()
                if live:
                    last_worker_seen = now
                elif not told_waiting and now - last_worker_seen > WAITING_NOTICE_SECONDS:
                    told_waiting = True
                    print(f"waiting for workers: start some with `archiver worker {self.redis_url}`",
                          file=sys.stderr, flush=True)
                queued, leased, pending = self._drained(keys=[self.keys.requests, self.keys.leases, self.keys.items])
                if queued == leased == pending == 0:
                    return True
            if not raw_items:
                time.sleep(0.05)

    def write(self, raw: bytes) -> None:
        """Fold one record from a worker into the crawl's state and store it (a post archived already: once)."""
        record = load_item(raw)
        if self.state.take(record):
            assert self.writer is not None
            self.writer.write(record)

    def requeue_dead_workers(self) -> int:
        """Give the requests of workers whose heartbeat expired back to the queue; returns how many are alive."""
        holders = lease_holders(self.server, self.keys)
        alive = {key.decode().rsplit(":", 1)[1] for key in self.server.scan_iter(self.keys.worker("*"))}
        dead = holders - alive
        if dead:
            moved = requeue_leases(self.server, self.keys, dead)
            print(f"worker(s) {', '.join(sorted(dead))} stopped answering: {moved} requests back in the queue",
                  file=sys.stderr, flush=True)
        return len(alive)

    def close(self, ran_to_end: bool) -> None:
        """Tell the workers the crawl is over, clear its keys, release the lock."""
        self.server.hset(self.keys.crawl, "status", "finished" if ran_to_end else "stopped")
        self.server.delete(*self.keys.per_crawl())
        if (self.server.get(self.keys.writer) or b"").decode() == self.token:
            self.server.delete(self.keys.writer)

    def pages_fetched(self) -> int:
        return int(self.server.get(self.keys.responses) or 0)


def run_distributed_crawl(
    urls: list[str], db: Any, redis_url: str, overrides: dict[str, Any] | None = None, rules_text: str | None = None
) -> CrawlOutcome:
    """Crawl the blogs on the workers attached to `redis_url`, writing the archive at `db` from this process."""
    overrides = dict(overrides or {})
    overrides["ARCHIVER_INCREMENTAL"] = False  # workers have no archive: a distributed crawl is a full crawl
    settings = crawl_settings(db, overrides)
    crawl = DistributedCrawl(redis_url, urls, settings, rules_text)
    writer = crawl.writer = ArchiveWriter(db, crawl.state, settings.getint("ARCHIVER_BATCH_SIZE"))
    crawl.lock()
    archive = writer.open()
    memory = ArchiveMemory(archive, running_crawl_ids=writer.running)
    options = {k: v for k, v in settings.copy_to_dict().items() if k.startswith("ARCHIVER_")}
    options["ARCHIVER_DISTRIBUTED"] = redis_url.split("@")[-1]  # no password in the archive
    for blog in crawl.state.blogs.values():
        blog.last_crawl = memory.last_crawl(blog.start_url)  # the previous crawl's counts, for monitoring
        blog.started = True
        writer.start_blog(blog, options)
    worker_overrides = {k: v for k, v in overrides.items() if k != "ARCHIVER_DB"}
    previous_handler = signal.signal(signal.SIGTERM, _interrupt)
    ran_to_end = False
    try:
        crawl.offer(worker_overrides)
        ran_to_end = crawl.run()
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, previous_handler)
        blogs = list(crawl.state.blogs.values())
        pages_fetched = crawl.pages_fetched()
        for blog in blogs:
            blog.ran_to_end = ran_to_end
            writer.finish_blog(blog, pages_fetched if len(blogs) == 1 else blog.tally.pages)
        writer.close()
        crawl.close(ran_to_end)
    return CrawlOutcome.of_state(crawl.state)
