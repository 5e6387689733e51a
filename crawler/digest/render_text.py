"""The digest as plain text (the text/plain part of the email). Untrusted runs are bidi-isolated (FSI…PDI)."""

from __future__ import annotations

import re

from crawler.digest import format as fmt
from crawler.digest.data import DigestData, DigestItem, Segment

_SPACE = re.compile(r"\s+")
RULE = "=" * 60


def _flat(text: str) -> str:
    return _SPACE.sub(" ", text).strip()


def text_segments(segments: tuple[Segment, ...]) -> str:
    """Highlighted terms between asterisks, the plain-mail convention."""
    return "".join(f"*{s.text.strip()}*" if s.hit and s.text.strip() else s.text for s in segments)


def _item(item: DigestItem, zone: str, compact: bool = False) -> list[str]:
    title = text_segments(item.title_segments) if item.title_segments else item.title
    meta = [item.outlet_title, item.language or "language unknown", fmt.published_label(item, zone),
            f"score {fmt.score_label(item.score)}", *fmt.item_notes(item)]
    lines = [f"* {fmt.isolate(_flat(title))}", f"  {' · '.join(fmt.isolate(_flat(m)) for m in meta)}"]
    href = fmt.safe_href(item.url)
    if href:
        lines.append(f"  {href}")
    if item.snippet and not compact:
        lines.append(f"  {fmt.isolate(_flat(text_segments(item.snippet)))}")
    if item.explanation:
        lines.append(f"  Why: {fmt.isolate(_flat(item.explanation))}")
    if item.also_in:
        lines.append("  Also in " + ", ".join(fmt.isolate(fmt.carrier_label(c)) for c in item.also_in))
    if item.copy_of:
        lines.append(
            f"  Same story as {fmt.isolate(fmt.carrier_label(item.copy_of))}, first seen {fmt.local_time(item.copy_of.first_seen, zone)}"
        )
    return lines + [""]


def render_text(data: DigestData) -> str:
    zone = data.timezone
    out = [fmt.title_line(data), f"{fmt.window_label(data)} · relevance >= {fmt.score_label(data.threshold)}", fmt.summary_line(data), ""]
    if not data.groups:
        out += ["No relevant coverage was first seen in this window.", ""]
    for group in data.groups:
        out += [RULE, f"{fmt.isolate(_flat(group.label))} ({len(group.items)})", RULE, ""]
        for item in group.items:
            out += _item(item, zone)
    out += ["EDITS AND TAKE-DOWNS", ""]
    for change in data.changes:
        kind = "taken down" if change.kind == "takedown" else "edited"
        out.append(f"* {fmt.isolate(_flat(change.title))} ({fmt.isolate(change.outlet_title)}): {kind} {fmt.local_time(change.at, zone)}: {_flat(change.summary)}")
    out += ([] if data.changes else ["No article shown before was edited or taken down."]) + ["", "WIKIPEDIA CHANGES", ""]
    for wiki in data.wiki_changes:
        out.append(f"* {fmt.isolate(_flat(wiki.description))}: {fmt.isolate(_flat(wiki.title))} ({fmt.local_time(wiki.at, zone)})")
    out += ([] if data.wiki_changes else ["No change to the watched Wikipedia articles."]) + [""]
    out += [f"NEAR MISSES (score {fmt.score_label(data.near_miss_floor)}-{fmt.score_label(data.threshold)})", ""]
    for item in data.near_misses:
        out += _item(item, zone, compact=True)
    out += ([] if data.near_misses else ["Nothing scored just below the threshold.", ""]) + ["COVERAGE HEALTH", ""]
    if data.health:
        out.append(f"What this digest could not see: {len(data.health)} sources with problems, {data.sources_ok} fine.")
        out += [f"* {fmt.isolate(row.title)}: {fmt.health_line(row, zone)}" for row in data.health]
    else:
        out.append(f"All {data.sources_ok} sources were crawled without problems.")
    out += ["", f"-- coverwatch · digest {data.day} · {data.content_hash[:12]}", ""]
    return "\n".join(out)
