"""NewsSpider: the one crawling machinery every outlet shares, driven by its Outlet declaration.

listing (feed / sitemap / API / section page) -> Leads -> filters -> article page or lead-only record -> pipeline.
Every refusal or error becomes a recorded failure through the run context, never silence.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import replace
from datetime import datetime, timezone
from typing import Any
from urllib.parse import urljoin

import scrapy
from scrapy.http import Response
from twisted.python.failure import Failure as TwistedFailure

from crawler.discover.blocking import detect_block
from crawler.discover.feeds import Lead, ListingError
from crawler.discover.items import FetchedPage, LeadRecord
from crawler.model import STATUS_LEAD_ONLY, STATUS_METADATA_ONLY
from crawler.dedup.urls import canonical_url, is_safe_public_url, url_key
from spiders.outlet import Outlet
from spiders.sources import ListingRequest, Source

# Listing responses that are "nothing changed" rather than errors.
NOT_MODIFIED = 304
# Article statuses that mean the story is gone, which a version history must record.
GONE_STATUSES = (404, 410)
# Most PDF readers accept the %PDF- header anywhere in the first KiB (crawler.extract.pdf uses the same window).
PDF_HEADER_WINDOW = 1024


class NewsSpider(scrapy.Spider):
    name = "news"
    outlet: Outlet

    def __init__(self, outlet: Outlet, *args: Any, **kwargs: Any) -> None:
        super().__init__(outlet.name, *args, **kwargs)
        self.outlet = outlet
        if outlet.user_agent:
            self.user_agent = outlet.user_agent  # honoured by Scrapy's UserAgentMiddleware
        self.allowed_domains = list(outlet.domains)
        self._leads_this_run: dict[str, Lead] = {}  # url_key -> the first lead that reached it this run

    @property
    def context(self):  # type: ignore[no-untyped-def]
        return self.crawler.coverwatch  # set by crawler.fetch.extension.CoverwatchExtension

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for source in self.outlet.sources:
            for listing in source.listing_requests():
                yield self._listing_request(source, listing)

    def _listing_request(self, source: Source, listing: ListingRequest) -> scrapy.Request:
        return scrapy.Request(
            listing.url,
            method=listing.method,
            body=listing.body,
            headers=listing.headers,
            callback=self.parse_listing,
            errback=self.on_listing_error,
            dont_filter=True,  # a listing is polled every run
            meta={"source": source, "listing": True, "handle_httpstatus_list": [NOT_MODIFIED], "dont_cache": True},
        )

    # --- listings ------------------------------------------------------------------------------------------

    def parse_listing(self, response: Response) -> Iterator[Any]:
        source: Source = response.meta["source"]
        stats = self.crawler.stats
        if response.status == NOT_MODIFIED:
            stats.inc_value("listing/not_modified")
            return
        block = detect_block(response.status, response.body, _content_type(response))
        if block:
            self.context.failure(self.name, block, response.url, "listing refused by a bot wall", response.status)
            return
        charset = _header_charset(response)
        try:
            result = source.parse(response.body, response.url, charset)
        except ListingError as error:
            self.context.failure(self.name, error.reason, response.url, error.detail, response.status)
            return
        stats.inc_value("listing/parsed")
        self.context.listing_ok(response)
        for child in result.children[: self.context.settings.crawl.max_items_per_listing]:
            # A child is a URL (sitemap index) or a full request (a section page naming its POST API, e.g. TASS).
            yield self._listing_request(source, child if isinstance(child, ListingRequest) else ListingRequest(child))
        leads = result.leads[: self.context.settings.crawl.max_items_per_listing]
        stats.inc_value("leads/found", len(leads))
        if not leads:
            stats.inc_value("listing/empty")
        self.context.recall(self.name, self.outlet.name, [url_key(canonical_url(lead.url)) for lead in leads])
        for lead in leads:
            yield from self.route_lead(lead)

    def route_lead(self, lead: Lead) -> Iterator[Any]:
        stats = self.crawler.stats
        safe, reason = is_safe_public_url(lead.url)
        if not safe and not self.context.explicitly_allowed(lead.url):
            stats.inc_value("leads/unsafe_url")
            self.context.failure(self.name, "unsafe_url", lead.url, reason)
            return
        if lead.publisher_domain and self.outlet.domains and not self.outlet.owns(_as_url(lead.publisher_domain)):
            # A site: query can still answer another publisher's story: it is not this outlet's coverage.
            stats.inc_value("leads/other_publisher")
            return
        if lead.publisher_domain and not self.outlet.domains and self._watched_elsewhere(lead.url):
            # A cross-outlet hit (GDELT) on a watched outlet's own URL: that outlet discovers, fetches and owns it.
            # Stored here it would take the article's row (same URL) away from its outlet.
            stats.inc_value("leads/left_to_outlet")
            return
        if lead.route == "google_news" or (lead.publisher_domain and not self.outlet.owns(lead.url)):
            # Opaque aggregator links: keep the lead as metadata, matched to stored articles by title later.
            yield self._lead_record(lead, STATUS_METADATA_ONLY, fetched=False)
            return
        if not self.outlet.is_article_url(lead.url):
            stats.inc_value("leads/not_article")
            return
        key = url_key(canonical_url(lead.url))
        first = self._leads_this_run.setdefault(key, lead)
        if first is not lead:
            # Another route of this run found the story already (feed + search API): its pending request carries
            # the first lead, so fill in what that one lacked (a refused page then still keeps the feed's lead).
            _merge_lead(first, lead)
            stats.inc_value("leads/duplicate")
            return
        if not self.context.should_fetch(self.name, key, lead):
            stats.inc_value("articles/known_skipped")
            return
        if not self.outlet.fetch_articles:
            yield self._lead_record(lead, STATUS_METADATA_ONLY, fetched=False)
            return
        yield scrapy.Request(
            lead.url,
            callback=self.parse_article,
            errback=self.on_article_error,
            meta={"lead": lead, "article": True, "dont_cache": True, "handle_httpstatus_list": list(GONE_STATUSES)},
        )

    def _watched_elsewhere(self, url: str) -> bool:
        """True when another enabled outlet of the registry owns this URL's host."""
        if not hasattr(self, "_other_outlets"):
            from spiders.registry import all_outlets  # the registry imports every spider module: not at import time

            outlets = all_outlets(self.context.settings)
            self._other_outlets = [o for name, o in outlets.items() if name != self.name and o.enabled and o.domains]
        return any(outlet.owns(url) for outlet in self._other_outlets)

    def on_listing_error(self, failure: TwistedFailure) -> None:
        request = failure.request if hasattr(failure, "request") else None
        url = request.url if request is not None else ""
        reason, status, detail = self.context.classify_error(failure)
        self.context.failure(self.name, reason, url, detail, status)

    # --- articles ------------------------------------------------------------------------------------------

    def parse_article(self, response: Response) -> Iterator[Any]:
        lead: Lead = response.meta["lead"]
        if response.status in GONE_STATUSES:
            self.context.gone(self.name, lead, response.status)
            return
        block = detect_block(response.status, response.body, _content_type(response))
        if block:
            self.context.failure(self.name, block, response.url, "article page is a bot-wall challenge", response.status)
            yield from self._fallback(lead)
            return
        page = FetchedPage(
            outlet=self.name,
            url=response.url,
            requested_url=response.request.url if response.request else response.url,
            redirect_urls=list(response.meta.get("redirect_urls", [])),
            status=response.status,
            content_type=_content_type(response),
            body=response.body,
            charset=_header_charset(response),
            fetched_at=datetime.now(timezone.utc),
            lead=lead,
        )
        pdf_url = self._pdf_link(response)
        if pdf_url is None:
            yield page
            return
        self.crawler.stats.inc_value("pdf/followed")
        yield scrapy.Request(
            pdf_url,
            callback=self.parse_pdf,
            errback=self.on_pdf_error,
            meta={"lead": lead, "article": True, "dont_cache": True, "html_page": page},
        )

    def _pdf_link(self, response: Response) -> str | None:
        """The publication's PDF, when the outlet declares where its link sits (and this page is not the PDF)."""
        xpath = self.outlet.pdf_link_xpath
        if not xpath or _is_pdf(response) or not hasattr(response, "xpath"):
            return None
        for href in response.xpath(xpath).getall():
            url = urljoin(response.url, href.strip())
            if url.startswith(("http://", "https://")):
                return url
        return None

    def parse_pdf(self, response: Response) -> Iterator[Any]:
        """Store the PDF's bytes as the publication's document (extraction reads it; unreadable -> pdf_pending)."""
        page: FetchedPage = response.meta["html_page"]
        block = detect_block(response.status, response.body, _content_type(response))
        if block or not _is_pdf(response):
            reason = block or "pdf_not_a_pdf"
            self.context.failure(self.name, reason, response.url, "publication PDF not served; kept the HTML page", response.status)
            yield page
            return
        yield replace(
            page,
            body=response.body,
            content_type=_content_type(response) or "application/pdf",
            charset=None,
            # The PDF URL becomes an alias of the publication, so a lead pointing at the PDF finds the same row.
            redirect_urls=[*page.redirect_urls, response.url],
            fetched_at=datetime.now(timezone.utc),
        )

    def on_pdf_error(self, failure: TwistedFailure) -> Iterator[Any]:
        request = failure.request if hasattr(failure, "request") else None
        reason, status, detail = self.context.classify_error(failure)
        self.context.failure(self.name, reason, request.url if request is not None else "", detail, status)
        if request is not None:
            yield request.meta["html_page"]  # the publication page is still better than nothing

    def on_article_error(self, failure: TwistedFailure) -> Iterator[Any]:
        request = failure.request if hasattr(failure, "request") else None
        lead: Lead | None = request.meta.get("lead") if request is not None else None
        reason, status, detail = self.context.classify_error(failure)
        self.context.failure(self.name, reason, request.url if request is not None else "", detail, status)
        if lead is not None:
            yield from self._fallback(lead)

    def _fallback(self, lead: Lead) -> Iterator[Any]:
        """A refused page still leaves what the listing told us: keep it, clearly marked."""
        if lead.title or lead.lead:
            status = STATUS_LEAD_ONLY if (self.outlet.on_blocked == "lead_only" and lead.lead) else STATUS_METADATA_ONLY
            yield self._lead_record(lead, status, fetched=True)

    def _lead_record(self, lead: Lead, status: str, *, fetched: bool) -> LeadRecord:
        self.crawler.stats.inc_value(f"articles/{status}")
        return LeadRecord(outlet=self.name, lead=lead, status=status, attempted_fetch=fetched)


def _merge_lead(first: Lead, other: Lead) -> None:
    """Fill the fields `first` lacks from `other` (same story reached through another route)."""
    for name in ("title", "lead", "published", "modified", "language"):
        if getattr(first, name) is None and getattr(other, name) is not None:
            setattr(first, name, getattr(other, name))
    first.keywords = first.keywords or list(other.keywords)


def _as_url(domain_or_url: str) -> str:
    """Google News gives the publisher as a URL, GDELT as a bare domain: make both URLs."""
    return domain_or_url if "://" in domain_or_url else f"https://{domain_or_url}"


def _is_pdf(response: Response) -> bool:
    return "pdf" in _content_type(response).lower() or b"%PDF-" in response.body[:PDF_HEADER_WINDOW]


def _content_type(response: Response) -> str:
    return (response.headers.get(b"Content-Type") or b"").decode("latin-1")


def _header_charset(response: Response) -> str | None:
    content_type = _content_type(response).lower()
    if "charset=" in content_type:
        return content_type.split("charset=", 1)[1].split(";")[0].strip().strip('"') or None
    return None
