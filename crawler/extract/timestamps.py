"""Tolerant ISO-8601 / RFC-822 / Unix-time parsing for listing fields (feeds, sitemaps, APIs)."""

from __future__ import annotations

from datetime import datetime, timezone
from email.utils import parsedate_to_datetime

# Dates before this are typos or placeholders in listings (news sitemaps started long after).
_EARLIEST_YEAR = 1995


def parse_iso_date(value: object, *, now: datetime | None = None) -> datetime | None:
    """Parse a listing date into an aware UTC datetime; None for anything missing, malformed or in the future."""
    if value is None or value == "":
        return None
    parsed: datetime | None = None
    try:
        if isinstance(value, (int, float)) or (isinstance(value, str) and value.strip().isdigit()):
            number = float(value)
            parsed = datetime.fromtimestamp(number / 1000 if number > 1e11 else number, tz=timezone.utc)
        elif isinstance(value, str):
            text = value.strip()
            try:
                parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
            except ValueError:
                if len(text) == 16 and text[8] == "T" and text.endswith("Z"):  # GDELT: 20230918T031500Z
                    parsed = datetime.strptime(text, "%Y%m%dT%H%M%SZ").replace(tzinfo=timezone.utc)
                else:
                    parsed = parsedate_to_datetime(text)
    except (ValueError, TypeError, OverflowError, IndexError):
        return None
    if parsed is None:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    parsed = parsed.astimezone(timezone.utc)
    current = now or datetime.now(timezone.utc)
    if parsed.year < _EARLIEST_YEAR or (parsed - current).total_seconds() > 86_400:
        return None
    return parsed


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
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - (now or datetime.now(timezone.utc))).total_seconds())
