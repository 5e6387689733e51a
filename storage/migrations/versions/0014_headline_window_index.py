"""an index for the headline window: an outlet's articles by coalesce(published_at, first_seen)

Storing a new article asks for the outlet's articles published within three days of it (repo.titles_around: a
Google News result and the outlet's own copy of one story are matched by headline). The window is on
coalesce(published_at, first_seen), which no index held, so every new article read all of its outlet's rows:
at 1M articles, 140k+ rows per stored article. With this expression index the window is a range scan.

Revision ID: 0014_headline_window_index
Revises: 0013_window_indexes
Create Date: 2026-12-07
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014_headline_window_index"
down_revision = "0013_window_indexes"
branch_labels = None
depends_on = None

INDEX = "ix_articles_outlet_published_or_seen"


def upgrade() -> None:
    op.create_index(INDEX, "articles", ["outlet", sa.text("coalesce(published_at, first_seen)")])


def downgrade() -> None:
    op.drop_index(INDEX, table_name="articles")
