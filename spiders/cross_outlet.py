"""Cross-outlet discovery: Google News RSS search and the GDELT DOC 2.0 API, one query per language (he, ar, ru, en).

Queries are built from the topic profile's own terms (crawler/relevance/data/topic_russia_hamas.toml), so editing the topic
changes what is searched. Results are metadata-only records that keep their discovery route: Google News links are
opaque tokens (research/outlets.md §8), and a GDELT hit for another outlet's domain is that outlet's to fetch.
crawler/discover/aggregator.py matches them to outlets (publisher domain) and to stored articles (normalised title).
Per-outlet `site:` / `domainis:` queries live in the outlets' own declarations (spiders/inss.py, reuters.py,
arabic_outlets.py), where a hit is attributed to the outlet. Fixtures: tests/fixtures/outlets/google_news,
tests/fixtures/outlets/gdelt (constructed: no capture of either exists).
"""

from __future__ import annotations

from functools import lru_cache

from crawler.relevance.profile import Alias, Profile, load_profile
from spiders.outlet import Outlet
from spiders.sources import GDELTDoc, GoogleNewsSearch

LANGUAGES = ("he", "ar", "ru", "en")
# The strongest single-entity groups of each side: the country and its leader/seat, the movement itself. Officials
# lower in the list add little recall to a news search and make the query long enough to be truncated.
RUSSIA_QUERY_GROUPS = ("russia", "putin", "kremlin", "lavrov")
HAMAS_QUERY_GROUPS = ("hamas",)
# Google News locales (hl, gl, ceid): keep the three consistent or the feed silently mixes editions (§8).
GOOGLE_NEWS_LOCALES = {
    "he": ("iw", "IL", "IL:iw"),
    "ar": ("ar", "SA", "SA:ar"),
    "ru": ("ru", "RU", "RU:ru"),
    "en": ("en-US", "US", "US:en"),
}
# Google News `when:` window. Polled hourly, 7 days keeps a missed day recoverable; dedup makes repeats free.
GOOGLE_NEWS_WINDOW = "when:7d"
# GDELT searches the English machine translation of every article, so its keywords are English for every
# source language; `sourcelang:` picks the language of the original.
GDELT_LANGUAGE_NAMES = {"he": "hebrew", "ar": "arabic", "ru": "russian", "en": "english"}


@lru_cache(maxsize=1)
def _default_profile() -> Profile:
    return load_profile(None)


def _search_alias(aliases: list[Alias]) -> str | None:
    """The alias a search engine should get: the shortest single form (engines handle inflection themselves).

    Ambiguous aliases count here (Arabic bare حماس): a search wants recall; relevance scoring decides later.
    """
    return min((alias.term for alias in aliases), key=len, default=None)


def topic_terms(lang: str, profile: Profile | None = None) -> tuple[list[str], list[str]]:
    """(Russia-side terms, Hamas-side terms) of the topic profile in one language, for search queries."""
    profile = profile or _default_profile()
    sides: list[list[str]] = []
    for group_ids in (RUSSIA_QUERY_GROUPS, HAMAS_QUERY_GROUPS):
        terms: list[str] = []
        for group_id in group_ids:
            group = profile.group(group_id)
            if group is None:
                continue
            own = [alias for alias in group.aliases if alias.lang == lang]
            # The group's first-listed alias is its dictionary name ("Russia", "Putin"); Hamas takes the shortest.
            term = _search_alias(own) if group.side == "hamas" else (own[0].term if own else None)
            if term and term not in terms:
                terms.append(term)
        sides.append(terms)
    return sides[0], sides[1]


def _any_of(terms: list[str]) -> str:
    quoted = [f'"{term}"' if " " in term else term for term in terms]
    return quoted[0] if len(quoted) == 1 else "(" + " OR ".join(quoted) + ")"


def topic_query(lang: str, profile: Profile | None = None) -> str:
    """A search-engine query naming both sides of the topic, e.g. `(Russia OR Putin OR Kremlin OR Lavrov) Hamas`."""
    russia, hamas = topic_terms(lang, profile)
    if not russia or not hamas:
        raise ValueError(f"the topic profile has no {lang!r} terms for one of its sides")
    return f"{_any_of(russia)} {_any_of(hamas)}"


def google_news(query: str, lang: str) -> GoogleNewsSearch:
    """A Google News RSS search in one language's edition."""
    hl, gl, ceid = GOOGLE_NEWS_LOCALES[lang]
    return GoogleNewsSearch(query, hl=hl, gl=gl, ceid=ceid)


def gdelt_query(lang: str, profile: Profile | None = None, *, domain: str | None = None) -> str:
    """GDELT DOC query: English topic terms, restricted by source language or to one exact domain."""
    scope = f"domainis:{domain}" if domain else f"sourcelang:{GDELT_LANGUAGE_NAMES[lang]}"
    return f"{topic_query('en', profile)} {scope}"


OUTLETS = (
    Outlet(
        name="google_news",
        title="Google News search (he, ar, ru, en)",
        language=None,
        domains=(),  # every publisher: items are attributed by their <source url> (crawler/discover/aggregator.py)
        sources=tuple(google_news(f"{topic_query(lang)} {GOOGLE_NEWS_WINDOW}", lang) for lang in LANGUAGES),
        fetch_articles=False,  # item links are opaque news.google.com tokens
        on_blocked="metadata_only",
        interval_minutes=60,  # undocumented limits: poll no more than hourly per query
        fixture_dir="google_news",
    ),
    Outlet(
        name="gdelt",
        title="GDELT DOC 2.0 (he, ar, ru, en)",
        language=None,
        domains=(),
        sources=tuple(GDELTDoc(gdelt_query(lang)) for lang in LANGUAGES),
        fetch_articles=False,  # hits belong to the outlets that publish them; kept as metadata here
        on_blocked="metadata_only",
        interval_minutes=60,  # best effort: about one request per 5 s, frequent outages (§8)
        fixture_dir="gdelt",
    ),
)
