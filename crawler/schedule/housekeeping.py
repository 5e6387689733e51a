"""The daemon's maintenance work that is not a crawl: opening the database (waiting for it at boot), pruning
old WARC archives, VACUUM, and recording a maintenance job's failure."""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

from crawler.config import Settings
from storage import maintenance

log = logging.getLogger("coverwatch.scheduler")

DB_RETRY_S = 5


def prune_archive(directory: Path, keep_days: int, now: float | None = None) -> list[Path]:
    """Delete WARC files older than keep_days (by modification time). Returns what was deleted."""
    if not directory.is_dir():
        return []
    cutoff = (now or time.time()) - keep_days * 86400
    removed = []
    for path in sorted(directory.rglob("*.warc*")):
        try:
            if path.is_file() and path.stat().st_mtime < cutoff:
                path.unlink()
                removed.append(path)
        except OSError as error:
            log.warning("could not prune %s: %s", path, error)
    return removed


def vacuum(engine: Any) -> str:
    """SQLite: VACUUM + WAL checkpoint; PostgreSQL: VACUUM ANALYZE. Both need autocommit. Returns what ran."""
    dialect = engine.dialect.name
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        if dialect == "sqlite":
            connection.execute(text("VACUUM"))
            connection.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
            connection.execute(text("PRAGMA optimize"))
            return "sqlite: VACUUM, wal_checkpoint(TRUNCATE), optimize"
        if dialect == "postgresql":
            connection.execute(text("VACUUM ANALYZE"))
            return "postgresql: VACUUM ANALYZE"
    return f"{dialect}: nothing to do"


def open_database(settings: Settings, wait_s: float = 0.0) -> tuple[Any, sessionmaker[Session]]:
    """crawler.fetch.runner.open_store without importing the crawl machinery: check, migrate, session factory.

    Waits up to `wait_s` for the database to answer (PostgreSQL still starting at boot), then raises
    StorageUnavailable.
    """
    from storage.db import StorageUnavailable, check_connection, make_engine, make_session_factory, upgrade

    engine = make_engine(settings.storage.url)
    deadline = time.monotonic() + wait_s
    while True:
        try:
            check_connection(engine)
            break
        except StorageUnavailable as error:
            if time.monotonic() >= deadline:
                raise
            pause = min(DB_RETRY_S, max(0.0, deadline - time.monotonic()))
            log.warning("%s; retrying in %.0f s", error, pause)
            time.sleep(pause)
    upgrade(engine)
    return engine, make_session_factory(engine)


def record_job_failure(session: Session, source: str, reason: str, detail: str, run_id: int | None = None) -> None:
    maintenance.record_failure(session, source, reason, detail, run_id)
