"""indexes for the per-run and review-UI reads that would otherwise read whole tables as the store grows

- crawl_runs (source, started_at): each source's latest runs and last start, one seek per source;
- crawl_runs.outcome: the runs still 'running', which the daemon's reaper looks for after every crawl.

Revision ID: 0013_window_indexes
Revises: 0012_search_queue_indexes
Create Date: 2026-12-07
"""
from __future__ import annotations

from alembic import op

revision = "0013_window_indexes"
down_revision = "0012_search_queue_indexes"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_crawl_runs_source_started_at", "crawl_runs", ["source", "started_at"], unique=False)
    op.create_index("ix_crawl_runs_outcome", "crawl_runs", ["outcome"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_crawl_runs_outcome", table_name="crawl_runs")
    op.drop_index("ix_crawl_runs_source_started_at", table_name="crawl_runs")
