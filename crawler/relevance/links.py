"""Links between the sentences of one paragraph: quotes, openers, back-references, adjacency.

A run of linked sentences whose sentences name the two sides counts like one sentence; adjacent unlinked
sentences and, failing that, a paragraph naming both sides count a little (and are capped by the caller).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from crawler.relevance.evidence import Evidence, Terms, max_weight
from crawler.relevance.match import Hit
from crawler.relevance.profile import Scoring
from crawler.relevance.sentences import Segment, quoted_boundaries

# A quotation left open is followed this many sentences at most: a stray quote mark must not link a paragraph.
QUOTE_MAX_SENTENCES = 4
# A chain of linked sentences (quote, pronoun, back-reference) counts as one unit of at most this many sentences.
LINKED_MAX_SENTENCES = 4


@dataclass
class Sentence:
    """One sentence with the hits and cues found in it."""

    seg: Segment
    russia: list[Hit]
    hamas: list[Hit]
    damped: bool
    opens_with_continuation: bool = False  # "He …", "كما …", "Также …"
    back_reference: bool = False  # "هذا الأمر", "this move"
    names_hamas_by_description: bool = False  # "the Palestinian movement", "الحركة", "палестинское движение"
    relation: bool = False  # relation vocabulary: visit, delegation, thanked…

    @property
    def both(self) -> bool:
        return bool(self.russia and self.hamas)


def find_cues(sent: Sentence, fname: str, terms: Terms, sc: Scoring) -> None:
    """The continuation, back-reference and relation cues of one sentence."""
    seg = sent.seg
    opening = terms.continuation.within(fname, seg.start, seg.end)
    sent.opens_with_continuation = any(h.first < seg.first_token + sc.continuation_window for h in opening)
    sent.back_reference = bool(terms.reference.within(fname, seg.start, seg.end))
    sent.names_hamas_by_description = bool(terms.hamas_reference.within(fname, seg.start, seg.end))
    sent.relation = bool(terms.relation.within(fname, seg.start, seg.end))


def _link_cue(a: Sentence, b: Sentence, quoted: set[int], run_has_hamas: bool) -> str:
    """Why sentence b carries on sentence a ("" when it does not)."""
    if b.seg.start in quoted:
        return "quote"
    if b.opens_with_continuation:
        return "continuation"
    if b.back_reference or (b.names_hamas_by_description and run_has_hamas):
        return "reference"
    return ""


def _runs(sents: list[Sentence], text: str) -> list[tuple[list[Sentence], str]]:
    """Chains of linked sentences (with the first link's cue); unlinked sentences form runs of one."""
    bounds = [s.seg.start for s in sents[1:]]
    quoted = quoted_boundaries(text, sents[0].seg.start, sents[-1].seg.end, bounds) if bounds else set()
    runs: list[tuple[list[Sentence], str]] = []
    current, cue, quote_len = [sents[0]], "", 0
    for a, b in itertools.pairwise(sents):
        link = _link_cue(a, b, quoted, any(s.hamas for s in current))
        quote_len = quote_len + 1 if link == "quote" else 0
        if link and len(current) < LINKED_MAX_SENTENCES and quote_len < QUOTE_MAX_SENTENCES:
            current.append(b)
            cue = cue or link
            continue
        runs.append((current, cue))
        current, cue = [b], ""
    runs.append((current, cue))
    return runs


def cross_sentence_links(sents: list[Sentence], text: str, fname: str, sc: Scoring) -> tuple[list[Evidence], list[Evidence]]:
    """Links between sentences of one paragraph, as (linked evidence, capped near evidence).

    Linked runs whose sentences name the two sides count like a sentence; otherwise adjacent sentences
    ("Putin spoke. Hamas answered.") and, failing that, the paragraph as a whole count a little.
    Adjacency never counts a sentence that already names both sides again."""
    linked: list[Evidence] = []
    run_of: dict[int, int] = {}  # id(sentence) -> index of its run, for runs that counted as linked
    for n, (run, cue) in enumerate(_runs(sents, text)):
        # A run counts when at least two of its sentences name a side: "Hamas freed a Russian. It said
        # this was a gesture to Putin." adds Putin to a sentence that named the weaker "Russian".
        if sum(1 for s in run if s.russia or s.hamas) < 2:
            continue
        r = [h for s in run for h in s.russia]
        h = [x for s in run for x in s.hamas]
        if not (r and h):
            continue
        damped = any(s.damped for s in run if s.russia or s.hamas)
        value = sc.linked * max_weight(r) * max_weight(h)
        value *= sc.lead_factor if run[0].seg.lead else 1.0
        value *= sc.damp_factor if damped else 1.0
        linked.append(Evidence("linked", value, fname, run[0].seg.start, run[-1].seg.end, r, h, damped, cue))
        run_of.update((id(s), n) for s in run)
    near: list[Evidence] = []
    for a, b in itertools.pairwise(sents):
        if a.both or b.both or run_of.get(id(a), -1) == run_of.get(id(b), -2):
            continue
        if (a.russia and b.hamas) or (a.hamas and b.russia):
            r, h = a.russia or b.russia, a.hamas or b.hamas
            damped = a.damped or b.damped
            relation = a.relation or b.relation
            value = sc.adjacent * max_weight(r) * max_weight(h)
            value *= sc.relation_factor if relation else 1.0
            value *= sc.damp_factor if damped else 1.0
            near.append(Evidence("adjacent", value, fname, a.seg.start, b.seg.end, r, h, damped,
                                 "relation" if relation else ""))
    if linked or near or any(s.both for s in sents):
        return linked, near
    p_r = [x for s in sents for x in s.russia]
    p_h = [x for s in sents for x in s.hamas]
    if p_r and p_h:
        value = sc.paragraph * max_weight(p_r) * max_weight(p_h)
        near.append(Evidence("paragraph", value, fname, sents[0].seg.start, sents[-1].seg.end, p_r, p_h))
    return linked, near
