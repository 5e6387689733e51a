"""The Scrapy project Scrapyd runs: one spider per outlet, the `coverwatch crawl` pipeline, lease and run row.

`schedule.json?project=coverwatch&spider=<outlet>` on any node crawls that outlet exactly as
`coverwatch crawl <outlet>` does (same Scrapy settings, pipeline, failures and crawl_runs row), under the same
per-source lock in the shared database. The deployed egg only names `settings` here (crawler.schedule.scrapyd.deploy):
the code itself is the coverwatch package installed on the node.
"""
