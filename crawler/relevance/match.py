"""Finding a profile's aliases in text: word-level, language-aware, with original offsets.

`find_hits(fields, profile)` returns every alias occurrence in the title, lead and text, after
* longest-match overlap resolution ("Russian foreign ministry" beats "Russian"),
* dropping mentions inside a wire dateline ("MOSCOW (Reuters) -", "МОСКВА, 29 июня. /ТАСС/.", a place alone
  before a dash: "موسكو -"; datelines.py),
* dropping Russia named as a nationality ("два гражданина России") and state media credited as a source
  ("передает ТАСС"; mentions.py),
* keeping ambiguous aliases (Arabic حماس = "enthusiasm") only with context.
No substring matching anywhere: an alias is a sequence of whole words, each possibly inflected.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from dataclasses import field as dc_field

from crawler.relevance.datelines import bare_place_spans, dateline_spans
from crawler.relevance.mentions import (
    POSTING_PREFIX_HE,
    POSTING_PREPOSITIONS,
    host_countries,
    nationality_mentions,
    source_credits,
)
from crawler.relevance.morphology import (
    SCRIPT_ARABIC,
    SCRIPT_CYRILLIC,
    SCRIPT_HEBREW,
    SCRIPT_LATIN,
    Token,
    arabic_unsuffixed,
    normalize_word,
    russian_matches,
    russian_splits,
    tokenize,
    word_forms,
)
from crawler.relevance.profile import CASE_CAPITAL, CASE_UPPER, Alias, AliasWord, Profile

FIELDS = ("title", "lead", "text")

# Characters allowed between the words of a multi-word alias: spaces, hyphens, the Hebrew maqaf
# ("al-Qassam", "אל-קסאם"), quotes and brackets around a name ("ЧВК «Вагнер»", 'حركة "حماس"',
# "حركة (حماس)"). Other punctuation (commas, full stops) ends the alias.
_ALIAS_GAP = re.compile(r"[\s\-‐‑–־\"'«»“”„()\[\]]*")

@dataclass(frozen=True)
class Hit:
    """One alias occurrence in one field."""

    alias: Alias
    field: str
    start: int  # character offsets into the field's original string
    end: int
    first: int  # token indices in the field
    last: int

    @property
    def side(self) -> str:
        return self.alias.side

    @property
    def group(self) -> str:
        return self.alias.group


@dataclass(frozen=True)
class FieldTokens:
    name: str
    text: str
    tokens: list[Token]


@dataclass
class HitReport:
    hits: list[Hit]
    dateline: list[Hit]  # mentions dropped because they were a dateline
    unconfirmed: list[Hit]  # ambiguous aliases dropped for lack of context
    fields: dict[str, FieldTokens]
    term_hits: dict[str, list[Hit]]  # term list name -> occurrences (context words, damping words)
    nationality: list[Hit] = dc_field(default_factory=list)  # Russia named as people's nationality, dropped
    source_credit: list[Hit] = dc_field(default_factory=list)  # state media credited as a report's source, dropped
    host: list[Hit] = dc_field(default_factory=list)  # Russia as the posting of another state's mission, dropped


class AliasIndex:
    """Aliases keyed by the normalised form of their first word (Russian: by stem)."""

    def __init__(self, aliases: list[Alias]) -> None:
        self.plain: dict[str, list[Alias]] = defaultdict(list)
        self.russian: dict[str, list[Alias]] = defaultdict(list)
        self.suffixed: dict[str, list[Alias]] = defaultdict(list)  # single-word Arabic aliases allowing pronouns
        for alias in aliases:
            head = alias.words[0]
            if head.russian is not None:
                self.russian[head.russian.stem].append(alias)
                continue
            self.plain[head.norm].append(alias)
            # "הפדרציה הרוסית" is also written "בפדרציה הרוסית": the article yields to a preposition.
            if head.script == SCRIPT_HEBREW and len(alias.words) > 1 and head.norm.startswith("ה") and len(head.norm) > 3:
                self.plain[head.norm[1:]].append(alias)
            if alias.suffixes and len(alias.words) == 1:
                self.suffixed[head.norm].append(alias)

    def candidates(self, token: Token) -> list[Alias]:
        """Aliases whose first word this token may be."""
        found: list[Alias] = []
        if token.script == SCRIPT_CYRILLIC:
            for stem, ending in russian_splits(token.norm):
                for alias in self.russian.get(stem, ()):
                    if ending in alias.words[0].russian.endings:  # type: ignore[union-attr]
                        found.append(alias)
            return found
        forms = word_forms(token)
        for form in forms:
            found.extend(self.plain.get(form, ()))
        if token.script == SCRIPT_ARABIC and self.suffixed:
            for form in forms:
                for stem in arabic_unsuffixed(form):
                    found.extend(self.suffixed.get(stem, ()))
        return list(dict.fromkeys(found))


def _case_ok(word: AliasWord, token: Token, stem_len: int | None = None) -> bool:
    if word.case == CASE_UPPER:
        head = token.text[: stem_len or len(word.norm)]
        return head.isupper()
    if word.case == CASE_CAPITAL:
        return token.text[:1].isupper()
    return True


def _word_matches(word: AliasWord, token: Token, *, is_last: bool, suffixes: bool) -> bool:
    """A non-first alias word against a text word (no proclitics here; inflection yes)."""
    if word.russian is not None:
        return token.script == SCRIPT_CYRILLIC and russian_matches(word.russian, token.norm)
    if token.norm == word.norm:
        return True
    if is_last and token.script == SCRIPT_LATIN and token.norm == word.norm + "'s":
        return True
    if is_last and suffixes and token.script == SCRIPT_ARABIC:
        return word.norm in arabic_unsuffixed(token.norm)
    return False


def _match_at(alias: Alias, tokens: list[Token], i: int, text: str) -> int | None:
    """Index of the last token when `alias` starts at token i, else None."""
    head = alias.words[0]
    stem_len = len(head.russian.stem) if head.russian is not None else None
    if not _case_ok(head, tokens[i], stem_len):
        return None
    j = i
    n = len(alias.words)
    for k in range(1, n):
        j += 1
        if j >= len(tokens):
            return None
        gap = text[tokens[j - 1].end : tokens[j].start]
        if not _ALIAS_GAP.fullmatch(gap):
            return None
        word = alias.words[k]
        if not _word_matches(word, tokens[j], is_last=k == n - 1, suffixes=alias.suffixes):
            return None
        if not _case_ok(word, tokens[j], len(word.russian.stem) if word.russian else None):
            return None
    return j


def _resolve_overlaps(hits: list[Hit]) -> list[Hit]:
    """Keep the longest alias where several cover the same words (then the heavier, then the first)."""
    ordered = sorted(hits, key=lambda h: (-(h.last - h.first), -h.alias.weight, h.first, h.alias.group))
    taken: set[int] = set()
    kept = []
    for h in ordered:
        span = set(range(h.first, h.last + 1))
        if span & taken:
            continue
        taken |= span
        kept.append(h)
    return sorted(kept, key=lambda h: h.start)


def scan_field(name: str, text: str, index: AliasIndex, tokens: list[Token] | None = None, *,
               per_group: bool = False) -> tuple[FieldTokens, list[Hit]]:
    """Every alias occurrence in one field, overlaps resolved (within each group when `per_group`: a word may
    be in several term lists, "الحرب" is both Hamas context and a war word)."""
    tokens = tokenize(text) if tokens is None else tokens
    hits = []
    for i, tok in enumerate(tokens):
        for alias in index.candidates(tok):
            j = _match_at(alias, tokens, i, text)
            if j is not None:
                hits.append(Hit(alias, name, tok.start, tokens[j].end, i, j))
    if per_group:
        by_group: dict[str, list[Hit]] = defaultdict(list)
        for h in hits:
            by_group[h.alias.group].append(h)
        resolved = sorted((h for group in by_group.values() for h in _resolve_overlaps(group)), key=lambda h: h.start)
        return FieldTokens(name, text, tokens), resolved
    return FieldTokens(name, text, tokens), _resolve_overlaps(hits)


def _in_spans(hit: Hit, spans: list[tuple[int, int]]) -> bool:
    return any(s <= hit.start and hit.end <= e for s, e in spans)


def _confirmed(hit: Hit, profile: Profile, fields: dict[str, FieldTokens], context_hits: dict[str, list[Hit]],
               side_has_unambiguous: bool) -> bool:
    """An ambiguous alias counts when not vetoed and with context nearby or a sure mention elsewhere."""
    group = profile.group(hit.alias.group)
    tokens = fields[hit.field].tokens
    if group is not None and hit.last + 1 < len(tokens) and tokens[hit.last + 1].norm in group.veto_next:
        return False
    if side_has_unambiguous:
        return True
    if group is None or group.context is None:
        return False
    window = profile.scoring.context_window
    for c in context_hits.get(group.context, ()):
        # A title is short: its context is the whole title.
        if c.field == hit.field and (hit.field == "title" or hit.first - window <= c.first <= hit.last + window):
            return True
    return False


def find_hits(fields: dict[str, str], profile: Profile) -> HitReport:
    """Entity and term occurrences in each field (title/lead/text), with the dateline, nationality and ambiguity
    rules applied."""
    entity_index = _index_for(profile)
    term_index = _terms_index_for(profile)
    scanned: dict[str, FieldTokens] = {}
    raw: list[Hit] = []
    term_hits: dict[str, list[Hit]] = defaultdict(list)
    dateline: list[Hit] = []
    places = {g.id for g in profile.groups if g.place}
    for name in FIELDS:
        text = fields.get(name) or ""
        ft, hits = scan_field(name, text, entity_index)
        scanned[name] = ft
        spans = dateline_spans(text) if name != "title" else []
        bare = bare_place_spans(text) if name != "title" and places else []
        for h in hits:
            in_dateline = _in_spans(h, spans) or (h.alias.group in places and _in_spans(h, bare))
            (dateline if in_dateline else raw).append(h)
        if term_index is not None:
            _, thits = scan_field(name, text, term_index, ft.tokens, per_group=True)
            for h in thits:
                term_hits[h.alias.group].append(h)
    after_digit = {(h.field, h.first) for h in raw if h.first > 0 and scanned[h.field].tokens[h.first - 1].text.isdigit()}
    people = {g.id for g in profile.groups if g.people}
    nationality = [h for h in raw if h.alias.group in people]
    nationality += nationality_mentions(raw, term_hits, profile.scoring, {g.id for g in profile.groups if g.nationality},
                                        after_digit)
    sources = source_credits(raw, term_hits, profile.scoring, {g.id for g in profile.groups if g.source})
    after_posting = {(h.field, h.first) for h in raw if _after_posting(scanned[h.field].tokens, h)}
    hosts = host_countries(raw, term_hits, profile.scoring, {g.id for g in profile.groups if g.nationality or g.place},
                           after_posting)
    dropped = {id(h) for h in (*nationality, *sources, *hosts)}
    raw = [h for h in raw if id(h) not in dropped]
    sure_sides = {h.side for h in raw if not h.alias.ambiguous}
    kept, unconfirmed = [], []
    for h in raw:
        if not h.alias.ambiguous or _confirmed(h, profile, scanned, term_hits, h.side in sure_sides):
            kept.append(h)
        else:
            unconfirmed.append(h)
    return HitReport(kept, dateline, unconfirmed, scanned, dict(term_hits), nationality, sources, hosts)


_POSTING_NORMS = frozenset(normalize_word(w) for w in POSTING_PREPOSITIONS)


def _after_posting(tokens: list[Token], hit: Hit) -> bool:
    """The hit follows a posting preposition ("в России", "لدى موسكو", Hebrew "ברוסיה")."""
    if hit.first > 0 and tokens[hit.first - 1].norm in _POSTING_NORMS:
        return True
    first = tokens[hit.first]
    return first.script == SCRIPT_HEBREW and first.norm.startswith(POSTING_PREFIX_HE) and not hit.alias.term.startswith(POSTING_PREFIX_HE)


# Compiled indexes are cached per profile object: profiles are immutable after loading.
_INDEX_CACHE: dict[int, tuple[Profile, AliasIndex, AliasIndex | None]] = {}


def _cached(profile: Profile) -> tuple[AliasIndex, AliasIndex | None]:
    entry = _INDEX_CACHE.get(id(profile))
    if entry is None or entry[0] is not profile:
        entities = [a for g in profile.groups for a in g.aliases]
        terms = [a for lst in profile.terms.values() for a in lst]
        entry = (profile, AliasIndex(entities), AliasIndex(terms) if terms else None)
        _INDEX_CACHE[id(profile)] = entry
    return entry[1], entry[2]


def _index_for(profile: Profile) -> AliasIndex:
    return _cached(profile)[0]


def _terms_index_for(profile: Profile) -> AliasIndex | None:
    return _cached(profile)[1]
