"""Language of an article's text: declared metadata when the text agrees, else py3langid.

Pure stage: `detect_language(text, declared) -> ISO 639-1 code | None`.

Metadata (html lang, JSON-LD inLanguage, the outlet's declared language) is often right and sometimes a CMS
default ("en" on an Arabic page, "he" on an English ynet piece). It is trusted only when the text does not
contradict it: same script, and the statistical classifier is not confident of another language. Mixed pages
(a Hebrew article quoting English, an Arabic page with a Latin menu) keep the language with the most letters.
"""

from __future__ import annotations

import re
from functools import lru_cache

from py3langid.langid import MODEL_FILE, LanguageIdentifier

# Legacy or regional codes that CMSs still emit, mapped to the ISO 639-1 code we store.
_CODE_ALIASES = {"iw": "he", "ji": "yi", "in": "id", "jw": "jv", "mo": "ro", "sh": "sr", "nb": "no", "nn": "no"}
# "he-IL", "ar_AE", "en-GB": only the language subtag matters for matching and storage.
_SUBTAG_SPLIT = re.compile(r"[-_]")
_TWO_LETTERS = re.compile(r"^[a-z]{2}$")

# Letters per script. Counting letters (not bytes) keeps a Hebrew article with English quotes Hebrew.
_SCRIPTS = {
    "hebrew": re.compile("[\u05d0-\u05ea\u05f0-\u05f2\ufb1d-\ufb4f]"),
    "arabic": re.compile("[\u0620-\u064a\u066e-\u06d3\u06fa-\u06ff\u0750-\u077f\ufb50-\ufdff\ufe70-\ufefc]"),
    "cyrillic": re.compile("[\u0400-\u04ff]"),
    "latin": re.compile("[A-Za-z\u00c0-\u024f]"),
}
# Languages whose script alone settles the question for this project (no other he-script language is in scope).
_SCRIPT_ONLY_LANGUAGE = {"hebrew": "he"}
# Which script each language we may be told about is written in (for the consistency check).
_LANGUAGE_SCRIPT = {
    "he": "hebrew",
    "yi": "hebrew",
    "ar": "arabic",
    "fa": "arabic",
    "ur": "arabic",
    "ps": "arabic",
    "ru": "cyrillic",
    "uk": "cyrillic",
    "be": "cyrillic",
    "bg": "cyrillic",
    "sr": "cyrillic",
    "mk": "cyrillic",
    "kk": "cyrillic",
}
# Below this many letters the classifier is guessing; trust the declaration (or give up).
MIN_LETTERS_TO_DETECT = 20
# The classifier reads at most this much text: a few paragraphs decide the language, and py3langid's cost
# grows with every byte (0.75 µs a character). 1000 characters gave the same language as 2000 on all 1,155
# pages of the extraction benches and the 301 texts of bench/data/relevance_dev.jsonl, at half the cost.
SAMPLE_CHARS = 1000
# A declared language is overruled only when the classifier is at least this sure of another one.
# Lower values let short Latin-script snippets flip between related languages (de/nl, es/pt).
OVERRULE_CONFIDENCE = 0.9


def normalize_code(code: str | None) -> str | None:
    """'he-IL' -> 'he', 'iw' -> 'he', 'EN_us' -> 'en'; None for anything that is not a language code."""
    if not code:
        return None
    primary = _SUBTAG_SPLIT.split(code.strip().lower(), maxsplit=1)[0]
    primary = _CODE_ALIASES.get(primary, primary)
    return primary if _TWO_LETTERS.match(primary) else None


def dominant_script(text: str) -> tuple[str | None, int]:
    """The script with the most letters in `text`, and that letter count."""
    best, best_count = None, 0
    for name, pattern in _SCRIPTS.items():
        count = len(pattern.findall(text))
        if count > best_count:
            best, best_count = name, count
    return best, best_count


@lru_cache(maxsize=1)
def _identifier() -> LanguageIdentifier:
    """The py3langid model, loaded once per process (about 100 ms)."""
    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def classify(text: str) -> tuple[str, float]:
    """py3langid's best language for `text` with its probability."""
    language, confidence = _identifier().classify(text[:SAMPLE_CHARS])
    return normalize_code(language) or language, float(confidence)


def detect_language(text: str, declared: str | None = None) -> str | None:
    """ISO 639-1 code of the text's dominant language; the declared code when the text does not contradict it."""
    declared_code = normalize_code(declared)
    sample = text[:SAMPLE_CHARS]
    script, letters = dominant_script(sample)
    if letters < MIN_LETTERS_TO_DETECT:
        # Too few letters of the scripts we know: trust a declaration, else let the classifier try
        # (CJK, Greek, ... are not counted above but py3langid knows them).
        if declared_code or len(sample.strip()) < MIN_LETTERS_TO_DETECT:
            return declared_code
        return classify(sample)[0]
    if declared_code and _LANGUAGE_SCRIPT.get(declared_code, "latin") == script:
        if script in _SCRIPT_ONLY_LANGUAGE:
            return declared_code
        detected, confidence = classify(sample)
        if detected != declared_code and confidence >= OVERRULE_CONFIDENCE and _script_of(detected) == script:
            return detected
        return declared_code
    if script in _SCRIPT_ONLY_LANGUAGE:
        return _SCRIPT_ONLY_LANGUAGE[script]
    detected, _confidence = classify(_script_letters_only(sample, script))
    return detected


def _script_of(code: str) -> str:
    return _LANGUAGE_SCRIPT.get(code, "latin")


def _script_letters_only(text: str, script: str | None) -> str:
    """Drop the words of minority scripts so a Latin menu does not pull an Arabic page towards English."""
    if script is None or script == "latin":
        return text
    pattern = _SCRIPTS[script]
    return " ".join(word for word in text.split() if pattern.search(word))
