"""Wording shared by every digest format: times, labels, counts. Pure functions, no markup."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from datetime import datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from crawler.digest.data import Carrier, DigestData, DigestItem, SourceHealth
from crawler.publisher_time import publisher_label
from crawler.wording import plural

STATUS_NOTES = {
    "lead_only": "lead only: the full text could not be fetched",
    "metadata_only": "headline only: the page could not be fetched",
    "pdf_pending": "PDF: text not extracted yet",
}
PROBLEM_LABELS = {
    "blocked": "blocked",
    "failing": "failing",
    "errors": "errors",
    "silent": "silent",
    "not_crawled": "not crawled in this window",
    "disabled": "disabled",
}
# Unicode first-strong isolate / pop directional isolate: the plain-text form of <bdi>, so an Arabic title in
# an English sentence (or the reverse) never reorders the words around it.
FSI, PDI = "\u2068", "\u2069"
# Bidi classes that can reorder the left-to-right text around them: right-to-left letters, Arabic digits and the
# explicit embedding/override/isolate controls (an unclosed one in untrusted text would leak past the field).
_NEEDS_ISOLATE = frozenset({"R", "AL", "AN", "RLE", "RLO", "LRE", "LRO", "PDF", "RLI", "LRI", "FSI", "PDI"})


@lru_cache(maxsize=8192)  # a digest asks again for each format, and outlet titles repeat on every item
def needs_isolate(text: str) -> bool:
    return any(unicodedata.bidirectional(ch) in _NEEDS_ISOLATE for ch in text)


def isolate(text: str) -> str:
    """The text in FSI…PDI when it could reorder the English around it; left-to-right text ("score 1.00") as is."""
    return f"{FSI}{text}{PDI}" if text and needs_isolate(text) else text


def local_time(value: datetime, zone: str) -> str:
    return value.astimezone(ZoneInfo(zone)).strftime("%Y-%m-%d %H:%M")


def published_time(value: datetime, offset_minutes: int | None, date_only: bool, zone: str) -> str:
    """The publisher's local time when the page stated its clock ("2026-11-21 14:05 (UTC+03:00)", or a bare
    date), else the instant in the digest's zone as before."""
    if offset_minutes is None and not date_only:
        return local_time(value, zone)
    return publisher_label(value, offset_minutes, date_only)


def published_label(item: DigestItem, zone: str) -> str:
    """"published 2026-11-21 14:05", with "(date uncertain)" when the date is a guess."""
    if item.published_at is None:
        return f"no publication date (first seen {local_time(item.first_seen, zone)})"
    label = f"published {published_time(item.published_at, item.published_offset_minutes, item.published_date_only, zone)}"
    return label + " (date uncertain)" if item.published_uncertain else label


def item_notes(item: DigestItem) -> list[str]:
    notes = []
    if item.status in STATUS_NOTES:
        notes.append(STATUS_NOTES[item.status])
    if item.edited:
        notes.append("edited since first seen")
    if item.taken_down:
        notes.append("taken down")
    return notes


def window_label(data: DigestData) -> str:
    start, end = local_time(data.start, data.timezone), local_time(data.end, data.timezone)
    label = f"{start} – {end} ({data.timezone})"
    return label if data.complete else label + ", so far"


def title_line(data: DigestData) -> str:
    if data.since:
        return f"coverwatch digest since {local_time(data.start, data.timezone)}"
    return f"coverwatch digest {data.day}"


def summary_line(data: DigestData) -> str:
    items = data.items
    outlets = {item.outlet for item in items} | {c.outlet for item in items for c in item.also_in}
    parts = [f"{plural(len(items), 'story', 'stories')} from {plural(len(outlets), 'outlet')}"]
    if data.changes:
        parts.append(plural(len(data.changes), "edit/take-down", "edits/take-downs"))
    if data.wiki_changes:
        parts.append(plural(len(data.wiki_changes), "Wikipedia change"))
    if data.health:
        parts.append(f"{plural(len(data.health), 'source')} with problems")
    return "; ".join(parts)


def subject(data: DigestData) -> str:
    return f"{title_line(data)}: {summary_line(data)}"


def carrier_label(carrier: Carrier) -> str:
    """ "ynet (he)": the outlet, and the language when known, since a story's reports may be in four."""
    name = carrier.outlet_title or carrier.outlet
    return f"{name} ({carrier.language})" if carrier.language else name


def counts(values: Mapping[str, int]) -> str:
    return ", ".join(f"{key}×{value}" for key, value in values.items())


def health_line(row: SourceHealth, zone: str) -> str:
    """Everything about one problem source, in one line (without its name)."""
    parts = [PROBLEM_LABELS.get(row.problem, row.problem)]
    if row.reason:
        parts.append(row.reason)
    parts.append(f"runs: {row.runs}" + (f" ({counts(row.outcomes)})" if row.outcomes else ""))
    if row.failures:
        parts.append(f"failures: {counts(row.failures)}")
    if row.last_new_article_at is not None:
        parts.append(f"last new article {local_time(row.last_new_article_at, zone)}")
    elif row.problem != "disabled":
        parts.append("no article ever")
    return "; ".join(parts)


def score_label(score: float) -> str:
    return f"{score:.2f}"


# Only these schemes may become a link: a stored URL is untrusted input, and "javascript:" stays dangerous
# even when HTML-escaped.
LINK_SCHEMES = ("http://", "https://")
# Control characters, DEL and backslash (which browsers read as a slash) never reach an href.
_UNSAFE_IN_LINK = re.compile(r"[\x00-\x1f\\\x7f]")
_LANG_TAG = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$")


def safe_href(url: str | None) -> str | None:
    """The URL if it is an http(s) link without control characters, else None (render it as text)."""
    if not url:
        return None
    candidate = url.strip()
    if not candidate.lower().startswith(LINK_SCHEMES) or _UNSAFE_IN_LINK.search(candidate):
        return None
    return candidate


def lang_attr(language: str | None) -> str:
    """A BCP-47-looking language tag for a lang="" attribute, or "" for anything else."""
    return language if language and _LANG_TAG.match(language) else ""
