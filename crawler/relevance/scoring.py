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
import itertools
import math
import re
from dataclasses import dataclass
from dataclasses import field as dc_field

from crawler.relevance.match import Hit, HitReport
from crawler.relevance.profile import Profile, Scoring

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


# Quotation marks. An ASCII " is the Hebrew gershayim, not a quote, when it stands between Hebrew letters
# before the LAST letter of a word (ארה"ב, צה"ל, מו"מ); before a longer word it opens a quote after a
# prefix letter (כ"תנועה מדינית", و"حماس").
_GERSHAYIM = re.compile(r'(?<=[\u05d0-\u05ea])"[\u05d0-\u05ea](?![\u05d0-\u05ea])')
_QUOTE_OPEN = frozenset("«„")
_QUOTE_CLOSE = frozenset("»”")
# A quotation left open is followed this many sentences at most: a stray quote mark must not link a paragraph.
QUOTE_MAX_SENTENCES = 4
# A chain of linked sentences (quote, pronoun, back-reference) counts as one unit of at most this many sentences.
LINKED_MAX_SENTENCES = 4


@dataclass
class Evidence:
    kind: str  # "title", "sentence", "linked", "adjacent", "paragraph", "title_one_side"
    value: float
    field: str
    start: int
    end: int
    russia: list[Hit] = dc_field(default_factory=list)
    hamas: list[Hit] = dc_field(default_factory=list)
    damped: bool = False
    cue: str = ""  # for "linked": quote / continuation / reference; for "adjacent": "relation" or ""


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


@dataclass
class _Sent:
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


class _Terms:
    """The profile's term-list hits, by the roles scoring gives them."""

    def __init__(self, report: HitReport, sc: Scoring) -> None:
        def hits(name: str | None) -> list[Hit]:
            return report.term_hits.get(name, []) if name else []

        # The dominant-conflict list weakens a sentence (by proximity) only when it is also a damping list.
        conflict_name = sc.dominant_conflict if sc.dominant_conflict in sc.damp_terms else None
        self.conflict = _HitsByField(hits(conflict_name))
        self.other_damp = _HitsByField([h for n in sc.damp_terms if n != conflict_name for h in hits(n)])
        self.relation = _HitsByField(hits(sc.relation_terms))
        self.continuation = _HitsByField(hits(sc.continuation_terms))
        self.reference = _HitsByField(hits(sc.reference_terms))
        self.hamas_reference = _HitsByField(hits(sc.hamas_reference_terms))


def _gap(a: list[Hit], b: list[Hit]) -> float:
    """Fewest words between a hit of `a` and a hit of `b` (infinite when either is empty)."""
    return min((abs(x.first - y.first) for x in a for y in b), default=math.inf)


def _is_damped(fname: str, start: int, end: int, russia: list[Hit], hamas: list[Hit], terms: _Terms) -> bool:
    """A span is weakened when it compares the sides, or names another conflict closer to its Russia-side
    mention than any Hamas-side mention is ("Russia's war in Ukraine and Israel's war on Hamas"; but not
    "Russia claimed the weapons of the Hamas attack came from Ukraine")."""
    if terms.other_damp.within(fname, start, end):
        return True
    conflict = terms.conflict.within(fname, start, end)
    return bool(conflict and russia) and _gap(russia, conflict) < _gap(russia, hamas)


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


def _in_foreign_aside(text: str, start: int, end: int, hit: Hit, other: list[Hit]) -> bool:
    """True when `hit` sits in an aside that is not attached to a mention of the other side."""
    return _side_only_in_foreign_aside(text, start, end, [hit], other)


def _aside_only(text: str, start: int, end: int, russia: list[Hit], hamas: list[Hit]) -> bool:
    return _side_only_in_foreign_aside(text, start, end, hamas, russia) or _side_only_in_foreign_aside(text, start, end, russia, hamas)


def collect_evidence(report: HitReport, profile: Profile, *, use_lead: bool = True) -> list[Evidence]:
    """Every piece of relation evidence in a document."""
    sc = profile.scoring
    russia_list = [h for h in report.hits if h.side == "russia"]
    hamas_list = [h for h in report.hits if h.side == "hamas"]
    russia, hamas = _HitsByField(russia_list), _HitsByField(hamas_list)
    terms = _Terms(report, sc)
    # A document mostly about another conflict (Ukraine named at least dominant_min times and twice as often
    # as Hamas) mentions Hamas in passing or by comparison ("Podolyak: Russia behaves like Hamas"): every link
    # is weakened. The minimum keeps one paragraph naming Ukraine twice from counting as "about Ukraine".
    conflict = report.term_hits.get(sc.dominant_conflict or "", [])
    doc_damped = len(conflict) >= max(sc.dominant_min, sc.dominant_ratio * max(len(hamas_list), 1), 1)
    evidence: list[Evidence] = []

    title = report.fields["title"].text
    t_r, t_h = russia.within("title", 0, len(title)), hamas.within("title", 0, len(title))
    title_damped = doc_damped or _is_damped("title", 0, len(title), t_r, t_h, terms) or _aside_only(title, 0, len(title), t_r, t_h)
    if t_r and t_h:
        value = sc.title * _max_weight(t_r) * _max_weight(t_h) * (sc.damp_factor if title_damped else 1.0)
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
        by_paragraph: dict[int, list[_Sent]] = {}
        for seg in segs:
            s_r, s_h = russia.within(fname, seg.start, seg.end), hamas.within(fname, seg.start, seg.end)
            damped = doc_damped or _is_damped(fname, seg.start, seg.end, s_r, s_h, terms)
            damped = damped or (bool(s_r and s_h) and _aside_only(ft.text, seg.start, seg.end, s_r, s_h))
            sent = _Sent(seg, s_r, s_h, damped)
            _find_cues(sent, fname, terms, sc)
            by_paragraph.setdefault(seg.paragraph, []).append(sent)
            if not sent.both:
                continue
            value = sc.sentence * _max_weight(s_r) * _max_weight(s_h)
            value *= sc.lead_factor if seg.lead else 1.0
            value *= sc.damp_factor if damped else 1.0
            evidence.append(Evidence("sentence", value, fname, seg.start, seg.end, s_r, s_h, damped))
        for sents in by_paragraph.values():
            linked, near = _cross_sentence_links(sents, ft.text, fname, sc)
            evidence.extend(linked)
            near_evidence.extend(near)
    total_near = sum(e.value for e in near_evidence)
    if total_near > sc.paragraph_cap:
        for e in near_evidence:
            e.value *= sc.paragraph_cap / total_near
    evidence.extend(near_evidence)

    # A title naming one side, the lead naming the other: "Putin meets freed hostage" + "...thanked Hamas".
    if bool(t_r) != bool(t_h):
        other, same = (hamas, russia) if t_r else (russia, hamas)
        in_lead = [
            h
            for s in lead_segments
            for h in other.within(s.field, s.start, s.end)
            if not _in_foreign_aside(report.fields[s.field].text, s.start, s.end, h, same.within(s.field, s.start, s.end))
        ]
        if in_lead:
            value = sc.title_one_side * _max_weight(t_r or t_h) * _max_weight(in_lead)
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


def _find_cues(sent: _Sent, fname: str, terms: _Terms, sc: Scoring) -> None:
    """The continuation, back-reference and relation cues of one sentence."""
    seg = sent.seg
    opening = terms.continuation.within(fname, seg.start, seg.end)
    sent.opens_with_continuation = any(h.first < seg.first_token + sc.continuation_window for h in opening)
    sent.back_reference = bool(terms.reference.within(fname, seg.start, seg.end))
    sent.names_hamas_by_description = bool(terms.hamas_reference.within(fname, seg.start, seg.end))
    sent.relation = bool(terms.relation.within(fname, seg.start, seg.end))


def _link_cue(a: _Sent, b: _Sent, quoted: set[int], run_has_hamas: bool) -> str:
    """Why sentence b carries on sentence a ("" when it does not)."""
    if b.seg.start in quoted:
        return "quote"
    if b.opens_with_continuation:
        return "continuation"
    if b.back_reference or (b.names_hamas_by_description and run_has_hamas):
        return "reference"
    return ""


def _runs(sents: list[_Sent], text: str) -> list[tuple[list[_Sent], str]]:
    """Chains of linked sentences (with the first link's cue); unlinked sentences form runs of one."""
    bounds = [s.seg.start for s in sents[1:]]
    quoted = quoted_boundaries(text, sents[0].seg.start, sents[-1].seg.end, bounds) if bounds else set()
    runs: list[tuple[list[_Sent], str]] = []
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


def _cross_sentence_links(sents: list[_Sent], text: str, fname: str, sc: Scoring) -> tuple[list[Evidence], list[Evidence]]:
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
        value = sc.linked * _max_weight(r) * _max_weight(h)
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
            value = sc.adjacent * _max_weight(r) * _max_weight(h)
            value *= sc.relation_factor if relation else 1.0
            value *= sc.damp_factor if damped else 1.0
            near.append(Evidence("adjacent", value, fname, a.seg.start, b.seg.end, r, h, damped,
                                 "relation" if relation else ""))
    if linked or near or any(s.both for s in sents):
        return linked, near
    p_r = [x for s in sents for x in s.russia]
    p_h = [x for s in sents for x in s.hamas]
    if p_r and p_h:
        value = sc.paragraph * _max_weight(p_r) * _max_weight(p_h)
        near.append(Evidence("paragraph", value, fname, sents[0].seg.start, sents[-1].seg.end, p_r, p_h))
    return linked, near


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
