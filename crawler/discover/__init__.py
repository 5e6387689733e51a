"""discover: from a listing response to leads. Feeds, sitemaps, aggregator results (Google News, GDELT), the
MediaWiki API of the Wikipedia watcher, and `probe` for a new outlet.

Pure: responses (bytes, JSON) in, `Lead`s out. May import `crawler.model`, `crawler.textnorm`, `crawler.extract`
(timestamps) and `crawler.dedup` (URLs, versions); never Scrapy, the web framework or the database.
"""
