"""The coverwatch scheduler daemon (APScheduler 3.x): it schedules, it does not crawl.

Every crawl runs as a subprocess, `python -m crawler.cli crawl SOURCE`, because Scrapy's reactor cannot restart;
that also isolates memory and crashes. The daemon, its plans and housekeeping live in `crawler/schedule/`.

Run it as `python scheduler.py [--config FILE]` or `coverwatch schedule`; `--run-job NAME` runs one job once
(for cron), `--healthcheck` checks the heartbeat (for Docker).
"""

from __future__ import annotations

import sys

from crawler.schedule.main import main

if __name__ == "__main__":
    sys.exit(main())
