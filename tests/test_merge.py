"""Merging a listing entry with its post page: which source wins each field."""

from __future__ import annotations

from archiver.extract.merge import merge_post, merged_published, merged_title, titles_by_evidence
from archiver.extract.model import DateValue


def test_page_title_wins_when_it_differs():
    assert merged_title("Old title", "New title") == "New title"


def test_listing_title_wins_over_page_title_with_site_suffix():
    assert merged_title("Queues in Python", "Queues in Python | My Blog") == "Queues in Python"


def test_page_title_completes_a_title_the_listing_cut_short():
    assert merged_title("A very long title about…", "A very long title about garbage collection") == (
        "A very long title about garbage collection"
    )


def test_a_title_ending_in_an_ellipsis_is_whole_when_the_page_adds_the_site_name():
    assert merged_title("On naming things…", "On naming things… - Lin’s Notebook") == "On naming things…"
    assert merged_title("Wait for it...", "Notes | Wait for it...") == "Wait for it..."


def test_a_known_site_name_never_stays_in_the_merged_title():
    names = {"Lantern Workshop"}
    # the listing cut the title short and the page's <title> adds the site's name the page does not declare
    assert merged_title("Soldering by lamp…", "Soldering by lamplight — Lantern Workshop", names) == (
        "Soldering by lamplight"
    )
    # both carry it; the page alone carries it (a post found through the feed); the name comes first
    assert merged_title("Wicks | Lantern Workshop", "Wicks | Lantern Workshop", names) == "Wicks"
    assert merged_title(None, "Lantern Workshop | Wicks", names) == "Wicks"
    # a title that only looks like "Title - more" keeps its second part, and the site's name alone stays
    assert merged_title(None, "Workshop rules - a short list", names) == "Workshop rules - a short list"
    assert merged_title(None, "Lantern Workshop", names) == "Lantern Workshop"


def test_merge_post_takes_the_site_name_off_the_title():
    page = {"title": "A tin can lantern · Lantern Workshop"}
    assert merge_post({"url": "http://x/a/"}, page, 200, {"Lantern Workshop"}).title == "A tin can lantern"


def test_listing_day_wins_when_the_page_stamps_a_utc_instant_of_another_day():
    listing = DateValue("2024-03-05", "2024-03-05", "listing-text")
    page = DateValue("2024-03-04T23:30:00+00:00", "2024-03-04T23:30:00Z", "meta")
    assert merged_published(listing, page) is listing


def test_page_datetime_with_offset_wins_when_the_day_agrees():
    listing = DateValue("2024-03-05", "2024-03-05", "listing-text")
    page = DateValue("2024-03-05T07:30:00+08:00", "2024-03-05T07:30:00+08:00", "json-ld")
    assert merged_published(listing, page) is page


def test_a_day_only_the_url_carries_yields_to_the_page_date():
    listing = DateValue("2024-03-05", "2024/03/05", "url")
    page = DateValue("2024-03-07T10:00:00+01:00", "2024-03-07T10:00:00+01:00", "json-ld")
    assert merged_published(listing, page) is page
    assert merged_published(listing, None) is listing


def test_excerpt_stays_the_listings_and_falls_back_to_the_page_description():
    entry = {"url": "http://x/a/", "title": "A", "excerpt": "As listed"}
    page = {"title": "A", "description": "Meta description", "description_source": "meta"}
    assert merge_post(entry, page).excerpt == "As listed"
    record = merge_post({"url": "http://x/a/", "title": "A"}, page)
    assert (record.excerpt, record.excerpt_source) == ("Meta description", "meta")


def test_post_without_page_keeps_listing_fields():
    entry = {"url": "http://x/a/", "title": "A", "excerpt": "E", "tags": ["t"],
             "published": {"iso": "2024-01-02", "raw": "Jan 2, 2024", "source": "listing-text"}}
    record = merge_post(entry, None, 404)
    assert (record.title, record.published, record.published_source, record.tags, record.page_status) == (
        "A", "2024-01-02", "listing-text", ["t"], 404)


def test_disagreeing_titles_keep_the_other_as_a_variant() -> None:
    assert titles_by_evidence("Old title", "New title") == ("New title", "Old title")
    assert titles_by_evidence("Queues in Python", "Queues in Python | My Blog") == ("Queues in Python", None)
    assert titles_by_evidence("Same  title", "Same title") == ("Same title", None)
    assert titles_by_evidence(None, "Only the page") == ("Only the page", None)


def test_merged_record_carries_the_title_variant() -> None:
    record = merge_post({"url": "https://a.example/p/", "title": "Listing words"}, {"title": "Page words"})
    assert record.title == "Page words" and record.title_variant == "Listing words"


ATOM_UPDATED_ONLY = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <title>Moss notes</title>
  <entry>
    <title>Moss on north walls</title>
    <link href="https://moss.example/north-walls/"/>
    <id>https://moss.example/north-walls/</id>
    <updated>2021-04-05T10:00:00+02:00</updated>
  </entry>
  <entry>
    <title>Moss in winter</title>
    <link href="https://moss.example/winter/"/>
    <id>https://moss.example/winter/</id>
    <published>2020-12-01T09:00:00+01:00</published>
    <updated>2021-01-10T09:00:00+01:00</updated>
  </entry>
</feed>
"""


def test_feed_entry_with_only_updated_fills_the_date_marked_as_such() -> None:
    from archiver.extract.feeds import parse_feed
    from archiver.extract.merge import feed_fill

    only_updated, with_published = (feed_fill(e) for e in parse_feed(ATOM_UPDATED_ONLY, "https://moss.example/feed"))
    assert only_updated["published"].startswith("2021-04-05")
    assert only_updated["published_source"] == "feed-updated"
    assert with_published["published"].startswith("2020-12-01")  # never the <updated> when <published> is there
    assert with_published["published_source"] == "feed"


def test_a_listing_showing_the_update_day_yields_to_the_earlier_published_day() -> None:
    listing = DateValue("2024-03-12T14:53:46", "2024-03-12 14:53:46", "listing-text")
    page = DateValue("2020-04-07", "2020-04-07", "time")
    assert merged_published(listing, page) is page
    # ...but a listing day earlier than the page's (the page shows its update) stays
    assert merged_published(page, listing) is page


def test_a_listing_instant_yields_to_the_local_day_the_post_page_shows() -> None:
    # An archive list shows "10-28" (no year), so only its datetime="2023-10-27T23:20:00.000Z" is read: a UTC
    # instant, while the post page shows the blog's own day.
    listing = DateValue(iso="2023-10-27T23:20:00+00:00", raw="2023-10-27T23:20:00.000Z", source="time")
    page = DateValue(iso="2023-10-28", raw="2023-10-28", source="time")
    assert merged_published(listing, page).iso == "2023-10-28"


def test_a_listing_date_read_in_the_wrong_numeric_order_loses_to_the_page():
    """"01/06/2024" read month first is January 6th; the page's datetime says June 1st: a swap, not an update."""
    listing = DateValue("2024-01-06", "01/06/2024", "listing-text")
    page = DateValue("2024-06-01T00:30:00-05:00", "2024-06-01T00:30:00-05:00", "time")
    assert merged_published(listing, page) == page
    # a real difference months apart that is no swap still keeps the earlier date
    other = DateValue("2024-01-05", "01/05/2024", "listing-text")
    assert merged_published(other, page) == other


def test_titles_that_differ_only_in_curled_quotes_are_one_title():
    """A listing that shows the theme's curly quotes and a post page with the author's straight ones: the page's
    form, and no variant (it is not another title)."""
    assert titles_by_evidence("Why coverage isn’t “the” goal", "Why coverage isn't \"the\" goal") == (
        "Why coverage isn't \"the\" goal", None)
