"""Evidence of a relation and the hit look-ups every scoring rule shares.

score = 1 - exp(-sum of evidence values); each Evidence keeps the hits it rests on, so a score explains itself.
"""

from __future__ import annotations

import bisect
import math
from dataclasses import dataclass
from dataclasses import field as dc_field

from crawler.relevance.match import Hit, HitReport
from crawler.relevance.profile import Scoring

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


def max_weight(hits: list[Hit]) -> float:
    return max((h.alias.weight for h in hits), default=0.0)


class HitsByField:
    """Hits of one kind, sorted per field, so a segment's hits are found by bisection."""

    def __init__(self, hits: list[Hit]) -> None:
        self._by: dict[str, tuple[list[int], list[Hit]]] = {}
        for name in {h.field for h in hits}:
            mine = sorted((h for h in hits if h.field == name), key=lambda h: h.start)
            self._by[name] = ([h.start for h in mine], mine)

    def within(self, field_name: str, start: int, end: int) -> list[Hit]:
        starts, mine = self._by.get(field_name, ([], []))
        return mine[bisect.bisect_left(starts, start) : bisect.bisect_left(starts, end)]


class Terms:
    """The profile's term-list hits, by the roles scoring gives them."""

    def __init__(self, report: HitReport, sc: Scoring) -> None:
        def hits(name: str | None) -> list[Hit]:
            return report.term_hits.get(name, []) if name else []

        # The dominant-conflict list weakens a sentence (by proximity) only when it is also a damping list.
        conflict_name = sc.dominant_conflict if sc.dominant_conflict in sc.damp_terms else None
        self.conflict = HitsByField(hits(conflict_name))
        self.other_damp = HitsByField([h for n in sc.damp_terms if n != conflict_name for h in hits(n)])
        self.relation = HitsByField(hits(sc.relation_terms))
        self.continuation = HitsByField(hits(sc.continuation_terms))
        self.reference = HitsByField(hits(sc.reference_terms))
        self.hamas_reference = HitsByField(hits(sc.hamas_reference_terms))


def score_from_evidence(evidence: list[Evidence]) -> float:
    total = sum(e.value for e in evidence)
    return 1.0 - math.exp(-total)
