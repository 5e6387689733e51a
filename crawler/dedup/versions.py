"""What changed between two versions of one article: title, sentences, paragraphs, size.

Sentences and paragraphs are compared after textnorm.normalize_for_match, so whitespace, niqqud/harakat
and case differences are not changes. `is_material_change` further ignores punctuation-only edits, typo
fixes and short chrome lines ("Updated 12:30"), but never a changed number.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from difflib import SequenceMatcher

from crawler.textnorm import fold_whitespace, normalize_for_match

# Paragraphs are separated by line breaks (extracted text keeps one paragraph per line).
PARAGRAPH_BREAK = re.compile(r"\s*[\r\n\u2028\u2029]+\s*")

# Sentence terminators: . ! ? … for Latin/Cyrillic/Hebrew; ؟ (question mark), ، (comma, which Arabic
# prose uses where English would end a sentence) and ؛ (semicolon) for Arabic. A terminator may be
# followed by closing quotes/brackets, and ends a sentence only before whitespace.
_TERMINATOR = r"(?:[.!?\u2026]+|[\u061f\u060c\u061b])"
_CLOSERS = "\"'\u00bb\u201d\u2019\u05f4)\\]"
SENTENCE_END = re.compile(rf"{_TERMINATOR}[{_CLOSERS}]*(?=\s)")

# A period after these does not end a sentence: single-letter initials ("В. Путин", "J. Smith") and common
# abbreviations in our languages (English titles, Russian "г." year / "т.е." / "им.", Hebrew none needed).
ABBREVIATIONS = frozenset(
    {
        "mr", "mrs", "ms", "dr", "prof", "gen", "col", "lt", "sgt", "st", "jr", "sr", "vs", "etc",
        "inc", "ltd", "co", "corp", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep",
        "sept", "oct", "nov", "dec", "u.s", "u.k", "u.n", "e.g", "i.e",
        "г", "гг", "т.е", "т.д", "т.п", "им", "ул", "см", "др", "пр", "тыс", "млн", "млрд", "руб",
    }
)  # fmt: skip
_LAST_TOKEN = re.compile(r"(\S+)$")

# is_material_change: an added or removed line of fewer words than this with no counterpart is page chrome
# ("Updated", "Photo: Reuters"), not news.
MIN_MATERIAL_WORDS = 3
# A changed sentence pair whose letters differ by at most this many characters (and whose numbers are the
# same) is a typo fix.
TYPO_MAX_CHARS = 2
# Removed/added sentences are paired as edits of each other when at least this similar.
PAIR_MIN_RATIO = 0.6
_WORDS = re.compile(r"\w+")
_DIGITS = re.compile(r"\d+(?:[.,]\d+)*")
# For counting a line's words, a time or date ("12:30", "07.03.2024") is one token.
_TOKENS = re.compile(r"\d+(?:[:.,/]\d+)*|[^\W\d_]+")


def split_paragraphs(text: str) -> list[str]:
    """Non-empty paragraphs (line-separated blocks), whitespace folded."""
    return [fold_whitespace(p) for p in PARAGRAPH_BREAK.split(text) if p.strip()]


def _is_abbreviation(chunk: str) -> bool:
    """True when the chunk ends with an initial or a known abbreviation followed by a period."""
    if not chunk.endswith("."):
        return False
    match = _LAST_TOKEN.search(chunk[:-1])
    if not match:
        return False
    token = match.group(1).lstrip("(\"'«“").casefold()
    return (len(token) == 1 and token.isalpha()) or token in ABBREVIATIONS


def split_sentences(text: str) -> list[str]:
    """Sentences of a Hebrew, Arabic, Russian or English text: paragraphs first, then terminators."""
    sentences: list[str] = []
    for paragraph in split_paragraphs(text):
        start = 0
        for match in SENTENCE_END.finditer(paragraph):
            chunk = paragraph[start : match.end()]
            if _is_abbreviation(chunk.rstrip(_CLOSERS)):
                continue
            if chunk.strip():
                sentences.append(chunk.strip())
            start = match.end()
        rest = paragraph[start:].strip()
        if rest:
            sentences.append(rest)
    return sentences


@dataclass(frozen=True)
class ChangeSummary:
    """The difference between an article's stored version and a newly fetched one."""

    title_changed: bool
    sentences_added: list[str] = field(default_factory=list)  # as written in the new version
    sentences_removed: list[str] = field(default_factory=list)  # as written in the old version
    paragraphs_added: int = 0
    paragraphs_removed: int = 0
    size_delta: int = 0  # len(new_text) - len(old_text), in characters

    def summary(self) -> str:
        """One line for an analyst, e.g. "title changed; 3 sentences added, 1 removed; +412 chars"."""
        parts: list[str] = []
        if self.title_changed:
            parts.append("title changed")
        added, removed = len(self.sentences_added), len(self.sentences_removed)
        if added and removed:
            parts.append(f"{_count(added, 'sentence')} added, {removed} removed")
        elif added:
            parts.append(f"{_count(added, 'sentence')} added")
        elif removed:
            parts.append(f"{_count(removed, 'sentence')} removed")
        elif self.paragraphs_added or self.paragraphs_removed:
            parts.append("paragraph breaks changed")
        if not parts:
            parts.append("no text change")
        parts.append(f"{self.size_delta:+d} chars")
        return "; ".join(parts)


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _multiset_diff(old: list[str], new: list[str]) -> tuple[list[str], list[str]]:
    """(added, removed) items compared by normalize_for_match, each in its own version's order and form."""
    old_counts = Counter(normalize_for_match(s) for s in old)
    new_counts = Counter(normalize_for_match(s) for s in new)
    added_left = new_counts - old_counts
    removed_left = old_counts - new_counts
    added: list[str] = []
    for sentence in new:
        key = normalize_for_match(sentence)
        if added_left[key] > 0:
            added.append(sentence)
            added_left[key] -= 1
    removed: list[str] = []
    for sentence in old:
        key = normalize_for_match(sentence)
        if removed_left[key] > 0:
            removed.append(sentence)
            removed_left[key] -= 1
    return added, removed


def diff_versions(old_title: str | None, old_text: str, new_title: str | None, new_text: str) -> ChangeSummary:
    """Compare two versions of an article (pure; texts as extracted, one paragraph per line)."""
    title_changed = normalize_for_match(old_title or "") != normalize_for_match(new_title or "")
    added, removed = _multiset_diff(split_sentences(old_text), split_sentences(new_text))
    paragraphs_added, paragraphs_removed = _multiset_diff(split_paragraphs(old_text), split_paragraphs(new_text))
    return ChangeSummary(
        title_changed=title_changed,
        sentences_added=added,
        sentences_removed=removed,
        paragraphs_added=len(paragraphs_added),
        paragraphs_removed=len(paragraphs_removed),
        size_delta=len(new_text) - len(old_text),
    )


def _letters(sentence: str) -> str:
    """Words only (punctuation dropped), normalised: what a reader would call the sentence's wording."""
    return " ".join(_WORDS.findall(normalize_for_match(sentence)))


def _is_trivial_edit(old: str, new: str) -> bool:
    """Punctuation-only change or a typo fix; never a change of numbers."""
    old_words, new_words = _letters(old), _letters(new)
    if old_words == new_words:
        return True
    if _DIGITS.findall(old_words) != _DIGITS.findall(new_words):
        return False
    matcher = SequenceMatcher(None, old_words, new_words, autojunk=False)
    changed = sum(max(i2 - i1, j2 - j1) for tag, i1, i2, j1, j2 in matcher.get_opcodes() if tag != "equal")
    return changed <= TYPO_MAX_CHARS


def is_material_change(summary: ChangeSummary) -> bool:
    """True when an analyst should see the new version: a new title, or real wording/number changes."""
    if summary.title_changed:
        return True
    unmatched_added = list(summary.sentences_added)
    for old in summary.sentences_removed:
        best, best_ratio = None, 0.0
        for new in unmatched_added:
            ratio = SequenceMatcher(None, _letters(old), _letters(new), autojunk=False).ratio()
            if ratio > best_ratio:
                best, best_ratio = new, ratio
        if best is not None and best_ratio >= PAIR_MIN_RATIO:
            unmatched_added.remove(best)
            if not _is_trivial_edit(old, best):
                return True
        elif _token_count(old) >= MIN_MATERIAL_WORDS:
            return True
    return any(_token_count(new) >= MIN_MATERIAL_WORDS for new in unmatched_added)


def _token_count(sentence: str) -> int:
    return len(_TOKENS.findall(normalize_for_match(sentence)))
