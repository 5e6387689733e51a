"""near_dup_bands without its foreign-key check on PostgreSQL

Every stored original writes its 32 LSH band rows in the article's own transaction, right after the article
row. On PostgreSQL the foreign key to articles runs one referential-integrity trigger per band row: 1.4 ms of
server time per article at 1M articles (EXPLAIN ANALYZE: "Trigger for constraint ...: time=1.440 calls=20"
for 20 rows), a third of the near-duplicate check-and-insert. The rows cannot dangle: they are written with
their article and articles are never deleted, and a band row without its article would only never match
(storage.near_dups joins bands to articles). SQLite keeps the constraint: its check is an in-process B-tree
lookup, and dropping it would mean copying the whole table.

Revision ID: 0015_bands_without_fk_check
Revises: 0014_headline_window_index
Create Date: 2026-12-07
"""
from __future__ import annotations

from alembic import op

revision = "0015_bands_without_fk_check"
down_revision = "0014_headline_window_index"
branch_labels = None
depends_on = None

CONSTRAINT = "fk_near_dup_bands_article_id_articles"


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"ALTER TABLE near_dup_bands DROP CONSTRAINT IF EXISTS {CONSTRAINT}")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        # NOT VALID: existing rows are not rescanned (32 per article); new rows are checked again.
        op.execute(
            f"ALTER TABLE near_dup_bands ADD CONSTRAINT {CONSTRAINT} "
            "FOREIGN KEY (article_id) REFERENCES articles (id) NOT VALID"
        )
