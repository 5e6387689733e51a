"""UI search latency and digest time on a store of N articles (default 100k), SQLite and PostgreSQL.

The store is built from real texts (the repository's fixtures: TASS politics in English, ynet in Hebrew, three
Arabic articles, a Kommersant article in Russian): each synthetic article is 6-12 paragraphs drawn from one
language's pool, with a title taken from one of them, spread over a year of first_seen times. Rows go in with
bulk INSERTs on a schema made by the migrations (storage.db.upgrade), so PostgreSQL's trigger writes each
row's search document and SQLite's triggers fill FTS5, exactly as for crawled articles. The PostgreSQL trigram
index is dropped for the load and rebuilt after it (as a bulk load would), then the tables are ANALYZEd.

Timed through the public functions the UI and the digest call:
- crawler.web.queries.queue(): the review queue's page of 50 plus its (bounded) count, with the UI's default
  filters (open, relevant) and with all relevance levels, for an English, a Hebrew and an Arabic word
  (the Hebrew and Arabic ones also match their prefixed forms: וחמאס, والحكومة);
- crawler.digest.build_digest() for one day in the middle of the year.
Each query runs REPEATS times; printed: p50 and p95 in ms, and the share of articles the word occurs in.

--old-search also times PostgreSQL's previous search (migration 0003: translate() + ILIKE over title, lead and
text, under its own expression index) on the same store, for the before/after.

Run:  .venv/bin/python bench/search_scale.py [--n 100000] [--backends sqlite,postgresql] [--old-search] [--keep]
Needs PostgreSQL at 127.0.0.1:5432 (trust auth) for the postgresql backend; creates and drops its own database.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # run as a script from anywhere

from sqlalchemy import and_, create_engine, func, insert, select, text  # noqa: E402
from sqlalchemy.engine import Engine  # noqa: E402

from crawler.config import Settings  # noqa: E402
from crawler.digest import build_digest  # noqa: E402
from crawler.web import queries  # noqa: E402
from crawler.web.search import search_terms  # noqa: E402
from storage.db import make_engine, make_session_factory, upgrade  # noqa: E402
from storage.models import Article  # noqa: E402

FIXTURES = REPO / "tests" / "fixtures"
PG_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
# One database per checkout (named after its folder), so that two checkouts on one server can bench at once.
PG_DATABASE = "coverwatch_bench_search_" + re.sub(r"\W", "_", REPO.name.lower())
WORDS = {"en": "Hamas", "he": "חמאס", "ar": "حماس", "absent": "Ouagadougou"}  # the last: no match, the index path
LANGUAGE_SHARE = {"en": 0.40, "he": 0.20, "ar": 0.25, "ru": 0.15}
RELEVANT_SHARE = 0.3
THRESHOLD, MARGIN = 0.5, 0.15
REPEATS = 20
BATCH = 2_000
YEAR_START = datetime(2025, 1, 1, tzinfo=timezone.utc)


def paragraph_pools() -> dict[str, list[str]]:
    """Real paragraphs per language from the repository's fixtures (provenance in their READMEs)."""
    pools: dict[str, list[str]] = {"en": [], "he": [], "ar": [], "ru": []}
    for article in json.loads((FIXTURES / "digest" / "en_tass_com_politics_2024.json").read_text(encoding="utf-8")):
        content = article.get("content") or article.get("text") or []
        paragraphs = content if isinstance(content, list) else str(content).split("\n")
        pools["en"] += [p.strip() for p in paragraphs if len(p.strip()) > 80]
    for name, language in (("001_9937a1afac64ea19.txt", "he"), ("002_d7bb2ef8fcebef61.txt", "ar"),
                           ("003_c373039b646e1749.txt", "ar"), ("004_81acf5e274c7aa0e.txt", "ar")):
        lines = (FIXTURES / "digest" / name).read_text(encoding="utf-8").splitlines()
        pools[language] += [line.strip() for line in lines if len(line.strip()) > 80]
    kommersant = json.loads((FIXTURES / "digest" / "ru_kommersant_expected_fundus.json").read_text(encoding="utf-8"))
    for value in _strings(kommersant):
        pools["ru"] += [line.strip() for line in value.split("\n") if len(line.strip()) > 80]
    return {language: sorted(set(pool)) for language, pool in pools.items()}


def _strings(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for item in value.values() for s in _strings(item)]
    if isinstance(value, list):
        return [s for item in value for s in _strings(item)]
    return []


def synthetic_rows(n: int, pools: dict[str, list[str]], seed: int = 17):
    rng = random.Random(seed)
    languages, weights = zip(*LANGUAGE_SHARE.items())
    for index in range(n):
        language = rng.choices(languages, weights)[0]
        paragraphs = rng.sample(pools[language], min(len(pools[language]), rng.randint(6, 12)))
        title = paragraphs[0][:140]
        seen = YEAR_START + timedelta(seconds=int(index * 365 * 86400 / n))
        score = rng.random() * (1.0 if rng.random() < RELEVANT_SHARE else THRESHOLD)
        yield {
            "url_key": f"{index:040x}", "url": f"https://bench.example/{language}/{index}", "outlet": f"bench-{language}",
            "language": language, "title": title, "authors": [], "published_at": seen, "published_source": "bench",
            "published_uncertain": False, "first_seen": seen, "last_seen": seen, "text": "\n\n".join(paragraphs),
            "lead": paragraphs[0][:300], "keywords": [], "extraction_method": "bench", "field_sources": {}, "status": "full",
            "discovered_via": [], "relevance_score": score, "relevant": score >= THRESHOLD, "relevance_matches": [],
            "relevance_explanation": "", "version_count": 1, "review_status": "new", "starred": False, "note": "",
        }


def build_store(engine: Engine, n: int, pools: dict[str, list[str]]) -> float:
    started = time.perf_counter()
    upgrade(engine)
    postgres = engine.dialect.name == "postgresql"
    if postgres:
        with engine.begin() as connection:
            connection.execute(text("DROP INDEX IF EXISTS ix_articles_search_document_trgm"))
    rows = synthetic_rows(n, pools)
    while True:
        batch = [row for _, row in zip(range(BATCH), rows)]
        if not batch:
            break
        with engine.begin() as connection:
            connection.execute(insert(Article), batch)
    with engine.begin() as connection:
        if postgres:
            connection.execute(text("SET maintenance_work_mem = '256MB'"))
            connection.execute(text("CREATE INDEX ix_articles_search_document_trgm ON articles USING gin (search_document gin_trgm_ops)"))
        connection.execute(text("ANALYZE"))
    return time.perf_counter() - started


def timed(call: Callable[[], object], repeats: int = REPEATS) -> tuple[float, float, object]:
    samples, result = [], None
    for _ in range(repeats):
        started = time.perf_counter()
        result = call()
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    return statistics.median(samples), samples[min(len(samples) - 1, int(0.95 * len(samples)))], result


def old_search_count(session, word: str) -> int:  # type: ignore[no-untyped-def]
    """Migration 0003's search: translate() + ILIKE over the three columns, for each candidate row."""
    searchable = func.coverwatch_search_text(Article.title, Article.lead, Article.text)
    condition = and_(*(searchable.ilike(f"%{term}%") for term in search_terms(word)))
    return int(session.scalar(select(func.count()).select_from(Article).where(condition)) or 0)


def run_backend(backend: str, n: int, pools: dict[str, list[str]], old_search: bool, keep: bool) -> None:
    """Build (or, with --keep, reuse a kept store of the same size) and time."""
    workdir = Path(tempfile.gettempdir()) / "search_scale"
    workdir.mkdir(exist_ok=True)
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    if backend == "sqlite":
        url = f"sqlite:///{workdir / f'bench-{n}.db'}"
    else:
        url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{PG_DATABASE}"
        with admin.connect() as connection:
            if not connection.execute(text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": PG_DATABASE}).first():
                connection.execute(text(f"CREATE DATABASE {PG_DATABASE}"))
    engine = make_engine(url)
    try:
        sessions = make_session_factory(engine)
        stored = _stored(engine)
        if keep and stored == n:
            print(f"\n[{backend}] {n:,} articles kept from an earlier run")
        else:
            if stored:
                engine.dispose()
                _drop(backend, url, admin)
                if backend == "postgresql":
                    with admin.connect() as connection:
                        connection.execute(text(f"CREATE DATABASE {PG_DATABASE}"))
                engine = make_engine(url)
                sessions = make_session_factory(engine)
            build_s = build_store(engine, n, pools)
            print(f"\n[{backend}] {n:,} articles built in {build_s:.0f} s")
        with sessions() as session:
            for language, word in WORDS.items():
                occurs = session.scalar(select(func.count()).select_from(Article).where(Article.text.contains(word))) or 0
                for label, filters in (("default filters", queries.Filters(q=word)),
                                       ("all relevance", queries.Filters(q=word, relevance="all"))):
                    p50, p95, result = timed(lambda f=filters: queries.queue(session, f, THRESHOLD, MARGIN, "UTC"))  # type: ignore[misc]
                    rows, total = result  # type: ignore[misc]
                    print(f"  search {language} {word!r:10} {label:16} p50 {p50:7.1f} ms  p95 {p95:7.1f} ms  "
                          f"page {len(rows):2} shown total {total.label()}  (word in {occurs / n:.0%} of articles)")
                if old_search and backend == "postgresql":
                    with engine.begin() as connection:
                        connection.execute(text("SET maintenance_work_mem = '256MB'"))
                        connection.execute(text("CREATE INDEX IF NOT EXISTS ix_articles_search_trgm ON articles "
                                                "USING gin (coverwatch_search_text(title, lead, text) gin_trgm_ops)"))
                    p50, p95, count = timed(lambda w=word: old_search_count(session, w), repeats=3)  # type: ignore[misc]
                    print(f"  old search (0003) count {language} {word!r:10} p50 {p50:7.1f} ms  p95 {p95:7.1f} ms  ({count:,} matches)")
            settings = Settings.model_validate({"storage": {"url": url}, "topic": {"threshold": THRESHOLD, "near_miss_margin": MARGIN},
                                                "digest": {"output_dir": str(workdir), "timezone": "UTC", "time": "00:00"}})
            day = date(2025, 7, 1)
            p50, p95, data = timed(lambda: build_digest(session, settings, day=day, now=datetime(2025, 12, 31, tzinfo=timezone.utc)), repeats=5)
            print(f"  digest of {day}  p50 {p50:7.1f} ms  p95 {p95:7.1f} ms  ({len(data.items)} items)")  # type: ignore[attr-defined]
    finally:
        engine.dispose()
        if not keep:
            _drop(backend, url, admin)
        admin.dispose()


def _stored(engine: Engine) -> int:
    try:
        with engine.connect() as connection:
            return int(connection.execute(text("SELECT count(*) FROM articles")).scalar() or 0)
    except Exception:  # noqa: BLE001 - no schema yet
        return 0


def _drop(backend: str, url: str, admin: Engine) -> None:
    if backend == "sqlite":
        Path(url.removeprefix("sqlite:///")).unlink(missing_ok=True)
        return
    with admin.connect() as connection:
        connection.execute(text(f"DROP DATABASE IF EXISTS {PG_DATABASE} WITH (FORCE)"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--old-search", action="store_true", help="also time migration 0003's search on PostgreSQL")
    parser.add_argument("--keep", action="store_true", help="keep the stores, and reuse kept ones of the same size")
    args = parser.parse_args()
    pools = paragraph_pools()
    print("paragraph pools:", {language: len(pool) for language, pool in pools.items()})
    for backend in args.backends.split(","):
        run_backend(backend.strip(), args.n, pools, args.old_search, args.keep)


if __name__ == "__main__":
    main()
