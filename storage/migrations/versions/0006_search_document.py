"""a stored search document on PostgreSQL, and the indexes the digest's window queries need

PostgreSQL search (0003) kept a trigram GIN index on an expression, coverwatch_search_text(title, lead, text).
The index found candidates in milliseconds, but its recheck ran translate() + ILIKE over title, lead and full
text of every candidate (about 1.9 ms a row at 100k articles), so a common word took seconds. Now the folded,
lower-cased text is stored once, on write, in articles.search_document (a BEFORE trigger, so every process
writing articles keeps it right, like the SQLite FTS5 triggers of 0003), with a trigram GIN index on it: the
recheck is a plain LIKE over a stored string. The old expression index is dropped first, so the back-fill
does not recompute it for every row. SQLite keeps its FTS5 table; the column stays NULL there.

The document is folded by coverwatch_search_document(): the same folding as 0003's coverwatch_search_text,
spelled as one regexp_replace over a bracket expression of the removed marks plus a six-letter translate(),
because translate() with 0003's 150-character `from` list costs about 10 ms per 2.5 kB article (it scans the
list for every character) and this form about a tenth of that. A test checks the two agree.

The digest reads only its window: indexes on the time columns it filters by (crawl_runs.started_at,
failures.at, article_versions.fetched_at, health_events(source, at)), and articles(outlet, first_seen) for
each outlet's newest article without scanning the store.

Revision ID: 0006_search_document
Revises: 0003
Create Date: 2026-12-07
"""

from __future__ import annotations

import logging

import sqlalchemy as sa
from alembic import op

revision = "0006_search_document"
down_revision = "0005_near_dup_bands"
branch_labels = None
depends_on = None

log = logging.getLogger("alembic.runtime.migration")

# Names from 0003 (spelled out: a migration keeps meaning what it meant when it was written).
PG_FUNCTION = "coverwatch_search_text"
OLD_PG_INDEX = "ix_articles_search_trgm"

COLUMN = "search_document"
PG_DOCUMENT_FUNCTION = "coverwatch_search_document"
PG_INDEX = "ix_articles_search_document_trgm"
PG_TRIGGER = "articles_search_document"
PG_TRIGGER_FUNCTION = "coverwatch_articles_search_document_trigger"
# 0003's folding (spelled out again: a migration keeps meaning what it meant when it was written).
REMOVED_RANGES = (
    (0x0591, 0x05BD), (0x05BF, 0x05BF), (0x05C1, 0x05C2), (0x05C4, 0x05C5), (0x05C7, 0x05C7),
    (0x0610, 0x061A), (0x064B, 0x065F), (0x0670, 0x0670), (0x06D6, 0x06DC), (0x06DF, 0x06E8), (0x06EA, 0x06ED),
    (0x0640, 0x0640),
    (0x200E, 0x200F), (0x202A, 0x202E), (0x2066, 0x2069), (0x061C, 0x061C), (0xFEFF, 0xFEFF),
)
FOLDED = {"\u0623": "\u0627", "\u0625": "\u0627", "\u0622": "\u0627", "\u0671": "\u0627", "\u0649": "\u064a", "\u0629": "\u0647"}
# Rows per back-fill UPDATE: bounded statements (and WAL bursts) on a store of a million articles.
BACKFILL_BATCH = 5_000

WINDOW_INDEXES = (
    ("ix_articles_outlet_first_seen", "articles", ["outlet", "first_seen"]),
    ("ix_article_versions_fetched_at", "article_versions", ["fetched_at"]),
    ("ix_crawl_runs_started_at", "crawl_runs", ["started_at"]),
    ("ix_failures_at", "failures", ["at"]),
    ("ix_health_events_source_at", "health_events", ["source", "at"]),
)


def _document_expression(row: str = "") -> str:
    prefix = f"{row}." if row else ""
    return f"{PG_DOCUMENT_FUNCTION}({prefix}title, {prefix}lead, {prefix}text)"


def _pg_literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _create_document_function() -> None:
    removed = "".join(chr(low) if low == high else f"{chr(low)}-{chr(high)}" for low, high in REMOVED_RANGES)
    op.execute(
        f"CREATE OR REPLACE FUNCTION {PG_DOCUMENT_FUNCTION}(p_title text, p_lead text, p_body text) RETURNS text "
        "LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT lower(translate(regexp_replace("
        "coalesce(p_title, '') || ' ' || coalesce(p_lead, '') || ' ' || coalesce(p_body, ''), "
        f"{_pg_literal('[' + removed + ']')}, '', 'g'), {_pg_literal(''.join(FOLDED))}, {_pg_literal(''.join(FOLDED.values()))})) $$"
    )


def _pg_upgrade(bind: sa.engine.Connection) -> None:
    op.execute(f"DROP INDEX IF EXISTS {OLD_PG_INDEX}")
    _create_document_function()
    op.execute(
        f"CREATE OR REPLACE FUNCTION {PG_TRIGGER_FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$ "
        f"BEGIN NEW.{COLUMN} := {_document_expression('NEW')}; RETURN NEW; END $$"
    )
    op.execute(
        f"CREATE TRIGGER {PG_TRIGGER} BEFORE INSERT OR UPDATE OF title, lead, text ON articles "
        f"FOR EACH ROW EXECUTE FUNCTION {PG_TRIGGER_FUNCTION}()"
    )
    low, high = bind.execute(sa.text("SELECT coalesce(min(id), 0), coalesce(max(id), 0) FROM articles")).one()
    for start in range(int(low), int(high) + 1, BACKFILL_BATCH):
        bind.execute(
            sa.text(f"UPDATE articles SET {COLUMN} = {_document_expression()} WHERE id >= :start AND id < :stop"),
            {"start": start, "stop": start + BACKFILL_BATCH},
        )
    # pg_trgm may be refused on a locked-down server (see 0003): search then works without the index.
    savepoint = bind.begin_nested()
    try:
        bind.execute(sa.text("CREATE EXTENSION IF NOT EXISTS pg_trgm"))
        bind.execute(sa.text(f"CREATE INDEX IF NOT EXISTS {PG_INDEX} ON articles USING gin ({COLUMN} gin_trgm_ops)"))
        savepoint.commit()
    except sa.exc.DBAPIError as error:
        savepoint.rollback()
        log.warning("pg_trgm unavailable (%s): article search will work without its index", str(error.orig).splitlines()[0])


def upgrade() -> None:
    bind = op.get_bind()
    op.add_column("articles", sa.Column(COLUMN, sa.Text(), nullable=True))
    for name, table, columns in WINDOW_INDEXES:
        op.create_index(name, table, columns)
    if bind.dialect.name == "postgresql":
        _pg_upgrade(bind)


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.execute(f"DROP INDEX IF EXISTS {PG_INDEX}")
        op.execute(f"DROP TRIGGER IF EXISTS {PG_TRIGGER} ON articles")
        op.execute(f"DROP FUNCTION IF EXISTS {PG_TRIGGER_FUNCTION}()")
        op.execute(f"DROP FUNCTION IF EXISTS {PG_DOCUMENT_FUNCTION}(text, text, text)")
        savepoint = bind.begin_nested()
        try:
            bind.execute(sa.text(f"CREATE INDEX IF NOT EXISTS {OLD_PG_INDEX} ON articles USING gin ({PG_FUNCTION}(title, lead, text) gin_trgm_ops)"))
            savepoint.commit()
        except sa.exc.DBAPIError:
            savepoint.rollback()
    for name, table, _ in reversed(WINDOW_INDEXES):
        op.drop_index(name, table_name=table)
    # Plain ALTER TABLE DROP COLUMN (SQLite 3.35+), not batch mode: batch mode would recreate `articles` and drop
    # 0003's FTS triggers with it.
    op.drop_column("articles", COLUMN)
