"""Typed discovery routes. Each knows which listing requests to make and how to turn an answer into Leads.

Pure (no Scrapy): the spider turns ListingRequests into scrapy.Requests and hands bodies back here.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote_plus, urlencode, urljoin

from lxml import html as lxml_html

from crawler.extract.timestamps import listing_date
from crawler.discover.feeds import Lead, ListingError, parse_feed
from crawler.discover.jsonlisting import load_listing_json
from crawler.discover.sitemaps import SitemapResult, parse_sitemap


@dataclass(frozen=True)
class ListingRequest:
    url: str
    method: str = "GET"
    body: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)


ListingResult = SitemapResult  # leads + child listing URLs


@dataclass(frozen=True)
class RSSFeed:
    """An RSS or Atom feed."""

    url: str
    kind: str = "rss"

    @property
    def route(self) -> str:
        return "rss"

    def listing_requests(self) -> list[ListingRequest]:
        return [ListingRequest(self.url, headers={"Accept": "application/rss+xml, application/atom+xml, application/xml;q=0.9, */*;q=0.5"})]

    def parse(self, body: bytes, url: str, charset: str | None = None) -> ListingResult:
        return ListingResult(leads=parse_feed(body, url, header_charset=charset, route=self.route))


@dataclass(frozen=True)
class Sitemap:
    """An XML sitemap or sitemap index; `news=True` for Google-News sitemaps (news:title, publication date)."""

    url: str
    news: bool = False
    kind: str = "sitemap"

    @property
    def route(self) -> str:
        return "news_sitemap" if self.news else "sitemap"

    def listing_requests(self) -> list[ListingRequest]:
        return [ListingRequest(self.url)]

    def parse(self, body: bytes, url: str, charset: str | None = None) -> ListingResult:
        return parse_sitemap(body, route=self.route)


def _dig(data: Any, path: str | None) -> Any:
    for part in (path or "").split("."):
        if not part:
            continue
        if isinstance(data, dict):
            data = data.get(part)
        elif isinstance(data, list) and part.isdigit() and int(part) < len(data):
            data = data[int(part)]
        else:
            return None
    return data


def _join(base: str, link: str | None) -> str | None:
    """The absolute URL of a listed link; None for one urllib cannot parse ("http://[::1"), which is skipped."""
    if not link:
        return None
    try:
        return urljoin(base, link)
    except ValueError:
        return None


def _text(value: Any) -> str | None:
    if isinstance(value, dict):  # WordPress: {"rendered": "..."}
        value = value.get("rendered")
    if value is None:
        return None
    text = " ".join(str(value).split())
    if "<" in text or "&" in text:  # WordPress and most CMS APIs hand out HTML fragments with entities
        text = " ".join(lxml_html.fromstring(f"<div>{text}</div>").text_content().split())
    return text or None


@dataclass(frozen=True)
class JSONAPI:
    """A JSON listing or search API: `items_path` to the list, `fields` mapping lead fields to item keys.

    `url` may contain {query}; `body` (for POST) may contain "{query}" string values.
    """

    url: str
    items_path: str | None = None
    fields: tuple[tuple[str, str], ...] = (("url", "url"), ("title", "title"), ("date", "date"), ("lead", "lead"))
    query: str | None = None
    method: str = "GET"
    body: tuple[tuple[str, Any], ...] | None = None
    route_name: str = "json_api"
    kind: str = "json_api"

    @property
    def route(self) -> str:
        return self.route_name

    def listing_requests(self) -> list[ListingRequest]:
        url = self.url.replace("{query}", quote_plus(self.query or ""))
        if self.method == "POST":
            payload = {key: (value.replace("{query}", self.query or "") if isinstance(value, str) else value) for key, value in (self.body or ())}
            return [ListingRequest(url, "POST", json.dumps(payload).encode(), {"Content-Type": "application/json"})]
        return [ListingRequest(url, headers={"Accept": "application/json"})]

    def parse(self, body: bytes, url: str, charset: str | None = None) -> ListingResult:
        data = load_listing_json(body)
        items = _dig(data, self.items_path)
        if isinstance(items, dict):  # e.g. Meduza: {path: {...}}
            items = [dict(value, _key=key) for key, value in items.items() if isinstance(value, dict)]
        if not isinstance(items, list):
            raise ListingError("api_wrong_shape", f"expected a list at {self.items_path or 'the top level'}, got {type(items).__name__}")
        mapping = dict(self.fields)
        leads = []
        for item in items:
            if not isinstance(item, dict):
                continue
            link = _join(url, _text(_dig(item, mapping.get("url", "url"))))
            if not link:
                continue
            leads.append(
                Lead(
                    url=link,
                    route=self.route,
                    title=_text(_dig(item, mapping.get("title", "title"))),
                    lead=_text(_dig(item, mapping.get("lead", "lead"))),
                    published=listing_date(_dig(item, mapping.get("date", "date")), self.route),
                    language=_text(_dig(item, mapping["language"])) if "language" in mapping else None,
                    publisher_domain=_text(_dig(item, mapping["domain"])) if "domain" in mapping else None,
                )
            )
        return ListingResult(leads=leads)


def WordPressAPI(base: str, query: str | None = None, per_page: int = 20) -> JSONAPI:
    """The WordPress REST API (posts, optionally a search); answers a list of posts."""
    params = {"per_page": per_page, "_fields": "link,title,date_gmt,excerpt"}
    url = f"{base.rstrip('/')}/wp-json/wp/v2/posts?{urlencode(params)}"
    if query:
        url += "&search={query}"
    return JSONAPI(
        url=url, query=query, route_name="wordpress_api", kind="wordpress_api",
        fields=(("url", "link"), ("title", "title"), ("date", "date_gmt"), ("lead", "excerpt")),
    )


def GDELTDoc(query: str, timespan: str = "7d") -> JSONAPI:
    """GDELT DOC 2.0 article list (best effort: 1 request per 5 s, errors come back as HTML)."""
    params = {"mode": "artlist", "format": "json", "maxrecords": 250, "sort": "DateDesc", "timespan": timespan}
    url = "https://api.gdeltproject.org/api/v2/doc/doc?query={query}&" + urlencode(params)
    return JSONAPI(
        url=url, query=query, items_path="articles", route_name="gdelt", kind="gdelt",
        fields=(("url", "url"), ("title", "title"), ("date", "seendate"), ("language", "language"), ("domain", "domain")),
    )


@dataclass(frozen=True)
class GoogleNewsSearch:
    """Google News RSS search. Links are opaque tokens: items are matched by publisher domain and title."""

    query: str
    hl: str = "en-US"
    gl: str = "US"
    ceid: str = "US:en"
    base: str = "https://news.google.com/rss/search"
    kind: str = "google_news"

    @property
    def route(self) -> str:
        return "google_news"

    @property
    def url(self) -> str:
        return f"{self.base}?{urlencode({'q': self.query, 'hl': self.hl, 'gl': self.gl, 'ceid': self.ceid})}"

    def listing_requests(self) -> list[ListingRequest]:
        return [ListingRequest(self.url)]

    def parse(self, body: bytes, url: str, charset: str | None = None) -> ListingResult:
        return ListingResult(leads=parse_feed(body, url, header_charset=charset, route=self.route))


@dataclass(frozen=True)
class HTMLListing:
    """A section or topic page whose links are articles (filtered by the outlet's article pattern)."""

    url: str
    link_xpath: str = "//a/@href"
    kind: str = "html_listing"

    @property
    def route(self) -> str:
        return "html_listing"

    def listing_requests(self) -> list[ListingRequest]:
        return [ListingRequest(self.url)]

    def parse(self, body: bytes, url: str, charset: str | None = None) -> ListingResult:
        if not body.strip():
            raise ListingError("listing_empty", "empty response body")
        try:
            tree = lxml_html.fromstring(body)
        except (ValueError, lxml_html.etree.ParserError) as exc:
            raise ListingError("listing_malformed", str(exc)[:200]) from None
        seen: dict[str, None] = {}
        for href in tree.xpath(self.link_xpath):
            absolute = _join(url, str(href).strip())
            if absolute:
                seen.setdefault(absolute.split("#", 1)[0], None)
        return ListingResult(leads=[Lead(url=link, route=self.route) for link in seen])


Source = RSSFeed | Sitemap | JSONAPI | GoogleNewsSearch | HTMLListing
