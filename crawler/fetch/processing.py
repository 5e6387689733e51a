"""relevance -> dedup -> store for one extracted article. No Scrapy: the Wikipedia watcher and tests use it too."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

from crawler.dedup import fingerprint as dedup, versions
from crawler.dedup.index import NearDupIndex
from crawler.discover import aggregator
from crawler.relevance import assess as relevance
from crawler.config import Settings
from crawler.discover.feeds import Lead
from crawler.discover.items import FetchedPage
from crawler.model import ExtractedArticle
from crawler.dedup.urls import canonical_url, clean_link, url_key
from crawler.stories.lexicon import default_lexicon
from storage import repo, story_repo
from storage.near_dups import BandTable, link_earlier_copies


# An aggregator result and the outlet's own copy of one story are published within a few days of each other.
AGGREGATOR_MATCH_WINDOW = timedelta(days=3)
# Routes whose links are tokens, not the article's URL (Google News): matched to stories by headline instead.
OPAQUE_LINK_ROUTES = frozenset({aggregator.GOOGLE_NEWS})


@dataclass(frozen=True)
class ProcessResult:
    article_id: int
    outcome: str  # new | updated | unchanged | filled | linked
    duplicate_kind: str | None = None


def _diff(old_title: str | None, old_text: str, new_title: str | None, new_text: str) -> tuple[bool, dict[str, Any]]:
    change = versions.diff_versions(old_title, old_text, new_title, new_text)
    summary = {
        "summary": change.summary(),
        "title_changed": change.title_changed,
        "sentences_added": list(change.sentences_added)[:50],
        "sentences_removed": list(change.sentences_removed)[:50],
        "size_delta": change.size_delta,
    }
    return versions.is_material_change(change), summary


class ArticleProcessor:
    """Stores articles; its start-up reads no stored articles (the near-duplicate index is a database table)."""

    def __init__(self, settings: Settings, sessions: sessionmaker[Session]) -> None:
        from spiders.registry import all_outlets  # late: spiders import this module's siblings

        self.settings = settings
        self.sessions = sessions
        self.outlets = all_outlets(settings)
        self.profile = relevance.load_profile(settings.topic.profile)
        self.threshold = settings.topic.threshold
        self.story_lexicon = default_lexicon()

    def near_index(self, session: Session) -> NearDupIndex:
        """The shared near-duplicate index, read and written through `session` (the caller's transaction)."""
        return near_dup_index(self.settings, BandTable(session))

    def store(
        self, outlet: Any, lead: Lead, article: ExtractedArticle, *, status: str, page: FetchedPage | None = None
    ) -> ProcessResult:
        fetched_url = page.url if page else lead.url
        url = clean_link(fetched_url, declared=article.canonical_url)  # a working link; identity is url_key
        aliases = {url_key(canonical_url(candidate)): candidate for candidate in _reached_via(lead, page)}
        key = url_key(fetched_url, declared=article.canonical_url)
        aliases.pop(key, None)
        outlet_name = outlet.name
        title = article.title or lead.title
        # Feeds and aggregators write "iw", "en-US" or "Arabic": store ISO 639-1 codes only.
        language = aggregator.result_language(article.language) or aggregator.result_language(lead.language) or outlet.language
        if lead.route in aggregator.AGGREGATOR_ROUTES:
            # Google News / GDELT: file the result under the outlet that published it, cleaned of " - Publisher";
            # the language tells apart two editions on one domain (meduza.io in Russian and in English).
            title = aggregator.headline(title, lead.route)
            owner = aggregator.owning_outlet(lead.url, lead.publisher_domain, self.outlets, language)
            outlet_name = owner or outlet.name
        scored = relevance.score(title, article.text, language, self.profile, lead=lead.lead, threshold=self.threshold)
        text_hash = dedup.content_hash(article.text) if article.text.strip() else None
        published = article.published
        record = repo.ArticleRecord(
            url_key=key,
            url=url,
            outlet=outlet_name,
            title=title,
            text=article.text,
            language=language,
            authors=list(article.authors),
            published_at=published.value,
            published_source=published.source,
            published_uncertain=published.uncertain,
            published_offset_minutes=published.offset_minutes,
            published_date_only=published.date_only,
            modified_at=article.modified_at,
            lead=lead.lead,
            keywords=list(article.keywords or lead.keywords),
            content_hash=text_hash,
            title_key=dedup.title_key(outlet_name, title, published.value.date() if published.value else None) if title else None,
            extraction_method=article.extraction_method,
            field_sources=dict(article.field_sources),
            status=status,
            route=lead.route,
            aliases=list(aliases.items()),
            pdf=page.body if page is not None and article.extraction_method.startswith("pdf") else None,
            relevance_score=scored.score,
            relevant=scored.relevant,
            relevance_matches=[asdict(match) for match in scored.matches],
            relevance_explanation=scored.explanation,
            signature=near_dup_signature(article.text) if status == "full" else None,
        )
        with self.sessions.begin() as session:
            _serialise_duplicate_checks(session)
            existing = repo.resolve_alias(session, [key, *aliases])
            if not existing and lead.route in OPAQUE_LINK_ROUTES:
                matched = self._match_headline(session, outlet_name, title, published.value)
                if matched is not None:
                    # The story is already stored under its real URL: one row, one more way it was found.
                    repo.link_alias(session, matched, key, lead.url, lead.route)
                    return ProcessResult(matched, "linked")
            elif not existing:
                adopted = self._match_headline(session, outlet_name, title, published.value, opaque_only=True)
                if adopted is not None:
                    # An aggregator got here first with an opaque link: this row becomes the real article.
                    repo.adopt_row(session, adopted, key, url)
                    existing = {key: adopted}
            if existing:
                # Reached before, perhaps under another URL (feed link vs sitemap loc vs canonical): same row.
                record.url_key = repo.url_key_of(session, existing.get(key) or next(iter(existing.values())))
            duplicate = self._find_duplicate(session, record) if not existing else None
            if duplicate:
                record.duplicate_of_id, record.duplicate_kind, record.duplicate_similarity = duplicate
            result = repo.store_article(session, record, diff=_diff)
            if result.outcome == "new" and record.signature and record.duplicate_of_id is None:
                # Inside the transaction (and its lock), so a node storing the same story next sees this one.
                self.near_index(session).add(str(result.article_id), record.signature, replace=False)
            if result.outcome == "new" and record.duplicate_of_id is None:
                # Same transaction and lock as the duplicate check: two reports of one event stored at once
                # by two nodes still see each other.
                story_repo.link_article(session, result.article_id, language=language, title=title, text=record.text,
                                        published=published.value, url=url, lexicon=self.story_lexicon)
        return ProcessResult(result.article_id, result.outcome, record.duplicate_kind if result.outcome == "new" else None)

    def reindex_text(self, session: Session, article_id: int) -> bool:
        """Sign and index a row whose text changed outside `store` (a watched Wikipedia page's new revision).

        Its old bands go first (computed from the old signature), so the index never points at text it had; news
        pages already stored that copy it are linked to it.
        """
        index = self.near_index(session)
        index.remove(str(article_id))
        text = repo.text_of(session, article_id) or ""
        sig = near_dup_signature(text)
        repo.set_signature(session, article_id, sig)
        if sig is None:
            return False
        # A news page that copied the page may have been stored first (outlets are crawled in any order): it is the
        # copy all the same, so it is linked to the page and leaves the index of originals.
        copies = index.query(sig, text=text, text_of=lambda key: repo.text_of(session, int(key)), exclude=str(article_id))
        for copy_id in link_earlier_copies(session, article_id, [(int(key), similarity) for key, similarity in copies]):
            index.remove(str(copy_id))
        return index.add(str(article_id), sig)

    def _match_headline(
        self, session: Session, outlet: str, title: str | None, published: datetime | None, *, opaque_only: bool = False
    ) -> int | None:
        """A stored article of `outlet` with the same headline within a few days (headlines repeat over years)."""
        candidates = repo.titles_around(
            session, outlet, published or datetime.now(timezone.utc), AGGREGATOR_MATCH_WINDOW,
            only_routes=OPAQUE_LINK_ROUTES if opaque_only else None,
        )
        return aggregator.match_stored(title, candidates, route=aggregator.GOOGLE_NEWS)

    def _find_duplicate(self, session: Session, record: repo.ArticleRecord) -> tuple[int, str, float] | None:
        if record.content_hash:
            original = repo.find_by_content_hash(session, record.content_hash)
            if original is not None:
                return original, "exact", 1.0
        if record.title_key:
            original = repo.find_by_title_key(session, record.title_key)
            if original is not None:
                return original, "title", 1.0
        if record.signature:
            # Candidates are verified with real Jaccard on their stored texts (read once each, and only for
            # candidates whose signature estimate leaves them a chance).
            texts: dict[str, str | None] = {}

            def text_of(key: str) -> str | None:
                if key not in texts:
                    texts[key] = repo.text_of(session, int(key))
                return texts[key]

            candidates = self.near_index(session).query(record.signature, text=record.text, text_of=text_of)
            # A key whose row is gone (its transaction rolled back after the index add) is no original.
            candidates = [(key, similarity) for key, similarity in candidates if text_of(key) is not None]
            if candidates:
                best_key, similarity = max(candidates, key=lambda pair: pair[1])
                return int(best_key), "near", similarity
        return None


def near_dup_index(settings: Settings, store: BandTable | None = None) -> NearDupIndex:
    """The near-duplicate index as configured (its banding follows dedup.near_threshold), over `store`."""
    return NearDupIndex(
        threshold=settings.dedup.near_threshold, verify_jaccard=settings.dedup.verify_jaccard, store=store
    )


# A text shorter than this is too short to call a near copy (a caption, a teaser): the exact layers handle it.
MIN_NEAR_DUP_CHARS = 200


def near_dup_signature(text: str) -> bytes | None:
    """The MinHash signature a full text is indexed under, or None when it is too short to have one."""
    return dedup.signature(text) if len(text) > MIN_NEAR_DUP_CHARS else None


# Duplicate checks read, then insert. Nodes sharing one PostgreSQL serialise that section with an advisory
# transaction lock, so the second of two simultaneous copies sees the first (measured: 100/100 pairs stored as two
# originals without it, 0/100 with it). SQLite has a single writer already.
DEDUP_LOCK_KEY = 0x636F7665


def _serialise_duplicate_checks(session: Session) -> None:
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": DEDUP_LOCK_KEY})


def _reached_via(lead: Lead, page: FetchedPage | None) -> list[str]:
    urls = [lead.url]
    if page is not None:
        urls += [page.requested_url, *page.redirect_urls, page.url]
    return urls


# One processor per process and store: every spider a process crawls shares it, so the outlet registry and the
# topic profile are built once, not once per spider.
_SHARED: dict[tuple[int, str], tuple[Settings, ArticleProcessor]] = {}


def shared_processor(settings: Settings, sessions: sessionmaker[Session]) -> ArticleProcessor:
    """The processor of this process for these settings (created on first use with `sessions`)."""
    key = (id(settings), settings.storage.url)
    if key not in _SHARED:
        _SHARED[key] = (settings, ArticleProcessor(settings, sessions))  # the settings ref keeps id() unique
    return _SHARED[key][1]
