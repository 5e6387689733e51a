"""ynet: ynet.co.il (Hebrew) and ynetnews.com (English).

Discovery: the StoryRss feeds (research/outlets.md §2): ynet.co.il 2 (news), 1854 (breaking), 194 (politics),
5363 (defense); ynetnews.com 3082 (main), 1854, 2. The feeds may declare windows-1255 while being UTF-8, or the
reverse: crawler.discover.feeds decodes by evidence. Article pages carry the full text in JSON-LD `articleBody`, which the
outlet declares as its preferred body (extraction still falls back to the page when it is missing or short).
Fixtures: tests/fixtures/outlets/ynetnews (captured article), tests/fixtures/outlets/ynet (constructed, Hebrew).
"""

from __future__ import annotations

from spiders.outlet import Outlet
from spiders.sources import RSSFeed

# New-style /article/<id> pages and legacy /articles/0,7340,L-<n>,00.html pages, on both sites.
ARTICLE_URL_PATTERN = r"^https?://www\.ynet(?:news)?\.co(?:m|\.il)/(?:(?:[\w-]+/)*article/[0-9A-Za-z]+|articles/0,7340,L-\d+,00\.html)"
# Video, gallery and live-blog pages have no article body.
SKIP_URL_PATTERNS = (r"/video/", r"/gallery/", r"/live/")
# JSON-LD NewsArticle.articleBody is the whole story without photo captions or "read also" boxes (H: a scraper
# that reads only JSON-LD), so it beats the page text whenever it is there and long enough.
EXTRACTION_HINTS: dict[str, object] = {"prefer_jsonld_body": True}

OUTLETS = (
    Outlet(
        name="ynet",
        title="ynet (Hebrew)",
        language="he",
        domains=("ynet.co.il",),
        sources=tuple(RSSFeed(f"https://www.ynet.co.il/Integration/StoryRss{feed}.xml") for feed in (2, 1854, 194, 5363)),
        article_url_pattern=ARTICLE_URL_PATTERN,
        skip_url_patterns=SKIP_URL_PATTERNS,
        extraction_hints=EXTRACTION_HINTS,
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
        extraction_hints=EXTRACTION_HINTS,
        fixture_dir="ynetnews",
    ),
)
