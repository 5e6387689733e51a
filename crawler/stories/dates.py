"""Days a report names ("on 26 October", "26 تشرين الأول", "26 октября", "ב-26 באוקטובר"): a later piece about an
event names the event's day, which ties it to the reports published that day."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

# The month names of every watched language live with the date extraction; one table for both stages.
from crawler.extract.textual_dates import MONTH_ALTERNATION, MONTH_NUMBERS, TO_ASCII_DIGITS

_DAY_MONTH = re.compile(
    rf"(?<!\d)(\d{{1,2}})(?:st|nd|rd|th)?[\s\-/.,]*(?:ב-|ל-|ב|ל)?({MONTH_ALTERNATION})(?![^\W\d_])"
    r"(?:[\s\-/.,]*(\d{4})(?!\d))?",
    re.IGNORECASE,
)
_MONTH_DAY = re.compile(
    rf"(?<![^\W\d_])({MONTH_ALTERNATION})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?(?![\d:])(?:,?\s+(\d{{4}})(?!\d))?",
    re.IGNORECASE,
)
_ISO = re.compile(r"(?<!\d)(\d{4})-(\d{2})-(\d{2})(?!\d)")
# A report names events of its own past, rarely more than a year back, and none of its future.
LOOKBACK = timedelta(days=400)
AHEAD = timedelta(days=2)
MAX_MENTIONS = 5
# Three-letter English month abbreviations collide with words ("may", "mar"): only full names and
# the other languages' names count without a year.
_SHORT_ENGLISH = frozenset({"jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec", "may"})


def _day(year: int | None, month: int | None, day: int, published: datetime) -> date | None:
    if month is None or not 1 <= day <= 31:
        return None
    years = [year] if year else [published.year, published.year - 1]
    for candidate_year in years:
        try:
            value = date(candidate_year, month, day)
        except ValueError:
            continue
        if published.date() - LOOKBACK <= value <= published.date() + AHEAD:
            return value
    return None


def mentioned_days(text: str, published: datetime | None) -> frozenset[date]:
    """Days written in `text` (year inferred from the publication date when left out), within a year before it."""
    if published is None or not text:
        return frozenset()
    text = text.translate(TO_ASCII_DIGITS)
    found: list[date] = []
    for match in _DAY_MONTH.finditer(text):
        name = match[2].lower()
        if name in _SHORT_ENGLISH and not match[3]:
            continue
        value = _day(int(match[3]) if match[3] else None, MONTH_NUMBERS.get(name), int(match[1]), published)
        if value:
            found.append(value)
    for match in _MONTH_DAY.finditer(text):
        name = match[1].lower()
        if name in _SHORT_ENGLISH and not match[3]:
            continue
        value = _day(int(match[3]) if match[3] else None, MONTH_NUMBERS.get(name), int(match[2]), published)
        if value:
            found.append(value)
    for match in _ISO.finditer(text):
        value = _day(int(match[1]), int(match[2]), int(match[3]), published) if 1 <= int(match[2]) <= 12 else None
        if value:
            found.append(value)
    return frozenset(list(dict.fromkeys(found))[:MAX_MENTIONS])
