"""Plain data passed between the pure stages: spider item -> extract -> relevance -> dedup -> store.

No Scrapy, no SQLAlchemy here: these are values, so every stage can be tested from a stored file.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from crawler.publisher_time import publisher_isoformat

# Article completeness. An analyst must always know when they are *not* reading the full text.
STATUS_FULL = "full"
STATUS_LEAD_ONLY = "lead_only"  # page refused (e.g. tass.ru 403): title + lead from the feed item
STATUS_METADATA_ONLY = "metadata_only"  # page not fetchable (robots/DataDome): title, URL, date, keywords
STATUS_PDF_PENDING = "pdf_pending"  # PDF stored but its text could not be extracted yet


@dataclass(frozen=True)
class DateEvidence:
    """A date together with where it came from and whether it is a guess."""

    value: datetime | None  # timezone-aware, or None: the instant, in UTC
    source: str  # "jsonld", "meta:article:published_time", "feed", "sitemap", "htmldate", "textual", ...
    uncertain: bool = False
    offset_minutes: int | None = None  # the UTC offset the page stated (None: none stated, shown as UTC)
    date_only: bool = False  # the page gave a day without a time: a date, not midnight UTC

    def local_isoformat(self) -> str | None:
        """The publisher's own form: `2020-02-15T00:00:00+02:00`, or `2020-02-15` for a bare date."""
        return publisher_isoformat(self.value, self.offset_minutes, self.date_only)


@dataclass
class ExtractedArticle:
    """What extraction found in one fetched document (HTML or PDF)."""

    url: str
    title: str | None = None
    text: str = ""
    language: str | None = None
    authors: list[str] = field(default_factory=list)
    published: DateEvidence = field(default_factory=lambda: DateEvidence(None, "none", True))
    modified_at: datetime | None = None
    canonical_url: str | None = None  # rel=canonical / og:url as declared by the page
    description: str | None = None
    keywords: list[str] = field(default_factory=list)
    extraction_method: str = "trafilatura"  # "trafilatura", "jsonld", "pdf:pypdfium2+bidi", ...
    field_sources: dict[str, str] = field(default_factory=dict)  # field name -> where its value came from
    warnings: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        """The stable JSONL shape of `coverwatch extract` (plus provenance fields)."""
        return {
            "url": self.url,
            "title": self.title,
            "text": self.text,
            "published_at": self.published.local_isoformat(),
            "published_at_utc": self.published.value.isoformat() if self.published.value else None,
            "published_at_source": self.published.source,
            "published_at_uncertain": self.published.uncertain,
            "modified_at": self.modified_at.isoformat() if self.modified_at else None,
            "language": self.language,
            "authors": list(self.authors),
            "canonical_url": self.canonical_url,
            "extraction_method": self.extraction_method,
            "field_sources": dict(self.field_sources),
        }


@dataclass(frozen=True)
class Match:
    """One matched topic term, so a relevance decision can be explained."""

    group: str  # entity group id, e.g. "hamas", "russia", "lavrov"
    side: str  # "russia" or "hamas"
    term: str  # the alias that matched
    surface: str  # the text as it appears in the document
    field: str  # "title", "lead" or "text"
    start: int  # character offset in that field
    end: int


@dataclass
class Relevance:
    score: float  # in [0, 1]
    relevant: bool
    matches: list[Match] = field(default_factory=list)
    explanation: str = ""  # one human sentence: why it matched or why not
