"""Snippets and highlights from stored relevance matches. Pure functions: strings and offsets in, segments out."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from crawler.digest.data import Segment
from crawler.textnorm import is_rtl

# About two sentences: enough context to judge a hit, short enough for a phone screen.
SNIPPET_CHARS = 280
# The first hit sits this far into the snippet, so the reader sees what leads up to it.
LEAD_IN_FRACTION = 3
ELLIPSIS = "…"
# Languages written right to left (ISO 639-1, plus the legacy "iw" some CMSs still declare for Hebrew).
RTL_LANGUAGES = frozenset({"he", "iw", "ar", "fa", "ur", "yi", "ps", "ckb", "dv", "sd", "ug"})
# Matches are looked for in these fields, in this order of preference for the snippet.
SNIPPET_FIELDS = ("text", "lead")
_SPACE = re.compile(r"\s+")

Span = tuple[int, int]


def direction(language: str | None, text: str = "") -> str:
    """"rtl" or "ltr" for an item: from its declared language, else from its letters."""
    if language:
        return "rtl" if language.split("-")[0].lower() in RTL_LANGUAGES else "ltr"
    return "rtl" if text and is_rtl(text) else "ltr"


def valid_spans(fields: Mapping[str, str], matches: Iterable[Mapping[str, Any]]) -> dict[str, list[Span]]:
    """Field name -> sorted (start, end) spans that really point at the matched surface in that field.

    Offsets are trusted only when they land on the stored surface; otherwise the surface is looked up again
    (the text may have been re-extracted since scoring), and a match that cannot be placed is dropped.
    """
    spans: dict[str, set[Span]] = {}
    for match in matches:
        name = str(match.get("field") or "")
        text = fields.get(name) or ""
        surface = str(match.get("surface") or "")
        start, end = match.get("start"), match.get("end")
        span: Span | None = None
        in_range = isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= len(text)
        if in_range and (not surface or text[start:end] == surface):
            span = (start, end)
        if span is None and surface:
            found = text.find(surface)
            if found >= 0:
                span = (found, found + len(surface))
        if span is not None:
            spans.setdefault(name, set()).add(span)
    return {name: sorted(values) for name, values in spans.items()}


def merge_spans(spans: Iterable[Span]) -> list[Span]:
    merged: list[list[int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [(start, end) for start, end in merged]


def highlight(text: str, spans: Iterable[Span]) -> tuple[Segment, ...]:
    """Split `text` into plain and highlighted segments (overlapping spans merged)."""
    segments: list[Segment] = []
    cursor = 0
    for start, end in merge_spans((max(0, s), min(len(text), e)) for s, e in spans):
        if end <= start or start < cursor:
            continue
        if start > cursor:
            segments.append(Segment(text[cursor:start]))
        segments.append(Segment(text[start:end], True))
        cursor = end
    if cursor < len(text):
        segments.append(Segment(text[cursor:]))
    return tuple(segments)


def _fold(segments: Sequence[Segment]) -> list[Segment]:
    """Whitespace folded across segment boundaries, ends trimmed, empty segments dropped."""
    folded: list[Segment] = []
    for segment in segments:
        text = _SPACE.sub(" ", segment.text)
        if folded and folded[-1].text.endswith(" ") and text.startswith(" "):
            text = text[1:]
        if text:
            folded.append(Segment(text, segment.hit))
    if folded:
        folded[0] = Segment(folded[0].text.lstrip(), folded[0].hit)
        folded[-1] = Segment(folded[-1].text.rstrip(), folded[-1].hit)
    return [segment for segment in folded if segment.text]


def _plain_excerpt(text: str, width: int) -> tuple[Segment, ...]:
    text = _SPACE.sub(" ", text).strip()
    if len(text) <= width:
        return (Segment(text),) if text else ()
    cut = text.rfind(" ", 0, width)
    return (Segment(text[: cut if cut > width // 2 else width].rstrip() + " " + ELLIPSIS),)


def _densest_anchor(spans: Sequence[Span], reach: int) -> int:
    """Start of the span that begins the stretch (of `reach` chars) holding the most spans; earliest on ties."""
    best, best_count = spans[0][0], 0
    for start, _ in spans:
        count = sum(1 for s, e in spans if start <= s and e <= start + reach)
        if count > best_count:
            best, best_count = start, count
    return best


def snippet(fields: Mapping[str, str], matches: Iterable[Mapping[str, Any]], width: int = SNIPPET_CHARS) -> tuple[Segment, ...]:
    """A window of about `width` characters around the densest run of matched terms, terms highlighted.

    Taken from the text (else the lead); without a match there, the opening of the lead or text, unhighlighted.
    """
    spans = valid_spans(fields, matches)
    name = next((candidate for candidate in SNIPPET_FIELDS if spans.get(candidate)), None)
    if name is None:
        return _plain_excerpt(fields.get("lead") or fields.get("text") or "", width)
    text = fields[name]
    anchor = _densest_anchor(spans[name], width - width // LEAD_IN_FRACTION)
    low = max(0, anchor - width // LEAD_IN_FRACTION)
    high = min(len(text), low + width)
    low = max(0, min(low, high - width))
    if low > 0:
        space = text.find(" ", low, anchor)
        low = space + 1 if space >= 0 else low
    if high < len(text):
        space = text.rfind(" ", anchor, high)
        high = space if space > anchor else high
    inside = [(max(s, low) - low, min(e, high) - low) for s, e in spans[name] if s < high and e > low]
    segments = _fold(highlight(text[low:high], inside))
    if low > 0:
        segments.insert(0, Segment(ELLIPSIS + " "))
    if high < len(text):
        segments.append(Segment(" " + ELLIPSIS))
    return tuple(segments)


def title_segments(title: str, matches: Iterable[Mapping[str, Any]]) -> tuple[Segment, ...]:
    """The title with its matched terms highlighted."""
    spans = valid_spans({"title": title}, matches).get("title", [])
    return tuple(_fold(highlight(title, spans))) if title else ()


def matched_terms(matches: Iterable[Mapping[str, Any]], limit: int = 12) -> tuple[str, ...]:
    """Distinct matched surfaces in the order they were found."""
    seen: dict[str, None] = {}
    for match in matches:
        surface = _SPACE.sub(" ", str(match.get("surface") or match.get("term") or "")).strip()
        if surface and surface.casefold() not in {key.casefold() for key in seen}:
            seen[surface] = None
    return tuple(seen)[:limit]
