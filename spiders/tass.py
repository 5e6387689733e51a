"""TASS: tass.com (English) and tass.ru (Russian).

tass.com (research/outlets.md §4): RSS v2, the `middle-east-conflict` section list through the site's own JSON API
(the section page names its numeric sectionId in an Angular `ng-init`; the list is then a POST to
/userApi/categoryNewsList), and a news sitemap. tass.ru: RSS v2 and the JSON search API with the topic's Russian
terms. tass.ru article pages often answer 403 (StormWall): the feed item then stays as a lead-only article,
clearly marked, and the refusal is counted as a block. The shipped declarations use the descriptive default
User-Agent (no browser impersonation), so tass.ru's feed itself may be refused: health then says blocked.
Fixtures: tests/fixtures/outlets/tass_com (constructed from captured TASS text), tests/fixtures/outlets/tass_ru
(captured article, constructed feed, search answer and StormWall page).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from urllib.parse import urljoin

from crawler.extract.timestamps import listing_date
from crawler.discover.feeds import Lead, ListingError
from crawler.discover.jsonlisting import load_listing_json
from spiders.cross_outlet import topic_terms
from spiders.outlet import Outlet
from spiders.sources import JSONAPI, ListingRequest, ListingResult, RSSFeed, Sitemap

TASS_COM = "https://tass.com"
TASS_RU = "https://tass.ru"
# English story URLs: /<section>/<numeric id> (H).
TASS_COM_ARTICLE = r"^https://tass\.com/[a-z-]+/\d+/?$"
# Russian story URLs: /<rubric>/<numeric id> (M); /amp/ copies of the same story are skipped.
TASS_RU_ARTICLE = r"^https://tass\.ru/[a-z0-9-]+/\d+/?$"
# Section pages set their id for the Angular list widget: <div class="section-page" ng-init="sectionId = 4954; ...">.
SECTION_ID = re.compile(r"sectionId\s*=\s*(\d+)\s*;")
SECTION_API = f"{TASS_COM}/userApi/categoryNewsList"
# The page size the site's own widget asks for (RSSHub sends the same).
SECTION_PAGE_SIZE = 20
# Which of the ten tass.com news-sitemap shards holds the newest stories is not documented (they go back to
# 2020-10 together, research §4): shard 0 is assumed; confirm with `coverwatch probe https://tass.com`.
TASS_COM_NEWS_SITEMAP = f"{TASS_COM}/sitemap/sitemap_news0.xml"


@dataclass(frozen=True)
class TassSectionList:
    """A tass.com section through its JSON list API: GET the section page for its id, then POST for the list."""

    section: str
    base: str = TASS_COM
    kind: str = "tass_section"

    @property
    def route(self) -> str:
        return "section_api"

    @property
    def url(self) -> str:
        return f"{self.base}/{self.section}"

    def listing_requests(self) -> list[ListingRequest]:
        return [ListingRequest(self.url)]

    def parse(self, body: bytes, url: str, charset: str | None = None) -> ListingResult:
        if url.startswith(SECTION_API):
            return ListingResult(leads=parse_section_list(body, self.base, self.route))
        match = SECTION_ID.search(body.decode(charset or "utf-8", errors="replace"))
        if not match:
            raise ListingError("section_id_missing", f"no `sectionId = N;` on {url}: the section page changed")
        payload = {"sectionId": int(match.group(1)), "limit": SECTION_PAGE_SIZE, "type": "all", "imageSize": 434}
        request = ListingRequest(SECTION_API, "POST", json.dumps(payload).encode(), {"Content-Type": "application/json"})
        return ListingResult(children=[request])  # type: ignore[list-item]  # base.py accepts ListingRequest children


def parse_section_list(body: bytes, base: str = TASS_COM, route: str = "section_api") -> list[Lead]:
    """`{"newsList": [{title, lead, link: "/politics/123", date: <unix>}]}` -> Leads."""
    data = load_listing_json(body)
    items = data.get("newsList") if isinstance(data, dict) else None
    if not isinstance(items, list):
        raise ListingError("api_wrong_shape", "expected {newsList: [...]}")
    leads = []
    for item in items:
        if not isinstance(item, dict) or not item.get("link"):
            continue
        leads.append(
            Lead(
                url=urljoin(base + "/", str(item["link"])),
                route=route,
                title=(str(item.get("title") or "").strip() or None),
                lead=(str(item.get("lead") or "").strip() or None),
                published=listing_date(item.get("date"), route),
                language="en",
            )
        )
    return leads


def _tass_ru_search(term: str) -> JSONAPI:
    """tass.ru's own search API: {result: {contents: [{url, title, ...}], has_more, search_after}}."""
    return JSONAPI(
        url=f"{TASS_RU}/tbp/api/v1/search?search={{query}}&limit=30&lang=ru",
        query=term,
        items_path="result.contents",
        fields=(("url", "url"), ("title", "title"), ("date", "es_updated_dt"), ("lead", "lead")),
        route_name="search_api",
    )


_, RUSSIAN_HAMAS_TERMS = topic_terms("ru")

OUTLETS = (
    Outlet(
        name="tass_com",
        title="TASS (English, tass.com)",
        language="en",
        domains=("tass.com",),
        sources=(
            RSSFeed(f"{TASS_COM}/rss/v2.xml"),
            TassSectionList("middle-east-conflict"),  # type: ignore[arg-type]
            Sitemap(TASS_COM_NEWS_SITEMAP, news=True),
        ),
        article_url_pattern=TASS_COM_ARTICLE,
        skip_url_patterns=(r"/search", r"/tags/"),  # robots.txt keeps crawlers off /search
        fixture_dir="tass_com",
    ),
    Outlet(
        name="tass_ru",
        title="ТАСС (tass.ru)",
        language="ru",
        domains=("tass.ru",),
        sources=(RSSFeed(f"{TASS_RU}/rss/v2.xml"), *(_tass_ru_search(term) for term in RUSSIAN_HAMAS_TERMS)),
        article_url_pattern=TASS_RU_ARTICLE,
        skip_url_patterns=(r"/amp/?$",),
        on_blocked="lead_only",  # a 403 page leaves the feed's title + lead, marked lead-only
        fixture_dir="tass_ru",
    ),
)
