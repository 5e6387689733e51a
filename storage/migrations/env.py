"""Alembic environment: runs on a connection handed in by storage.db.upgrade (or a URL from -x url=...)."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine, text

from storage.models import Base

config = context.config
target_metadata = Base.metadata


def _run(connection) -> None:  # type: ignore[no-untyped-def]
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        # SQLite cannot ALTER most things; batch mode recreates tables ("move and copy").
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        if connection.dialect.name == "postgresql":
            # Several nodes may start at once: serialise their migrations.
            connection.execute(text("SELECT pg_advisory_xact_lock(718203)"))
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is not None:
    _run(connection)
else:
    url = context.get_x_argument(as_dictionary=True).get("url", "sqlite:///coverwatch.db")
    with create_engine(url).begin() as conn:
        _run(conn)
