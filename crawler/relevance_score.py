"""From alias hits to a relevance score: relations, not co-occurrence.

Evidence (summed, score = 1 - exp(-evidence)):
* a sentence naming both sides: `scoring.sentence` x both weights; x `lead_factor` in the lead;
  x `damp_factor` when the sentence also names another conflict (Ukraine);
* the title naming both sides: `scoring.title` x both weights;
* a title naming one side with the other in the lead: `scoring.title_one_side`;
* adjacent sentences of one paragraph naming one side each: `scoring.adjacent` x both weights;
* a paragraph naming both sides, but not in one or adjacent sentences: `scoring.paragraph`;
  all cross-sentence links together are capped at `scoring.paragraph_cap` (a roundup of separate
  items is not a relation, however many items it has).
Both sides thousands of words apart add nothing.
"""

from __future__ import annotations

import bisect
import itertools
import math
import re
from dataclasses import dataclass
from dataclasses import field as dc_field

from crawler.relevance_match import Hit, HitReport
from crawler.relevance_profile import Profile, Scoring

# Sentence ends: . ! ? … and the Arabic question mark, then optional closing quotes/brackets, then space;
# also ; and the Arabic semicolon (independent clauses, headline lists "X; Y"), and a run of three or more
# spaces or a tab, which is how scraped headline lists separate their items.
_SENTENCE_END = re.compile(r"[.!?؟…;؛]+[\"'»”’)\]]*\s+|[ \u00a0]{3,}|\t+")
# "Mr. Putin", "U.S. officials", "Oct. 26": a full stop after these does not end a sentence.
_ABBREVIATIONS = frozenset(
    ["mr", "mrs", "ms", "dr", "st", "gen", "lt", "col", "sgt", "capt", "gov", "sen", "rep", "prof", "jr", "sr", "inc",
     "ltd", "co", "corp", "no", "vol", "fig", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct",
     "nov", "dec", "u.s", "u.n", "e.g", "i.e", "vs", "etc", "approx", "est", "г", "гг", "т.е", "т.д", "др", "им", "ул"]
)
_LAST_WORD = re.compile(r"([^\W\d_][\w.]*)\W*$")


@dataclass(frozen=True)
class Segment:
    field: str
    paragraph: int  # index within the field
    start: int
    end: int
    first_token: int
    lead: bool


@dataclass
class Evidence:
    kind: str  # "title", "sentence", "adjacent", "paragraph", "title_one_side"
    value: float
    field: str
    start: int
    end: int
    russia: list[Hit] = dc_field(default_factory=list)
    hamas: list[Hit] = dc_field(default_factory=list)
    damped: bool = False


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
            if (len(word) == 1 and word.isalpha()) or word in _ABBREVIATIONS:
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


def _max_weight(hits: list[Hit]) -> float:
    return max((h.alias.weight for h in hits), default=0.0)


class _HitsByField:
    """Hits of one kind, sorted per field, so a segment's hits are found by bisection."""

    def __init__(self, hits: list[Hit]) -> None:
        self._by: dict[str, tuple[list[int], list[Hit]]] = {}
        for name in {h.field for h in hits}:
            mine = sorted((h for h in hits if h.field == name), key=lambda h: h.start)
            self._by[name] = ([h.start for h in mine], mine)

    def within(self, field_name: str, start: int, end: int) -> list[Hit]:
        starts, mine = self._by.get(field_name, ([], []))
        return mine[bisect.bisect_left(starts, start) : bisect.bisect_left(starts, end)]


def collect_evidence(report: HitReport, profile: Profile, *, use_lead: bool = True) -> list[Evidence]:
    """Every piece of relation evidence in a document."""
    sc = profile.scoring
    russia_list = [h for h in report.hits if h.side == "russia"]
    hamas_list = [h for h in report.hits if h.side == "hamas"]
    russia, hamas = _HitsByField(russia_list), _HitsByField(hamas_list)
    damp = _HitsByField([h for name in sc.damp_terms for h in report.term_hits.get(name, [])])
    # A document mostly about another conflict (Ukraine named at least twice as often as Hamas) mentions
    # Hamas in passing or by comparison ("Podolyak: Russia behaves like Hamas"): every link is weakened.
    conflict = report.term_hits.get(sc.dominant_conflict or "", [])
    doc_damped = bool(conflict) and len(conflict) >= sc.dominant_ratio * max(len(hamas_list), 1)
    evidence: list[Evidence] = []

    title = report.fields["title"].text
    t_r, t_h = russia.within("title", 0, len(title)), hamas.within("title", 0, len(title))
    if t_r and t_h:
        damped = doc_damped or bool(damp.within("title", 0, len(title)))
        value = sc.title * _max_weight(t_r) * _max_weight(t_h) * (sc.damp_factor if damped else 1.0)
        evidence.append(Evidence("title", value, "title", 0, len(title), t_r, t_h, damped))

    near_evidence: list[Evidence] = []  # links across sentences of one paragraph: capped together
    lead_segments: list[Segment] = []
    for fname in ("lead", "text"):
        if fname == "lead" and not use_lead:
            continue
        ft = report.fields[fname]
        starts = [t.start for t in ft.tokens]
        segs = segments(fname, ft.text, starts, sc.lead_words)
        lead_segments.extend(s for s in segs if s.lead)
        by_paragraph: dict[int, list[tuple[Segment, list[Hit], list[Hit], bool]]] = {}
        for seg in segs:
            s_r, s_h = russia.within(fname, seg.start, seg.end), hamas.within(fname, seg.start, seg.end)
            damped = doc_damped or bool(damp.within(fname, seg.start, seg.end))
            by_paragraph.setdefault(seg.paragraph, []).append((seg, s_r, s_h, damped))
            if not (s_r and s_h):
                continue
            value = sc.sentence * _max_weight(s_r) * _max_weight(s_h)
            value *= sc.lead_factor if seg.lead else 1.0
            value *= sc.damp_factor if damped else 1.0
            evidence.append(Evidence("sentence", value, fname, seg.start, seg.end, s_r, s_h, damped))
        for sents in by_paragraph.values():
            near_evidence.extend(_cross_sentence_links(sents, fname, sc))
    total_near = sum(e.value for e in near_evidence)
    if total_near > sc.paragraph_cap:
        for e in near_evidence:
            e.value *= sc.paragraph_cap / total_near
    evidence.extend(near_evidence)

    # A title naming one side, the lead naming the other: "Putin meets freed hostage" + "...thanked Hamas".
    if bool(t_r) != bool(t_h):
        other = hamas if t_r else russia
        in_lead = [h for s in lead_segments for h in other.within(s.field, s.start, s.end)]
        if in_lead:
            damped = doc_damped or bool(damp.within("title", 0, len(title)))
            value = sc.title_one_side * _max_weight(t_r or t_h) * _max_weight(in_lead)
            value *= sc.damp_factor if damped else 1.0
            r_hits, h_hits = (t_r, in_lead) if t_r else (in_lead, t_h)
            evidence.append(Evidence("title_one_side", value, "title", 0, len(title), r_hits, h_hits, damped))

    # However many there are, weakened links (another conflict, a comparison) never add up to a relation.
    weakened = [e for e in evidence if e.damped]
    total_damped = sum(e.value for e in weakened)
    if total_damped > sc.damped_cap:
        for e in weakened:
            e.value *= sc.damped_cap / total_damped

    return evidence


def _cross_sentence_links(
    sents: list[tuple[Segment, list[Hit], list[Hit], bool]], fname: str, sc: Scoring
) -> list[Evidence]:
    """Links between sentences of one paragraph: adjacent sentences ("Putin spoke. He thanked Hamas."),
    else the paragraph as a whole. Sentences that already name both sides are not counted again."""
    out: list[Evidence] = []
    for (a, a_r, a_h, a_d), (b, b_r, b_h, b_d) in itertools.pairwise(sents):
        if (a_r and a_h) or (b_r and b_h):
            continue
        r, h = a_r or b_r, a_h or b_h
        if (a_r and b_h) or (a_h and b_r):
            damped = a_d or b_d
            value = sc.adjacent * _max_weight(r) * _max_weight(h) * (sc.damp_factor if damped else 1.0)
            out.append(Evidence("adjacent", value, fname, a.start, b.end, r, h, damped))
    if out or any(r and h for _, r, h, _ in sents):
        return out
    p_r = [x for _, r, _, _ in sents for x in r]
    p_h = [x for _, _, h, _ in sents for x in h]
    if p_r and p_h:
        value = sc.paragraph * _max_weight(p_r) * _max_weight(p_h)
        out.append(Evidence("paragraph", value, fname, sents[0][0].start, sents[-1][0].end, p_r, p_h))
    return out


def score_from_evidence(evidence: list[Evidence]) -> float:
    total = sum(e.value for e in evidence)
    return 1.0 - math.exp(-total)


def nearest_distance_words(report: HitReport) -> int | None:
    """Fewest words between a Russia and a Hamas mention in the text field (for explanations)."""
    r = [h.first for h in report.hits if h.field == "text" and h.side == "russia"]
    h_ = [h.first for h in report.hits if h.field == "text" and h.side == "hamas"]
    if not r or not h_:
        return None
    h_.sort()
    best = None
    for x in r:
        i = bisect.bisect_left(h_, x)
        for j in (i - 1, i):
            if 0 <= j < len(h_):
                d = abs(h_[j] - x)
                best = d if best is None else min(best, d)
    return best
