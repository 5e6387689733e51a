"""near-duplicate index in the database: near_dup_bands(band, article_id), back-filled from stored signatures

Until now every crawl process rebuilt an in-memory LSH index from every stored signature at start (7.8 GB and
156 s at 100k articles). The band hashes now live in this table, looked up per article by its primary key.

The back-fill reads original articles' signatures in id order, BATCH rows at a time (never the whole store),
and writes their band hashes. The banding (32 bands of 4 rows over 128 MinHash values, the optimum for the
default near_threshold 0.5) and the band hash are spelled out here, not imported, because a migration must keep
meaning what it meant when it was written; tests/dedup/test_near_dup_store.py checks they equal
crawler.dedup.index's. Signatures of another format are left out (they were unusable before too).

Revision ID: 0005_near_dup_bands
Revises: 0003
Create Date: 2026-12-07
"""
from __future__ import annotations

import logging
import struct

import numpy as np
import sqlalchemy as sa
from alembic import op

revision = "0005_near_dup_bands"
down_revision = "0004_publisher_offset"
branch_labels = None
depends_on = None

log = logging.getLogger("alembic.runtime.migration")

TABLE = "near_dup_bands"
BATCH = 5000
# crawler.dedup.fingerprint signature format 1: version, shingling kind, shingling size, num_perm, shingle count.
SIG_HEADER = struct.Struct("<BBBHI")
SIG_FORMAT = (1, 1, 7, 128)  # version 1, character 7-grams, 128 permutations
BANDS, ROWS = 32, 4
GOLDEN = np.uint64(0x9E3779B97F4A7C15)
MIX1 = np.uint64(0xBF58476D1CE4E5B9)
MIX2 = np.uint64(0x94D049BB133111EB)


def band_hashes(sig: bytes) -> list[int]:
    """The signed 64-bit band hashes of a signature, or [] when it is of another format or an empty text."""
    if len(sig) != SIG_HEADER.size + 4 * SIG_FORMAT[3]:
        return []
    version, kind, size, num_perm, count = SIG_HEADER.unpack_from(sig)
    if (version, kind, size, num_perm) != SIG_FORMAT or count == 0:
        return []
    values = np.frombuffer(sig, dtype="<u4", offset=SIG_HEADER.size)
    table = values[: BANDS * ROWS].astype(np.uint64).reshape(BANDS, ROWS)
    with np.errstate(over="ignore"):
        acc = (np.arange(BANDS, dtype=np.uint64) + np.uint64(1)) * GOLDEN
        for column in range(ROWS):
            acc = (acc ^ table[:, column]) * MIX1
            acc = (acc ^ (acc >> np.uint64(29))) * MIX2
        acc ^= acc >> np.uint64(32)
    return acc.view(np.int64).tolist()


def upgrade() -> None:
    op.create_table(
        TABLE,
        sa.Column("band", sa.BigInteger(), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["article_id"], ["articles.id"], name="fk_near_dup_bands_article_id_articles"),
        sa.PrimaryKeyConstraint("band", "article_id", name="pk_near_dup_bands"),
        sqlite_with_rowid=False,
    )
    backfill(op.get_bind())


def backfill(connection: sa.Connection) -> int:
    """Band rows for every original article with a usable signature, BATCH articles at a time."""
    articles = sa.table(
        "articles", sa.column("id", sa.Integer), sa.column("signature", sa.LargeBinary), sa.column("duplicate_of_id", sa.Integer)
    )
    bands_table = sa.table(TABLE, sa.column("band", sa.BigInteger), sa.column("article_id", sa.Integer))
    last_id, indexed = 0, 0
    while True:
        rows = connection.execute(
            sa.select(articles.c.id, articles.c.signature)
            .where(articles.c.id > last_id, articles.c.signature.is_not(None), articles.c.duplicate_of_id.is_(None))
            .order_by(articles.c.id)
            .limit(BATCH)
        ).all()
        if not rows:
            break
        last_id = rows[-1][0]
        values = [
            {"band": band, "article_id": article_id}
            for article_id, sig in rows
            for band in set(band_hashes(bytes(sig)))
        ]
        if values:
            connection.execute(sa.insert(bands_table), values)
            indexed += len({value["article_id"] for value in values})
    log.info("near_dup_bands: indexed %d stored articles", indexed)
    return indexed


def downgrade() -> None:
    op.drop_table(TABLE)
