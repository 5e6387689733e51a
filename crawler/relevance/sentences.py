"""Units of a text that scoring reasons about: paragraphs, sentences, quotations and asides.

A paragraph is a line (trafilatura and feeds put one per line); a sentence ends at . ! ? … ; and their
Arabic forms, not after an abbreviation or an initial. Quotation tracking tells which sentence boundaries lie
inside a quote; an aside between dashes or brackets belongs to the noun right before it.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

from crawler.relevance.match import Hit

# Sentence ends: . ! ? … and the Arabic question mark, then optional closing quotes/brackets, then space;
# also ; and the Arabic semicolon (independent clauses, headline lists "X; Y"), and a run of three or more
# spaces or a tab, which is how scraped headline lists separate their items. Arabic and Hebrew copy often
# omits the space after a full stop ("...قطاع غزة.ونوه بوتين"): a stop right before a letter of those scripts
# ends the sentence too (a single-letter initial such as "أ.ف.ب" still does not).
_SENTENCE_END = re.compile(r"[.!?؟…;؛]+[\"'»”’)\]]*\s+|[.!?؟…]+(?=[\u0590-\u05ea\u0620-\u064a])|[ \u00a0]{3,}|\t+")
# "Mr. Putin", "U.S. officials", "Oct. 26": a full stop after these does not end a sentence.
_ABBREVIATIONS = frozenset(
    ["mr", "mrs", "ms", "dr", "st", "gen", "lt", "col", "sgt", "capt", "gov", "sen", "rep", "prof", "jr", "sr", "inc",
     "ltd", "co", "corp", "no", "vol", "fig", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct",
     "nov", "dec", "u.s", "u.n", "e.g", "i.e", "vs", "etc", "approx", "est", "г", "гг", "т.е", "т.д", "др", "им", "ул"]
)
_LAST_WORD = re.compile(r"([^\W\d_][\w.]*)\W*$")
# Between the headlines of a roundup title: "Israel erupts after attack by Hamas; Russia pounds Ukrainian grain
# exports", "X | Y". A title's own sentence ends too, so each part is read as one headline.
_HEADLINE_SEPARATOR = re.compile(r"[;؛]|\s\|\s|[.!?؟]\s+")


@dataclass(frozen=True)
class Segment:
    field: str
    paragraph: int  # index within the field
    start: int
    end: int
    first_token: int
    lead: bool


# Quotation marks. An ASCII " is the Hebrew gershayim, not a quote, when it stands between Hebrew letters
# before the LAST letter of a word (ארה"ב, צה"ל, מו"מ); before a longer word it opens a quote after a
# prefix letter (כ"תנועה מדינית", و"حماس").
_GERSHAYIM = re.compile(r'(?<=[\u05d0-\u05ea])"[\u05d0-\u05ea](?![\u05d0-\u05ea])')
_QUOTE_OPEN = frozenset("«„")
_QUOTE_CLOSE = frozenset("»”")


def paragraph_spans(text: str) -> list[tuple[int, int]]:
    """Non-empty lines: trafilatura and feeds put one paragraph per line."""
    spans = []
    offset = 0
    for line in text.split("\n"):
        if line.strip():
            spans.append((offset, offset + len(line)))
        offset += len(line) + 1
    return spans


def sentence_spans(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Sentences of text[start:end], not split after abbreviations, initials or before lower case."""
    spans = []
    s = start
    for m in _SENTENCE_END.finditer(text, start, end):
        before = text[s : m.start() + 1]
        nxt = text[m.end() : m.end() + 1]
        if m.group(0).startswith("."):
            lw = _LAST_WORD.search(before[:-1] + " ")
            word = lw.group(1).casefold().rstrip(".") if lw else ""
            initials = all(len(part) == 1 for part in word.split("."))  # "J.", "U.S", "أ.ف"
            if (initials and word.replace(".", "").isalpha()) or word in _ABBREVIATIONS:
                continue
        if nxt and nxt.islower() and m.group(0).strip():
            continue
        spans.append((s, m.end()))
        s = m.end()
    if s < end:
        spans.append((s, end))
    return [(a, b) for a, b in spans if text[a:b].strip()]


def segments(field_name: str, text: str, token_starts: list[int], lead_words: int) -> list[Segment]:
    """Sentences of a field, each knowing its paragraph and whether it lies in the lead."""
    out = []
    for p, (ps, pe) in enumerate(paragraph_spans(text)):
        for ss, se in sentence_spans(text, ps, pe):
            first = bisect.bisect_left(token_starts, ss)
            lead = field_name in ("title", "lead") or first < lead_words
            out.append(Segment(field_name, p, ss, se, first, lead))
    return out


def quoted_boundaries(text: str, start: int, end: int, boundaries: list[int]) -> set[int]:
    """Those of `boundaries` (offsets in text[start:end]) that fall inside a quotation."""
    inside: set[int] = set()
    wanted = sorted(b for b in boundaries if start <= b <= end)
    if not wanted:
        return inside
    k = 0
    unicode_depth, ascii_open, low_open = 0, False, False
    for i in range(start, end):
        while k < len(wanted) and wanted[k] <= i:
            if unicode_depth > 0 or ascii_open:
                inside.add(wanted[k])
            k += 1
        ch = text[i]
        if ch == '"':
            if _GERSHAYIM.match(text, i) or text[i - 1 : i].isdigit():
                continue  # gershayim of a Hebrew abbreviation (ארה"ב), or an inch mark (12")
            ascii_open = not ascii_open
        elif ch in _QUOTE_OPEN:
            unicode_depth += 1
            low_open = low_open or ch == "„"
        elif ch == "“":
            if low_open:  # „…“ (Russian, German): the high mark closes
                unicode_depth, low_open = max(unicode_depth - 1, 0), False
            else:
                unicode_depth += 1
        elif ch in _QUOTE_CLOSE:
            unicode_depth = max(unicode_depth - 1, 0)
    return inside


# An aside between dashes or brackets describes the noun right before it: "Witkoff—who brokered the first Hamas
# deal—has met Putin" ties Hamas to Witkoff, not to Russia. When the noun before the aside is the other side
# ("Putin—who thanked Hamas—said …") the aside does carry the relation.
_ASIDE = re.compile(r"\s?[—–]\s?[^—–\n]{3,200}?\s?[—–]|\s\([^()\n]{3,200}\)")
_ASIDE_ATTACH_CHARS = 2  # an other-side mention ending this close before the aside is the noun it describes


def _side_only_in_foreign_aside(text: str, start: int, end: int, side: list[Hit], other: list[Hit]) -> bool:
    """True when every mention of `side` sits in one aside that neither names `other` nor is attached to it."""
    for aside in _ASIDE.finditer(text, start, end):
        inside = lambda hit: aside.start() <= hit.start and hit.end <= aside.end()  # noqa: E731
        if not side or not all(inside(hit) for hit in side) or any(inside(hit) for hit in other):
            continue
        attached = any(hit.end <= aside.start() and aside.start() - hit.end <= _ASIDE_ATTACH_CHARS for hit in other)
        if not attached:
            return True
    return False


def in_foreign_aside(text: str, start: int, end: int, hit: Hit, other: list[Hit]) -> bool:
    """True when `hit` sits in an aside that is not attached to a mention of the other side."""
    return _side_only_in_foreign_aside(text, start, end, [hit], other)


def aside_only(text: str, start: int, end: int, russia: list[Hit], hamas: list[Hit]) -> bool:
    return _side_only_in_foreign_aside(text, start, end, hamas, russia) or _side_only_in_foreign_aside(text, start, end, russia, hamas)


def headline_spans(title: str) -> list[tuple[int, int]]:
    """Character spans of the headlines a title strings together (one span for an ordinary title)."""
    spans, start = [], 0
    for m in _HEADLINE_SEPARATOR.finditer(title):
        spans.append((start, m.start()))
        start = m.end()
    spans.append((start, len(title)))
    return [(a, b) for a, b in spans if title[a:b].strip()]
