"""The publisher's own clock: an instant shown at the UTC offset the page stated, or as a bare date.

Pages state times like `2020-02-15T00:00+02:00`: the instant (2020-02-14 22:00 UTC) places a story in a
digest window, but the reader's "day" is the publisher's local day (15 February). Both are kept: the instant
in UTC plus the stated offset in minutes (None: the page gave none, the instant is shown as stored in UTC),
and whether the page stated a date without any time (then it is a date, never "midnight UTC").
Pure functions over values; used by extraction output, the digest and the review UI.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

# A UTC offset outside this range (minutes) is not a real zone: UTC-12:00 .. UTC+14:00.
MIN_OFFSET_MINUTES = -12 * 60
MAX_OFFSET_MINUTES = 14 * 60


def offset_minutes_of(value: datetime) -> int | None:
    """The UTC offset of an aware datetime in whole minutes, None for a naive one or an impossible offset."""
    offset = value.utcoffset()
    if offset is None:
        return None
    minutes = int(offset.total_seconds() // 60)
    return minutes if MIN_OFFSET_MINUTES <= minutes <= MAX_OFFSET_MINUTES else None


def publisher_local(instant: datetime, offset_minutes: int | None) -> datetime:
    """The instant on the publisher's clock (UTC when the offset is unknown)."""
    aware = instant if instant.tzinfo is not None else instant.replace(tzinfo=UTC)
    if offset_minutes is None:
        return aware.astimezone(UTC)
    return aware.astimezone(timezone(timedelta(minutes=offset_minutes)))


def publisher_isoformat(instant: datetime | None, offset_minutes: int | None, date_only: bool = False) -> str | None:
    """`2020-02-15T00:00:00+02:00` at the stated offset, `2020-02-15` for a date without time, None for none."""
    if instant is None:
        return None
    local = publisher_local(instant, offset_minutes)
    return local.date().isoformat() if date_only else local.isoformat()


def publisher_label(instant: datetime, offset_minutes: int | None, date_only: bool = False) -> str:
    """Human form: `2020-02-15 00:00 (UTC+02:00)`, or `2020-02-15` for a date the page gave without time."""
    local = publisher_local(instant, offset_minutes)
    if date_only:
        return local.strftime("%Y-%m-%d")
    return f"{local:%Y-%m-%d %H:%M} ({utc_offset_label(offset_minutes)})"


def utc_offset_label(offset_minutes: int | None) -> str:
    """`UTC+02:00`, `UTC-03:30`, `UTC` for zero or unknown."""
    if not offset_minutes:
        return "UTC"
    sign = "+" if offset_minutes > 0 else "-"
    hours, minutes = divmod(abs(offset_minutes), 60)
    return f"UTC{sign}{hours:02d}:{minutes:02d}"
