"""A year of articles on one server: build stores of 10k, 100k, 1M articles and measure what grows with them.

The store is built from real texts (bench/data/relevance_dev.jsonl and tests/fixtures/dedup: Hebrew, Arabic,
English and Russian news and commentary), cut into sentences; each article is 12-24 sentences drawn at random from
one language's pool, so articles are distinct (like a year of news, not 1M copies of 300 texts) while every
sentence is real. Articles are spread evenly over the 365 days before the bench starts (first_seen), filed under
the registry's outlets of their language, and written through storage.bulk.insert_new_articles (the rows
repo.store_article writes for a new article, plus its near-duplicate band hashes), 5,000 per transaction, with
PostgreSQL's trigram search index dropped for the load and built again after it (storage.bulk's
deferred_search_indexes: maintained row by row it cost about 7 ms an article, two hours for a million).
Stored signatures are drawn at random, as for unrelated articles (as bench/dedup_scale.py does): there is too
little real Hebrew, Arabic and Russian text here (a few hundred sentences each) for a million recombined articles
to be as far apart as a year of distinct news, and their real MinHashes would make every Hebrew article an LSH
candidate of thousands of others. The near-duplicate probes below are real: reprints of stored articles whose
real signatures are indexed first, so candidates are found and verified on their texts. Relevance is a keyword
rule (a Hamas word and a Russia word), not the scorer, which would make the build take hours.

Stores grow in place: 10k is measured, then grown to 100k and measured, and so on. At each size it prints:
- `coverwatch run --replay build/demo-archive` with nothing new (the archive was stored once first): wall time
  and peak RSS of the whole command (/usr/bin/time); at the first size also the same run storing the archive's
  articles new, and its cost per new article;
- the per-article cost of storing new articles through ArticleProcessor.store (relevance, URL/exact/title/near
  duplicate checks, insert) for NEW_ARTICLES articles, a tenth of them reprints of stored ones;
- the near-duplicate check plus insert alone (NearDupIndex on the database table: query, verification, add) per
  article, in a transaction that already holds its connection, as the crawl's does; then its commit (on
  PostgreSQL, with the relations it probes read into the page cache first, as on a server running the daemon:
  read_into_page_cache);
- digest time (crawler.digest.run.produce_digest for the last day, html + markdown);
- UI search latency (GET /search?q=... through the FastAPI app, as the review UI serves it) for an English, a
  Hebrew and an Arabic word, p50/p95 over up to SEARCH_REPEATS requests (fewer when a request is slow).

Run:  .venv/bin/python bench/year_store.py [--sizes 10000,100000,1000000] [--backends sqlite,postgresql]
      [--existing] [--pg-database NAME]   (--existing grows and measures the store a previous run left, after
      deleting the articles its earlier measurements added, so a size measured again costs what it did)
Needs build/demo-archive (`make archive`) and, for PostgreSQL, the server at 127.0.0.1:5432 (trust auth).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # run as a script from anywhere

from sqlalchemy import bindparam, create_engine, text  # noqa: E402

from crawler.config import Settings  # noqa: E402
from crawler.dedup.fingerprint import (  # noqa: E402
    DEFAULT_NUM_PERM,
    DEFAULT_SHINGLING,
    SIGNATURE_VERSION,
    _SIG_HEADER,
    content_hash,
    title_key,
)
from crawler.dedup.index import NearDupIndex, band_hashes  # noqa: E402
from storage import repo  # noqa: E402
from storage.bulk import deferred_search_indexes, insert_new_articles  # noqa: E402
from storage.db import make_engine, make_session_factory, upgrade  # noqa: E402

PG_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
# One database per checkout (named after its folder), so that two checkouts on one server can bench at once.
PG_DATABASE = "coverwatch_year_store_" + re.sub(r"\W", "_", REPO.name.lower())
WORKDIR = REPO / "build" / "year_store"
ARCHIVE = REPO / "build" / "demo-archive"
BATCH = 5000
NEW_ARTICLES = 200
SEARCH_REPEATS = 20
SEARCH_BUDGET_SECONDS = 90  # per word: a slow search is repeated fewer times (at least once; n is printed)
SEARCH_WORDS = {"en": "Hamas", "he": "חמאס", "ar": "حماس"}
LANGUAGE_SHARE = {"en": 0.40, "ar": 0.25, "he": 0.20, "ru": 0.15}
OUTLETS = {"en": ["reuters", "tass_com", "ynetnews"], "ar": ["alaalem", "alkhanadeq"], "he": ["ynet"], "ru": ["tass_ru"]}
HAMAS_WORDS = re.compile(r"hamas|хамас|חמאס|حماس", re.IGNORECASE)
RUSSIA_WORDS = re.compile(r"russia|moscow|putin|росси|москв|путин|רוסי|פוטין|موسكو|روسي|بوتين", re.IGNORECASE)
GOLDEN_FRACTION = 0.6180339887498949
SENTENCE_END = re.compile(r"(?<=[.!?؟。])\s+|\n+")


@dataclass
class Pool:
    """One language's real sentences with their MinHash values and topic flags."""

    sentences: list[str]
    hamas: np.ndarray  # bool per sentence
    russia: np.ndarray


def load_pools() -> dict[str, Pool]:
    texts: dict[str, list[str]] = {lang: [] for lang in LANGUAGE_SHARE}
    for line in (REPO / "bench" / "data" / "relevance_dev.jsonl").read_text(encoding="utf-8").splitlines():
        item = json.loads(line)
        if item["lang"] in texts:
            texts[item["lang"]].append(item["text"])
    fixtures = REPO / "tests" / "fixtures" / "dedup"
    for path in fixtures.glob("*.txt"):
        lang = path.name[:2]
        if lang in texts:
            texts[lang].append(path.read_text(encoding="utf-8"))
    for path in fixtures.glob("*.json"):
        lang = path.name[:2]
        if lang in texts:
            texts[lang] += [item["text"] for item in json.loads(path.read_text(encoding="utf-8"))]
    pools = {}
    for lang, documents in texts.items():
        sentences = sorted({s.strip() for doc in documents for s in SENTENCE_END.split(doc) if len(s.strip()) >= 40})
        pools[lang] = Pool(
            sentences,
            np.array([bool(HAMAS_WORDS.search(s)) for s in sentences]),
            np.array([bool(RUSSIA_WORDS.search(s)) for s in sentences]),
        )
    return pools


def random_signature(values: np.ndarray, size: int) -> bytes:
    """A signature in the stored format carrying the given MinHash values (an unrelated article's)."""
    header = _SIG_HEADER.pack(SIGNATURE_VERSION, DEFAULT_SHINGLING.code(), DEFAULT_SHINGLING.size, DEFAULT_NUM_PERM, size)
    return header + values.astype("<u4").tobytes()


def make_batch(pools: dict[str, Pool], start: int, count: int, now: datetime, index: NearDupIndex, rng: random.Random):  # type: ignore[no-untyped-def]
    languages, weights = list(LANGUAGE_SHARE), list(LANGUAGE_SHARE.values())
    records, seen = [], []
    values = np.random.default_rng(start).integers(0, 2**32, (count, DEFAULT_NUM_PERM), dtype=np.uint32)
    for number in range(start, start + count):
        lang = rng.choices(languages, weights)[0]
        pool = pools[lang]
        picks = np.array(rng.sample(range(len(pool.sentences)), min(len(pool.sentences), rng.randint(12, 24))))
        body = "\n".join(pool.sentences[i] for i in picks)
        title = pool.sentences[picks[0]][:120]
        # Golden-ratio steps over the year: every prefix of the numbering is spread evenly, so a store grown
        # in place from 10k to 100k has its articles over the whole year (and in the digest's window) at each size.
        first_seen = now - timedelta(days=365) * ((number * GOLDEN_FRACTION) % 1.0)
        published = first_seen - timedelta(minutes=rng.randint(0, 360))
        outlet = rng.choice(OUTLETS[lang])
        relevant = bool(pool.hamas[picks].any() and pool.russia[picks].any())
        sig = random_signature(values[number - start], len(body))
        records.append(
            repo.ArticleRecord(
                url_key=f"{number:040x}", url=f"https://{outlet}.example/year/{number}", outlet=outlet, title=title,
                text=body, language=lang, published_at=published, published_source="jsonld", published_uncertain=False,
                content_hash=content_hash(body), title_key=title_key(outlet, title, published.date()),
                extraction_method="bench:year_store", status="full", route="rss",
                relevance_score=0.8 if relevant else 0.1, relevant=relevant, signature=sig,
            )
        )
        seen.append(first_seen)
    return records, seen, band_hashes(values, index.bands, index.rows)


def grow(engine, sessions, pools: dict[str, Pool], have: int, target: int, now: datetime) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    """Bulk-insert articles have..target-1; returns (wall, CPU of this process) seconds.

    PostgreSQL's trigram search index is dropped for the load and built again after it (storage.bulk's
    deferred_search_indexes, included in the time). The database server's own CPU (PostgreSQL: the
    search-document trigger and the index build) is in the wall time only; on a shared, overloaded machine the
    wall time is mostly waiting for a core.
    """
    index = NearDupIndex()
    rng = random.Random(have)
    started, cpu_started = time.perf_counter(), time.process_time()
    with deferred_search_indexes(engine) as deferred:
        for start in range(have, target, BATCH):
            count = min(BATCH, target - start)
            records, seen, bands = make_batch(pools, start, count, now, index, rng)
            with sessions.begin() as session:
                insert_new_articles(session, records, seen, bands)
            if (start // BATCH) % 20 == 0:
                done = start + count
                print(f"    {done:>9,} stored  {time.perf_counter() - started:7.1f} s", flush=True)
        loaded = time.perf_counter()
    if deferred:
        print(f"    search index built again in {time.perf_counter() - loaded:.1f} s", flush=True)
    return time.perf_counter() - started, time.process_time() - cpu_started


def timed_command(args: list[str], env: dict[str, str]) -> tuple[float, float, float]:
    """(wall seconds, peak RSS in MB, CPU seconds user+system) of a command run under /usr/bin/time.

    The CPU time is what the command itself costs; on a shared, overloaded machine the wall time is mostly
    waiting for a core.
    """
    with tempfile.NamedTemporaryFile("r", suffix=".time") as report:
        started = time.perf_counter()
        subprocess.run(["/usr/bin/time", "-f", "%M %U %S", "-o", report.name, *args], cwd=REPO, env=env, capture_output=True)
        seconds = time.perf_counter() - started
        peak_kb, user, system = report.read().strip().splitlines()[-1].split()
    return seconds, int(peak_kb) / 1024, float(user) + float(system)


def run_nothing_new(config: Path, first: bool) -> dict[str, float]:
    env = {**os.environ, "COVERWATCH_CONFIG": str(config)}
    command = [str(REPO / ".venv" / "bin" / "coverwatch"), "run", "--replay", str(ARCHIVE), "--config", str(config)]
    figures: dict[str, float] = {}
    if first:
        sessions = settings_sessions(config)[1]
        before = count_articles(sessions)
        seconds, peak, cpu = timed_command(command, env)
        new = count_articles(sessions) - before
        figures.update(first_run_s=seconds, first_run_mb=peak, first_run_cpu=cpu, first_run_new=new)
    seconds, peak, cpu = timed_command(command, env)
    figures.update(nothing_new_s=seconds, nothing_new_mb=peak, nothing_new_cpu=cpu)
    if first and figures["first_run_new"]:
        figures["crawl_ms_per_new_article"] = 1000 * (figures["first_run_s"] - seconds) / figures["first_run_new"]
    return figures


# What the near-duplicate check reads at random: the band table's key and the candidates' article rows.
HOT_RELATIONS = ("pk_near_dup_bands", "articles", "pk_articles")


def read_into_page_cache(engine) -> str:  # type: ignore[no-untyped-def]
    """Read the relations the near-dup check probes into the OS page cache (pg_prewarm's 'read' mode); a line.

    A server running the daemon has them there: every article's 32 probes land on random pages of a 1.2 GB key.
    Right after a bulk load, its index build and VACUUM, they are not, and each probe waits for the disk (measured:
    about 45 ms an article instead of 3; docs/DEPLOYMENT.md). The measurements below are of the running server.
    """
    started = time.perf_counter()
    try:
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("CREATE EXTENSION IF NOT EXISTS pg_prewarm"))
            blocks = sum(connection.execute(text("SELECT pg_prewarm(:name, 'read')"), {"name": name}).scalar_one()
                         for name in HOT_RELATIONS)
            block_bytes = int(connection.execute(text("SELECT current_setting('block_size')")).scalar_one())
    except Exception as exc:  # noqa: BLE001 - a server without the contrib extension is measured as it is
        return f"page cache not warmed (pg_prewarm unavailable: {type(exc).__name__}); cold figures follow"
    return (f"read {blocks * block_bytes // 2**20:,} MB of {', '.join(HOT_RELATIONS)} into the page cache in "
            f"{time.perf_counter() - started:.1f} s, as on a server running the daemon")


def count_articles(sessions) -> int:  # type: ignore[no-untyped-def]
    with sessions() as session:
        return int(session.execute(text("SELECT count(*) FROM articles")).scalar_one())


def settings_sessions(config: Path):  # type: ignore[no-untyped-def]
    from crawler.config import load_settings

    settings = load_settings(config, environ={})
    return settings, make_session_factory(make_engine(settings.storage.url))


def new_article_costs(settings: Settings, sessions, pools: dict[str, Pool], size: int, now: datetime) -> dict[str, float]:  # type: ignore[no-untyped-def]
    """ms per article: ArticleProcessor.store for new articles, and the near-dup check + insert on its own."""
    from crawler.discover.feeds import Lead
    from crawler.fetch.processing import ArticleProcessor
    from crawler.model import DateEvidence, ExtractedArticle
    from spiders.registry import all_outlets

    rng = random.Random(size + 7)  # the same probes at every measurement of a size (earlier ones are forgotten)
    records, _, _ = make_batch(pools, 0, 2 * NEW_ARTICLES, now, NearDupIndex(), rng)
    for record in records:
        record.published_at = now - timedelta(hours=rng.randint(1, 20))
    processor = ArticleProcessor(settings, sessions)
    with sessions.begin() as session:  # a tenth are reprints of stored articles, whose real signatures go in first
        sources = [row[0] for row in session.execute(text("SELECT id FROM articles ORDER BY id DESC LIMIT :n"), {"n": NEW_ARTICLES // 10})]
        for article_id in sources:
            processor.reindex_text(session, article_id)
        for i, article_id in enumerate(sources):
            original = repo.text_of(session, article_id) or ""
            records[i * 10].text = "Reprinted from the original.\n" + original
            records[NEW_ARTICLES + i * 10].text = original + "\nAll rights reserved."
    outlets = all_outlets(settings)
    # URLs and keys of this run only: a store measured again at the same size (--existing) must see new articles,
    # not the ones the last measurement stored (a known URL is no new article; a stored key has its bands).
    run = int(time.time())
    started, cpu_started = time.perf_counter(), time.process_time()
    for record in records[:NEW_ARTICLES]:
        url = f"https://{record.outlet}.example/new/{run}/{size}/{record.url_key}"
        article = ExtractedArticle(url=url, title=record.title, text=record.text, language=record.language,
                                   published=DateEvidence(record.published_at, "jsonld"))
        processor.store(outlets[record.outlet], Lead(url=url, route="rss"), article, status="full")
    store_ms = 1000 * (time.perf_counter() - started) / NEW_ARTICLES
    store_cpu_ms = 1000 * (time.process_time() - cpu_started) / NEW_ARTICLES
    index_seconds = commit_seconds = index_cpu = 0.0
    for number, record in enumerate(records[NEW_ARTICLES:]):
        sig = article_signature_of(record.text)
        with sessions.begin() as session:  # a row to index under (not timed), then the check + insert (timed)
            record.url_key = f"{10**13 + run * 10**8 + size + number:040x}"
            record.content_hash = record.title_key = None
            record.signature = sig
            article_id = repo.store_article(session, record).article_id
        with sessions() as session:
            session.begin()
            # In the crawl the article's transaction already holds its connection (the URL and exact-copy checks
            # ran first): the pool checkout and its liveness ping are not the index's cost.
            session.connection()
            started, cpu_started = time.perf_counter(), time.process_time()
            index = processor.near_index(session)
            index.query(sig, text=record.text, text_of=lambda key: repo.text_of(session, int(key)))
            index.add(str(article_id), sig, replace=False)
            checked = time.perf_counter()
            index_cpu += time.process_time() - cpu_started
            session.commit()  # in the crawl this commit is the article's own, paid with or without the index
            index_seconds += checked - started
            commit_seconds += time.perf_counter() - checked
    return {"store_ms_per_article": store_ms, "store_cpu_ms": store_cpu_ms,
            "near_dup_check_insert_ms": 1000 * index_seconds / NEW_ARTICLES,
            "near_dup_cpu_ms": 1000 * index_cpu / NEW_ARTICLES, "commit_ms": 1000 * commit_seconds / NEW_ARTICLES}


def forget_earlier_measurements(sessions) -> int:  # type: ignore[no-untyped-def]
    """Delete the articles an earlier measurement of this store added; returns how many.

    They are found by the URLs and keys new_article_costs gives them (the processor's ".example/new/" URLs,
    the near-dup probes' keys above the bulk-loaded ones'). Left in place, a store measured again (--existing)
    would find its probe texts' earlier copies (the Hebrew, Arabic and Russian sentence pools are small) and
    verify them: the second measurement would cost more than the first, for the bench's sake, not the store's.
    """
    measured = (
        "SELECT id FROM articles WHERE url LIKE 'https://%.example/new/%' OR (url_key >= :low AND url_key < :high)"
    )
    keys = {"low": f"{10**13:040x}", "high": f"{10**20:040x}"}
    with sessions.begin() as session:
        ids = [row[0] for row in session.execute(text(measured), keys)]
        if not ids:
            return 0
        if session.get_bind().dialect.name == "postgresql":
            # Foreign-key checks off for this transaction: each deleted article would otherwise be looked up in
            # near_dup_bands and articles.duplicate_of_id, which have no index of their own on that column (the
            # product never deletes articles): a scan of 20M band rows per article. Dependents go explicitly.
            session.execute(text("SET LOCAL session_replication_role = replica"))
        def run(statement: str) -> None:
            session.execute(text(statement).bindparams(bindparam("ids", expanding=True)), {"ids": ids})

        run("UPDATE articles SET duplicate_of_id = NULL WHERE duplicate_of_id IN :ids")
        for table in ("near_dup_bands", "article_versions", "url_aliases", "story_links", "story_keys"):
            run(f"DELETE FROM {table} WHERE article_id IN :ids")
        run("DELETE FROM articles WHERE id IN :ids")
        return len(ids)


def article_signature_of(body: str) -> bytes:
    from crawler.dedup.fingerprint import signature

    return signature(body)


def digest_seconds(settings: Settings, sessions, now: datetime) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    """(wall, CPU) seconds of the digest job for the day before `now`."""
    from crawler.digest.run import produce_digest

    with tempfile.TemporaryDirectory() as out:
        started, cpu_started = time.perf_counter(), time.process_time()
        produce_digest(settings, sessions, formats=["html", "markdown"], output_dir=Path(out), now=now)
        return time.perf_counter() - started, time.process_time() - cpu_started


def search_latencies(settings: Settings, sessions) -> dict[str, tuple[float, float, int]]:  # type: ignore[no-untyped-def]
    from fastapi.testclient import TestClient

    from crawler.web.app import create_app

    found: dict[str, tuple[float, float, int]] = {}
    with TestClient(create_app(settings, sessions=sessions), base_url="http://127.0.0.1", client=("127.0.0.1", 50123)) as client:
        for lang, word in SEARCH_WORDS.items():
            times: list[float] = []
            budget_end = time.perf_counter() + SEARCH_BUDGET_SECONDS
            while len(times) < SEARCH_REPEATS and (not times or time.perf_counter() < budget_end):
                started = time.perf_counter()
                response = client.get("/search", params={"q": word})
                times.append(time.perf_counter() - started)
                assert response.status_code == 200, response.text[:300]
            times.sort()
            p95 = times[min(len(times) - 1, int(round(0.95 * (len(times) - 1))))]
            found[lang] = (1000 * statistics.median(times), 1000 * p95, len(times))
    return found


def fresh_store(backend: str, existing: bool, pg_database: str) -> str:
    WORKDIR.mkdir(parents=True, exist_ok=True)
    if backend == "sqlite":
        path = WORKDIR / "sqlite.db"
        for suffix in ("", "-wal", "-shm") if not existing else ():
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return f"sqlite:///{path}"
    if existing:
        return f"postgresql+psycopg://postgres@127.0.0.1:5432/{pg_database}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{pg_database}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{pg_database}"'))
    admin.dispose()
    return f"postgresql+psycopg://postgres@127.0.0.1:5432/{pg_database}"


def write_config(backend: str, url: str) -> Path:
    """One config per backend, so both backends can be measured at once (two runs of this script)."""
    config = WORKDIR / f"{backend}.toml"
    digests = WORKDIR / f"digests-{backend}"
    config.write_text(f'[storage]\nurl = "{url}"\n\n[digest]\noutput_dir = "{digests}"\n', encoding="utf-8")
    return config


def bench_backend(backend: str, sizes: list[int], pools: dict[str, Pool], existing: bool, pg_database: str) -> None:
    url = fresh_store(backend, existing, pg_database)
    config = write_config(backend, url)
    engine = make_engine(url)
    upgrade(engine)
    settings, sessions = settings_sessions(config)
    now = datetime.now(timezone.utc)
    have = 0
    if existing:  # the bulk-loaded rows only (url keys below the ones the measurements use)
        with sessions() as session:
            have = int(session.execute(text("SELECT count(*) FROM articles WHERE url_key < :k"), {"k": f"{10**12:040x}"}).scalar_one())
        print(f"\n== {backend}: existing store with {have:,} bulk-loaded articles "
              f"({forget_earlier_measurements(sessions)} articles of earlier measurements deleted)")
    for position, size in enumerate(sizes):
        print(f"\n== {backend}: growing the store to {size:,} articles", flush=True)
        if size > have:
            seconds, cpu = grow(engine, sessions, pools, have, size, now)
            added = max(1, size - have)
            print(f"  bulk insert {size - have:,} articles: {seconds:.1f} s wall ({1e6 * seconds / added:.0f} µs/article), "
                  f"{cpu:.1f} s CPU in this process ({1e6 * cpu / added:.0f} µs/article)")
            have = size
        if backend == "postgresql":
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
                connection.execute(text("VACUUM ANALYZE"))
            print(f"  {read_into_page_cache(engine)}")
        run = run_nothing_new(config, first=position == 0 and not existing)
        if "first_run_s" in run:
            print(f"  coverwatch run storing the archive: {run['first_run_s']:.1f} s, peak {run['first_run_mb']:.0f} MB, "
                  f"{run['first_run_new']:.0f} new articles ({run.get('crawl_ms_per_new_article', 0):.0f} ms per new article "
                  "over the nothing-new run)")
        print(f"  coverwatch run, nothing new:        {run['nothing_new_s']:.1f} s wall, {run['nothing_new_cpu']:.1f} s CPU, "
              f"peak RSS {run['nothing_new_mb']:.0f} MB")
        costs = new_article_costs(settings, sessions, pools, size, now)
        print(f"  store a new article (processor):    {costs['store_ms_per_article']:.1f} ms/article "
              f"({costs['store_cpu_ms']:.1f} ms CPU in this process)")
        print(f"  near-dup check + insert:            {costs['near_dup_check_insert_ms']:.2f} ms/article "
              f"({costs['near_dup_cpu_ms']:.2f} ms CPU in this process; then the commit: {costs['commit_ms']:.1f} ms)")
        wall, cpu = digest_seconds(settings, sessions, now)
        print(f"  digest (last day, html+markdown):   {wall:.2f} s ({cpu:.2f} s CPU in this process)")
        for lang, (p50, p95, count) in search_latencies(settings, sessions).items():
            print(f"  UI search {SEARCH_WORDS[lang]!r:>8} ({lang}):     p50 {p50:7.0f} ms  p95 {p95:7.0f} ms  (n={count})")
        sys.stdout.flush()
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000,1000000", help="comma-separated store sizes, grown in order")
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--existing", action="store_true", help="measure (and grow) the store a previous run left")
    parser.add_argument("--pg-database", default=PG_DATABASE, help="the PostgreSQL database to (re)create or reuse")
    args = parser.parse_args()
    sizes = sorted(int(size) for size in args.sizes.split(","))
    if not (ARCHIVE / "recorded-outlets.warc.gz").exists():
        sys.exit(f"{ARCHIVE} is missing: run `make archive` (or scripts/build_archive.py --out {ARCHIVE}) first")
    pools = load_pools()
    print("sentence pools: " + ", ".join(f"{lang} {len(pool.sentences)}" for lang, pool in pools.items()))
    for backend in args.backends.split(","):
        bench_backend(backend, sizes, pools, args.existing, args.pg_database)


if __name__ == "__main__":
    main()
