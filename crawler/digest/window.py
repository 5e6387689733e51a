"""Digest windows: which span of time a digest covers.

A digest *day* D starts at the configured digest time (digest.time, in digest.timezone) on D and ends at the
same wall-clock time on D+1. The daemon sends day D at that end, so every article falls in exactly one
digest and a sent digest is complete. Running `coverwatch digest` by hand in the middle of a day gives that
day so far (marked incomplete). A window is fully determined by its day (or its --since bounds), which is what
makes re-running a digest give the same result.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from crawler.config import DigestSettings

# "24h", "3d", "90m": the relative forms --since accepts besides ISO dates and times.
_RELATIVE = re.compile(r"^\s*(\d+)\s*([mhd])\s*$")
_UNITS = {"m": "minutes", "h": "hours", "d": "days"}


@dataclass(frozen=True)
class Window:
    """A half-open span [start, end) in UTC, with the key that identifies its digest."""

    day: date
    start: datetime
    end: datetime
    key: str  # stored in Digest.window: same key, same digest row
    since: bool = False  # an ad-hoc --since window rather than a digest day

    def complete(self, now: datetime) -> bool:
        return now >= self.end


def _digest_time(settings: DigestSettings) -> time:
    hours, _, minutes = settings.time.partition(":")
    return time(int(hours), int(minutes))


def day_window(day: date, settings: DigestSettings) -> Window:
    """The window of digest day `day`; DST-safe because both ends are built from local wall-clock times."""
    zone = ZoneInfo(settings.timezone)
    start = datetime.combine(day, _digest_time(settings), tzinfo=zone).astimezone(timezone.utc)
    end = datetime.combine(day + timedelta(days=1), _digest_time(settings), tzinfo=zone).astimezone(timezone.utc)
    return Window(day=day, start=start, end=end, key=f"{start.isoformat()}/{end.isoformat()}")


def current_day(now: datetime, settings: DigestSettings) -> date:
    """The digest day whose window contains `now`."""
    local = now.astimezone(ZoneInfo(settings.timezone))
    return local.date() if local.time() >= _digest_time(settings) else local.date() - timedelta(days=1)


def last_complete_day(now: datetime, settings: DigestSettings) -> date:
    """The newest digest day whose window has ended: what the daemon sends at the digest time."""
    return current_day(now, settings) - timedelta(days=1)


def since_window(since: datetime, now: datetime, settings: DigestSettings) -> Window:
    """An ad-hoc window [since, now), keyed to the minute so an immediate re-run is the same digest."""
    start = since.astimezone(timezone.utc).replace(second=0, microsecond=0)
    end = now.astimezone(timezone.utc).replace(second=0, microsecond=0)
    if end <= start:
        raise ValueError(f"--since {since.isoformat()} is not before now")
    day = end.astimezone(ZoneInfo(settings.timezone)).date()
    return Window(day=day, start=start, end=end, key=f"since {start.isoformat()}/{end.isoformat()}", since=True)


def parse_day(value: str) -> date:
    """YYYY-MM-DD; a clear ValueError otherwise."""
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise ValueError(f"--date {value!r}: expected YYYY-MM-DD") from None


def parse_since(value: str, now: datetime, settings: DigestSettings) -> datetime:
    """An ISO date or datetime (naive = in digest.timezone), or a relative span like 24h, 3d, 90m."""
    relative = _RELATIVE.match(value)
    if relative:
        return now - timedelta(**{_UNITS[relative.group(2)]: int(relative.group(1))})
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        raise ValueError(f"--since {value!r}: expected an ISO date/time (2026-11-20T08:00) or a span like 24h") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=ZoneInfo(settings.timezone))
    return parsed
