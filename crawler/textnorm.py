"""Text normalisation shared by matching, hashing and search.

Niqqud and harakat are kept in stored text (an analyst may want them) and stripped only for matching.
"""

from __future__ import annotations

import re
import unicodedata

# Hebrew points and cantillation (U+0591–U+05C7, except the letters' maqaf/sof pasuq punctuation we keep).
_HEBREW_MARKS = re.compile("[\u0591-\u05bd\u05bf\u05c1\u05c2\u05c4\u05c5\u05c7]")
# Arabic harakat, Quranic marks, superscript alef; tatweel (U+0640) is a stretching glyph, not a letter.
_ARABIC_MARKS = re.compile("[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06dc\u06df-\u06e8\u06ea-\u06ed\u0640]")
# Bidi controls that PDF tools and some CMSs leave in text; they are invisible and break matching.
_BIDI_CONTROLS = re.compile("[\u200e\u200f\u202a-\u202e\u2066-\u2069\u061c\ufeff]")
_WHITESPACE = re.compile(r"\s+")
# Arabic spelling variants writers use interchangeably (أ/إ/آ/ٱ -> ا, ى -> ي, ة -> ه), folded for search. Must match
# FOLDED in storage/migrations/versions/0003_search.py (tests/web checks they agree).
SEARCH_FOLDS = {"\u0623": "\u0627", "\u0625": "\u0627", "\u0622": "\u0627", "\u0671": "\u0627", "\u0649": "\u064a", "\u0629": "\u0647"}


def strip_marks(text: str) -> str:
    """Remove niqqud, harakat, tatweel and invisible bidi controls."""
    return _BIDI_CONTROLS.sub("", _ARABIC_MARKS.sub("", _HEBREW_MARKS.sub("", text)))


def fold_for_search(text: str) -> str:
    """The folding the search indexes apply (minus case, which the tokenizer/ILIKE handle)."""
    folded = strip_marks(text)
    for variant, letter in SEARCH_FOLDS.items():  # str.replace, not str.translate: 10x faster on non-ASCII text
        folded = folded.replace(variant, letter)
    return folded


def fold_whitespace(text: str) -> str:
    return _WHITESPACE.sub(" ", text).strip()


def normalize_for_match(text: str) -> str:
    """NFKC (folds Arabic presentation forms), marks stripped, whitespace folded, casefolded."""
    return fold_whitespace(strip_marks(unicodedata.normalize("NFKC", text))).casefold()


_RTL_CHAR = re.compile("[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufefc]")
_LTR_CHAR = re.compile("[A-Za-z\u00c0-\u024f\u0400-\u04ff]")


def is_rtl(text: str) -> bool:
    """True when strong right-to-left letters outnumber left-to-right ones."""
    return len(_RTL_CHAR.findall(text)) > len(_LTR_CHAR.findall(text))
