"""`archiver worker redis://...`: run BlogSpider on the shared scrapy-redis queue, for crawl after crawl.

A worker has no archive (it may be on another machine): it takes requests from Redis, and pushes each callback's
items to Redis in the same transaction that releases the request's lease, after the callback's new requests are
in the queue. At no moment is a piece of work only in a worker's memory, so a worker may die at any time.
"""

from __future__ import annotations

import logging
import os
import socket
import time
import uuid
from collections.abc import Iterable, Iterator
from typing import Any

from scrapy import Request, signals
from scrapy.crawler import Crawler, CrawlerProcess
from scrapy.exceptions import DontCloseSpider
from scrapy.settings import Settings
from scrapy.utils.reactor import install_reactor
from twisted.internet import defer, task

from archiver.distributed.keys import WORKER_TIMEOUT, RedisKeys, connect, distributed_settings
from archiver.distributed.queue import LEASES_META, requeue_leases
from archiver.distributed.serialize import dump_item
from archiver.extract.overrides import load_rules
from archiver.runner import project_settings
from archiver.spiders.blog import BlogSpider, dropped_record

logger = logging.getLogger(__name__)

POLL_SECONDS = 0.5  # how often an idle worker looks for a crawl to join
POKE_SECONDS = 0.05  # how often a worker looks at the shared queue when its own engine would not
HEARTBEAT_SECONDS = 0.5


def new_worker_id() -> str:
    """host-pid-random: unique across machines, readable in `redis-cli keys 'archiver:worker:*'`."""
    host = socket.gethostname().replace("|", "-").replace(":", "-")
    return f"{host}-{os.getpid()}-{uuid.uuid4().hex[:6]}"


class WorkerSpider(BlogSpider):
    """BlogSpider whose items go to Redis together with the release of the request that produced them."""

    name = "blog"
    # A worker sees only the answers it handles: no one process knows when a blog's walk is over, so the steps of
    # discovery that wait for it (archiver.spiders.discovery) are left to single-process crawls.
    discovers_after_walk = False
    tracks_blogs = False  # a blog's requests are spread over every worker: the writer says when it is done

    def __init__(self, *args: Any, worker_id: str = "", crawl_token: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.worker_id = worker_id or new_worker_id()
        self.crawl_token = crawl_token
        self.crawl_over = False
        self.server: Any = None
        self.keys = RedisKeys()
        self.heartbeat_ttl = WORKER_TIMEOUT
        self._beat: task.LoopingCall | None = None
        self._ticks = 0

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> WorkerSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        settings = crawler.settings
        spider.server = connect(settings.get("ARCHIVER_REDIS_URL"))
        spider.keys = RedisKeys(settings.get("ARCHIVER_REDIS_PREFIX"))
        spider.heartbeat_ttl = settings.getfloat("ARCHIVER_WORKER_TIMEOUT")
        crawler.signals.connect(spider._opened, signal=signals.spider_opened)
        crawler.signals.connect(spider._keep_alive, signal=signals.spider_idle)
        crawler.signals.connect(spider._closed, signal=signals.spider_closed)
        return spider

    async def start(self) -> Any:
        # The writer seeds the start pages into the shared queue; a worker only takes from it.
        return
        yield

    # -- answers: BlogSpider's, with their records committed to Redis ---------------------------------------

    def on_response(self, response: Any, visit: Any) -> Iterable[Any]:
        return self._committed(super().on_response(response, visit), response.request)

    def on_failure(self, failure: Any) -> Iterable[Any]:
        return self._committed(super().on_failure(failure), failure.request)

    def _committed(self, output: Iterable[Any], request: Request) -> Iterator[Any]:
        """Queue the callback's requests in Redis, then commit its items with the release of its lease.

        The requests are handed to the engine here rather than yielded: Scrapy drains a callback's output into
        an in-memory queue before scheduling it, so a commit at the end of the output could come before the new
        requests reach Redis, and a worker dying in between (or the writer looking then) would lose them.
        """
        items: list[Any] = []
        engine = self.crawler.engine
        try:
            for result in output:
                if isinstance(result, Request):
                    result.headers.setdefault("Referer", request.url)  # what RefererMiddleware would add
                    engine.crawl(result)
                else:
                    items.append(result)
        except Exception:
            self.commit(items, request)  # the request is done: Scrapy does not retry it
            raise
        self.commit(items, request)
        yield from ()

    def commit(self, items: list[Any], request: Request, *, answered: bool = True) -> None:
        """Push the records and release the request's leases, in one Redis transaction (`answered`: the request
        got a response or a failure, counted as a page fetched)."""
        blobs = [dump_item(item) for item in items]
        with self.server.pipeline(transaction=True) as pipe:
            if blobs:
                pipe.rpush(self.keys.items, *blobs)
            leases = request.meta.get(LEASES_META)
            if leases:
                pipe.hdel(self.keys.leases, *leases)
            if answered:
                pipe.incr(self.keys.responses)
            pipe.execute()

    # -- signals -------------------------------------------------------------------------------------------

    def _opened(self, spider: Any) -> None:
        self._heartbeat()  # before the first pop: a lease holder without a heartbeat looks dead to the writer
        self._beat = task.LoopingCall(self._tick)
        self._beat.start(POKE_SECONDS)

    def _tick(self) -> None:
        """Look at the shared queue now and then: Scrapy's engine, when idle, looks at its scheduler every 5 s."""
        self._ticks += 1
        if self._ticks * POKE_SECONDS >= min(HEARTBEAT_SECONDS, self.heartbeat_ttl / 4):
            self._ticks = 0
            self._heartbeat()
        slot = getattr(self.crawler.engine, "_slot", None)
        if slot is not None and slot.closing is None and not self.crawl_over:
            try:  # an error here would stop the LoopingCall, and with it the heartbeat
                slot.nextcall.schedule()
            except Exception:
                logger.exception("worker %s: could not wake the engine", self.worker_id)

    def _heartbeat(self) -> None:
        """Say this worker is alive, and notice the end of the crawl."""
        try:
            self.server.set(self.keys.worker(self.worker_id), self.crawl_token, px=int(self.heartbeat_ttl * 1000))
            token, status = self.server.hmget(self.keys.crawl, "token", "status")
        except Exception as error:  # Redis briefly away: keep crawling what is in flight, try again
            logger.warning("worker %s: heartbeat failed: %s", self.worker_id, error)
            return
        self.crawl_over = status != b"running" or (token or b"").decode() != self.crawl_token

    def _keep_alive(self, spider: Any) -> None:
        # An empty queue is not the end: another worker's page may bring more. The writer says when it is over.
        if not self.crawl_over:
            raise DontCloseSpider

    def _dropped(self, request: Request, spider: Any = None) -> None:
        # A redirect or retry of a leased request filtered as a duplicate: nothing more will come of it; the
        # writer learns why, for the post's error row if it gets no other row.
        record = dropped_record(request)
        self.commit([record] if record else [], request, answered=False)

    def _closed(self, spider: Any, reason: str) -> None:
        if self._beat is not None and self._beat.running:
            self._beat.stop()
        moved = requeue_leases(self.server, self.keys, {self.worker_id})  # stopped mid-crawl: give work back
        if moved:
            logger.warning("worker %s: put %d unfinished requests back in the queue", self.worker_id, moved)
        self.server.delete(self.keys.worker(self.worker_id))


def worker_settings(redis_url: str, config: dict[str, Any], overrides: dict[str, Any]) -> Settings:
    """Project settings, then the writer's (config), then this worker's own -s, then the distributed ones."""
    settings = project_settings()
    for source in (config.get("settings", {}), overrides):
        for name, value in source.items():
            settings.set(name, value, priority="cmdline")
    for name, value in distributed_settings(redis_url, config.get("prefix") or "archiver").items():
        settings.set(name, value, priority="cmdline")
    settings.set("ARCHIVER_WORKER_TIMEOUT", config.get("worker_timeout", WORKER_TIMEOUT), priority="cmdline")
    return settings


def run_worker(
    redis_url: str,
    *,
    prefix: str = "archiver",
    exit_when_idle: bool = False,
    idle_timeout: float = 30.0,
    overrides: dict[str, Any] | None = None,
) -> int:
    """Serve crawls from Redis until stopped; with exit_when_idle, stop after one crawl or idle_timeout s without."""
    import json

    keys = RedisKeys(prefix)
    server = connect(redis_url)
    worker_id = new_worker_id()
    base = project_settings()
    for name, value in (overrides or {}).items():
        base.set(name, value, priority="cmdline")
    # Crawlers made here (one per crawl) check the reactor rather than install it: install it once, first.
    install_reactor(base.get("TWISTED_REACTOR"))
    from twisted.internet import reactor

    process = CrawlerProcess(base)

    served = {"crawls": 0}

    @defer.inlineCallbacks
    def serve() -> Any:
        last_token = ""
        idle_since = time.monotonic()
        while True:
            token, status, config_text = server.hmget(keys.crawl, "token", "status", "config")
            token_text = (token or b"").decode()
            if status == b"running" and token_text != last_token and config_text:
                config = json.loads(config_text)
                last_token = token_text
                logger.warning("worker %s: joining crawl %s of %s", worker_id, token_text, ", ".join(config["urls"]))
                crawler = Crawler(WorkerSpider, worker_settings(redis_url, config, overrides or {}))
                rules = load_rules(config["rules"]) if config.get("rules") else None
                yield process.crawl(crawler, urls=config["urls"], rules=rules, worker_id=worker_id,
                                    crawl_token=token_text)
                served["crawls"] += 1
                if exit_when_idle:
                    break
                idle_since = time.monotonic()
            elif exit_when_idle and time.monotonic() - idle_since > idle_timeout:
                logger.warning("worker %s: no crawl for %.0f s, exiting", worker_id, idle_timeout)
                break
            yield task.deferLater(reactor, POLL_SECONDS, lambda: None)

    def stop(_: Any) -> Any:
        if reactor.running:
            reactor.stop()
        return _

    reactor.callWhenRunning(lambda: serve().addBoth(stop))
    process.start(stop_after_crawl=False)
    return 0
