"""Positioned glyphs -> text in logical order (Hebrew, Arabic, mixed with digits and Latin).

Pure functions, no PDF library here: `crawler.extract.pdf` turns a page into `Glyph`s and calls `page_lines`.

Why positions and not the order of the content stream: real producers (Word, Excel, Quartz, HarfBuzz) paint
right-to-left text in visual order, some generators paint it in logical order, and extractors that "fix"
RTL per text run garble mixed lines. Sorting each line's glyphs by x gives the *visual* line whatever the
storage order was; the Unicode bidi algorithm (python-bidi) applied to a visual line gives it back in logical
order. Brackets are mirrored only when that makes them balance, because producers disagree on whether a
mirrored bracket carries its logical code point (Word, HarfBuzz) or the code point of its shape (Quartz).
NFKC (Arabic presentation forms, lam-alef and Latin ligatures) runs only after reordering: before, it would
split one glyph into letters that the reversal then puts in the wrong order.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from bidi import get_display

# --- geometry thresholds, in units of the glyph's font size (em) -------------------------------------------
# A gap wider than this between two glyphs of one line is a word space even when no space glyph was painted
# (LaTeX and many generators paint none). The narrowest justified space in Times is about 0.19 em; kerning
# and tracking stay well below 0.1 em. pdfminer's own default is 0.1 of the glyph size.
WORD_GAP_EM = 0.15
# A gap wider than this splits a line into separate fragments (table cells, columns). Justified word spaces
# rarely exceed 1 em; table cells and column gutters are wider.
CELL_GAP_EM = 1.5
# Vertical whitespace of at least this height separates bands of a page (heading / body / footer), so that a
# column gutter can be found inside a band even when a centred heading or page number crosses it.
BAND_GAP_EM = 0.9
# Two glyphs are on one line when their vertical centres differ by less than this share of the smaller
# glyph's height: superscripts and Arabic/Hebrew marks stay on their line, columns whose baselines are half a
# line apart do not merge.
SAME_LINE_SHARE = 0.5
# A painted space that covers more than this share of its width with a visible glyph is dropped: Word paints
# space glyphs on top of neighbouring punctuation (the `?` in pdf.js issue11656).
OVERLAPPING_SPACE_SHARE = 0.5
# Two glyphs with the same text overlapping by more than this share of their width are one glyph painted
# twice (fake bold, shadow, or a producer's "fill then stroke" pass).
DUPLICATE_OVERLAP_SHARE = 0.7
# Real layouts nest a few levels deep (page > band > column > block); a deeper cut is a pathological page, read
# line by line rather than risking Python's recursion limit.
MAX_CUT_DEPTH = 24
# A line whose letters are at least this share left-to-right (Latin, Cyrillic) gets base direction L;
# anything with fewer gets R. A lower bar would move a trailing "UNSC 2334" of a Hebrew line to its front.
LTR_BASE_SHARE = 0.75

# Bracket pairs that the bidi algorithm mirrors (Bidi_Mirroring_Glyph); `<`/`>` are left out because as
# comparison signs they are rarely balanced and only add noise to the "does it balance" vote.
_OPENING = {"(": ")", "[": "]", "{": "}", "«": "»", "‹": "›"}
_CLOSING = {v: k for k, v in _OPENING.items()}
_MIRROR = {**_OPENING, **_CLOSING}
# Bidi controls some producers put into ToUnicode maps; the bidi pass decides order itself.
_BIDI_CONTROLS = re.compile("[\u200e\u200f\u202a-\u202e\u2066-\u2069\u061c]")
# Compatibility characters that NFKC should unfold (after reordering): Latin ligatures (U+FB00–FB06),
# Hebrew presentation forms (U+FB1D–FB4F) and Arabic presentation forms A and B.
_PRESENTATION_FORMS = re.compile("[\ufb00-\ufdff\ufe70-\ufefe]+")
# Arabic "isolated form" harakat (U+FE70, FE72, ... FE7E) are spacing compatibility characters whose NFKC is
# SPACE + combining mark. Mapped to the mark up front, they attach to their letter like any other mark.
_ISOLATED_HARAKAT = {chr(cp): unicodedata.normalize("NFKC", chr(cp)).strip() for cp in range(0xFE70, 0xFE80, 2)}
_ISOLATED_HARAKAT.pop("\ufe75", None)  # U+FE75 is unassigned
# Hebrew final letters. A word that starts with one (and does not end with one) reads reversed.
_HEBREW_FINALS = frozenset("ךםןףץ")
_WORD = re.compile(r"[\u05d0-\u05ea]{2,}")
_ARABIC_FORM_WORD = re.compile(r"[\ufb50-\ufdff\ufe70-\ufefe]{2,}")


@dataclass(frozen=True)
class Glyph:
    """One painted glyph: its Unicode text and its box in page space (y grows upwards, as in PDF)."""

    text: str
    x0: float
    x1: float
    y0: float
    y1: float
    size: float  # font size in page units; the unit of every geometric threshold


@dataclass(frozen=True)
class Fragment:
    """Glyphs of one line with no gap wider than CELL_GAP_EM between them, sorted left to right."""

    line: int  # index of the line (top to bottom) the fragment belongs to
    glyphs: tuple[Glyph, ...]
    x0: float
    x1: float
    y0: float
    y1: float
    size: float


@dataclass(frozen=True)
class LogicalText:
    """A fragment in logical order, in both bracket conventions, with this fragment's vote between them."""

    plain: str  # brackets as painted (Word/HarfBuzz convention: code point = logical bracket)
    mirrored: str  # brackets at RTL levels mirrored (Quartz convention: code point = shape of the glyph)
    vote: int  # > 0: mirroring balances more brackets; < 0: it unbalances them; 0: no evidence

    def choose(self, prefer_mirrored: bool) -> str:
        if self.vote > 0 or (self.vote == 0 and prefer_mirrored):
            return self.mirrored
        return self.plain


# --- characters ----------------------------------------------------------------------------------------------


@lru_cache(maxsize=4096)
def _is_mark(ch: str) -> bool:
    return unicodedata.category(ch) in ("Mn", "Me")


@lru_cache(maxsize=4096)
def _is_rtl_char(ch: str) -> bool:
    return unicodedata.bidirectional(ch) in ("R", "AL")


def _strong_counts(text: str) -> tuple[int, int]:
    """(left-to-right letters, right-to-left letters)."""
    ltr = rtl = 0
    for ch in text:
        kind = unicodedata.bidirectional(ch)
        if kind == "L" and ch.isalpha():
            ltr += 1
        elif kind in ("R", "AL"):
            rtl += 1
    return ltr, rtl


def clean_glyph_text(text: str) -> str:
    """Drop bidi controls and map spacing isolated harakat to their combining mark."""
    if text.isascii():
        return text
    text = _BIDI_CONTROLS.sub("", text)
    return "".join(_ISOLATED_HARAKAT.get(ch, ch) for ch in text)


def normalize_presentation_forms(text: str) -> str:
    """NFKC only the presentation-form characters (call after reordering); other text stays as painted."""
    return _PRESENTATION_FORMS.sub(lambda m: unicodedata.normalize("NFKC", m.group()), text)


def reversal_evidence(text: str) -> tuple[int, int]:
    """(votes for logical order, votes for reversed order), from word shapes.

    Hebrew: final letters (ך ם ן ף ץ) end words, so one at the start of a word means the word is reversed.
    Arabic presentation forms: an initial form starts a word and a final form ends it.
    """
    logical = reversed_ = 0
    for word in _WORD.findall(text):
        starts, ends = word[0] in _HEBREW_FINALS, word[-1] in _HEBREW_FINALS
        logical += ends and not starts
        reversed_ += starts and not ends
    for word in _ARABIC_FORM_WORD.findall(text):
        first, last = unicodedata.name(word[0], ""), unicodedata.name(word[-1], "")
        logical += first.endswith("INITIAL FORM") or last.endswith("FINAL FORM")
        reversed_ += first.endswith("FINAL FORM") or last.endswith("INITIAL FORM")
    return logical, reversed_


# --- geometry: glyphs -> lines -> fragments -> reading order ---------------------------------------------------


def _height(g: Glyph) -> float:
    return max(g.y1 - g.y0, 1e-3)


def group_lines(glyphs: Iterable[Glyph]) -> list[list[Glyph]]:
    """Cluster glyphs into lines, top to bottom, by vertical centre (not by content-stream order)."""
    ordered = sorted(
        (((g.y0 + g.y1) / 2, max(g.y1 - g.y0, 1e-3), g) for g in glyphs if g.text), key=lambda item: item[0], reverse=True
    )
    lines: list[list[Glyph]] = []
    # (centre, height) of the tallest glyph of each line so far: its band does not drift like a union would.
    refs: list[tuple[float, float]] = []
    for centre, height, g in ordered:
        placed = False
        # Candidate lines are the last few: glyphs arrive sorted by centre.
        for i in range(len(lines) - 1, max(len(lines) - 4, -1), -1):
            ref_centre, ref_height = refs[i]
            if abs(centre - ref_centre) < SAME_LINE_SHARE * min(height, ref_height):
                lines[i].append(g)
                if height > ref_height:
                    refs[i] = (centre, height)
                placed = True
                break
        if not placed:
            lines.append([g])
            refs.append((centre, height))
    return lines


def split_fragments(line: Sequence[Glyph], line_index: int) -> list[Fragment]:
    """Split one line at gaps wider than CELL_GAP_EM (table cells, columns)."""
    ordered = sorted(line, key=lambda g: (g.x0, not _is_mark(g.text[:1])))
    fragments: list[Fragment] = []
    current: list[Glyph] = []
    right = float("-inf")
    for g in ordered:
        visible = not g.text.isspace()
        if any(h.text == g.text and _is_duplicate(g, h) for h in current[-3:]):
            continue
        if current and visible and g.x0 - right > CELL_GAP_EM * max(g.size, current[-1].size):
            fragments.append(_fragment(current, line_index))
            current, right = [], float("-inf")
        current.append(g)
        if visible:
            right = max(right, g.x1)
    if current:
        fragments.append(_fragment(current, line_index))
    return [f for f in fragments if any(not g.text.isspace() for g in f.glyphs)]


def _is_duplicate(a: Glyph, b: Glyph) -> bool:
    width = max(a.x1 - a.x0, b.x1 - b.x0)
    return (
        a.text == b.text
        and width > 0
        and _overlap(a.x0, a.x1, b.x0, b.x1) > DUPLICATE_OVERLAP_SHARE * width
        and _overlap(a.y0, a.y1, b.y0, b.y1) > DUPLICATE_OVERLAP_SHARE * min(_height(a), _height(b))
    )


def _fragment(glyphs: list[Glyph], line_index: int) -> Fragment:
    visible = [g for g in glyphs if not g.text.isspace()] or glyphs
    sizes = sorted(g.size for g in visible)
    return Fragment(
        line=line_index,
        glyphs=tuple(glyphs),
        x0=min(g.x0 for g in visible),
        x1=max(g.x1 for g in visible),
        y0=min(g.y0 for g in visible),
        y1=max(g.y1 for g in visible),
        size=sizes[len(sizes) // 2],
    )


def _gaps(intervals: list[tuple[float, float, int]], min_gap: float) -> list[list[int]]:
    """Group interval ids into runs separated by empty stretches of at least min_gap."""
    intervals = sorted(intervals)
    groups: list[list[int]] = [[]]
    reach = float("-inf")
    for lo, hi, idx in intervals:
        if groups[-1] and lo - reach >= min_gap:
            groups.append([])
        groups[-1].append(idx)
        reach = max(reach, hi)
    return groups


def _region_is_rtl(fragments: Sequence[Fragment]) -> bool:
    ltr = rtl = 0
    for f in fragments:
        a, b = _strong_counts("".join(g.text for g in f.glyphs))
        ltr, rtl = ltr + a, rtl + b
    return rtl > ltr


def _side_by_side(parts: list[list[Fragment]], em: float) -> bool:
    """Columns share height; blocks that merely sit at different x one above the other are not columns
    (Excel's right-aligned Hebrew cells above left-aligned Latin ones, pdf.js issue10301)."""
    spans = sorted((min(f.y0 for f in p), max(f.y1 for f in p)) for p in parts)
    return any(_overlap(*spans[i], *spans[j]) >= em for i in range(len(spans)) for j in range(i + 1, len(spans)))


def reading_order(fragments: Sequence[Fragment], depth: int = 0) -> list[list[Fragment]]:
    """Recursive XY-cut: columns (right to left on RTL pages) before bands (top to bottom).

    Returns regions in reading order; inside a region, fragments are read line by line.
    """
    if len(fragments) <= 1 or depth > MAX_CUT_DEPTH:
        return [list(fragments)]
    em = sorted(f.size for f in fragments)[len(fragments) // 2]
    columns = _gaps([(f.x0, f.x1, i) for i, f in enumerate(fragments)], CELL_GAP_EM * em)
    parts = [[fragments[i] for i in col] for col in columns]  # left to right
    if len(parts) > 1 and _side_by_side(parts, em):
        if _region_is_rtl(fragments):
            parts.reverse()
        return [region for part in parts for region in reading_order(part, depth + 1)]
    bands = _gaps([(-f.y1, -f.y0, i) for i, f in enumerate(fragments)], BAND_GAP_EM * em)
    if len(bands) > 1:
        return [region for band in bands for region in reading_order([fragments[i] for i in band], depth + 1)]
    return [list(fragments)]


# --- one fragment: visual string -> logical string -------------------------------------------------------------


def _overlap(a0: float, a1: float, b0: float, b1: float) -> float:
    return max(0.0, min(a1, b1) - max(a0, b0))


def _attach_marks(bases: list[Glyph], marks: list[Glyph]) -> tuple[dict[int, list[Glyph]], list[Glyph]]:
    """Map each combining-mark glyph to the base glyph (by index in `bases`, sorted by x0) that carries it.

    A zero-width mark sits at the pen position, which is where its base letter starts (pdf.js issue5677: each
    shadda is painted just before the letter that carries it); a mark with width overlaps its base. Marks with
    no base under them stay loose, at their own position.
    """
    starts = [g.x0 for g in bases]
    attached: dict[int, list[Glyph]] = {}
    loose: list[Glyph] = []
    for m in marks:
        centre = (m.x0 + m.x1) / 2
        i = bisect_right(starts, centre) - 1
        scored = [
            (bases[j].x0 <= centre < bases[j].x1, _overlap(m.x0, m.x1, bases[j].x0, bases[j].x1), j)
            for j in (i, i + 1, i - 1)
            if 0 <= j < len(bases)
        ]
        best = max(scored, default=None)
        if best is not None and (best[0] or best[1] > 0):
            attached.setdefault(best[2], []).append(m)
        else:
            loose.append(m)
    return attached, loose


def _combining_class(g: Glyph) -> int:
    """Canonical order of marks on one letter (Unicode: lower class first), not their painting order."""
    return unicodedata.combining(g.text[0])


def _is_mark_glyph(g: Glyph) -> bool:
    return all(_is_mark(c) for c in g.text)


def _covered_spaces(spaces: list[Glyph], visible: list[Glyph]) -> set[int]:
    """Ids of space glyphs painted over a visible glyph (see OVERLAPPING_SPACE_SHARE)."""
    if not spaces or not visible:
        return set()
    visible = sorted(visible, key=lambda g: g.x0)
    starts = [g.x0 for g in visible]
    widest = max(g.x1 - g.x0 for g in visible)
    covered = set()
    for s in spaces:
        limit = OVERLAPPING_SPACE_SHARE * max(s.x1 - s.x0, 1e-3)
        lo, hi = bisect_right(starts, s.x0 - widest), bisect_right(starts, s.x1)
        if any(_overlap(s.x0, s.x1, g.x0, g.x1) > limit for g in visible[max(lo - 1, 0) : hi]):
            covered.add(id(s))
    return covered


def visual_string(fragment: Fragment) -> str:
    """The fragment's text left to right as painted, with marks and multi-letter glyphs arranged so that the
    bidi reordering puts them after their base letter and in their own order."""
    marks: list[Glyph] = []
    spaces: list[Glyph] = []
    bases: list[Glyph] = []
    for g in fragment.glyphs:
        (spaces if g.text.isspace() else marks if _is_mark_glyph(g) else bases).append(g)
    bases.sort(key=lambda g: g.x0)
    attached, loose = _attach_marks(bases, marks) if marks else ({}, [])
    # (glyph, text of its cluster); a cluster is stored in logical order: letter then its marks, or the letters
    # of a ligature.
    clusters = [
        (g, g.text + "".join(m.text for m in sorted(attached.get(i, ()), key=_combining_class))) for i, g in enumerate(bases)
    ]
    clusters += [(m, m.text) for m in loose]
    covered = _covered_spaces(spaces, [g for g, _ in clusters])
    clusters += [(s, " ") for s in spaces if id(s) not in covered]
    out: list[str] = []
    previous: Glyph | None = None
    for g, text in sorted(clusters, key=lambda item: (item[0].x0, item[1] == " ")):
        if text == " ":
            if out and out[-1] != " ":
                out.append(" ")
            continue
        if previous is not None and out[-1] != " " and g.x0 - previous.x1 > WORD_GAP_EM * max(g.size, previous.size):
            out.append(" ")
        # In an RTL run the bidi pass reverses the line, so an RTL cluster goes in reversed to come out right.
        out.append(text[::-1] if len(text) > 1 and any(_is_rtl_char(c) for c in text) else text)
        previous = g
    return "".join(out).strip()


def base_direction(text: str) -> str | None:
    """ "R", "L", or None when the text holds no right-to-left letter and needs no reordering."""
    ltr, rtl = _strong_counts(text)
    if rtl == 0:
        return None
    return "L" if ltr >= LTR_BASE_SHARE * (ltr + rtl) else "R"


_LEVEL = re.compile(r"Level\(\s*(\d+)")


def _levels(text: str, base: str) -> list[int] | None:
    """Resolved embedding level of each character, from python-bidi's debug output (it has no levels API)."""
    debug = str(get_display(text, base_dir=base, debug=True))
    start, end = debug.find("levels:"), debug.find("paragraphs:")
    if start < 0 or end < start:
        return None
    byte_levels = [int(x) for x in _LEVEL.findall(debug, start, end)]
    if len(byte_levels) != len(text.encode("utf-8")):
        return None
    levels, offset = [], 0
    for ch in text:
        levels.append(byte_levels[offset])
        offset += len(ch.encode("utf-8"))
    return levels


def _reorder_indices(text: str, levels: list[int], base_level: int) -> list[int]:
    """Unicode bidi rules L1 (trailing whitespace to base level) and L2 (reverse runs), one line."""
    levels = list(levels)
    for i in range(len(text) - 1, -1, -1):
        if unicodedata.bidirectional(text[i]) in ("WS", "FSI", "LRI", "RLI", "PDI", "BN", "S", "B"):
            levels[i] = base_level
        else:
            break
    for i, ch in enumerate(text):
        if unicodedata.bidirectional(ch) in ("S", "B"):
            levels[i] = base_level
            j = i - 1
            while j >= 0 and unicodedata.bidirectional(text[j]) in ("WS", "FSI", "LRI", "RLI", "PDI", "BN"):
                levels[j] = base_level
                j -= 1
    order = list(range(len(text)))
    if not levels:
        return order
    lowest_odd = min(lv for lv in levels if lv % 2) if any(lv % 2 for lv in levels) else max(levels) + 1
    for level in range(max(levels), lowest_odd - 1, -1):
        i = 0
        while i < len(order):
            if levels[order[i]] >= level:
                j = i
                while j < len(order) and levels[order[j]] >= level:
                    j += 1
                order[i:j] = order[i:j][::-1]
                i = j
            else:
                i += 1
    return order


def bracket_errors(text: str) -> int:
    """Unmatched or crossed brackets in a logical string (0 when every pair opens before it closes)."""
    stack: list[str] = []
    errors = 0
    for ch in text:
        if ch in _OPENING:
            stack.append(ch)
        elif ch in _CLOSING:
            if stack and stack[-1] == _CLOSING[ch]:
                stack.pop()
            else:
                errors += 1
    return errors + len(stack)


def _ordered(text: str, base: str, read_backwards: bool = False) -> tuple[str, str] | None:
    """`text` reordered by bidi levels: (as is, with brackets at RTL levels mirrored).

    The levels come from python-bidi, computed on `text` as it stands, or on `text` reversed when
    `read_backwards`: a right-to-left writer's context (which letter came before a number) is what lies to its
    right on the page, and it decides, for example, whether digits after an Arabic word are Arabic numbers.
    None when python-bidi's levels cannot be read, or (reading forwards) our L1/L2 disagree with its reordering.
    """
    levels = _levels(text[::-1] if read_backwards else text, base)
    if levels is None:
        return None
    if read_backwards:
        levels.reverse()
    order = _reorder_indices(text, levels, 1 if base == "R" else 0)
    plain = "".join(text[i] for i in order)
    if not read_backwards and plain != str(get_display(text, base_dir=base)):
        return None
    mirrored = "".join(_MIRROR.get(text[i], text[i]) if levels[i] % 2 else text[i] for i in order)
    return plain, mirrored


def _swap_brackets(text: str) -> str:
    return "".join(_MIRROR.get(ch, ch) for ch in text)


def to_logical(visual: str) -> LogicalText:
    """A visual-order line -> logical order, in both bracket conventions (see LogicalText).

    Running the bidi algorithm over a visual line is a good inverse but not an exact one: neutrals (brackets
    above all) and numbers can resolve differently read in the two directions. The reordering is exact once
    each character's level is known (rule L2 undoes itself), so a few estimates of the levels are tried and
    the first result that renders back to exactly this visual line is kept, for each convention:
    Word/HarfBuzz (a painted bracket carries its logical code point) and Quartz (it carries its shape).
    """
    base = base_direction(visual)
    if base is None:
        return LogicalText(visual, visual, 0)
    display = str(get_display(visual, base_dir=base))

    def renders_word(candidate: str) -> bool:
        return str(get_display(candidate, base_dir=base)) == visual

    if not any(ch in _MIRROR for ch in visual):  # both conventions agree
        if renders_word(display):
            return LogicalText(display, display, 0)
        backwards = _ordered(visual, base, read_backwards=True)
        chosen = backwards[0] if backwards is not None and renders_word(backwards[0]) else display
        return LogicalText(chosen, chosen, 0)

    def renders_quartz(candidate: str) -> bool:
        rendered = _ordered(candidate, base)
        return rendered is not None and rendered[1] == visual

    # In a Word line, brackets at RTL levels carry their logical code point, so read left to right they do not
    # pair up (")INSS("); their shapes do. Reordering the shapes pairs them as the writer's bidi pass did.
    shapes = _swap_brackets(visual)
    estimates = [
        lambda: _ordered(visual, base),
        lambda: _ordered(visual, base, read_backwards=True),
        lambda: _ordered(shapes, base),
        lambda: _ordered(shapes, base, read_backwards=True),
    ]
    cache: dict[int, tuple[str, str] | None] = {}

    def candidate(estimate: int, mirrored: bool) -> str | None:
        if estimate not in cache:
            cache[estimate] = estimates[estimate]()
        found = cache[estimate]
        return None if found is None else found[mirrored]

    def first(order: list[tuple[int, bool]], test: Callable[[str], bool], default: str) -> str:
        for estimate, mirrored in order:
            text = candidate(estimate, mirrored)
            if text is not None and test(text):
                return text
        return default

    direct = candidate(0, False) or display
    word = first([(0, False), (1, False), (2, True), (3, True), (2, False), (0, True)], renders_word, direct)
    quartz = first([(0, True), (1, True), (2, False), (3, False), (0, False)], renders_quartz, candidate(0, True) or display)
    return LogicalText(word, quartz, bracket_errors(word) - bracket_errors(quartz))


def to_visual(logical: str, *, shapes: bool = False) -> str:
    """What a producer paints for a logical line, left to right (the inverse of `to_logical`, for tests and
    benchmarks): Word's convention, brackets keeping their logical code point, or with `shapes` Quartz's, where
    brackets at RTL levels carry the code point of their mirrored shape."""
    base = base_direction(logical)
    if base is None:
        return logical
    ordered = _ordered(logical, base) if shapes else None
    return ordered[1] if ordered is not None else str(get_display(logical, base_dir=base))


# --- a page ----------------------------------------------------------------------------------------------------


def page_fragments(glyphs: Iterable[Glyph]) -> list[Fragment]:
    """All fragments of a page, each line split at wide gaps."""
    cleaned = [
        g if text == g.text else Glyph(text, g.x0, g.x1, g.y0, g.y1, g.size) for g in glyphs if (text := clean_glyph_text(g.text))
    ]
    return [f for i, line in enumerate(group_lines(cleaned)) for f in split_fragments(line, i)]


def page_lines(glyphs: Iterable[Glyph]) -> list[list[LogicalText]]:
    """A page's text lines in reading order; each line holds its cells (fragments) in reading order.

    Presentation forms are not normalised yet: the caller picks the bracket convention per document, then
    calls `finish_line`.
    """
    out: list[list[LogicalText]] = []
    for region in reading_order(page_fragments(glyphs)):
        by_line: dict[int, list[Fragment]] = {}
        for f in region:
            by_line.setdefault(f.line, []).append(f)
        for line_index in sorted(by_line):
            cells = sorted(by_line[line_index], key=lambda f: f.x0)
            if _region_is_rtl(cells):
                cells.reverse()
            logical = [to_logical(visual_string(c)) for c in cells]
            out.append([cell for cell in logical if cell.plain])
    return [line for line in out if line]


def finish_line(cells: Sequence[LogicalText], prefer_mirrored: bool) -> str:
    """Join a line's cells with a tab, then unfold presentation forms (only now, after reordering)."""
    return normalize_presentation_forms("\t".join(c.choose(prefer_mirrored) for c in cells))
