"""An outlet is a declaration: its discovery routes, which URLs are articles, and how to treat refusals."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from functools import cached_property
from urllib.parse import urlsplit

from spiders.sources import Source


@dataclass(frozen=True)
class Outlet:
    name: str
    title: str
    language: str | None  # None: detect per article (multilingual outlets)
    domains: tuple[str, ...]
    sources: tuple[Source, ...]
    article_url_pattern: str | None = None  # regex; None = every discovered link is an article
    skip_url_patterns: tuple[str, ...] = ()
    enabled: bool = True
    disabled_reason: str | None = None
    # False: never fetch article pages (robots.txt or a bot wall forbids it); store metadata-only records.
    fetch_articles: bool = True
    # What a refused article page leaves us with: the listing's title + lead (tass.ru) or bare metadata (Reuters).
    on_blocked: str = "lead_only"
    user_agent: str | None = None
    interval_minutes: int | None = None
    cron: str | None = None
    extraction_hints: dict[str, object] = field(default_factory=dict)
    # Publications whose text lives in a linked PDF (INSS): XPath of the PDF link on the article page. The PDF
    # is downloaded and stored as the page's text; the HTML page is kept when the PDF cannot be fetched.
    pdf_link_xpath: str | None = None
    fixture_dir: str | None = None  # tests/fixtures/outlets/<name>: enforced by the registry test
    spider: str = "spiders.base.NewsSpider"  # dotted path; Wikipedia watches revisions, not articles

    @cached_property
    def _article_regex(self) -> re.Pattern[str] | None:
        return re.compile(self.article_url_pattern) if self.article_url_pattern else None

    @cached_property
    def _skip_regexes(self) -> tuple[re.Pattern[str], ...]:
        return tuple(re.compile(pattern) for pattern in self.skip_url_patterns)

    def is_article_url(self, url: str) -> bool:
        if any(regex.search(url) for regex in self._skip_regexes):
            return False
        return self._article_regex is None or bool(self._article_regex.search(url))

    def owns(self, url: str) -> bool:
        host = (urlsplit(url).hostname or "").lower()
        return any(host == domain or host.endswith("." + domain) for domain in self.domains)

    @property
    def routes(self) -> list[str]:
        return sorted({source.route for source in self.sources})

    def with_overrides(self, **changes: object) -> Outlet:
        return replace(self, **{key: value for key, value in changes.items() if value is not None})
