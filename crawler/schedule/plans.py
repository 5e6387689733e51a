"""When each source is crawled: plans from the config (interval or crontab, with jitter), pure apart from
listing the outlets, which happens in a short-lived child so the daemon never imports Scrapy."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from apscheduler.triggers.cron import CronTrigger

from crawler.config import ConfigError, Settings, crontab_weekdays

# Listing the outlets imports every spider module; a minute is plenty even on a busy host.
OUTLETS_TIMEOUT_S = 60


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


# --- planning (pure) ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CrawlPlan:
    """When one source is crawled: every interval_s seconds, or on a crontab expression, with jitter."""

    source: str
    interval_s: float | None
    cron: str | None
    jitter_s: float

    @property
    def job_id(self) -> str:
        return f"crawl:{self.source}"


@dataclass(frozen=True)
class OutletSchedule:
    """What the daemon needs to know about an outlet: its name and when to crawl it."""

    name: str
    enabled: bool
    interval_minutes: int | None
    cron: str | None


def outlet_schedules(settings: Settings) -> list[OutletSchedule]:
    """Every outlet's schedule, read through the spider registry (imports Scrapy: run it in a child process)."""
    from spiders.registry import all_outlets

    return [
        OutletSchedule(outlet.name, outlet.enabled, outlet.interval_minutes, outlet.cron)
        for outlet in all_outlets(settings).values()
    ]


def load_outlet_schedules(settings: Settings) -> list[OutletSchedule]:
    """outlet_schedules() from a short-lived child, so the long-lived daemon never imports Scrapy and the
    spiders (about 100 MB it would carry for months). A config error there is a ConfigError here."""
    command = [sys.executable, "-m", "scheduler", "--print-outlets"]
    if settings.config_path:
        command += ["--config", settings.config_path]
    done = subprocess.run(command, capture_output=True, text=True, timeout=OUTLETS_TIMEOUT_S, check=False)
    if done.returncode != 0:
        lines = (done.stderr or done.stdout).strip().splitlines()
        raise ConfigError(lines[-1] if lines else f"could not list the outlets (exit code {done.returncode})")
    return [OutletSchedule(**row) for row in json.loads(done.stdout)]


def plan_crawls(settings: Settings, outlets: Sequence[Any], *, minute_seconds: float = 60.0) -> list[CrawlPlan]:
    """One plan per enabled outlet. `minute_seconds` compresses interval schedules (tests, the soak bench)."""
    scale = minute_seconds / 60.0
    plans = []
    for outlet in outlets:
        if not outlet.enabled:
            continue
        jitter = settings.schedule.jitter_seconds * scale
        if outlet.cron:
            try:
                CronTrigger.from_crontab(crontab_weekdays(outlet.cron))
            except ValueError as error:
                raise ConfigError(f"outlets.{outlet.name}.cron: {error}") from None
            plans.append(CrawlPlan(outlet.name, None, outlet.cron, jitter))
        else:
            minutes = outlet.interval_minutes or settings.schedule.default_interval_minutes
            plans.append(CrawlPlan(outlet.name, minutes * minute_seconds, None, jitter))
    return plans


def first_run_time(plan: CrawlPlan, last_started: datetime | None, now: datetime, index: int, stagger_s: float) -> datetime:
    """When an interval job first fires after a (re)start: one interval after its last run, never a burst."""
    soonest = now + timedelta(seconds=index * stagger_s)
    if last_started is None or plan.interval_s is None:
        return soonest
    due = last_started + timedelta(seconds=plan.interval_s)
    return min(max(due, soonest), now + timedelta(seconds=plan.interval_s))

