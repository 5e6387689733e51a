"""The scheduler daemon: planning, subprocess supervision, store maintenance, and a real daemon run with a
compressed schedule (seconds, not minutes) against the local HTTP site: jobs fire, overlapping runs are skipped,
a SIGKILLed crawl is recovered by the next run without duplicates, and SIGTERM stops everything cleanly."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from crawler.schedule import daemon as daemon_module
from crawler.schedule import housekeeping
from crawler.schedule import main as scheduler_main
from crawler.config import ConfigError, Settings
from crawler.schedule.dispatch import make_dispatcher
from crawler.schedule.local import LocalSubprocessDispatcher, ProcessSupervisor
from crawler.schedule.plans import CrawlPlan, OutletSchedule, crontab_weekdays, first_run_time, plan_crawls
from storage import maintenance
from storage.db import make_engine, make_session_factory
from storage.models import Article, Base, CrawlRun, Failure, Source, SourceLock

REPO = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 3, 1, 12, 0, tzinfo=timezone.utc)


def _sessions(url: str):  # type: ignore[no-untyped-def]
    engine = make_engine(url)
    Base.metadata.create_all(engine)
    return make_session_factory(engine)


def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def _wait_for(condition: Callable[[], Any], timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


# --- planning ----------------------------------------------------------------------------------------------


def test_plans_come_from_config_interval_cron_or_default() -> None:
    settings = Settings.model_validate({"schedule": {"default_interval_minutes": 45, "jitter_seconds": 120}})
    outlets = [
        OutletSchedule("ynet", True, 20, None),
        OutletSchedule("tass_ru", True, None, "*/30 6-22 * * 1-5"),
        OutletSchedule("reuters", True, None, None),
        OutletSchedule("blocked", False, 5, None),
    ]
    plans = {plan.source: plan for plan in plan_crawls(settings, outlets)}
    assert set(plans) == {"ynet", "tass_ru", "reuters"}  # a disabled outlet is never scheduled
    assert plans["ynet"] == CrawlPlan("ynet", 20 * 60, None, 120)
    assert plans["tass_ru"].cron == "*/30 6-22 * * 1-5" and plans["tass_ru"].interval_s is None
    assert plans["reuters"].interval_s == 45 * 60
    compressed = {plan.source: plan for plan in plan_crawls(settings, outlets, minute_seconds=1)}
    assert compressed["ynet"].interval_s == 20 and compressed["ynet"].jitter_s == 2


def test_a_bad_cron_expression_is_a_config_error_naming_the_outlet() -> None:
    with pytest.raises(ConfigError, match=r"outlets\.ynet\.cron: .*5 fields"):
        plan_crawls(Settings(), [OutletSchedule("ynet", True, None, "*/30 * *")])
    with pytest.raises(ConfigError, match=r"outlets\.ynet\.cron"):
        plan_crawls(Settings(), [OutletSchedule("ynet", True, None, "99 * * * *")])


def test_crontab_weekdays_mean_what_cron_means() -> None:
    # APScheduler 3 counts 0 as Monday; crontab counts 0 (and 7) as Sunday.
    assert crontab_weekdays("0 6 * * 1-5") == "0 6 * * mon-fri"
    assert crontab_weekdays("0 0 * * 0,6") == "0 0 * * sun,sat"
    assert crontab_weekdays("*/15 * * * *") == "*/15 * * * *"
    assert crontab_weekdays("0 9 * * 1-5/2") == "0 9 * * mon-fri/2"
    from apscheduler.triggers.cron import CronTrigger

    trigger = CronTrigger.from_crontab(crontab_weekdays("0 6 * * 1"), timezone=timezone.utc)
    assert trigger.get_next_fire_time(None, NOW).strftime("%A") == "Monday"  # NOW is a Sunday


def test_first_run_after_a_restart_continues_the_rhythm() -> None:
    plan = CrawlPlan("ynet", 3600, None, 0)
    assert first_run_time(plan, None, NOW, 2, 5) == NOW + timedelta(seconds=10)  # never crawled: soon, staggered
    assert first_run_time(plan, NOW - timedelta(minutes=20), NOW, 0, 5) == NOW + timedelta(minutes=40)  # not again now
    assert first_run_time(plan, NOW - timedelta(days=2), NOW, 1, 5) == NOW + timedelta(seconds=5)  # overdue: soon


def test_local_dispatch_runs_the_crawl_cli_with_the_daemons_config() -> None:
    supervisor = ProcessSupervisor(grace_s=1)
    settings = Settings.model_validate({"config_path": "/etc/coverwatch/coverwatch.toml"})
    local = make_dispatcher(settings, supervisor, 60, log_dir=None, archive_dir=Path("/tmp/a"))
    assert isinstance(local, LocalSubprocessDispatcher)
    assert local.command == [sys.executable, "-m", "crawler.cli"]
    assert local.extra_args == ["--config", "/etc/coverwatch/coverwatch.toml", "--archive", "/tmp/a"]


# --- subprocess supervision --------------------------------------------------------------------------------

STUBBORN = "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); print('up', flush=True); time.sleep(60)"
POLITE = (
    "import signal, sys, time; signal.signal(signal.SIGTERM, lambda *a: sys.exit(0)); print('up', flush=True); time.sleep(60)"
)


def test_hard_timeout_is_sigterm_then_sigkill() -> None:
    supervisor = ProcessSupervisor(grace_s=0.5)
    polite = supervisor.run("polite", [sys.executable, "-c", POLITE], timeout_s=1.0)
    assert polite.status == "timeout" and not polite.forced and polite.returncode == 0  # SIGTERM was enough
    stubborn = supervisor.run("stubborn", [sys.executable, "-c", STUBBORN], timeout_s=1.0)
    assert stubborn.status == "timeout" and stubborn.forced and stubborn.returncode == -signal.SIGKILL
    assert supervisor.running() == {}


def test_exit_codes_become_statuses() -> None:
    supervisor = ProcessSupervisor(grace_s=0.5)
    assert supervisor.run("ok", [sys.executable, "-c", "pass"], 10).status == "ok"
    assert supervisor.run("failed", [sys.executable, "-c", "raise SystemExit(1)"], 10).status == "failed"
    assert supervisor.run("error", [sys.executable, "-c", "raise SystemExit(2)"], 10).status == "error"
    assert supervisor.run("missing", ["/nonexistent/coverwatch"], 10).status == "error"
    killer = "import os, signal; os.kill(os.getpid(), signal.SIGKILL)"  # the OOM killer, say
    assert supervisor.run("killed", [sys.executable, "-c", killer], 10).status == "killed"


def test_terminate_all_stops_running_children_as_interrupted(tmp_path: Path) -> None:
    import threading

    supervisor = ProcessSupervisor(grace_s=0.5)
    results = {}
    log = (tmp_path / "out.log").open("wb")
    workers = [
        threading.Thread(target=lambda n=n, c=c: results.__setitem__(n, supervisor.run(n, [sys.executable, "-c", c], 60, log)))
        for n, c in (("polite", POLITE), ("stubborn", STUBBORN))
    ]
    for worker in workers:
        worker.start()
    _wait_for(lambda: len(supervisor.running()) == 2 and (tmp_path / "out.log").read_bytes().count(b"up") == 2, 20, "children")
    killed = supervisor.terminate_all()
    for worker in workers:
        worker.join(10)
    assert killed == ["stubborn"]
    assert results["polite"].status == results["stubborn"].status == "interrupted"
    assert supervisor.run("late", [sys.executable, "-c", "pass"], 10).status == "interrupted"  # nothing new starts


# --- store maintenance -------------------------------------------------------------------------------------


def test_a_dead_local_holders_lease_is_freed_at_once(sqlite_url: str) -> None:
    sessions = _sessions(sqlite_url)
    host = socket.gethostname()
    far = datetime.now(timezone.utc) + timedelta(hours=1)
    with sessions.begin() as session:
        for source, holder in (("dead", f"{host}:{_dead_pid()}"), ("alive", f"{host}:{os.getpid()}"), ("remote", "other-host:1")):
            session.add(SourceLock(source=source, holder=holder, acquired_at=NOW, expires_at=far))
    with sessions.begin() as session:
        assert maintenance.release_dead_local_lock(session, "dead")
        assert not maintenance.release_dead_local_lock(session, "alive")
        assert not maintenance.release_dead_local_lock(session, "remote")  # another host's pid means nothing here
        assert not maintenance.release_dead_local_lock(session, "none")
    with sessions() as session:
        assert sorted(session.scalars(select(SourceLock.source))) == ["alive", "remote"]
    # The lease really is free: acquire_lock takes it without waiting for the TTL.
    from storage import repo

    with sessions.begin() as session:
        session.add(SourceLock(source="dead", holder=f"{host}:{_dead_pid()}", acquired_at=NOW, expires_at=far))
    with sessions.begin() as session:
        assert not repo.acquire_lock(session, "dead", "me:1", timedelta(minutes=5))
        maintenance.release_dead_local_lock(session, "dead")
        assert repo.acquire_lock(session, "dead", "me:1", timedelta(minutes=5))


def test_runs_of_a_dead_child_and_stale_runs_become_interrupted(sqlite_url: str) -> None:
    from storage import repo

    sessions = _sessions(sqlite_url)
    host = socket.gethostname()
    dead = _dead_pid()
    now = datetime.now(timezone.utc)
    with sessions.begin() as session:
        killed = repo.start_run(session, "alpha", pid=dead, node=host)
        session.add(SourceLock(source="alpha", holder=f"{host}:{dead}", acquired_at=now, expires_at=now + timedelta(hours=1)))
        live = repo.start_run(session, "beta", pid=os.getpid(), node=host)
        old_remote = repo.start_run(session, "gamma", pid=1, node="other-host")
        session.get(CrawlRun, old_remote).started_at = now - timedelta(hours=3)
        old_leased = repo.start_run(session, "delta", pid=1, node="other-host")
        session.get(CrawlRun, old_leased).started_at = now - timedelta(hours=3)
        session.add(SourceLock(source="delta", holder="other-host:1", acquired_at=now, expires_at=now + timedelta(minutes=10)))
    with sessions.begin() as session:
        assert maintenance.clean_up_after_child(session, dead, now) == [killed]
    with sessions.begin() as session:
        reaped = maintenance.reap_stale_runs(session, timedelta(minutes=30))
    assert reaped == [old_remote]  # the live local run and the one whose lease is still held stay 'running'
    with sessions() as session:
        outcomes = {run.id: run.outcome for run in session.scalars(select(CrawlRun))}
        assert outcomes == {killed: "interrupted", live: "running", old_remote: "interrupted", old_leased: "running"}
        assert session.get(SourceLock, "alpha") is None


def test_archive_pruning_keeps_recent_files(tmp_path: Path) -> None:
    old = tmp_path / "2026" / "coverwatch-old.warc.gz"
    old.parent.mkdir()
    old.write_bytes(b"x")
    recent = tmp_path / "coverwatch-new.warc.gz"
    recent.write_bytes(b"x")
    other = tmp_path / "notes.txt"
    other.write_bytes(b"x")
    month_ago = time.time() - 31 * 86400
    os.utime(old, (month_ago, month_ago))
    os.utime(other, (month_ago, month_ago))
    assert housekeeping.prune_archive(tmp_path, keep_days=30) == [old]
    assert recent.exists() and other.exists()


def test_vacuum_runs_on_sqlite(sqlite_url: str) -> None:
    engine = make_engine(sqlite_url)
    Base.metadata.create_all(engine)
    assert housekeeping.vacuum(engine).startswith("sqlite: VACUUM")


def test_vacuum_runs_on_postgresql(pg_url: str) -> None:
    engine = make_engine(pg_url)
    Base.metadata.create_all(engine)
    assert housekeeping.vacuum(engine) == "postgresql: VACUUM ANALYZE"
    engine.dispose()


# --- daemon jobs in-process --------------------------------------------------------------------------------


def _daemon(tmp_path: Path, **options: Any) -> daemon_module.Daemon:
    settings = Settings.model_validate({"storage": {"url": f"sqlite:///{tmp_path / 'cw.db'}"}})
    return daemon_module.Daemon(settings, daemon_module.DaemonOptions(heartbeat_path=None, **options), outlets=[])


def test_the_built_schedule(tmp_path: Path) -> None:
    from zoneinfo import ZoneInfo

    settings = Settings.model_validate(
        {
            "storage": {"url": f"sqlite:///{tmp_path / 'cw.db'}"},
            "schedule": {"jitter_seconds": 60, "default_interval_minutes": 30},
            "digest": {"time": "07:00", "timezone": "Asia/Jerusalem"},
        }
    )
    outlets = [
        OutletSchedule("ynet", True, 15, None),
        OutletSchedule("tass_ru", True, None, "0 6 * * 1-5"),
        OutletSchedule("off", False, None, None),
    ]
    daemon = daemon_module.Daemon(settings, daemon_module.DaemonOptions(heartbeat_path=None), outlets=outlets)
    # 08:00 in Jerusalem: today's 07:00 digest was due an hour ago and none was written, so it is caught up.
    now = datetime(2026, 3, 2, 6, 0, tzinfo=timezone.utc)
    built = daemon.build(now=now)
    built.start(paused=True)  # job defaults are applied when the jobs reach the store
    jobs = {job.id: job for job in built.get_jobs()}
    built.shutdown(wait=False)
    assert set(jobs) == {"crawl:ynet", "crawl:tass_ru", "digest", "digest:catchup", "housekeeping", "vacuum", "reap", "health"}
    ynet = jobs["crawl:ynet"]
    assert (ynet.max_instances, ynet.coalesce, ynet.misfire_grace_time) == (1, True, 15 * 60)
    assert ynet.trigger.interval == timedelta(minutes=15) and ynet.trigger.jitter == 60 and ynet.executor == "crawls"
    tass = jobs["crawl:tass_ru"]
    fire = tass.trigger.get_next_fire_time(None, now)
    assert fire.tzinfo is not None and fire.astimezone(ZoneInfo("Asia/Jerusalem")).strftime("%a %H:%M") == "Tue 06:00"
    digest = jobs["digest"].trigger.get_next_fire_time(None, now).astimezone(ZoneInfo("Asia/Jerusalem"))
    assert (digest.hour, digest.minute, digest.day) == (7, 0, 3)
    assert jobs["digest"].executor == "default"
    # With a digest written after 07:00 today there is nothing to catch up.
    from storage.models import Digest

    with daemon.sessions.begin() as session:
        session.add(Digest(day="2026-03-02", window="", created_at=now - timedelta(minutes=30)))
    second = daemon_module.Daemon(settings, daemon_module.DaemonOptions(heartbeat_path=None), outlets=outlets)
    assert "digest:catchup" not in {job.id for job in second.build(now=now).get_jobs()}
    second.engine.dispose()
    daemon.engine.dispose()


class FakeDispatcher:
    """Stands in for the local dispatcher: every 'crawl' ends as scripted, with a (dead) pid."""

    def __init__(self, status: str, returncode: int) -> None:
        self.status, self.returncode = status, returncode

    def crawl(self, source: str) -> daemon_module.DispatchResult:
        now = datetime.now(timezone.utc)
        return daemon_module.DispatchResult(f"crawl:{source}", self.status, self.returncode, _dead_pid(), now, now)

    def running(self) -> dict[str, int]:
        return {}

    def terminate_all(self) -> list[str]:
        return []

    def kill_all(self) -> None:
        pass


@pytest.mark.parametrize(
    ("status", "code", "reason"),
    [("ok", 0, "crawl_no_run"), ("error", 2, "crawl_no_run"), ("killed", -9, "crawl_killed"), ("timeout", -9, "crawl_timeout")],
)
def test_a_crawl_that_left_no_run_still_leaves_a_failed_run(tmp_path: Path, status: str, code: int, reason: str) -> None:
    settings = Settings.model_validate({"storage": {"url": f"sqlite:///{tmp_path / 'cw.db'}"}})
    daemon = daemon_module.Daemon(
        settings, daemon_module.DaemonOptions(heartbeat_path=None), outlets=[], dispatcher=FakeDispatcher(status, code)
    )
    daemon.crawl_job("alpha")
    with daemon.sessions() as session:
        (run,) = session.scalars(select(CrawlRun)).all()
        failure = session.scalars(select(Failure)).one()
    assert run.source == "alpha" and run.outcome == "failed" and run.failures_by_reason == {reason: 1}
    assert failure.run_id == run.id and failure.reason == reason
    daemon.engine.dispose()


def test_skipped_because_another_process_holds_the_source_is_not_a_failure(tmp_path: Path) -> None:
    settings = Settings.model_validate({"storage": {"url": f"sqlite:///{tmp_path / 'cw.db'}"}})
    daemon = daemon_module.Daemon(
        settings, daemon_module.DaemonOptions(heartbeat_path=None), outlets=[], dispatcher=FakeDispatcher("ok", 0)
    )
    now = datetime.now(timezone.utc)
    with daemon.sessions.begin() as session:
        session.add(
            SourceLock(source="alpha", holder=f"cron-host:{os.getpid()}", acquired_at=now, expires_at=now + timedelta(hours=1))
        )
    daemon.crawl_job("alpha")
    with daemon.sessions() as session:
        assert session.scalars(select(CrawlRun)).all() == [] and session.scalars(select(Failure)).all() == []
    daemon.engine.dispose()


def test_a_missing_or_failing_digest_is_a_recorded_failure(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    daemon = _daemon(tmp_path)
    missing = "import sys; print(\"Usage: coverwatch\\nError: No such command 'digest'.\", file=sys.stderr); sys.exit(2)"
    monkeypatch.setattr(daemon_module, "coverwatch_command", lambda settings: ([sys.executable, "-c", missing], []))
    result = daemon.run_digest()
    assert result.status == "error" and "No such command" in result.output_tail
    crash = "raise SystemExit(1)"
    monkeypatch.setattr(daemon_module, "coverwatch_command", lambda settings: ([sys.executable, "-c", crash], []))
    daemon.run_digest()
    with daemon.sessions() as session:
        reasons = list(session.scalars(select(Failure.reason).where(Failure.source == daemon_module.DIGEST_SOURCE)))
    assert reasons == ["digest_unavailable", "digest_failed"]
    daemon.engine.dispose()


def test_housekeeping_prunes_and_reaps(tmp_path: Path) -> None:
    from storage import repo

    archive = tmp_path / "archive"
    archive.mkdir()
    stale = archive / "coverwatch-1.warc.gz"
    stale.write_bytes(b"x")
    os.utime(stale, (0, 0))
    daemon = _daemon(tmp_path, archive_dir=archive)
    with daemon.sessions.begin() as session:
        run_id = repo.start_run(session, "alpha", pid=_dead_pid(), node=socket.gethostname())
    done = daemon.run_housekeeping()
    assert done == {"reaped_runs": [run_id], "pruned_archive_files": 1}
    daemon.engine.dispose()


def test_an_unreachable_database_is_waited_for_then_exit_code_3() -> None:
    settings = Settings.model_validate({"storage": {"url": "postgresql://coverwatch@127.0.0.1:1/coverwatch"}})
    started = time.monotonic()
    options = daemon_module.DaemonOptions(heartbeat_path=None, db_wait_s=0.2)
    assert scheduler_main.run_daemon(settings, options) == daemon_module.EXIT_STORAGE_UNAVAILABLE  # restartable, unlike 2
    assert time.monotonic() - started < 30


def test_heartbeat_file_and_healthcheck(tmp_path: Path) -> None:
    beat = tmp_path / "beat"
    daemon = _daemon(tmp_path)
    daemon.options.heartbeat_path = beat
    daemon.heartbeat_job()
    assert json.loads(beat.read_text())["pid"] == os.getpid()
    assert scheduler_main.heartbeat_ok(beat)
    assert not scheduler_main.heartbeat_ok(beat, now=time.time() + daemon_module.HEARTBEAT_STALE_S + 1)
    assert scheduler_main.main(["--healthcheck", "--heartbeat", str(beat)]) == 0
    assert scheduler_main.main(["--healthcheck", "--heartbeat", str(tmp_path / "none")]) == 1
    daemon.engine.dispose()


def test_cli_schedule_and_health_commands(tmp_path: Path, local_site) -> None:  # type: ignore[no-untyped-def]
    import typer
    from typer.testing import CliRunner

    from crawler.cli.schedule import register
    from storage import repo
    from tests.scheduler_site import write_config

    config = write_config(tmp_path / "coverwatch.toml", f"sqlite:///{tmp_path / 'cw.db'}", local_site, {"alpha": 5})
    app = typer.Typer()
    app.command("noop")(lambda: None)
    register(app)
    runner = CliRunner()
    beat = tmp_path / "beat"
    beat.write_text("{}")
    assert runner.invoke(app, ["schedule", "--healthcheck", "--heartbeat", str(beat)]).exit_code == 0
    assert runner.invoke(app, ["schedule", "--run-job", "nonsense", "--config", str(config)]).exit_code == 2

    sessions = housekeeping.open_database(Settings.model_validate({"storage": {"url": f"sqlite:///{tmp_path / 'cw.db'}"}}))[1]
    with sessions.begin() as session:
        repo.sync_source(session, "alpha", title="Alpha", language=None, routes=["rss"], enabled=True)
        for _ in range(3):
            run_id = repo.start_run(session, "alpha")
            repo.finish_run(
                session,
                run_id,
                outcome="failed",
                finish_reason="finished",
                counts={"requests": 2, "failures": 2, "failures_by_reason": {"connection_refused": 2}},
            )
    result = runner.invoke(app, ["health", "--json", "--config", str(config)])
    assert result.exit_code == 0, result.output
    (row,) = json.loads(result.output)
    assert row["source"] == "alpha" and row["state"] == "failing" and row["changed"]
    assert "connection_refused×6" in row["reason"]
    with sessions() as session:
        assert session.scalars(select(Source.health).where(Source.name == "alpha")).one() == "failing"


# --- the real daemon ---------------------------------------------------------------------------------------


def _events(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.mark.slow
def test_daemon_fires_skips_overlaps_recovers_a_killed_crawl_and_stops_on_sigterm(tmp_path: Path, local_site) -> None:  # type: ignore[no-untyped-def]
    from tests.scheduler_site import publish_outlet, write_config

    site = local_site
    alpha_paths = publish_outlet(site, "alpha", count=4, article_delays={1: 15.0})  # one slow page: killed mid-run
    publish_outlet(site, "slow", count=2, feed_delay=4.0)  # each run outlasts several 1-second intervals
    db_url = f"sqlite:///{tmp_path / 'cw.db'}"
    config = write_config(tmp_path / "coverwatch.toml", db_url, site, {"alpha": 1, "slow": 1})
    events = tmp_path / "events.jsonl"
    daemon = subprocess.Popen(
        [
            sys.executable,
            "scheduler.py",
            "--config",
            str(config),
            "--minute-seconds",
            "1",
            "--events",
            str(events),
            "--heartbeat",
            str(tmp_path / "beat"),
            "--log-dir",
            str(tmp_path / "logs"),
        ],
        cwd=REPO,
        stderr=(tmp_path / "daemon.log").open("wb"),
    )
    sessions = make_session_factory(make_engine(db_url))
    try:
        # 1. alpha's first crawl is mid-run (some articles stored, the slow page in flight): SIGKILL it.
        def alpha_mid_run() -> int | None:
            if not site.hits["/alpha/articles/1"]:
                return None
            with sessions() as session:
                stored = session.scalar(select(func.count()).select_from(Article).where(Article.outlet == "alpha"))
                run = session.scalars(select(CrawlRun).where(CrawlRun.source == "alpha", CrawlRun.outcome == "running")).first()
            return run.pid if run is not None and stored else None

        pid = _wait_for(alpha_mid_run, 60, "alpha's first crawl to be mid-run")
        os.kill(pid, signal.SIGKILL)
        with sessions() as session:
            stored_before_kill = [
                a.url.split(site.base)[1] for a in session.scalars(select(Article).where(Article.outlet == "alpha"))
            ]
        site.routes["/alpha/articles/1"].delay = 0

        # 2. The daemon notices, frees the lease, closes the run; the next run finishes the work.
        def alpha_recovered() -> bool:
            finished = [e for e in _events(events) if e["event"] == "finished" and e["source"] == "alpha"]
            return bool(finished) and finished[0]["status"] == "killed" and any(e["status"] == "ok" for e in finished[1:])

        _wait_for(alpha_recovered, 60, "a completed alpha run after the SIGKILL")

        # 3. Stop while crawls are running.
        def slow_in_flight() -> bool:
            with sessions() as session:
                return (
                    session.scalars(select(CrawlRun).where(CrawlRun.source == "slow", CrawlRun.outcome == "running")).first()
                    is not None
                )

        _wait_for(slow_in_flight, 30, "a slow crawl in flight")
        daemon.send_signal(signal.SIGTERM)
        assert daemon.wait(timeout=60) == 0
    finally:
        if daemon.poll() is None:
            daemon.kill()
            daemon.wait()
    log = (tmp_path / "daemon.log").read_text(errors="replace")
    seen = _events(events)
    kinds = [event["event"] for event in seen]
    assert kinds[0] == "started" and kinds[-1] == "stopped" and "stopping" in kinds, log[-3000:]
    after_stop = seen[kinds.index("stopping") + 1 : -1]
    # Whatever was in flight at SIGTERM ends interrupted: the slow crawl always, and on a loaded machine also the
    # digest catch-up, which fires 30 s after start.
    assert any(e["event"] == "finished" for e in after_stop)
    assert all(e["event"] in {"finished", "digest"} and e["status"] == "interrupted" for e in after_stop), after_stop
    dispatched = {event["source"] for event in seen if event["event"] == "dispatch"}
    assert dispatched == {"alpha", "slow"}
    assert any(e["event"] == "skipped_overlap" and e["job"] == "crawl:slow" for e in seen)  # max_instances=1
    assert "maximum number of running instances reached" in log
    killed = next(e for e in seen if e["event"] == "finished" and e["status"] == "killed")
    assert killed["source"] == "alpha" and killed["interrupted_runs"]  # the daemon closed the dead child's run

    with sessions() as session:
        articles = list(session.scalars(select(Article).where(Article.outlet == "alpha")))
        runs = list(session.scalars(select(CrawlRun).order_by(CrawlRun.id)))
        locks = list(session.scalars(select(SourceLock)))
        alpha = session.scalars(select(Source).where(Source.name == "alpha")).one()
    # Every article exactly once, each with a single version: the recovery run completed, and duplicated nothing.
    assert sorted(a.url.split(site.base)[1] for a in articles) == sorted(alpha_paths)
    assert all(a.version_count == 1 and a.status == "full" for a in articles)
    assert stored_before_kill and all(site.hits[path] == 1 for path in stored_before_kill)  # not fetched again
    assert not [run for run in runs if run.outcome == "running"]  # nothing left pretending to run
    alpha_runs = [run for run in runs if run.source == "alpha"]  # "slow" may start first: only alpha's order matters
    assert alpha_runs[0].outcome == "interrupted"  # the SIGKILLed crawl, closed by the daemon
    assert any(run.outcome == "finished" for run in alpha_runs[1:])
    assert [run.outcome for run in runs if run.source == "slow"][-1] == "interrupted"  # SIGTERM forwarded, recorded
    assert locks == []
    assert alpha.health == "healthy"  # rated after its runs
