"""Word-level morphology for topic matching in Hebrew, Arabic, Russian and English.

Pure functions, no state: a text is cut into `Token`s that keep their offsets into the ORIGINAL string
(so a UI can highlight them), and each token is reduced to the forms it may stand for:

* Hebrew: the token, and the token without one to three proclitic letters (ו ה ב ל מ ש כ):
  `ושבחמאס` -> `חמאס`. Nothing is matched inside a word, so `מחמאה` (a compliment) only yields `חמאה`.
* Arabic: alef, ya and ta marbuta normalised; harakat and tatweel removed; the token without the
  conjunctions و ف and the prepositions ب ل ك (`للكرملين` -> `الكرملين`). The article ال is NOT removed:
  a profile alias says whether it carries the article (`الكرملين`) or not (`حماس`), because `الحماس` is
  always "the enthusiasm", never the movement. Attached pronouns are removed only for aliases that allow it.
* Russian: ё folded to е; a token is split into stem + case ending and the alias decides which endings
  its declension takes (`ХАМАСа`, `Россией`, `Москве`, `Путину`, `российскими`).
* English (any Latin script): possessive `'s` / `’s` removed (`Russia's`).

Which rules apply is decided per token by its script, not by the document language: English articles
quote Arabic names, Hebrew articles embed `Russia Today`.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from crawler.textnorm import normalize_for_match

SCRIPT_LATIN = "latin"
SCRIPT_HEBREW = "hebrew"
SCRIPT_ARABIC = "arabic"
SCRIPT_CYRILLIC = "cyrillic"
SCRIPT_OTHER = "other"

# A word: letters/digits plus the marks and invisible controls that sit INSIDE words in real text
# (niqqud, harakat, tatweel, PDF bidi controls), with internal apostrophes ("Russia's", "צ'צ'ניה").
# Hyphens and the Hebrew maqaf split words: "Israel-Hamas", "pro-Hamas", "ב-RT" are two tokens each.
_WORD_CHAR = r"[^\W_]|[\u0591-\u05c7\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u200c\u200d]"
_TOKEN = re.compile(rf"(?:{_WORD_CHAR})+(?:['’](?:{_WORD_CHAR})+)*")

# Hebrew proclitics: ו (and), ה (the), ב (in), ל (to), מ (from), ש (that), כ (as). Real words stack up
# to three of them (וכשה-, ושב-, מה-); four never occur in news prose, so stopping at three keeps
# long words from being peeled into accidental aliases.
HEBREW_PREFIX_LETTERS = frozenset("והבלמשכ")
HEBREW_MAX_PREFIX = 3
# A bare stem shorter than this is never an alias (avoids 'ה' + 'ם'-style noise).
MIN_STEM_LEN = 2

# Arabic letter variants written interchangeably in news text; folded before comparison.
_ARABIC_FOLD = str.maketrans(
    {
        "أ": "ا",  # alef with hamza above
        "إ": "ا",  # alef with hamza below
        "آ": "ا",  # alef madda
        "ٱ": "ا",  # alef wasla
        "ى": "ي",  # alef maqsura written for final ya (Egyptian orthography)
        "ة": "ه",  # ta marbuta, often typed as ha
        "ی": "ي",  # Farsi ya, common in copy-pasted text
        "ک": "ك",  # Farsi kaf
    }
)
# Conjunctions that attach to any word, then prepositions/particles that attach to nouns.
ARABIC_CONJUNCTIONS = ("و", "ف")
ARABIC_PREPOSITIONS = ("ب", "ل", "ك")
# Attached pronouns, longest first so "هما" is tried before "ه".
ARABIC_PRONOUN_SUFFIXES = ("هما", "كما", "هم", "هن", "كم", "كن", "نا", "ها", "ه", "ك", "ي")

# Russian declension. An alias is split into stem + its own ending, and the ending decides the class.
_RU_ADJ_ENDINGS = frozenset(
    ["ий", "ый", "ой", "ая", "яя", "ое", "ее", "ие", "ые", "ого", "его", "ому", "ему", "им", "ым", "ом", "ем", "ую", "юю",
     "их", "ых", "ими", "ыми", "ою", "ею", "о"]
)
_RU_NOUN_ENDINGS = {
    # Москва, Захарова: Москвы, Москве, Москву, Москвой
    "а": frozenset(["а", "ы", "и", "е", "у", "ой", "ою", "ей", "ам", "ами", "ах"]),
    # Россия, Небензя, Хания: России, Россию, Россией
    "я": frozenset(["я", "и", "е", "ю", "ей", "ею", "ям", "ями", "ях"]),
    # Кремль: Кремля, Кремлю, Кремлём (ё already folded to е), Кремле
    "ь": frozenset(["ь", "я", "ю", "ем", "е", "и", "ей", "ью", "ям", "ями", "ях"]),
    # ХАМАС, Путин, Лавров: ХАМАСа, Путину, Лавровым, Пескове (surnames take -ым in the instrumental)
    "": frozenset(["", "а", "у", "ом", "ым", "ем", "е", "ы", "и", "ов", "ев", "ам", "ами", "ах", "ой"]),
    # руководство, правительство: руководства, руководством, руководстве
    "о": frozenset(["о", "а", "у", "ом", "е"]),
    # движение -> stem движени: движения, движению, движением, движении
    "е": frozenset(["е", "я", "ю", "ем", "и", "й", "ям", "ями", "ях"]),
    # власти, лица-type plurals written in an alias: властей, властям, властями
    "и": frozenset(["и", "ей", "ям", "ями", "ях", "ь", "ью"]),
}
# Neuter nouns in -ние/-тие/-ье decline like движение, not like the plural adjective "российские".
_RU_NEUTER_IE_FINALS = frozenset(["ние", "тие", "вье", "лье", "рье"])
RU_MAX_ENDING = 3
# Alias-final letters that mark an indeclinable word (Абу, Марзуки, Газзе-style loans): exact only.
_RU_INDECLINABLE_FINALS = frozenset("оеиуюы")


@dataclass(frozen=True)
class Token:
    """One word of a field, with its offsets into that field's original string."""

    text: str  # as written
    start: int
    end: int
    norm: str  # casefolded, marks stripped, script letters folded
    script: str


@dataclass(frozen=True)
class RussianPattern:
    """How an alias word declines: a stem and the endings it may take."""

    stem: str
    endings: frozenset[str]


def script_of(word: str) -> str:
    """The script of a word, from its first letter."""
    for ch in word:
        if not ch.isalpha():
            continue
        name = unicodedata.name(ch, "")
        if name.startswith("HEBREW"):
            return SCRIPT_HEBREW
        if name.startswith("ARABIC"):
            return SCRIPT_ARABIC
        if name.startswith("CYRILLIC"):
            return SCRIPT_CYRILLIC
        if name.startswith("LATIN"):
            return SCRIPT_LATIN
        return SCRIPT_OTHER
    return SCRIPT_OTHER


def normalize_word(word: str, script: str | None = None) -> str:
    """Comparison form of one word: NFKC, marks stripped, casefolded, script variants folded."""
    norm = normalize_for_match(word).replace("’", "'")
    script = script or script_of(word)
    if script == SCRIPT_ARABIC:
        norm = norm.translate(_ARABIC_FOLD)
    elif script == SCRIPT_CYRILLIC:
        norm = norm.replace("ё", "е")
    return norm


# News vocabulary repeats: caching the per-word analysis makes long documents several times faster.
_WORD_CACHE_SIZE = 65536


@lru_cache(maxsize=_WORD_CACHE_SIZE)
def _analyse(word: str) -> tuple[str, str]:
    script = script_of(word)
    return normalize_word(word, script), script


def tokenize(text: str) -> list[Token]:
    """Words of `text` with their original offsets."""
    tokens = []
    for m in _TOKEN.finditer(text):
        word = m.group(0)
        norm, script = _analyse(word)
        tokens.append(Token(word, m.start(), m.end(), norm, script))
    return tokens


def hebrew_forms(norm: str) -> list[str]:
    """The word and the word without 1..3 proclitic letters."""
    forms = [norm]
    for k in range(1, HEBREW_MAX_PREFIX + 1):
        if len(norm) - k < MIN_STEM_LEN or norm[k - 1] not in HEBREW_PREFIX_LETTERS:
            break
        forms.append(norm[k:])
    return forms


def arabic_forms(norm: str) -> list[str]:
    """The word without optional conjunction + preposition; `لل` restores the elided article (ل + ال)."""
    forms = [norm]
    heads = [norm]
    for conj in ARABIC_CONJUNCTIONS:
        if norm.startswith(conj) and len(norm) - 1 >= MIN_STEM_LEN:
            heads.append(norm[1:])
    for head in heads:
        if head is not norm:
            forms.append(head)
        for prep in ARABIC_PREPOSITIONS:
            if head.startswith(prep) and len(head) - 1 >= MIN_STEM_LEN:
                rest = head[1:]
                forms.append(rest)
                if prep == "ل" and rest.startswith("ل") and len(rest) > MIN_STEM_LEN:
                    forms.append("ا" + rest)  # للكرملين = ل + الكرملين
    return list(dict.fromkeys(forms))


@lru_cache(maxsize=_WORD_CACHE_SIZE)
def arabic_unsuffixed(form: str) -> tuple[str, ...]:
    """A form without an attached pronoun; construct-state ت goes back to ta marbuta (حركتها -> حركه)."""
    out = []
    for suf in ARABIC_PRONOUN_SUFFIXES:
        if form.endswith(suf) and len(form) - len(suf) >= MIN_STEM_LEN + 1:
            stem = form[: -len(suf)]
            out.append(stem)
            if stem.endswith("ت"):
                out.append(stem[:-1] + "ه")
    return tuple(out)


def latin_forms(norm: str) -> list[str]:
    """The word and the word without an English possessive."""
    if norm.endswith("'s") and len(norm) > 2 + MIN_STEM_LEN:
        return [norm, norm[:-2]]
    return [norm]


def word_forms(token: Token) -> tuple[str, ...]:
    """Every form a text word may stand for (Russian is handled by `russian_pattern` instead)."""
    return _forms(token.norm, token.script)


@lru_cache(maxsize=_WORD_CACHE_SIZE)
def _forms(norm: str, script: str) -> tuple[str, ...]:
    if script == SCRIPT_HEBREW:
        return tuple(hebrew_forms(norm))
    if script == SCRIPT_ARABIC:
        return tuple(arabic_forms(norm))
    if script == SCRIPT_LATIN:
        return tuple(latin_forms(norm))
    return (norm,)


def russian_pattern(alias_word_norm: str) -> RussianPattern:
    """Stem and endings of a (normalised) Russian alias word, guessed from how it ends."""
    w = alias_word_norm
    if len(w) >= 5 and w[-3:] in _RU_NEUTER_IE_FINALS:  # движение, сопротивление: -ия, -ию, -ием
        return RussianPattern(w[:-1], _RU_NOUN_ENDINGS["е"])
    if len(w) >= 5 and w[-2:] in _RU_ADJ_ENDINGS:
        return RussianPattern(w[:-2], _RU_ADJ_ENDINGS)
    if len(w) >= 6 and w[-3:] in _RU_ADJ_ENDINGS:
        return RussianPattern(w[:-3], _RU_ADJ_ENDINGS)
    last = w[-1:]
    if last in _RU_NOUN_ENDINGS and last and len(w) >= 4:
        return RussianPattern(w[:-1], _RU_NOUN_ENDINGS[last])
    if last in ("а", "я", "ь"):
        return RussianPattern(w[:-1], _RU_NOUN_ENDINGS[last])
    if last == "й":  # Дмитрий-type: Дмитрия, Дмитрию
        return RussianPattern(w[:-1], _RU_NOUN_ENDINGS["я"] | {"й", "ем"})
    if last in _RU_INDECLINABLE_FINALS:
        return RussianPattern(w, frozenset([""]))
    return RussianPattern(w, _RU_NOUN_ENDINGS[""])


def russian_splits(norm: str) -> list[tuple[str, str]]:
    """Every (stem, ending) cut of a text word with an ending of at most RU_MAX_ENDING letters."""
    n = len(norm)
    return [(norm[:i], norm[i:]) for i in range(max(MIN_STEM_LEN, n - RU_MAX_ENDING), n + 1)]


def russian_matches(pattern: RussianPattern, norm: str) -> bool:
    """True when a text word is the alias word in one of its case forms."""
    return norm.startswith(pattern.stem) and norm[len(pattern.stem) :] in pattern.endings
