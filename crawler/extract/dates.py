"""Publication and modification dates of an article, with their provenance.

Pure stage: `resolve_published(...) -> DateEvidence`, `resolve_modified(...)`,
`parse_textual_date(text, lang, now)`. Evidence, best first:
1. what the publisher declares for machines: JSON-LD `datePublished`, `article:published_time` and kin,
   microdata/RDFa (given by the caller as (source, raw) pairs). A declared date later than a full date in the
   URL (`/2017/7/12/`) loses to the URL's: the URL was minted at first publication;
2. the date the feed or news sitemap gave for this URL (`feed_date`);
3. htmldate's quick search of the page (a heuristic: marked uncertain). Its day-1 answers are its month/year
   fallbacks, not found dates;
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

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from email.utils import parsedate_to_datetime
from functools import lru_cache
from typing import Any

from crawler.model import DateEvidence
from crawler.publisher_time import offset_minutes_of, publisher_local

log = logging.getLogger(__name__)

# Publisher clocks drift a little from ours; an aware timestamp this far ahead of the fetch is still "now".
AWARE_FUTURE_TOLERANCE = timedelta(minutes=15)
# A naive or date-only value may be local time anywhere up to UTC+14, so "today" there can be 14 h ahead of UTC.
NAIVE_FUTURE_TOLERANCE = timedelta(hours=14)
# Nothing we monitor predates the web; earlier values are placeholders ("0001-01-01", "1970-01-01").
EARLIEST_PLAUSIBLE = datetime(1995, 1, 1, tzinfo=UTC)
# Source suffix for values that carried no timezone and were read as UTC.
NAIVE_SUFFIX = ":naive"

_ISO_OFFSET_WITHOUT_COLON = re.compile(r"([+-]\d{2})(\d{2})$")
_ISO_DATE_PREFIX = re.compile(r"^(\d{4})-(\d{2})-(\d{2})")
_ISO_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})(?:T?(\d{2})(\d{2})(\d{2})?)?Z?$")
_UNIX_TIME = re.compile(r"^\d{9,13}$")
_BARE_DATE = re.compile(r"^\d{4}-?\d{2}-?\d{2}$")

# Digits other than ASCII that pages use: Arabic-Indic (Levant, Egypt, Gulf) and Extended Arabic-Indic
# (Persian/Urdu typography, sometimes used by Arabic CMSs).
_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")

# Month names -> month number. Hebrew takes a prefix (ב/ל/מ: "בינואר" = "in January"). Arabic has three
# naming systems in active use: Egyptian/Gulf (يناير), Levantine/Iraqi (كانون الثاني, seed 003 writes
# "3-نيسان-2024") and Maghrebi (جانفي). Russian dates use the genitive ("28 июня"). English for wire copy.
# fmt: off
_MONTHS: dict[str, dict[str, int]] = {
    "he": {
        "ינואר": 1, "פברואר": 2, "מרץ": 3, "מרס": 3, "אפריל": 4, "מאי": 5, "יוני": 6, "יולי": 7,
        "אוגוסט": 8, "ספטמבר": 9, "אוקטובר": 10, "נובמבר": 11, "דצמבר": 12,
    },
    "ar": {
        "يناير": 1, "فبراير": 2, "مارس": 3, "أبريل": 4, "ابريل": 4, "إبريل": 4, "مايو": 5, "يونيو": 6,
        "يونيه": 6, "يوليو": 7, "يوليه": 7, "أغسطس": 8, "اغسطس": 8, "سبتمبر": 9, "أكتوبر": 10, "اكتوبر": 10,
        "نوفمبر": 11, "ديسمبر": 12,
        "كانون الثاني": 1, "شباط": 2, "آذار": 3, "اذار": 3, "نيسان": 4, "أيار": 5, "ايار": 5, "حزيران": 6,
        "تموز": 7, "آب": 8, "اب": 8, "أيلول": 9, "ايلول": 9, "تشرين الأول": 10, "تشرين الاول": 10,
        "تشرين الثاني": 11, "كانون الأول": 12, "كانون الاول": 12,
        "جانفي": 1, "فيفري": 2, "أفريل": 4, "افريل": 4, "ماي": 5, "جوان": 6, "جويلية": 7, "أوت": 8, "اوت": 8,
    },
    "ru": {
        "января": 1, "февраля": 2, "марта": 3, "апреля": 4, "мая": 5, "июня": 6, "июля": 7, "августа": 8,
        "сентября": 9, "октября": 10, "ноября": 11, "декабря": 12,
        "январь": 1, "февраль": 2, "март": 3, "апрель": 4, "май": 5, "июнь": 6, "июль": 7, "август": 8,
        "сентябрь": 9, "октябрь": 10, "ноябрь": 11, "декабрь": 12,
    },
    "en": {
        "january": 1, "february": 2, "march": 3, "april": 4, "may": 5, "june": 6, "july": 7, "august": 8,
        "september": 9, "october": 10, "november": 11, "december": 12,
        "jan": 1, "feb": 2, "mar": 3, "apr": 4, "jun": 6, "jul": 7, "aug": 8, "sep": 9, "sept": 9, "oct": 10,
        "nov": 11, "dec": 12,
    },
    # Languages of other outlets and of the development sets: dates in bylines ("3. Dezember 2011").
    "de": {
        "januar": 1, "jänner": 1, "februar": 2, "märz": 3, "maerz": 3, "april": 4, "mai": 5, "juni": 6,
        "juli": 7, "august": 8, "september": 9, "oktober": 10, "november": 11, "dezember": 12,
    },
    "fr": {
        "janvier": 1, "février": 2, "fevrier": 2, "mars": 3, "avril": 4, "mai": 5, "juin": 6, "juillet": 7,
        "août": 8, "aout": 8, "septembre": 9, "octobre": 10, "novembre": 11, "décembre": 12, "decembre": 12,
    },
    "es": {
        "enero": 1, "febrero": 2, "marzo": 3, "abril": 4, "mayo": 5, "junio": 6, "julio": 7, "agosto": 8,
        "septiembre": 9, "setiembre": 9, "octubre": 10, "noviembre": 11, "diciembre": 12,
    },
}
# fmt: on
_ALL_MONTHS = {name: number for table in _MONTHS.values() for name, number in table.items()}
# Longest names first so "كانون الثاني" wins over "كانون" prefixes and "ماي" never shadows "مايو".
_MONTH_ALTERNATION = "|".join(re.escape(name) for name in sorted(_ALL_MONTHS, key=len, reverse=True))
# Day, month name, year: "3 בינואר 2026", "3-نيسان-2024", "28 июня 2020 г., 14:05", "3 January 2026".
_DAY_MONTH_YEAR = re.compile(
    rf"(?<!\d)(\d{{1,2}})(?:st|nd|rd|th|er)?[\s\-/.,]*(?:de\s+)?(?:ב|ל|ב-|ל-)?({_MONTH_ALTERNATION})(?![^\W\d_])"
    rf"[\s\-/.,]*(?:de\s+)?(\d{{4}})(?!\d)"
    r"(?:[^\d]{1,6}(\d{1,2}):(\d{2}))?",
    re.IGNORECASE,
)
# English wire style: "January 3, 2026", "Jan. 3, 2026 10:15".
_MONTH_DAY_YEAR = re.compile(
    rf"(?<![^\W\d_])({_MONTH_ALTERNATION})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?,?\s+(\d{{4}})(?!\d)",
    re.IGNORECASE,
)
# Numeric day-first dates ("03.01.2026", "3/1/2026"): day-first is the norm in he/ar/ru/de/fr pages.
_NUMERIC_DMY = re.compile(r"(?<![\d.])(\d{1,2})[./](\d{1,2})[./](\d{4})(?![\d.])")
_ISO_IN_TEXT = re.compile(r"(?<!\d)(\d{4})-(\d{2})-(\d{2})(?!\d)")

# Relative forms. A missing number means one ("לפני שעה", "منذ ساعة"), which dateparser does not read, so
# we insert it. Duals ("שעתיים", "ساعتين") dateparser reads itself.
_HE_UNITS = "שעה|שעות|שעתיים|דקה|דקות|יום|ימים|יומיים|שבוע|שבועות|שבועיים|חודש|חודשים|חודשיים|שנה|שנים"
_AR_UNITS = (
    "ساعة|ساعات|ساعتين|ساعتان|دقيقة|دقائق|دقيقتين|دقيقتان|يوم|أيام|ايام|يومين|يومان|أسبوع|اسبوع|أسابيع|"
    "اسابيع|أسبوعين|شهر|أشهر|شهور|شهرين|سنة|سنوات|سنتين"
)
_RU_UNITS = "час|часа|часов|минуту|минуты|минут|день|дня|дней|неделю|недели|недель|месяц|месяца|месяцев|год|года|лет"
_RELATIVE = {
    "he": re.compile(rf"לפני\s+(?:(\d+)\s+)?(?:{_HE_UNITS})(?![^\W\d_])|(?<![^\W\d_])(?:אתמול|שלשום|היום)(?![^\W\d_])"),
    "ar": re.compile(rf"منذ\s+(?:(\d+)\s+)?(?:{_AR_UNITS})(?![^\W\d_])|(?<![^\W\d_])(?:أمس|امس|البارحة)(?![^\W\d_])"),
    "ru": re.compile(
        rf"(?<![^\W\d_])(?:(\d+)\s+)?(?:{_RU_UNITS})\s+назад(?![^\W\d_])|(?<![^\W\d_])(?:вчера|позавчера|сегодня)(?![^\W\d_])",
        re.IGNORECASE,
    ),
    "en": re.compile(
        r"(?<![^\W\d_])(?:(\d+|an?|one)\s+)(?:minutes?|hours?|days?|weeks?|months?)\s+ago(?![^\W\d_])|"
        r"(?<![^\W\d_])yesterday(?![^\W\d_])",
        re.IGNORECASE,
    ),
}
_RELATIVE_PREFIX = {"he": "לפני", "ar": "منذ"}

# Elements whose text is likely to hold the article's date: <time>, and elements whose class or id names a
# date, a time, a byline or post metadata ("entry-meta", "postmetadata", "article__date", "dateline").
_DATE_CLASS_HINTS = ("date", "time", "publish", "byline", "posted", "meta", "datum", "fecha")
# A date element's text is short (a byline: "Posted on 3 June 2021 in Politics by ..."); longer ones are containers
# (a whole post) whose dates could be anything. The first few elements suffice.
_MAX_DATE_ELEMENT_CHARS = 500
_MAX_DATE_ELEMENTS = 40
# How much of a page's text is searched to repair htmldate's year-only guess.
_PAGE_TEXT_CHARS = 20000
# How far into the article text a dateline can be ("Moscow, 28 June. /TASS/ ...").
_TEXT_HEAD_CHARS = 600
# htmldate writes day 1 when it found only a month, and January 1st when it found only a year (which it does
# for he/ar/ru month names): such a result is a fallback, not a found date.
_COARSE_DAY = 1
_YEAR_ONLY = (1, 1)
# A full date in the URL path: "/2017/7/12/", "-2024-03-07/", "/20240307/" is not matched (ids look like that).
_URL_DATE = re.compile(r"(?<!\d)((?:19|20)\d{2})[/_-](\d{1,2})[/_-](\d{1,2})(?!\d)")
# A declared date one day after the URL's is a timezone effect (URL minted in local time), not a conflict.
URL_DATE_SLACK = timedelta(days=1)


def now_utc() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class DeclaredDate:
    """A machine-readable date as the page stated it: the instant in UTC plus what the page said of its clock."""

    value: datetime  # aware, UTC
    naive: bool  # no zone was stated: read as UTC
    offset_minutes: int | None  # the stated UTC offset (None when naive or Unix time)
    date_only: bool  # a day without a time ("2020-02-15")


def read_declared_date(raw: Any) -> DeclaredDate | None:
    """Parse a machine-readable date (ISO 8601, RFC 822, Unix time), keeping the page's offset and whether it
    gave a time at all. Naive values are read as UTC."""
    if raw is None:
        return None
    text = str(raw).strip()
    if not text:
        return None
    parsed: datetime | None = None
    date_only = False
    if _UNIX_TIME.match(text):
        number = int(text)
        try:
            parsed = datetime.fromtimestamp(number / 1000 if number > 10**11 else number, tz=UTC)
        except (OverflowError, OSError, ValueError):
            return None
    else:
        parsed = _parse_iso(text)
        date_only = parsed is not None and _is_bare_date(text)
        if parsed is None:
            try:
                parsed = parsedate_to_datetime(text)
            except (TypeError, ValueError, IndexError):
                parsed = None
    if parsed is None:
        return None
    naive = parsed.tzinfo is None or parsed.utcoffset() is None
    # The instant is kept in UTC (the project's convention for comparing and storing); the offset beside it.
    value = parsed.replace(tzinfo=UTC) if naive else parsed.astimezone(UTC)
    offset = None if naive or _UNIX_TIME.match(text) else offset_minutes_of(parsed)
    return DeclaredDate(value, naive, offset, date_only)


def parse_structured_date(raw: Any) -> tuple[datetime, bool] | None:
    """(aware UTC datetime, was_naive) of a machine-readable date; see read_declared_date."""
    declared = read_declared_date(raw)
    return (declared.value, declared.naive) if declared is not None else None


def _is_bare_date(text: str) -> bool:
    """"2020-02-15", "20200215", or a decorated day without a time ("2020-02-15 MSK" is not matched)."""
    return bool(_BARE_DATE.match(text))


def _parse_iso(text: str) -> datetime | None:
    candidate = text.replace(" ", "T", 1) if len(text) > 10 and text[10] == " " else text
    candidate = candidate.replace("Z", "+00:00").replace("z", "+00:00")
    candidate = _ISO_OFFSET_WITHOUT_COLON.sub(r"\1:\2", candidate)
    try:
        return datetime.fromisoformat(candidate)
    except ValueError:
        pass
    compact = _ISO_COMPACT.match(text)
    if compact:
        year, month, day, hour, minute, second = compact.groups()
        try:
            return datetime(int(year), int(month), int(day), int(hour or 0), int(minute or 0), int(second or 0))
        except ValueError:
            return None
    prefix = _ISO_DATE_PREFIX.match(text)  # "2020-06-28T14:05:00 MSK" and other decorated forms: keep the day
    if prefix:
        try:
            return datetime(int(prefix[1]), int(prefix[2]), int(prefix[3]))
        except ValueError:
            return None
    return None


def plausible(value: datetime, fetched_at: datetime, *, naive: bool) -> bool:
    """Not before the web and not in the future of the fetch (tolerance depends on whether a zone was given)."""
    tolerance = NAIVE_FUTURE_TOLERANCE if naive else AWARE_FUTURE_TOLERANCE
    return EARLIEST_PLAUSIBLE <= value <= fetched_at + tolerance


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
    now = _aware(fetched_at) or now_utc()
    notes = warnings if warnings is not None else []
    url_day = date_in_url(url)
    for source, raw in structured:
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
        suffix = NAIVE_SUFFIX if naive else ""
        return DateEvidence(value, source + suffix, False, declared.offset_minutes, declared.date_only)
    if feed_date is not None and feed_date.value is not None:
        value = _aware(feed_date.value)
        if value is not None and plausible(value, now, naive=False):
            return DateEvidence(value, feed_date.source, feed_date.uncertain)
        notes.append(f"date: ignored implausible {feed_date.source} value {feed_date.value.isoformat()}")
    # htmldate's quick search (markup, URL, common patterns) first; its extensive search (whole-page patterns,
    # dateparser on every date-like string) costs 3-10x more and runs only when nothing else is found.
    found = _htmldate(tree, url, now, extensive=False) if tree is not None else None
    if found is not None and found.day != _COARSE_DAY:
        return DateEvidence(found, "htmldate", True, date_only=True)
    textual = find_textual_date(tree, text_head, lang, now)
    if textual is not None:
        return textual
    if found is None and tree is not None:
        found = _htmldate(tree, url, now, extensive=True)
        if found is not None and found.day != _COARSE_DAY:
            return DateEvidence(found, "htmldate", True, date_only=True)
    if found is not None and (found.month, found.day) == _YEAR_ONLY:
        # htmldate's year-only fallback. It happens when it read only the year of a textual date it could not
        # parse ("פורסם ב-3 בינואר 2026" -> 2026-01-01): look for a full date of that year in the page text.
        in_year = _textual_date_in_year(tree, found.year, now)
        if in_year is not None:
            return DateEvidence(in_year, "textual", True, date_only=True)
        # Otherwise the year itself is often wrong (a copyright line, an anti-bot script): no date is more honest.
        notes.append(f"date: ignored htmldate's year-only guess {found.date()}")
    elif found is not None:
        notes.append("date: htmldate gave only a month (day 1), nothing better found")
        return DateEvidence(found, "htmldate:coarse", True, date_only=True)
    return DateEvidence(None, "none", True)


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
    now = _aware(fetched_at) or now_utc()
    for source, raw in structured:
        parsed = parse_structured_date(raw)
        if parsed is None:
            continue
        value, naive = parsed
        if plausible(value, now, naive=naive) and (published is None or value >= published):
            return value, source + (NAIVE_SUFFIX if naive else "")
    return None, None


def _aware(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


# htmldate's extensive search hands the date-like strings it cannot read to dateparser with every locale
# enabled: the first such string makes dateparser compile the regexes of all ~200 locales (1.6-3 s of CPU per
# process, more than the rest of a typical run of `coverwatch extract`). Limited to the languages of the
# outlets we watch and the widest-spread news languages, it compiles a tenth of that; other languages' dates
# are still read by htmldate's own patterns and by our textual scan.
EXTERNAL_PARSER_LANGUAGES = ("en", "he", "ar", "ru", "uk", "de", "fr", "es", "it", "pt", "nl", "pl", "tr", "fa")


@lru_cache(maxsize=1)
def _external_parser() -> Any:
    from dateparser import DateDataParser  # imported here: most pages never need it

    return DateDataParser(
        languages=list(EXTERNAL_PARSER_LANGUAGES),
        settings={
            "NORMALIZE": True,
            "PARSERS": ["custom-formats", "absolute-time"],
            "PREFER_DATES_FROM": "past",
            "PREFER_LOCALE_DATE_ORDER": True,
            "RETURN_AS_TIMEZONE_AWARE": False,
            "STRICT_PARSING": True,
        },  # htmldate's own settings, only the languages differ
    )


def _use_limited_external_parser() -> None:
    """Point htmldate's dateparser hook at the language-limited parser (its settings otherwise unchanged)."""
    from htmldate import extractors

    if getattr(extractors, "get_external_parser", None) is not _external_parser:
        extractors.get_external_parser = _external_parser


def _htmldate(tree: Any, url: str | None, now: datetime, *, extensive: bool) -> datetime | None:
    """htmldate's publication-date search (original date preferred over updates), or None."""
    from htmldate import find_date  # imported here: only pages without declared dates need it

    if extensive:
        _use_limited_external_parser()

    try:
        found = find_date(
            tree,
            url=url,
            original_date=True,
            extensive_search=extensive,
            outputformat="%Y-%m-%d",
            max_date=(now + NAIVE_FUTURE_TOLERANCE).strftime("%Y-%m-%d"),
        )
    except Exception as exc:  # noqa: BLE001 - htmldate raises assorted errors on odd markup; a date is never worth a crash
        log.debug("htmldate failed on %s: %s", url, exc)
        return None
    if not found:
        return None
    try:
        value = datetime.strptime(found, "%Y-%m-%d").replace(tzinfo=UTC)
    except ValueError:
        return None
    return value if plausible(value, now, naive=True) else None


def find_textual_date(tree: Any, text_head: str | None, lang: str | None, now: datetime) -> DateEvidence | None:
    """A date written for humans in a date-like element or the article's first lines."""
    snippets: list[str] = []
    if tree is not None:
        elements = _date_elements(tree)
        for element in elements:
            text = " ".join(element.text_content().split()) if hasattr(element, "text_content") else ""
            if text and len(text) <= _MAX_DATE_ELEMENT_CHARS:
                snippets.append(text)
            for attribute in ("datetime", "content", "title"):
                value = element.get(attribute)
                if value:
                    declared = read_declared_date(value)
                    if declared and plausible(declared.value, now, naive=declared.naive):
                        return DateEvidence(
                            declared.value, "html:" + attribute, True, declared.offset_minutes, declared.date_only
                        )
    if text_head:
        snippets.append(text_head[:_TEXT_HEAD_CHARS])
    for snippet in snippets:
        evidence = _textual_evidence(snippet, lang, now)
        if evidence is not None:
            return evidence
    return None


def _textual_date_in_year(tree: Any, year: int, now: datetime) -> datetime | None:
    """The first absolute textual date of `year` in the page's text (only used to repair a year-only guess)."""
    if tree is None:
        return None
    body = tree.find("body")
    try:
        text = (body if body is not None else tree).text_content()[:_PAGE_TEXT_CHARS].translate(_DIGITS)
    except ValueError:  # lxml refuses some malformed trees
        return None
    for pattern, order in ((_DAY_MONTH_YEAR, "dmy"), (_MONTH_DAY_YEAR, "mdy")):
        for match in pattern.finditer(text):
            day, month_name, year_text = (match[1], match[2], match[3]) if order == "dmy" else (match[2], match[1], match[3])
            if int(year_text) != year:
                continue
            value = _build(year_text, _ALL_MONTHS.get(month_name.lower()), day)
            if value is not None and plausible(value, now, naive=True):
                return value
    return None


def _date_elements(tree: Any) -> list[Any]:
    """<time> elements and elements whose class/id names a date (a Python walk: an XPath with translate()
    over every element costs tens of milliseconds on big pages)."""
    found: list[Any] = []
    for element in tree.iter():
        if not isinstance(element.tag, str):
            continue  # comments, processing instructions
        if element.tag == "time":
            found.append(element)
        else:
            names = f"{element.get('class') or ''} {element.get('id') or ''}".lower()
            if names.strip() and any(hint in names for hint in _DATE_CLASS_HINTS):
                found.append(element)
        if len(found) >= _MAX_DATE_ELEMENTS:
            break
    return found


def parse_textual_date(text: str, lang: str | None, now: datetime) -> datetime | None:
    """The first date written for humans in `text`: absolute ("3 בינואר 2026", "٣ شباط ٢٠٢٤", "28 июня 2020")
    or relative to `now` ("לפני שעה", "منذ ساعتين", "2 часа назад"). Never later than `now` (plus tolerance)."""
    evidence = _textual_evidence(text, lang, now)
    return evidence.value if evidence is not None else None


def _textual_evidence(text: str, lang: str | None, now: datetime) -> DateEvidence | None:
    """parse_textual_date as evidence: a written day without a time is a date, a relative one an instant."""
    now = _aware(now) or now_utc()
    normalized = text.translate(_DIGITS)
    absolute = _absolute_date(normalized, lang)
    if absolute is not None and plausible(absolute[0], now, naive=True):
        return DateEvidence(absolute[0], "textual", True, date_only=not absolute[1])
    value = _relative_date(normalized, lang, now)
    if value is not None and plausible(value, now, naive=False):
        return DateEvidence(value, "textual", True)
    return None


def _absolute_date(text: str, lang: str | None) -> tuple[datetime, bool] | None:
    """The first absolute written date and whether it came with a time of day."""
    for match in _DAY_MONTH_YEAR.finditer(text):
        day, month_name, year, hour, minute = match.groups()
        value = _build(year, _ALL_MONTHS.get(month_name.lower()), day, hour, minute)
        if value is not None:
            return value, hour is not None
    for match in _MONTH_DAY_YEAR.finditer(text):
        month_name, day, year = match.groups()
        value = _build(year, _ALL_MONTHS.get(month_name.lower()), day)
        if value is not None:
            return value, False
    for match in _ISO_IN_TEXT.finditer(text):
        value = _build(match[1], int(match[2]), match[3])
        if value is not None:
            return value, False
    if lang != "en":  # en pages may be month-first (US); every other language here writes day first
        for match in _NUMERIC_DMY.finditer(text):
            value = _build(match[3], int(match[2]), match[1])
            if value is not None:
                return value, False
    return None


def _build(year: str, month: int | None, day: str, hour: str | None = None, minute: str | None = None) -> datetime | None:
    if month is None:
        return None
    try:
        return datetime(int(year), month, int(day), int(hour or 0), int(minute or 0), tzinfo=UTC)
    except ValueError:
        return None


def _relative_date(text: str, lang: str | None, now: datetime) -> datetime | None:
    languages = [lang] if lang in _RELATIVE else list(_RELATIVE)
    for language in languages:
        match = _RELATIVE[language].search(text)
        if match is None:
            continue
        phrase = match.group(0)
        if language in _RELATIVE_PREFIX and match.group(1) is None and phrase.startswith(_RELATIVE_PREFIX[language]):
            unit = phrase[len(_RELATIVE_PREFIX[language]) :].strip()
            if not _is_dual(unit):
                phrase = f"{_RELATIVE_PREFIX[language]} 1 {unit}"
        value = _dateparser(phrase, language, now)
        if value is not None:
            return value
    return None


def _is_dual(unit: str) -> bool:
    """Hebrew and Arabic duals ("שעתיים", "ساعتين") already mean two."""
    return unit.endswith(("יים", "תיים", "ين", "ان"))


@lru_cache(maxsize=8)
def _parser_settings(base_iso: str) -> dict[str, Any]:
    return {
        "RELATIVE_BASE": datetime.fromisoformat(base_iso),
        "PREFER_DATES_FROM": "past",
        "RETURN_AS_TIMEZONE_AWARE": True,
        "TIMEZONE": "UTC",
        "TO_TIMEZONE": "UTC",
    }


def _dateparser(phrase: str, language: str, now: datetime) -> datetime | None:
    import dateparser  # imported here: loading its locale data costs ~0.3 s and most pages never need it

    base = now.astimezone(UTC).replace(tzinfo=None, microsecond=0).isoformat()
    try:
        value = dateparser.parse(phrase, languages=[language], settings=_parser_settings(base))
    except Exception as exc:  # noqa: BLE001 - dateparser raises assorted errors on odd input; the phrase is not a date
        log.debug("dateparser failed on %r: %s", phrase, exc)
        return None
    return _aware(value) if value is not None else None
