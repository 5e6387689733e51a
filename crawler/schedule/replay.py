"""Watching the daemon offline: crawls answered from a recorded archive (`coverwatch schedule --replay DIR`), and
`--once`, which runs every outlet's crawl and then the digest a single time, through the daemon's own jobs, and exits.

With a compressed clock (`--minute-seconds 1`: an hour passes in a minute) the replaying daemon keeps its real
timetable, so its plan, its dispatches and its maintenance jobs can be watched without a network.
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Protocol

from apscheduler.schedulers.background import BackgroundScheduler

from crawler import exit_codes
from crawler.config import ConfigError, Settings
from crawler.schedule.local import LocalSubprocessDispatcher, ProcessSupervisor, coverwatch_command
from crawler.schedule.plans import utcnow
from crawler.schedule.timetable import describe_plan


class Daemon(Protocol):
    """What `--once` drives on the daemon (crawler.schedule.daemon.Daemon), named here so that the daemon imports
    this module and never the other way round."""

    settings: Settings
    options: Any  # crawler.schedule.daemon.DaemonOptions
    plans: list[Any]
    counters: Any
    stop_requested: threading.Event

    def build(self, now: Any = None) -> BackgroundScheduler: ...
    def emit(self, event: str, **fields: Any) -> None: ...
    def crawl_job(self, source: str) -> None: ...
    def run_digest(self) -> Any: ...
    def request_stop(self, signum: int | None = None, _frame: Any = None) -> None: ...
    def shutdown(self) -> None: ...

log = logging.getLogger("coverwatch.scheduler")


def replay_dispatcher(
    settings: Settings, supervisor: ProcessSupervisor, timeout_s: float, replay: Sequence[Path], *, log_dir: Path | None
) -> LocalSubprocessDispatcher:
    """Crawls as local processes answering every request from `replay` (WARC files or directories)."""
    for path in replay:
        if not path.exists():
            raise ConfigError(f"--replay {path}: no such file or directory")
    command, extra = coverwatch_command(settings)
    extra = [*extra, *(argument for path in replay for argument in ("--replay", str(path)))]
    return LocalSubprocessDispatcher(supervisor, command, timeout_s, log_dir=log_dir, extra_args=extra)


def log_plan(scheduler: BackgroundScheduler) -> None:
    """One line per job at start: "plan: crawl:ynetnews  interval[0:30:00]  next run 2026-12-07 05:00 +0200"."""
    rows = describe_plan(scheduler, utcnow())
    width = max((len(job) for job, _, _ in rows), default=0)
    for job, trigger, upcoming in rows:
        when = upcoming.strftime("%Y-%m-%d %H:%M:%S %z") if upcoming else "never"
        log.info("plan: %s  %s  next run %s", job.ljust(width), trigger, when)


def run_once(daemon: Daemon) -> int:
    """Every planned crawl once (at most schedule.max_parallel_crawls at a time), then the digest; an exit code.

    0: every crawl and the digest ran; 1: some crawls failed, or the digest did; 4: every crawl failed.
    """
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, daemon.request_stop)
    scheduler = daemon.build()
    log_plan(scheduler)
    sources = [plan.source for plan in daemon.plans]
    daemon.emit("started", once=True, jobs=[plan.job_id for plan in daemon.plans], replay=[str(p) for p in daemon.options.replay])
    try:
        with ThreadPoolExecutor(max(1, daemon.settings.schedule.max_parallel_crawls)) as pool:
            list(pool.map(daemon.crawl_job, sources))
        finished = dict(daemon.counters.finished)
        digest_ok = daemon.stop_requested.is_set() or daemon.run_digest().status == "ok"
    finally:
        daemon.shutdown()
    if not sources:
        return exit_codes.NOTHING_RAN
    ok = finished.get("ok", 0)
    if ok == 0:
        return exit_codes.ALL_SOURCES_FAILED
    return exit_codes.OK if ok == len(sources) and digest_ok else exit_codes.SOME_SOURCES_FAILED
