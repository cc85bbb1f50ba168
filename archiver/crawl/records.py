"""What a crawl learns, as records: one dataclass per kind of fact, from the crawl core to the archive.

Every record names its `blog` (the start URL of the crawl it belongs to) and, once known, the blog's `root`
(its home URL: the sites row posts, pages and errors are filed under). They are plain data: Scrapy passes them
through its item pipelines, the distributed workers send them through Redis as JSON (`to_json`/`from_json`).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Any, ClassVar

from archiver.extract.model import DateValue, ListingEntry, PostRecord

POST_RECORD_FIELDS = tuple(f.name for f in fields(PostRecord))

# Error kinds that are remarks on how a walk went, not a URL that failed: logged, never counted as errors.
REMARK_KINDS = frozenset({"no-posts", "pagination-loop", "listing-limit", "image-limit"})


@dataclass(slots=True)
class SiteItem:
    """A blog, as its start page (or its feed) describes it."""

    blog: str
    root: str  # the blog's home URL: the key that ties posts, pages and errors to the site
    title: str | None = None
    engine: str | None = None
    theme: str | None = None
    lang: str | None = None
    feeds: list[str] = field(default_factory=list)
    sitemaps: list[str] = field(default_factory=list)


@dataclass(slots=True)
class PageItem:
    """One fetched URL: what the fetch log and the per-URL validators keep."""

    blog: str
    root: str
    url: str
    kind: str  # "listing", "post", "feed", "sitemap"
    status: int
    etag: str | None = None
    last_modified: str | None = None
    content_hash: str | None = None
    fetched_at: str | None = None
    encoding: str | None = None
    outlinks: dict[str, Any] | None = None  # a listing page's post and next-page URLs, replayed on a 304
    warc_file: str | None = None  # the WARC file holding this response (name inside the WARC folder)
    warc_offset: int | None = None  # where its response record starts in that file
    # The redirects that led here (archiver.warc.capture.redirect_chain): the posts table knows a post by the URL
    # its listing linked, so each hop becomes a `redirect` row of pages pointing on (captures follow the chain).
    redirects: list[dict[str, Any]] | None = None


@dataclass(slots=True)
class Listed:
    """One post a listing page showed for the first time in this crawl, and what the crawl does about it."""

    url_key: str
    action: str  # "fetch" (its page is requested), "keep" (kept as listed: off-site, or no post pages),
    #             "unchanged" (known and unchanged: not fetched), "known" (replayed from a 304's outlinks);
    #             the last two are seen again as they are: their rows are only touched
    SEEN: ClassVar[frozenset[str]] = frozenset({"unchanged", "known"})
    entry: ListingEntry | None = None  # None for posts replayed from a 304 (only their URL is remembered)
    listing_url: str | None = None
    entry_hash: str | None = None


@dataclass(slots=True)
class ListedItem:
    """The posts a listing page showed first: the crawl's ledger of posts that must each end as a row."""

    blog: str
    root: str
    listing_url: str
    posts: list[Listed] = field(default_factory=list)


@dataclass(slots=True)
class PostItem:
    """A post as the archive keeps it: its listing entry merged with its own page when that was read, under
    its canonical URL; `url_key` is the entry's key in the ledger and the archive."""

    blog: str
    root: str
    record: PostRecord
    url_key: str
    listing_hash: str | None = None  # fingerprint of the listing entry (a later crawl compares it)
    page_fetched_at: str | None = None  # when the post page was fetched with a 200

    def row(self) -> dict[str, Any]:
        """The post as the archive's save_posts takes it."""
        # Field by field: asdict's deep copy of every string cost more than the rest of writing the row.
        record = self.record
        values = {name: getattr(record, name) for name in POST_RECORD_FIELDS}
        values["tags"], values["categories"] = list(record.tags), list(record.categories)
        values.update(url_key=self.url_key, listing_hash=self.listing_hash, page_fetched_at=self.page_fetched_at)
        return values


@dataclass(slots=True)
class SeenItem:
    """A known post a re-crawl saw unchanged (not re-fetched), or found gone (404/410 after a 200 before)."""

    blog: str
    root: str
    url_key: str
    removed: bool = False


@dataclass(slots=True)
class ErrorItem:
    """A problem with one URL; the crawl goes on."""

    blog: str
    root: str | None  # None when the blog's start page itself failed
    url: str
    kind: str  # "unreachable", "http-error", "timeout", "not-html", "no-posts", "pagination-loop", ...
    message: str
    status: int | None = None
    # What the refused URL was to the crawl, on robots refusals: "start", "pagination", "post" or "feed".
    wanted: str | None = None


@dataclass(slots=True)
class FeedItem:
    """What a blog's feed says of its posts: fills fields the listings and post pages left empty."""

    blog: str
    root: str
    url: str
    records: list[dict[str, Any]] = field(default_factory=list)  # extract.merge.feed_fill results


@dataclass(slots=True)
class WalkItem:
    """How a blog's walk went where no row says it: it stopped before the end of the pagination (a limit, a
    failed listing page; or a re-crawl's early stop at a page that did not change, `stopped_early`, which
    confirms what the archive holds), or the blog failed as a whole (why, in one line)."""

    blog: str
    incomplete: bool = True
    failure: str | None = None
    stopped_early: bool = False


@dataclass(slots=True)
class DroppedItem:
    """A listed post's request that was dropped without an answer (a duplicate of a request already made, such
    as a redirect back to an earlier URL): not a row, the reason its error row gives if the post gets no other."""

    blog: str
    url_key: str
    reason: str


@dataclass(slots=True)
class PostImagesItem:
    """The images a post's body shows, in order (absolute URLs): the post's links to the archive's media."""

    blog: str
    root: str
    url_key: str
    urls: list[str] = field(default_factory=list)


@dataclass(slots=True)
class ImageItem:
    """One image fetch: what came back and where its raw capture is, or why the image is not archived."""

    blog: str
    root: str
    url: str  # as post bodies reference it
    status: int | None = None
    final_url: str | None = None  # where redirects led, when elsewhere
    redirects: list[dict] | None = None  # the 3xx hops on the way: url, warc_file, warc_offset (for exports)
    content_type: str | None = None
    size: int | None = None
    sha256: str | None = None
    fetched_at: str | None = None
    warc_file: str | None = None
    warc_offset: int | None = None
    error: str | None = None  # "kind: message" when the image is not archived


RECORD_CLASSES: dict[str, type] = {
    cls.__name__: cls
    for cls in (SiteItem, PageItem, ListedItem, PostItem, SeenItem, ErrorItem, FeedItem, WalkItem, DroppedItem,
                PostImagesItem, ImageItem)
}


def to_json(record: Any) -> dict[str, Any]:
    """A record as JSON-ready data, tagged with its class."""
    return {"type": type(record).__name__, "data": asdict(record)}


def from_json(message: dict[str, Any]) -> Any:
    """The record `to_json` gave."""
    cls = RECORD_CLASSES[message["type"]]
    data = dict(message["data"])
    if cls is PostItem:
        data["record"] = _post_record(data["record"])
    elif cls is ListedItem:
        data["posts"] = [Listed(**{**p, "entry": _entry(p["entry"])}) for p in data["posts"]]
    return cls(**data)


def _date(value: dict[str, Any] | None) -> DateValue | None:
    return DateValue(**value) if value else None


def _entry(value: dict[str, Any] | None) -> ListingEntry | None:
    if value is None:
        return None
    return ListingEntry(**{**value, "published": _date(value.get("published"))})


def _post_record(value: dict[str, Any]) -> PostRecord:
    names = {f.name for f in fields(PostRecord)}
    return PostRecord(**{k: v for k, v in value.items() if k in names})
