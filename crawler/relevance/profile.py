"""Topic profiles: entity groups with per-language aliases, read from a user-editable TOML file.

The file format is documented at the top of crawler/relevance/data/topic_russia_hamas.toml (the shipped default).
Loading compiles every alias once (normalised words, Russian declension patterns, case rules), so
matching a document is only dictionary look-ups.
"""

from __future__ import annotations

import functools
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from crawler.relevance.morphology import (
    SCRIPT_CYRILLIC,
    SCRIPT_LATIN,
    RussianPattern,
    normalize_word,
    russian_pattern,
    script_of,
    tokenize,
)

DEFAULT_PROFILE_PATH = Path(__file__).resolve().parent / "data" / "topic_russia_hamas.toml"
SIDES = ("russia", "hamas")
LANGS = ("en", "he", "ar", "ru")
# Acronyms up to this length ("RT", "TASS", "РФ") match only in capitals: "rt" is a retweet, "tass" a cup.
ACRONYM_MAX_LEN = 4

CASE_ANY = "any"
CASE_CAPITAL = "capital"  # proper noun in a cased script: "Hamas" yes, "baaa-hamas" no
CASE_UPPER = "upper"  # short acronym: "RT" yes, "rt" no


class ProfileError(ValueError):
    """The profile file is malformed; the message names the key."""


@dataclass(frozen=True)
class AliasWord:
    """One word of an alias, compiled for matching."""

    norm: str
    script: str
    case: str
    russian: RussianPattern | None  # declension, for Cyrillic words


@dataclass(frozen=True)
class Alias:
    """One alias of a group in one language."""

    group: str
    side: str  # "russia", "hamas", or "term" for context/damping term lists
    term: str  # as written in the profile
    lang: str
    words: tuple[AliasWord, ...]
    weight: float
    ambiguous: bool = False  # counts only with context (Arabic حماس also means "enthusiasm")
    suffixes: bool = False  # Arabic attached pronouns allowed on the last word


@dataclass(frozen=True)
class Group:
    id: str
    side: str
    weight: float
    aliases: tuple[Alias, ...]
    context: str | None = None  # name of the term list that confirms this group's ambiguous aliases
    veto_next: frozenset[str] = frozenset()  # normalised words that, right after an ambiguous alias, rule it out
    nationality: bool = False  # its names also give a person's nationality ("citizens of Russia")
    source: bool = False  # its names are also the source credited for a report ("передает ТАСС")
    place: bool = False  # its names are places: one opening a paragraph before a dash is a dateline ("موسكو -")
    people: bool = False  # its names are people of the country ("россиянин"): always a nationality, never the state


@dataclass(frozen=True)
class Scoring:
    """Evidence weights; see the [scoring] table of the profile for what each one means."""

    sentence: float = 0.5
    adjacent: float = 0.3
    paragraph: float = 0.15
    paragraph_cap: float = 0.6
    title: float = 1.5
    title_one_side: float = 0.8
    lead_factor: float = 2.0
    lead_words: int = 60
    damp_factor: float = 0.4
    damped_cap: float = 0.5
    damp_terms: tuple[str, ...] = ()
    dominant_conflict: str | None = None
    dominant_ratio: float = 2.0
    dominant_min: int = 3
    context_window: int = 30
    linked: float = 0.4
    relation_factor: float = 2.0
    relation_terms: str | None = None
    continuation_terms: str | None = None
    continuation_window: int = 1
    reference_terms: str | None = None
    hamas_reference_terms: str | None = None
    nationality_terms: str | None = None
    nationality_window: int = 2
    war_party_terms: str | None = None
    war_terms: str | None = None
    war_name_window: int = 4
    background_window: int = 8
    background_terms: str | None = None
    number_terms: str | None = None
    attribution_terms: str | None = None
    attribution_window: int = 3
    topic_terms: str | None = None
    topic_window: int = 12
    topic_list_items: int = 3
    mission_terms: str | None = None
    mission_window: int = 4


@dataclass(frozen=True)
class Profile:
    name: str
    threshold: float
    groups: tuple[Group, ...]
    terms: dict[str, tuple[Alias, ...]] = field(default_factory=dict)
    scoring: Scoring = Scoring()
    source: str = ""

    def group(self, group_id: str) -> Group | None:
        return next((g for g in self.groups if g.id == group_id), None)


def _case_rule(word: str, script: str) -> str:
    if script not in (SCRIPT_LATIN, SCRIPT_CYRILLIC):
        return CASE_ANY
    letters = [c for c in word if c.isalpha()]
    if letters and len(letters) <= ACRONYM_MAX_LEN and all(c.isupper() for c in letters):
        return CASE_UPPER
    if letters and letters[0].isupper():
        return CASE_CAPITAL
    return CASE_ANY


def compile_alias(
    term: str, *, group: str, side: str, lang: str, weight: float, ambiguous: bool = False, suffixes: bool = False
) -> Alias:
    """Split an alias into words and compile each (normalisation, case rule, Russian declension)."""
    words = []
    for tok in tokenize(term):
        script = script_of(tok.text)
        norm = normalize_word(tok.text, script)
        pattern = russian_pattern(norm) if script == SCRIPT_CYRILLIC else None
        words.append(AliasWord(norm, script, _case_rule(tok.text, script), pattern))
    if not words:
        raise ProfileError(f"group {group!r}: alias {term!r} has no letters")
    return Alias(group, side, term, lang, tuple(words), weight, ambiguous, suffixes)


def _str_list(value: Any, where: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ProfileError(f"{where} must be a list of strings")
    return value


def _lang_lists(table: dict[str, Any], where: str) -> dict[str, list[str]]:
    """The per-language alias lists of a table (keys en/he/ar/ru, or any other language code)."""
    out: dict[str, list[str]] = {}
    for key, value in table.items():
        if isinstance(value, list):
            out[key] = _str_list(value, f"{where}.{key}")
    return out


def _number(table: dict[str, Any], key: str, default: float, where: str, lo: float = 0.0, hi: float = 10.0) -> float:
    value = table.get(key, default)
    if not isinstance(value, (int, float)) or isinstance(value, bool) or not lo <= value <= hi:
        raise ProfileError(f"{where}.{key} must be a number in [{lo}, {hi}]")
    return float(value)


def _parse_group(gid: str, table: dict[str, Any]) -> Group:
    where = f"groups.{gid}"
    side = table.get("side")
    if side not in SIDES:
        raise ProfileError(f"{where}.side must be one of {SIDES}")
    weight = _number(table, "weight", 1.0, where, 0.0, 1.0)
    ambiguous_table = table.get("ambiguous", {})
    suffix_table = table.get("suffixes", {})
    if not isinstance(ambiguous_table, dict) or not isinstance(suffix_table, dict):
        raise ProfileError(f"{where}.ambiguous and .suffixes must be tables of language -> list")
    ambiguous = {lang: set(v) for lang, v in _lang_lists(ambiguous_table, f"{where}.ambiguous").items()}
    suffixed = {lang: set(v) for lang, v in _lang_lists(suffix_table, f"{where}.suffixes").items()}
    aliases = []
    for lang, terms in _lang_lists(table, where).items():
        for term in terms:
            aliases.append(
                compile_alias(term, group=gid, side=side, lang=lang, weight=weight, suffixes=term in suffixed.get(lang, ()))
            )
    # Ambiguous aliases are listed only under `ambiguous`: they are aliases too, but need context.
    for lang, unsure in ambiguous.items():
        for term in unsure:
            aliases.append(
                compile_alias(term, group=gid, side=side, lang=lang, weight=weight, ambiguous=True,
                              suffixes=term in suffixed.get(lang, ()))
            )
    if not aliases:
        raise ProfileError(f"{where} has no aliases")
    veto_words: set[str] = set()
    for words in _lang_lists(table.get("veto_next", {}), f"{where}.veto_next").values():
        veto_words.update(normalize_word(w) for w in words)
    context = table.get("context")
    if context is not None and not isinstance(context, str):
        raise ProfileError(f"{where}.context must be the name of a [terms.*] table")
    flags = {}
    for key in ("nationality", "source", "place", "people"):
        flags[key] = table.get(key, False)
        if not isinstance(flags[key], bool):
            raise ProfileError(f"{where}.{key} must be true or false")
    return Group(gid, side, weight, tuple(aliases), context, frozenset(veto_words), **flags)


def _list_name(table: dict[str, Any], key: str) -> str | None:
    """A scoring key naming one [terms.*] table, or None when absent."""
    value = table.get(key)
    if value is not None and not isinstance(value, str):
        raise ProfileError(f"scoring.{key} must be the name of a [terms.*] table")
    return value


# Scoring keys that name a [terms.*] table (checked against the profile's term lists once it is parsed).
TERM_LIST_KEYS = ("dominant_conflict", "relation_terms", "continuation_terms", "reference_terms",
                  "hamas_reference_terms", "nationality_terms", "war_party_terms", "war_terms", "background_terms",
                  "number_terms", "attribution_terms", "topic_terms", "mission_terms")


def _parse_scoring(table: dict[str, Any]) -> Scoring:
    d = Scoring()
    where = "scoring"
    damp_terms = table.get("damp_terms", list(d.damp_terms))
    if isinstance(damp_terms, str):
        damp_terms = [damp_terms]
    damp_terms = _str_list(damp_terms, "scoring.damp_terms")
    names = {key: _list_name(table, key) for key in TERM_LIST_KEYS}
    return Scoring(
        sentence=_number(table, "sentence", d.sentence, where),
        adjacent=_number(table, "adjacent", d.adjacent, where),
        paragraph=_number(table, "paragraph", d.paragraph, where),
        paragraph_cap=_number(table, "paragraph_cap", d.paragraph_cap, where),
        title=_number(table, "title", d.title, where),
        title_one_side=_number(table, "title_one_side", d.title_one_side, where),
        lead_factor=_number(table, "lead_factor", d.lead_factor, where),
        lead_words=int(_number(table, "lead_words", d.lead_words, where, 0, 10_000)),
        damp_factor=_number(table, "damp_factor", d.damp_factor, where, 0.0, 1.0),
        damped_cap=_number(table, "damped_cap", d.damped_cap, where),
        damp_terms=tuple(damp_terms),
        dominant_conflict=names["dominant_conflict"],
        dominant_ratio=_number(table, "dominant_ratio", d.dominant_ratio, where, 0.0, 100.0),
        dominant_min=int(_number(table, "dominant_min", d.dominant_min, where, 0, 10_000)),
        context_window=int(_number(table, "context_window", d.context_window, where, 0, 10_000)),
        linked=_number(table, "linked", d.linked, where),
        relation_factor=_number(table, "relation_factor", d.relation_factor, where),
        relation_terms=names["relation_terms"],
        continuation_terms=names["continuation_terms"],
        continuation_window=int(_number(table, "continuation_window", d.continuation_window, where, 0, 100)),
        reference_terms=names["reference_terms"],
        hamas_reference_terms=names["hamas_reference_terms"],
        nationality_terms=names["nationality_terms"],
        nationality_window=int(_number(table, "nationality_window", d.nationality_window, where, 0, 100)),
        war_party_terms=names["war_party_terms"],
        war_terms=names["war_terms"],
        war_name_window=int(_number(table, "war_name_window", d.war_name_window, where, 0, 100)),
        background_window=int(_number(table, "background_window", d.background_window, where, 0, 100)),
        background_terms=names["background_terms"],
        number_terms=names["number_terms"],
        attribution_terms=names["attribution_terms"],
        attribution_window=int(_number(table, "attribution_window", d.attribution_window, where, 0, 100)),
        topic_terms=names["topic_terms"],
        topic_window=int(_number(table, "topic_window", d.topic_window, where, 0, 100)),
        topic_list_items=int(_number(table, "topic_list_items", d.topic_list_items, where, 2, 100)),
        mission_terms=names["mission_terms"],
        mission_window=int(_number(table, "mission_window", d.mission_window, where, 0, 100)),
    )


def parse_profile(data: dict[str, Any], source: str = "") -> Profile:
    """Build a Profile from the decoded TOML document."""
    meta = data.get("profile", {})
    name = str(meta.get("name", "unnamed"))
    threshold = _number(meta, "threshold", 0.5, "profile", 0.0, 1.0)
    groups_table = data.get("groups")
    if not isinstance(groups_table, dict) or not groups_table:
        raise ProfileError("the profile needs at least one [groups.<id>] table")
    groups = tuple(_parse_group(gid, t) for gid, t in groups_table.items())
    for side in SIDES:
        if not any(g.side == side for g in groups):
            raise ProfileError(f"no group has side = {side!r}")
    terms: dict[str, tuple[Alias, ...]] = {}
    for tname, table in data.get("terms", {}).items():
        terms[tname] = tuple(
            compile_alias(term, group=tname, side="term", lang=lang, weight=1.0,
                          suffixes=bool(table.get("suffixes", False)))
            for lang, words in _lang_lists(table, f"terms.{tname}").items()
            for term in words
        )
    scoring = _parse_scoring(data.get("scoring", {}))
    for g in groups:
        if g.context and g.context not in terms:
            raise ProfileError(f"groups.{g.id}.context names unknown term list {g.context!r}")
    named = [getattr(scoring, key) for key in TERM_LIST_KEYS]
    for list_name in (*scoring.damp_terms, *(n for n in named if n)):
        if list_name not in terms:
            raise ProfileError(f"scoring names unknown term list {list_name!r}")
    return Profile(name, threshold, groups, terms, scoring, source)


def load_profile(path: str | Path | None = None) -> Profile:
    """Read a topic profile TOML file; None loads the shipped Russia–Hamas default.

    Parsed once per process and file version (a run asked for it 21 times): an edited file is read again.
    """
    p = Path(path) if path is not None else DEFAULT_PROFILE_PATH
    return _parsed_profile(str(p.resolve()), p.stat().st_mtime_ns, str(p))


@functools.lru_cache(maxsize=16)
def _parsed_profile(resolved: str, mtime_ns: int, shown: str) -> Profile:
    with open(resolved, "rb") as fh:
        data = tomllib.load(fh)
    return parse_profile(data, shown)
