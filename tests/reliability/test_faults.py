"""Faults: the database going away, SIGKILL mid-crawl and mid-digest, a full disk under the archive, and outlets
that rate-limit, hang or reset connections. Each is provoked for real (a real PostgreSQL, real signals, a real
tmpfs, real sockets) and the test checks what is left behind and that the next run completes.

What "clear error, nothing half-written, next run completes" means here (docs/RELIABILITY.md):
- clear error: one line on stderr ("storage error: ..."), exit status 2, no traceback;
- nothing half-written: every article row has its first version and its URL alias (each article is one
  transaction), no run row is left "running" once the next run has started, no digest file is partial;
- next run completes: the rerun is not blocked by the dead run's lock, stores each article exactly once,
  and marks the dead run "interrupted".
"""

from __future__ import annotations

import errno
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, Self

import pytest
from sqlalchemy import create_engine, func, select, text

from storage.db import make_engine, make_session_factory
from storage.models import Article, ArticleVersion, CrawlRun, Digest, SourceLock, UrlAlias
from tests.reliability.tmpfs import mounted_tmpfs
from tests.reliability.test_bad_input import (
    FEED_DATE,
    REPO,
    HostileSite,
    collect,
    good_article,
    rss,
    run_crawl_process,
    write_config,
)

ARTICLES = 6


def _wait_for(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")


def _publish_slow_outlet(site: HostileSite, name: str, *, delay: float) -> dict[str, Any]:
    """An outlet whose feed lists ARTICLES articles, each answering after `delay` seconds."""
    items = []
    for number in range(ARTICLES):
        site.add(f"/{name}/a{number}", good_article(f"{name}_{number}"), delay=delay)
        items.append((f"Story {number}", site.url(f"/{name}/a{number}"), FEED_DATE))
    site.add(f"/{name}/feed.xml", rss(items), content_type="application/rss+xml")
    return {"sources": [{"kind": "rss", "url": site.url(f"/{name}/feed.xml")}]}


def _start_crawl(config: Path, name: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "crawler.cli", "crawl", name, "--config", str(config)],
        cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )


def _count(db_url: str, model: Any, *where: Any) -> int:
    engine = make_engine(db_url)
    try:
        with make_session_factory(engine)() as session:
            return int(session.scalar(select(func.count()).select_from(model).where(*where)) or 0)
    except Exception:  # noqa: BLE001 - the schema may not exist yet while the crawl starts
        return 0
    finally:
        engine.dispose()


def _assert_consistent(db_url: str, outlet: str) -> None:
    """Nothing half-written: every article has its first version and its alias; no URL is stored twice."""
    engine = make_engine(db_url)
    with make_session_factory(engine)() as session:
        articles = list(session.scalars(select(Article).where(Article.outlet == outlet)))
        for article in articles:
            versions = session.scalar(select(func.count()).select_from(ArticleVersion).where(ArticleVersion.article_id == article.id))
            aliases = session.scalar(select(func.count()).select_from(UrlAlias).where(UrlAlias.article_id == article.id))
            assert versions >= 1 and aliases >= 1, f"half-written article {article.url}: {versions} versions, {aliases} aliases"
            assert article.text and article.status == "full", article.url
        urls = [article.url for article in articles]
        assert len(urls) == len(set(urls)), "an article was stored twice"
    engine.dispose()


# ---------------------------------------------------------------------------------------------------------
# The database


def test_database_unreachable_at_start_is_one_clear_line_and_touches_nothing(tmp_path: Path, pg_url: str) -> None:
    """In-process (the CLI fails before Scrapy starts): SQLite in a missing directory, a PostgreSQL DB that is not there."""
    from typer.testing import CliRunner

    from crawler.cli.app import app

    with HostileSite() as site:
        table = _publish_slow_outlet(site, "nodb", delay=0)
        missing_dir = tmp_path / "no" / "such" / "dir"
        for db_url in (f"sqlite:///{missing_dir / 'cw.db'}", pg_url.rsplit("/", 1)[0] + "/cw_no_such_database"):
            config = write_config(tmp_path / "coverwatch.toml", db_url, {"nodb": table})
            result = CliRunner().invoke(app, ["crawl", "nodb", "--config", str(config)])
            assert result.exit_code == 2, (result.exit_code, result.output, result.exception)
            assert result.stderr.startswith("storage error") and "unreachable" in result.stderr, result.stderr
            assert result.stderr.count("storage error") == 1 and "Traceback" not in result.stderr  # one message, no traceback
        assert not missing_dir.exists(), "a database file was created somewhere unexpected"
        assert sum(site.hits.values()) == 0, f"the crawl fetched pages without a database: {site.hits}"


def _admin(pg_url: str):  # type: ignore[no-untyped-def]
    return create_engine(pg_url.rsplit("/", 1)[0] + "/test", isolation_level="AUTOCOMMIT")


def test_database_lost_mid_run_then_next_run_completes(tmp_path: Path, pg_url: str) -> None:
    """PostgreSQL refuses connections and kills ours in the middle of a crawl (as a failover or restart does)."""
    database = pg_url.rsplit("/", 1)[1]
    admin = _admin(pg_url)
    with HostileSite() as site:
        config = write_config(tmp_path / "coverwatch.toml", pg_url, {"midrun": _publish_slow_outlet(site, "midrun", delay=1.0)})
        process = _start_crawl(config, "midrun")
        try:
            _wait_for(lambda: _count(pg_url, Article) >= 1, 90, "the first stored article")
            with admin.connect() as connection:
                connection.execute(text(f'ALTER DATABASE "{database}" WITH ALLOW_CONNECTIONS false'))
                connection.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :d"), {"d": database})
            _, stderr = process.communicate(timeout=120)
        finally:
            if process.poll() is None:
                process.kill()
            with admin.connect() as connection:
                connection.execute(text(f'ALTER DATABASE "{database}" WITH ALLOW_CONNECTIONS true'))
        assert process.returncode == 2, (process.returncode, stderr[-3000:])
        assert "storage error" in stderr and "Traceback" not in stderr, stderr[-3000:]
        _assert_consistent(pg_url, "midrun")
        stored_before = _count(pg_url, Article)
        assert 1 <= stored_before < ARTICLES

        rerun = run_crawl_process(config, ["midrun"], timeout=180)
        assert rerun.returncode == 0, rerun.stderr[-3000:]
        assert _count(pg_url, CrawlRun) == 2, rerun.stdout  # not skipped: the dead run's lock did not block it
    admin.dispose()
    _assert_consistent(pg_url, "midrun")
    assert _count(pg_url, Article) == ARTICLES
    engine = make_engine(pg_url)
    with make_session_factory(engine)() as session:
        outcomes = [run.outcome for run in session.scalars(select(CrawlRun).order_by(CrawlRun.id))]
        assert session.scalar(select(func.count()).select_from(SourceLock)) == 0
    engine.dispose()
    assert outcomes[0] == "interrupted" and outcomes[-1] in ("finished", "partial"), outcomes


def test_sigkill_during_crawl_leaves_no_partial_rows_and_rerun_completes(tmp_path: Path) -> None:
    db_url = f"sqlite:///{tmp_path / 'cw.db'}"
    with HostileSite() as site:
        config = write_config(tmp_path / "coverwatch.toml", db_url, {"killed": _publish_slow_outlet(site, "killed", delay=1.0)})
        process = _start_crawl(config, "killed")
        try:
            _wait_for(lambda: _count(db_url, Article) >= 2, 90, "two stored articles")
            process.send_signal(signal.SIGKILL)
            process.communicate(timeout=30)
        finally:
            if process.poll() is None:
                process.kill()
        assert process.returncode == -signal.SIGKILL
        with create_engine(db_url).connect() as connection:
            assert connection.execute(text("PRAGMA integrity_check")).scalar() == "ok"
        _assert_consistent(db_url, "killed")
        stored_before = _count(db_url, Article)
        assert stored_before < ARTICLES, "the kill came too late to prove anything"
        assert _count(db_url, SourceLock) == 1  # the dead process still holds the source's lease...
        stored_paths = set(collect(db_url, "killed", site).articles)
        fetched_before = {path: site.hits[path] for path in stored_paths}

        rerun = run_crawl_process(config, ["killed"], timeout=180)
        assert rerun.returncode == 0, rerun.stderr[-3000:]
        assert _count(db_url, CrawlRun) == 2, rerun.stdout  # ...which the rerun takes over: its holder is dead
        stored = collect(db_url, "killed", site)
    _assert_consistent(db_url, "killed")
    assert _count(db_url, Article) == ARTICLES
    # Articles stored before the kill are known: not downloaded again. The rest (in flight when killed) are.
    assert {path: site.hits[path] for path in stored_paths} == fetched_before
    assert set(stored.articles) > stored_paths
    engine = make_engine(db_url)
    with make_session_factory(engine)() as session:
        outcomes = [run.outcome for run in session.scalars(select(CrawlRun).order_by(CrawlRun.id))]
        assert session.scalar(select(func.count()).select_from(SourceLock)) == 0
    engine.dispose()
    assert outcomes[0] == "interrupted" and outcomes[-1] == "finished", outcomes


# ---------------------------------------------------------------------------------------------------------
# The digest


class TrapSMTP:
    """A minimal SMTP server (EHLO, AUTH PLAIN, MAIL, RCPT, DATA) counting delivered messages.

    `stall_after_data`: after reading a whole message, never answer, as a server that dies mid-transaction.
    """

    def __init__(self, *, stall_after_data: bool) -> None:
        self.stall_after_data = stall_after_data
        self.messages: list[bytes] = []
        self.received = threading.Event()
        self.release = threading.Event()
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.thread = threading.Thread(target=self._serve, daemon=True)

    def _serve(self) -> None:
        while not self.release.is_set():
            try:
                connection, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._session, args=(connection,), daemon=True).start()

    def _session(self, connection: socket.socket) -> None:
        stream = connection.makefile("rwb")

        def say(line: str) -> None:
            stream.write(line.encode() + b"\r\n")
            stream.flush()

        try:
            say("220 trap ESMTP")
            while line := stream.readline():
                verb = line.decode("latin-1").strip().split(" ", 1)[0].upper()
                if verb == "EHLO":
                    say("250-trap")
                    say("250 AUTH PLAIN LOGIN")
                elif verb == "AUTH":
                    say("235 2.7.0 accepted")
                elif verb == "DATA":
                    say("354 go ahead")
                    message = b""
                    while (chunk := stream.readline()) and chunk != b".\r\n":
                        message += chunk
                    self.messages.append(message)
                    self.received.set()
                    if self.stall_after_data:
                        self.release.wait(120)
                        return
                    say("250 2.0.0 queued")
                elif verb == "QUIT":
                    say("221 bye")
                    return
                else:
                    say("250 OK")
        except OSError:
            return
        finally:
            connection.close()

    def __enter__(self) -> Self:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release.set()
        self.sock.close()


DIGEST_ENTRY = (
    "import sys\n"
    "from crawler.cli import app as cli\n"
    "if 'crawler.cli.digest' not in cli.PLUGIN_MODULES:\n"
    "    import crawler.cli.digest as plugin\n"
    "    plugin.register(cli.app)\n"
    "sys.argv[0] = 'coverwatch'\n"
    "cli.app()\n"
)


def _digest_command(config: Path) -> list[str]:
    return [sys.executable, "-c", DIGEST_ENTRY, "digest", "--date", "2025-03-10", "--send", "--config", str(config)]


def test_sigkill_during_digest_never_sends_it_twice(tmp_path: Path) -> None:
    pytest.importorskip("crawler.cli.digest", reason="the digest command does not exist yet")
    db_url = f"sqlite:///{tmp_path / 'cw.db'}"
    smtp_password = "Digest-Smtp-Pw-91"
    with TrapSMTP(stall_after_data=True) as smtp:
        extra = (
            f'[digest]\noutput_dir = "{tmp_path / "digests"}"\n'
            f'[digest.email]\nenabled = true\nhost = "127.0.0.1"\nport = {smtp.port}\nusername = "digest"\n'
            'sender = "coverwatch@example.invalid"\nrecipients = ["analyst@example.invalid"]\n'
        )
        config = write_config(tmp_path / "coverwatch.toml", db_url, {}, extra=extra)
        env = {**os.environ, "COVERWATCH_SMTP_PASSWORD": smtp_password}
        process = subprocess.Popen(_digest_command(config), cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            # Killed while the SMTP server holds the message and has not answered: the worst moment.
            assert smtp.received.wait(120), "the digest never reached the SMTP server"
            process.send_signal(signal.SIGKILL)
            _, first_err = process.communicate(timeout=30)
        finally:
            if process.poll() is None:
                process.kill()
        assert process.returncode == -signal.SIGKILL
        assert len(smtp.messages) == 1
        smtp.stall_after_data = False

        rerun = subprocess.run(_digest_command(config), cwd=REPO, env=env, capture_output=True, text=True, timeout=180, check=False)
        assert rerun.returncode == 0, rerun.stderr[-3000:]
        assert "already sent" in rerun.stderr, rerun.stderr
        assert len(smtp.messages) == 1, "the digest was sent twice"
        assert smtp_password not in rerun.stdout + rerun.stderr + first_err
    written = sorted((tmp_path / "digests").iterdir())
    assert written and not [path for path in written if path.name.startswith(".")], f"temporary digest files left: {written}"
    engine = make_engine(db_url)
    with make_session_factory(engine)() as session:
        digests = list(session.scalars(select(Digest)))
    engine.dispose()
    assert len(digests) == 1 and digests[0].sent_at is not None


# ---------------------------------------------------------------------------------------------------------
# The archive disk


def test_archive_sink_disables_itself_on_enospc(tmp_path: Path) -> None:
    """Unit level: a stream that fails like a full disk turns archiving off with a reason, it never raises."""
    from crawler.fetch.archive import WarcWriterSink

    class FullDisk:
        def write(self, data: bytes) -> int:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

        def flush(self) -> None:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

        def close(self) -> None:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

        def tell(self) -> int:
            return 0

    sink = WarcWriterSink(tmp_path)
    sink._stream.close()
    sink._stream = sink._writer.out = FullDisk()  # type: ignore[assignment]
    assert sink.write("http://example.org/a", "GET", 200, "OK", [("Content-Type", "text/html")], b"<html>a</html>") is False
    assert sink.disabled_reason and "No space left" in sink.disabled_reason
    assert sink.write("http://example.org/b", "GET", 200, "OK", [], b"b") is False  # stays off, still no exception
    sink.close()


@pytest.fixture
def tiny_disk(tmp_path: Path):  # type: ignore[no-untyped-def]
    """A 256 KiB tmpfs (root only); skips where mounting is not permitted."""
    with mounted_tmpfs(tmp_path / "tiny", "256k", when_refused="; the unit test covers ENOSPC") as mount_point:
        yield mount_point


def test_disk_full_while_archiving_crawl_continues_and_reports_it(tmp_path: Path, tiny_disk: Path) -> None:
    db_url = f"sqlite:///{tmp_path / 'cw.db'}"
    with HostileSite() as site:
        table = _publish_slow_outlet(site, "fulldisk", delay=0)
        # Each page is ~100 KB: the 256 KiB disk is full after two responses.
        for number in range(ARTICLES):
            site.routes[f"/fulldisk/a{number}"].body += b"<!--" + os.urandom(50_000).hex().encode() + b"-->"
        config = write_config(tmp_path / "coverwatch.toml", db_url, {"fulldisk": table})
        command = [sys.executable, "-m", "crawler.cli", "crawl", "fulldisk", "--config", str(config), "--archive", str(tiny_disk)]
        result = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=180, check=False)
        stored = collect(db_url, "fulldisk", site)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Traceback" not in result.stderr
    assert len(stored.articles) == ARTICLES, "the crawl stopped storing when the archive disk filled"
    disabled = [f for f in stored.failures if f["reason"] == "archive_disabled"]
    assert len(disabled) == 1 and "No space left" in disabled[0]["detail"], stored.failures
    assert stored.run["stats"].get("archive/disabled") and stored.run["stats"].get("archive/written", 0) >= 1
    assert stored.run["outcome"] == "partial"  # reported, not hidden behind "finished"


# ---------------------------------------------------------------------------------------------------------
# Hostile outlets


def test_rate_limit_hang_and_reset_are_retried_then_counted(tmp_path: Path) -> None:
    from crawler.config import HealthSettings
    from storage import health_repo

    db_url = f"sqlite:///{tmp_path / 'cw.db'}"
    with HostileSite() as site:
        name = "flaky"
        site.add(f"/{name}/good", good_article(name))
        site.add(f"/{name}/slowdown", good_article(f"{name}_slowdown"), statuses=[429], headers={"Retry-After": "1"})
        site.add(f"/{name}/always429", "Too many requests", status=429, headers={"Retry-After": "1"})
        site.add(f"/{name}/hang", action="hang")
        site.add(f"/{name}/reset", action="reset")
        links = ["good", "slowdown", "always429", "hang", "reset"]
        site.add(f"/{name}/feed.xml", rss([(f"Story {link}", site.url(f"/{name}/{link}"), FEED_DATE) for link in links]),
                 content_type="application/rss+xml")
        # Two outlets that fail as a whole: one rate-limits its feed, one resets every connection.
        site.add("/walled/feed.xml", "Too many requests", status=429, headers={"Retry-After": "1"})
        site.add("/dead/feed.xml", action="reset")
        crawl = "[crawl]\ndownload_delay = 0\nautothrottle_start_delay = 0\nretry_times = 1\ndownload_timeout = 2\n"
        outlets = {outlet: {"sources": [{"kind": "rss", "url": site.url(f"/{outlet}/feed.xml")}]} for outlet in (name, "walled", "dead")}
        config = write_config(tmp_path / "coverwatch.toml", db_url, outlets, crawl=crawl)
        result = run_crawl_process(config, list(outlets), timeout=180)
        stored = collect(db_url, name, site)
        walled, dead = collect(db_url, "walled", site), collect(db_url, "dead", site)
        hits = dict(site.hits)
        slowdown_times = list(site.hit_times[f"/{name}/slowdown"])
    assert result.returncode == 1, result.stderr[-3000:]  # some sources failed: "walled" and "dead", below
    # 429 with Retry-After: retried after the wait it asked for, then stored.
    assert hits[f"/{name}/slowdown"] == 2 and stored.article(f"/{name}/slowdown")["status"] == "full"
    assert stored.run["stats"].get("retry/backoff_seconds", 0) >= 2  # 1 s for each of the two 429 retries
    assert slowdown_times[1] - slowdown_times[0] >= 0.9  # the Retry-After was honoured (a lower bound, not a speed)
    # Every fault retried once (retry_times = 1), then a counted failure with its own reason; the feed's lead kept.
    # (Twisted itself retries a request once when a reused keep-alive connection turns out dead: a reset may
    # therefore be seen up to twice per Scrapy attempt.)
    assert hits[f"/{name}/always429"] == 2 and hits[f"/{name}/hang"] == 2 and 2 <= hits[f"/{name}/reset"] <= 4, hits
    for link in ("always429", "hang", "reset"):
        assert stored.article(f"/{name}/{link}")["status"] == "lead_only", link
    by_reason = stored.run["failures_by_reason"]
    assert by_reason.get("rate_limited") == 1 and by_reason.get("timeout") == 1 and by_reason.get("connection_reset") == 1, by_reason
    assert stored.run["outcome"] == "partial"
    assert stored.article(f"/{name}/good")["status"] == "full"
    assert walled.run["outcome"] == "blocked" and walled.run["failures_by_reason"] == {"rate_limited": 1}, walled.run
    assert dead.run["outcome"] == "failed" and dead.run["failures_by_reason"] == {"connection_reset": 1}, dead.run
    # The sources' health says so (crawler.health.rating rates from the recorded runs and failures).
    engine = make_engine(db_url)
    with make_session_factory(engine).begin() as session:
        ratings = {outlet: health_repo.rate_source(session, outlet, HealthSettings()) for outlet in (name, "walled", "dead")}
    engine.dispose()
    assert ratings[name].details["failure_share"] > 0, ratings[name]  # partial faults: counted, under the threshold
    assert ratings["walled"].state == "blocked", ratings["walled"]
    assert ratings["dead"].state == "failing" and "connection_reset" in ratings["dead"].reason, ratings["dead"]
