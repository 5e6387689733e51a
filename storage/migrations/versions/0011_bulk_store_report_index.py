"""an index covering the store report of `coverwatch run`, so it reads no article rows

After every crawl `coverwatch run` prints, per outlet, how many articles are stored, how many have their full
text and how many are relevant. Without an index holding (outlet, status, relevant) that is a read of every
article row, text included: about 0.3 s of CPU at 45k articles on SQLite and gigabytes of pages at 1M, paid by a
run that found nothing new. With it, both backends count from the index alone (PostgreSQL: an index-only scan
on a vacuumed table). Creating the index covers the existing rows.

Revision ID: 0011_bulk_store_report_index
Revises: 0010_notify
Create Date: 2026-12-07
"""
from __future__ import annotations

from alembic import op

revision = "0011_bulk_store_report_index"
down_revision = "0010_notify"
branch_labels = None
depends_on = None

INDEX = "ix_articles_outlet_status_relevant"


def upgrade() -> None:
    op.create_index(INDEX, "articles", ["outlet", "status", "relevant"])


def downgrade() -> None:
    op.drop_index(INDEX, table_name="articles")
