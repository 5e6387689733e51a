"""The APScheduler 3 daemon: one job per enabled outlet, the daily digest, housekeeping, the health sweep and a
heartbeat. It schedules, it does not crawl: each crawl is a process started through `crawler.schedule.dispatch`.

`max_instances=1, coalesce=True` and a misfire grace keep one process from double-running a source; the
per-source lease in the database (taken by run_crawl) keeps cron, other daemons and other nodes out too.
SIGTERM: stop scheduling, forward SIGTERM to running crawls, wait, SIGKILL what is left, record what was
killed as interrupted, exit 0.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_MAX_INSTANCES, EVENT_JOB_MISSED, JobEvent
from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy.exc import SQLAlchemyError

from crawler import exit_codes
from crawler.config import Settings
from crawler.schedule.dispatch import make_dispatcher
from crawler.schedule.local import ProcessSupervisor, coverwatch_command
from crawler.schedule.protocol import Dispatcher, DispatchResult, grace_seconds
from crawler.schedule.housekeeping import open_database, prune_archive, record_job_failure, vacuum
from crawler.schedule.plans import (
    CrawlPlan,
    OutletSchedule,
    load_outlet_schedules,
    plan_crawls,
    utcnow,
)
from crawler.schedule.replay import log_plan, replay_dispatcher
from crawler.schedule.timetable import HEARTBEAT_EVERY_S, PlannedTimes, build_scheduler
from storage import maintenance

log = logging.getLogger("coverwatch.scheduler")

# First runs after a start are spread out, so a restart does not open every outlet in the same second.
START_STAGGER_S = 5
# The digest renders from the database; if it takes longer than this something is stuck.
DIGEST_TIMEOUT_S = 30 * 60
HEARTBEAT_STALE_S = 4 * HEARTBEAT_EVERY_S
DEFAULT_HEARTBEAT = Path(tempfile.gettempdir()) / "coverwatch-scheduler.heartbeat"
# Failures of the daemon's own jobs are recorded under these pseudo-sources (no outlet starts with "_").
DIGEST_SOURCE = "_digest"
HOUSEKEEPING_SOURCE = "_housekeeping"
EXIT_STORAGE_UNAVAILABLE = exit_codes.STORAGE_UNAVAILABLE


def rss_bytes(pid: int | None = None) -> int:
    """Resident set size from /proc (Linux), in bytes; 0 where unavailable."""
    try:
        for line in Path(f"/proc/{pid or os.getpid()}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0



@dataclass
class DaemonOptions:
    minute_seconds: float = 60.0  # compress interval schedules: 1.0 makes "every 5 minutes" every 5 seconds
    events_path: Path | None = None  # JSON lines: dispatch / finished / skipped_overlap / stopping / stopped
    heartbeat_path: Path | None = DEFAULT_HEARTBEAT
    archive_dir: Path | None = None  # crawls write WARCs here; housekeeping prunes it
    log_dir: Path | None = None  # child output per source; None = inherit the daemon's stdout/stderr
    stagger_s: float = START_STAGGER_S
    replay: tuple[Path, ...] = ()  # answer every crawl from these WARC files/dirs (crawler/schedule/replay.py)
    once: bool = False  # run each crawl and the digest once, then exit
    db_wait_s: float = 0.0  # the daemon waits DB_WAIT_S for the database at start; one-off jobs do not


@dataclass
class _Counters:
    dispatched: int = 0
    finished: dict[str, int] = field(default_factory=dict)
    skipped_overlap: int = 0
    missed: int = 0


class Daemon:
    def __init__(
        self,
        settings: Settings,
        options: DaemonOptions | None = None,
        *,
        dispatcher: Dispatcher | None = None,
        outlets: Sequence[OutletSchedule] | None = None,
    ) -> None:
        self.settings = settings
        self.outlets = outlets
        self.options = options or DaemonOptions()
        scale = self.options.minute_seconds / 60.0
        self.crawl_timeout_s = settings.schedule.crawl_timeout_minutes * 60 * scale
        self.supervisor = ProcessSupervisor(grace_s=grace_seconds(settings))
        if dispatcher is None and self.options.replay:
            dispatcher = replay_dispatcher(
                settings, self.supervisor, self.crawl_timeout_s, self.options.replay, log_dir=self.options.log_dir
            )
        self.dispatcher = dispatcher or make_dispatcher(
            settings, self.supervisor, self.crawl_timeout_s, log_dir=self.options.log_dir, archive_dir=self.options.archive_dir
        )
        self.engine, self.sessions = open_database(settings, self.options.db_wait_s)
        self.zone = ZoneInfo(settings.digest.timezone)
        self.counters = _Counters()
        self.planned_times = PlannedTimes()
        self._events_lock = threading.Lock()
        self._active = 0
        self._active_cond = threading.Condition()
        self.stop_requested = threading.Event()
        self.scheduler: BackgroundScheduler | None = None
        self.plans: list[CrawlPlan] = []

    # --- events --------------------------------------------------------------------------------------------

    def emit(self, event: str, **fields: Any) -> None:
        record = {"event": event, "at": utcnow().isoformat(), **fields}
        log.info("%s %s", event, " ".join(f"{k}={v}" for k, v in fields.items()))
        if self.options.events_path is None:
            return
        line = json.dumps(record, default=str, ensure_ascii=False)
        with self._events_lock, self.options.events_path.open("a", encoding="utf-8") as stream:
            stream.write(line + "\n")

    def on_job_event(self, event: JobEvent) -> None:
        if event.code == EVENT_JOB_MAX_INSTANCES:
            self.counters.skipped_overlap += 1
            planned = getattr(event, "scheduled_run_times", None) or []
            self.emit("skipped_overlap", job=event.job_id, planned=planned[-1].isoformat() if planned else None)
        elif event.code == EVENT_JOB_MISSED:
            self.counters.missed += 1
            self.emit("missed", job=event.job_id)
        elif event.code == EVENT_JOB_ERROR:
            self.emit("job_error", job=event.job_id, error=repr(getattr(event, "exception", None)))

    # --- building the schedule -----------------------------------------------------------------------------

    def build(self, now: datetime | None = None) -> BackgroundScheduler:
        """The APScheduler with every job (crawls, digest, housekeeping, ...); crawler/schedule/timetable.py."""
        return build_scheduler(self, now)

    # --- jobs ----------------------------------------------------------------------------------------------

    def _job(self, name: str) -> datetime | None:
        """Enter a job: count it as active and return when it was planned to run."""
        with self._active_cond:
            self._active += 1
        return self.planned_times.take(name)

    def _job_done(self) -> None:
        with self._active_cond:
            self._active -= 1
            self._active_cond.notify_all()

    def _run_job(self, name: str, work: Callable[[], object]) -> None:
        """Run a maintenance job counted as active, so a stopping daemon waits for it."""
        self._job(name)
        try:
            work()
        finally:
            self._job_done()

    def crawl_job(self, source: str) -> None:
        planned = self._job(f"crawl:{source}")
        try:
            if self.stop_requested.is_set():
                return
            started = utcnow()
            delay = (started - planned).total_seconds() if planned else None
            self.counters.dispatched += 1
            with self.sessions.begin() as session:
                if maintenance.release_dead_local_lock(session, source):
                    self.emit("lock_released", source=source, why="holder process is dead")
            self.emit(
                "dispatch",
                source=source,
                planned=planned.isoformat() if planned else None,
                started=started.isoformat(),
                delay_s=round(delay, 4) if delay is not None else None,
            )
            result = self.dispatcher.crawl(source)
            self.counters.finished[result.status] = self.counters.finished.get(result.status, 0) + 1
            interrupted = self._account(source, result) if result.pid is not None else []
            self.emit(
                "finished",
                source=source,
                status=result.status,
                rc=result.returncode,
                pid=result.pid,
                planned=planned.isoformat() if planned else None,
                duration_s=round(result.duration_s, 3),
                forced=result.forced,
                interrupted_runs=interrupted,
            )
            if not self.stop_requested.is_set():
                from crawler.notify.post_run import after_sources

                after_sources(self.settings, self.sessions, [source])
        finally:
            self._job_done()

    def _account(self, source: str, result: DispatchResult) -> list[int]:
        """After a crawl process ended: free what it held, close what it left open, and make sure the outcome
        is on record as a run with a reason (timeouts, kills, and crashes before a run row existed)."""
        pid = result.pid or 0
        with self.sessions.begin() as session:
            interrupted = maintenance.clean_up_after_child(session, pid, result.started)
            runs = maintenance.runs_of_child(session, pid, result.started)
            run_id = runs[-1] if runs else None
            if result.status == "timeout":
                detail = f"no result after {self.crawl_timeout_s:.0f} s: SIGTERM" + (", then SIGKILL" if result.forced else "")
                if run_id is None:
                    run_id = maintenance.record_missing_run(session, source, pid, result.started, "crawl_timeout", detail)
                else:
                    record_job_failure(session, source, "crawl_timeout", detail, run_id)
            elif result.status == "killed":
                detail = f"crawl process ended by signal {-(result.returncode or 0)}"
                if run_id is None:
                    maintenance.record_missing_run(session, source, pid, result.started, "crawl_killed", detail)
                else:
                    record_job_failure(session, source, "crawl_killed", detail, run_id)
            elif (
                run_id is None
                and result.status != "interrupted"
                and not maintenance.lease_held_by_other(session, source, maintenance.local_holder(pid))
            ):
                # No run row and nobody else holding the source: the process died before its spider opened
                # (an import error, a bad setting). Skipped-because-locked is the one legitimate exception.
                maintenance.record_missing_run(
                    session,
                    source,
                    pid,
                    result.started,
                    "crawl_no_run",
                    f"the crawl process exited with code {result.returncode} without recording a run; see its log",
                )
        return interrupted

    def digest_job(self) -> None:
        self._run_job("digest", self.run_digest)

    def run_digest(self) -> DispatchResult:
        command, extra = coverwatch_command(self.settings)
        with tempfile.TemporaryFile() as output:
            result = self.supervisor.run("digest", [*command, "digest", *extra], DIGEST_TIMEOUT_S, output)
            output.seek(0)
            tail = output.read()[-4000:].decode("utf-8", "replace")
        self.emit("digest", status=result.status, rc=result.returncode, duration_s=round(result.duration_s, 3))
        if result.status not in ("ok", "interrupted"):
            missing = "No such command" in tail
            reason = "digest_unavailable" if missing else f"digest_{result.status}"
            log.error("digest job %s (rc %s): %s", reason, result.returncode, tail.strip().splitlines()[-1:] or "")
            with self.sessions.begin() as session:
                record_job_failure(session, DIGEST_SOURCE, reason, tail.strip()[-2000:] or f"exit code {result.returncode}")
        return DispatchResult(
            result.name, result.status, result.returncode, result.pid, result.started, result.ended, result.forced, tail
        )

    def housekeeping_job(self) -> None:
        self._run_job("housekeeping", self.run_housekeeping)

    def run_housekeeping(self) -> dict[str, Any]:
        done: dict[str, Any] = {"reaped_runs": self.run_reap()}
        if self.options.archive_dir is not None:
            removed = prune_archive(self.options.archive_dir, self.settings.schedule.archive_keep_days)
            done["pruned_archive_files"] = len(removed)
        self.emit("housekeeping", **done)
        return done

    def vacuum_job(self) -> None:
        self._run_job("vacuum", self.run_vacuum)

    def run_vacuum(self) -> str:
        try:
            done = vacuum(self.engine)
        except SQLAlchemyError as error:  # a locked database this week is a recorded failure, not a crash
            done = f"failed: {type(error).__name__}: {str(error)[:300]}"
            with self.sessions.begin() as session:
                record_job_failure(session, HOUSEKEEPING_SOURCE, "vacuum_failed", done)
        self.emit("vacuum", result=done)
        return done

    def reap_job(self) -> None:
        self._run_job("reap", self.run_reap)

    def run_reap(self) -> list[int]:
        ours = set(self.dispatcher.running().values())

        def alive(pid: int) -> bool:
            return pid in ours or maintenance.pid_alive(pid)

        with self.sessions.begin() as session:
            reaped = maintenance.reap_stale_runs(session, timedelta(seconds=self.crawl_timeout_s), alive)
        if reaped:
            self.emit("reaped", runs=reaped)
        return reaped

    def health_job(self) -> None:
        self._run_job("health", self.run_health)

    def run_health(self) -> list[Any]:
        from crawler.notify.post_run import after_sources

        if not self.plans:
            outlets = self.outlets if self.outlets is not None else load_outlet_schedules(self.settings)
            self.plans = plan_crawls(self.settings, outlets, minute_seconds=self.options.minute_seconds)
        return after_sources(self.settings, self.sessions, [plan.source for plan in self.plans])

    def heartbeat_job(self) -> None:
        if self.options.heartbeat_path is None:
            return
        beat = {"pid": os.getpid(), "at": utcnow().isoformat(), "running": self.dispatcher.running(), "rss": rss_bytes()}
        path = self.options.heartbeat_path
        temporary = path.with_suffix(path.suffix + ".tmp")
        temporary.write_text(json.dumps(beat))
        temporary.replace(path)

    # --- lifecycle -----------------------------------------------------------------------------------------

    def start(self) -> None:
        scheduler = self.scheduler or self.build()
        self.emit(
            "started",
            pid=os.getpid(),
            jobs=[plan.job_id for plan in self.plans],
            rss=rss_bytes(),
            minute_seconds=self.options.minute_seconds,
        )
        scheduler.start()
        log_plan(scheduler)

    def request_stop(self, signum: int | None = None, _frame: Any = None) -> None:
        if self.stop_requested.is_set():
            # A second signal: stop waiting for graceful shutdowns.
            self.dispatcher.kill_all()
            return
        self.stop_requested.set()

    def run_forever(self) -> int:
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, self.request_stop)
        self.start()
        while not self.stop_requested.wait(1.0):
            pass
        self.shutdown()
        return 0

    def shutdown(self) -> None:
        self.stop_requested.set()
        self.emit("stopping", running=self.dispatcher.running())
        if self.scheduler is not None and self.scheduler.running:
            self.scheduler.shutdown(wait=False)  # no new jobs; running job threads carry on
        killed = self.dispatcher.terminate_all()
        self.supervisor.terminate_all()  # the digest, if one is running
        deadline = time.monotonic() + self.supervisor.grace_s + 30
        with self._active_cond:
            while self._active and time.monotonic() < deadline:
                self._active_cond.wait(timeout=0.5)
        counters = self.counters
        self.emit(
            "stopped",
            killed=killed,
            active_jobs=self._active,
            rss=rss_bytes(),
            dispatched=counters.dispatched,
            finished=counters.finished,
            skipped_overlap=counters.skipped_overlap,
            missed=counters.missed,
        )
        if self.options.heartbeat_path is not None:
            self.options.heartbeat_path.unlink(missing_ok=True)
        self.engine.dispose()


# --- entry points ------------------------------------------------------------------------------------------
