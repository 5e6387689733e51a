"""The publisher's clock in digest and UI wording: stated offsets and bare dates, else the digest's zone."""

from __future__ import annotations

from datetime import UTC, datetime

from crawler.digest.format import published_time
from crawler.publisher_time import offset_minutes_of, publisher_isoformat, publisher_label, utc_offset_label

INSTANT = datetime(2020, 2, 14, 22, 0, tzinfo=UTC)  # 2020-02-15T00:00+02:00 on the publisher's clock


def test_publisher_local_time_and_day() -> None:
    assert publisher_isoformat(INSTANT, 120) == "2020-02-15T00:00:00+02:00"
    assert publisher_label(INSTANT, 120) == "2020-02-15 00:00 (UTC+02:00)"
    assert publisher_label(INSTANT, -210) == "2020-02-14 18:30 (UTC-03:30)"
    assert publisher_isoformat(datetime(2020, 2, 15, tzinfo=UTC), None, date_only=True) == "2020-02-15"
    assert publisher_isoformat(None, 120) is None
    assert utc_offset_label(None) == "UTC" and utc_offset_label(0) == "UTC"
    assert offset_minutes_of(datetime.fromisoformat("2020-02-15T00:00+05:45")) == 345
    assert offset_minutes_of(datetime(2020, 2, 15)) is None


def test_digest_shows_the_publishers_clock_when_known_else_its_own_zone() -> None:
    assert published_time(INSTANT, 120, False, "Asia/Jerusalem") == "2020-02-15 00:00 (UTC+02:00)"
    assert published_time(datetime(2020, 2, 15, tzinfo=UTC), None, True, "Asia/Jerusalem") == "2020-02-15"
    assert published_time(INSTANT, None, False, "Europe/Moscow") == "2020-02-15 01:00"  # stored rows without offset
