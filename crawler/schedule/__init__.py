"""schedule: when crawls and maintenance run, and where. Plans from the config (intervals and cron), the
APScheduler daemon with its housekeeping, and dispatch to local subprocesses or Scrapyd nodes.

Starts crawls as processes (`python -m crawler.cli`) or Scrapyd jobs, so it never imports Scrapy itself;
it may import `crawler.config`, `crawler.health` and `storage`.
"""
