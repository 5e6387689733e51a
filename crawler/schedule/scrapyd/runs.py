"""What the shared database says about a Scrapyd job: its crawl_runs row and its source's lease.

A Scrapyd job reports nothing back but "finished": its result is the crawl_runs row it closed, found by the
job id that crawler.schedule.scrapyd.project.lease writes into the run's stats, and the per-source lease is
the proof of whether a lost job may still be crawling.
"""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from crawler.schedule.scrapyd.jobs import COMPLETED_OUTCOMES, status_for_outcome
from storage import maintenance
from storage.models import CrawlRun, SourceLock

JOB_STAT = "scrapyd/job"  # crawler.schedule.scrapyd.project.lease writes the job id here (no Scrapy import from here)


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def last_run_id(session: Session) -> int:
    """The newest crawl_runs id: runs of jobs placed from now on are above it."""
    return int(session.scalar(select(func.max(CrawlRun.id))) or 0)


def run_for_job(session: Session, source: str, job: str, floor: int) -> CrawlRun | None:
    """The run the job opened (above `floor`), if any."""
    runs = session.scalars(select(CrawlRun).where(CrawlRun.source == source, CrawlRun.id > floor).order_by(CrawlRun.id))
    return next((run for run in runs if (run.stats or {}).get(JOB_STAT) == job), None)


def finished_job_status(session: Session, source: str, job: str, floor: int) -> str:
    """DispatchResult.status of a job Scrapyd reports finished; "locked" when another process holds the source."""
    run = run_for_job(session, source, job, floor)
    if run is not None:
        return status_for_outcome(run.outcome)
    lock = session.get(SourceLock, source)
    held = lock is not None and aware(lock.expires_at) > utcnow()
    # No run row: the job closed before opening one. Held lock = another process crawls this source.
    return "locked" if held else "error"


def lease_state(session: Session, source: str, job: str | None, floor: int) -> str | None:
    """Whether a lost job can no longer be crawling: "free", "completed" (it closed its own run), or None (wait).

    With `job` None: "free" once nobody holds the source's lease. Frees a dead local holder's lease first.
    """
    maintenance.release_dead_local_lock(session, source)
    lock = session.get(SourceLock, source)
    live = lock is not None and aware(lock.expires_at) > utcnow()
    run = run_for_job(session, source, job, floor) if job is not None else None
    if job is not None and run is None:
        return "free"  # it never opened a run, so it never took the lease
    if run is not None and run.outcome in COMPLETED_OUTCOMES:
        return "completed"
    if run is not None and run.outcome != "running":
        return "free"  # marked interrupted: whoever did that held the lease after it
    ours = run is not None and lock is not None and lock.holder == f"{run.node}:{run.pid}"
    if not live or (job is not None and not ours):
        return "free"
    return None


def aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
