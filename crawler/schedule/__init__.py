"""schedule: when crawls and maintenance run, and where. Plans from the config (intervals and cron), the
timetable of APScheduler jobs, the daemon with its housekeeping, dispatch to local subprocesses or Scrapyd nodes,
and replay (the daemon watched offline: `--replay DIR`, `--once`).

Starts crawls as processes (`python -m crawler.cli`) or Scrapyd jobs, so it never imports Scrapy itself;
it may import `crawler.config`, `crawler.health` and `storage`.
"""
