"""Crawling on scrapy-redis: many `archiver worker` processes share one request queue in Redis and hand their
items back through Redis to one writer (`archiver crawl --distributed`), the only process that opens SQLite.

Redis layout (every key under ARCHIVER_REDIS_PREFIX, default "archiver"; one crawl at a time per Redis database):
  PREFIX:requests    sorted set: the scrapy-redis request queue (score: -priority)
  PREFIX:dupefilter  set: scrapy-redis request fingerprints
  PREFIX:leases      hash: requests a worker popped and has not finished (field "worker|seq|score")
  PREFIX:items       list: JSON items from the workers, consumed by the writer
  PREFIX:crawl       hash: the crawl on offer (token, status, config); PREFIX:writer: the writer's lock
  PREFIX:worker:ID   a worker's heartbeat (expires when the worker dies)
"""

from archiver.distributed.keys import DistributedError, RedisKeys, distributed_settings

__all__ = ["DistributedError", "RedisKeys", "distributed_settings"]
