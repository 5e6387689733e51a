"""Scrapy settings module of the Scrapyd project: the values `coverwatch crawl` uses, from the same Settings.

Scrapyd's runner activates the deployed egg, whose `scrapy` entry point names this module (through a one-line
pointer module, crawler.schedule.scrapyd.deploy), then runs `scrapy crawl <outlet> -a _job=<id>`. The coverwatch Settings
come from $COVERWATCH_CONFIG (or ./coverwatch.toml) plus the environment overrides, as for the CLI; a config
error fails the job (and `scrapy list`, hence addversion.json) with the one-line ConfigError.
"""

from __future__ import annotations

from crawler.config import load_settings
from crawler.fetch.settings import scrapy_settings

_values = scrapy_settings(load_settings())
_extensions = _values.pop("EXTENSIONS")
globals().update(_values)  # every key is an upper-case Scrapy setting; the project's own follow

# Each outlet is a spider named after it, bound to its declaration (there is no spiders module to scan).
SPIDER_LOADER_CLASS = "crawler.schedule.scrapyd.project.loader.OutletSpiderLoader"
# The lease-holding subclass replaces CoverwatchExtension: it takes the per-source lock before the run row
# exists, renews it while the crawl runs, and releases it after the row is closed.
EXTENSIONS = {
    **_extensions,
    "crawler.fetch.extension.CoverwatchExtension": None,
    "crawler.schedule.scrapyd.project.lease.LeasedRunExtension": 100,
}
# Scrapy 2.19's remote-control HTTP server (code execution for anyone holding the token it writes to the
# profile directory) has no use on a crawl node; telnet is off for the same reason (crawler.fetch.settings).
REMOTE_CONTROL_ENABLED = False
# Scrapyd writes each job's log to a file (LOG_FILE, set per job); INFO keeps the stats dump and close reason.
LOG_LEVEL = "INFO"
