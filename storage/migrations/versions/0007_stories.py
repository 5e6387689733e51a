"""story linking: story_links (article -> story, evidence, analyst pin) and story_keys (the candidate index)

Revision ID: 0007_stories
Revises: 0003
Create Date: 2026-12-07
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_stories"
down_revision = "0006_search_document"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "story_links",
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("story_id", sa.Integer(), nullable=False),
        sa.Column("features", sa.JSON(), nullable=False),
        sa.Column("evidence", sa.JSON(), nullable=True),
        sa.Column("linked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("pinned", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["article_id"], ["articles.id"], name=op.f("fk_story_links_article_id_articles"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("article_id", name=op.f("pk_story_links")),
    )
    op.create_index(op.f("ix_story_links_story_id"), "story_links", ["story_id"], unique=False)
    op.create_table(
        "story_keys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=120), nullable=False),
        sa.Column("day", sa.Date(), nullable=True),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["article_id"], ["articles.id"], name=op.f("fk_story_keys_article_id_articles"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_story_keys")),
    )
    # Covering index: candidates are read from (key, day) -> article_id without touching the table.
    op.create_index("ix_story_keys_key_day", "story_keys", ["key", "day", "article_id"], unique=False)
    op.create_index(op.f("ix_story_keys_article_id"), "story_keys", ["article_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_story_keys_article_id"), table_name="story_keys")
    op.drop_index("ix_story_keys_key_day", table_name="story_keys")
    op.drop_table("story_keys")
    op.drop_index(op.f("ix_story_links_story_id"), table_name="story_links")
    op.drop_table("story_links")
