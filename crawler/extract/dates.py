"""Publication and modification dates of an article, with their provenance.

Pure stage: `resolve_published(...) -> DateEvidence`, `resolve_modified(...)`, `date_in_url(url)`. This module
owns the order of evidence; reading each kind lives beside it (crawler.extract.declared_dates,
crawler.extract.htmldate_search, crawler.extract.textual_dates). Evidence, best first:
1. what the publisher declares for machines: JSON-LD `datePublished`, `article:published_time` and kin,
   microdata/RDFa (given by the caller as (source, raw) pairs). A declared date later than a full date in the
   URL (`/2017/7/12/`) loses to the URL's: the URL was minted at first publication. The most trusted date
   stated by no other field loses to a less trusted one that states the day the page shows its readers. An
   instant stated only in UTC takes the publisher's day from the page's own clock (a <time> at the same
   instant, with or without its zone, the URL's day, a date element's day next to the UTC day);
2. the date the feed or news sitemap gave for this URL (`feed_date`);
3. htmldate's quick search of the page (a heuristic: marked uncertain). Its day-1 answers are its month/year
   fallbacks, not found dates. When the first day the page's date elements state differs (and is not over a
   month later: an update), that day wins: htmldate scores every date on the page, related stories' too;
4. textual dates in date-like elements or the article's dateline ("3 בינואר 2026", "٣ كانون الثاني ٢٠٢٦",
   "28 июня 2020", and relative "לפני שעה", "منذ ساعتين", "2 часа назад" resolved against the fetch time);
5. htmldate's extensive search; its YYYY-01-01 (a year read from a textual date it could not parse, which it
   does for he/ar/ru month names: research/architecture.md §5) is repaired from the page text or refused.

No date is ever in the future of the fetch (beyond a small tolerance): such values are template or timezone
errors and are skipped in favour of the next piece of evidence. Values are aware datetimes in UTC (the
instant), with the UTC offset the page stated beside them and a flag for a day given without a time: the
publisher's local day is what a reader means by "published on" (see crawler.publisher_time).
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

from crawler.extract.declared_dates import (
    NAIVE_SUFFIX,
    DeclaredDate,
    aware_utc,
    now_utc,
    parse_structured_date,
    plausible,
    read_declared_date,
)
from crawler.extract.htmldate_search import htmldate_search
from crawler.extract.textual_dates import find_textual_date, stated_dates, textual_date_in_year
from crawler.model import DateEvidence
from crawler.publisher_time import publisher_local

# htmldate writes day 1 when it found only a month, and January 1st when it found only a year (which it does
# for he/ar/ru month names): such a result is a fallback, not a found date.
_COARSE_DAY = 1
_YEAR_ONLY = (1, 1)
# A full date in the URL path: "/2017/7/12/", "-2024-03-07/", "/20240307/" is not matched (ids look like that).
_URL_DATE = re.compile(r"(?<!\d)((?:19|20)\d{2})[/_-](\d{1,2})[/_-](\d{1,2})(?!\d)")
# A declared date one day after the URL's is a timezone effect (URL minted in local time), not a conflict.
URL_DATE_SLACK = timedelta(days=1)
# A date element stating a day this much later than htmldate's (original-date) guess is an update, a comment or
# the header's "today", not the publication (the tune half of the bench had related stories up to 19 days older
# than the article, and updates and comments 39 days and more after it).
STATED_DAY_UPDATE_AFTER = timedelta(days=31)
# Clocks run from UTC-12 to UTC+14, but a neighbouring day that needs a shift of more than a few hours to reach
# is more often a header's "today" or the next story's date than the publisher's day (tune half of the bench:
# the pages needing 1-3 h were right, those needing 6 h and 12 h wrong). A same-instant statement has no limit.
_MAX_INFERRED_SHIFT_HOURS = 5
# Real UTC offsets: from UTC-12 to UTC+14, in quarter hours (Nepal's +5:45, Chatham's +12:45).
_CLOCK_STEP = timedelta(minutes=15)
_EARLIEST_CLOCK, _LATEST_CLOCK = timedelta(hours=-12), timedelta(hours=14)


def resolve_published(
    *,
    structured: Sequence[tuple[str, Any]] = (),
    feed_date: DateEvidence | None = None,
    tree: Any = None,
    url: str | None = None,
    lang: str | None = None,
    text_head: str | None = None,
    fetched_at: datetime | None = None,
    warnings: list[str] | None = None,
) -> DateEvidence:
    """The best-supported publication date.

    `structured` lists (source, raw value) pairs in order of trust, e.g. ("jsonld", "2022-06-23T12:59:24Z"),
    ("meta:article:published_time", ...). `tree` (an lxml HTML tree) enables htmldate and the textual scan;
    `text_head` is the start of the extracted article text (datelines).
    """
    now = aware_utc(fetched_at) or now_utc()
    notes = warnings if warnings is not None else []
    url_day = date_in_url(url)

    @functools.cache  # the dates the page's own elements state cost a walk over the page: read once, when asked
    def page_statements() -> list[DateEvidence]:
        return stated_dates(tree, lang, now) if tree is not None else []

    for index, (source, raw) in enumerate(structured):
        declared = read_declared_date(raw)
        if declared is None:
            continue
        value, naive = declared.value, declared.naive
        if not plausible(value, now, naive=naive):
            notes.append(f"date: ignored implausible {source} value {raw!r}")
            continue
        local_day = publisher_local(value, declared.offset_minutes).date()
        if url_day is not None and local_day > url_day + URL_DATE_SLACK and plausible(_midnight(url_day), now, naive=True):
            # The URL was minted at first publication; a later declared date is a re-publication or migration.
            notes.append(f"date: {source} {local_day} is later than the URL's date {url_day}; using the URL's")
            return DateEvidence(_midnight(url_day), "url", True, date_only=True)
        seconded = _seconded_shown_day(local_day, structured[index + 1 :], page_statements, now)
        if seconded is not None:
            notes.append(f"date: {source} {local_day} is not the day the page shows; {seconded[0]} states that day")
            (source, declared), value, naive = seconded, seconded[1].value, seconded[1].naive
        suffix = NAIVE_SUFFIX if naive else ""
        offset = declared.offset_minutes or _local_offset_of_same_instant(value, structured)
        if declared.offset_minutes == 0 and not offset and not declared.date_only:
            offset = _publisher_offset_of_utc_instant(value, page_statements(), url_day, notes)
        return DateEvidence(value, source + suffix, False, offset if offset else declared.offset_minutes, declared.date_only)
    if feed_date is not None and feed_date.value is not None:
        value = aware_utc(feed_date.value)
        if value is not None and plausible(value, now, naive=False):
            # The listing's stated offset and bare-day flag travel with it: its local day is the publisher's.
            return DateEvidence(value, feed_date.source, feed_date.uncertain, feed_date.offset_minutes, feed_date.date_only)
        notes.append(f"date: ignored implausible {feed_date.source} value {feed_date.value.isoformat()}")
    # htmldate's quick search (markup, URL, common patterns) first; its extensive search (whole-page patterns,
    # dateparser on every date-like string) costs 3-10x more and runs only when nothing else is found.
    found = htmldate_search(tree, url, now, extensive=False) if tree is not None else None
    if found is not None and found.day != _COARSE_DAY:
        # htmldate's quick guess scores every date on the page (a related story's "03-05-2022" included); the
        # first day the page's own date elements state (its byline, its <time>) is stronger evidence, unless it
        # is much later than the earliest date htmldate settled on: then it is an update, a comment or today.
        stated = next(iter(_local_day_statements(page_statements())), None)
        if stated is not None and found.date() != _local_day(stated) <= found.date() + STATED_DAY_UPDATE_AFTER:
            notes.append(f"date: the page's date element states {_local_day(stated)}, not htmldate's {found.date()}")
            return stated
        return DateEvidence(found, "htmldate", True, date_only=True)
    textual = find_textual_date(tree, text_head, lang, now)
    if textual is not None:
        return textual
    if found is None and tree is not None:
        found = htmldate_search(tree, url, now, extensive=True)
        if found is not None and found.day != _COARSE_DAY:
            return DateEvidence(found, "htmldate", True, date_only=True)
    if found is not None and (found.month, found.day) == _YEAR_ONLY:
        # htmldate's year-only fallback. It happens when it read only the year of a textual date it could not
        # parse ("פורסם ב-3 בינואר 2026" -> 2026-01-01): look for a full date of that year in the page text.
        in_year = textual_date_in_year(tree, found.year, now)
        if in_year is not None:
            return DateEvidence(in_year, "textual", True, date_only=True)
        # Otherwise the year itself is often wrong (a copyright line, an anti-bot script): no date is more honest.
        notes.append(f"date: ignored htmldate's year-only guess {found.date()}")
    elif found is not None:
        notes.append("date: htmldate gave only a month (day 1), nothing better found")
        return DateEvidence(found, "htmldate:coarse", True, date_only=True)
    return DateEvidence(None, "none", True)


def _local_offset_of_same_instant(instant: datetime, structured: Sequence[tuple[str, Any]]) -> int | None:
    """The publisher's offset from another declared field stating the same instant in local time.

    JSON-LD often gives the instant in UTC ("2017-02-24T01:18:13Z") while `article:published_time` says it on
    the publisher's clock ("2017-02-23T17:18:13-08:00"): same moment, and only the second tells the local day.
    """
    for _source, raw in structured:
        declared = read_declared_date(raw)
        if declared is not None and declared.offset_minutes and declared.value == instant:
            return declared.offset_minutes
    return None


def _publisher_offset_of_utc_instant(
    instant: datetime, statements: list[DateEvidence], url_day: date | None, notes: list[str]
) -> int | None:
    """The publisher's offset for an instant declared only in UTC ("...Z", "+00:00"), from what the page says
    on its own clock, or None when nothing there puts the story on another day than the UTC one.

    A UTC timestamp is the right instant but not the reader's day: "2022-11-06T23:00Z" is 7 November in Berlin,
    "2020-02-25T02:25Z" 24 February in New York. Witnesses, best first:
    1. a date element stating the same instant on a local clock (<time datetime="2022-05-03T23:37-04:00">);
    2. the first local day the URL or a date element states that is the UTC day or a neighbour at most
       _MAX_INFERRED_SHIFT_HOURS away: the UTC day confirms UTC; a neighbour gives the smallest whole-hour offset that puts the instant on that day (the
       instant stays exact, the clock is the nearest one consistent with the page).
    """
    for statement in statements:
        if statement.offset_minutes and statement.value == instant:
            return statement.offset_minutes
    for statement in statements:
        offset = _clock_offset_of_naive_statement(statement, instant)
        if offset is not None:
            notes.append(f"date: {instant.isoformat()} declared in UTC; the page shows it on a UTC{offset / 60:+g}h clock")
            return offset
    local_days = [url_day] if url_day is not None else []
    local_days += [_local_day(statement) for statement in _local_day_statements(statements)]
    utc_day = instant.date()
    for day in local_days:
        if day == utc_day:
            return None
        offset = _nearest_offset_onto(instant, day)
        if offset is not None:
            notes.append(f"date: {instant.isoformat()} declared in UTC; the page's own day is {day}, UTC{offset // 60:+d}h")
            return offset
    return None


def _clock_offset_of_naive_statement(statement: DateEvidence, instant: datetime) -> int | None:
    """The offset of a zone-less machine time that states the instant on a local clock, or None.

    `<time datetime="2023-11-08 23:30:59">` beside a declared "2023-11-09T05:30:59Z" is the same second on a
    UTC-6 clock: a whole number of quarter hours between them, within the range of real clocks, and minutes and
    seconds that match. A time on the hour is no witness: ":00:00" on both sides matches by coincidence.
    """
    if statement.offset_minutes is not None or statement.date_only or (instant.minute, instant.second) == (0, 0):
        return None
    shift = statement.value - instant
    minutes, remainder = divmod(shift, _CLOCK_STEP)
    if remainder or not shift or not _EARLIEST_CLOCK <= shift <= _LATEST_CLOCK:
        return None
    return int(minutes) * 15


def _seconded_shown_day(
    local_day: date, later: Sequence[tuple[str, Any]], page_statements: Callable[[], list[DateEvidence]], now: datetime
) -> tuple[str, DeclaredDate] | None:
    """A less trusted declared date that states the day the page shows its readers, when the most trusted one
    states another day; None otherwise.

    A page moved or republished keeps its old JSON-LD `datePublished` while its byline and its
    `article:published_time` give the day it now stands under ("15.12.2022" on a page whose JSON-LD says
    2021-12-06). Two witnesses, one written for readers, outvote one written for machines; a day written for
    readers alone does not (it may be a related story's), nor do two against two (Vox shows its update's day,
    which a `sailthru.date` repeats, against a `datePublished` that `article:published_time` confirms).
    """
    others = [(source, declared) for source, raw in later if (declared := read_declared_date(raw)) is not None]
    days = [_plausible_local_day(declared, now) for _, declared in others]
    if local_day in days or not any(days):
        # Seconded itself (two declared witnesses against a shown day that may be an update's), or unopposed:
        # the page's date elements are not read (they cost a walk over the page).
        return None
    shown = next((s for s in page_statements() if s.source == "textual"), None)
    if shown is None or _local_day(shown) == local_day:
        return None
    return next((other for other, day in zip(others, days, strict=True) if day == _local_day(shown)), None)


def _plausible_local_day(declared: DeclaredDate, now: datetime) -> date | None:
    if not plausible(declared.value, now, naive=declared.naive):
        return None
    return publisher_local(declared.value, declared.offset_minutes).date()


def _local_day_statements(statements: Sequence[DateEvidence]) -> list[DateEvidence]:
    """The statements that tell the publisher's day: a time with an offset, a bare day, a day written for
    readers. A machine time without a zone (or in UTC) may be UTC's day, not the publisher's."""
    return [s for s in statements if s.offset_minutes or s.date_only or s.source == "textual"]


def _local_day(evidence: DateEvidence) -> date:
    return publisher_local(evidence.value, evidence.offset_minutes).date()


def _nearest_offset_onto(instant: datetime, day: date) -> int | None:
    """The smallest whole-hour UTC offset (in minutes) that puts the instant on `day`, if a small shift does."""
    day_start = _midnight(day)
    if day_start > instant:
        hours = math.ceil((day_start - instant) / timedelta(hours=1))
        return hours * 60 if hours <= _MAX_INFERRED_SHIFT_HOURS else None
    day_end = day_start + timedelta(days=1)
    if instant >= day_end:
        hours = math.floor((instant - day_end) / timedelta(hours=1)) + 1
        return -hours * 60 if hours <= _MAX_INFERRED_SHIFT_HOURS else None
    return 0


def date_in_url(url: str | None) -> date | None:
    """A full date in the URL's path ("/2017/7/12/slug", "slug-2024-03-07/"), or None."""
    if not url:
        return None
    path = url.split("://", 1)[-1].partition("/")[2]
    for match in _URL_DATE.finditer(path):
        try:
            return date(int(match[1]), int(match[2]), int(match[3]))
        except ValueError:
            continue
    return None


def _midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def resolve_modified(
    structured: Sequence[tuple[str, Any]],
    *,
    published: datetime | None = None,
    fetched_at: datetime | None = None,
) -> tuple[datetime | None, str | None]:
    """The declared modification time (never before publication, never in the future) and its source."""
    now = aware_utc(fetched_at) or now_utc()
    for source, raw in structured:
        parsed = parse_structured_date(raw)
        if parsed is None:
            continue
        value, naive = parsed
        if plausible(value, now, naive=naive) and (published is None or value >= published):
            return value, source + (NAIVE_SUFFIX if naive else "")
    return None, None
