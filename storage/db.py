"""Engine and session factory for SQLite (the default) and PostgreSQL, with timeouts set on the engine.

A database can fail by refusing (caught at once) or by going silent: a frozen network path, a proxy that stops
forwarding, a server stopped with SIGSTOP. Silence must not hang a crawl that holds its source's lease, so:
- PostgreSQL: libpq's connect timeout; TCP keepalives and `tcp_user_timeout` (a dead peer is noticed by the
  kernel); a server-side `statement_timeout`; and, because none of those helps when something in between still
  acknowledges our packets, a client-side watchdog that shuts the socket of any statement (or connection check)
  running past `statement_timeout_s`, which the driver reports as a lost connection (a storage error). The server
  also ends a session of ours idle inside a transaction that long, so a frozen writer's row locks are released.
- SQLite: a busy timeout, so a writer waits for another's lock instead of failing or hanging.
"""

from __future__ import annotations

import heapq
import itertools
import os
import socket
import threading
import time
from contextlib import contextmanager
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.exc import ArgumentError, DisconnectionError
from sqlalchemy.orm import Session, sessionmaker

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
DEFAULT_STATEMENT_TIMEOUT_S = 300.0
CONNECT_TIMEOUT_S = 10
# The kernel probes an idle connection after 30 s, every 10 s, and gives up after 3 unanswered probes; data sent
# and not acknowledged for 60 s drops the connection (tcp_user_timeout, milliseconds).
PG_TCP_OPTIONS = {"keepalives": 1, "keepalives_idle": 30, "keepalives_interval": 10, "keepalives_count": 3, "tcp_user_timeout": 60_000}
SQLITE_BUSY_TIMEOUT_S = 30
# Execution option: the watchdog's deadline (seconds) for one connection's statements, in place of the engine's
# statement_timeout_s, for the rare statement known to run long (building an index over a large store).
STATEMENT_DEADLINE_OPTION = "statement_timeout_s"


class StorageUnavailable(Exception):
    """The database cannot be reached or opened; the message says which and why, without secrets."""


def make_engine(url: str, *, statement_timeout_s: float = DEFAULT_STATEMENT_TIMEOUT_S) -> Engine:
    """An engine with its timeouts set; StorageUnavailable (one line, password masked) for an unusable URL."""
    if url.startswith("postgresql://"):
        # psycopg 3 is the driver we pin; the bare scheme would ask SQLAlchemy for psycopg2.
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    try:
        if url.startswith("sqlite"):
            engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_S})
            event.listen(engine, "connect", _sqlite_pragmas)
            return engine
        # The server gives up on our statements at the same bound, and on a session of ours left idle inside a
        # transaction (our side froze or died mid-write): its row locks would otherwise block the next run.
        timeout_ms = int(statement_timeout_s * 1000)
        options = f"-c statement_timeout={timeout_ms} -c idle_in_transaction_session_timeout={timeout_ms}"
        engine = create_engine(url, connect_args={"connect_timeout": CONNECT_TIMEOUT_S, "options": options, **PG_TCP_OPTIONS})
    except (ArgumentError, ImportError, ValueError) as exc:  # unknown scheme, missing driver, unparsable URL
        raise StorageUnavailable(f"database URL {_masked(url)} cannot be used: {type(exc).__name__}: {exc}") from None
    _watch(engine, statement_timeout_s)
    return engine


def _masked(url: str) -> str:
    scheme, sep, rest = url.partition("://")
    if not sep or "@" not in rest:
        return url
    credentials, _, host = rest.rpartition("@")
    return f"{scheme}://{credentials.split(':', 1)[0]}:***@{host}" if ":" in credentials else url


def _sqlite_pragmas(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
    # WAL lets the review UI read while a crawl writes; foreign keys are off by default in SQLite.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_S * 1000}")
    cursor.close()


# --- the statement watchdog (PostgreSQL) -------------------------------------------------------------------


class _Watchdog:
    """One thread for the process: shuts the socket of any connection whose statement passed its deadline."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._wake = threading.Condition(self._lock)
        self._deadlines: list[tuple[float, int]] = []
        self._sockets: dict[int, int] = {}  # token -> file descriptor
        self._tokens = itertools.count()
        self._thread: threading.Thread | None = None

    @contextmanager
    def guard(self, fileno: int, seconds: float) -> Iterator[None]:
        token = self.arm(fileno, seconds)
        try:
            yield
        finally:
            self.disarm(token)

    def arm(self, fileno: int, seconds: float) -> int:
        with self._lock:
            token = next(self._tokens)
            self._sockets[token] = fileno
            heapq.heappush(self._deadlines, (time.monotonic() + seconds, token))
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="db-statement-watchdog", daemon=True)
                self._thread.start()
            self._wake.notify()
            return token

    def disarm(self, token: int | None) -> None:
        if token is None:
            return
        with self._lock:
            self._sockets.pop(token, None)

    def _run(self) -> None:
        with self._lock:
            while True:
                while self._deadlines and self._deadlines[0][1] not in self._sockets:
                    heapq.heappop(self._deadlines)  # finished in time
                if not self._deadlines:
                    self._wake.wait()
                    continue
                deadline, token = self._deadlines[0]
                if time.monotonic() < deadline:
                    self._wake.wait(deadline - time.monotonic())
                    continue
                heapq.heappop(self._deadlines)
                _shut(self._sockets.pop(token))


def _shut(fileno: int) -> None:
    """Shut a socket down under the driver's feet: its blocked read returns, and it reports a lost connection."""
    try:
        with socket.socket(fileno=os.dup(fileno)) as duplicate:
            duplicate.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass  # already closed


_WATCHDOG = _Watchdog()


def _watch(engine: Engine, seconds: float) -> None:
    """Every statement, and the check that a pooled connection is alive, runs under the watchdog."""

    @event.listens_for(engine, "checkout")
    def _ping(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
        # SQLAlchemy's own pool_pre_ping runs outside any event, so it could wait forever: this is the same check
        # (DisconnectionError makes the pool replace the connection), guarded.
        try:
            with _WATCHDOG.guard(dbapi_connection.fileno(), seconds):
                cursor = dbapi_connection.cursor()
                try:
                    cursor.execute("SELECT 1")
                finally:
                    cursor.close()
                    # Leave no transaction open: the caller may switch the connection to autocommit (VACUUM).
                    dbapi_connection.rollback()
        except Exception as exc:  # noqa: BLE001 - any driver error here means "this connection is gone"
            raise DisconnectionError(f"connection check failed: {exc}") from exc

    @event.listens_for(engine, "before_cursor_execute")
    def _arm(connection: Any, cursor: Any, statement: Any, parameters: Any, context: Any, executemany: bool) -> None:
        _WATCHDOG.disarm(connection.info.pop("watchdog", None))  # never two deadlines for one connection
        deadline = context.execution_options.get(STATEMENT_DEADLINE_OPTION, seconds) if context is not None else seconds
        connection.info["watchdog"] = _WATCHDOG.arm(connection.connection.dbapi_connection.fileno(), deadline)

    @event.listens_for(engine, "after_cursor_execute")
    def _disarm(connection: Any, cursor: Any, statement: Any, parameters: Any, context: Any, executemany: bool) -> None:
        _WATCHDOG.disarm(connection.info.pop("watchdog", None))

    @event.listens_for(engine, "handle_error")
    def _disarm_on_error(context: Any) -> None:
        if context.connection is not None:
            _WATCHDOG.disarm(context.connection.info.pop("watchdog", None))


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


def upgrade(engine: Engine) -> None:
    """Bring the schema to the newest Alembic revision (idempotent)."""
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def check_connection(engine: Engine) -> None:
    """Raise StorageUnavailable with a readable reason when the database cannot be used."""
    from sqlalchemy import text
    from sqlalchemy.exc import OperationalError, DBAPIError

    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except (OperationalError, DBAPIError) as exc:
        reason = str(exc.orig).strip().splitlines()[0] if getattr(exc, "orig", None) else type(exc).__name__
        raise StorageUnavailable(f"database {engine.url.render_as_string(hide_password=True)} unreachable: {reason}") from None
