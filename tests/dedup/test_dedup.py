"""Duplicate detection (crawler.dedup.fingerprint): exact hash, title key, MinHash signatures and the near-dup index.

Texts are real (tests/fixtures/dedup/README.md): a Hebrew ynet analysis and two Arabic articles, all on
Russia–Hamas relations, and four TASS politics texts from the same outlet and days.
"""

from __future__ import annotations

import hashlib
import json
from datetime import date
from pathlib import Path

import numpy as np
import pytest
from datasketch import MinHash

from crawler.dedup.fingerprint import (
    DEFAULT_SHINGLING,
    Shingling,
    content_hash,
    decode_signature,
    exact_similarity,
    minhash_values,
    normalize_title,
    shingle_set,
    signature,
    title_key,
)
from crawler.dedup.index import LSH_WEIGHTS, NearDupIndex, band_hashes, lsh_banding

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "dedup"
HE_YNET = (FIXTURES / "he_ynet_putin_thanks_hamas.txt").read_text(encoding="utf-8")
AR_ALAALEM = (FIXTURES / "ar_alaalem_did_russia_prepare_hamas.txt").read_text(encoding="utf-8")
AR_KHANADEQ = (FIXTURES / "ar_alkhanadeq_will_russia_sacrifice_israel.txt").read_text(encoding="utf-8")
TASS = [item["text"] for item in json.loads((FIXTURES / "en_tass_politics_2024_first4.json").read_text(encoding="utf-8"))]
SEEDS = {"he_ynet": HE_YNET, "ar_alaalem": AR_ALAALEM, "ar_khanadeq": AR_KHANADEQ}


def _syndicated(text: str, header: list[str], footer: list[str], drop_marker: str | None = None) -> str:
    """The same article on another site: its own chrome lines dropped, the other site's added."""
    lines = [line for line in text.splitlines() if not (drop_marker and drop_marker in line)]
    return "\n".join(header + lines + footer)


@pytest.fixture
def seed_index() -> NearDupIndex:
    index = NearDupIndex()
    for key, text in SEEDS.items():
        assert index.add(key, signature(text))
    return index


# ---- exact layer ---------------------------------------------------------------------------------------


def test_content_hash_ignores_niqqud_harakat_tatweel_and_whitespace() -> None:
    assert content_hash("פוטין הודה  לחמאס\nעל השחרור") == content_hash("פּוּטִין הוֹדָה לַחַמָאס עַל הַשִּׁחְרוּר ")
    assert content_hash("روسيا و حماس") == content_hash("رُوسِيَا  وَ حَمَـــاس")
    assert content_hash("ﻻ") == content_hash("لا")  # NFKC folds Arabic presentation forms
    assert content_hash(HE_YNET) == content_hash("  " + HE_YNET.replace("\n", "\n\n") + "\n")
    assert content_hash(HE_YNET) != content_hash(HE_YNET.replace("2006", "2007"))


def test_content_hash_is_sha1_hex() -> None:
    assert len(content_hash("x")) == 40
    int(content_hash("x"), 16)


@pytest.mark.parametrize(
    ("title", "source"),
    [
        ("Putin thanks Hamas for hostage release - Reuters", "reuters"),
        ("Putin thanks Hamas for hostage release | Reuters", "reuters"),
        ("Reuters: Putin thanks Hamas for hostage release", "reuters"),
        ("<b>Putin</b> thanks Hamas for hostage release", "reuters"),
        ("“Putin thanks Hamas for hostage release”", "reuters"),
        ("  PUTIN THANKS HAMAS FOR HOSTAGE RELEASE.  ", "reuters"),
    ],
)
def test_title_key_media_cloud_normalisation(title: str, source: str) -> None:
    day = date(2025, 3, 10)
    assert title_key(source, title, day) == title_key("reuters", "Putin thanks Hamas for hostage release", day)


def test_title_key_drops_site_names_in_hebrew_arabic_russian() -> None:
    assert normalize_title("פוטין הודה לחמאס על השחרור - ynet", "ynet") == "פוטין הודה לחמאס על השחרור"
    assert normalize_title("هل ستضحي روسيا بإسرائيل؟ | موقع الخنادق", "alkhanadeq") == "هل ستضحي روسيا بإسرائيل"
    assert normalize_title("Лавров встретился с делегацией ХАМАС — ТАСС", "tass") == "лавров встретился с делегацией хамас"
    assert normalize_title("Title &amp; more - ynetnews", "ynetnews") == "title & more"


def test_title_key_keeps_long_parts_and_unrelated_colons() -> None:
    """Only a short edge part is taken for a site name; "Lavrov: ..." is a headline, not a site."""
    title = "Russia-Hamas ties: what Moscow gains from hosting the delegation - and what it risks losing with Israel"
    assert normalize_title(title, "unknown") == title.casefold()
    assert normalize_title(title + " | The Times of Israel", "toi") == title.casefold()
    assert normalize_title("Lavrov: Russia keeps talking to Hamas", "tass") == "lavrov: russia keeps talking to hamas"


def test_title_key_separates_source_and_day() -> None:
    key = title_key("ynet", "פוטין הודה לחמאס", date(2025, 3, 10))
    assert key != title_key("ynet", "פוטין הודה לחמאס", date(2025, 3, 11))
    assert key != title_key("inss", "פוטין הודה לחמאס", date(2025, 3, 10))
    assert title_key("ynet", "פוטין הודה לחמאס", None) == title_key("ynet", "פוטין הודה לחמאס", None)


# ---- signatures ----------------------------------------------------------------------------------------


def test_signature_is_compact_and_round_trips() -> None:
    sig = signature(HE_YNET)
    assert isinstance(sig, bytes) and len(sig) == 9 + 4 * 128
    decoded = decode_signature(sig)
    assert decoded.shingling == DEFAULT_SHINGLING
    assert decoded.size == len(shingle_set(HE_YNET))
    assert decoded.hashvalues.dtype == np.uint32 and len(decoded.hashvalues) == 128


def test_signature_format_is_stable() -> None:
    """Stored signatures must stay comparable: a change here invalidates every DB row (bump the version)."""
    assert hashlib.sha1(signature(HE_YNET)).hexdigest() == "a3bc5915d2e17cf86d9e5b98e08bf697667fcdb6"


def test_minhash_values_match_datasketch() -> None:
    shingles = shingle_set(AR_ALAALEM)
    reference = MinHash(num_perm=128, seed=1, scheme="affine32", hashfunc=lambda v: v)
    reference.update_batch(shingles.tolist())
    assert np.array_equal(minhash_values(shingles), reference.hashvalues)


def test_shingles_ignore_marks_punctuation_and_arabic_letter_variants() -> None:
    plain = "قال لافروف إن روسيا تتحدث مع حماس"
    variant = "قَالَ لافروف: «ان روسيا تتحدث مع حماس»"
    assert np.array_equal(shingle_set(plain), shingle_set(variant))


def test_bad_signatures_rejected() -> None:
    with pytest.raises(ValueError):
        decode_signature(b"short")
    with pytest.raises(ValueError):
        decode_signature(signature(HE_YNET)[:-4])
    index = NearDupIndex()
    with pytest.raises(ValueError):
        index.add("x", signature(HE_YNET, shingling=Shingling("word", 3)))


# ---- near-dup index ------------------------------------------------------------------------------------


def test_syndicated_copy_found(seed_index: NearDupIndex) -> None:
    copy = _syndicated(
        HE_YNET,
        header=["חדשות היום", "שתפו את הכתבה בוואטסאפ"],
        footer=["הכתבה פורסמה לראשונה באתר ynet", "כל הזכויות שמורות ©", "הצטרפו לערוץ הטלגרם שלנו"],
        drop_marker="צילום:",
    )
    assert seed_index.query(signature(copy))[0][0] == "he_ynet"
    verified = seed_index.matches(signature(copy), text=copy, text_of=SEEDS.get)
    assert [m.key for m in verified] == ["he_ynet"]
    assert verified[0].exact and verified[0].jaccard >= 0.7


def test_arabic_reprint_with_other_chrome_found(seed_index: NearDupIndex) -> None:
    copy = _syndicated(AR_KHANADEQ, ["شارك هذا المقال", "المصدر: وكالات"], ["جميع الحقوق محفوظة ©"], "المصدر: موقع الخنادق")
    assert [k for k, _ in seed_index.query(signature(copy), text=copy, text_of=SEEDS.get)] == ["ar_khanadeq"]


def test_truncated_reprint_found_by_containment(seed_index: NearDupIndex) -> None:
    truncated = AR_ALAALEM[: int(len(AR_ALAALEM) * 0.65)]
    found = seed_index.matches(signature(truncated), text=truncated, text_of=SEEDS.get)
    assert [m.key for m in found] == ["ar_alaalem"]
    assert found[0].jaccard < 0.7 <= found[0].containment  # accepted as "mostly inside", not by Jaccard
    assert [k for k, _ in seed_index.query(signature(truncated))] == ["ar_alaalem"]  # estimates agree


def test_text_read_only_for_candidates_the_estimate_leaves_a_chance(seed_index: NearDupIndex) -> None:
    """A chance band collision (one band equal, the rest of the signature unrelated) is rejected on its signature."""
    copy = _syndicated(AR_KHANADEQ, ["شارك هذا المقال"], ["جميع الحقوق محفوظة ©"])
    copy_sig = signature(copy)
    values = decode_signature(copy_sig).hashvalues.copy()
    values[seed_index.rows :] = np.arange(len(values) - seed_index.rows, dtype=np.uint32)  # only band 0 still equal
    seed_index.add("collision", copy_sig[: -4 * len(values)] + values.astype("<u4").tobytes())
    assert set(seed_index.candidates(copy_sig)) == {"ar_khanadeq", "collision"}
    texts = {**SEEDS, "collision": copy}  # its text would pass: only the estimate keeps it from being read
    read: list[str] = []

    def text_of(key: str) -> str:
        read.append(key)
        return texts[key]

    found = seed_index.matches(copy_sig, text=copy, text_of=text_of)
    assert [m.key for m in found] == ["ar_khanadeq"] and found[0].exact
    assert read == ["ar_khanadeq"]


def test_distinct_same_topic_seeds_not_matched(seed_index: NearDupIndex) -> None:
    for key, text in SEEDS.items():
        assert seed_index.query(signature(text), exclude=key) == []
        assert seed_index.query(signature(text), text=text, text_of=SEEDS.get, exclude=key) == []
        assert [k for k, _ in seed_index.query(signature(text))] == [key]


def test_distinct_articles_from_same_outlet_not_matched() -> None:
    """Four TASS texts from the same two days, the same desk and the same Putin press conference."""
    index = NearDupIndex()
    for i, text in enumerate(TASS):
        index.add(f"tass{i}", signature(text))
    for i, text in enumerate(TASS):
        assert index.query(signature(text), exclude=f"tass{i}") == []
    jaccards = [exact_similarity(shingle_set(a), shingle_set(b))[0] for a in TASS for b in TASS if a is not b]
    assert max(jaccards) < 0.3


def test_rebuilt_index_finds_the_same(seed_index: NearDupIndex) -> None:
    stored = [(key, signature(text)) for key, text in SEEDS.items()]  # as read back from the DB column
    rebuilt = NearDupIndex()
    assert rebuilt.rebuild(stored) == 3 and len(rebuilt) == 3
    copy = _syndicated(AR_ALAALEM, ["اقرأ أيضا"], ["إعلان"])
    assert rebuilt.query(signature(copy)) == seed_index.query(signature(copy))
    assert rebuilt.query(signature(copy))[0][0] == "ar_alaalem"


def test_rebuild_skips_signatures_it_cannot_use() -> None:
    """A stale row (other shingling, truncated bytes) is counted, not fatal: start-up must go on."""
    index = NearDupIndex()
    stored = [
        ("he_ynet", signature(HE_YNET)),
        ("old_format", signature(AR_ALAALEM, shingling=Shingling("word", 3))),
        ("broken", signature(AR_KHANADEQ)[:100]),
        ("empty", signature("")),
        ("he_ynet", signature(HE_YNET)),  # the same key twice: indexed once
    ]
    assert index.rebuild(stored) == 1
    assert index.rebuild_skipped == 2 and len(index) == 1
    assert [k for k, _ in index.query(signature(HE_YNET))] == ["he_ynet"]


def test_remove_and_replace(seed_index: NearDupIndex) -> None:
    sig = signature(HE_YNET)
    assert seed_index.remove("he_ynet") is True
    assert seed_index.remove("he_ynet") is False
    assert "he_ynet" not in seed_index and seed_index.query(sig) == []
    seed_index.add("he_ynet", sig)
    seed_index.add("he_ynet", sig)  # a new version of the same article replaces the old signature
    assert len(seed_index) == 3 and [k for k, _ in seed_index.query(sig)] == ["he_ynet"]


def test_empty_text_not_indexed() -> None:
    index = NearDupIndex()
    assert index.add("empty", signature("  \n ")) is False
    assert "empty" not in index and index.query(signature("")) == []


def test_threshold_is_configurable() -> None:
    strict = NearDupIndex(threshold=0.8, verify_jaccard=0.95, verify_containment=None)
    strict.add("he_ynet", signature(HE_YNET))
    lines = HE_YNET.splitlines()
    edited = "\n".join(lines[: len(lines) * 8 // 10])  # the last fifth cut
    assert strict.query(signature(edited)) == []
    lenient = NearDupIndex(threshold=0.5, verify_jaccard=0.7)
    lenient.add("he_ynet", signature(HE_YNET))
    assert [k for k, _ in lenient.query(signature(edited))] == ["he_ynet"]


# ---- Banding -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("threshold", [0.3, 0.5, 0.7, 0.8, 0.9])
def test_banding_is_datasketchs_optimum(threshold: float) -> None:
    """The numpy quadrature picks the (bands, rows) datasketch's MinHashLSH would, without scipy."""
    from datasketch.lsh import _optimal_param

    assert lsh_banding(threshold, 128, LSH_WEIGHTS) == _optimal_param(threshold, 128, *LSH_WEIGHTS)


def test_band_hashes_are_stable_and_separate_bands() -> None:
    """Stored in the database, so equal across processes; equal values in two bands still hash apart."""
    values = np.arange(128, dtype=np.uint32)
    hashes = band_hashes(values, 32, 4)
    assert len(hashes) == 32 and len(set(hashes)) == 32
    assert band_hashes(np.zeros(128, dtype=np.uint32), 32, 4)[0] != band_hashes(np.zeros(128, dtype=np.uint32), 32, 4)[1]
    assert hashes[:2] == [6952241497067640995, 2545996778622536285]  # pinned: changing it orphans stored bands
