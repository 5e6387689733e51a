"""The near-duplicate index, pure: MinHash LSH over stored signatures, with verification of every candidate.

Candidates from the LSH are verified: with real Jaccard/containment over the shingle sets when the caller can
supply the texts, otherwise with the values estimated from the stored signatures (crawler.dedup.fingerprint).
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from datasketch import MinHash, MinHashLSH
from datasketch.storage import OrderedStorage, UnorderedStorage

from crawler.dedup.fingerprint import (
    DEFAULT_NUM_PERM,
    DEFAULT_SHINGLING,
    MINHASH_SEED,
    SIGNATURE_VERSION,
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
# LSH banding chosen by datasketch for `threshold` with these (false positive, false negative) weights.
# Candidates are verified afterwards, so a false candidate costs one comparison while a missed one is lost
# for good: weigh misses far more.
LSH_WEIGHTS = (0.1, 0.9)
# rebuild() decodes and inserts stored signatures in batches of this many (one Redis pipeline per batch).
REBUILD_CHUNK = 5000


@dataclass(frozen=True)
class NearMatch:
    """One verified near duplicate."""

    key: str
    jaccard: float
    containment: float
    exact: bool  # True when computed over the real shingle sets, False when estimated from signatures


class _CompactBuckets(UnorderedStorage):
    """In-memory LSH bucket table: band hash -> one key, or a list when several share the band.

    datasketch's DictSetStorage keeps a Python set per bucket, almost always holding one key: measured
    11.5 kB per indexed article at 32 bands, against ~3.9 kB for this whole index (signature included),
    i.e. 11 GB instead of 3.7 GB at a million articles (bench/dedup_scale.py).
    """

    def __init__(self) -> None:
        self._dict: dict[Any, Any] = {}

    def keys(self) -> Iterable[Any]:
        return self._dict.keys()

    def get(self, key: Any) -> list[Any]:
        value = self._dict.get(key)
        if value is None:
            return []
        return value if isinstance(value, list) else [value]

    def insert(self, key: Any, *vals: Any, **kwargs: Any) -> None:
        for val in vals:
            current = self._dict.get(key)
            if current is None:
                self._dict[key] = val
            elif isinstance(current, list):
                if val not in current:
                    current.append(val)
            elif current != val:
                self._dict[key] = [current, val]

    def remove(self, *keys: Any, **kwargs: Any) -> None:
        for key in keys:
            self._dict.pop(key, None)

    def remove_val(self, key: Any, val: Any, **kwargs: Any) -> None:
        current = self._dict.get(key)
        if isinstance(current, list):
            if val in current:
                current.remove(val)
            if len(current) == 1:
                self._dict[key] = current[0]
            elif not current:
                del self._dict[key]
        elif current == val:
            del self._dict[key]

    def size(self) -> int:
        return len(self._dict)

    def itemcounts(self, **kwargs: Any) -> dict[Any, int]:
        return {k: len(self.get(k)) for k in self._dict}

    def has_key(self, key: Any) -> bool:
        return key in self._dict


class _CompactKeys(OrderedStorage):
    """In-memory key table: key -> tuple of its band hashes (needed to remove a key)."""

    def __init__(self) -> None:
        self._dict: dict[Any, tuple[Any, ...]] = {}

    def keys(self) -> Iterable[Any]:
        return self._dict.keys()

    def get(self, key: Any) -> tuple[Any, ...]:
        return self._dict.get(key, ())

    def insert(self, key: Any, *vals: Any, **kwargs: Any) -> None:
        self._dict[key] = self._dict.get(key, ()) + vals

    def remove(self, *keys: Any, **kwargs: Any) -> None:
        for key in keys:
            self._dict.pop(key, None)

    def remove_val(self, key: Any, val: Any, **kwargs: Any) -> None:
        self._dict[key] = tuple(v for v in self._dict.get(key, ()) if v != val)

    def size(self) -> int:
        return len(self._dict)

    def itemcounts(self, **kwargs: Any) -> dict[Any, int]:
        return {k: len(v) for k, v in self._dict.items()}

    def has_key(self, key: Any) -> bool:
        return key in self._dict


def _band_hash(band: bytes) -> int:
    """In-memory bucket key: an int instead of the band's bytes (36 vs 49 bytes, and cheap to compute).

    Python's bytes hash is salted per process; that is fine because these keys never leave the process
    (an index is rebuilt from the stored signatures at start-up, and the Redis backend keys by raw bytes).
    """
    return hash(band)


class NearDupIndex:
    """MinHash LSH over stored signatures, with verification of every candidate.

    A candidate is a near duplicate when its Jaccard similarity is >= `verify_jaccard`, or when
    `verify_containment` is set and the smaller text (>= MIN_CONTAINED_CHARS of text, >= MIN_SIZE_RATIO
    of the larger) lies at least that much inside the other (truncated reprints, copies in long boilerplate).

    With `redis_url`, the LSH tables and the signatures live in Redis under `basename`, so several
    processes or machines share one index; otherwise everything is in memory.
    """

    def __init__(
        self,
        threshold: float = 0.5,
        verify_jaccard: float = 0.7,
        num_perm: int = DEFAULT_NUM_PERM,
        *,
        verify_containment: float | None = 0.75,
        shingling: Shingling = DEFAULT_SHINGLING,
        redis_url: str | None = None,
        basename: str = "coverwatch",
        text_of: Callable[[str], str | None] | None = None,
    ) -> None:
        self.threshold = threshold
        self.verify_jaccard = verify_jaccard
        self.verify_containment = verify_containment
        self.num_perm = num_perm
        self.shingling = shingling
        self.text_of = text_of
        self._redis_url = redis_url
        self._basename = basename
        self._redis: Any = None
        self._sigs: dict[str, bytes] = {}
        self.rebuild_skipped = 0  # stored signatures the last rebuild() could not use
        self._empty_minhash = MinHash(num_perm=num_perm, seed=MINHASH_SEED, scheme="affine32")
        if redis_url is not None:
            import redis  # only needed for the shared backend

            self._redis = redis.Redis.from_url(redis_url)
            self._check_redis_meta()
        self._lsh = self._new_lsh()

    # -- construction -------------------------------------------------------------------------------------

    def _new_lsh(self) -> MinHashLSH:
        if self._redis is None:
            lsh = MinHashLSH(threshold=self.threshold, num_perm=self.num_perm, weights=LSH_WEIGHTS, hashfunc=_band_hash)
            lsh.hashtables = [_CompactBuckets() for _ in range(lsh.b)]
            lsh.keys = _CompactKeys()
            return lsh
        from redis.connection import parse_url

        config = {
            "type": "redis",
            "basename": f"{self._basename}_lsh".encode("utf-8"),
            "redis": parse_url(self._redis_url),
        }
        return MinHashLSH(
            threshold=self.threshold,
            num_perm=self.num_perm,
            weights=LSH_WEIGHTS,
            storage_config=config,
            prepickle=False,
        )

    @property
    def _sig_hash(self) -> str:
        return f"{self._basename}_sigs"

    def _check_redis_meta(self) -> None:
        """Every process sharing a basename must band and shingle the same way; the first one decides."""
        shingling = f"{self.shingling.kind}{self.shingling.size}"
        meta = f"v{SIGNATURE_VERSION}:{shingling}:{self.num_perm}:{self.threshold}:{LSH_WEIGHTS}"
        key = f"{self._basename}_meta"
        self._redis.setnx(key, meta)
        stored = self._redis.get(key).decode("utf-8")
        if stored != meta:
            raise ValueError(f"Redis index {self._basename!r} was built with {stored}, not {meta}")

    # -- helpers ------------------------------------------------------------------------------------------

    def _decode(self, sig: bytes) -> Signature:
        decoded = decode_signature(sig)
        if decoded.shingling != self.shingling or len(decoded.hashvalues) != self.num_perm:
            raise ValueError(
                f"signature made with {decoded.shingling}/{len(decoded.hashvalues)} perms; "
                f"index uses {self.shingling}/{self.num_perm}"
            )
        return decoded

    def _minhash(self, decoded: Signature) -> MinHash:
        """A datasketch MinHash carrying the signature's values (shallow copy: permutations are shared).

        MinHash(hashvalues=...) re-validates or regenerates the permutations (15-150 µs) on every call.
        """
        minhash = copy.copy(self._empty_minhash)
        minhash.hashvalues = decoded.hashvalues
        return minhash

    def _store_key(self, key: str) -> Any:
        return key.encode("utf-8") if self._redis is not None else key

    def _get_sigs(self, keys: list[str]) -> list[bytes | None]:
        if self._redis is None:
            return [self._sigs.get(k) for k in keys]
        if not keys:
            return []
        return list(self._redis.hmget(self._sig_hash, keys))

    # -- public API ---------------------------------------------------------------------------------------

    def __contains__(self, key: str) -> bool:
        if self._redis is None:
            return key in self._sigs
        return bool(self._redis.hexists(self._sig_hash, key))

    def __len__(self) -> int:
        if self._redis is None:
            return len(self._sigs)
        return int(self._redis.hlen(self._sig_hash))

    def add(self, key: str, sig: bytes) -> bool:
        """Index a signature under key (replacing the key's previous one). False for an empty text."""
        decoded = self._decode(sig)
        if key in self:
            self.remove(key)
        if decoded.size == 0:
            return False  # empty texts are never near duplicates; the exact layer handles them
        self._lsh.insert(self._store_key(key), self._minhash(decoded), check_duplication=False)
        if self._redis is None:
            self._sigs[key] = bytes(sig)
        else:
            self._redis.hset(self._sig_hash, key, bytes(sig))
        return True

    def remove(self, key: str) -> bool:
        """Drop a key; False if it was not indexed."""
        if key not in self:
            return False
        stored = self._store_key(key)
        if stored in self._lsh:
            self._lsh.remove(stored)
        if self._redis is None:
            del self._sigs[key]
        else:
            self._redis.hdel(self._sig_hash, key)
        return True

    def candidates(self, sig: bytes) -> list[str]:
        """Unverified LSH candidates (keys sharing at least one band)."""
        decoded = self._decode(sig)
        if decoded.size == 0:
            return []
        found = self._lsh.query(self._minhash(decoded))
        return sorted(k.decode("utf-8") if isinstance(k, bytes) else k for k in found)

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
        text is unavailable, or any candidate without them, is verified with signature estimates.
        """
        decoded = self._decode(sig)
        keys = [k for k in self.candidates(sig) if k != exclude]
        if not keys:
            return []
        text_of = text_of or self.text_of
        own_shingles = shingle_set(text, self.shingling) if text is not None and text_of is not None else None
        found: list[NearMatch] = []
        for key, other_sig in zip(keys, self._get_sigs(keys)):
            other_text = text_of(key) if own_shingles is not None and text_of is not None else None
            if own_shingles is not None and other_text is not None:
                other_shingles = shingle_set(other_text, self.shingling)
                jaccard, containment = exact_similarity(own_shingles, other_shingles)
                sizes, exact = (len(own_shingles), len(other_shingles)), True
            elif other_sig is not None:
                other = self._decode(bytes(other_sig))
                jaccard = estimated_jaccard(decoded, other)
                containment = containment_from_jaccard(jaccard, decoded.size, other.size)
                sizes, exact = (decoded.size, other.size), False
            else:
                continue  # removed meanwhile by another process
            if self._accept(jaccard, containment, *sizes):
                found.append(NearMatch(key, jaccard, containment, exact))
        found.sort(key=lambda m: (-max(m.jaccard, m.containment), m.key))
        return found

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

    def clear(self) -> None:
        """Empty the index (in Redis: delete every key under basename)."""
        if self._redis is not None:
            for pattern in (f"{self._basename}_lsh*", self._sig_hash, f"{self._basename}_meta"):
                batch = list(self._redis.scan_iter(match=pattern, count=1000))
                for start in range(0, len(batch), 1000):
                    self._redis.delete(*batch[start : start + 1000])
            self._check_redis_meta()
        self._sigs = {}
        self._lsh = self._new_lsh()

    def rebuild(self, pairs: Iterable[tuple[str, bytes]]) -> int:
        """Replace the contents with stored (key, signature) pairs; texts are never re-read. Returns count.

        A stored signature this index cannot use (older format, other shingling or num_perm) is skipped and
        counted in `rebuild_skipped`, so one stale row cannot stop start-up; those rows need new signatures.
        """
        self.clear()
        self.rebuild_skipped = 0
        count = 0
        for chunk in _chunks(pairs, REBUILD_CHUNK):
            usable: dict[str, tuple[bytes, Signature]] = {}
            for key, sig in chunk:
                try:
                    decoded = self._decode(bytes(sig))
                except ValueError:
                    self.rebuild_skipped += 1
                    continue
                if decoded.size:
                    usable[key] = (bytes(sig), decoded)  # a repeated key: the last signature wins
            if self._redis is None:
                for key, (sig, decoded) in usable.items():
                    if key in self._sigs:
                        self.remove(key)  # the same key again in a later batch
                    self._lsh.insert(key, self._minhash(decoded), check_duplication=False)
                    self._sigs[key] = sig
            elif usable:
                with self._lsh.insertion_session(buffer_size=len(usable) * 4) as session:
                    for key, (_, decoded) in usable.items():
                        session.insert(self._store_key(key), self._minhash(decoded), check_duplication=False)
                self._redis.hset(self._sig_hash, mapping={key: sig for key, (sig, _) in usable.items()})
            count += len(usable)
        return count


def _chunks(pairs: Iterable[tuple[str, bytes]], size: int) -> Iterator[list[tuple[str, bytes]]]:
    chunk: list[tuple[str, bytes]] = []
    for pair in pairs:
        chunk.append(pair)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk
