"""Machine-readable dates as a page declares them, and the window a believable date falls in.

Owns: `read_declared_date` (ISO 8601 with or without colon in the offset, compact ISO, RFC 822, Unix time;
naive values read as UTC) into a `DeclaredDate` that keeps the page's stated UTC offset and whether it gave a
time at all; `plausible` (not before the web, not in the future of the fetch beyond a tolerance); `aware_utc`
and `now_utc`, the UTC conventions every date stage shares.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any

from crawler.publisher_time import offset_minutes_of

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


def aware_utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
