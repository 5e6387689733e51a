"""The daemon's timetable: which job runs when (APScheduler triggers for crawls, the digest, housekeeping, the
reaper, the health sweep, the heartbeat). crawler/schedule/daemon.py owns the jobs themselves and the lifecycle."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta, timezone, tzinfo
from typing import Any, Protocol

from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_MAX_INSTANCES, EVENT_JOB_MISSED
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy import func, select

from crawler.config import Settings
from crawler.schedule.plans import (
    CrawlPlan,
    OutletSchedule,
    crontab_weekdays,
    first_run_time,
    load_outlet_schedules,
    plan_crawls,
    utcnow,
)


class Daemon(Protocol):
    """What the timetable reads from the daemon (crawler.schedule.daemon.Daemon) and the jobs it schedules there.
    Named here, not imported, so the daemon imports its timetable and never the other way round."""

    settings: Settings
    options: Any  # crawler.schedule.daemon.DaemonOptions
    zone: tzinfo
    plans: list[CrawlPlan]
    outlets: Sequence[OutletSchedule] | None
    sessions: Callable[..., Any]
    scheduler: BackgroundScheduler | None
    planned_times: PlannedTimes

    def on_job_event(self, event: Any) -> None: ...
    def crawl_job(self, source: str) -> None: ...
    def digest_job(self) -> None: ...
    def housekeeping_job(self) -> None: ...
    def vacuum_job(self) -> None: ...
    def reap_job(self) -> None: ...
    def health_job(self) -> None: ...
    def heartbeat_job(self) -> None: ...

# A digest missed because the daemon was down is still sent if the daemon is back within this window.
DIGEST_CATCHUP = timedelta(hours=6)
# Housekeeping runs at a quiet local hour; VACUUM weekly, since it locks SQLite while it rewrites the file.
HOUSEKEEPING_HOUR, HOUSEKEEPING_MINUTE = 3, 30
VACUUM_DAY_OF_WEEK, VACUUM_HOUR = "sun", 4
# Runs still 'running' whose process is gone are marked interrupted this often (cheap queries).
REAP_EVERY_MINUTES = 10
# "No new article for N days" must fire even for a source whose runs stopped happening.
HEALTH_SWEEP_MINUTES = 60
# A cron-scheduled crawl that fires late (daemon busy, host asleep) still runs within this grace.
CRON_MISFIRE_GRACE_S = 15 * 60
# The heartbeat proves the scheduler thread still dispatches jobs; Docker's health check reads it.
HEARTBEAT_EVERY_S = 30
# Maintenance jobs (digest, housekeeping, health, heartbeat) run apart from crawls so a long digest
# never waits behind crawls and the heartbeat never waits behind the digest.
MAINTENANCE_WORKERS = 4


class PlannedTimes:
    """When each submitted job was planned to run, kept from submission until the job starts (the delay figures).
    The executors write from APScheduler's thread; the job reads its own entry from a worker thread."""

    def __init__(self) -> None:
        self._planned: dict[str, datetime] = {}
        self._lock = threading.Lock()

    def note(self, job_id: str, planned: datetime) -> None:
        with self._lock:
            self._planned[job_id] = planned

    def take(self, job_id: str) -> datetime | None:
        with self._lock:
            return self._planned.pop(job_id, None)


class _PlannedTimeExecutor(ThreadPoolExecutor):
    """A thread pool that notes when each submitted job was planned to run."""

    def __init__(self, max_workers: int, planned: PlannedTimes) -> None:
        super().__init__(max_workers)
        self._planned = planned

    def _do_submit_job(self, job: Any, run_times: list[datetime]) -> None:
        self._planned.note(job.id, run_times[-1])
        super()._do_submit_job(job, run_times)


def build_scheduler(daemon: Daemon, now: datetime | None = None) -> BackgroundScheduler:
    """The daemon's APScheduler with every job: one per outlet, the digest (and a catch-up), housekeeping, VACUUM,
    the reaper, the health sweep and the heartbeat. Nothing is started."""
    outlets = daemon.outlets if daemon.outlets is not None else load_outlet_schedules(daemon.settings)
    daemon.plans = plan_crawls(daemon.settings, outlets, minute_seconds=daemon.options.minute_seconds)
    scheduler = BackgroundScheduler(
        executors={
            "crawls": _PlannedTimeExecutor(daemon.settings.schedule.max_parallel_crawls, daemon.planned_times),
            "default": _PlannedTimeExecutor(MAINTENANCE_WORKERS, daemon.planned_times),
        },
        job_defaults={"coalesce": True, "max_instances": 1},
        timezone=daemon.zone,
    )
    scheduler.add_listener(daemon.on_job_event, EVENT_JOB_MAX_INSTANCES | EVENT_JOB_MISSED | EVENT_JOB_ERROR)
    now = now or utcnow()
    last = _last_starts(daemon)
    for index, plan in enumerate(daemon.plans):
        trigger: Any
        if plan.interval_s is not None:
            start = first_run_time(
                plan, last.get(plan.source), now, index, daemon.options.stagger_s * daemon.options.minute_seconds / 60
            )
            trigger = IntervalTrigger(
                seconds=plan.interval_s, start_date=start, jitter=plan.jitter_s or None, timezone=timezone.utc
            )
            timing: dict[str, Any] = {"misfire_grace_time": max(1, int(plan.interval_s)), "next_run_time": start}
        else:
            trigger = CronTrigger.from_crontab(crontab_weekdays(plan.cron or ""), timezone=daemon.zone)
            if plan.jitter_s:
                trigger.jitter = plan.jitter_s
            timing = {"misfire_grace_time": CRON_MISFIRE_GRACE_S}
        scheduler.add_job(
            daemon.crawl_job, trigger, args=[plan.source], id=plan.job_id, name=plan.job_id, executor="crawls", **timing
        )
    hours, minutes = (int(part) for part in daemon.settings.digest.time.split(":"))
    scheduler.add_job(
        daemon.digest_job,
        CronTrigger(hour=hours, minute=minutes, timezone=daemon.zone),
        id="digest",
        name="digest",
        misfire_grace_time=int(DIGEST_CATCHUP.total_seconds()),
    )
    if _digest_missed(daemon, now, hours, minutes):
        scheduler.add_job(
            daemon.digest_job, "date", run_date=now + timedelta(seconds=30), id="digest:catchup", name="digest:catchup"
        )
    scheduler.add_job(
        daemon.housekeeping_job,
        CronTrigger(hour=HOUSEKEEPING_HOUR, minute=HOUSEKEEPING_MINUTE, timezone=daemon.zone),
        id="housekeeping",
        name="housekeeping",
        misfire_grace_time=3600,
    )
    scheduler.add_job(
        daemon.vacuum_job,
        CronTrigger(day_of_week=VACUUM_DAY_OF_WEEK, hour=VACUUM_HOUR, timezone=daemon.zone),
        id="vacuum",
        name="vacuum",
        misfire_grace_time=3600,
    )
    scale = daemon.options.minute_seconds
    scheduler.add_job(
        daemon.reap_job,
        IntervalTrigger(seconds=REAP_EVERY_MINUTES * scale),
        id="reap",
        name="reap",
        next_run_time=now,
        misfire_grace_time=int(REAP_EVERY_MINUTES * scale) or 1,
    )
    scheduler.add_job(
        daemon.health_job,
        IntervalTrigger(seconds=HEALTH_SWEEP_MINUTES * scale),
        id="health",
        name="health",
        misfire_grace_time=int(HEALTH_SWEEP_MINUTES * scale) or 1,
    )
    if daemon.options.heartbeat_path is not None:
        scheduler.add_job(
            daemon.heartbeat_job,
            IntervalTrigger(seconds=HEARTBEAT_EVERY_S),
            id="heartbeat",
            name="heartbeat",
            next_run_time=now,
            misfire_grace_time=HEARTBEAT_EVERY_S,
        )
    daemon.scheduler = scheduler
    return scheduler

def _last_starts(daemon: Daemon) -> dict[str, datetime]:
    from storage.models import CrawlRun

    with daemon.sessions() as session:
        result = {}
        # One seek per planned source in ix_crawl_runs_source_started_at, not a max() grouped over every run ever.
        for source in sorted({plan.source for plan in daemon.plans}):
            started = session.scalar(
                select(CrawlRun.started_at).where(CrawlRun.source == source).order_by(CrawlRun.started_at.desc()).limit(1)
            )
            if isinstance(started, str):
                started = datetime.fromisoformat(started)
            if started is not None:
                result[source] = started if started.tzinfo else started.replace(tzinfo=timezone.utc)
        return result

def _digest_missed(daemon: Daemon, now: datetime, hours: int, minutes: int) -> bool:
    """Today's digest time passed (within the catch-up window) while no digest was written since."""
    from storage.models import Digest

    local = now.astimezone(daemon.zone)
    due = local.replace(hour=hours, minute=minutes, second=0, microsecond=0)
    if not (due <= local <= due + DIGEST_CATCHUP):
        return False
    with daemon.sessions() as session:
        latest = session.scalar(select(func.max(Digest.created_at)))
    if isinstance(latest, str):
        latest = datetime.fromisoformat(latest)
    if latest is not None and latest.tzinfo is None:
        latest = latest.replace(tzinfo=timezone.utc)
    return latest is None or latest < due


def describe_plan(scheduler: BackgroundScheduler, now: datetime) -> list[tuple[str, str, datetime | None]]:
    """(job, trigger, next run) for every job, soonest first: what the daemon prints when it starts."""
    rows = []
    for job in scheduler.get_jobs():
        # A job added before the scheduler starts has no next_run_time yet unless it was given one.
        upcoming = getattr(job, "next_run_time", None) or job.trigger.get_next_fire_time(None, now)
        rows.append((job.id, str(job.trigger), upcoming))
    return sorted(rows, key=lambda row: (row[2] is None, row[2] or now, row[0]))

