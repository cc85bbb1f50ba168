"""A blog's profile: what repeats on its pages is chrome, and later pages are read with that knowledge."""

from __future__ import annotations

from archiver.extract.listing import facts_of_page, parse_listing
from archiver.extract.model import PageFacts
from archiver.extract.profile import MAX_PAGES, BlogProfile, link_list_key

SITE = "https://fieldnotes.example.net"
# Eight posts in a "more reading" column that every page shows, titled, dated and introduced like entries.
COLUMN = [(f"/2023/0{m}/1{m}/column-post-{m}/", f"Column post number {m}", f"2023-0{m}-1{m}") for m in range(1, 9)]


def page(number: int, entries: list[tuple[str, str, str]], label: str = "") -> str:
    """One listing page of an invented blog: its own entries, then the column every page repeats."""
    heading = "<a class='t' href='{0}'>{1}</a>" if label else "<h3><a href='{0}'>{1}</a></h3>"
    own = "".join(
        f'<div class="item">{label}{heading.format(path, title)}<span>{day}</span>'
        f"<p>What the post {title.lower()} is about, in one sentence or two for the reader.</p></div>"
        for path, title, day in entries
    )
    column = "".join(f'<li><a href="{path}">{title}</a> <small>{day}</small><p>A favourite from the archive, '
                     f"worth reading again: {title.lower()}.</p></li>" for path, title, day in COLUMN)
    return (
        f"<html><head><title>Page {number} of the notes</title></head><body>"
        f'<div class="a">{own}</div><div class="b"><h2>More reading</h2><ul>{column}</ul></div>'
        f'<a href="/page/{number + 1}/">Older</a></body></html>'
    )


def entries_of(number: int, count: int) -> list[tuple[str, str, str]]:
    return [(f"/2024/{number:02d}/{i + 10}/entry-{number}-{i}/", f"Entry {i} of page {number}", f"2024-{number:02d}-{i + 10}")
            for i in range(count)]


def learned(pages: int) -> BlogProfile:
    """The profile after reading the first `pages` listing pages, as the crawl folds it."""
    profile = BlogProfile()
    for number in range(1, pages + 1):
        listing = parse_listing(page(number, entries_of(number, 3)), f"{SITE}/page/{number}/", profile=profile)
        profile = profile.learn(listing.facts)
    return profile


def test_texts_and_lists_on_most_pages_are_chrome() -> None:
    profile = BlogProfile()
    for texts, lists in [({"Field notes", "Post A"}, {1, 7}), ({"Field notes", "Post B"}, {2, 7}),
                         ({"Field notes", "Post A"}, {3, 7})]:
        profile = profile.learn(PageFacts(frozenset(texts), frozenset(lists)))
    assert profile.pages == 3
    assert profile.chrome_texts == {"Field notes"}  # "Post A" is on two pages of three: a post, not chrome
    assert profile.chrome_lists == {7}


def test_two_pages_are_not_enough_evidence() -> None:
    profile = BlogProfile()
    for _ in range(2):
        profile = profile.learn(PageFacts(frozenset({"Field notes"}), frozenset({7})))
    assert profile.chrome_texts == frozenset() and profile.chrome_lists == frozenset()


def test_learning_stops_after_max_pages() -> None:
    profile = BlogProfile()
    for _ in range(MAX_PAGES + 5):
        profile = profile.learn(PageFacts(frozenset({"x"}), frozenset()))
    assert profile.pages == MAX_PAGES and not profile.learning


def test_link_list_key_ignores_order_and_duplicates() -> None:
    assert link_list_key(["/b/", "/a/"]) == link_list_key({"/a/", "/b/"}) == link_list_key(["/a/", "/b/", "/a/"])
    assert link_list_key(["/a/"]) != link_list_key(["/a/", "/b/"])


def test_a_column_repeated_on_every_page_is_not_the_post_list() -> None:
    # Alone, the column (eight titled, dated links) outweighs a page's two entries; the profile knows better.
    last = page(4, entries_of(4, 2))
    alone = parse_listing(last, f"{SITE}/page/4/")
    assert [e.title for e in alone.entries] == [title for _, title, _ in COLUMN]
    read = parse_listing(last, f"{SITE}/page/4/", profile=learned(3))
    assert [e.title for e in read.entries] == ["Entry 0 of page 4", "Entry 1 of page 4"]


def test_a_hinted_layout_that_finds_the_repeated_column_is_dropped() -> None:
    # The start page was read before anything was learned, so its layout (the column) is the hint for the
    # others; once the profile knows the column is on every page, the hint no longer holds.
    start = parse_listing(page(1, entries_of(1, 3)), f"{SITE}/")
    assert [e.title for e in start.entries][:1] == ["Column post number 1"]
    last = page(4, entries_of(4, 2))
    hinted = parse_listing(last, f"{SITE}/page/4/", layout_hint=start.layout)
    assert hinted.entries[0].title == "Column post number 1"
    read = parse_listing(last, f"{SITE}/page/4/", layout_hint=start.layout, profile=learned(3))
    assert [e.title for e in read.entries] == ["Entry 0 of page 4", "Entry 1 of page 4"]


def test_a_label_every_page_shows_is_never_a_title() -> None:
    # A last page with one entry: nothing on the page itself says the label heading is not its title.
    label = "<h4>Field notes</h4>"
    profile = BlogProfile()
    for number in range(1, 4):
        listing = parse_listing(page(number, entries_of(number, 3), label), f"{SITE}/page/{number}/", profile=profile)
        profile = profile.learn(listing.facts)
    assert "Field notes" in profile.chrome_texts
    last = page(4, entries_of(4, 1), label)
    hint = "generic:1@a.t/div.item/div.a"
    alone = parse_listing(last, f"{SITE}/page/4/", layout_hint=hint)
    assert alone.entries[0].title == "Field notes"
    read = parse_listing(last, f"{SITE}/page/4/", layout_hint=hint, profile=profile)
    assert read.entries[0].title == "Entry 0 of page 4"


def test_facts_only_while_learning() -> None:
    assert parse_listing(page(1, entries_of(1, 3)), f"{SITE}/").facts is None
    done = BlogProfile(pages=MAX_PAGES)
    assert parse_listing(page(1, entries_of(1, 3)), f"{SITE}/", profile=done).facts is None
    facts = parse_listing(page(1, entries_of(1, 3)), f"{SITE}/", profile=BlogProfile()).facts
    assert facts is not None
    assert "More reading" in facts.texts and "Page 1 of the notes" in facts.texts
    assert link_list_key(f"{SITE}{path}" for path, _, _ in COLUMN) in facts.link_lists


def test_a_post_page_teaches_its_chrome_not_its_body_headings() -> None:
    post = ("<html><head><title>Splicing rope | Field notes</title></head><body>"
            "<header class='site-header'><h1>Field notes</h1></header><main><article><h2>Splicing rope</h2>"
            "<h3>Introduction</h3><p>Three strands, tucked over and under.</p><h3>Conclusion</h3><p>Practice.</p>"
            "</article></main><aside class='sidebar'><h3>Recent posts</h3></aside></body></html>")
    facts = facts_of_page(post, f"{SITE}/2024/01/02/splicing-rope/")
    assert {"Field notes", "Recent posts", "Splicing rope | Field notes"} <= facts.texts
    assert "Introduction" not in facts.texts and "Conclusion" not in facts.texts


def test_a_repeated_heading_never_bans_an_excerpt() -> None:
    # "Introduction" heads many posts; a listing whose excerpt is that one word still shows it.
    profile = BlogProfile()
    for _ in range(3):
        profile = profile.learn(PageFacts(frozenset({"Introduction"}), frozenset()))
    item = ('<div class="item"><h3><a href="/2024/03/04/c2/">Building a small server</a></h3>'
            '<p class="item-excerpt">Introduction</p></div>')
    other = ('<div class="item"><h3><a href="/2024/02/01/rope/">Rope</a></h3>'
             '<p class="item-excerpt">Three strands, tucked over and under, five times each.</p></div>')
    listing = parse_listing(f"<html><body><div class='a'>{item}{other}</div></body></html>", f"{SITE}/", profile=profile)
    assert [e.excerpt for e in listing.entries] == ["Introduction", "Three strands, tucked over and under, five times each."]
