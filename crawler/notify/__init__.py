"""notify: notifications where the team already works, through Apprise (Slack, Telegram, Teams, Matrix, Discord,
ntfy, plain webhooks), next to email.

It owns the Apprise channel (channel.py), the once-ever ledger of announcements (announce_once), and prompt
alerts for stories that score above a high relevance threshold (prompt.py). Health alerts (crawler/health/alerts.py)
and the digest notice (crawler/digest/run.py) call in here; nothing here imports them.
"""
