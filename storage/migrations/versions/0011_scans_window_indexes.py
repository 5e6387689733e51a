"""indexes for the per-run and review-UI reads that would otherwise read whole tables as the store grows

- articles.language: the review queue's language list (one index seek per distinct language) and filter;
- crawl_runs (source, started_at): each source's latest runs and last start, one seek per source;
- crawl_runs.outcome: the runs still 'running', which the daemon's reaper looks for after every crawl.

Revision ID: 0011_scans_window_indexes
Revises: 0010_notify
Create Date: 2026-12-07
"""
from __future__ import annotations

from alembic import op

revision = "0011_scans_window_indexes"
down_revision = "0010_notify"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_articles_language", "articles", ["language"], unique=False)
    op.create_index("ix_crawl_runs_source_started_at", "crawl_runs", ["source", "started_at"], unique=False)
    op.create_index("ix_crawl_runs_outcome", "crawl_runs", ["outcome"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_crawl_runs_outcome", table_name="crawl_runs")
    op.drop_index("ix_crawl_runs_source_started_at", table_name="crawl_runs")
    op.drop_index("ix_articles_language", table_name="articles")
