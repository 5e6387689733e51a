"""Cross-script name keys: one consonant skeleton for a name written in Latin, Cyrillic, Hebrew or Arabic.

Hebrew and Arabic write few vowels, and each script renders the others' consonants its own way (Arabic ح and
خ are "h"/"kh" in English, "х" in Russian and ח in Hebrew). A key therefore keeps only consonant *classes*
that survive every transliteration — labials (b p f v), velars (k g q), dentals (t d), sibilants (s z sh ts
ch), j, l, m, n, r — and drops vowels, vowel letters (א ו י ا و ي), and every h-like sound. Bogdanov,
Богданов, בוגדנוב and بوغدانوف all become "PKTNP".
"""

from __future__ import annotations

import re
from functools import lru_cache

# Shorter keys collide too often between unrelated names ("MSK" is Moscow and "mask").
MIN_KEY_LEN = 4

_LATIN_DIGRAPHS = (
    ("dzh", "J"), ("tch", "S"), ("sch", "S"), ("sh", "S"), ("ch", "S"), ("zh", "S"), ("ts", "S"), ("tz", "S"),
    ("kh", ""), ("gh", "K"), ("ph", "P"), ("th", "T"), ("dh", "T"), ("dj", "J"), ("ck", "K"), ("qu", "K"),
)
_LATIN = {
    "b": "P", "p": "P", "f": "P", "v": "P", "k": "K", "g": "K", "q": "K", "c": "K", "x": "KS",
    "t": "T", "d": "T", "s": "S", "z": "S", "j": "J", "l": "L", "m": "M", "n": "N", "r": "R",
}
_CYRILLIC_DIGRAPHS = (("дж", "J"),)
_CYRILLIC = {
    "б": "P", "п": "P", "ф": "P", "в": "P", "к": "K", "г": "K", "т": "T", "д": "T",
    "с": "S", "з": "S", "ш": "S", "щ": "S", "ж": "S", "ц": "S", "ч": "S",
    "л": "L", "м": "M", "н": "N", "р": "R",
}
_HEBREW = {
    "ב": "P", "פ": "P", "ף": "P", "ג": "K", "כ": "K", "ך": "K", "ק": "K", "ד": "T", "ט": "T", "ת": "T",
    "ז": "S", "ס": "S", "צ": "S", "ץ": "S", "ש": "S", "ל": "L", "מ": "M", "ם": "M", "נ": "N", "ן": "N", "ר": "R",
}
_ARABIC = {
    "ب": "P", "ف": "P", "پ": "P", "ڤ": "P", "ق": "K", "ك": "K", "غ": "K", "گ": "K",
    "ت": "T", "ث": "T", "د": "T", "ذ": "T", "ط": "T", "ض": "T", "ظ": "T",
    "س": "S", "ش": "S", "ص": "S", "ز": "S", "ج": "J", "ل": "L", "م": "M", "ن": "N", "ر": "R",
}
# Russian case endings that carry a consonant (vowel-only endings vanish in the key anyway).
_RU_CASE_ENDINGS = ("ами", "ями", "ому", "ему", "ого", "его", "ым", "им", "ом", "ем", "ой", "ей", "ах", "ях", "ам", "ям")
# Hebrew writes a foreign ג/ז/צ sound with a geresh: ג׳ = j, ז׳ = zh, צ׳ = ch.
_HEBREW_GERESH = re.compile("([גזצ])['׳’]")
_HEBREW_GERESH_CLASS = {"ג": "J", "ז": "S", "צ": "S"}


def _collapse(classes: str) -> str:
    """Adjacent equal classes are one sound written twice (Abbas, Хания, مشعّل)."""
    out = []
    for ch in classes:
        if not out or out[-1] != ch:
            out.append(ch)
    return "".join(out)


def _latin(word: str) -> str:
    w = word.lower()
    w = re.sub(r"c(?=[eiy])", "s", w)
    for digraph, cls in _LATIN_DIGRAPHS:
        w = w.replace(digraph, cls.lower() if cls else "")
    return "".join(_LATIN.get(ch, ch.upper() if ch in "jskpt" else "") for ch in w)


def _cyrillic(word: str) -> str:
    w = word.lower().replace("ё", "е")
    for ending in _RU_CASE_ENDINGS:
        if w.endswith(ending) and len(w) - len(ending) >= 4:
            w = w[: -len(ending)]
            break
    for digraph, cls in _CYRILLIC_DIGRAPHS:
        w = w.replace(digraph, "\x00" + cls)
    out = []
    skip = False
    for ch in w:
        if skip:
            out.append(ch)
            skip = False
            continue
        if ch == "\x00":
            skip = True
            continue
        out.append(_CYRILLIC.get(ch, ""))
    return "".join(out)


def _hebrew(word: str) -> str:
    w = _HEBREW_GERESH.sub(lambda m: "\x00" + _HEBREW_GERESH_CLASS[m.group(1)], word)
    out = []
    skip = False
    for ch in w:
        if skip:
            out.append(ch)
            skip = False
        elif ch == "\x00":
            skip = True
        else:
            out.append(_HEBREW.get(ch, ""))
    return "".join(out)


def _arabic(word: str) -> str:
    w = word[2:] if word.startswith("ال") and len(word) > 4 else word
    return "".join(_ARABIC.get(ch, "") for ch in w)


@lru_cache(maxsize=65536)
def name_key(word: str, script: str) -> str | None:
    """The consonant-class key of one name word, or None when it is too short to tell names apart."""
    if script == "latin":
        classes = _latin(word)
    elif script == "cyrillic":
        classes = _cyrillic(word)
    elif script == "hebrew":
        classes = _hebrew(word)
    elif script == "arabic":
        classes = _arabic(word)
    else:
        return None
    key = _collapse(classes)
    return key if len(key) >= MIN_KEY_LEN else None
