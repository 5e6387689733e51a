"""indexes for the review queue and its search at a year of articles: the queue's filter columns in time order,
and the stored languages

The queue is newest first, and search walks the newest articles the other filters keep (crawler.web.queries).
Reading those rows from the table means reading each article's full text on the way (on SQLite the filter
columns sit behind the text, on overflow pages): 2000 rows cost over half a second of disk reads at 100k
articles. ix_articles_queue holds first_seen, id and every column the queue filters on, so the walk reads only
the index. ix_articles_language lets the UI list the stored languages with one index seek per language instead
of a scan of every article (outlets already have ix_articles_outlet). Creating the indexes covers existing rows.

Revision ID: 0012_search_queue_indexes
Revises: 0011_date_only
Create Date: 2026-12-07
"""
from __future__ import annotations

from alembic import op

revision = "0012_search_queue_indexes"
down_revision = "0011_date_only"
branch_labels = None
depends_on = None

# Spelled out (a migration keeps meaning what it meant when it was written); storage.models declares the same.
QUEUE_INDEX = "ix_articles_queue"
QUEUE_COLUMNS = ["first_seen", "id", "review_status", "duplicate_of_id", "relevance_score", "starred", "outlet", "language"]
LANGUAGE_INDEX = "ix_articles_language"


def upgrade() -> None:
    op.create_index(QUEUE_INDEX, "articles", QUEUE_COLUMNS)
    op.create_index(LANGUAGE_INDEX, "articles", ["language"])


def downgrade() -> None:
    op.drop_index(LANGUAGE_INDEX, table_name="articles")
    op.drop_index(QUEUE_INDEX, table_name="articles")
