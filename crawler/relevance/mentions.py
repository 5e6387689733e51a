"""Mentions that name a side without the side acting: a nationality, a source credit, the war as a topic.

Dropped before scoring (like datelines), each reported in the explanation:
* **nationality** — "два гражданина России", "a hostage with Russian citizenship", "בעל אזרחות רוסית",
  "الجنسية الروسية", "шесть россиян", "two Russians": Russia named as people's nationality is their passport,
  not the Russian state. Applies to the groups marked `nationality = true` (the country, the adjective and the
  demonym; never a person), within `nationality_window` words of a word of `nationality_terms`, or next to a
  number (a digit before it, a word of `number_terms` either side: "16 روسيا", "روسيّا واحدا", "عدد الروس"):
  people are counted, a state is not.
* **source credit** — "передает ТАСС", "сообщает РИА Новости со ссылкой на источник", "according to TASS":
  state media named as the source of a report are not an actor in it. Applies to the groups marked
  `source = true`, within `attribution_window` words after a word of `attribution_terms`. "A Hamas leader
  told RT" (an interview) is kept: "told" is not a reporting verb.

* **host country** — "посол Израиля в России", "Israel's ambassador to Moscow", "السفير الإسرائيلي لدى موسكو",
  "שגריר ישראל ברוסיה": the country where another state's ambassador or embassy sits is not an actor. Applies to
  the `nationality = true` and `place = true` groups right after a posting preposition (`POSTING_PREPOSITIONS`,
  or the Hebrew prefix ב), within `mission_window` words after a word of `mission_terms`. "посол РФ в Израиле"
  (Russia's own ambassador) is kept: no preposition stands before РФ.

Kept, but marked *passing* so scoring weakens a sentence whose Hamas-side mentions are all passing, and
a title naming only Russia is not completed by them:
* **the war's name** — "met in Moscow to discuss the Israel-Hamas war", "обсудили ... конфликт Израиля и
  ХАМАС", "بعد ثلاثة أيام من الصراع بين حماس وإسرائيل", "דנו במלחמה בין ישראל לחמאס": a word of
  `war_party_terms` (Israel) within `war_name_window` - 1 words and a word of `war_terms` within
  `war_name_window` words. The war named as a topic or a date is not Hamas acting; Hamas's own acts in the war
  are named otherwise ("Hamas attacked", "the Al-Aqsa Flood", a group of the profile).
* **background** — "на фоне гибели ... главы политбюро движения ХАМАС", "amid the war with Hamas", "על רקע",
  "على خلفية": a word of `background_terms` at most `background_window` words before the mention.
* **an item of a list of topics** — "they discussed trade, energy, education and Hamas's attack on Israel",
  "обсудили Украину, Сирию, ХАМАС и КНДР", "وبحثا التجارة والطاقة والتعليم وهجوم حماس": a word of
  `topic_terms` (discuss, agenda) at most `topic_window` words before the mention in the same sentence, and
  the list it opens has at least `topic_list_items` items (commas, "and", and the Arabic and Hebrew
  conjunction prefix و / ו separate them), with no word of `relation_terms` between the topic word and the
  mention ("discussed with a Hamas delegation ...", "بحث مع وفد حماس": Hamas is the partner, not a topic). A
  meeting on another subject is not a relation with Hamas because Hamas is one of its topics; one topic on
  its own ("discussed contacts with Hamas") stays a relation.

Measured on the dev set and three batches of real web excerpts: the first version also asked for a topic word
before the war's name (discuss, including), because "during the Israel–Hamas war Russia condemned the Al-Aqsa
Flood" (seed 002, a real stance) was otherwise lost; round 3 showed the war's name as a date ("three days
into the conflict between Hamas and Israel, the Russian embassy said") is as passing, so the topic word went
and the Al-Aqsa Flood became a Hamas-side name in the profile. "Putin offered to mediate between Israel and
Hamas" (no war word) and "the Hamas attack on Israel" stay actors. A plain enumeration is no signal on its own: "Russia
has ties to all the key players, including Israel, Iran ... and Hamas" is a relation.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
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

# Prepositions that make a country the posting of a mission ("ambassador to Russia", "посол ... в России",
# "السفير ... لدى موسكو"); Hebrew writes "in" as the prefix ב (ברוסיה), see POSTING_PREFIX_HE.
POSTING_PREPOSITIONS = frozenset({"to", "in", "в", "во", "لدى", "في", "الى", "إلى"})
POSTING_PREFIX_HE = "ב"

# What separates the items of a list: a comma (Latin or Arabic), a conjunction word, or a word carrying the
# Arabic or Hebrew conjunction prefix (والطاقة, ובמתקפת). Longer than one letter: a bare و / ו is a word too.
_LIST_SEPARATOR = re.compile(r"[,،]|(?<!\w)(?:and|или|и|or)(?!\w)|(?<!\w)[وו](?=\w{2,})", re.IGNORECASE)
# A list's first item is a short noun phrase ("Hamas", "the Hamas attack on Israel").
_FIRST_ITEM_MAX_WORDS = 5
# Where a sentence or a clause of reported speech ends: a list never runs across these.
_SENTENCE_END = re.compile(r"[.!?؟;:\n]")


def _near(hit: Mention, others: Sequence[Mention], window: int) -> bool:
    """A hit of `others` in the same field within `window` words of `hit` (not overlapping it)."""
    return any(
        o.field == hit.field and (0 < hit.first - o.last <= window or 0 < o.first - hit.last <= window)
        for o in others
    )


def _after(hit: Mention, others: Sequence[Mention], window: int) -> bool:
    """A hit of `others` in the same field ending at most `window` words before `hit`."""
    return any(o.field == hit.field and 0 < hit.first - o.last <= window for o in others)


def _terms(term_hits: dict[str, list[M]], name: str | None) -> list[M]:
    return term_hits.get(name or "", [])


def nationality_mentions(hits: Sequence[M], term_hits: dict[str, list[M]], sc: Scoring,
                         nationality_groups: set[str], after_number: set[tuple[str, int]]) -> list[M]:
    """Hits of the `nationality = true` groups that give people's nationality. `after_number` holds the
    (field, first token) of the hits right after a digit, found by the caller who has the tokens."""
    words = _terms(term_hits, sc.nationality_terms)
    numbers = _terms(term_hits, sc.number_terms)
    return [
        h for h in hits
        if h.group in nationality_groups
        and (_near(h, words, sc.nationality_window) or _near(h, numbers, 1) or (h.field, h.first) in after_number)
    ]


def host_countries(hits: Sequence[M], term_hits: dict[str, list[M]], sc: Scoring, country_groups: set[str],
                   after_posting: set[tuple[str, int]]) -> list[M]:
    """Hits of the country and place groups named as the posting of another state's mission ("посол Израиля в
    России"). `after_posting` holds the (field, first token) of the hits right after a posting preposition, found by
    the caller who has the tokens."""
    missions = _terms(term_hits, sc.mission_terms)
    return [
        h for h in hits
        if h.group in country_groups and (h.field, h.first) in after_posting and _after(h, missions, sc.mission_window)
    ]


def source_credits(hits: Sequence[M], term_hits: dict[str, list[M]], sc: Scoring, source_groups: set[str]) -> list[M]:
    """Hits of the `source = true` groups named as the source of a report ("передает ТАСС")."""
    verbs = _terms(term_hits, sc.attribution_terms)
    return [h for h in hits if h.group in source_groups and _after(h, verbs, sc.attribution_window)]


def passing_hamas_mentions(hits: Sequence[M], term_hits: dict[str, list[M]], sc: Scoring,
                           texts: Mapping[str, str] | None = None) -> set[tuple[str, int]]:
    """(field, start) of the Hamas-side hits named in passing: in the war's name, as background, or as one
    item of a list of topics (that rule needs the fields' `texts`)."""
    parties = _terms(term_hits, sc.war_party_terms)
    wars = _terms(term_hits, sc.war_terms)
    background = _terms(term_hits, sc.background_terms)
    topics = _terms(term_hits, sc.topic_terms)
    relations = _terms(term_hits, sc.relation_terms)
    window = sc.war_name_window

    def war_name(h: Mention) -> bool:
        return _near(h, parties, max(window - 1, 1)) and _near(h, wars, window)

    def listed_topic(h: Mention) -> bool:
        return texts is not None and any(
            _opens_list_reaching(texts.get(h.field, ""), topic, h, sc.topic_list_items)
            for topic in topics
            if topic.field == h.field and 0 < h.first - topic.last <= sc.topic_window
            and not any(r.field == h.field and topic.last < r.first <= h.last + 1 for r in relations)
        )

    return {
        (h.field, h.start)
        for h in hits
        if h.side == "hamas" and (war_name(h) or _after(h, background, sc.background_window) or listed_topic(h))
    }


def _opens_list_reaching(text: str, topic: Mention, hit: Mention, min_items: int) -> bool:
    """Whether the words after `topic` are a list of at least `min_items` items with `hit` one of them: after
    a separator, or first with a separator right after it ("discussed Hamas, Syria and ..."; not "discussed
    with a Hamas delegation the situation in Gaza, ...", where Hamas is no item)."""
    topic_end = text.find(" ", topic.start)
    if topic_end < 0 or topic_end > hit.start or _SENTENCE_END.search(text, topic_end, hit.start):
        return False
    end = _SENTENCE_END.search(text, hit.start)
    clause_end = end.start() if end else len(text)
    if not _LIST_SEPARATOR.search(text, topic_end, hit.start):
        following = _LIST_SEPARATOR.search(text, hit.start, clause_end)
        if following is None or len(text[hit.start : following.start()].split()) > _FIRST_ITEM_MAX_WORDS:
            return False
    return len(_LIST_SEPARATOR.findall(text, topic_end, clause_end)) + 1 >= min_items
