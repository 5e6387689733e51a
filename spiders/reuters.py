"""Reuters (reuters.com, English): discovered through its news sitemap, Google News and GDELT; article pages are
usually refused.

No RSS since 2020. The news sitemap index covers about 48 hours; article pages and the /pf/api JSON answer 401
from DataDome to anything but a browser, and the current robots.txt may disallow generic crawlers
(research/outlets.md §5). So: article pages are requested only where robots.txt allows it (Scrapy's robots
middleware decides), and a refusal (robots or challenge) leaves a metadata-only record (title, URL, date,
keywords from the sitemap) while the source is reported blocked with the reason. The shipped declaration uses
the descriptive default User-Agent: never a browser's or a search engine's (a per-source override is the
user's decision, in their own config). Fixtures: tests/fixtures/outlets/reuters (captured article, constructed
sitemap and DataDome challenge).
"""

from __future__ import annotations

from spiders.cross_outlet import gdelt_query, google_news, topic_query
from spiders.outlet import Outlet
from spiders.sources import GDELTDoc, Sitemap

# The first page of the Arc XP news sitemap: the newest stories with their `news:` title, date and keywords. Its
# index (…/news-sitemap-index/?outputType=xml) pages through ~86 sub-maps of the same 48 h window with &from=N:
# polled hourly, the first page already holds every new story, and 86 requests an hour would be impolite. The old
# /arc/outboundfeeds/rss/ and v3 feeds answer 404 since the public Arc endpoints were retired.
NEWS_SITEMAP = "https://www.reuters.com/arc/outboundfeeds/news-sitemap/?outputType=xml"
# Story pages end in their publication date: /<section>/<sub>/<slug>-YYYY-MM-DD/ (fundus, H).
ARTICLE_URL_PATTERN = r"^https://www\.reuters\.com/(?:[a-z0-9-]+/)+[a-z0-9-]+-\d{4}-\d{2}-\d{2}/?$"
# Video, pictures and the sponsored "plus" pages are not reporting.
SKIP_URL_PATTERNS = (r"/video/", r"/pictures/", r"/plus/", r"/graphics/")

OUTLETS = (
    Outlet(
        name="reuters",
        title="Reuters",
        language="en",
        domains=("reuters.com",),
        sources=(
            Sitemap(NEWS_SITEMAP, news=True),
            google_news(f"site:reuters.com {topic_query('en')} when:7d", "en"),
            GDELTDoc(gdelt_query("en", domain="reuters.com")),
        ),
        article_url_pattern=ARTICLE_URL_PATTERN,
        skip_url_patterns=SKIP_URL_PATTERNS,
        fetch_articles=True,  # where robots.txt allows and the page is not a challenge; else metadata only
        on_blocked="metadata_only",  # a sitemap entry has no lead: what remains is title, URL, date, keywords
        fixture_dir="reuters",
    ),
)
