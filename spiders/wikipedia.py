"""Wikipedia (every language): the watched Russia–Hamas article and new related articles, via the Action API.

Not a news site: the unit of change is a revision (research/outlets.md §3). Each run:
1. one cheap check on the seed wiki (en): prop=info|langlinks for settings.wikipedia.seed_titles, whose language
   links name the watched page in every other language (titles are never hard-coded);
2. one cheap check per other wiki (prop=info, up to 50 titles per call), comparing each page's lastrevid with the
   stored one; only a changed page costs a revisions request (with content), each revision stored as a version;
3. list=search with the topic's terms per language, newest-created first; an unseen page costs one request
   (its first revision = creation date, and its TextExtracts plain text) and goes through ArticleProcessor.
Etiquette: descriptive UA with contact, maxlag=5, at most 3 requests in flight, 429/Retry-After through the shared
retry middleware, maxlag errors retried here after their Retry-After. Fixtures: tests/fixtures/wikipedia/.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from typing import Any

import scrapy
from scrapy.http import Response
from twisted.python.failure import Failure as TwistedFailure

from crawler.discover import wikipedia as wiki
from crawler.config import WikipediaSettings
from crawler.dedup.fingerprint import content_hash
from crawler.discover.feeds import Lead
from crawler.model import STATUS_FULL, STATUS_METADATA_ONLY, DateEvidence, ExtractedArticle
from crawler.dedup.urls import canonical_url, url_key
from spiders.outlet import Outlet
from spiders.sources import ListingRequest
from storage import wiki_repo


@dataclass(frozen=True)
class WikipediaAPI:
    """The Action API endpoint as the outlet's source: it names the route, and the origin the address guard allows.

    The requests themselves are planned by WikipediaSpider; listing_requests() names the endpoint only so that the
    address guard and the robots/host bookkeeping see the same origin as for every other source.
    """

    url: str
    route: str = "wikipedia_api"

    def listing_requests(self) -> list[ListingRequest]:
        return [ListingRequest(self.url)]


DEFAULT_SETTINGS = WikipediaSettings()

OUTLETS = (
    Outlet(
        name="wikipedia",
        title="Wikipedia (watched article in every language, and new related articles)",
        language=None,  # one wiki per language; each page carries its wiki's language
        domains=("wikipedia.org",),
        # Replaced at crawl time by the endpoints of settings.wikipedia.api_url (see WikipediaSpider.from_crawler).
        sources=(WikipediaAPI(wiki.endpoint(DEFAULT_SETTINGS.api_url, DEFAULT_SETTINGS.seed_lang)),),  # type: ignore[arg-type]
        spider="spiders.wikipedia.WikipediaSpider",
        # Anonymous API clients get "hundreds of requests per hour"; a run costs ~2 per language when nothing changed.
        interval_minutes=60,
    ),
)

# Wikimedia asks API clients for at most 3 requests in flight (API:Etiquette; rate limits of March 2026).
MAX_CONCURRENT = 3
# Continuations of one page's new revisions (50 each) followed per run; the rest is caught up on the next run.
MAX_HISTORY_CALLS = 4
# New pages fetched per search per run: a flood of hits (a renamed topic) must not eat the hourly request budget.
MAX_NEW_PER_SEARCH = 10
# Why a 403 from Wikimedia happens, recorded with the failure so the operator knows what to fix.
REFUSAL_HINT = "Wikimedia refuses clients whose User-Agent is missing, a browser's or lacks contact details"
WATCHED_EXPLANATION = "watched Wikipedia article (settings.wikipedia: seed titles and their language links)"


@dataclass
class _WikiPlan:
    """What this run does on one wiki: the watched titles, open checks, and whether its search went out."""

    wiki: str  # host label ("als")
    lang: str  # language code ("gsw")
    titles: dict[str, str] = field(default_factory=dict)  # requested title -> watched_via
    open_checks: int = 0
    watched_pageids: set[int] = field(default_factory=set)
    searched: bool = False


class WikipediaSpider(scrapy.Spider):
    name = "wikipedia"
    outlet: Outlet

    @classmethod
    def update_settings(cls, settings: Any) -> None:
        super().update_settings(settings)
        coverwatch = settings.get("COVERWATCH_SETTINGS")
        limit = MAX_CONCURRENT
        if coverwatch is not None:
            limit = min(limit, coverwatch.wikipedia.max_concurrent_requests)
        # Per crawler: every language is its own host, so the per-domain limit alone would allow 3 per wiki.
        settings.set("CONCURRENT_REQUESTS", limit, priority="spider")
        settings.set("CONCURRENT_REQUESTS_PER_DOMAIN", limit, priority="spider")

    @classmethod
    def from_crawler(cls, crawler: Any, *args: Any, **kwargs: Any) -> WikipediaSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        config: WikipediaSettings = crawler.settings["COVERWATCH_SETTINGS"].wikipedia
        # The configured endpoints are the outlet's sources, so the run context allows their origin even when it
        # is internal (a local mirror, the tests' server); wikis reached only through langlinks must be public.
        spider.outlet = spider.outlet.with_overrides(sources=configured_sources(config))
        return spider

    def __init__(self, outlet: Outlet, *args: Any, **kwargs: Any) -> None:
        super().__init__(outlet.name, *args, **kwargs)
        self.outlet = outlet
        if outlet.user_agent:
            self.user_agent = outlet.user_agent  # honoured by Scrapy's UserAgentMiddleware
        self._wikis: dict[str, _WikiPlan] = {}
        self._seed_open = 0
        self._processor: Any = None

    @property
    def context(self):  # type: ignore[no-untyped-def]
        return self.crawler.coverwatch  # set by crawler.fetch.extension.CoverwatchExtension

    @property
    def config(self) -> WikipediaSettings:
        return self.context.settings.wikipedia

    @property
    def processor(self):  # type: ignore[no-untyped-def]
        if self._processor is None:
            from crawler.fetch.processing import shared_processor

            self._processor = shared_processor(self.context.settings, self.context.sessions)
        return self._processor

    # --- planning ------------------------------------------------------------------------------------------

    async def start(self) -> AsyncIterator[scrapy.Request]:
        user_agent = self.outlet.user_agent or self.crawler.settings.get("USER_AGENT")
        problem = wiki.check_user_agent(user_agent)
        if problem:
            self.context.failure(self.name, "bad_user_agent", "", f"not contacting Wikimedia: {problem}")
            return
        config = self.config
        seed = self._plan(config.seed_lang, config.seed_lang)
        for entry in config.extra_titles:
            try:
                code, title = wiki.parse_extra_title(entry)
            except ValueError as error:
                self.context.failure(self.name, "bad_config", "", str(error))
                continue
            self._plan(code, code).titles.setdefault(title, "wiki_config")
        for title in config.seed_titles:
            seed.titles[title] = "wiki_seed"
        batches = wiki.chunked(sorted(seed.titles))
        if not batches:
            for request in self._after_seed():
                yield request
            return
        for titles in batches:
            seed.open_checks += 1
            self._seed_open += 1
            yield self._request(seed, wiki.check_url(self._api(seed), titles, maxlag=config.maxlag, langlinks=True),
                                "check", titles=titles, seed=True)

    def _plan(self, code: str, lang: str) -> _WikiPlan:
        if code not in self._wikis:
            self._wikis[code] = _WikiPlan(wiki=code, lang=lang)
        return self._wikis[code]

    def _api(self, plan: _WikiPlan) -> str:
        return wiki.endpoint(self.config.api_url, plan.wiki)

    def _request(self, plan: _WikiPlan, url: str, step: str, **meta: Any) -> scrapy.Request:
        return scrapy.Request(
            url,
            callback=self.parse_api,
            errback=self.on_api_error,
            dont_filter=True,  # polled every run; a maxlag retry repeats the same URL
            headers={"Accept": "application/json"},
            meta={
                "step": step,
                "wiki": plan.wiki,
                # robots.txt disallows /w/ for page crawlers; the Action API is the interface Wikimedia directs
                # bots to, governed by API:Etiquette (UA, maxlag, serial requests), which this spider follows.
                "dont_obey_robotstxt": True,
                "dont_cache": True,
                **meta,
            },
        )

    def _after_seed(self) -> Iterator[scrapy.Request]:
        """The seed's language links are known: check every other wiki's watched titles, search the rest."""
        config = self.config
        for code in sorted(self._wikis):
            plan = self._wikis[code]
            if code == config.seed_lang or not plan.titles:
                continue
            for titles in wiki.chunked(sorted(plan.titles)):
                plan.open_checks += 1
                yield self._request(plan, wiki.check_url(self._api(plan), titles, maxlag=config.maxlag), "check", titles=titles)
        for lang in sorted(config.search_terms):
            plan = self._plan(lang, lang)
            if not plan.titles:
                yield from self._search(plan)

    def _check_done(self, plan: _WikiPlan, *, seed: bool) -> Iterator[scrapy.Request]:
        plan.open_checks -= 1
        if seed:
            self._seed_open -= 1
            if self._seed_open == 0:
                yield from self._after_seed()
        if plan.open_checks == 0:
            # Searched only now, so the watched pages are known and not mistaken for new ones.
            yield from self._search(plan)

    def _search(self, plan: _WikiPlan) -> Iterator[scrapy.Request]:
        terms = self.config.search_terms.get(plan.lang) or self.config.search_terms.get(plan.wiki)
        if plan.searched or not terms:
            return
        plan.searched = True
        yield self._request(plan, wiki.search_url(self._api(plan), terms, maxlag=self.config.maxlag), "search")

    # --- answers -------------------------------------------------------------------------------------------

    async def parse_api(self, response: Response) -> AsyncIterator[Any]:
        meta = response.meta
        try:
            data = wiki.load_json(response.body)
        except wiki.WikiResponseError as error:
            self.context.failure(self.name, error.reason, response.url, error.detail, response.status)
            for output in self._step_failed(meta):
                yield output
            return
        error = wiki.api_error(data)
        if error is not None and error.code == wiki.MAXLAG_ERROR:
            retry = await self._retry_after_maxlag(response, error)
            if retry is not None:
                yield retry
                return
        if error is not None:
            self.context.failure(self.name, _error_reason(error.code), response.url, _error_detail(error, meta), response.status)
            for output in self._step_failed(meta):
                yield output
            return
        self.crawler.stats.inc_value("listing/parsed")
        handler = {"check": self._on_check, "history": self._on_history, "search": self._on_search, "newpage": self._on_newpage}
        for output in handler[meta["step"]](response, data):
            yield output

    async def _retry_after_maxlag(self, response: Response, error: wiki.ApiError) -> scrapy.Request | None:
        """The replicas lag: wait as told (Retry-After), then ask again; None once the retries are spent."""
        attempts = int(response.meta.get("maxlag_retries", 0))
        if attempts >= self.context.settings.crawl.retry_times:
            return None
        header = response.headers.get(b"Retry-After")
        delay = wiki.retry_after_seconds(header.decode("latin-1") if header else None)
        if delay is None:
            delay = error.lag if error.lag is not None else float(self.config.maxlag)
        delay = min(delay, self.crawler.settings.getfloat("COVERWATCH_BACKOFF_MAX", 120.0))
        stats = self.crawler.stats
        stats.inc_value("wiki/maxlag_retries")
        stats.inc_value("retry/backoff_seconds", int(delay))
        if delay > 0:
            await asyncio.sleep(delay)
        return response.request.replace(meta={**response.meta, "maxlag_retries": attempts + 1}, dont_filter=True)

    def on_api_error(self, failure: TwistedFailure) -> Iterator[Any]:
        request = getattr(failure, "request", None)
        reason, status, detail = self.context.classify_error(failure)
        if status == 403:
            body = getattr(getattr(failure.value, "response", None), "body", b"")[:200].decode("utf-8", "replace")
            detail = f"{detail}: {REFUSAL_HINT}. {body}".strip()
        self.context.failure(self.name, reason, request.url if request is not None else "", detail, status)
        if request is not None:
            yield from self._step_failed(request.meta)

    def _step_failed(self, meta: dict[str, Any]) -> Iterator[scrapy.Request]:
        if meta.get("step") == "check":
            yield from self._check_done(self._wikis[meta["wiki"]], seed=bool(meta.get("seed")))

    # --- the cheap check -----------------------------------------------------------------------------------

    def _on_check(self, response: Response, data: dict[str, Any]) -> Iterator[scrapy.Request]:
        meta = response.meta
        plan = self._wikis[meta["wiki"]]
        mapping = wiki.title_map(data)
        requested_by_title = {wiki.resolve_title(title, mapping): title for title in meta["titles"]}
        pages = wiki.parse_pages(data)
        stats = self.crawler.stats
        if meta.get("seed"):
            for page in pages:
                if plan.titles.get(requested_by_title.get(page.title, page.title)) == "wiki_seed":
                    for link in page.langlinks:
                        self._watch(link)
        if not meta.get("langlinks_only"):
            stats.inc_value("wiki/cheap_checks")
            stats.inc_value("leads/found", len(pages))
            yield from self._compare(plan, pages, requested_by_title, response.url)
        llcontinue = wiki.continuation(data).get("llcontinue")
        if meta.get("seed") and llcontinue:
            # More language links than one answer holds: ask for the rest before the other wikis are planned.
            plan.open_checks += 1
            self._seed_open += 1
            url = wiki.check_url(
                self._api(plan), meta["titles"], maxlag=self.config.maxlag, langlinks=True, llcontinue=llcontinue
            )
            yield self._request(plan, url, "check", titles=meta["titles"], seed=True, langlinks_only=True)
        yield from self._check_done(plan, seed=bool(meta.get("seed")))

    def _watch(self, link: wiki.LangLink) -> None:
        if not wiki.WIKI_CODE.match(link.wiki) or not link.title:
            self.crawler.stats.inc_value("wiki/langlink_unusable")
            return
        self._plan(link.wiki, link.lang).titles.setdefault(link.title, "wiki_langlinks")

    def _compare(
        self, plan: _WikiPlan, pages: list[wiki.PageInfo], requested_by_title: dict[str, str], url: str
    ) -> Iterator[scrapy.Request]:
        stats = self.crawler.stats
        with self.context.sessions() as session:
            stored = wiki_repo.last_revisions(session, plan.lang, [page.pageid for page in pages if page.pageid is not None])
        for page in pages:
            if page.missing or page.invalid or page.pageid is None:
                detail = f"{plan.wiki}:{page.title} does not exist (or is not a page)"
                self.context.failure(self.name, "wiki_page_missing", url, detail)
                continue
            plan.watched_pageids.add(page.pageid)
            if page.pageid in stored and stored[page.pageid] == page.lastrevid:
                stats.inc_value("wiki/unchanged")
                continue
            previous = stored.get(page.pageid)
            if previous is not None and page.lastrevid is not None and page.lastrevid < previous:
                # Our newest revision was deleted or suppressed: nothing newer exists to fetch.
                stats.inc_value("wiki/newest_revision_removed")
                continue
            stats.inc_value("wiki/changed")
            page_url = page.url or wiki.article_url(plan.wiki, page.title)
            watched = wiki_repo.WatchedPage(
                lang=plan.lang, pageid=page.pageid, title=page.title, url=page_url, url_key=url_key(canonical_url(page_url)),
                watched_via=plan.titles.get(requested_by_title.get(page.title, page.title), "wiki_langlinks"),
                relevance_explanation=WATCHED_EXPLANATION,
            )
            history = wiki.revisions_url(self._api(plan), page.pageid, maxlag=self.config.maxlag, since_revid=previous)
            yield self._request(plan, history, "history", page=watched, start=previous, since=previous, base=None, calls=1)

    # --- revisions -----------------------------------------------------------------------------------------

    def _on_history(self, response: Response, data: dict[str, Any]) -> Iterator[scrapy.Request]:
        meta = response.meta
        plan = self._wikis[meta["wiki"]]
        watched: wiki_repo.WatchedPage = meta["page"]
        since: int | None = meta["since"]  # newest revision already stored (None: first sight)
        base: wiki.Revision | None = meta["base"]  # the revision the first new one is compared with
        page = next((p for p in wiki.parse_pages(data) if p.pageid == watched.pageid), None)
        if page is None or page.missing:
            detail = f"{plan.wiki}:{watched.title} vanished before its history was read"
            self.context.failure(self.name, "wiki_page_missing", response.url, detail)
            return
        fetched = wiki.oldest_first(page.revisions)
        if since is not None and base is None and fetched and fetched[0].revid == since:
            base = fetched[0]  # rvstartid is inclusive: the stored revision is the diff base of the first new one
        new = [revision for revision in fetched if since is None or revision.revid > since]
        versions = wiki.revision_versions(base, new)
        result = self._store_revisions(watched, versions)
        updated = bool(meta.get("updated"))
        if result.stored and not result.created and not updated:
            self.crawler.stats.inc_value("articles/updated")  # once, however many pages its new revisions took
            updated = True
        rvcontinue = wiki.continuation(data).get("rvcontinue")
        if not (rvcontinue and since is not None and fetched):
            return  # complete (or first sight, which keeps only the newest INITIAL_HISTORY revisions)
        if meta["calls"] >= MAX_HISTORY_CALLS:
            self.crawler.stats.inc_value("wiki/history_deferred")  # the next run continues from the newest stored
            return
        readable = [revision for revision in ([base] if base else []) + new if revision.content is not None]
        url = wiki.revisions_url(
            self._api(plan), watched.pageid, maxlag=self.config.maxlag, since_revid=meta["start"], rvcontinue=rvcontinue
        )
        yield self._request(
            plan, url, "history", page=watched, start=meta["start"], since=max(since, fetched[-1].revid),
            base=readable[-1] if readable else base, calls=meta["calls"] + 1, updated=updated,
        )

    def _store_revisions(
        self, watched: wiki_repo.WatchedPage, versions: list[wiki.RevisionVersion]
    ) -> wiki_repo.RevisionsResult:
        records = [
            wiki_repo.RevisionRecord(
                revision_id=version.revision.revid, timestamp=version.revision.timestamp, user=version.revision.user,
                comment=version.revision.comment, size=version.revision.size, text=version.text,
                content_hash=content_hash(version.text) if version.text else None, change_summary=version.change_summary,
                created_page=bool(version.change_summary.get("created")),
            )
            for version in versions
        ]
        with self.context.sessions.begin() as session:
            result = wiki_repo.record_revisions(session, watched, records)
            if any(record.text for record in records):
                # The page's text takes part in near-duplicate detection: a news page copying it is linked to it.
                self.processor.reindex_text(session, result.article_id)
        stats = self.crawler.stats
        stats.inc_value("wiki/revisions_stored", result.stored)
        stats.inc_value("pages/extracted", sum(1 for record in records if record.text))
        if result.created:
            stats.inc_value("articles/new")
        return result

    # --- new related articles --------------------------------------------------------------------------------

    def _on_search(self, response: Response, data: dict[str, Any]) -> Iterator[scrapy.Request]:
        plan = self._wikis[response.meta["wiki"]]
        hits = [hit for hit in wiki.parse_search(data) if hit.title not in plan.titles]
        stats = self.crawler.stats
        stats.inc_value("leads/found", len(hits))
        with self.context.sessions() as session:
            known = wiki_repo.known_pageids(session, plan.lang, [hit.pageid for hit in hits])
        for hit in wiki.iter_new_hits(hits, known | plan.watched_pageids, MAX_NEW_PER_SEARCH):
            stats.inc_value("wiki/search_new")
            url = wiki.new_page_url(self._api(plan), hit.pageid, maxlag=self.config.maxlag)
            yield self._request(plan, url, "newpage", hit=hit)

    def _on_newpage(self, response: Response, data: dict[str, Any]) -> Iterator[Any]:
        self._store_new_page(response, data)
        return iter(())

    def _store_new_page(self, response: Response, data: dict[str, Any]) -> None:
        """An unseen search hit becomes an article through the pipeline's own processor (relevance, dedup)."""
        plan = self._wikis[response.meta["wiki"]]
        hit: wiki.SearchHit = response.meta["hit"]
        page = next((p for p in wiki.parse_pages(data) if p.pageid == hit.pageid), None)
        stats = self.crawler.stats
        if page is None or page.missing or page.pageid is None:
            stats.inc_value("wiki/new_page_gone")  # deleted between the search and now
            return
        first = page.revisions[0] if page.revisions else None
        created = first.timestamp if first is not None else None
        published = DateEvidence(created, "wikipedia:first_revision", created is None)
        page_url = page.url or wiki.article_url(plan.wiki, page.title)
        text = (page.extract or "").strip()
        lead = Lead(url=page_url, route="wiki_search", title=page.title, lead=hit.snippet or None, published=published,
                    modified=hit.timestamp, language=plan.lang)
        article = ExtractedArticle(
            url=page_url, title=page.title, text=text, language=plan.lang, published=published, modified_at=hit.timestamp,
            canonical_url=page_url, extraction_method="wikipedia:textextracts",
            field_sources={"title": "wikipedia:api", "text": "wikipedia:textextracts", "published": "wikipedia:first_revision"},
        )
        result = self.processor.store(self.outlet, lead, article, status=STATUS_FULL if text else STATUS_METADATA_ONLY)
        with self.context.sessions.begin() as session:
            wiki_repo.set_wiki_identity(session, result.article_id, lang=plan.lang, pageid=page.pageid, lastrevid=page.lastrevid)
        if text:
            stats.inc_value("pages/extracted")
        stats.inc_value(f"articles/{result.outcome}")
        if result.duplicate_kind:
            stats.inc_value(f"dedup/{result.duplicate_kind}")


def configured_sources(config: WikipediaSettings) -> tuple[WikipediaAPI, ...]:
    """One source per wiki the settings name (seed, search languages, extra titles), endpoints deduplicated."""
    wikis = {config.seed_lang, *config.search_terms}
    for entry in config.extra_titles:
        try:
            wikis.add(wiki.parse_extra_title(entry)[0])
        except ValueError:
            continue  # reported as a failure when the run starts
    endpoints = {wiki.endpoint(config.api_url, code) for code in wikis if wiki.WIKI_CODE.match(code)}
    return tuple(WikipediaAPI(url) for url in sorted(endpoints))


def _error_reason(code: str) -> str:
    """The recorded reason for an API error code (rate limiting counts as a refusal in health)."""
    if code == "ratelimited":
        return "rate_limited"
    if code == wiki.MAXLAG_ERROR:
        return "maxlag"
    return f"api_{code}"[:64]


def _error_detail(error: wiki.ApiError, meta: dict[str, Any]) -> str:
    if error.code == wiki.MAXLAG_ERROR:
        return f"replicas lagged {error.lag}s after {meta.get('maxlag_retries', 0)} retries: {error.info}"
    return error.info
