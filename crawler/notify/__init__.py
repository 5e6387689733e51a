"""notify: telling people, where the team already works. After every crawl (`post_run`) each source is rated
and a change of state becomes a health event, which `alerts` delivers exactly once by email and through Apprise
(`channel`: Slack, Telegram, Teams, Matrix, Discord, ntfy, plain webhooks). `announce_once` is the ledger that
keeps any announcement from going out twice; `prompt` sends the alert for a story that scores above a high
relevance threshold, once per story. The digest notice (`crawler/digest/run.py`) calls in here.

May import `crawler.config`, `crawler.health` and `storage`; never Scrapy or the web framework.
"""
