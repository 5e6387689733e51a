"""Mentions that name a side without the side acting: a nationality and a war's name.

* "два гражданина России", "a hostage with Russian citizenship", "בעל אזרחות רוסית", "الجنسية الروسية":
  Russia named as someone's nationality is a person's passport, not the Russian state. Mentions of the
  groups marked `nationality = true` (the country, the adjective; never a person) are dropped like datelines
  when a word of the profile's `nationality_terms` list stands within `nationality_window` words of them.
* "Putin and Raisi met in Moscow to discuss the Israel-Hamas war", "обсудили ... конфликт Израиля и ХАМАС",
  "لمناقشة الحرب بين إسرائيل وحماس", "דנו במלחמה בין ישראל לחמאס": Hamas named as a party of the war's name,
  with the war a topic on someone's agenda, is the war as a subject of another meeting, not Hamas as an actor.
  A Hamas-side mention is such a topic when a word of `war_party_terms` (Israel) stands within
  `war_name_window` - 1 words of it, a word of `war_terms` (war, conflict) within `war_name_window` words, and a
  word of `topic_terms` (discuss, including, обсудили, بحث, דנו) at most `topic_window` words before it.
  Scoring weakens sentences whose Hamas-side mentions are all such topics. Measured on the dev set: without
  the topic word the rule also weakened "during the Israel–Hamas war Russia condemned the Al-Aqsa Flood" (a
  real stance); "Putin offered to mediate between Israel and Hamas" (no war word) and "the Hamas attack on
  Israel" stay actors. A plain enumeration is no signal on its own: "Russia has ties to all the key players,
  including Israel, Iran ... and Hamas" is a relation.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, TypeVar

from crawler.relevance.profile import Scoring


class Mention(Protocol):
    """What these rules read of a hit (crawler.relevance.match.Hit, which imports this module)."""

    @property
    def side(self) -> str: ...

    @property
    def group(self) -> str: ...

    field: str
    start: int
    first: int
    last: int


M = TypeVar("M", bound=Mention)


def _near(hit: Mention, others: Sequence[Mention], window: int) -> bool:
    """A hit of `others` in the same field within `window` words of `hit` (not overlapping it)."""
    return any(
        o.field == hit.field and (0 < hit.first - o.last <= window or 0 < o.first - hit.last <= window)
        for o in others
    )


def nationality_mentions(hits: Sequence[M], term_hits: dict[str, list[M]], sc: Scoring,
                         nationality_groups: set[str]) -> list[M]:
    """Hits of the groups whose names are also nationalities (`nationality = true`: Russia, "Russian") that
    only give someone's nationality ("citizens of Russia", "Russian citizenship")."""
    words = term_hits.get(sc.nationality_terms or "", [])
    if not words:
        return []
    return [h for h in hits if h.group in nationality_groups and _near(h, words, sc.nationality_window)]


def _after(hit: Mention, others: Sequence[Mention], window: int) -> bool:
    """A hit of `others` in the same field ending at most `window` words before `hit`."""
    return any(o.field == hit.field and 0 < hit.first - o.last <= window for o in others)


def war_topic_mentions(hits: Sequence[M], term_hits: dict[str, list[M]], sc: Scoring) -> set[tuple[str, int]]:
    """(field, start) of the Hamas-side hits that name the war as a topic of discussion ("met to discuss the
    Israel-Hamas war", "issues including the Israel-Hamas conflict")."""
    parties = term_hits.get(sc.war_party_terms or "", [])
    wars = term_hits.get(sc.war_terms or "", [])
    topics = term_hits.get(sc.topic_terms or "", [])
    if not parties or not wars or not topics:
        return set()
    window = sc.war_name_window
    return {
        (h.field, h.start)
        for h in hits
        if h.side == "hamas"
        and _near(h, parties, max(window - 1, 1))
        and _near(h, wars, window)
        and _after(h, topics, sc.topic_window)
    }
