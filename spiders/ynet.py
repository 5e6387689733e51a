"""ynet: ynet.co.il (Hebrew) and ynetnews.com (English).

Discovery: the StoryRss feeds (research/outlets.md §2). Article pages carry the full text in JSON-LD articleBody;
extraction prefers it by evidence. Fixtures: tests/fixtures/outlets/ynetnews, tests/fixtures/outlets/ynet.
"""

from __future__ import annotations

from spiders.outlet import Outlet
from spiders.sources import RSSFeed

# New-style /article/<id> pages and legacy /articles/0,7340,L-<n>,00.html pages, on both sites.
ARTICLE_URL_PATTERN = r"^https?://www\.ynet(?:news)?\.co(?:m|\.il)/(?:(?:[\w-]+/)*article/[0-9A-Za-z]+|articles/0,7340,L-\d+,00\.html)"
# Video, gallery and live-blog pages have no article body.
SKIP_URL_PATTERNS = (r"/video/", r"/gallery/", r"/live/")

OUTLETS = (
    Outlet(
        name="ynet",
        title="ynet (Hebrew)",
        language="he",
        domains=("ynet.co.il",),
        sources=tuple(RSSFeed(f"https://www.ynet.co.il/Integration/StoryRss{feed}.xml") for feed in (2, 1854, 194, 5363)),
        article_url_pattern=ARTICLE_URL_PATTERN,
        skip_url_patterns=SKIP_URL_PATTERNS,
        fixture_dir="ynet",
    ),
    Outlet(
        name="ynetnews",
        title="Ynetnews (English)",
        language="en",
        domains=("ynetnews.com",),
        sources=tuple(RSSFeed(f"https://www.ynetnews.com/Integration/StoryRss{feed}.xml") for feed in (3082, 1854, 2)),
        article_url_pattern=ARTICLE_URL_PATTERN,
        skip_url_patterns=SKIP_URL_PATTERNS,
        fixture_dir="ynetnews",
    ),
)
