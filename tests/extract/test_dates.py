"""crawler.extract.dates (and declared_dates, textual_dates): evidence order, textual he/ar/ru dates (absolute and relative), future dates, the -01-01 trap."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from lxml import html as lxml_html

from crawler.extract.dates import date_in_url, resolve_modified, resolve_published
from crawler.extract.declared_dates import DeclaredDate, parse_structured_date, read_declared_date
from crawler.extract.htmldate_search import htmldate_search
from crawler.extract.textual_dates import find_textual_date, parse_textual_date, stated_dates
from crawler.model import DateEvidence

PAGES = Path(__file__).resolve().parent.parent / "fixtures" / "pages"
NOW = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "lang", "expected"),
    [
        ("3 בינואר 2026", "he", datetime(2026, 1, 3, tzinfo=UTC)),
        ("פורסם: 28 בדצמבר 2025, 14:05", "he", datetime(2025, 12, 28, 14, 5, tzinfo=UTC)),
        ("3 يناير 2026", "ar", datetime(2026, 1, 3, tzinfo=UTC)),
        ("٣ كانون الثاني ٢٠٢٦", "ar", datetime(2026, 1, 3, tzinfo=UTC)),  # Levantine month, Arabic-Indic digits
        ("6-تشرين الثاني-2023", "ar", datetime(2023, 11, 6, tzinfo=UTC)),  # seed 003's dateline
        ("12-شباط-2024", "ar", datetime(2024, 2, 12, tzinfo=UTC)),
        ("الجمعة 8 فيفري 2019", "ar", datetime(2019, 2, 8, tzinfo=UTC)),  # Maghrebi month name
        ("۱۲ آذار ۲۰۲۴", "ar", datetime(2024, 3, 12, tzinfo=UTC)),  # Extended (Persian-style) digits
        ("28 июня 2020, 14:05", "ru", datetime(2020, 6, 28, 14, 5, tzinfo=UTC)),
        ("МОСКВА, 29 июня. /ТАСС/. 29 июня 2020 г.", "ru", datetime(2020, 6, 29, tzinfo=UTC)),
        ("January 3, 2026", "en", datetime(2026, 1, 3, tzinfo=UTC)),
        ("am Samstag, 3. Dezember 2011 um 10:00 Uhr veröffentlicht", "de", datetime(2011, 12, 3, 10, 0, tzinfo=UTC)),
        ("03.01.2026", "he", datetime(2026, 1, 3, tzinfo=UTC)),  # numeric dates are day-first outside English
    ],
)
def test_absolute_textual_dates(text: str, lang: str, expected: datetime) -> None:
    assert parse_textual_date(text, lang, NOW) == expected


@pytest.mark.parametrize(
    ("text", "lang", "ago"),
    [
        ("לפני שעה", "he", timedelta(hours=1)),
        ("עודכן לפני 3 שעות", "he", timedelta(hours=3)),
        ("לפני שעתיים", "he", timedelta(hours=2)),
        ("אתמול", "he", timedelta(days=1)),
        ("منذ ساعتين", "ar", timedelta(hours=2)),
        ("منذ ساعة", "ar", timedelta(hours=1)),
        ("منذ ٣ ساعات", "ar", timedelta(hours=3)),  # Arabic-Indic digits in a relative form
        ("2 часа назад", "ru", timedelta(hours=2)),
        ("5 минут назад", "ru", timedelta(minutes=5)),
        ("вчера", "ru", timedelta(days=1)),
        ("2 hours ago", "en", timedelta(hours=2)),
    ],
)
def test_relative_textual_dates(text: str, lang: str, ago: timedelta) -> None:
    assert parse_textual_date(text, lang, NOW) == NOW - ago


def test_relative_date_without_language_hint() -> None:
    assert parse_textual_date("עודכן לפני 3 שעות", None, NOW) == NOW - timedelta(hours=3)


@pytest.mark.parametrize(
    "text",
    ["3 בינואר 2027", "٣ كانون الثاني ٢٠٢٧", "28 июня 2030", "no date here", "2026", "ינואר 2026"],
)
def test_future_or_missing_textual_dates_are_refused(text: str) -> None:
    assert parse_textual_date(text, None, NOW) is None


def test_structured_date_parsing() -> None:
    assert parse_structured_date("2022-06-23T12:59:24.905454Z") == (datetime(2022, 6, 23, 12, 59, 24, 905454, tzinfo=UTC), False)
    assert parse_structured_date("2020-06-29T00:16:15+0300") == (datetime(2020, 6, 28, 21, 16, 15, tzinfo=UTC), False)
    assert parse_structured_date("Tue, 07 Mar 2024 07:55:25 GMT") == (datetime(2024, 3, 7, 7, 55, 25, tzinfo=UTC), False)
    assert parse_structured_date("2024-03-07 07:55") == (datetime(2024, 3, 7, 7, 55, tzinfo=UTC), True)
    assert parse_structured_date("2024-03-07") == (datetime(2024, 3, 7, tzinfo=UTC), True)
    assert parse_structured_date("1709798125000") == (datetime(2024, 3, 7, 7, 55, 25, tzinfo=UTC), False)
    assert parse_structured_date("yesterday") is None
    assert parse_structured_date("") is None


def test_declared_dates_beat_feed_and_htmldate() -> None:
    feed = DateEvidence(datetime(2025, 1, 2, tzinfo=UTC), "feed")
    found = resolve_published(
        structured=[("jsonld", "2025-01-01T10:00:00+02:00"), ("meta:article:published_time", "2024-12-31")],
        feed_date=feed,
        fetched_at=NOW,
    )
    assert found == DateEvidence(datetime(2025, 1, 1, 8, 0, tzinfo=UTC), "jsonld", False, offset_minutes=120)
    assert found.local_isoformat() == "2025-01-01T10:00:00+02:00"
    assert resolve_published(feed_date=feed, fetched_at=NOW) == feed


def test_naive_declared_date_is_utc_and_marked() -> None:
    found = resolve_published(structured=[("jsonld", "2025-06-01T09:30:00")], fetched_at=NOW)
    assert found == DateEvidence(datetime(2025, 6, 1, 9, 30, tzinfo=UTC), "jsonld:naive", False)


def test_future_declared_date_falls_through_to_the_next_evidence() -> None:
    warnings: list[str] = []
    found = resolve_published(
        structured=[("jsonld", "2026-03-01T00:00:00Z"), ("meta:article:published_time", "2026-01-04T08:00:00Z")],
        fetched_at=NOW,
        warnings=warnings,
    )
    assert found.value == datetime(2026, 1, 4, 8, 0, tzinfo=UTC)
    assert found.source == "meta:article:published_time"
    assert any("implausible jsonld" in w for w in warnings)
    # A little clock skew is tolerated; a naive local time up to UTC+14 "ahead" is too.
    assert resolve_published(structured=[("jsonld", "2026-01-05T12:10:00Z")], fetched_at=NOW).source == "jsonld"
    assert resolve_published(structured=[("jsonld", "2026-01-05T20:00:00")], fetched_at=NOW).source == "jsonld:naive"
    assert resolve_published(structured=[("jsonld", "2026-01-05T13:00:00Z")], fetched_at=NOW).value is None
    future_feed = DateEvidence(datetime(2026, 2, 1, tzinfo=UTC), "sitemap")
    assert resolve_published(feed_date=future_feed, fetched_at=NOW).value is None


def test_url_date_wins_over_a_later_declared_date() -> None:
    assert date_in_url("https://www.befifty.de/home/2017/7/12/unter-uns-montauk").isoformat() == "2017-07-12"  # type: ignore[union-attr]
    assert date_in_url("https://www.reuters.com/world/x-2024-03-07/").isoformat() == "2024-03-07"  # type: ignore[union-attr]
    assert date_in_url("https://tass.ru/moskva/8836033") is None
    found = resolve_published(
        structured=[("jsonld", "2019-06-17T18:28:00+0200")],
        url="https://www.befifty.de/home/2017/7/12/unter-uns-montauk",
        fetched_at=NOW,
    )
    assert found == DateEvidence(datetime(2017, 7, 12, tzinfo=UTC), "url", True, date_only=True)
    same_day = resolve_published(
        structured=[("jsonld", "2024-03-07T23:30:00Z")], url="https://x.org/a-2024-03-07/", fetched_at=NOW
    )
    assert same_day.source == "jsonld"


def _tree(body: str) -> lxml_html.HtmlElement:
    return lxml_html.fromstring(f"<html><head><title>t</title></head><body><h1>כותרת</h1>{body}</body></html>")


def test_hebrew_textual_date_beats_htmldates_year_only_guess() -> None:
    # htmldate reads the year of "3 בינואר 2026" and returns 2026-01-01 (research/architecture.md §5).
    tree = _tree("<div class='authors'>מאת כתב <span class='date'>3 בינואר 2026</span></div><p>" + "טקסט הכתבה. " * 30 + "</p>")
    found = resolve_published(tree=tree, url="https://www.ynet.co.il/news/article/abc", lang="he", fetched_at=NOW)
    assert found == DateEvidence(datetime(2026, 1, 3, tzinfo=UTC), "textual", True, date_only=True)


@pytest.mark.parametrize(
    ("markup", "lang", "day"),
    [
        ("<div>פורסם ב-3 בינואר 2026</div>", "he", "2026-01-03"),
        ("<p>نشر في 3 يناير 2026</p>", "ar", "2026-01-03"),
    ],
)
def test_year_only_guess_is_repaired_from_the_page_text(markup: str, lang: str, day: str) -> None:
    # htmldate's extensive search reads only the year of these and answers YYYY-01-01 (checked: htmldate 1.11).
    tree = _tree(markup + "<p>" + "טקסט. نص. " * 40 + "</p>")
    found = resolve_published(tree=tree, url="https://example.org/a", lang=lang, fetched_at=NOW)
    assert found.value is not None and found.value.date().isoformat() == day
    assert found.source == "textual" and found.uncertain


def test_relative_date_in_a_byline() -> None:
    tree = _tree("<div class='article-meta'>منذ ساعتين</div><p>" + "نص المقال. " * 30 + "</p>")
    found = resolve_published(tree=tree, url="https://example.org/ar/1", lang="ar", fetched_at=NOW)
    assert found == DateEvidence(NOW - timedelta(hours=2), "textual", True)


def test_dateline_in_the_text_head() -> None:
    tree = _tree("<p>" + "Текст статьи. " * 30 + "</p>")
    found = resolve_published(
        tree=tree,
        url="https://example.org/ru/1",
        lang="ru",
        text_head="МОСКВА, 28 июня 2020 г. /ТАСС/. Движение открывается",
        fetched_at=NOW,
    )
    assert found.value == datetime(2020, 6, 28, tzinfo=UTC)
    assert found.uncertain


def test_year_only_guess_on_an_anti_bot_page_is_refused() -> None:
    tree = lxml_html.fromstring((PAGES / "he_israelhayom_antibot_challenge.html").read_bytes())
    warnings: list[str] = []
    found = resolve_published(
        tree=tree, url="https://www.israelhayom.co.il/article/x", lang="he", fetched_at=NOW, warnings=warnings
    )
    assert found == DateEvidence(None, "none", True)
    assert any("year-only" in w for w in warnings)


def test_htmldate_result_is_marked_uncertain() -> None:
    tree = _tree("<p class='x'>Published 2024-05-17</p><p>" + "Article text. " * 30 + "</p>")
    found = resolve_published(tree=tree, url="https://example.org/en/1", lang="en", fetched_at=NOW)
    assert found.value is not None and found.value.date().isoformat() == "2024-05-17"
    assert found.uncertain


def test_modified_date() -> None:
    published = datetime(2024, 3, 7, 7, 55, tzinfo=UTC)
    assert resolve_modified([("jsonld", "2024-03-07T12:21:53Z")], published=published, fetched_at=NOW) == (
        datetime(2024, 3, 7, 12, 21, 53, tzinfo=UTC),
        "jsonld",
    )
    # Before publication or in the future: not a modification date.
    assert resolve_modified([("jsonld", "2024-03-06T00:00:00Z")], published=published, fetched_at=NOW) == (None, None)
    assert resolve_modified([("meta:article:modified_time", "2027-01-01T00:00:00Z")], published=published, fetched_at=NOW) == (
        None,
        None,
    )


def test_declared_offset_and_bare_dates_are_kept_for_the_publishers_day() -> None:
    """A page published at local midnight east of UTC stays on its own day; a bare date stays a date."""
    declared = read_declared_date("2020-02-15T00:00+02:00")
    assert declared == DeclaredDate(datetime(2020, 2, 14, 22, 0, tzinfo=UTC), False, 120, False)
    assert read_declared_date("2020-02-15") == DeclaredDate(datetime(2020, 2, 15, tzinfo=UTC), True, None, True)
    assert read_declared_date("2020-06-29T00:16:15-0330").offset_minutes == -210
    assert read_declared_date("1709798125000").offset_minutes is None  # Unix time states no zone

    found = resolve_published(structured=[("jsonld", "2020-02-15T00:00+02:00")], fetched_at=NOW)
    assert found.value == datetime(2020, 2, 14, 22, 0, tzinfo=UTC)  # the instant, for placing it in a window
    assert found.local_isoformat() == "2020-02-15T00:00:00+02:00"  # the publisher's day, for the reader
    bare = resolve_published(structured=[("meta:article:published_time", "2020-02-15")], fetched_at=NOW)
    assert bare.local_isoformat() == "2020-02-15"


def test_written_dates_with_and_without_a_time() -> None:
    assert resolve_published(text_head="Moscow, 28 июня 2020 г., 14:05", fetched_at=NOW).date_only is False
    assert resolve_published(text_head="פורסם ב-3 בינואר 2026", lang="he", fetched_at=NOW).local_isoformat() == "2026-01-03"


def test_a_utc_declaration_takes_the_offset_another_field_states_for_the_same_instant() -> None:
    """Readability's wikia page: JSON-LD says 01:18 UTC on 24 February, the meta tag 17:18 on the 23rd at -08:00."""
    found = resolve_published(
        structured=[("jsonld", "2017-02-24T01:18:13Z"), ("meta:article:published_time", "2017-02-23T17:18:13-08:00")],
        fetched_at=NOW,
    )
    assert found.source == "jsonld" and found.offset_minutes == -480
    assert found.local_isoformat() == "2017-02-23T17:18:13-08:00"
    # A different instant elsewhere (an update) lends no offset.
    other = resolve_published(
        structured=[("jsonld", "2017-02-24T01:18:13Z"), ("meta:article:modified_time", "2017-02-25T09:00:00-08:00")],
        fetched_at=NOW,
    )
    assert other.local_isoformat() == "2017-02-24T01:18:13+00:00"


def _page(body: str) -> lxml_html.HtmlElement:
    return lxml_html.fromstring(f"<html><head><script id='meta-date'>{{\"d\": \"2022-05-04T00:25:56Z\"}}</script></head><body>{body}</body></html>")


@pytest.mark.parametrize(
    ("declared", "url", "body", "local"),
    [
        # CMSs in Central Europe store local midnight as 23:00 UTC; the page shows the next day.
        ("2021-11-04T23:00Z", None, "<span class='date'>05.11.2021</span>", "2021-11-05T00:00:00+01:00"),
        # New York at 21:25 is 02:25 UTC next day; the URL was minted on the local day.
        ("2020-02-25T02:25:54+00:00", "https://example.com/2020/02/24/story/", "", "2020-02-24T23:25:54-03:00"),
        # A <time> element states the same instant on the publisher's clock: its offset is taken exactly.
        ("2022-05-04T03:37:37+00:00", None, "<time datetime='2022-05-03T23:37:37-04:00'>May 3</time>", "2022-05-03T23:37:37-04:00"),
        # A Spanish written day; the script's UTC timestamp is code, not a day a reader sees.
        ("Wed, 04 May 2022 00:25:56 GMT", None, "<time class='com-date'>3 de mayo de 2022</time>", "2022-05-03T23:25:56-01:00"),
    ],
)
def test_a_utc_declaration_takes_the_day_the_page_states_on_its_own_clock(
    declared: str, url: str | None, body: str, local: str
) -> None:
    found = resolve_published(structured=[("jsonld", declared)], tree=_page(body), url=url, fetched_at=NOW)
    assert found.source == "jsonld"
    assert found.value == read_declared_date(declared).value  # the instant is never moved
    assert found.local_isoformat() == local


@pytest.mark.parametrize(
    "body",
    [
        "<span class='date'>06.11.2022</span>",  # the page's own day is the UTC day: UTC it stays
        "<span class='date'>01.10.2022</span>",  # a day far from the instant (a related story) says nothing
        "<time datetime='2022-11-07T00:00:00'></time>",  # a machine time without a zone may be UTC: no local day
    ],
)
def test_a_utc_declaration_stays_utc_without_a_neighbouring_local_day(body: str) -> None:
    found = resolve_published(structured=[("jsonld", "2022-11-06T23:00:00Z")], tree=_page(body), fetched_at=NOW)
    assert found.local_isoformat() == "2022-11-06T23:00:00+00:00"


def test_a_zoneless_time_on_the_same_second_gives_the_publishers_clock() -> None:
    """Twin Cities: JSON-LD says 05:30:59 UTC on 9 November; the byline's <time> says 23:30:59 without a zone,
    the same second six hours earlier: the story is from 8 November on a UTC-6 clock."""
    page = _page("<time datetime='2023-11-08 23:30:59'>November 8, 2023 at 11:30 p.m.</time>")
    found = resolve_published(structured=[("jsonld", "2023-11-09T05:30:59Z")], tree=page, fetched_at=NOW)
    assert found.value == datetime(2023, 11, 9, 5, 30, 59, tzinfo=UTC)
    assert found.local_isoformat() == "2023-11-08T23:30:59-06:00"
    # Another second is another moment (a related story's time): no clock is read from it.
    other = _page("<time datetime='2023-11-08 23:31:12'>November 8, 2023</time>")
    unmoved = resolve_published(structured=[("jsonld", "2023-11-09T05:30:59Z")], tree=other, fetched_at=NOW)
    assert unmoved.local_isoformat() == "2023-11-09T05:30:59+00:00"


def test_the_day_the_page_shows_and_a_second_declaration_outvote_a_lone_declared_date() -> None:
    """A republished page keeps its old JSON-LD datePublished; its byline and article:published_time agree on
    the day it now stands under."""
    page = _page("<div class='post-date'>6. November 2023</div>")
    structured = [("jsonld", "2023-11-03T10:25:56+00:00"), ("meta:article:published_time", "2023-11-06T15:25:00+01:00")]
    found = resolve_published(structured=structured, tree=page, fetched_at=NOW)
    assert found.source == "meta:article:published_time"
    assert found.local_isoformat() == "2023-11-06T15:25:00+01:00"


def test_a_seconded_declared_date_stands_against_a_shown_update_day() -> None:
    """Vox shows its update's day, which sailthru.date repeats; JSON-LD and article:published_time agree on the
    first publication, and it stands."""
    page = _page("<time class='c-byline__item' datetime='2018-07-24T18:15:58+00:00'>Jul 24, 2018, 2:15pm EDT</time>")
    structured = [
        ("jsonld", "2017-12-15T08:50:02-05:00"),
        ("meta:article:published_time", "2017-12-15T08:50:02-05:00"),
        ("meta:sailthru.date", "2018-07-24"),
    ]
    found = resolve_published(structured=structured, tree=page, fetched_at=NOW)
    assert (found.source, found.local_isoformat()) == ("jsonld", "2017-12-15T08:50:02-05:00")


def test_a_header_today_far_from_the_instant_is_not_the_publishers_day() -> None:
    """At 18:05 UTC, the next day is 6 h away: a header's 'today' more likely than the publisher's clock."""
    page = _page("<div class='header_date'>Mittwoch, 9. Februar 2022</div><span class='post-date'>8. Februar 2022</span>")
    found = resolve_published(structured=[("jsonld", "2022-02-08T18:05:43Z")], tree=page, fetched_at=NOW)
    assert found.local_isoformat() == "2022-02-08T18:05:43+00:00"


def test_the_pages_own_date_element_beats_htmldates_guess() -> None:
    """htmldate's quick search picks a related story's date; the article's own date element states another day."""
    page = lxml_html.fromstring(
        "<html><body><article><h1>Headline</h1>"
        "<div class='story-meta'><strong class='date'>miércoles, 4 de mayo de 2022</strong></div>"
        "<p>The story.</p></article><aside>"
        + "<div class='related'><a href='/a'>Other story</a><div class='date'><span>03-05-2022</span></div></div>" * 2
        + "</aside></body></html>"
    )
    url = "https://example.com/espectaculos/noticia/story/"
    assert htmldate_search(page, url, NOW, extensive=False) == datetime(2022, 5, 3, tzinfo=UTC)  # the trap is real
    found = resolve_published(tree=page, url=url, fetched_at=NOW)
    assert found.local_isoformat() == "2022-05-04" and found.source == "textual"


def test_a_date_element_much_later_than_htmldates_guess_is_an_update() -> None:
    """A forum thread started in 2009 whose first date element is the last reply (2020): htmldate's original date stays."""
    page = lxml_html.fromstring(
        "<html><head><meta name='date' content='2009-01-21'></head><body><div class='last-post-date'>14.10.2020</div>"
        "<article><h1>Thread</h1><p>First post.</p></article></body></html>"
    )
    url = "https://forum.example.org/thread-424.html"
    assert htmldate_search(page, url, NOW, extensive=False) == datetime(2009, 1, 21, tzinfo=UTC)
    found = resolve_published(tree=page, url=url, fetched_at=NOW)
    assert found.source == "htmldate" and found.local_isoformat() == "2009-01-21"


def test_a_comments_date_is_not_the_articles() -> None:
    """WordPress comment metadata ("comment-meta commentmetadata") names "meta" but dates a reader's reply."""
    page = lxml_html.fromstring(
        "<html><body><article><h1>Roomba</h1><div class='post-byline'>von Heiner</div><p>Text.</p></article>"
        "<ol class='commentlist'><li><div class='comment-meta commentmetadata'>15. Dezember 2015 at 11:21</div></li></ol>"
        "</body></html>"
    )
    assert stated_dates(page, "de", NOW) == []
    assert find_textual_date(page, None, "de", NOW) is None


def test_compile_external_parser_points_htmldate_at_the_limited_parser() -> None:
    """Benches pay dateparser's compilation up front; what they compile must be the parser pages then use."""
    from htmldate import extractors

    from crawler.extract.htmldate_search import EXTERNAL_PARSER_LANGUAGES, compile_external_parser

    compile_external_parser()
    parser = extractors.get_external_parser()
    assert parser is extractors.get_external_parser()  # one parser per process, compiled once
    assert set(parser.languages) == set(EXTERNAL_PARSER_LANGUAGES)
    assert parser.get_date_data("12 ноября 2020 г.")["date_obj"] == datetime(2020, 11, 12)
