"""Hostile requests to the review UI over real HTTP (uvicorn on 127.0.0.1), on SQLite and on PostgreSQL.

Issue 16: NUL bytes, dates at the ends of the calendar, ids past the integer columns and digits that int() refuses
gave 500s, and the 500 pages carried none of the security headers. Every answer here must be below 500 and carry
every header of crawler.web.security.SECURITY_HEADERS; a title with a directional override must not reach <title>.
"""

from __future__ import annotations

import re
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from crawler.config import Settings
from crawler.web import create_app
from crawler.web.security import SECURITY_HEADERS
from storage.db import make_engine, make_session_factory, upgrade
from tests.digest_seed import IN_WINDOW, record_for, seed_store, seeds, store
from tests.localsite import free_port

STARTUP_TIMEOUT_S = 60
RLO = "\u202e"
SPOOFED_TITLE = f"Invoice {RLO}fdp.exe"

# (path and query, why it once failed). Each must answer < 500 with the security headers.
HOSTILE_REQUESTS = [
    ("/?q=%00", "NUL in q: SQLite FTS5 'unterminated string'"),
    ("/search?q=a%00b", "NUL inside a search term"),
    ("/?outlet=%00", "NUL in outlet (PostgreSQL refuses NUL in text)"),
    ("/?language=he%00", "NUL in language"),
    ("/?date_to=9999-12-31", "OverflowError moving past the last day"),
    ("/?date_from=0001-01-01", "OverflowError shifting to UTC"),
    ("/export?date_to=9999-12-31&date_from=0001-01-01", "the same on /export"),
    ("/export?format=json&ids=%C2%B2", "'²'.isdigit() is true, int('²') raises"),
    ("/export?ids=99999999999999999999999", "an id past every integer column"),
    ("/article/9223372036854775808", "past SQLite's 64-bit ids"),
    ("/article/2147483648", "past PostgreSQL's 32-bit ids"),
    ("/article/-1", "a negative id"),
    ("/digests/99999999999999999999/html", "a digest id past every integer column"),
    ("/article/%00", "NUL in the path"),
    ("/nowhere", "an unknown path"),
    ("/?page=99999999999999999999999", "a page number past every integer"),
]


@dataclass
class Live:
    base: str
    spoofed_id: int


def _serve(url: str, root: Path) -> Iterator[Live]:
    import uvicorn

    engine = make_engine(url)
    upgrade(engine)
    sessions = make_session_factory(engine)
    seed_store(sessions)
    ynet = next(s for s in seeds() if s.key == "ynet")
    with sessions.begin() as session:
        spoofed = store(session, record_for(ynet, url_key="spoofed", url="https://example.org/spoofed", outlet="constructed",
                                            title=SPOOFED_TITLE, text="Body of the spoofed story.", language="en",
                                            relevance_score=0.6), IN_WINDOW)
    settings = Settings.model_validate({"storage": {"url": url}, "digest": {"output_dir": str(root / "digests")}})
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(settings, sessions=sessions), host="127.0.0.1", port=port,
                                           log_level="critical", access_log=False))
    thread = threading.Thread(target=server.run, name="hostile-ui", daemon=True)
    thread.start()
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("the review UI did not start")
        time.sleep(0.05)
    try:
        yield Live(f"http://127.0.0.1:{port}", spoofed)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        engine.dispose()


@pytest.fixture(scope="module")
def sqlite_live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    root = tmp_path_factory.mktemp("hostile-ui")
    yield from _serve(f"sqlite:///{root / 'coverwatch.db'}", root)


@pytest.fixture
def pg_live(pg_url: str, tmp_path: Path) -> Iterator[Live]:
    yield from _serve(pg_url, tmp_path)


def _get(base: str, path: str) -> tuple[int, dict[str, str], str]:
    """One real HTTP GET; the status, lower-cased headers and body whatever the status."""
    request = urllib.request.Request(base + path, headers={"Host": "127.0.0.1"})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, {k.lower(): v for k, v in response.headers.items()}, response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as error:
        return error.code, {k.lower(): v for k, v in error.headers.items()}, error.read().decode("utf-8", "replace")


def _check(base: str) -> list[str]:
    problems = []
    for path, why in HOSTILE_REQUESTS:
        status, headers, body = _get(base, path)
        if status >= 500:
            problems.append(f"{path} ({why}): {status} {body[:120]!r}")
        missing = [name for name in SECURITY_HEADERS if name not in headers]
        if missing:
            problems.append(f"{path} ({why}): {status} without {missing}")
    return problems


def test_hostile_requests_on_sqlite(sqlite_live: Live) -> None:
    assert _check(sqlite_live.base) == []


def test_hostile_requests_on_postgresql(pg_live: Live) -> None:
    assert _check(pg_live.base) == []


def test_out_of_range_ids_are_not_found(sqlite_live: Live) -> None:
    for path in ("/article/9223372036854775808", "/article/2147483648", "/digests/99999999999999999999/html"):
        assert _get(sqlite_live.base, path)[0] == 404, path
    status, _, body = _get(sqlite_live.base, "/?date_to=9999-12-31")
    assert status == 200 and "date_to" not in body or "outside" in body


def test_directional_override_never_reaches_the_title(sqlite_live: Live) -> None:
    status, _, body = _get(sqlite_live.base, f"/article/{sqlite_live.spoofed_id}")
    assert status == 200
    title = re.search(r"<title>(.*?)</title>", body, re.S)
    assert title and "Invoice fdp.exe" in title.group(1) and RLO not in title.group(1), title
    # In the page body the title is isolated (<bdi>), not stripped: the text stays what the outlet published.
    assert SPOOFED_TITLE in body
