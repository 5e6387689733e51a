"""the publisher's clock: stated UTC offset and date-only flag beside published_at

published_at stays the instant in UTC (the digest places stories in its window by instant). Two columns keep
what the page said of its own clock, so the digest and the review UI show the publisher's local time and day:
- published_offset_minutes: the UTC offset the page stated (e.g. 120 for +02:00); NULL means "none known,
  show published_at as UTC", which is what every row stored before this migration is;
- published_date_only: the page gave a day without a time (then it is a date, not midnight UTC).

Added with plain ADD COLUMN (no SQLite batch copy, so 0003's search triggers on `articles` are untouched).

Revision ID: 0004_publisher_offset
Revises: 0003
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_publisher_offset"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("articles", sa.Column("published_offset_minutes", sa.Integer(), nullable=True))
    op.add_column(
        "articles", sa.Column("published_date_only", sa.Boolean(), nullable=False, server_default=sa.false())
    )
    # Data migration: rows stored before this revision were converted to UTC when extracted; their offset is
    # unknown (NULL = "UTC as stored") and they are not known to be bare dates. Said explicitly so a backend
    # that fills new columns lazily leaves no doubt.
    op.execute(sa.text("UPDATE articles SET published_offset_minutes = NULL, published_date_only = :no").bindparams(no=False))


def downgrade() -> None:
    op.drop_column("articles", "published_date_only")
    op.drop_column("articles", "published_offset_minutes")
