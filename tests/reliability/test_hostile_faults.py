"""Faults, second round (issue 16): a PostgreSQL that goes silent mid-crawl, and a full disk at crawl start.

Silence is provoked with a real TCP proxy between the crawl and PostgreSQL that stops forwarding (it keeps every
connection open and keeps accepting new ones, as a frozen network path or a stuck load balancer does: nothing is
refused, nothing answers). The crawl must stop with one `storage error` line and exit 2 instead of hanging until
the crawl timeout with its source's lease held; the rerun completes. The full disk is a real tmpfs filled to the
last byte after the schema was created.
"""

from __future__ import annotations

import errno
import os
import selectors
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Self

import pytest
from sqlalchemy import func, select

from storage.db import make_engine, make_session_factory
from storage.models import Article, CrawlRun, SourceLock
from tests.reliability.test_bad_input import REPO, HostileSite, run_crawl_process, write_config
from tests.reliability.test_faults import ARTICLES, _assert_consistent, _count, _publish_slow_outlet, _start_crawl, _wait_for
from tests.reliability.tmpfs import mounted_tmpfs

# Small, so the silent database is noticed quickly; the watchdog bound below only catches a hang.
STATEMENT_TIMEOUT_S = 3
HANG_BOUND_S = 240


class FreezableProxy:
    """A TCP proxy to `target`; after freeze() it forwards nothing in either direction but drops no connection."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.frozen = threading.Event()
        self.closed = threading.Event()
        self.held: list[socket.socket] = []
        self.thread = threading.Thread(target=self._accept, name="freezable-proxy", daemon=True)

    def _accept(self) -> None:
        while not self.closed.is_set():
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            self.held.append(client)
            if self.frozen.is_set():
                continue  # accepted by the kernel and held open: a connect that never gets an answer
            upstream = socket.create_connection(self.target)
            self.held.append(upstream)
            threading.Thread(target=self._pump, args=(client, upstream), daemon=True).start()

    def _pump(self, client: socket.socket, upstream: socket.socket) -> None:
        selector = selectors.DefaultSelector()
        selector.register(client, selectors.EVENT_READ, upstream)
        selector.register(upstream, selectors.EVENT_READ, client)
        while not self.closed.is_set():
            if self.frozen.is_set():
                self.closed.wait(0.5)  # read nothing: bytes pile up in kernel buffers, acknowledged but never delivered
                continue
            for key, _ in selector.select(timeout=0.5):
                try:
                    data = key.fileobj.recv(65536)  # type: ignore[union-attr]
                except OSError:
                    data = b""
                if not data:
                    selector.close()
                    return
                key.data.sendall(data)

    def freeze(self) -> None:
        self.frozen.set()

    def __enter__(self) -> Self:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.closed.set()
        self.listener.close()
        for sock in self.held:
            sock.close()


def test_postgresql_going_silent_mid_crawl_is_a_storage_error_not_a_hang(tmp_path: Path, pg_url: str) -> None:
    with FreezableProxy(("127.0.0.1", 5432)) as proxy, HostileSite() as site:
        proxied_url = pg_url.replace("127.0.0.1:5432", f"127.0.0.1:{proxy.port}")
        assert proxied_url != pg_url, pg_url
        config = write_config(tmp_path / "coverwatch.toml", proxied_url, {"silent": _publish_slow_outlet(site, "silent", delay=1.0)})
        text = config.read_text(encoding="utf-8")
        config.write_text(text.replace("[storage]\n", f"[storage]\nstatement_timeout_s = {STATEMENT_TIMEOUT_S}\n", 1), encoding="utf-8")
        process = _start_crawl(config, "silent")
        try:
            _wait_for(lambda: _count(pg_url, Article) >= 1, 90, "the first stored article")
            proxy.freeze()
            _, stderr = process.communicate(timeout=HANG_BOUND_S)
        finally:
            if process.poll() is None:
                process.kill()
                pytest.fail(f"the crawl hung on a silent database for {HANG_BOUND_S} s")
        assert process.returncode == 2, (process.returncode, stderr[-3000:])
        assert "storage error" in stderr and "Traceback" not in stderr, stderr[-3000:]
        _assert_consistent(pg_url, "silent")
        assert 1 <= _count(pg_url, Article) < ARTICLES

        # The database is reachable again (directly): the rerun frees the dead holder's lease and completes.
        # (The server ended the frozen sessions, idle inside their transactions, so their row locks are gone.)
        text = config.read_text(encoding="utf-8").replace(proxied_url, pg_url)
        config.write_text(text.replace(f"statement_timeout_s = {STATEMENT_TIMEOUT_S}\n", ""), encoding="utf-8")
        rerun = run_crawl_process(config, ["silent"], timeout=180)
        assert rerun.returncode == 0, rerun.stderr[-3000:]
    _assert_consistent(pg_url, "silent")
    assert _count(pg_url, Article) == ARTICLES
    engine = make_engine(pg_url)
    with make_session_factory(engine)() as session:
        outcomes = [run.outcome for run in session.scalars(select(CrawlRun).order_by(CrawlRun.id))]
        assert session.scalar(select(func.count()).select_from(SourceLock)) == 0
    engine.dispose()
    assert outcomes[0] == "interrupted" and outcomes[-1] in ("finished", "partial"), outcomes


@pytest.fixture
def small_tmpfs(tmp_path: Path) -> Iterator[Path]:
    """A 2 MiB tmpfs (root only); skips where mounting is not permitted."""
    with mounted_tmpfs(tmp_path / "small", "2m") as mount_point:
        yield mount_point


def _fill(directory: Path) -> Path:
    """Write a file until the file system is full; returns it (delete it to free the space)."""
    filler = directory / "filler"
    with filler.open("wb", buffering=0) as stream:
        for size in (1 << 16, 1 << 12, 1 << 9, 1):
            try:
                while True:
                    stream.write(b"\0" * size)
            except OSError as error:
                assert error.errno == errno.ENOSPC, error
    return filler


def test_full_disk_at_crawl_start_is_one_storage_error(tmp_path: Path, small_tmpfs: Path) -> None:
    db_url = f"sqlite:///{small_tmpfs / 'cw.db'}"
    with HostileSite() as site:
        config = write_config(tmp_path / "coverwatch.toml", db_url, {"fulldisk": _publish_slow_outlet(site, "fulldisk", delay=0)})
        created = subprocess.run([sys.executable, "-m", "crawler.cli", "db", "upgrade", "--config", str(config)], cwd=REPO,
                                 capture_output=True, text=True, timeout=180, check=False)
        assert created.returncode == 0, created.stderr[-3000:]
        filler = _fill(small_tmpfs)
        full = run_crawl_process(config, ["fulldisk"], timeout=180)
        assert full.returncode == 2, (full.returncode, full.stderr[-3000:])
        lines = [line for line in full.stderr.splitlines() if line.strip()]
        assert len(lines) == 1 and lines[0].startswith("storage error"), full.stderr[-3000:]
        assert "Traceback" not in full.stderr
        filler.unlink()
        rerun = run_crawl_process(config, ["fulldisk"], timeout=180)
        assert rerun.returncode == 0, rerun.stderr[-3000:]
    _assert_consistent(db_url, "fulldisk")
    assert _count(db_url, Article) == ARTICLES


# A stand-in for the daemon: the real dispatcher and supervisor starting one crawl child, then waiting on it.
SUPERVISOR = """
import sys
from crawler.config import load_settings
from crawler.schedule.local import LocalSubprocessDispatcher, ProcessSupervisor, coverwatch_command
settings = load_settings(sys.argv[1])
command, extra = coverwatch_command(settings)
LocalSubprocessDispatcher(ProcessSupervisor(grace_s=30), command, 3600, extra_args=extra).crawl(sys.argv[2])
"""


def _running(pid: int) -> bool:
    """Alive and not a zombie (an orphan's zombie waits for an init that may not reap it in a container)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return False
    return state != "Z"


def test_crawl_child_of_a_killed_daemon_stops_itself(tmp_path: Path) -> None:
    db_url = f"sqlite:///{tmp_path / 'cw.db'}"
    with HostileSite() as site:
        config = write_config(tmp_path / "coverwatch.toml", db_url, {"orphan": _publish_slow_outlet(site, "orphan", delay=3.0)})
        daemon = subprocess.Popen([sys.executable, "-c", SUPERVISOR, str(config), "orphan"], cwd=REPO,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        child = 0
        try:
            _wait_for(lambda: _count(db_url, SourceLock) == 1 and _count(db_url, CrawlRun) == 1, 120, "the crawl child's run to start")
            engine = make_engine(db_url)
            with make_session_factory(engine)() as session:
                child = int(session.scalars(select(SourceLock)).one().holder.rpartition(":")[2])
            engine.dispose()
            assert child != daemon.pid and _running(child)
            daemon.kill()
            daemon.wait(timeout=30)
            _wait_for(lambda: not _running(child), HANG_BOUND_S, "the orphaned crawl to stop itself")
        finally:
            if daemon.poll() is None:
                daemon.kill()
            if child and _running(child):
                os.kill(child, signal.SIGKILL)
    engine = make_engine(db_url)
    with make_session_factory(engine)() as session:
        runs = list(session.scalars(select(CrawlRun)))
        assert len(runs) == 1 and runs[0].outcome != "running", [(r.outcome, r.finish_reason) for r in runs]
        assert session.scalar(select(func.count()).select_from(SourceLock)) == 0  # it released its lease on the way out
    engine.dispose()
    _assert_consistent(db_url, "orphan")
