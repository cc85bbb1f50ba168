"""parse_post on hand-written post pages modelled on engine/theme markup: one test per fixture and field."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import pytest

from archiver.extract.model import PostPage
from archiver.extract.post import parse_post

FIXTURES = Path(__file__).parent / "fixtures"
POST_FIXTURES = sorted(FIXTURES.glob("*-post-*.json"))


@cache
def parsed(name: str) -> tuple[PostPage, dict]:
    spec = json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))
    html = (FIXTURES / f"{name}.html").read_text(encoding="utf-8")
    return parse_post(html, spec["url"]), spec["expected"]


def _cases() -> list:
    cases = []
    for path in POST_FIXTURES:
        expected = json.loads(path.read_text(encoding="utf-8"))["expected"]
        cases.extend(pytest.param(path.stem, field, id=f"{path.stem}-{field}") for field in expected)
    return cases


def _actual(page: PostPage, field: str) -> object:
    if field in ("published", "updated"):
        value = getattr(page, field)
        return value.iso if value else None
    if field == "published_source":
        return page.published.source if page.published else None
    return getattr(page, field)


@pytest.mark.parametrize(("name", "field"), _cases())
def test_post_field(name: str, field: str) -> None:
    page, expected = parsed(name)
    want = expected[field]
    if field == "content_contains":
        for snippet in want:
            assert snippet in (page.content_text or ""), snippet
    elif field == "content_excludes":
        for snippet in want:
            assert snippet not in (page.content_text or ""), snippet
    elif field == "html_contains":
        for snippet in want:
            assert snippet in (page.content_html or ""), snippet
    elif field == "html_excludes":
        for snippet in want:
            assert snippet.lower() not in (page.content_html or "").lower(), snippet
    elif field == "markdown_contains":
        for snippet in want:
            assert snippet in (page.content_markdown or ""), snippet
    else:
        assert _actual(page, field) == want


def test_fixtures_cover_many_engines() -> None:
    engines = {path.stem.split("-post-")[0] for path in POST_FIXTURES}
    assert len(POST_FIXTURES) >= 8 and len(engines) >= 6


def test_untitled_micro_post_has_no_title() -> None:
    html = """<html><head><title>Cats sleep all day long and I envy them - Tiny Notes</title>
    <meta property="og:title" content="Cats sleep all day long and I envy them - Tiny Notes">
    <meta property="og:site_name" content="Tiny Notes"></head><body><article class="post">
    <div class="post-content"><p>Cats sleep all day long and I envy them. Maybe tomorrow I will try it too.</p></div>
    </article></body></html>"""
    assert parse_post(html, "https://tiny.example/t/1/").title is None


def test_utc_meta_date_yields_to_the_local_day_the_page_shows() -> None:
    html = """<html><head><meta property="article:published_time" content="2020-01-01T20:00:00Z"></head><body>
    <article><h1 class="post-title">Night owl</h1><time datetime="2020-01-01T20:00:00Z">2020-01-02</time>
    <div class="post-content"><p>Written late at night, far east of Greenwich, on the second day of the year.</p></div>
    </article></body></html>"""
    published = parse_post(html, "https://owl.example/night/").published
    assert published is not None and published.iso == "2020-01-02"


def test_a_permalink_made_in_utc_does_not_overrule_the_local_day_the_page_shows() -> None:
    # A generator built the URL from the instant in UTC (the 27th); the theme shows the blog's zone (the 28th).
    html = """<html><head><meta property="article:published_time" content="2023-10-27T23:20:00.000Z"></head>
    <body><article><h1 class="post-title">Midnight ride</h1>
    <time datetime="2023-10-27T23:20:00.000Z" itemprop="datePublished">2023-10-28</time>
    <div class="post-content"><p>We left after midnight and rode along the river until the sky turned grey.</p></div>
    </article></body></html>"""
    published = parse_post(html, "https://ride.example/2023/10/27/midnight-ride/").published
    assert published is not None and published.iso[:10] == "2023-10-28"


def test_a_permalink_day_stands_against_a_shown_day_that_is_not_the_instant_in_any_zone() -> None:
    # 09:00Z is the 27th in every zone (-12:00 to +14:00): a shown 28th is another date (an edit), not the zone.
    html = """<html><head><meta property="article:published_time" content="2023-10-27T09:00:00Z"></head>
    <body><article><h1 class="post-title">Noon ride</h1>
    <time datetime="2023-10-27T09:00:00Z" itemprop="datePublished">2023-10-28</time>
    <div class="post-content"><p>We left at nine and rode along the river until the sky turned grey.</p></div>
    </article></body></html>"""
    published = parse_post(html, "https://ride.example/2023/10/27/noon-ride/").published
    assert published is not None and published.iso[:10] == "2023-10-27"


def test_utc_meta_date_keeps_its_day_when_the_post_also_shows_that_day() -> None:
    # The page strip shows the day the page was served; the post's own line shows the instant's day.
    html = """<html><head><meta property="article:published_time" content="2021-05-14T21:30:00Z"></head><body>
    <div class="wrap"><div class="strip"><span class="date">Saturday, May 15, 2021</span></div>
    <div class="story"><h1 class="post-title">Harbour lights</h1><span class="date">Posted: May 14, 2021 5:30 PM</span>
    <div class="post-content"><p>The harbour lights came on one by one while the ferries went home for the night.</p>
    <p>Nobody on the pier seemed to be in any hurry to leave, and the gulls kept circling.</p></div></div>
    </div></body></html>"""
    published = parse_post(html, "https://harbour.example/lights/").published
    assert published is not None and published.iso[:10] == "2021-05-14"


def test_a_date_attribute_in_the_sites_day_month_order_yields_to_the_written_date() -> None:
    html = """<html><body><div class="post hentry"><h1 class="entry-title">Krimi der Woche</h1>
    <abbr class="published" title="03-09-2012T10:00:00+0200">3. September 2012</abbr>
    <div class="entry-content"><p>Ein Kommissar, ein verregneter Herbst und ein Fall, der nicht aufgehen will.</p></div>
    </div></body></html>"""
    published = parse_post(html, "https://krimi.example/?p=12").published
    assert published is not None and published.iso[:10] == "2012-09-03"


def test_a_time_showing_its_update_keeps_its_attribute() -> None:
    html = """<html><body><article><h1 class="post-title">Field notes</h1>
    <time datetime="2019-06-02T09:00:00+02:00">Updated 5 June 2019</time>
    <div class="post-content"><p>Notes from the field, written on the second and corrected a few days later.</p></div>
    </article></body></html>"""
    published = parse_post(html, "https://notes.example/field/").published
    assert published is not None and published.iso[:10] == "2019-06-02"


def _restamped(shown: str) -> str:
    ld = ('{"@context": "https://schema.org", "@type": "BlogPosting", "headline": "Slow bread",'
          ' "datePublished": "2019-03-02T08:00:00Z", "dateModified": "2019-03-09T18:40:00Z"}')
    return f"""<html><head><meta property="article:published_time" content="2019-03-09T18:39:00Z">
    <script type="application/ld+json">{ld}</script></head><body><article><h1 class="post-title">Slow bread</h1>
    {shown}<div class="post-content"><p>The dough rested for two days in the cold before it met the oven.</p>
    <p>Patience is most of the recipe; flour, water and salt are the rest of it.</p></div></article></body></html>"""


def test_a_publication_meta_restamped_on_an_edit_yields_to_the_first_publication() -> None:
    published = parse_post(_restamped(""), "https://bread.example/slow/").published
    assert published is not None and published.iso[:10] == "2019-03-02"


def test_a_post_showing_its_edit_day_as_its_date_keeps_it() -> None:
    page = parse_post(_restamped('<span class="post-date">March 9, 2019</span>'), "https://bread.example/slow/")
    assert page.published is not None and page.published.iso[:10] == "2019-03-09"


def test_dates_of_teasers_for_other_posts_are_not_the_posts_date() -> None:
    html = """<html><body><div class="layout"><div class="main"><h1 class="post-title">Winter tyres</h1>
    <div class="post-content"><p>Winter tyres earn their keep below seven degrees, long before the first snow.</p>
    <p>Check the tread depth and the date code on the sidewall before the season starts.</p></div></div>
    <div class="side"><ul><li><a href="/news.php?id=41"><h4>Chains or socks?</h4></a>
    <div class="event-date">4. November 2021</div></li></ul></div>
    <div class="post-date">5. November 2021</div></div></body></html>"""
    published = parse_post(html, "https://cars.example/news.php?id=42").published
    assert published is not None and published.iso[:10] == "2021-11-05"


def test_a_date_beside_a_title_linking_to_the_post_itself_is_its_date() -> None:
    html = """<html><body><div class="post"><h2 class="post-title"><a href="/2021/11/tyres.html">Winter tyres</a></h2>
    <span class="post-date">5. November 2021</span><div class="post-body">
    <p>Winter tyres earn their keep below seven degrees, long before the first snow arrives in the valley.</p>
    </div></div></body></html>"""
    published = parse_post(html, "https://cars.example/2021/11/tyres.html?m=1").published
    assert published is not None and published.iso[:10] == "2021-11-05"


def _marked_page(header: str) -> str:
    return f"""<html><body><div class="page"><h1 class="post-title">Radio days</h1>{header}
    <div class="post-content"><p><time datetime="2019-06-28T13:49:45Z">28 June 2019</time></p>
    <p>The station kept broadcasting through the night, on a transmitter borrowed from a neighbouring town.</p>
    <p>By morning the listeners had called in from three valleys away to say they could hear every word.</p></div>
    <div class="more"><div class="card"><time pubdate datetime="2019-09-22T07:30:29Z">22 September</time>
    <p>Another story.</p></div><div class="card"><time pubdate datetime="2019-09-20T19:01:28Z">20 September</time>
    <p>And another.</p></div></div></div></body></html>"""


def test_pubdate_marks_of_several_days_below_the_body_are_a_lists() -> None:
    published = parse_post(_marked_page(""), "https://radio.example/days/").published
    assert published is not None and published.iso[:10] == "2019-06-28"


def test_a_pubdate_mark_above_the_body_leads_over_marks_below_it() -> None:
    page = parse_post(_marked_page('<time pubdate datetime="2019-06-27T09:00:00Z">27 June 2019</time>'),
                      "https://radio.example/days/")
    assert page.published is not None and page.published.iso[:10] == "2019-06-27"


def test_date_in_url_is_the_last_resort() -> None:
    html = "<html><body><article><h1>Plain</h1><p>Nothing on this page says when it was written, only its address.</p></article></body></html>"
    published = parse_post(html, "https://plain.example/2015/06/07/plain/").published
    assert published is not None and (published.iso, published.source) == ("2015-06-07", "url")


def test_title_strips_heading_permalink_mark() -> None:
    html = """<html><body><article class="md-content__inner"><h1 id="x">Docs Title<a class="headerlink" href="#x">¶</a></h1>
    <p>Material pages put the title inside the content column with a pilcrow link after it.</p></article></body></html>"""
    page = parse_post(html, "https://docs.example/blog/x/")
    assert page.title == "Docs Title"
    assert "Docs Title" not in (page.content_text or "")


@pytest.mark.parametrize("title_tag", ["Why coverage isn't the goal :: Notes", "Why coverage isn't the goal"])
def test_a_heading_whose_quotes_the_theme_curled_takes_the_authors_quotes(title_tag: str) -> None:
    """The theme shows “smart” quotes in the h1; <title> and og:title keep what the author typed."""
    og = "" if "::" in title_tag else "<meta property='og:title' content=\"Why coverage isn't the goal\">"
    html = f"""<html><head><title>{title_tag}</title>{og}</head><body><header><a href="/">Notes</a></header>
    <article><h1 class="post-title">Why coverage isn’t the goal</h1><time datetime="2023-12-01">2023-12-01</time>
    <div class="post-content"><p>Chasing a number is not the same as testing what matters to the people using it.</p>
    </div></article></body></html>"""
    assert parse_post(html, "https://notes.example/2023/12/coverage/").title == "Why coverage isn't the goal"
