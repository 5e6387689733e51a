"""health: is each source still delivering? Ratings after every crawl (healthy, degraded, failing, blocked) with
their reasons, the alerts sent on a change of state, and the post-run hook that ties them to a crawl.

May import `crawler.config` and `storage`; never Scrapy or the web framework.
"""
