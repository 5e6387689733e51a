"""The shared near-duplicate index for several crawl nodes: datasketch MinHashLSH on Redis vs a PostgreSQL table.

Both hold the same thing: per article its 32 LSH band hashes (the banding crawler.dedup.index.NearDupIndex uses:
threshold 0.5, 128 permutations, LSH_WEIGHTS -> b=32 bands of r=4) and its signature, for verification.
- redis:    crawler.dedup.index.NearDupIndex(redis_url=...), as ArticleProcessor builds it with dedup.backend = "redis";
- postgres: a minimal index written for this comparison: lsh_band(band, bucket, article_id) with a primary
            key on all three, lsh_sig(article_id, signature); one SELECT per query, one INSERT per add.

Measured per article, as the pipeline uses it: query (candidates + verification) then add, over N stored
signatures (synthetic MinHash values, as in bench/dedup_scale.py: unrelated articles, with NEAR_SHARE of
the probes near copies of a stored one), on the local Redis and PostgreSQL. Also the bulk load of N.

Then the cross-node race this index sits in: two processes store the same text under two URLs at once
(a wire story on two outlets crawled by two nodes). ArticleProcessor looks up the exact duplicate, then
inserts, in one transaction with no lock: both can miss each other and both become "originals". The probe
runs that sequence from two threads with separate connections, without and with a transaction-scoped
advisory lock on the content hash (the proposed fix), and counts the pairs left with two originals.

Run:  .venv/bin/python bench/near_dup_backends.py [--size 20000] [--probes 500] [--pairs 100]
"""

from __future__ import annotations

import argparse
import hashlib
import statistics
import sys
import threading
import time
import uuid
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # run as a script from anywhere

from datasketch import MinHashLSH
from sqlalchemy import create_engine, text

from crawler.dedup.fingerprint import (
    _SIG_HEADER,
    DEFAULT_NUM_PERM,
    DEFAULT_SHINGLING,
    SIGNATURE_VERSION,
    decode_signature,
    estimated_jaccard,
)
from crawler.dedup.index import LSH_WEIGHTS, NearDupIndex

PG_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
REDIS_URL = "redis://127.0.0.1:6379/12"
NEAR_SHARE = 0.10
THRESHOLD = 0.5
VERIFY_JACCARD = 0.7
SHINGLES_PER_DOC = 5000


def synthetic(values: np.ndarray) -> bytes:
    header = _SIG_HEADER.pack(SIGNATURE_VERSION, DEFAULT_SHINGLING.code(), DEFAULT_SHINGLING.size, DEFAULT_NUM_PERM, SHINGLES_PER_DOC)
    return header + values.astype("<u4").tobytes()


def near_copy(values: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    changed = values.copy()
    idx = rng.choice(len(values), size=len(values) // 5, replace=False)
    changed[idx] = rng.integers(0, 2**32, size=len(idx), dtype=np.uint64).astype(np.uint32)
    return changed


def temp_database() -> str:
    name = f"cw_bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"


def drop_database(url: str) -> None:
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)'))
    admin.dispose()


class PgLshIndex:
    """MinHash LSH in two PostgreSQL tables (the comparison's candidate; not used by the product)."""

    def __init__(self, url: str) -> None:
        self.engine = create_engine(url)
        self.ranges = MinHashLSH(threshold=THRESHOLD, num_perm=DEFAULT_NUM_PERM, weights=LSH_WEIGHTS).hashranges
        with self.engine.begin() as connection:
            connection.execute(text("CREATE TABLE lsh_sig (article_id bigint PRIMARY KEY, signature bytea NOT NULL)"))
            connection.execute(text(
                "CREATE TABLE lsh_band (band smallint, bucket bigint, article_id bigint, PRIMARY KEY (band, bucket, article_id))"
            ))

    def bands(self, sig: bytes) -> tuple[list[int], list[int]]:
        values = decode_signature(sig).hashvalues
        buckets = [
            int.from_bytes(hashlib.blake2b(values[start:end].tobytes(), digest_size=8).digest(), "little", signed=True)
            for start, end in self.ranges
        ]
        return list(range(len(buckets))), buckets

    def bulk_load(self, pairs: list[tuple[int, bytes]]) -> None:
        raw = self.engine.raw_connection()
        try:
            cursor = raw.cursor()
            with cursor.copy("COPY lsh_sig (article_id, signature) FROM STDIN") as copy:
                for key, sig in pairs:
                    copy.write_row((key, sig))
            with cursor.copy("COPY lsh_band (band, bucket, article_id) FROM STDIN") as copy:
                for key, sig in pairs:
                    for band, bucket in zip(*self.bands(sig)):
                        copy.write_row((band, bucket, key))
            raw.commit()
            cursor.execute("ANALYZE lsh_band")
            cursor.execute("ANALYZE lsh_sig")
            raw.commit()
        finally:
            raw.close()

    def add(self, connection, key: int, sig: bytes) -> None:  # type: ignore[no-untyped-def]
        bands, buckets = self.bands(sig)
        connection.execute(text("INSERT INTO lsh_sig VALUES (:k, :s)"), {"k": key, "s": sig})
        connection.execute(
            text("INSERT INTO lsh_band SELECT band, bucket, :k FROM unnest(CAST(:b AS smallint[]), CAST(:h AS bigint[])) AS t(band, bucket)"),
            {"k": key, "b": bands, "h": buckets},
        )

    def query(self, connection, sig: bytes) -> list[tuple[int, float]]:  # type: ignore[no-untyped-def]
        bands, buckets = self.bands(sig)
        rows = connection.execute(
            text(
                "SELECT s.article_id, s.signature FROM lsh_sig s WHERE s.article_id IN ("
                " SELECT l.article_id FROM lsh_band l JOIN unnest(CAST(:b AS smallint[]), CAST(:h AS bigint[])) AS q(band, bucket)"
                " ON l.band = q.band AND l.bucket = q.bucket)"
            ),
            {"b": bands, "h": buckets},
        )
        own = decode_signature(sig)
        found = [(key, estimated_jaccard(own, decode_signature(bytes(other)))) for key, other in rows]
        return [(key, jaccard) for key, jaccard in found if jaccard >= VERIFY_JACCARD]


def probes_for(stored: np.ndarray, count: int, rng: np.random.Generator) -> list[tuple[bytes, bool]]:
    probes = []
    for j in range(count):
        if j < count * NEAR_SHARE:
            probes.append((synthetic(near_copy(stored[rng.integers(len(stored))], rng)), True))
        else:
            probes.append((synthetic(rng.integers(0, 2**32, DEFAULT_NUM_PERM, dtype=np.uint64).astype(np.uint32)), False))
    return [probes[i] for i in rng.permutation(count)]


def summary(timings_s: list[float]) -> str:
    ms = [t * 1000 for t in timings_s]
    return f"mean {statistics.fmean(ms):6.2f} ms  p50 {statistics.median(ms):6.2f}  p99 {float(np.percentile(ms, 99)):6.2f}"


def bench_redis(stored: np.ndarray, probes: list[tuple[bytes, bool]]) -> dict[str, object]:
    basename = f"cwbench_{uuid.uuid4().hex[:8]}"
    index = NearDupIndex(threshold=THRESHOLD, verify_jaccard=VERIFY_JACCARD, redis_url=REDIS_URL, basename=basename)
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    try:
        before = int(client.info("memory")["used_memory"])
        started = time.perf_counter()
        index.rebuild((str(i), synthetic(row)) for i, row in enumerate(stored))
        load_s = time.perf_counter() - started
        memory = int(client.info("memory")["used_memory"]) - before  # approximate: the server is shared
        queries, adds, found = [], [], 0
        for number, (sig, near) in enumerate(probes):
            t0 = time.perf_counter()
            hits = index.query(sig)
            t1 = time.perf_counter()
            index.add(str(len(stored) + number), sig)
            t2 = time.perf_counter()
            queries.append(t1 - t0)
            adds.append(t2 - t1)
            found += near and bool(hits)
        return {"load_s": load_s, "query": queries, "add": adds, "found": found, "bytes": memory, "where": "in memory"}
    finally:
        index.clear()
        client.delete(f"{basename}_meta")


def bench_postgres(stored: np.ndarray, probes: list[tuple[bytes, bool]]) -> dict[str, object]:
    url = temp_database()
    try:
        index = PgLshIndex(url)
        started = time.perf_counter()
        index.bulk_load([(i, synthetic(row)) for i, row in enumerate(stored)])
        load_s = time.perf_counter() - started
        queries, adds, found = [], [], 0
        for number, (sig, near) in enumerate(probes):
            with index.engine.begin() as connection:  # one transaction per article, as the pipeline's store
                t0 = time.perf_counter()
                hits = index.query(connection, sig)
                t1 = time.perf_counter()
                index.add(connection, len(stored) + number, sig)
            t2 = time.perf_counter()  # the add includes its commit
            queries.append(t1 - t0)
            adds.append(t2 - t1)
            found += near and bool(hits)
        with index.engine.connect() as connection:
            size = connection.execute(text("SELECT pg_total_relation_size('lsh_band') + pg_total_relation_size('lsh_sig')")).scalar()
        index.engine.dispose()
        return {"load_s": load_s, "query": queries, "add": adds, "found": found, "bytes": size, "where": "on disk"}
    finally:
        drop_database(url)


def race_probe(pairs: int, locked: bool) -> int:
    """Pairs (same text, two URLs, stored at once by two threads) that ended with two originals."""
    from crawler.dedup.fingerprint import content_hash
    from storage import repo
    from storage.db import make_engine, make_session_factory, upgrade

    url = temp_database()
    try:
        engine = make_engine(url)
        upgrade(engine)
        sessions = make_session_factory(engine)
        barrier = threading.Barrier(2)

        def store(worker: int) -> None:
            for pair in range(pairs):
                body = f"wire story {pair}: " + "the same syndicated text " * 40
                digest = content_hash(body)
                barrier.wait()
                with sessions.begin() as session:
                    if locked:  # the proposed fix: exact-duplicate lookup and insert serialized per content hash
                        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": int(digest[:15], 16)})
                    original = repo.find_by_content_hash(session, digest)
                    record = repo.ArticleRecord(
                        url_key=hashlib.sha1(f"{worker}/{pair}".encode()).hexdigest(), url=f"https://outlet{worker}.example/{pair}",
                        outlet=f"outlet{worker}", title=f"story {pair}", text=body, content_hash=digest,
                        duplicate_of_id=original, duplicate_kind="exact" if original else None,
                    )
                    repo.store_article(session, record)

        threads = [threading.Thread(target=store, args=(worker,)) for worker in (1, 2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        with engine.connect() as connection:
            doubled = connection.execute(text(
                "SELECT count(*) FROM (SELECT content_hash FROM articles WHERE duplicate_of_id IS NULL"
                " GROUP BY content_hash HAVING count(*) > 1) AS t"
            )).scalar()
        engine.dispose()
        return int(doubled or 0)
    finally:
        drop_database(url)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", type=int, default=20_000, help="stored signatures")
    parser.add_argument("--probes", type=int, default=500, help="articles checked, then added")
    parser.add_argument("--pairs", type=int, default=100, help="race probe: same-text pairs stored at once")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    stored = rng.integers(0, 2**32, size=(args.size, DEFAULT_NUM_PERM), dtype=np.uint64).astype(np.uint32)
    probes = probes_for(stored, args.probes, rng)
    near = sum(1 for _, is_near in probes if is_near)

    print(f"shared near-dup index: {args.size} stored signatures, {args.probes} probes (query, then add; {near} near copies)")
    results = {"redis": bench_redis(stored, probes), "postgres": bench_postgres(stored, probes)}
    for name, result in results.items():
        print(f"{name:<9} bulk load {result['load_s']:6.1f} s   query {summary(result['query'])}   "
              f"add {summary(result['add'])}   near copies found {result['found']}/{near}"
              + f"   {result['where']} {int(result['bytes']) / 2**20:.0f} MiB ({int(result['bytes']) / args.size / 1024:.1f} KiB/article)")
    print()
    print(f"race probe: {args.pairs} pairs of one text under two URLs, stored at the same moment by two writers")
    for locked in (False, True):
        doubled = race_probe(args.pairs, locked)
        label = "with pg_advisory_xact_lock(content hash)" if locked else "as ArticleProcessor does today (no lock)"
        print(f"  {label:<42} pairs with two originals: {doubled}/{args.pairs}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
