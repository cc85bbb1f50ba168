"""Redis key names, the connection, and the Scrapy settings that put a crawl on scrapy-redis."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from archiver import settings

# Declared once, in archiver/settings.py (seconds without a heartbeat before a worker counts as dead).
DEFAULT_PREFIX = settings.ARCHIVER_REDIS_PREFIX
WORKER_TIMEOUT = settings.ARCHIVER_WORKER_TIMEOUT


class DistributedError(Exception):
    """A distributed crawl cannot run (Redis unreachable, another crawl running, bad URL)."""


@dataclass(frozen=True)
class RedisKeys:
    """The names of every Redis key one distributed crawl uses."""

    prefix: str = DEFAULT_PREFIX

    @property
    def requests(self) -> str:
        return f"{self.prefix}:requests"

    @property
    def dupefilter(self) -> str:
        return f"{self.prefix}:dupefilter"

    @property
    def leases(self) -> str:
        return f"{self.prefix}:leases"

    @property
    def lease_seq(self) -> str:
        return f"{self.prefix}:lease-seq"

    @property
    def items(self) -> str:
        return f"{self.prefix}:items"

    @property
    def responses(self) -> str:
        return f"{self.prefix}:responses"

    @property
    def crawl(self) -> str:
        return f"{self.prefix}:crawl"

    @property
    def writer(self) -> str:
        return f"{self.prefix}:writer"

    def worker(self, worker_id: str) -> str:
        return f"{self.prefix}:worker:{worker_id}"

    def per_crawl(self) -> list[str]:
        """The keys a new crawl starts without."""
        return [self.requests, self.dupefilter, self.leases, self.items, self.responses]


def connect(redis_url: str) -> Any:
    """A redis-py client for redis://HOST:PORT/N, checked with a PING."""
    import redis

    if not redis_url.startswith(("redis://", "rediss://", "unix://")):
        raise DistributedError(f"expected redis://HOST:PORT/N, got {redis_url!r}")
    try:
        client = redis.Redis.from_url(redis_url, socket_connect_timeout=5, health_check_interval=30)
        client.ping()
    except redis.RedisError as error:
        raise DistributedError(f"cannot reach Redis at {redis_url}: {error}") from None
    return client


def distributed_settings(redis_url: str, prefix: str = DEFAULT_PREFIX) -> dict[str, Any]:
    """Scrapy settings of a worker's crawl: scrapy-redis scheduler and dupefilter on the shared keys."""
    keys = RedisKeys(prefix)
    return {
        "SCHEDULER": "archiver.distributed.queue.RedisScheduler",  # scrapy_redis's, minus deprecated calls
        "SCHEDULER_QUEUE_CLASS": "archiver.distributed.queue.LeasedPriorityQueue",
        "SCHEDULER_QUEUE_KEY": keys.requests,
        "DUPEFILTER_CLASS": "archiver.distributed.queue.UrlKeyDupeFilter",
        "SCHEDULER_DUPEFILTER_KEY": keys.dupefilter,
        "SCHEDULER_PERSIST": True,  # a worker that stops must not clear the queue the others work on
        "REDIS_URL": redis_url,
        "ARCHIVER_REDIS_URL": redis_url,
        "ARCHIVER_REDIS_PREFIX": prefix,
        # Items go to Redis from the spider itself (with the request's lease): no local pipelines, no archive.
        "ITEM_PIPELINES": {},
        "ARCHIVER_INCREMENTAL": False,  # workers have no archive: distributed crawls are full crawls
        "ARCHIVER_PROGRESS": "off",
    }
