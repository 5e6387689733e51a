"""notify: telling people. After every crawl (`post_run`) each source is rated and a change of state becomes a
health event, which `alerts` delivers exactly once (email) and records as sent.

May import `crawler.config`, `crawler.health` and `storage`; never Scrapy or the web framework.
"""
