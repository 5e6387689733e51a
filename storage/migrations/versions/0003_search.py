"""full-text search over articles that finds prefixed Hebrew and Arabic words

SQLite: an FTS5 table with the `trigram` tokenizer (any substring of 3+ characters matches, so the query
ממשלה finds והממשלה and حكومة finds والحكومة, which word tokenizers miss), filled by triggers from
articles.title/lead/text with niqqud, harakat, tatweel and bidi controls removed and Arabic letter variants
folded (أ/إ/آ/ٱ -> ا, ى -> ي, ة -> ه). The folding happens in SQL inside the triggers (through a one-row
staging table), so any process writing articles keeps the index right without loading Python functions. PostgreSQL: pg_trgm and a GIN index on an IMMUTABLE function doing the
same folding; an expression index is kept in sync by PostgreSQL itself.

The folding must match crawler.web.search.fold_for_search. It is spelled out here (not imported) because a
migration must keep meaning what it meant when it was written.

NOTE for later migrations: SQLite batch mode ("move and copy") recreates `articles` and drops these
triggers; a migration that batch-alters `articles` must call create_sqlite_triggers() again afterwards.

Revision ID: 0003
Revises: 0001
Create Date: 2026-11-21
"""
from __future__ import annotations

import logging

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0001"
branch_labels = None
depends_on = None

log = logging.getLogger("alembic.runtime.migration")


def _chars(*ranges: tuple[int, int]) -> list[str]:
    return [chr(code) for start, end in ranges for code in range(start, end + 1)]


# Same sets as crawler.textnorm.strip_marks: Hebrew points and cantillation, Arabic harakat and Quranic marks,
# tatweel, and invisible bidi controls.
REMOVED = _chars(
    (0x0591, 0x05BD), (0x05BF, 0x05BF), (0x05C1, 0x05C2), (0x05C4, 0x05C5), (0x05C7, 0x05C7),
    (0x0610, 0x061A), (0x064B, 0x065F), (0x0670, 0x0670), (0x06D6, 0x06DC), (0x06DF, 0x06E8), (0x06EA, 0x06ED),
    (0x0640, 0x0640),
    (0x200E, 0x200F), (0x202A, 0x202E), (0x2066, 0x2069), (0x061C, 0x061C), (0xFEFF, 0xFEFF),
)
# Arabic spelling variants writers use interchangeably.
FOLDED = {"\u0623": "\u0627", "\u0625": "\u0627", "\u0622": "\u0627", "\u0671": "\u0627", "\u0649": "\u064a", "\u0629": "\u0647"}

FTS_TABLE = "articles_fts"
PG_FUNCTION = "coverwatch_search_text"
PG_INDEX = "ix_articles_search_trgm"


# SQLite's parser overflows beyond about 25 nested function calls, so the folding runs as a series of UPDATEs
# of a staging row, this many replace() calls deep each.
SQLITE_REPLACES_PER_STATEMENT = 16
STAGE_TABLE = "articles_search_stage"


def _sqlite_replacements() -> list[tuple[str, str]]:
    return [(char, "") for char in REMOVED] + list(FOLDED.items())


def _nested_replace(expression: str, pairs: list[tuple[str, str]]) -> str:
    for source, target in pairs:
        replacement = f"char({ord(target)})" if target else "''"
        expression = f"replace({expression}, char({ord(source)}), {replacement})"
    return expression


def _sqlite_index_statements(row: str) -> str:
    """Trigger body: stage the row's text, fold it chunk by chunk, index it, clear the stage."""
    pairs = _sqlite_replacements()
    statements = [
        (
            f"INSERT OR REPLACE INTO {STAGE_TABLE}(id, title, body) VALUES ({row}.id, coalesce({row}.title, ''), "
            f"coalesce({row}.lead, '') || ' ' || coalesce({row}.text, ''))"
        )
    ]
    for offset in range(0, len(pairs), SQLITE_REPLACES_PER_STATEMENT):
        chunk = pairs[offset : offset + SQLITE_REPLACES_PER_STATEMENT]
        statements.append(
            f"UPDATE {STAGE_TABLE} SET title = {_nested_replace('title', chunk)}, body = {_nested_replace('body', chunk)} "
            f"WHERE id = {row}.id"
        )
    statements.append(f"INSERT INTO {FTS_TABLE}(rowid, title, body) SELECT id, title, body FROM {STAGE_TABLE} WHERE id = {row}.id")
    statements.append(f"DELETE FROM {STAGE_TABLE} WHERE id = {row}.id")
    return "; ".join(statements) + ";"


def create_sqlite_triggers() -> None:
    op.execute(f"CREATE TRIGGER IF NOT EXISTS {FTS_TABLE}_ai AFTER INSERT ON articles BEGIN {_sqlite_index_statements('new')} END")
    op.execute(f"CREATE TRIGGER IF NOT EXISTS {FTS_TABLE}_ad AFTER DELETE ON articles BEGIN DELETE FROM {FTS_TABLE} WHERE rowid = old.id; END")
    op.execute(
        f"CREATE TRIGGER IF NOT EXISTS {FTS_TABLE}_au AFTER UPDATE OF title, lead, text ON articles BEGIN "
        f"DELETE FROM {FTS_TABLE} WHERE rowid = old.id; {_sqlite_index_statements('new')} END"
    )


def _sqlite_backfill() -> None:
    """Index existing rows with the same folding (set-wise: stage everything, fold, copy)."""
    pairs = _sqlite_replacements()
    op.execute(f"DELETE FROM {FTS_TABLE}")
    op.execute(f"DELETE FROM {STAGE_TABLE}")
    op.execute(
        f"INSERT INTO {STAGE_TABLE}(id, title, body) SELECT id, coalesce(title, ''), "
        "coalesce(lead, '') || ' ' || coalesce(text, '') FROM articles"
    )
    for offset in range(0, len(pairs), SQLITE_REPLACES_PER_STATEMENT):
        chunk = pairs[offset : offset + SQLITE_REPLACES_PER_STATEMENT]
        op.execute(f"UPDATE {STAGE_TABLE} SET title = {_nested_replace('title', chunk)}, body = {_nested_replace('body', chunk)}")
    op.execute(f"INSERT INTO {FTS_TABLE}(rowid, title, body) SELECT id, title, body FROM {STAGE_TABLE}")
    op.execute(f"DELETE FROM {STAGE_TABLE}")


def _pg_translate_args() -> tuple[str, str]:
    sources = "".join(FOLDED) + "".join(REMOVED)
    targets = "".join(FOLDED.values())  # translate() deletes characters of `from` that have no counterpart in `to`
    return sources, targets


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        op.execute(f"CREATE VIRTUAL TABLE IF NOT EXISTS {FTS_TABLE} USING fts5(title, body, tokenize='trigram')")
        op.execute(f"CREATE TABLE IF NOT EXISTS {STAGE_TABLE} (id INTEGER PRIMARY KEY, title TEXT NOT NULL, body TEXT NOT NULL)")
        create_sqlite_triggers()
        _sqlite_backfill()
    elif bind.dialect.name == "postgresql":
        sources, targets = _pg_translate_args()
        bind.execute(
            sa.text(
                f"CREATE OR REPLACE FUNCTION {PG_FUNCTION}(p_title text, p_lead text, p_body text) RETURNS text "
                "LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT translate("
                "coalesce(p_title, '') || ' ' || coalesce(p_lead, '') || ' ' || coalesce(p_body, ''), "
                f"{_pg_literal(sources)}, {_pg_literal(targets)}) $$"
            )
        )
        # pg_trgm is a trusted extension (PostgreSQL 13+), but a locked-down server may still refuse it:
        # search then works without the index (a sequential scan), and the migration says so.
        savepoint = bind.begin_nested()
        try:
            bind.execute(sa.text("CREATE EXTENSION IF NOT EXISTS pg_trgm"))
            bind.execute(
                sa.text(f"CREATE INDEX IF NOT EXISTS {PG_INDEX} ON articles USING gin ({PG_FUNCTION}(title, lead, text) gin_trgm_ops)")
            )
            savepoint.commit()
        except sa.exc.DBAPIError as error:
            savepoint.rollback()
            log.warning("pg_trgm unavailable (%s): article search will work without its index", str(error.orig).splitlines()[0])


def _pg_literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        for suffix in ("ai", "ad", "au"):
            op.execute(f"DROP TRIGGER IF EXISTS {FTS_TABLE}_{suffix}")
        op.execute(f"DROP TABLE IF EXISTS {FTS_TABLE}")
        op.execute(f"DROP TABLE IF EXISTS {STAGE_TABLE}")
    elif bind.dialect.name == "postgresql":
        op.execute(f"DROP INDEX IF EXISTS {PG_INDEX}")
        op.execute(f"DROP FUNCTION IF EXISTS {PG_FUNCTION}(text, text, text)")
