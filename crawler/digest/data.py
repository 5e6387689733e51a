"""The digest as plain data: built once from the database, rendered to every format from this alone."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field, fields, is_dataclass
from functools import cache, cached_property
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class Segment:
    """A run of text; `hit` marks a matched term to highlight."""

    text: str
    hit: bool = False


@dataclass(frozen=True)
class Carrier:
    """Another outlet carrying the same story (a folded duplicate), or the story's earlier original."""

    article_id: int
    outlet: str
    outlet_title: str
    url: str
    title: str
    language: str | None
    first_seen: datetime


@dataclass(frozen=True)
class DigestItem:
    article_id: int
    title: str
    title_segments: tuple[Segment, ...]
    url: str
    outlet: str
    outlet_title: str
    language: str | None
    direction: str  # "rtl" | "ltr"
    published_at: datetime | None
    published_uncertain: bool
    first_seen: datetime
    status: str  # full | lead_only | metadata_only | pdf_pending
    score: float
    snippet: tuple[Segment, ...]
    matched_terms: tuple[str, ...]
    explanation: str
    also_in: tuple[Carrier, ...] = ()
    copy_of: Carrier | None = None  # the story was first carried before this window, by this article
    edited: bool = False
    taken_down: bool = False
    story: tuple[str, str] = ("russia", "hamas")  # the pair of actors it links (see query.story_key)
    # The publisher's clock (crawler.publisher_time): shown to readers; the window places items by instant.
    published_offset_minutes: int | None = None
    published_date_only: bool = False

    @property
    def sort_time(self) -> datetime:
        return self.published_at or self.first_seen


@dataclass(frozen=True)
class DigestGroup:
    key: str
    label: str
    items: tuple[DigestItem, ...]


@dataclass(frozen=True)
class ChangeNote:
    """An edit or take-down of an article a previous digest showed."""

    article_id: int
    title: str
    url: str
    outlet: str
    outlet_title: str
    language: str | None
    direction: str
    kind: str  # edit | takedown
    at: datetime
    summary: str


@dataclass(frozen=True)
class WikiChange:
    article_id: int
    lang: str
    title: str
    url: str
    direction: str
    at: datetime
    user: str
    description: str  # "ar: +2 paragraphs, edited by X"
    revision_id: int | None


@dataclass(frozen=True)
class SourceHealth:
    """One source the digest could not fully see, and why."""

    source: str
    title: str
    problem: str  # blocked | failing | silent | not_crawled | disabled
    health: str
    reason: str
    runs: int
    outcomes: dict[str, int] = field(default_factory=dict)
    failures: dict[str, int] = field(default_factory=dict)  # reason -> count, in the window
    last_new_article_at: datetime | None = None


@dataclass(frozen=True)
class DigestData:
    day: str  # YYYY-MM-DD, the digest day in digest.timezone
    window_key: str
    start: datetime
    end: datetime
    timezone: str
    complete: bool  # False while the window is still open (a hand-run digest mid-day)
    since: bool
    threshold: float
    near_miss_floor: float
    group_by: str
    groups: tuple[DigestGroup, ...]
    changes: tuple[ChangeNote, ...]
    wiki_changes: tuple[WikiChange, ...]
    near_misses: tuple[DigestItem, ...]
    health: tuple[SourceHealth, ...]
    sources_ok: int

    @property
    def items(self) -> list[DigestItem]:
        return [item for group in self.groups for item in group.items]

    @property
    def article_ids(self) -> list[int]:
        """Every article the digest presents as coverage (items and the copies folded into them)."""
        ids = []
        for item in self.items:
            ids.append(item.article_id)
            ids.extend(carrier.article_id for carrier in item.also_in)
        return sorted(set(ids))

    @cached_property
    def content_hash(self) -> str:
        """sha1 of the canonical JSON: equal data, equal hash, whenever and wherever it is built.

        Computed once per digest (the data is frozen): the renderers, the record and the mail all show it."""
        canonical = json.dumps(self, default=_json_value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        return hashlib.sha1(canonical.encode("utf-8")).hexdigest()


def _json_value(value: Any) -> Any:
    """What json.dumps cannot encode itself: a dataclass as the dict of its fields, a datetime in ISO form.

    json's C encoder walks everything else; dataclasses.asdict would deep-copy every leaf first."""
    if is_dataclass(value) and not isinstance(value, type):
        return {name: getattr(value, name) for name in _field_names(type(value))}
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


@cache
def _field_names(kind: type) -> tuple[str, ...]:
    return tuple(member.name for member in fields(kind))
