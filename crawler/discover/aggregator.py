"""Results of cross-outlet aggregators (Google News RSS, GDELT DOC) matched to outlets and to stored articles.

Pure: data in, data out, no Scrapy, no database. crawler/fetch/processing.py (ArticleProcessor) calls these when it
stores a lead whose route is an aggregator's:

- `owning_outlet(lead.url, lead.publisher_domain, outlets, language)`: which watched outlet a result belongs to. Google News
  links are opaque news.google.com tokens, so only the `<source url>` publisher domain can say; a GDELT result
  carries the article's own URL (research/outlets.md §8).
- `headline(title, route)`: the story's headline without Google's " - Publisher" suffix.
- `match_stored(title, candidates)`: the stored article of that outlet with the same normalised headline, so a
  Google News item adds a discovery route to it instead of becoming a second row.
- `claims_row(existing_routes, new_route)`: an outlet's own discovery takes over a row first stored from an
  aggregator (the outlet column then names the real publisher).
- `result_language(value)`: "iw", "en-US" and GDELT's "Arabic" as ISO 639-1 codes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Protocol
from urllib.parse import urlsplit

from crawler.dedup.fingerprint import normalize_title
from crawler.extract.language import normalize_code

GOOGLE_NEWS = "google_news"
GDELT = "gdelt"
AGGREGATOR_ROUTES = frozenset({GOOGLE_NEWS, GDELT})
# Google News appends the publisher to every item title: "<headline> - <publisher>". The publisher part is short;
# a longer tail is part of the headline ("Putin - the man who ..."), so it stays.
PUBLISHER_SUFFIX_MAX_CHARS = 60
GOOGLE_SUFFIX_SEPARATOR = " - "
# GDELT names the source language in English ("Arabic"); these are the topic's languages plus the usual others.
GDELT_LANGUAGE_CODES = {
    "arabic": "ar", "hebrew": "he", "russian": "ru", "english": "en", "french": "fr", "german": "de",
    "spanish": "es", "turkish": "tr", "persian": "fa", "ukrainian": "uk", "chinese": "zh", "italian": "it",
    "portuguese": "pt", "polish": "pl",
}


class OutletLike(Protocol):
    """What matching needs from an outlet declaration (spiders.outlet.Outlet satisfies it)."""

    enabled: bool
    domains: tuple[str, ...]
    language: str | None

    def owns(self, url: str) -> bool: ...

    def is_article_url(self, url: str) -> bool: ...


def publisher_url(publisher: str | None) -> str | None:
    """A Google News `<source url>` ("https://www.reuters.com") or a GDELT domain ("reuters.com") as a URL."""
    if not publisher or not publisher.strip():
        return None
    value = publisher.strip()
    return value if "://" in value else f"https://{value}"


def owning_outlet(
    url: str, publisher: str | None, outlets: Mapping[str, OutletLike], language: str | None = None
) -> str | None:
    """The watched outlet a result belongs to: by its own URL first (GDELT), else by its publisher (Google News).

    Outlets without domains (the aggregators themselves) never own anything; disabled outlets still do, so a
    result is credited to its publisher even while that publisher's own crawl is switched off.
    Where one domain serves several outlets (one per language edition), the result's own URL matching an outlet's
    article pattern decides first, then the result's `language` (ISO 639-1) against each outlet's language.
    """
    candidates = [(name, outlet) for name, outlet in outlets.items() if outlet.domains]
    for probe in (url, publisher_url(publisher)):
        if not probe or (urlsplit(probe).hostname or "").endswith("news.google.com"):
            continue
        owners = [name for name, outlet in candidates if outlet.owns(probe)]
        if len(owners) > 1:
            owners = _narrowed(owners, lambda name: outlets[name].is_article_url(probe))
            owners = _narrowed(owners, lambda name: bool(language) and outlets[name].language == language)
        if owners:
            # Still several: the most specific domain declaration wins, then the first name, so the answer is stable.
            return min(owners, key=lambda name: (-max(len(d) for d in outlets[name].domains), name))
    return None


def _narrowed(names: list[str], keep: Callable[[str], bool]) -> list[str]:
    """The names that pass `keep`, or all of them when none does (a criterion that says nothing narrows nothing)."""
    kept = [name for name in names if keep(name)]
    return kept or names


def headline(title: str | None, route: str = GOOGLE_NEWS, publisher_name: str | None = None) -> str | None:
    """The headline as the publisher wrote it: Google News titles lose their " - <publisher>" suffix."""
    if not title:
        return None
    text = " ".join(title.split())
    if route != GOOGLE_NEWS:
        return text or None
    if publisher_name and text.endswith(GOOGLE_SUFFIX_SEPARATOR + publisher_name.strip()):
        return text[: -len(GOOGLE_SUFFIX_SEPARATOR + publisher_name.strip())].strip() or None
    head, separator, tail = text.rpartition(GOOGLE_SUFFIX_SEPARATOR)
    if separator and head.strip() and len(tail) <= PUBLISHER_SUFFIX_MAX_CHARS:
        return head.strip()
    return text or None


def headline_key(title: str | None, route: str = GOOGLE_NEWS, publisher_name: str | None = None) -> str:
    """Normalised headline (dedup.normalize_title) for matching one story across discovery routes."""
    text = headline(title, route, publisher_name)
    return normalize_title(text) if text else ""


def match_stored(
    title: str | None,
    candidates: Iterable[tuple[int, str | None]],
    *,
    route: str = GOOGLE_NEWS,
    publisher_name: str | None = None,
) -> int | None:
    """The id of the candidate (id, stored title) with the same normalised headline, or None.

    Candidates should be the owning outlet's articles from a few days around the result's date: headlines repeat
    across years ("Lavrov meets Hamas delegation"), so the caller bounds the window, not this function.
    """
    key = headline_key(title, route, publisher_name)
    if not key:
        return None
    for article_id, stored in candidates:
        if stored and normalize_title(stored) == key:
            return article_id
    return None


def claims_row(existing_routes: Sequence[str] | None, new_route: str) -> bool:
    """True when a row so far known only through aggregators is now reached through the outlet's own route."""
    routes = list(existing_routes or [])
    return bool(routes) and all(route in AGGREGATOR_ROUTES for route in routes) and new_route not in AGGREGATOR_ROUTES


def result_language(value: str | None) -> str | None:
    """ISO 639-1 code from a feed's <language> ("iw", "en-US") or GDELT's language name ("Arabic")."""
    if not value:
        return None
    named = GDELT_LANGUAGE_CODES.get(value.strip().casefold())
    return named or normalize_code(value)
