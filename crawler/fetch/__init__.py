"""fetch: the thin Scrapy adapters. Settings, downloader middlewares (politeness, retries, address guard,
conditional GET, WARC archive and replay), the item pipeline and the processor that runs the pure stages on each
fetched page, the extension that records runs, the crawl runner, the live first-deploy check (live_check.py), and
log hygiene (a network failure in one line).

The only stage that imports Scrapy and Twisted. It drives the pure stages (extract, relevance, dedup) and the
database (`storage`); nothing below it imports from here.
"""
