"""Dates written for humans: absolute and relative, in he/ar/ru/en (and de/fr/es bylines), and where a page
writes them.

Owns the month names of every watched language (`MONTH_NUMBERS`, `MONTH_ALTERNATION`), the Arabic-Indic digit
table (`TO_ASCII_DIGITS`), the day-month-year / month-day-year / numeric / ISO patterns, relative forms
("לפני שעה", "منذ ساعتين", "2 часа назад", "3 hours ago") resolved against the fetch time through dateparser,
and the scan of a page's date-like elements and dateline (`find_textual_date`, `textual_date_in_year`,
`stated_dates`).
Other stages that read written days (crawler.stories.dates) take the month table and digits from here.
"""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from lxml import etree

from crawler.extract.declared_dates import aware_utc, now_utc, plausible, read_declared_date
from crawler.model import DateEvidence

log = logging.getLogger(__name__)

# Digits other than ASCII that pages use: Arabic-Indic (Levant, Egypt, Gulf) and Extended Arabic-Indic
# (Persian/Urdu typography, sometimes used by Arabic CMSs). Public: `text.translate(TO_ASCII_DIGITS)` before
# matching any written date.
TO_ASCII_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")

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
# Public: every language's month name (lower case) -> month number, one table for extraction and story linking.
MONTH_NUMBERS = {name: number for table in _MONTHS.values() for name, number in table.items()}
# Public: a regex alternation of every month name (match with re.IGNORECASE, look names up lower-cased in
# MONTH_NUMBERS). Longest names first so "كانون الثاني" wins over "كانون" prefixes and "ماي" never shadows "مايو".
MONTH_ALTERNATION = "|".join(re.escape(name) for name in sorted(MONTH_NUMBERS, key=len, reverse=True))
# Day, month name, year: "3 בינואר 2026", "3-نيسان-2024", "28 июня 2020 г., 14:05", "3 January 2026".
_DAY_MONTH_YEAR = re.compile(
    rf"(?<!\d)(\d{{1,2}})(?:st|nd|rd|th|er)?[\s\-/.,]*(?:de\s+)?(?:ב|ל|ב-|ל-)?({MONTH_ALTERNATION})(?![^\W\d_])"
    rf"[\s\-/.,]*(?:de\s+)?(\d{{4}})(?!\d)"
    r"(?:[^\d]{1,6}(\d{1,2}):(\d{2}))?",
    re.IGNORECASE,
)
# English wire style: "January 3, 2026", "Jan. 3, 2026 10:15".
_MONTH_DAY_YEAR = re.compile(
    rf"(?<![^\W\d_])({MONTH_ALTERNATION})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?,?\s+(\d{{4}})(?!\d)",
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
# The hints as one pattern: a single search per element instead of a substring test per hint (every element
# of the page is asked).
_ANY_DATE_CLASS_HINT = re.compile("|".join(map(re.escape, _DATE_CLASS_HINTS)))
# A date element's text is short (a byline: "Posted on 3 June 2021 in Politics by ..."); longer ones are containers
# (a whole post) whose dates could be anything. The first few elements suffice.
_MAX_DATE_ELEMENT_CHARS = 500
_MAX_DATE_ELEMENTS = 40
# An element named for a comment ("comment-meta", "commentmetadata") dates a reader's reply, always after the
# article, so it is not a date element even though its name says "meta" or "date".
_COMMENT_HINT = "comment"
# Elements whose text is code or styling, not what a reader sees: a script with id "article-meta" holds JSON
# full of other dates (a UTC timestamp read as a written day).
_NOT_READ_ELEMENTS = frozenset({"script", "style", "noscript", "template"})
# The union keeps page order and each element once.
_TIME_OR_NAMED = etree.XPath("descendant-or-self::time|.//@class/..|.//@id/..")
# How much of a page's text is searched to repair htmldate's year-only guess.
_PAGE_TEXT_CHARS = 20000
# How far into the article text a dateline can be ("Moscow, 28 June. /TASS/ ...").
_TEXT_HEAD_CHARS = 600


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


def stated_dates(tree: Any, lang: str | None, now: datetime) -> list[DateEvidence]:
    """Every date the page's date-like elements state, in page order: their machine attributes (datetime,
    content, title) with the offset written there, and the absolute date written in their text (a local day)."""
    found: list[DateEvidence] = []
    for element in _date_elements(tree):
        for attribute in ("datetime", "content", "title"):
            value = element.get(attribute)
            declared = read_declared_date(value) if value else None
            if declared and plausible(declared.value, now, naive=declared.naive):
                found.append(DateEvidence(declared.value, "html:" + attribute, True, declared.offset_minutes, declared.date_only))
        text = " ".join(element.text_content().split()) if hasattr(element, "text_content") else ""
        if text and len(text) <= _MAX_DATE_ELEMENT_CHARS:
            absolute = _absolute_date(text.translate(TO_ASCII_DIGITS), lang)
            if absolute is not None and plausible(absolute[0], now, naive=True):
                found.append(DateEvidence(absolute[0], "textual", True, date_only=not absolute[1]))
    return found


def textual_date_in_year(tree: Any, year: int, now: datetime) -> datetime | None:
    """The first absolute textual date of `year` in the page's text (only used to repair a year-only guess)."""
    if tree is None:
        return None
    body = tree.find("body")
    try:
        text = (body if body is not None else tree).text_content()[:_PAGE_TEXT_CHARS].translate(TO_ASCII_DIGITS)
    except ValueError:  # lxml refuses some malformed trees
        return None
    for pattern, order in ((_DAY_MONTH_YEAR, "dmy"), (_MONTH_DAY_YEAR, "mdy")):
        for match in pattern.finditer(text):
            day, month_name, year_text = (match[1], match[2], match[3]) if order == "dmy" else (match[2], match[1], match[3])
            if int(year_text) != year:
                continue
            value = _build(year_text, MONTH_NUMBERS.get(month_name.lower()), day)
            if value is not None and plausible(value, now, naive=True):
                return value
    return None


def _date_elements(tree: Any) -> list[Any]:
    """<time> elements and elements whose class/id names a date, in page order. Only elements that have a class
    or an id are read in Python: libxml2 finds them from their attribute nodes (an XPath with translate() over
    every element costs tens of milliseconds on big pages, a Python walk over every element about one)."""
    found: list[Any] = []
    for element in _TIME_OR_NAMED(tree):
        tag = element.tag
        if tag in _NOT_READ_ELEMENTS:
            continue  # code and styles
        if tag != "time":
            names = f"{element.get('class') or ''} {element.get('id') or ''}".lower()
            if not _ANY_DATE_CLASS_HINT.search(names) or _COMMENT_HINT in names:
                continue
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
    now = aware_utc(now) or now_utc()
    normalized = text.translate(TO_ASCII_DIGITS)
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
        value = _build(year, MONTH_NUMBERS.get(month_name.lower()), day, hour, minute)
        if value is not None:
            return value, hour is not None
    for match in _MONTH_DAY_YEAR.finditer(text):
        month_name, day, year = match.groups()
        value = _build(year, MONTH_NUMBERS.get(month_name.lower()), day)
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
    return aware_utc(value) if value is not None else None
