"""The near-duplicate check plus insert on a stored year of articles, on its own and profiled.

bench/year_store.py prints the same figure among many others and needs a whole run per size; this builds (or
reuses) one store with year_store's bulk path and measures only the near-duplicate index on the database table:
for PROBES new articles (a tenth of them reprints of stored ones, verified on their texts), one query plus
verification plus the insert of its band rows, then the article's commit. It prints per article:
- wall and CPU time of the check + insert: this process's (time.process_time; SQLite runs in it) and, on
  PostgreSQL, the server backend's (/proc/<pid>/schedstat: the local server's CPU for our statements); and the
  commit's wall time. On this shared, overloaded machine wall time is mostly waiting for a core: each round
  trip to the server waits for both processes to be scheduled, so CPU is the figure to compare;
- the SQL statements issued per article and the candidates verified;
- with --explain, the plans of the band lookup and the candidate fetch.

The store is reused when it already holds `--size` articles; it is grown in place otherwise, through year_store's
bulk path (real texts: about 10-25 ms an article on this loaded machine, hours for 1M). `--filler N` makes the
first N of them filler rows written by one SQL statement per FILLER_BATCH: a short text, a random signature in
the stored format and 32 random band rows each. The near-duplicate check reads nothing else of an article it is
not a candidate for, so filler grows what the check's cost depends on (the band table and its primary key, the
articles' primary key) to the full size in minutes; the last articles are real, to be reprinted and verified.
Filler rows skip the articles table's triggers (the search index: not measured here, and most of the time).
PostgreSQL
databases are created (never dropped) under the name given, which must start with `neardup_`, so this never
touches anyone else's; `--template` copies an existing database first (e.g. a 1M store built elsewhere).

Run:  .venv/bin/python bench/near_dup_store.py --backend sqlite --store build/near_dup/100k.db --size 100000
      .venv/bin/python bench/near_dup_store.py --backend postgresql --store neardup_100k --size 100000
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path[:0] = [str(BENCH.parent), str(BENCH)]  # run as a script from anywhere; year_store is a sibling

from sqlalchemy import create_engine, event, text  # noqa: E402

import year_store  # noqa: E402
from crawler.dedup.fingerprint import signature  # noqa: E402
from crawler.dedup.index import NearDupIndex  # noqa: E402
from storage import repo  # noqa: E402
from storage.db import make_engine, make_session_factory, upgrade  # noqa: E402
from storage.near_dups import BandTable  # noqa: E402

PG_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432"
PROBES = 200
FILLER_BATCH = 50_000
# The stored signature header (crawler.dedup.fingerprint: format 1, char 7-grams, 128 values, 5,000 shingles).
FILLER_SIG_HEADER = "0101078000" + "88130000"
FILLER_SQL = {
    "sqlite": (
        "WITH RECURSIVE n(i) AS (SELECT :first UNION ALL SELECT i + 1 FROM n WHERE i < :last) "
        "INSERT INTO articles (url_key, url, outlet, language, title, authors, published_source, published_uncertain, "
        "published_date_only, first_seen, last_seen, text, keywords, extraction_method, field_sources, status, "
        "discovered_via, relevance_matches, relevance_explanation, signature, version_count, review_status, starred, note) "
        "SELECT printf('%040x', i), 'https://filler.example/' || i, 'reuters', 'en', 'filler ' || i, '[]', 'none', 1, "
        "0, :seen, :seen, 'filler article ' || i, '[]', 'bench:filler', '{}', 'full', '[]', '[]', '', "
        f"X'{FILLER_SIG_HEADER}' || randomblob(512), 1, 'new', 0, '' FROM n",
        "WITH RECURSIVE b(k) AS (SELECT 0 UNION ALL SELECT k + 1 FROM b WHERE k < 31) "
        "INSERT INTO near_dup_bands (band, article_id) SELECT random(), id FROM articles, b "
        "WHERE url_key BETWEEN printf('%040x', :first) AND printf('%040x', :last) ORDER BY 1",
    ),
    "postgresql": (
        "INSERT INTO articles (url_key, url, outlet, language, title, authors, published_source, published_uncertain, "
        "published_date_only, first_seen, last_seen, text, keywords, extraction_method, field_sources, status, "
        "discovered_via, relevance_matches, relevance_explanation, signature, version_count, review_status, starred, note) "
        "SELECT lpad(to_hex(i), 40, '0'), 'https://filler.example/' || i, 'reuters', 'en', 'filler ' || i, '[]', "
        "'none', true, false, :seen, :seen, 'filler article ' || i, '[]', 'bench:filler', '{}', 'full', '[]', '[]', "
        f"'', decode('{FILLER_SIG_HEADER}' || repeat(md5(random()::text), 32), 'hex'), 1, 'new', false, '' "
        "FROM generate_series(CAST(:first AS bigint), CAST(:last AS bigint)) AS i",
        "INSERT INTO near_dup_bands (band, article_id) "
        "SELECT ('x' || md5(random()::text))::bit(64)::bigint, id FROM articles, generate_series(1, 32) "
        "WHERE url_key BETWEEN lpad(to_hex(CAST(:first AS bigint)), 40, '0') AND lpad(to_hex(CAST(:last AS bigint)), 40, '0')",
    ),
}
REPRINT_EVERY = 10  # every tenth probe reprints a stored article
REPRINT_SOURCES = 2000  # drawn from the latest real articles
# Keys of the probes' rows, far above the bulk-loaded ones (year_store counts bulk rows below 10**12).
PROBE_KEY_BASE = 10**14


def store_url(backend: str, store: str, template: str | None) -> str:
    if backend == "sqlite":
        Path(store).parent.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{Path(store).resolve()}"
    if not store.startswith("neardup_"):
        sys.exit("a PostgreSQL store of this bench must be named neardup_... (it creates databases, never drops them)")
    admin = create_engine(f"{PG_SERVER}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        exists = connection.execute(text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": store}).first()
        if not exists:
            clause = f' TEMPLATE "{template}"' if template else ""
            connection.execute(text(f'CREATE DATABASE "{store}"{clause}'))
    admin.dispose()
    return f"{PG_SERVER}/{store}"


def add_filler(engine, backend: str, have: int, target: int, seen: datetime) -> float:  # type: ignore[no-untyped-def]
    """Filler articles have..target-1 (see the module docstring); returns seconds."""
    started = time.perf_counter()
    articles_sql, bands_sql = FILLER_SQL[backend]
    for first in range(have, target, FILLER_BATCH):
        last = min(first + FILLER_BATCH, target) - 1
        with engine.begin() as connection:
            # Without the search index's triggers (search is not measured here; they cost most of the time).
            if backend == "postgresql":
                connection.execute(text("SET LOCAL session_replication_role = replica"))
                connection.execute(text(articles_sql), {"first": first, "last": last, "seen": seen})
            else:
                # A filler batch touches most of the band table's pages: let them stay in memory meanwhile.
                connection.exec_driver_sql("PRAGMA cache_size = -1000000")
                triggers = connection.execute(
                    text("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'articles'")
                ).all()
                for name, _ in triggers:
                    connection.execute(text(f'DROP TRIGGER "{name}"'))
                connection.execute(text(articles_sql), {"first": first, "last": last, "seen": seen})
                for _, sql in triggers:
                    connection.execute(text(sql))
                connection.exec_driver_sql("PRAGMA cache_size = -2000")  # SQLite's default, which the crawl runs with
            connection.execute(text(bands_sql), {"first": first, "last": last})
        print(f"    {last + 1:>9,} stored (filler)  {time.perf_counter() - started:7.1f} s", flush=True)
    return time.perf_counter() - started


def bulk_count(sessions) -> int:  # type: ignore[no-untyped-def]
    with sessions() as session:
        return int(session.execute(text("SELECT count(*) FROM articles WHERE url_key < :k"), {"k": f"{10**12:040x}"}).scalar_one())


class StatementCounter:
    """Counts the SQL statements an engine sends while `counting` is set."""

    def __init__(self, engine) -> None:  # type: ignore[no-untyped-def]
        self.counting = False
        self.count = 0
        self.statements: list[str] = []
        event.listen(engine, "before_cursor_execute", self._seen)

    def _seen(self, conn, cursor, statement, parameters, context, executemany) -> None:  # type: ignore[no-untyped-def]
        if self.counting:
            self.count += 1
            self.statements.append(statement)


def probe_texts(pools, sessions, now: datetime, run: int) -> list[str]:  # type: ignore[no-untyped-def]
    """PROBES article texts: unrelated new ones, every REPRINT_EVERY-th a reprint of a stored article.

    Drawn anew in every run, so that a run's probes are not copies of an earlier run's (stored by then).
    """
    rng = random.Random(run)
    records, _, _ = year_store.make_batch(pools, 0, PROBES, now, NearDupIndex(), rng)
    texts = [record.text for record in records]
    with sessions.begin() as session:
        real = [row[0] for row in session.execute(
            text("SELECT id FROM articles WHERE url_key < :k AND extraction_method = 'bench:year_store' "
                 "ORDER BY id DESC LIMIT :n"),
            {"k": f"{10**12:040x}", "n": REPRINT_SOURCES},
        )]
        sources = rng.sample(real, PROBES // REPRINT_EVERY)
        index = NearDupIndex(store=BandTable(session))
        for position, article_id in enumerate(sources):
            original = repo.text_of(session, article_id) or ""
            sig = signature(original)
            # The bulk rows carry random signatures: give the reprinted ones their real signature and bands.
            index.remove(str(article_id))
            repo.set_signature(session, article_id, sig)
            index.add(str(article_id), sig, replace=False)
            texts[position * REPRINT_EVERY] = "Reprinted from the original.\n" + original
    return texts


def backend_cpu_seconds(session, backend: str) -> float:  # type: ignore[no-untyped-def]
    """CPU time the PostgreSQL backend serving this session has used (0 on SQLite, which runs in this process)."""
    if backend != "postgresql":
        return 0.0
    pid = session.connection().exec_driver_sql("SELECT pg_backend_pid()").scalar_one()
    return int(Path(f"/proc/{pid}/schedstat").read_text().split()[0]) / 1e9


def measure(engine, sessions, pools, texts: list[str], run: int, now: datetime, backend: str) -> dict[str, float]:  # type: ignore[no-untyped-def]
    counter = StatementCounter(engine)
    rng = random.Random(run)
    wall = cpu = server_cpu = commit = 0.0
    found = candidates = 0
    for number, body in enumerate(texts):
        sig = signature(body)
        with sessions.begin() as session:  # the article's row, not timed (the crawl stores it anyway)
            record = year_store.make_batch(pools, number, 1, now, NearDupIndex(), rng)[0][0]
            record.url_key = f"{PROBE_KEY_BASE + run * PROBES + number:040x}"  # new in every run
            record.text, record.content_hash, record.title_key, record.signature = body, None, None, sig
            article_id = repo.store_article(session, record).article_id
        with sessions() as session:
            session.begin()
            server_started = backend_cpu_seconds(session, backend)
            counter.counting, counter.count = True, 0
            started, cpu_started = time.perf_counter(), time.process_time()
            index = NearDupIndex(store=BandTable(session))
            matches = index.query(sig, text=body, text_of=lambda key: repo.text_of(session, int(key)))
            index.add(str(article_id), sig, replace=False)
            checked = time.perf_counter()
            cpu += time.process_time() - cpu_started
            counter.counting = False
            server_cpu += backend_cpu_seconds(session, backend) - server_started
            candidates += len(index.candidates(sig)) - 1  # not timed; the article itself is one now
            session.commit()
            wall += checked - started
            commit += time.perf_counter() - checked
            found += bool(matches)
    n = len(texts)
    return {"wall_ms": 1000 * wall / n, "cpu_ms": 1000 * cpu / n, "server_cpu_ms": 1000 * server_cpu / n,
            "commit_ms": 1000 * commit / n,
            "statements": counter.count, "found": found, "candidates": candidates / n}


def explain(engine, backend: str) -> None:  # type: ignore[no-untyped-def]
    """The plan of the candidate lookup (storage.near_dups), for the latest indexed article's bands."""
    with engine.connect() as connection:
        article_id, = connection.execute(text("SELECT max(article_id) FROM near_dup_bands")).one()
        bands = [row[0] for row in connection.execute(text("SELECT band FROM near_dup_bands WHERE article_id = :a"), {"a": article_id})]
        band_list = ",".join(str(band) for band in bands)
        queries = {
            "candidates with their signatures": "SELECT id, signature FROM articles WHERE id IN "
            f"(SELECT article_id FROM near_dup_bands WHERE band IN ({band_list})) AND signature IS NOT NULL",
        }
        prefix = "EXPLAIN QUERY PLAN " if backend == "sqlite" else "EXPLAIN (ANALYZE, BUFFERS) "
        for name, query in queries.items():
            print(f"  plan, {name}:")
            for row in connection.execute(text(prefix + query)):
                print("    " + " ".join(str(part) for part in row))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), required=True)
    parser.add_argument("--store", required=True, help="SQLite file, or PostgreSQL database name (neardup_...)")
    parser.add_argument("--size", type=int, required=True, help="bulk-loaded articles to measure at (grown if fewer)")
    parser.add_argument("--filler", type=int, default=0, help="how many of the first articles are filler rows")
    parser.add_argument("--template", help="PostgreSQL: copy this database when the store does not exist yet")
    parser.add_argument("--explain", action="store_true", help="print the plans of the lookups")
    args = parser.parse_args()
    url = store_url(args.backend, args.store, args.template)
    engine = make_engine(url)
    upgrade(engine)
    sessions = make_session_factory(engine)
    pools = year_store.load_pools()
    now = datetime.now(timezone.utc) - timedelta(days=1)
    have = bulk_count(sessions)
    if have < args.filler:
        seconds = add_filler(engine, args.backend, have, args.filler, now - timedelta(days=200))
        print(f"filled the store from {have:,} to {args.filler:,} articles in {seconds:.0f} s")
        have = args.filler
    if have < args.size:
        seconds = year_store.grow(sessions, pools, have, args.size, now)
        print(f"grew the store from {have:,} to {args.size:,} articles in {seconds:.0f} s")
        if args.backend == "postgresql":
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
                connection.execute(text("VACUUM ANALYZE"))
    run = time.time_ns() // 1000  # probe texts and keys of earlier runs on this store must not come back
    texts = probe_texts(pools, sessions, now, run)
    figures = measure(engine, sessions, pools, texts, run, now, args.backend)
    print(f"{args.backend} at {max(have, args.size):,} stored articles, {PROBES} new ones "
          f"({PROBES // REPRINT_EVERY} reprints): near-dup check + insert {figures['wall_ms']:.2f} ms/article wall, "
          f"{figures['cpu_ms']:.2f} ms CPU in this process"
          + (f" + {figures['server_cpu_ms']:.2f} ms in the server" if args.backend == "postgresql" else "")
          + f"; then the commit {figures['commit_ms']:.2f} ms wall")
    print(f"  {figures['statements']} SQL statements for the last article; {figures['candidates']:.2f} LSH candidates "
          f"per article; {figures['found']} found near copies")
    if args.explain:
        explain(engine, args.backend)
    engine.dispose()


if __name__ == "__main__":
    main()
