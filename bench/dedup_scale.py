"""Cost of one near-dup check+insert against 10k, 100k and 1M stored signatures (in-memory NearDupIndex).

Stored signatures are synthetic (random MinHash values, i.e. unrelated articles): building a million real
ones would take ~40 minutes of shingling. Of the timed articles, NEAR_SHARE are near copies of a stored
one (a fifth of their MinHash values changed, J ~ 0.8), so the verification path is timed too.

Random signatures have no background similarity, so they show the index's own cost only. How many extra
LSH candidates real same-language news would add per query is estimated by bench/dedup_quality.py
("@1M" column: ~42 for char 7-grams, each costing one signature comparison of a few microseconds).

Each size runs in a fresh subprocess so its RSS is its own.

Also printed: the cost of signature(text) itself on the real seeds, and RSS (from /proc/self/status).

Run:  .venv/bin/python bench/dedup_scale.py [--sizes 10000,100000,1000000] [--probes 2000]
"""

from __future__ import annotations

import argparse
import gc
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script from anywhere

from crawler.dedup.fingerprint import (  # noqa: E402
    DEFAULT_NUM_PERM,
    DEFAULT_SHINGLING,
    SIGNATURE_VERSION,
    _SIG_HEADER,
    signature,
)
from crawler.dedup.index import NearDupIndex  # noqa: E402

SHARED = Path(__file__).resolve().parents[2] / "shared"
NEAR_SHARE = 0.10
# The probes are timed in rounds; the headline is the best round's mean (as timeit does) because this is a
# shared 2-core machine where other processes add millisecond stalls that are not the index's cost.
ROUNDS = 5
SHINGLES_PER_DOC = 5000  # a ~5 kchar article, the mean of the quality corpus


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def synthetic(values: np.ndarray) -> bytes:
    header = _SIG_HEADER.pack(
        SIGNATURE_VERSION, DEFAULT_SHINGLING.code(), DEFAULT_SHINGLING.size, DEFAULT_NUM_PERM, SHINGLES_PER_DOC
    )
    return header + values.astype("<u4").tobytes()


def near_copy(values: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    changed = values.copy()
    idx = rng.choice(len(values), size=len(values) // 5, replace=False)
    changed[idx] = rng.integers(0, 2**32, size=len(idx), dtype=np.uint64).astype(np.uint32)
    return changed


def run(size: int, probes: int, seed: int) -> dict[str, float]:
    rng = np.random.default_rng(seed)
    gc.collect()
    rss0 = rss_mb()
    index = NearDupIndex()
    stored = rng.integers(0, 2**32, size=(size, DEFAULT_NUM_PERM), dtype=np.uint64).astype(np.uint32)
    t0 = time.perf_counter()
    index.rebuild((f"a{i}", synthetic(stored[i])) for i in range(size))
    build_s = time.perf_counter() - t0
    keep = stored[: min(size, 10_000)].copy()  # for near copies; free the big array before measuring RSS
    del stored
    gc.collect()
    rss1 = rss_mb()

    probe_sigs = []
    n_near = int(probes * NEAR_SHARE)
    for j in range(probes):
        if j < n_near:
            probe_sigs.append(synthetic(near_copy(keep[rng.integers(len(keep))], rng)))
        else:
            probe_sigs.append(synthetic(rng.integers(0, 2**32, DEFAULT_NUM_PERM, dtype=np.uint64).astype(np.uint32)))
    order = rng.permutation(probes)
    timings = []
    found_near = 0
    gc.disable()
    try:
        for j in order:
            sig = probe_sigs[j]
            t = time.perf_counter()
            hits = index.query(sig)
            index.add(f"p{j}", sig)
            timings.append(time.perf_counter() - t)
            found_near += bool(hits) and j < n_near
    finally:
        gc.enable()
    timings_ms = [x * 1000 for x in timings]
    per_round = len(timings_ms) // ROUNDS
    round_means = [statistics.fmean(timings_ms[i * per_round : (i + 1) * per_round]) for i in range(ROUNDS)]
    return {
        "best_round_ms": min(round_means),
        "size": size,
        "build_s": build_s,
        "rss_delta_mb": rss1 - rss0,
        "rss_mb": rss1,
        "mean_ms": statistics.fmean(timings_ms),
        "p50_ms": statistics.median(timings_ms),
        "p99_ms": float(np.percentile(timings_ms, 99)),
        "near_found": found_near / max(n_near, 1),
    }


def signature_cost() -> tuple[float, int]:
    texts = [p.read_text(encoding="utf-8") for p in sorted((SHARED / "seeds").glob("0*.txt"))]
    signature(texts[0])  # warm-up (permutation tables)
    t = time.perf_counter()
    rounds = 20
    for _ in range(rounds):
        for text in texts:
            signature(text)
    return (time.perf_counter() - t) * 1000 / (rounds * len(texts)), int(statistics.fmean(len(x) for x in texts))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--probes", type=int, default=2000, help="articles checked+inserted per size")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)  # internal: measure one size, print JSON
    args = parser.parse_args()
    if args.one:
        print(json.dumps(run(args.one, args.probes, args.seed)))
        return

    sig_ms, mean_chars = signature_cost()
    print(
        f"signature(text): {sig_ms:.2f} ms per article (5 real seeds, mean {mean_chars} chars, "
        f"{DEFAULT_SHINGLING.kind} {DEFAULT_SHINGLING.size}-grams, num_perm={DEFAULT_NUM_PERM})"
    )
    print(f"probes per size: {args.probes} ({NEAR_SHARE:.0%} near copies of stored articles)")
    print()
    print(
        f"{'stored':>9} {'build s':>8} {'RSS MB':>8} {'+MB':>8} {'B/sig':>6} {'best ms':>8} {'x 1st':>6} "
        f"{'mean ms':>8} {'x 1st':>6} {'p50 ms':>7} {'p99 ms':>7} {'near found':>10}"
    )
    first: dict[str, float] = {}
    for size in (int(s) for s in args.sizes.split(",")):
        cmd = [sys.executable, __file__, "--one", str(size), "--probes", str(args.probes), "--seed", str(args.seed)]
        r = json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout)
        first = first or r
        print(
            f"{size:>9} {r['build_s']:8.1f} {r['rss_mb']:8.0f} {r['rss_delta_mb']:8.0f} "
            f"{r['rss_delta_mb'] * 2**20 / size:6.0f} {r['best_round_ms']:8.3f} "
            f"{r['best_round_ms'] / first['best_round_ms']:6.2f} {r['mean_ms']:8.3f} {r['mean_ms'] / first['mean_ms']:6.2f} "
            f"{r['p50_ms']:7.3f} {r['p99_ms']:7.3f} {r['near_found']:10.3f}",
            flush=True,
        )
    print(
        f"\ncheck+insert = query(sig) + add(key, sig), estimated verification; best = best of {ROUNDS} rounds' means."
        "\nper-article total = signature(text) + check+insert; target < 5 ms, and 1M <= 1.5x the first size."
    )


if __name__ == "__main__":
    main()
