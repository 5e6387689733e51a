"""Store maintenance for the scheduler: leases held by dead processes, and runs left 'running' by them.

A crawl killed with SIGKILL (hard timeout, OOM killer, an operator) cannot release its lease or close its run.
Its lease names its holder ("host:pid", crawler.fetch.runner.lock_holder), so a dead process on this host is
recognised at once instead of after the lease's TTL. Repository functions: the caller owns the transaction.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Callable
from datetime import datetime, timedelta, timezone

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from storage.models import CrawlRun, Failure, SourceLock

# The lease a crawl takes lasts its timeout plus this (crawler.fetch.runner uses the same margin).
LOCK_SLACK = timedelta(minutes=5)


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process: alive, and not ours to judge
    # A zombie answers signals but runs nothing: where PID 1 does not reap orphans, a SIGKILLed crawl stays one.
    try:
        with open(f"/proc/{pid}/status", encoding="ascii", errors="replace") as status:
            return not any(line.startswith("State:") and "Z" in line.split()[1] for line in status)
    except OSError:
        return True


def local_holder(pid: int) -> str:
    """The lease holder string crawler.fetch.runner.lock_holder() writes for a process on this host."""
    return f"{socket.gethostname()}:{pid}"


def release_dead_local_lock(session: Session, source: str, alive: Callable[[int], bool] = pid_alive) -> bool:
    """Free a source's lease whose holder is a dead process on this host (SIGKILL, OOM): no wait for the TTL."""
    lock = session.get(SourceLock, source)
    if lock is None:
        return False
    host, _, pid = lock.holder.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit() or alive(int(pid)):
        return False
    result = session.execute(delete(SourceLock).where(SourceLock.source == source, SourceLock.holder == lock.holder))
    return bool(result.rowcount)


def clean_up_after_child(session: Session, pid: int, since: datetime) -> list[int]:
    """After a child died: its lease is freed and its runs still 'running' become 'interrupted'. Run ids."""
    session.execute(delete(SourceLock).where(SourceLock.holder == local_holder(pid)))
    stale = list(
        session.scalars(
            select(CrawlRun.id).where(
                CrawlRun.outcome == "running",
                CrawlRun.pid == pid,
                CrawlRun.node == socket.gethostname(),
                CrawlRun.started_at >= since - timedelta(seconds=5),
            )
        )
    )
    if stale:
        _interrupt(session, stale, "process ended without closing the run")
    return stale


def _interrupt(session: Session, run_ids: list[int], reason: str) -> None:
    now = utcnow()
    for run in session.scalars(select(CrawlRun).where(CrawlRun.id.in_(run_ids))):
        run.outcome = "interrupted"
        run.finish_reason = reason[:64]
        run.finished_at = now
        run.duration_s = (now - run.started_at).total_seconds()


def reap_stale_runs(
    session: Session, crawl_timeout: timedelta, alive: Callable[[int], bool] = pid_alive, now: datetime | None = None
) -> list[int]:
    """Mark 'running' runs interrupted when their process is gone: a dead pid on this host, or (any host) older
    than the hard timeout while nobody holds the source's lease."""
    now = now or utcnow()
    host = socket.gethostname()
    reaped = []
    for run in session.scalars(select(CrawlRun).where(CrawlRun.outcome == "running")):
        lock = session.get(SourceLock, run.source)
        lease_live = lock is not None and lock.expires_at > now
        dead_here = run.node == host and run.pid is not None and not alive(run.pid)
        too_old = run.started_at < now - crawl_timeout - LOCK_SLACK and not lease_live
        if dead_here or too_old:
            reaped.append(run.id)
            if dead_here and lock is not None and lock.holder == local_holder(run.pid or 0):
                session.delete(lock)
    if reaped:
        _interrupt(session, reaped, "reaped: process gone")
    return reaped


def runs_of_child(session: Session, pid: int, since: datetime) -> list[int]:
    """Ids of the runs a crawl process on this host (by pid) recorded since it was started."""
    return list(
        session.scalars(
            select(CrawlRun.id)
            .where(
                CrawlRun.pid == pid, CrawlRun.node == socket.gethostname(), CrawlRun.started_at >= since - timedelta(seconds=5)
            )
            .order_by(CrawlRun.id)
        )
    )


def lease_held_by_other(session: Session, source: str, holder: str, now: datetime | None = None) -> bool:
    lock = session.get(SourceLock, source)
    return lock is not None and lock.holder != holder and lock.expires_at > (now or utcnow())


def record_missing_run(session: Session, source: str, pid: int, started: datetime, reason: str, detail: str) -> int:
    """A crawl process that ended without recording any run (it crashed before its spider opened) still
    leaves a failed run, so health sees it: a source must never fail silently."""
    now = utcnow()
    run = CrawlRun(
        source=source,
        started_at=started,
        finished_at=now,
        outcome="failed",
        finish_reason=reason[:64],
        pid=pid,
        node=socket.gethostname(),
        failures=1,
        failures_by_reason={reason: 1},
        duration_s=(now - started).total_seconds(),
    )
    session.add(run)
    session.flush()
    record_failure(session, source, reason, detail, run.id)
    return run.id


def record_failure(session: Session, source: str, reason: str, detail: str, run_id: int | None = None) -> None:
    """storage.repo.record_failure's row, written here so the daemon does not import the article repository
    (which pulls in the dedup stack: numpy, scipy, datasketch; ~80 MB it would carry for months)."""
    session.add(Failure(run_id=run_id, source=source, url="", reason=reason, detail=detail[:2000], at=utcnow()))
