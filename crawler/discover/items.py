"""What spiders hand to the pipeline. Plain dataclasses: Scrapy accepts them as items via itemadapter."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from crawler.discover.feeds import Lead


@dataclass
class FetchedPage:
    """An article response, not yet extracted (extraction is a pipeline stage, not the spider's job)."""

    outlet: str
    url: str
    requested_url: str
    status: int
    content_type: str
    body: bytes
    fetched_at: datetime
    lead: Lead
    charset: str | None = None
    redirect_urls: list[str] = field(default_factory=list)


@dataclass
class LeadRecord:
    """A lead stored without a page: lead-only (title + lead) or metadata-only (title, URL, date, keywords)."""

    outlet: str
    lead: Lead
    status: str
    attempted_fetch: bool
