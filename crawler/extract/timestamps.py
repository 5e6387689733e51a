"""Tolerant ISO-8601 / RFC-822 / Unix-time parsing for listing fields (feeds, sitemaps, APIs).

A listing date keeps the publisher's clock as the page does (crawler.extract.declared_dates): the instant in
UTC plus the UTC offset it was stated in, and whether it was a day without a time. Converting
`2020-02-15T00:30+02:00` to UTC alone would file the story under 14 February.
"""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from crawler.extract.declared_dates import read_declared_date
from crawler.model import DateEvidence

# Dates before this are typos or placeholders in listings (news sitemaps started long after).
_EARLIEST_YEAR = 1995
# A listing date further ahead of now than this is a placeholder or a timezone error, not a publication.
_MAX_FUTURE_SECONDS = 86_400
# GDELT's compact form: 20230918T031500Z.
_GDELT_FORMAT = "%Y%m%dT%H%M%SZ"


def listing_date(value: object, source: str, *, now: datetime | None = None) -> DateEvidence | None:
    """A listing's date as evidence: the UTC instant, the offset it was stated in, a bare day kept a day.

    None for anything missing, malformed, before 1995 or in the future.
    """
    if value is None or value == "":
        return None
    offset: int | None = None
    date_only = False
    try:
        if isinstance(value, (int, float)) or (isinstance(value, str) and value.strip().isdigit()):
            number = float(value)
            instant = datetime.fromtimestamp(number / 1000 if number > 1e11 else number, tz=UTC)
        elif isinstance(value, str) and len(value.strip()) == 16 and value.strip().endswith("Z") and value.strip()[8] == "T":
            instant = datetime.strptime(value.strip(), _GDELT_FORMAT).replace(tzinfo=UTC)
        else:
            declared = read_declared_date(value)
            if declared is None:
                return None
            instant, offset, date_only = declared.value, declared.offset_minutes, declared.date_only
    except (ValueError, TypeError, OverflowError, OSError):
        return None
    current = now or datetime.now(UTC)
    if instant.year < _EARLIEST_YEAR or (instant - current).total_seconds() > _MAX_FUTURE_SECONDS:
        return None
    return DateEvidence(instant, source, False, offset, date_only)


def parse_iso_date(value: object, *, now: datetime | None = None) -> datetime | None:
    """A listing date as an aware UTC instant (for fields whose local day nobody reads, e.g. lastmod)."""
    evidence = listing_date(value, "listing", now=now)
    return evidence.value if evidence is not None else None


def retry_after_seconds(value: str | None, now: datetime | None = None) -> float | None:
    """An HTTP Retry-After value as seconds: delta-seconds or an HTTP date; None when absent or unreadable."""
    if not value or not value.strip():
        return None
    text = value.strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())
