"""From alias hits to a relevance score: relations, not co-occurrence.

Evidence (summed, score = 1 - exp(-evidence)):
* a sentence naming both sides: `scoring.sentence` x both weights; x `lead_factor` in the lead;
  x `damp_factor` when the sentence compares the sides or names another conflict next to Russia (Ukraine);
* the title naming both sides: `scoring.title` x both weights;
* a title naming one side with the other in the lead: `scoring.title_one_side`;
* linked sentences of one paragraph naming one side each: `scoring.linked` x both weights (x `lead_factor`
  in the lead). Sentences are linked when the second one carries on the first: a quotation still open
  across the boundary ('Putin said: "... Russia ... . Thanks are due to Hamas ..."'), an opening pronoun or
  connective ("He thanked Hamas", "كما ألقت روسيا"), a back-reference ("استخدم مسؤولو حماس هذا الأمر"), or a
  description of the other side ("ХАМАС ... . Палестинское движение не запрещено в РФ"). A news item does not open with
  any of these, so separate items of a roundup never link;
* adjacent sentences of one paragraph naming one side each, without such a link: `scoring.adjacent` x both
  weights, x `relation_factor` when either sentence uses relation vocabulary (visit, delegation, thanked…);
* a paragraph naming both sides, but not in one, linked or adjacent sentences: `scoring.paragraph`;
  adjacent and paragraph links together are capped at `scoring.paragraph_cap` (a roundup of separate
  items is not a relation, however many items it has).
Both sides thousands of words apart add nothing.
"""


from __future__ import annotations

import bisect
import math

from crawler.relevance.evidence import Evidence, HitsByField, Terms, max_weight, score_from_evidence
from crawler.relevance.links import Sentence, cross_sentence_links, find_cues
from crawler.relevance.match import Hit, HitReport
from crawler.relevance.mentions import passing_hamas_mentions
from crawler.relevance.profile import Profile
from crawler.relevance.sentences import Segment, aside_only, headline_spans, in_foreign_aside, segments

__all__ = ["Evidence", "collect_evidence", "nearest_distance_words", "score_from_evidence"]


def _gap(a: list[Hit], b: list[Hit]) -> float:
    """Fewest words between a hit of `a` and a hit of `b` (infinite when either is empty)."""
    return min((abs(x.first - y.first) for x in a for y in b), default=math.inf)


def _is_damped(fname: str, start: int, end: int, russia: list[Hit], hamas: list[Hit], terms: Terms) -> bool:
    """A span is weakened when it compares the sides, or names another conflict closer to its Russia-side
    mention than any Hamas-side mention is ("Russia's war in Ukraine and Israel's war on Hamas"; but not
    "Russia claimed the weapons of the Hamas attack came from Ukraine")."""
    if terms.other_damp.within(fname, start, end):
        return True
    conflict = terms.conflict.within(fname, start, end)
    return bool(conflict and russia) and _gap(russia, conflict) < _gap(russia, hamas)


def collect_evidence(report: HitReport, profile: Profile, *, use_lead: bool = True) -> list[Evidence]:
    """Every piece of relation evidence in a document."""
    sc = profile.scoring
    russia_list = [h for h in report.hits if h.side == "russia"]
    hamas_list = [h for h in report.hits if h.side == "hamas"]
    russia, hamas = HitsByField(russia_list), HitsByField(hamas_list)
    terms = Terms(report, sc)
    # A document mostly about another conflict (Ukraine named at least dominant_min times and twice as often
    # as Hamas) mentions Hamas in passing or by comparison ("Podolyak: Russia behaves like Hamas"): every link
    # is weakened. The minimum keeps one paragraph naming Ukraine twice from counting as "about Ukraine".
    conflict = report.term_hits.get(sc.dominant_conflict or "", [])
    doc_damped = len(conflict) >= max(sc.dominant_min, sc.dominant_ratio * max(len(hamas_list), 1), 1)
    evidence: list[Evidence] = []
    # "met in Moscow to discuss the Israel-Hamas war", "на фоне гибели главы ХАМАС", "discussed trade, energy and
    # Hamas": Hamas named in passing (the war on an agenda, a background, one of a meeting's topics) is not Hamas acting. A span whose Hamas-side mentions are all passing is
    # weakened, and they do not complete a title that names only Russia.
    passing = passing_hamas_mentions(hamas_list, report.term_hits, sc, {name: ft.text for name, ft in report.fields.items()})

    def only_passing(hits: list[Hit]) -> bool:
        return bool(hits) and all((h.field, h.start) in passing for h in hits)

    title = report.fields["title"].text
    t_r, t_h = russia.within("title", 0, len(title)), hamas.within("title", 0, len(title))
    if t_r and t_h and not any(russia.within("title", a, b) and hamas.within("title", a, b) for a, b in headline_spans(title)):
        # "Israel erupts after attack by Hamas; Russia pounds Ukrainian grain exports": two headlines, one side
        # each, are a roundup's title, not a title about the two sides.
        t_r, t_h = [], []
    title_damped = doc_damped or _is_damped("title", 0, len(title), t_r, t_h, terms) or aside_only(title, 0, len(title), t_r, t_h)
    title_damped = title_damped or only_passing(t_h)
    if t_r and t_h:
        value = sc.title * max_weight(t_r) * max_weight(t_h) * (sc.damp_factor if title_damped else 1.0)
        evidence.append(Evidence("title", value, "title", 0, len(title), t_r, t_h, title_damped))

    near_evidence: list[Evidence] = []  # adjacency and paragraph links: capped together
    lead_segments: list[Segment] = []
    for fname in ("lead", "text"):
        if fname == "lead" and not use_lead:
            continue
        ft = report.fields[fname]
        starts = [t.start for t in ft.tokens]
        segs = segments(fname, ft.text, starts, sc.lead_words)
        lead_segments.extend(s for s in segs if s.lead)
        by_paragraph: dict[int, list[Sentence]] = {}
        for seg in segs:
            s_r, s_h = russia.within(fname, seg.start, seg.end), hamas.within(fname, seg.start, seg.end)
            damped = doc_damped or _is_damped(fname, seg.start, seg.end, s_r, s_h, terms)
            damped = damped or (bool(s_r and s_h) and aside_only(ft.text, seg.start, seg.end, s_r, s_h))
            damped = damped or only_passing(s_h)
            sent = Sentence(seg, s_r, s_h, damped)
            find_cues(sent, fname, terms, sc)
            by_paragraph.setdefault(seg.paragraph, []).append(sent)
            if not sent.both:
                continue
            value = sc.sentence * max_weight(s_r) * max_weight(s_h)
            value *= sc.lead_factor if seg.lead else 1.0
            value *= sc.damp_factor if damped else 1.0
            evidence.append(Evidence("sentence", value, fname, seg.start, seg.end, s_r, s_h, damped))
        for sents in by_paragraph.values():
            linked, near = cross_sentence_links(sents, ft.text, fname, sc)
            evidence.extend(linked)
            near_evidence.extend(near)
    total_near = sum(e.value for e in near_evidence)
    if total_near > sc.paragraph_cap:
        for e in near_evidence:
            e.value *= sc.paragraph_cap / total_near
    evidence.extend(near_evidence)

    # A title naming one side, the lead naming the other: "Putin meets freed hostage" + "...thanked Hamas".
    # A lead sentence about Russia's own war ("на фоне российского вторжения в Украину, из России эмигрировали")
    # does not complete a title naming Hamas.
    if bool(t_r) != bool(t_h):
        other, same = (hamas, russia) if t_r else (russia, hamas)
        in_lead = [
            h
            for s in lead_segments
            if not _is_damped(s.field, s.start, s.end, russia.within(s.field, s.start, s.end),
                              hamas.within(s.field, s.start, s.end), terms)
            for h in other.within(s.field, s.start, s.end)
            if not in_foreign_aside(report.fields[s.field].text, s.start, s.end, h, same.within(s.field, s.start, s.end))
            and (h.field, h.start) not in passing
        ]
        if in_lead:
            value = sc.title_one_side * max_weight(t_r or t_h) * max_weight(in_lead)
            value *= sc.damp_factor if title_damped else 1.0
            r_hits, h_hits = (t_r, in_lead) if t_r else (in_lead, t_h)
            evidence.append(Evidence("title_one_side", value, "title", 0, len(title), r_hits, h_hits, title_damped))

    # However many there are, weakened links (another conflict, a comparison) never add up to a relation.
    weakened = [e for e in evidence if e.damped]
    total_damped = sum(e.value for e in weakened)
    if total_damped > sc.damped_cap:
        for e in weakened:
            e.value *= sc.damped_cap / total_damped

    return evidence


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
