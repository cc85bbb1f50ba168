"""The shared request queue with leases: a request a worker pops stays in Redis until the worker commits its
outcome, so the requests of a worker that dies (SIGKILL, lost machine) go back to the queue instead of being lost.

scrapy-redis pops a request by removing it from the queue; if the worker dies before the callback ran, the
request is gone and, being in the dupefilter already, never asked for again. Here the pop moves the request into
PREFIX:leases in the same Redis script; the worker deletes the lease in the same transaction that pushes the
callback's items (see archiver.distributed.worker), and the writer puts the leases of a worker whose heartbeat
expired back into the queue.
"""

from __future__ import annotations

import hashlib
from typing import Any

from scrapy.utils.misc import load_object
from scrapy_redis.dupefilter import RFPDupeFilter
from scrapy_redis.queue import PriorityQueue
from scrapy_redis.scheduler import Scheduler

from archiver.distributed.keys import RedisKeys
from archiver.extract.urls import url_key

LEASES_META = "archiver_leases"  # request.meta: the lease fields this request (and its retries/redirects) holds

# KEYS: queue, leases, lease counter; ARGV: worker id. Returns {lease field, serialized request} or nil.
POP_SCRIPT = """
local top = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
if #top == 0 then return nil end
redis.call('ZREM', KEYS[1], top[1])
local field = ARGV[1] .. '|' .. redis.call('INCR', KEYS[3]) .. '|' .. top[2]
redis.call('HSET', KEYS[2], field, top[1])
return {field, top[1]}
"""


class LeasedPriorityQueue(PriorityQueue):
    """scrapy-redis's priority queue whose pop leases the request to this worker instead of forgetting it."""

    def __init__(self, server: Any, spider: Any, key: str, serializer: Any = None) -> None:
        super().__init__(server, spider, key, serializer)
        self.keys = RedisKeys(spider.settings.get("ARCHIVER_REDIS_PREFIX"))
        self.worker_id: str = spider.worker_id
        self._pop = server.register_script(POP_SCRIPT)

    def pop(self, timeout: int = 0) -> Any:
        """The highest-priority request, leased to this worker (None when the queue is empty)."""
        popped = self._pop(keys=[self.key, self.keys.leases, self.keys.lease_seq], args=[self.worker_id])
        if not popped:
            return None
        field, data = popped
        request = self._decode_request(data)
        request.meta[LEASES_META] = [*request.meta.get(LEASES_META, []), field.decode()]
        return request


def lease_owner(field: str) -> str:
    """The worker id in a lease field."""
    return field.rsplit("|", 2)[0]


def requeue_leases(server: Any, keys: RedisKeys, worker_ids: set[str]) -> int:
    """Put the requests leased to these workers back into the queue, with their priority; returns how many."""
    leases = server.hgetall(keys.leases)
    moved = 0
    with server.pipeline(transaction=True) as pipe:
        for raw_field, data in leases.items():
            field = raw_field.decode()
            if lease_owner(field) not in worker_ids:
                continue
            score = float(field.rsplit("|", 1)[1])
            pipe.execute_command("ZADD", keys.requests, score, data)
            pipe.hdel(keys.leases, raw_field)
            moved += 1
        if moved:
            pipe.execute()
    return moved


def lease_holders(server: Any, keys: RedisKeys) -> set[str]:
    """The workers that hold at least one lease."""
    return {lease_owner(field.decode()) for field in server.hkeys(keys.leases)}


class RedisScheduler(Scheduler):
    """scrapy_redis.scheduler.Scheduler without the calls Scrapy 2.13+ deprecates (Spider.log, stats' spider=)."""

    def open(self, spider: Any) -> None:
        self.spider = spider
        self.queue = load_object(self.queue_cls)(
            server=self.server, spider=spider, key=self.queue_key % {"spider": spider.name}, serializer=self.serializer
        )
        if not self.df:
            self.df = load_object(self.dupefilter_cls).from_spider(spider)
        if self.flush_on_start:
            self.flush()

    def enqueue_request(self, request: Any) -> bool:
        if not request.dont_filter and self.df.request_seen(request):
            self.df.log(request, self.spider)
            return False
        if self.stats:
            self.stats.inc_value("scheduler/enqueued/redis")
        self.queue.push(request)
        return True

    def next_request(self) -> Any:
        request = self.queue.pop(self.idle_before_close)
        if request and self.stats:
            self.stats.inc_value("scheduler/dequeued/redis")
        return request


class UrlKeyDupeFilter(RFPDupeFilter):
    """scrapy-redis's shared dupefilter, keyed like BlogSpider's own memory: URL variants of a page are one page."""

    def request_fingerprint(self, request: Any) -> str:
        body = (request.body or b"").hex()
        return hashlib.sha1(f"{request.method}\x1f{url_key(request.url)}\x1f{body}".encode()).hexdigest()
