"""Shared fixtures: settings on a temp SQLite, a real PostgreSQL database per test, a local HTTP site."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "tests" / "fixtures"
PG_ADMIN_URL = os.environ.get("COVERWATCH_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")

sys.path.insert(0, str(REPO))


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'coverwatch.db'}"


def _pg_reachable() -> str | None:
    from sqlalchemy import create_engine, text

    try:
        engine = create_engine(PG_ADMIN_URL, connect_args={"connect_timeout": 3})
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        engine.dispose()
        return None
    except Exception as exc:  # noqa: BLE001 - any failure means "not reachable here"
        return f"{type(exc).__name__}: {str(exc).splitlines()[0]}"


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A fresh PostgreSQL database for one test, dropped afterwards. Skips (with the reason) only if unreachable."""
    from sqlalchemy import create_engine, text

    problem = _pg_reachable()
    if problem:
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL at 127.0.0.1:5432 unreachable in CI: {problem}")
        pytest.skip(f"PostgreSQL at 127.0.0.1:5432 unreachable: {problem}")
    name = f"cw_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest) -> str:
    """Parametrises a storage test over both backends."""
    if request.param == "sqlite":
        return request.getfixturevalue("sqlite_url")
    return request.getfixturevalue("pg_url")


@pytest.fixture
def make_settings(tmp_path: Path):  # type: ignore[no-untyped-def]
    """Build Settings from a dict of overrides (nested), on a temp SQLite unless storage.url is given."""
    from crawler.config import Settings

    def build(**sections: Any) -> Settings:
        data: dict[str, Any] = {"storage": {"url": f"sqlite:///{tmp_path / 'coverwatch.db'}"}}
        for key, value in sections.items():
            if isinstance(value, dict) and isinstance(data.get(key), dict):
                data[key] = {**data[key], **value}
            else:
                data[key] = value
        return Settings.model_validate(data)

    return build


@pytest.fixture
def local_site():  # type: ignore[no-untyped-def]
    from tests.localsite import LocalSite

    with LocalSite() as site:
        yield site


@pytest.fixture(scope="session")
def demo_archive(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The recorded archive built from tests/fixtures/archive/*.toml, as `make archive` builds it."""
    out = tmp_path_factory.mktemp("archive")
    subprocess.run([sys.executable, str(REPO / "scripts" / "build_archive.py"), "--out", str(out)], check=True, capture_output=True)
    return out


@pytest.fixture
def smtp():  # type: ignore[no-untyped-def]
    """(inbox, port) of a real aiosmtpd server on 127.0.0.1."""
    from tests.smtp_inbox import running_smtp

    with running_smtp() as server:
        yield server
