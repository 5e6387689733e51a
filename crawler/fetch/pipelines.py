"""The item pipeline: extract -> relevance -> dedup -> store, one transaction per article.

Each stage is a pure function from its own module; this adapter only wires them and counts outcomes in stats.
"""

from __future__ import annotations

import logging
from typing import Any

from scrapy.crawler import Crawler

from crawler.fetch.extension import STORAGE_ERRORS
from crawler.extract.article import ExtractionHints, extract_document
from crawler.discover.items import FetchedPage, LeadRecord
from crawler.extract.budget import BudgetExceeded
from crawler.model import STATUS_FULL, STATUS_LEAD_ONLY, STATUS_PDF_PENDING, DateEvidence, ExtractedArticle
from crawler.fetch.processing import ArticleProcessor, shared_processor

log = logging.getLogger(__name__)


class StorePipeline:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.processor: ArticleProcessor | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StorePipeline:
        return cls(crawler)

    def open_spider(self, spider: Any = None) -> None:
        context = self.crawler.coverwatch  # type: ignore[attr-defined]
        self.processor = shared_processor(context.settings, context.sessions)

    def process_item(self, item: Any, spider: Any = None) -> Any:
        context = self.crawler.coverwatch  # type: ignore[attr-defined]
        if context.storage_error is None:
            try:
                return self._process_item(item, spider)
            except STORAGE_ERRORS as error:  # the database went away: the crawl stops; this item is not stored
                context.storage_lost(error)
        self.crawler.stats.inc_value("storage/items_not_stored")
        return item

    def _process_item(self, item: Any, spider: Any = None) -> Any:
        spider = spider or self.crawler.spider
        assert self.processor is not None
        stats = self.crawler.stats
        context = self.crawler.coverwatch  # type: ignore[attr-defined]
        if isinstance(item, FetchedPage):
            article = self._extract(item, spider)
            if article is None:
                return self._keep_lead(item, spider)
            status = STATUS_FULL
            if not article.text.strip():
                if article.extraction_method.startswith("pdf"):
                    status = STATUS_PDF_PENDING  # kept, and counted: an encrypted or corrupt PDF must not pass silently
                    context.failure(spider.name, "pdf_unreadable", item.url, _why(article, "no text extracted from the PDF"))
                else:
                    context.failure(spider.name, "extraction_empty", item.url, _why(article, "no article text found on the page"))
                    if not (item.lead.title or item.lead.lead):
                        return item
                    status = STATUS_LEAD_ONLY
            stats.inc_value("pages/extracted")
            result = self.processor.store(spider.outlet, item.lead, article, status=status, page=item)
        elif isinstance(item, LeadRecord):
            article = ExtractedArticle(
                url=item.lead.url,
                title=item.lead.title,
                # A lead-only record's text is the listing's lead; metadata-only rows keep it in `lead`, not as body.
                text=(item.lead.lead or "") if item.status == STATUS_LEAD_ONLY else "",
                language=item.lead.language or spider.outlet.language,
                published=item.lead.published or DateEvidence(None, "none", True),
                keywords=list(item.lead.keywords),
                extraction_method="listing",
                field_sources={"title": item.lead.route, "text": item.lead.route},
            )
            result = self.processor.store(spider.outlet, item.lead, article, status=item.status)
        else:
            return item
        stats.inc_value(f"articles/{result.outcome}")
        if result.duplicate_kind:
            stats.inc_value(f"dedup/{result.duplicate_kind}")
        return item

    def _extract(self, item: FetchedPage, spider: Any) -> ExtractedArticle | None:
        hints = ExtractionHints(**spider.outlet.extraction_hints) if spider.outlet.extraction_hints else None
        try:
            return extract_document(
                item.body,
                item.url,
                content_type=item.content_type,
                hints=hints,
                feed_date=item.lead.published,
                fetched_at=item.fetched_at,
                declared_language=spider.outlet.language,
            )
        except BudgetExceeded as exc:  # a bomb costs one recorded failure and its memory is never spent
            self.crawler.stats.inc_value(f"extraction/{exc.reason}")
            self.crawler.coverwatch.failure(spider.name, f"extraction_{exc.reason}", item.url, exc.detail)  # type: ignore[attr-defined]
            return None
        except Exception as exc:  # a malformed page must cost one failure, never the run
            self.crawler.coverwatch.failure(spider.name, "extraction_error", item.url, f"{type(exc).__name__}: {exc}"[:300])  # type: ignore[attr-defined]
            return None


    def _keep_lead(self, item: FetchedPage, spider: Any) -> Any:
        """A page that could not be extracted still leaves what its listing said (title, lead), marked lead_only."""
        if not (item.lead.title or item.lead.lead):
            return item
        return self._process_item(LeadRecord(outlet=item.outlet, lead=item.lead, status=STATUS_LEAD_ONLY, attempted_fetch=True), spider)


def _why(article: ExtractedArticle, summary: str) -> str:
    """The failure detail: what went wrong, then the extractor's own warnings (e.g. "pdf: encrypted: ...")."""
    return "; ".join([summary, *article.warnings])[:500]
