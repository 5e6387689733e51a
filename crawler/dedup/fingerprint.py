"""Text fingerprints, pure: exact content hash, Media-Cloud-style title key, MinHash signatures.

Three duplicate layers, all keyed in the DB (research/architecture.md §6):
1. canonical URL hash (crawler.dedup.urls.url_key), unique;
2. `content_hash` (normalised text sha1) and `title_key` (source, normalised title, day), here;
3. `signature` (a MinHash stored per article), here, queried through the LSH index in crawler.dedup.index
   for wire stories, syndication and reprints that keep most of the text across outlets.

Shingles are character n-grams over text with marks, punctuation and Arabic letter variants folded, so
Hebrew and Arabic clitics (ו/ה/ב/ל, و/ال glued to the next word) change only the n-grams at a word's edge.
bench/dedup_quality.py measures this choice against word shingles.
"""

from __future__ import annotations

import hashlib
import html
import re
import struct
import unicodedata
import zlib
from dataclasses import dataclass
from datetime import date

import numpy as np

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
    """The (a, b) of datasketch's affine32 permutations h -> a*h + b mod 2^32 for num_perm and our seed.

    Drawn as datasketch 2.x MinHash._init_permutations draws them (tests assert the two agree), without
    importing datasketch: its import pulls in scipy.integrate, about 2 s of every process's start-up here.
    """
    if num_perm not in _PERMUTATIONS:
        generator = np.random.RandomState(MINHASH_SEED)
        a = generator.randint(0, 1 << 31, num_perm, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
        b = generator.randint(0, 1 << 32, num_perm, dtype=np.uint32)
        _PERMUTATIONS[num_perm] = (a, b)
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
