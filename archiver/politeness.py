"""Politeness per host: what robots.txt asks (Crawl-delay, Request-rate), backing off after 429/503, identification.

Everything acts through the host's Scrapy download slot (`crawler.engine.downloader.slots`, keyed by host name):
its `delay`, `jitter` and `concurrency`, the same handles AutoThrottle and `DOWNLOAD_SLOTS` use. A slowed host
never slows the others:

- its waits happen in its own slot, never in the middleware chain (no sleeping middleware holding one of the
  crawl's global `CONCURRENT_REQUESTS`);
- `SlotAwarePriorityQueue` keeps its requests in the scheduler until the slot is about to send them, so requests
  waiting for a slowed host do not fill the downloader (every request handed to the downloader counts against
  `CONCURRENT_REQUESTS`, whether it is on the wire or waiting in its slot).

No private Scrapy API (no underscore names): the `robots_parsed`, `request_reached_downloader` and
`response_downloaded` signals, `RobotParser`, the `autothrottle_dont_adjust_delay` request meta key,
`DownloaderAwarePriorityQueue`, add-ons, and the downloader's public attributes AutoThrottle and Scrapy's own
queues read too (`Downloader.slots`, `active`, `get_slot_key`, `domain_concurrency`; a slot's `delay`, `jitter`,
`concurrency`, `lastseen`, `transferring`), which Scrapy documents less formally than the rest.
"""

from __future__ import annotations

import re
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from protego import Protego
from scrapy import signals
from scrapy.core.downloader import Downloader
from scrapy.exceptions import IgnoreRequest
from scrapy.pqueues import DownloaderAwarePriorityQueue
from scrapy.robotstxt import RobotParser, decode_robotstxt
from scrapy.settings import SETTINGS_PRIORITIES
from scrapy.utils.python import to_unicode

from archiver import PROJECT_URL, __version__
from archiver.crawl.state import CrawlState
from archiver.spiders.retry import retry_after_seconds

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.core.downloader import Slot
    from scrapy.crawler import Crawler
    from scrapy.http import Response
    from scrapy.settings import Settings

# A request may be handed to the downloader this long before its slot will send it, no longer. The engine asks
# the scheduler for requests after every download and on its 5 s heartbeat, so a request taken up to 5 s early
# waits in its slot and leaves exactly on time; one taken earlier than that would only hold a global
# concurrency place that other hosts could use.
SLOT_HOLD_SECONDS = 5.0
DOWNLOAD_SLOT_META = Downloader.DOWNLOAD_SLOT  # the meta key where the downloader writes a request's slot


# -- identification ---------------------------------------------------------------------------------------------

def user_agent(contact: str | None = None) -> str:
    """The User-Agent: project, version and URL, and the operator's contact when one is given."""
    contact = re.sub(r"[^\x20-\x7e]+", " ", contact or "").strip()  # header-safe: printable ASCII on one line
    contact = contact.replace("(", "[").replace(")", "]")
    suffix = f"; contact: {contact}" if contact else ""
    return f"blog-archiver/{__version__} (+{PROJECT_URL}{suffix})"


class IdentificationAddon:
    """Puts ARCHIVER_CONTACT into the User-Agent, unless USER_AGENT itself was set on the command line."""

    def update_settings(self, settings: Settings) -> None:
        """Scrapy add-on hook: runs before the settings freeze."""
        contact = settings.get("ARCHIVER_CONTACT")
        if contact and (settings.getpriority("USER_AGENT") or 0) <= SETTINGS_PRIORITIES["project"]:
            settings.set("USER_AGENT", user_agent(str(contact)), priority="project")


# -- robots.txt ---------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class RobotsDelay:
    """The pause between two requests a robots.txt asks of us, and the directive that asks for it."""

    seconds: float
    directive: str  # "Crawl-delay: 10" / "Request-rate: 1/5s"


def robots_delay(rules: Protego, agent: str) -> RobotsDelay | None:
    """The longest pause robots.txt asks of `agent` by Crawl-delay or Request-rate (N requests per M seconds)."""
    asked: list[RobotsDelay] = []
    crawl_delay = rules.crawl_delay(agent)
    if crawl_delay:
        asked.append(RobotsDelay(float(crawl_delay), f"Crawl-delay: {crawl_delay:g}"))
    rate = rules.request_rate(agent)
    if rate:  # a time-of-day window, when given, is ignored: outside it we are only more polite than asked
        asked.append(RobotsDelay(rate.seconds / rate.requests, f"Request-rate: {rate.requests}/{rate.seconds}s"))
    return max(asked, key=lambda d: d.seconds) if asked else None


class RobotsRules(RobotParser):
    """Scrapy's robots.txt parser over Protego (as Scrapy's default), also answering Request-rate."""

    def __init__(self, robotstxt_body: bytes, spider: Any = None) -> None:
        self.rules = Protego.parse(decode_robotstxt(robotstxt_body, spider))

    @classmethod
    def from_crawler(cls, crawler: Crawler, robotstxt_body: bytes) -> RobotsRules:
        """Scrapy's constructor hook."""
        return cls(robotstxt_body, crawler.spider if crawler else None)

    def allowed(self, url: str | bytes, user_agent: str | bytes) -> bool:
        """May `user_agent` fetch `url`?"""
        return self.rules.can_fetch(to_unicode(url), to_unicode(user_agent))

    def crawl_delay(self, user_agent: str | bytes) -> float | None:
        """The Crawl-delay for `user_agent`, in seconds."""
        return self.rules.crawl_delay(to_unicode(user_agent))

    def delay(self, user_agent: str | bytes) -> RobotsDelay | None:
        """The pause asked by Crawl-delay or Request-rate, whichever is longer."""
        return robots_delay(self.rules, to_unicode(user_agent))


# -- per host policy ----------------------------------------------------------------------------------------------

@dataclass
class HostPolicy:
    """What one host (one download slot) asks of this crawl, and how it is being honoured."""

    cap: float  # ARCHIVER_MAX_CRAWL_DELAY
    asked: RobotsDelay | None = None  # from robots.txt
    backoff: float = 0.0  # seconds between requests while the host is answering 429/503
    backoff_until: float = 0.0  # time.monotonic() before which the backoff holds whatever the answers
    failures: int = 0  # consecutive 429/5xx answers without Retry-After (exponential backoff)
    backoffs: int = 0  # times this crawl backed off
    closed_until: float = 0.0  # Retry-After longer than we wait: the rest of the host is left for the next crawl
    closed_reason: str = ""

    @property
    def robots_seconds(self) -> float:
        """The robots.txt pause as applied: capped by ARCHIVER_MAX_CRAWL_DELAY."""
        return min(self.asked.seconds, self.cap) if self.asked else 0.0

    @property
    def capped(self) -> bool:
        """robots.txt asks for more than the cap allows."""
        return bool(self.asked and self.asked.seconds > self.cap)

    def delay(self) -> float:
        """The pause between two requests to the host right now (0: the host's slot is ours to leave alone)."""
        return max(self.robots_seconds, self.backoff)

    def notes(self, host: str) -> list[str]:
        """Remarks for the crawl's closing line."""
        notes = []
        if self.capped and self.asked:
            notes.append(f"robots.txt of {host} asks for {self.asked.seconds:g} s between requests "
                         f"({self.asked.directive}); crawled at {self.cap:g} s (ARCHIVER_MAX_CRAWL_DELAY)")
        if self.closed_reason:
            notes.append(f"{host}: {self.closed_reason}")
        return notes

    def report(self, host: str) -> dict[str, Any]:
        """What `archiver status` shows: the pause the host was crawled with and why."""
        return {
            "delay": self.robots_seconds,
            "asked": self.asked.seconds if self.asked else None,
            "directive": self.asked.directive if self.asked else None,
            "capped": self.capped,
            "backoffs": self.backoffs,
            "notes": self.notes(host),
        }


@dataclass
class _SavedSlot:
    """A slot's own settings, put back when the host no longer needs slowing."""

    slot: Slot
    delay: float
    jitter: float
    concurrency: int


@dataclass
class PolitenessMiddleware:
    """Downloader middleware applying each host's HostPolicy to its download slot."""

    crawler: Crawler
    cap: float
    retry_after_max: float
    backoff_base: float
    backoff_statuses: frozenset[int]
    agent: str
    policies: dict[str, HostPolicy] = field(default_factory=dict)
    _saved: dict[str, _SavedSlot] = field(default_factory=dict)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> PolitenessMiddleware:
        """Scrapy's constructor hook: read the settings, listen to the signals the policy needs."""
        settings = crawler.settings
        middleware = cls(
            crawler=crawler,
            cap=settings.getfloat("ARCHIVER_MAX_CRAWL_DELAY"),
            retry_after_max=settings.getfloat("ARCHIVER_RETRY_AFTER_MAX"),
            backoff_base=settings.getfloat("ARCHIVER_RETRY_BACKOFF_BASE"),
            backoff_statuses=frozenset(int(s) for s in settings.getlist("RETRY_HTTP_CODES")),
            agent=settings.get("ROBOTSTXT_USER_AGENT") or settings.get("USER_AGENT") or "blog-archiver",
        )
        crawler.signals.connect(middleware.robots_parsed, signal=signals.robots_parsed)
        crawler.signals.connect(middleware.request_reached_downloader, signal=signals.request_reached_downloader)
        crawler.signals.connect(middleware.response_downloaded, signal=signals.response_downloaded)
        return middleware

    @property
    def downloader(self) -> Downloader:
        return self.crawler.engine.downloader

    def _policy(self, key: str) -> HostPolicy:
        policy = self.policies.get(key)
        if policy is None:
            policy = self.policies[key] = HostPolicy(cap=self.cap)
        return policy

    # -- signals --------------------------------------------------------------------------------------------

    def robots_parsed(self, robotparser: RobotParser, request: Request) -> None:
        """A host's robots.txt was read (before any of its requests goes on): note the pause it asks for."""
        if isinstance(robotparser, RobotsRules):
            asked = robotparser.delay(self.agent)
        else:  # another ROBOTSTXT_PARSER: Crawl-delay is all Scrapy's interface offers
            seconds = robotparser.crawl_delay(self.agent)
            asked = RobotsDelay(seconds, f"Crawl-delay: {seconds:g}") if seconds else None
        if asked is None:
            return
        policy = self._policy(self.downloader.get_slot_key(request))
        if policy.asked is None or asked.seconds > policy.asked.seconds:  # two ports of one host share a slot
            policy.asked = asked
            self._publish(self.downloader.get_slot_key(request))

    def request_reached_downloader(self, request: Request) -> None:
        """The request's slot exists now: give it the host's pace before the slot decides when to send."""
        key = request.meta.get(DOWNLOAD_SLOT_META)
        if key is not None and key in self.policies:
            self._apply(key)

    def response_downloaded(self, response: Response, request: Request) -> None:
        """Back off on 429/5xx, recover after; sent before the slot sends its next request."""
        key = request.meta.get(DOWNLOAD_SLOT_META)
        if key is None:
            return
        now = time.monotonic()
        if response.status in self.backoff_statuses:
            self._back_off(key, response, now)
            self._publish(key)
        elif key in self.policies:
            policy = self.policies[key]
            if policy.backoff and now >= policy.backoff_until:
                policy.backoff, policy.failures = 0.0, 0
                self._recovered(key)
        if key in self.policies:
            self._apply(key)

    # -- middleware -----------------------------------------------------------------------------------------

    def process_request(self, request: Request) -> None:
        """Keep AutoThrottle off a backing-off host's delay; refuse requests to a host that asked us to come back
        later."""
        key = self.downloader.get_slot_key(request)
        policy = self.policies.get(key)
        if policy is None:
            return
        if policy.closed_until > time.monotonic():
            raise IgnoreRequest(policy.closed_reason)
        if policy.backoff:
            request.meta["autothrottle_dont_adjust_delay"] = True

    # -- the policy at work ---------------------------------------------------------------------------------

    def _back_off(self, key: str, response: Response, now: float) -> None:
        policy = self._policy(key)
        header = response.headers.get(b"Retry-After")
        asked = retry_after_seconds(header.decode("latin-1") if header else None)
        if asked is not None and asked > self.retry_after_max:
            # Come back in an hour: the URL is given up (retry.py), and so is the rest of the host for this crawl,
            # instead of asking again and again (each answer would be the same) or stalling the crawl.
            policy.closed_until = now + asked
            policy.closed_reason = (f"the server asked to wait {asked:.0f} s (Retry-After, HTTP {response.status}), "
                                    f"over ARCHIVER_RETRY_AFTER_MAX; its other pages are left for the next crawl")
            return  # no slot delay: nothing more is sent to the host, and what is queued fails fast
        elif asked is not None:
            wait = asked
        else:
            wait = min(self.backoff_base * 2**policy.failures, max(self.cap, self.backoff_base))
            policy.failures += 1
        policy.backoff = max(wait, policy.backoff if now < policy.backoff_until else 0.0)
        policy.backoff_until = max(policy.backoff_until, now + wait)
        policy.backoffs += 1

    def _apply(self, key: str) -> None:
        """Slow the slot to the host's pace: one request at a time, no jitter (never faster than asked). While it
        backs off, the delay is exactly the backoff; under a robots.txt delay alone it is a floor that AutoThrottle
        may raise for a slow server (its handler runs first: extensions connect before downloader middlewares).
        Give the slot back its own settings once the host no longer needs slowing."""
        slot = self.downloader.slots.get(key)
        if slot is None:
            return
        policy = self.policies[key]
        delay = policy.delay()
        saved = self._saved.get(key)
        if delay > 0:
            if saved is None or saved.slot is not slot:  # a slot Scrapy collected and made anew has its defaults
                self._saved[key] = _SavedSlot(slot, slot.delay, slot.jitter, slot.concurrency)
            if policy.backoff:  # Retry-After counts from the answer, not from when the refused request left
                slot.delay = max(delay, policy.backoff_until - slot.lastseen)
            else:
                slot.delay = max(delay, slot.delay)
            slot.jitter, slot.concurrency = 0.0, 1
        elif saved is not None:
            del self._saved[key]
            if saved.slot is slot:
                slot.delay, slot.jitter, slot.concurrency = saved.delay, saved.jitter, saved.concurrency

    def _recovered(self, key: str) -> None:
        """The backoff is over: the slot's delay starts again from what it was before (a robots.txt delay, if any,
        is applied on top by _apply)."""
        saved = self._saved.get(key)
        slot = self.downloader.slots.get(key)
        if saved is not None and saved.slot is slot and slot is not None:
            slot.delay = saved.delay

    # -- what the crawl reports -----------------------------------------------------------------------------

    def _publish(self, key: str) -> None:
        """Hand the host's report to the crawl state: its blogs' stats, `archiver status`, the closing line."""
        CrawlState.of(self.crawler).politeness[key] = self.policies[key].report(key)


# -- the scheduler side -------------------------------------------------------------------------------------------

class SlotAwarePriorityQueue(DownloaderAwarePriorityQueue):
    """Scrapy's DownloaderAwarePriorityQueue (the slot with the fewest requests in the downloader goes first), that
    also holds back a host's requests while its slot would only make them wait: at most `concurrency` of them
    queued in the slot, and none taken more than SLOT_HOLD_SECONDS before the slot's delay lets it go."""

    def pop(self) -> Request | None:
        """The next request to download, or None while every host with requests is resting."""
        slot_key = self._choose()
        if slot_key is None:
            return None
        queue = self.pqueues[slot_key]
        request = queue.pop()
        if len(queue) == 0:
            del self.pqueues[slot_key]
            queue.close()  # under JOBDIR its (empty) folder stays; harmless
        return request

    def peek(self) -> Request | None:
        """What pop() would return, without taking it."""
        slot_key = self._choose(remember=False)
        return self.pqueues[slot_key].peek() if slot_key is not None else None

    def _choose(self, *, remember: bool = True) -> str | None:
        """The ready host with the fewest requests in the downloader; among equals, the one chosen longest ago (a
        chosen host goes to the back of `pqueues`' order). A broad crawl has thousands of hosts with requests: the
        pass stops at the first ready host with none in the downloader, usually one of the first few."""
        if not self.pqueues:
            return None
        downloader = self.crawler.engine.downloader
        slots = downloader.slots
        in_downloader = Counter(downloader.get_slot_key(r) for r in downloader.active)
        new_host_limit = max(1, downloader.domain_concurrency)
        now = time.monotonic()
        fewest: int | None = None
        chosen: str | None = None
        for key in self.pqueues:
            count = in_downloader.get(key, 0)
            if fewest is not None and count >= fewest:
                continue
            slot = slots.get(key)
            if slot is None:  # a host not seen yet (or idle a while): its robots.txt may still be on the way
                if count >= new_host_limit:
                    continue
            elif (count or slot.delay > 0) and not slot_ready(slot, count, now):  # an idle, undelayed slot is
                continue  # ready: the common case, checked without a call
            fewest, chosen = count, key
            if count == 0:
                break
        if remember and chosen is not None:
            self.pqueues[chosen] = self.pqueues.pop(chosen)  # to the back of the round
        return chosen


def slot_ready(slot: Slot, in_downloader: int, now: float) -> bool:
    """Whether one more request handed to this slot would leave soon: fewer than `concurrency` waiting in it, and
    its delay lets the next one go within SLOT_HOLD_SECONDS."""
    waiting = max(0, in_downloader - len(slot.transferring))  # handed over, not on the wire yet
    if waiting >= slot.concurrency:
        return False
    if slot.delay <= 0:
        return True
    # When the slot would send one more: after its delay since the last, and after those already waiting.
    return max(0.0, slot.lastseen + slot.delay - now) + waiting * slot.delay <= SLOT_HOLD_SECONDS
