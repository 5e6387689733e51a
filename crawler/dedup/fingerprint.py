"""Duplicate detection, pure parts: exact content hash, Media-Cloud-style title key, MinHash near-dup index.

Three layers, all keyed in the DB (research/architecture.md §6):
1. canonical URL hash (crawler.dedup.urls.url_key), unique;
2. `content_hash` (normalised text sha1) and `title_key` (source, normalised title, day);
3. `signature` (a MinHash stored per article) + `NearDupIndex` (datasketch MinHashLSH) for wire stories,
   syndication and reprints that keep most of the text across outlets. Candidates from the LSH are
   verified: with real Jaccard/containment over the shingle sets when the caller can supply the texts,
   otherwise with the values estimated from the stored signatures.

Shingles are character n-grams over text with marks, punctuation and Arabic letter variants folded, so
Hebrew and Arabic clitics (ו/ה/ב/ל, و/ال glued to the next word) change only the n-grams at a word's edge.
bench/dedup_quality.py measures this choice against word shingles.
"""

from __future__ import annotations

import copy
import hashlib
import html
import re
import struct
import unicodedata
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
from datasketch import MinHash, MinHashLSH
from datasketch.storage import OrderedStorage, UnorderedStorage

from crawler.textnorm import fold_whitespace, normalize_for_match, strip_marks

# ---------------------------------------------------------------------------------------------------------
# Exact layer
# ---------------------------------------------------------------------------------------------------------


def content_hash(text: str) -> str:
    """sha1 hex of the text after NFKC, niqqud/harakat/tatweel removal, whitespace folding and casefold."""
    return hashlib.sha1(normalize_for_match(text).encode("utf-8")).hexdigest()


# A title part shorter than this on the edge of a separator is taken to be the site name (Media Cloud's
# mcmetadata.titles uses the same 32-character rule).
SITE_NAME_MAX_CHARS = 32
# Separators between a headline and the site name: "Title - Reuters", "Title | ynetnews", "כותרת – ynet",
# "العنوان | الجزيرة نت", "Заголовок — ТАСС", "Site :: Title". Spaces around them are required so that
# "Russia-Hamas" or "Lavrov: ..." stay whole.
TITLE_SEPARATOR = re.compile(r"(\s+(?:[|\-–—•·»«:]|::)\s+)")
# "Reuters: ..." has no space before the colon, so TITLE_SEPARATOR misses it; short, and checked against the source.
SOURCE_COLON_PREFIX = re.compile(r"^([^:]{2,%d}):\s+" % SITE_NAME_MAX_CHARS)
_TAG = re.compile(r"<[^>]*>")


def _strip_edge_punctuation(text: str) -> str:
    """Drop punctuation and symbols at both ends (any script: « » ״ ؟ ، included)."""
    start, end = 0, len(text)
    while start < end and (unicodedata.category(text[start])[0] in "PSZ"):
        start += 1
    while end > start and (unicodedata.category(text[end - 1])[0] in "PSZ"):
        end -= 1
    return text[start:end]


def _drop_site_name(title: str, source: str) -> str:
    """Remove a site-name prefix or suffix the way Media Cloud does, plus anything naming the source.

    Media Cloud's length rule, made conservative: only a part shorter than SITE_NAME_MAX_CHARS is ever
    dropped, so a headline of two long halves ("... - and what it risks") stays whole.
    """
    source_words = {w for w in re.split(r"[\W_]+", normalize_for_match(source)) if len(w) > 2}

    def names_source(part: str) -> bool:
        return bool(source_words & set(re.split(r"[\W_]+", normalize_for_match(part))))

    # "Reuters: headline" / "ТАСС: заголовок": a colon prefix is a site name only when it names the source.
    prefix = SOURCE_COLON_PREFIX.match(title)
    if prefix and names_source(prefix.group(1)):
        title = title[prefix.end() :]
    pieces = TITLE_SEPARATOR.split(title)  # [part, separator, part, ...] (the pattern captures)
    parts = pieces[::2]
    lo, hi = 0, len(parts)  # keep parts[lo:hi]
    # Edges that name the source go first, whatever their length.
    while hi - lo > 1 and names_source(parts[hi - 1]):
        hi -= 1
    while hi - lo > 1 and names_source(parts[lo]):
        lo += 1
    if hi - lo == 2:
        if len(parts[hi - 1]) < SITE_NAME_MAX_CHARS:
            hi -= 1  # suffixes are far more common than prefixes
        elif len(parts[lo]) < SITE_NAME_MAX_CHARS:
            lo += 1  # short prefix, long headline
    elif hi - lo > 2:
        while hi - lo > 1 and len(parts[hi - 1]) < SITE_NAME_MAX_CHARS:
            hi -= 1
        if hi - lo > 1 and len(parts[lo]) < SITE_NAME_MAX_CHARS:
            lo += 1
    return "".join(pieces[2 * lo : 2 * hi - 1])


def normalize_title(title: str, source: str = "") -> str:
    """Media Cloud's normalize_title: tags and entities out, site name off, edge punctuation, lowercase."""
    text = html.unescape(_TAG.sub(" ", title))
    text = fold_whitespace(text)
    text = _drop_site_name(text, source)
    return _strip_edge_punctuation(normalize_for_match(text))


def title_key(source: str, title: str, published_day: date | None) -> str:
    """sha1 hex of (source, normalised title, publication day): a same-outlet duplicate on another URL."""
    day = published_day.isoformat() if published_day else ""
    payload = "\x1f".join((source.strip().casefold(), normalize_title(title, source), day))
    return hashlib.sha1(payload.encode("utf-8")).hexdigest()


# ---------------------------------------------------------------------------------------------------------
# Shingles and signatures
# ---------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Shingling:
    """How a text becomes a set: character n-grams ("char") or word k-grams ("word")."""

    kind: str
    size: int

    def code(self) -> int:
        return 1 if self.kind == "char" else 2


# Character 7-grams, chosen on bench/dedup_quality.py (308 real texts, 1,239 near copies, 47k distinct
# pairs): recall 0.998 with 0 false positives, like 5-grams and word shingles, but the widest margin between
# distinct articles (max Jaccard 0.12 vs 0.26 for 5-grams) and ~50x fewer chance LSH candidates than 5-grams
# (what keeps the per-article cost flat at 10^6 articles). Word 2/3-grams separate as well but lose whole
# tokens to a clitic (ו/ה/ב/ל, و/ال) or a one-letter edit; a 7-gram loses only the windows over that letter.
DEFAULT_SHINGLING = Shingling("char", 7)
MINHASH_SEED = 1  # part of the signature format: changing it invalidates every stored signature
DEFAULT_NUM_PERM = 128
# Shingles are permuted in chunks: a (chunk x num_perm) uint32 buffer that stays in cache (512 kB; measured
# 2.6x faster than one big matrix) and a book-length PDF never allocates (shingles x num_perm) at once.
_MINHASH_CHUNK = 1024

# Letters written interchangeably by Arabic outlets (hamza seats, alef maqsura/ya, ta marbuta/ha) and
# Arabic-Indic/Persian digits; folded for shingling only, never in stored text.
_SHINGLE_FOLD = {
    "أ": "ا",
    "إ": "ا",
    "آ": "ا",
    "ٱ": "ا",
    "ى": "ي",
    "ة": "ه",
    "ؤ": "و",
    "ئ": "ي",
    **{chr(0x0660 + d): str(d) for d in range(10)},
    **{chr(0x06F0 + d): str(d) for d in range(10)},
}
_SHINGLE_FOLD_RE = re.compile("[" + "".join(_SHINGLE_FOLD) + "]")
# Punctuation, symbols and whitespace runs become one space: quote styles and dashes differ between reprints.
_NON_WORD = re.compile(r"[\W_]+")
# Odd 64-bit multipliers for the polynomial n-gram hash and the final 64->32 bit mix (splitmix64 constants).
_POLY = np.uint64(0x9E3779B97F4A7C15)
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)


def shingle_text(text: str) -> str:
    """The text shingles are cut from: NFKC, marks stripped, casefolded, Arabic variants folded, no punctuation.

    The same steps as textnorm.normalize_for_match, with punctuation removal in place of whitespace folding.
    """
    folded = strip_marks(unicodedata.normalize("NFKC", text)).casefold()
    folded = _SHINGLE_FOLD_RE.sub(lambda m: _SHINGLE_FOLD[m.group()], folded)
    return _NON_WORD.sub(" ", folded).strip()


def _mix32(values: np.ndarray) -> np.ndarray:
    """A 64-bit avalanche (splitmix64 finaliser) folded to 32 bits."""
    with np.errstate(over="ignore"):
        values = (values ^ (values >> np.uint64(30))) * _MIX1
        values = (values ^ (values >> np.uint64(27))) * _MIX2
        values = values ^ (values >> np.uint64(31))
    return (values >> np.uint64(32)).astype(np.uint32)


def _ngram_hashes(units: np.ndarray, size: int) -> np.ndarray:
    """Polynomial hash of every window of `size` consecutive units (uint64 arithmetic, wrapping)."""
    if len(units) < size:
        size = len(units)  # a text shorter than one shingle is one shingle
    if size == 0:
        return np.empty(0, dtype=np.uint64)
    count = len(units) - size + 1
    acc = np.zeros(count, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for offset in range(size):
            acc = acc * _POLY + units[offset : offset + count]
    return acc


def shingle_set(text: str, shingling: Shingling = DEFAULT_SHINGLING) -> np.ndarray:
    """The sorted, unique 32-bit hashes of the text's shingles (deterministic across processes)."""
    norm = shingle_text(text)
    if not norm:
        return np.empty(0, dtype=np.uint32)
    if shingling.kind == "char":
        units = np.frombuffer(norm.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    elif shingling.kind == "word":
        words = norm.split(" ")
        units = np.fromiter((zlib.crc32(w.encode("utf-8")) for w in words), dtype=np.uint64, count=len(words))
    else:
        raise ValueError(f"unknown shingling kind {shingling.kind!r}")
    return np.unique(_mix32(_ngram_hashes(units, shingling.size)))


# Serialised signature: format version, shingling kind, shingling size, num_perm, shingle count, then
# num_perm little-endian uint32 MinHash values. The shingle count lets the index estimate containment.
SIGNATURE_VERSION = 1
_SIG_HEADER = struct.Struct("<BBBHI")
_EMPTY_HASH = np.uint32(0xFFFFFFFF)


@dataclass(frozen=True)
class Signature:
    """A decoded signature."""

    shingling: Shingling
    size: int  # number of distinct shingles in the text
    hashvalues: np.ndarray  # uint32[num_perm]


_PERMUTATIONS: dict[int, tuple[np.ndarray, np.ndarray]] = {}
# MurmurHash3 fmix32 constants: datasketch's affine32 scheme pre-mixes every input hash with this bijection.
_FMIX32 = (np.uint32(16), np.uint32(0x85EBCA6B), np.uint32(13), np.uint32(0xC2B2AE35))


def _permutations(num_perm: int) -> tuple[np.ndarray, np.ndarray]:
    """The (a, b) of datasketch's affine32 permutations h -> a*h + b mod 2^32 for num_perm and our seed."""
    if num_perm not in _PERMUTATIONS:
        a, b = MinHash(num_perm=num_perm, seed=MINHASH_SEED, scheme="affine32").permutations
        _PERMUTATIONS[num_perm] = (a.astype(np.uint32), b.astype(np.uint32))
    return _PERMUTATIONS[num_perm]


def minhash_values(shingles: np.ndarray, num_perm: int = DEFAULT_NUM_PERM) -> np.ndarray:
    """The MinHash values datasketch's MinHash(scheme="affine32").update_batch would give, vectorised.

    update_batch calls a Python hash function per element; our shingles are already 32-bit hashes, so this
    applies the same fmix32 pre-mix and affine permutations in numpy (tests assert the two agree).
    """
    a, b = _permutations(num_perm)
    values = np.full(num_perm, _EMPTY_HASH, dtype=np.uint32)
    s1, m1, s2, m2 = _FMIX32
    with np.errstate(over="ignore"):
        hv = shingles.astype(np.uint32)
        hv = (hv ^ (hv >> s1)) * m1
        hv = (hv ^ (hv >> s2)) * m2
        hv = hv ^ (hv >> s1)
        buffer = np.empty((min(len(hv), _MINHASH_CHUNK), num_perm), dtype=np.uint32)
        for start in range(0, len(hv), _MINHASH_CHUNK):
            part = hv[start : start + _MINHASH_CHUNK]
            permuted = buffer[: len(part)]
            np.multiply(part[:, None], a, out=permuted)  # uint32 arithmetic wraps: that is the mod 2^32
            np.add(permuted, b, out=permuted)
            np.minimum(values, permuted.min(axis=0), out=values)
    return values


def encode_signature(shingles: np.ndarray, shingling: Shingling, num_perm: int = DEFAULT_NUM_PERM) -> bytes:
    """Serialise the MinHash of a shingle set (plus its size) for a DB column."""
    values = minhash_values(shingles, num_perm).astype("<u4")
    header = _SIG_HEADER.pack(SIGNATURE_VERSION, shingling.code(), shingling.size, num_perm, len(shingles))
    return header + values.tobytes()


def signature(text: str, *, shingling: Shingling = DEFAULT_SHINGLING, num_perm: int = DEFAULT_NUM_PERM) -> bytes:
    """Compact serialised MinHash of the text (9 + 4*num_perm bytes: 521 bytes at num_perm=128)."""
    return encode_signature(shingle_set(text, shingling), shingling, num_perm)


def decode_signature(sig: bytes) -> Signature:
    """Parse bytes made by `signature`; ValueError if they are not a signature of this format."""
    if len(sig) < _SIG_HEADER.size:
        raise ValueError("signature too short")
    version, kind, size, num_perm, count = _SIG_HEADER.unpack_from(sig)
    if version != SIGNATURE_VERSION:
        raise ValueError(f"unsupported signature version {version}")
    if kind not in (1, 2):
        raise ValueError(f"unknown shingling code {kind}")
    if len(sig) != _SIG_HEADER.size + 4 * num_perm:
        raise ValueError("signature length does not match its num_perm")
    values = np.frombuffer(sig, dtype="<u4", offset=_SIG_HEADER.size).astype(np.uint32)
    return Signature(Shingling("char" if kind == 1 else "word", size), count, values)


def estimated_jaccard(a: Signature, b: Signature) -> float:
    """Share of equal MinHash values: an unbiased Jaccard estimate (sd ~ 0.04 at num_perm=128, J=0.5)."""
    if a.size == 0 or b.size == 0:
        return 0.0
    return float(np.count_nonzero(a.hashvalues == b.hashvalues)) / len(a.hashvalues)


def containment_from_jaccard(jaccard: float, size_a: int, size_b: int) -> float:
    """|A∩B| / min(|A|,|B|) implied by a Jaccard value and the two set sizes."""
    if min(size_a, size_b) == 0:
        return 0.0
    intersection = jaccard * (size_a + size_b) / (1.0 + jaccard)
    return min(1.0, intersection / min(size_a, size_b))


def exact_similarity(a: np.ndarray, b: np.ndarray) -> tuple[float, float]:
    """(Jaccard, containment) of two shingle sets as returned by `shingle_set`."""
    if len(a) == 0 or len(b) == 0:
        return 0.0, 0.0
    inter = len(np.intersect1d(a, b, assume_unique=True))
    return inter / (len(a) + len(b) - inter), inter / min(len(a), len(b))


# ---------------------------------------------------------------------------------------------------------
# Near-duplicate index
# ---------------------------------------------------------------------------------------------------------

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
