"""Where crawls run, chosen by `schedule.dispatch`: "local" (crawler.schedule.local) or "scrapyd"
(crawler.schedule.scrapyd.dispatcher). Both implement crawler.schedule.protocol.Dispatcher; the scheduler changes
nowhere else.
"""

from __future__ import annotations

from pathlib import Path

from crawler.config import ConfigError, Settings
from crawler.schedule.local import LocalSubprocessDispatcher, ProcessSupervisor, coverwatch_command
from crawler.schedule.protocol import Dispatcher
from crawler.schedule.scrapyd.dispatcher import ScrapydDispatcher


def make_dispatcher(
    settings: Settings, supervisor: ProcessSupervisor, timeout_s: float, *, log_dir: Path | None, archive_dir: Path | None
) -> Dispatcher:
    if settings.schedule.dispatch == "scrapyd":
        if not settings.schedule.scrapyd_nodes:
            raise ConfigError('schedule.scrapyd_nodes: dispatch = "scrapyd" needs at least one node URL')
        # Node-side path: each node writes its WARCs to its own disk.
        job_settings = {"COVERWATCH_ARCHIVE_DIR": str(archive_dir)} if archive_dir else {}
        return ScrapydDispatcher(settings, timeout_s, grace_s=supervisor.grace_s, job_settings=job_settings)
    if settings.schedule.dispatch != "local":
        raise ConfigError(f'schedule.dispatch: {settings.schedule.dispatch!r} is unknown; use "local" or "scrapyd"')
    command, extra = coverwatch_command(settings)
    if archive_dir is not None:
        extra = [*extra, "--archive", str(archive_dir)]
    return LocalSubprocessDispatcher(supervisor, command, timeout_s, log_dir=log_dir, extra_args=extra)
