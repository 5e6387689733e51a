"""The actor lexicon: people, organisations and places with their he/ar/ru/en spellings (user-editable TOML).

Spellings are compiled with the topic profile's matcher (crawler.relevance), so Hebrew and Arabic prefixes,
Russian case endings and English possessives match without being listed.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from crawler.relevance.match import AliasIndex, Hit, scan_field
from crawler.relevance.profile import Alias, compile_alias, load_profile

DEFAULT_LEXICON_PATH = Path(__file__).resolve().parent / "data" / "actors.toml"
ACTOR_SIDE = "actor"
DEFAULT_GENERIC_WEIGHT = 0.15
ACTION_KIND = "action"


class LexiconError(ValueError):
    """The lexicon file is malformed; the message names the key."""


@dataclass(frozen=True)
class Actor:
    id: str
    kind: str
    generic: bool  # named by nearly every report of the topic: weak evidence, never indexed
    weight: float
    source: str


@dataclass(frozen=True)
class Lexicon:
    actors: dict[str, Actor]
    index: AliasIndex
    generic_weight: float
    source: str

    def scan(self, text: str) -> list[Hit]:
        """Every actor mention in `text` (alias.group is the actor id)."""
        if not text:
            return []
        _, hits = scan_field("text", text, self.index)
        return hits

    def is_action(self, actor_id: str) -> bool:
        """A kind of act (a release, a visit), not someone who acts: evidence only beside a shared actor."""
        actor = self.actors.get(actor_id)
        return actor is not None and actor.kind == ACTION_KIND

    def weight(self, actor_id: str) -> float:
        actor = self.actors.get(actor_id)
        if actor is None:
            return 0.0
        return self.generic_weight if actor.generic else actor.weight


def _aliases(actor_id: str, table: dict[str, Any]) -> list[Alias]:
    aliases = []
    for lang, spellings in table.items():
        if not isinstance(spellings, list):
            continue
        for spelling in spellings:
            if not isinstance(spelling, str) or not spelling.strip():
                raise LexiconError(f"actors.{actor_id}.{lang}: spellings must be non-empty strings")
            aliases.append(compile_alias(spelling, group=actor_id, side=ACTOR_SIDE, lang=lang, weight=1.0))
    return aliases


def parse_lexicon(data: dict[str, Any], source: str = "", *, include_profile: bool = True) -> Lexicon:
    """Build a Lexicon from the decoded TOML; the topic profile's groups join as generic actors."""
    table = data.get("actors")
    if not isinstance(table, dict) or not table:
        raise LexiconError("the lexicon needs at least one [actors.<id>] table")
    settings = data.get("linking", {})
    generic_weight = float(settings.get("generic_weight", DEFAULT_GENERIC_WEIGHT))
    actors: dict[str, Actor] = {}
    aliases: list[Alias] = []
    for actor_id, entry in table.items():
        if not isinstance(entry, dict):
            raise LexiconError(f"actors.{actor_id} must be a table")
        weight = float(entry.get("weight", 1.0))
        if not 0.0 <= weight <= 2.0:
            raise LexiconError(f"actors.{actor_id}.weight must be within 0..2")
        actors[actor_id] = Actor(actor_id, str(entry.get("kind", "")), bool(entry.get("generic", False)), weight,
                                 str(entry.get("source", "")))
        aliases += _aliases(actor_id, entry)
    if include_profile:
        # The topic's own entities are linking signals too; the lexicon's entry wins where both name one.
        for group in load_profile().groups:
            if group.id in actors:
                continue
            actors[group.id] = Actor(group.id, "profile", True, generic_weight, "topic profile")
            aliases += [alias for alias in group.aliases if not alias.ambiguous]
    return Lexicon(actors, AliasIndex(aliases), generic_weight, source)


def load_lexicon(path: str | Path | None = None) -> Lexicon:
    """Read an actor lexicon TOML file; None loads the shipped one."""
    p = Path(path) if path is not None else DEFAULT_LEXICON_PATH
    with p.open("rb") as fh:
        data = tomllib.load(fh)
    return parse_lexicon(data, str(p))


@lru_cache(maxsize=4)
def default_lexicon() -> Lexicon:
    return load_lexicon()
