"""The near-duplicate index, pure: MinHash LSH band hashes over stored signatures, with every candidate verified.

An indexed signature is cut into `bands` bands of `rows` MinHash values; each band becomes one 64-bit band hash
(band number and values mixed, the same in every process). Two texts are candidates when they share a band
hash. Where the band hashes live is a `BandStore`: `MemoryBands` here (tests, benches), or the database table
in storage/near_dups.py, which every spider, process and node shares and which is queried per article: nothing
is held in memory or rebuilt at start-up.

Candidates are verified: with real Jaccard/containment over the shingle sets when the caller can supply the
texts, otherwise with the values estimated from the stored signatures (crawler.dedup.fingerprint). One lookup
returns the candidates with their signatures, and a text is read only for a candidate whose estimate leaves it a
chance of passing: most LSH candidates at scale are chance band collisions, far below the thresholds.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Protocol

import numpy as np

from crawler.dedup.fingerprint import (
    DEFAULT_NUM_PERM,
    DEFAULT_SHINGLING,
    Shingling,
    Signature,
    containment_from_jaccard,
    decode_signature,
    estimated_jaccard,
    exact_similarity,
    shingle_set,
)

# A containment match (one text is mostly inside the other: a truncated reprint, a copy wrapped in long
# boilerplate) needs the smaller text to have this many shingles, and the two sizes to be within this ratio.
# A short text shares most of its common n-grams with any long text in its language (measured: a 700-char
# German text is 64% "contained" in an unrelated 17k-char one at char 5-grams), and a reprint that "keeps
# most of the text" cannot be less than half its source.
MIN_CONTAINED_CHARS = 200
MIN_SIZE_RATIO = 0.5
# Shingles per character of text, to turn MIN_CONTAINED_CHARS into a shingle count (word: ~6 chars a word).
_SHINGLES_PER_CHAR = {"char": 1.0, "word": 1 / 6}
# LSH banding chosen for `threshold` with these (false positive, false negative) weights, as datasketch's
# MinHashLSH chooses it. Candidates are verified afterwards, so a false candidate costs one comparison while a
# missed one is lost for good: weigh misses far more.
LSH_WEIGHTS = (0.1, 0.9)
# Gauss-Legendre nodes for the banding error integrals: the integrands are polynomials of degree <= num_perm,
# which 2*nodes-1 >= num_perm integrates exactly (datasketch runs 51,600 scipy.quad calls for the same numbers).
_QUADRATURE_NODES = 128
# A candidate's text is read only when its estimated Jaccard plus this margin could pass verification. The
# estimate from 128 MinHash values has a standard deviation of at most 0.044 (at J = 0.5), so 0.2 is 4.5 of
# them: a true match is skipped about 3 times in a million.
ESTIMATE_MARGIN = 0.2
# Splitmix64 constants, for band hashes that are equal across processes and machines (they are stored).
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)


@dataclass(frozen=True)
class NearMatch:
    """One verified near duplicate."""

    key: str
    jaccard: float
    containment: float
    exact: bool  # True when computed over the real shingle sets, False when estimated from signatures


@lru_cache(maxsize=None)
def lsh_banding(threshold: float, num_perm: int = DEFAULT_NUM_PERM, weights: tuple[float, float] = LSH_WEIGHTS) -> tuple[int, int]:
    """(bands, rows) minimising the weighted false positive + false negative areas of the LSH S-curve.

    The same optimum as datasketch.lsh._optimal_param (tests compare them), computed once per process in numpy.
    """
    nodes, node_weights = np.polynomial.legendre.leggauss(_QUADRATURE_NODES)

    def integral(curve: Callable[[np.ndarray], np.ndarray], low: float, high: float) -> float:
        half = (high - low) / 2
        return float(half * np.dot(node_weights, curve(half * nodes + (high + low) / 2)))

    best, best_error = (0, 0), float("inf")
    for bands in range(1, num_perm + 1):
        for rows in range(1, num_perm // bands + 1):
            false_positive = integral(lambda s: 1 - (1 - s**rows) ** bands, 0.0, threshold)
            false_negative = integral(lambda s: (1 - s**rows) ** bands, threshold, 1.0)
            error = false_positive * weights[0] + false_negative * weights[1]
            if error < best_error:
                best, best_error = (bands, rows), error
    return best


def band_hashes(hashvalues: np.ndarray, bands: int, rows: int) -> list[int]:
    """One signed 64-bit hash per band: the band's number and its `rows` MinHash values, mixed.

    `hashvalues` may also be a (signatures, num_perm) matrix: then one list of band hashes per signature.
    """
    table = hashvalues[..., : bands * rows].astype(np.uint64).reshape(*hashvalues.shape[:-1], bands, rows)
    with np.errstate(over="ignore"):
        acc = np.broadcast_to((np.arange(bands, dtype=np.uint64) + np.uint64(1)) * _GOLDEN, table.shape[:-1]).copy()
        for column in range(rows):
            acc = (acc ^ table[..., column]) * _MIX1
            acc = (acc ^ (acc >> np.uint64(29))) * _MIX2
        acc ^= acc >> np.uint64(32)
    return acc.view(np.int64).tolist()  # type: ignore[no-any-return]


@lru_cache(maxsize=64)
def _signature_bands(sig: bytes, bands: int, rows: int) -> tuple[int, ...]:
    """band_hashes of a stored-format signature, remembered: storing an article looks its bands up, then adds them."""
    decoded = decode_signature(sig)
    return tuple(band_hashes(decoded.hashvalues, bands, rows)) if decoded.size else ()


class BandStore(Protocol):
    """Where band hashes live, looked up by band hash only (the database table has no index by key).

    `sharing` gives the keys indexed under any of the bands with their stored signatures, in one lookup;
    `signatures` gives the stored signature of any key it knows, indexed or not. A key is indexed when it is
    among the keys `sharing` its own first band.
    """

    def sharing(self, bands: Sequence[int]) -> dict[str, bytes]: ...
    def signatures(self, keys: Sequence[str]) -> dict[str, bytes]: ...
    def add(self, key: str, bands: Sequence[int], sig: bytes) -> None: ...
    def remove(self, key: str, bands: Sequence[int]) -> None: ...
    def __len__(self) -> int: ...


class MemoryBands:
    """Band hashes and signatures in this process: for tests and benches, never the crawl (see module docstring)."""

    def __init__(self) -> None:
        self._buckets: dict[int, str | list[str]] = {}  # one key per bucket almost always: no list for it
        self._bands: dict[str, tuple[list[int], bytes]] = {}

    def sharing(self, bands: Sequence[int]) -> dict[str, bytes]:
        found: dict[str, bytes] = {}
        for band in bands:
            bucket = self._buckets.get(band)
            for key in (bucket,) if isinstance(bucket, str) else bucket or ():
                found[key] = self._bands[key][1]
        return found

    def signatures(self, keys: Sequence[str]) -> dict[str, bytes]:
        return {key: self._bands[key][1] for key in keys if key in self._bands}

    def add(self, key: str, bands: Sequence[int], sig: bytes) -> None:
        self._bands[key] = (list(bands), sig)
        for band in bands:
            bucket = self._buckets.get(band)
            if bucket is None:
                self._buckets[band] = key
            elif isinstance(bucket, str):
                self._buckets[band] = [bucket, key]
            else:
                bucket.append(key)

    def remove(self, key: str, bands: Sequence[int]) -> None:
        if self._bands.pop(key, None) is None:
            return
        for band in bands:
            bucket = self._buckets.get(band)
            if bucket == key:
                del self._buckets[band]
            elif isinstance(bucket, list):
                bucket.remove(key)
                if len(bucket) == 1:
                    self._buckets[band] = bucket[0]

    def __len__(self) -> int:
        return len(self._bands)


class NearDupIndex:
    """MinHash LSH over stored signatures, with verification of every candidate.

    A candidate is a near duplicate when its Jaccard similarity is >= `verify_jaccard`, or when
    `verify_containment` is set and the smaller text (>= MIN_CONTAINED_CHARS of text, >= MIN_SIZE_RATIO
    of the larger) lies at least that much inside the other (truncated reprints, copies in long boilerplate).

    `store` holds the band hashes: in memory by default, or the database's table (storage.near_dups.BandTable).
    """

    def __init__(
        self,
        threshold: float = 0.5,
        verify_jaccard: float = 0.7,
        num_perm: int = DEFAULT_NUM_PERM,
        *,
        verify_containment: float | None = 0.75,
        shingling: Shingling = DEFAULT_SHINGLING,
        store: BandStore | None = None,
        text_of: Callable[[str], str | None] | None = None,
    ) -> None:
        self.threshold = threshold
        self.verify_jaccard = verify_jaccard
        self.verify_containment = verify_containment
        self.num_perm = num_perm
        self.shingling = shingling
        self.text_of = text_of
        self.store: BandStore = store if store is not None else MemoryBands()
        self.bands, self.rows = lsh_banding(threshold, num_perm)
        self.rebuild_skipped = 0  # signatures the last rebuild() could not use

    def _decode(self, sig: bytes) -> Signature:
        decoded = decode_signature(sig)
        if decoded.shingling != self.shingling or len(decoded.hashvalues) != self.num_perm:
            raise ValueError(
                f"signature made with {decoded.shingling}/{len(decoded.hashvalues)} perms; "
                f"index uses {self.shingling}/{self.num_perm}"
            )
        return decoded

    def band_hashes(self, sig: bytes) -> list[int]:
        """The band hashes a signature is indexed (and looked up) under; [] for an empty text."""
        self._decode(sig)  # ValueError for a signature of another format
        return list(_signature_bands(bytes(sig), self.bands, self.rows))

    def __contains__(self, key: str) -> bool:
        return self._indexed_bands(key) is not None

    def _indexed_bands(self, key: str) -> list[int] | None:
        """The band hashes `key` is indexed under, or None when it is not indexed."""
        sig = self.store.signatures([key]).get(key)
        if sig is None:
            return None
        try:
            bands = self.band_hashes(bytes(sig))
        except ValueError:
            return None  # a stored signature of another format was never indexed
        return bands if bands and key in self.store.sharing(bands[:1]) else None

    def __len__(self) -> int:
        return len(self.store)

    def add(self, key: str, sig: bytes, *, replace: bool = True) -> bool:
        """Index a signature under key (replacing the key's previous one). False for an empty text.

        `replace=False` when the key cannot be indexed yet (a row just inserted): saves looking for old bands.
        """
        bands = self.band_hashes(sig)
        if replace:
            self.remove(key)
        if not bands:
            return False  # empty texts are never near duplicates; the exact layer handles them
        self.store.add(key, bands, bytes(sig))
        return True

    def remove(self, key: str) -> bool:
        """Drop a key; False if it was not indexed."""
        bands = self._indexed_bands(key)
        if bands is None:
            return False
        self.store.remove(key, bands)
        return True

    def candidates(self, sig: bytes) -> list[str]:
        """Unverified LSH candidates (keys sharing at least one band)."""
        bands = self.band_hashes(sig)
        return sorted(self.store.sharing(bands)) if bands else []

    def matches(
        self,
        sig: bytes,
        *,
        text: str | None = None,
        text_of: Callable[[str], str | None] | None = None,
        exclude: str | None = None,
    ) -> list[NearMatch]:
        """Verified near duplicates of a signature, best first.

        With the query's `text` and a `text_of(key)` callback (or the one given to the constructor),
        candidates are verified with real Jaccard/containment over their shingle sets; a candidate whose
        text is unavailable, or any candidate without them, is verified with signature estimates. A candidate
        whose estimate is more than ESTIMATE_MARGIN below passing is rejected without reading its text.
        """
        decoded = self._decode(sig)
        bands = self.band_hashes(sig)
        stored = self.store.sharing(bands) if bands else {}
        stored.pop(exclude or "", None)
        text_of = text_of or self.text_of
        verify_texts = text is not None and text_of is not None
        own_shingles: np.ndarray | None = None
        found: list[NearMatch] = []
        for key in sorted(stored):
            other = self._decode(bytes(stored[key]))
            jaccard = estimated_jaccard(decoded, other)
            containment = containment_from_jaccard(jaccard, decoded.size, other.size)
            sizes, exact = (decoded.size, other.size), False
            if verify_texts and self._may_accept(jaccard, *sizes):
                other_text = text_of(key)  # type: ignore[misc]  # verify_texts says it is there
                if other_text is not None:
                    if own_shingles is None:
                        own_shingles = shingle_set(text, self.shingling)  # type: ignore[arg-type]
                    other_shingles = shingle_set(other_text, self.shingling)
                    jaccard, containment = exact_similarity(own_shingles, other_shingles)
                    sizes, exact = (len(own_shingles), len(other_shingles)), True
            if self._accept(jaccard, containment, *sizes):
                found.append(NearMatch(key, jaccard, containment, exact))
        found.sort(key=lambda m: (-max(m.jaccard, m.containment), m.key))
        return found

    def _may_accept(self, estimated: float, size_a: int, size_b: int) -> bool:
        """Whether a pair with this estimated Jaccard could pass verification on its texts."""
        optimistic = min(1.0, estimated + ESTIMATE_MARGIN)
        return self._accept(optimistic, containment_from_jaccard(optimistic, size_a, size_b), size_a, size_b)

    def _accept(self, jaccard: float, containment: float, size_a: int, size_b: int) -> bool:
        if jaccard >= self.verify_jaccard:
            return True
        smaller, larger = sorted((size_a, size_b))
        return (
            self.verify_containment is not None
            and smaller >= MIN_CONTAINED_CHARS * _SHINGLES_PER_CHAR[self.shingling.kind]
            and smaller >= MIN_SIZE_RATIO * larger
            and containment >= self.verify_containment
        )

    def query(
        self,
        sig: bytes,
        *,
        text: str | None = None,
        text_of: Callable[[str], str | None] | None = None,
        exclude: str | None = None,
    ) -> list[tuple[str, float]]:
        """Verified near duplicates as (key, Jaccard) pairs, best first; see `matches` for the details.

        A match accepted by containment (a truncated copy) can carry a Jaccard below `verify_jaccard`.
        """
        return [(m.key, m.jaccard) for m in self.matches(sig, text=text, text_of=text_of, exclude=exclude)]

    def rebuild(self, pairs: Iterable[tuple[str, bytes]]) -> int:
        """Fill a memory index from (key, signature) pairs (benches and tests). Returns the count indexed.

        A signature this index cannot use (older format, other shingling or num_perm) is skipped and counted
        in `rebuild_skipped`, so one stale row cannot stop a rebuild.
        """
        self.store = MemoryBands()
        self.rebuild_skipped = 0
        for key, sig in pairs:
            try:
                self.add(key, bytes(sig))
            except ValueError:
                self.rebuild_skipped += 1
        return len(self.store)
