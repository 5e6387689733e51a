"""rows stored before the publisher's clock: a date that was a day without a time becomes a date again

Migration 0004 added `published_date_only` and left every older row False, so an older story whose page gave
only a day ("8 January 2020") still shows as "2020-01-08 00:00 UTC". Which rows were bare days is known from
where their date came from: the URL's date, htmldate's day and a textual date are read as days, stored at
midnight UTC. Those rows (source one of DAY_SOURCES and stored exactly at midnight UTC: a textual date with a
time of day is kept as it is) are marked date-only. Offsets of older rows stay unknown (NULL: UTC as stored):
the page's stated offset was never kept.

Revision ID: 0011_reldate_date_only
Revises: 0010_notify
Create Date: 2026-12-07
"""

from __future__ import annotations

from datetime import UTC, datetime, time

import sqlalchemy as sa
from alembic import op

revision = "0011_reldate_date_only"
down_revision = "0010_notify"
branch_labels = None
depends_on = None

# The date sources that give a day without a time (crawler.extract.dates: DateEvidence(..., date_only=True)).
DAY_SOURCES = ("url", "htmldate", "htmldate:coarse", "textual")
# Rows updated per statement: keeps the IN list well under every backend's parameter limit.
BATCH = 500

_articles = sa.table(
    "articles",
    sa.column("id", sa.Integer()),
    sa.column("published_at", sa.DateTime(timezone=True)),
    sa.column("published_source", sa.String()),
    sa.column("published_date_only", sa.Boolean()),
)


def _at_utc_midnight(value: datetime) -> bool:
    # SQLite hands back naive values: they were stored in UTC.
    utc = value.astimezone(UTC) if value.tzinfo is not None else value
    return utc.time() == time(0)


def upgrade() -> None:
    bind = op.get_bind()
    candidates = bind.execute(
        sa.select(_articles.c.id, _articles.c.published_at).where(
            _articles.c.published_source.in_(DAY_SOURCES),
            _articles.c.published_date_only.is_(sa.false()),
            _articles.c.published_at.is_not(None),
        )
    ).all()
    days = [row.id for row in candidates if _at_utc_midnight(row.published_at)]
    for start in range(0, len(days), BATCH):
        bind.execute(
            _articles.update().where(_articles.c.id.in_(days[start : start + BATCH])).values(published_date_only=True)
        )


def downgrade() -> None:
    # The schema is unchanged; the flag stays right for 0010 as well, so there is nothing to undo.
    pass
