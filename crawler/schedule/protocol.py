"""The dispatch seam: what every place that runs crawls implements (Dispatcher), and how a dispatched crawl ended.

Two implementations: local subprocesses (crawler.schedule.local) and Scrapyd nodes (crawler.schedule.scrapyd);
crawler.schedule.dispatch picks one from the settings. Both import this module and nothing of each other.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Protocol

from crawler.config import Settings

# Scrapy's graceful stop waits for in-flight downloads, each bounded by download_timeout; this much on top
# covers closing the spider and writing the run row before we resort to SIGKILL.
KILL_GRACE_EXTRA_S = 15


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def grace_seconds(settings: Settings) -> float:
    """How long a SIGTERMed crawl may take to stop before it gets SIGKILL."""
    return settings.crawl.download_timeout + KILL_GRACE_EXTRA_S


@dataclass(frozen=True)
class DispatchResult:
    """How one dispatched job ended. status: ok | failed | error | timeout | killed | interrupted."""

    name: str
    status: str
    returncode: int | None
    pid: int | None
    started: datetime
    ended: datetime
    forced: bool = False  # SIGKILL was needed
    output_tail: str = ""

    @property
    def duration_s(self) -> float:
        return (self.ended - self.started).total_seconds()


class Dispatcher(Protocol):
    """Where a crawl runs. Local subprocesses or Scrapyd nodes; the scheduler changes nowhere else."""

    def crawl(self, source: str) -> DispatchResult: ...

    def running(self) -> dict[str, int]: ...

    def terminate_all(self) -> list[str]: ...

    def kill_all(self) -> None: ...
