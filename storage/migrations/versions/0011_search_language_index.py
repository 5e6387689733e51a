"""an index on articles.language, so the review UI lists the stored languages without reading every article

The queue's language filter offers the languages of stored articles. SELECT DISTINCT over an unindexed column
reads the whole table: 0.15 s of CPU at 100k articles and growing with the store. With this index the UI
skips through it, one seek per language (crawler.web.queries.choices). Outlets already have ix_articles_outlet.
Creating the index covers the existing rows.

Revision ID: 0011_search_language_index
Revises: 0010_notify
Create Date: 2026-12-07
"""
from __future__ import annotations

from alembic import op

revision = "0011_search_language_index"
down_revision = "0010_notify"
branch_labels = None
depends_on = None

INDEX = "ix_articles_language"


def upgrade() -> None:
    op.create_index(INDEX, "articles", ["language"])


def downgrade() -> None:
    op.drop_index(INDEX, table_name="articles")
