"""The digest as Markdown. Untrusted text is escaped (Markdown syntax and raw HTML) and bidi-isolated."""

from __future__ import annotations

import re

from crawler.digest import format as fmt
from crawler.digest.data import DigestData, DigestItem, Segment

# The characters CommonMark (and GFM's ~strikethrough~) reads as syntax or raw HTML inside inline text:
# backslash-escaped. "(", "#", "-" and the like are syntax only after "]" or at a line start, so "ynet (Hebrew)"
# stays as written; the start of each text is escaped apart (_BLOCK_START), since a snippet may begin a line.
_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>~]|&(?=#?\w+;)|!(?=\[))")
# What opens a block at a line start: heading, list item, setext underline, table row, ordered list number.
_BLOCK_START = re.compile(r"^(\s*)([#+=|-]|\d+[.)])")
_NEWLINES = re.compile(r"\s*\n\s*")


def md_escape(text: str) -> str:
    escaped = _MD_SPECIAL.sub(r"\\\1", _NEWLINES.sub(" ", text))
    return _BLOCK_START.sub(lambda m: f"{m.group(1)}{m.group(2)[:-1]}\\{m.group(2)[-1]}" if m.group(2)[0].isdigit() else f"{m.group(1)}\\{m.group(2)}", escaped)


def md_url(url: str) -> str:
    """A link target that cannot end the link early or break out of it."""
    return "".join(f"%{ord(ch):02X}" if ch in "()<> \"'" else ch for ch in url)


def md_segments(segments: tuple[Segment, ...]) -> str:
    return "".join(f"**{md_escape(s.text.strip())}**" if s.hit and s.text.strip() else md_escape(s.text) for s in segments)


def md_link(text: str, url: str | None) -> str:
    href = fmt.safe_href(url)
    return f"[{text}]({md_url(href)})" if href else text


def _item(item: DigestItem, zone: str, compact: bool = False) -> list[str]:
    title = fmt.isolate(md_segments(item.title_segments) if item.title_segments else md_escape(item.title))
    meta = [md_escape(item.outlet_title), item.language or "language unknown", fmt.published_label(item, zone),
            f"score {fmt.score_label(item.score)}", *fmt.item_notes(item)]
    lines = [f"- **{md_link(title, item.url)}**  ", f"  {' · '.join(meta)}  "]
    if item.snippet and not compact:
        lines.append(f"  {fmt.isolate(md_segments(item.snippet))}  ")
    if item.explanation:
        lines.append(f"  _Why:_ {fmt.isolate(md_escape(item.explanation))}  ")
    if item.also_in:
        carriers = ", ".join(md_link(fmt.isolate(md_escape(fmt.carrier_label(c))), c.url) for c in item.also_in)
        lines.append(f"  Also in {carriers}  ")
    if item.copy_of:
        original = md_link(fmt.isolate(md_escape(fmt.carrier_label(item.copy_of))), item.copy_of.url)
        lines.append(f"  Same story as {original}, first seen {fmt.local_time(item.copy_of.first_seen, zone)}  ")
    lines[-1] = lines[-1].rstrip()
    return lines


def render_markdown(data: DigestData) -> str:
    zone = data.timezone
    out = [f"# {fmt.title_line(data)}", "", f"{fmt.window_label(data)} · relevance ≥ {fmt.score_label(data.threshold)}", "",
           fmt.summary_line(data), ""]
    if not data.groups:
        out += ["No relevant coverage was first seen in this window.", ""]
    for group in data.groups:
        out += [f"## {fmt.isolate(md_escape(group.label))} ({len(group.items)})", ""]
        for item in group.items:
            out += _item(item, zone)
        out.append("")
    out += ["## Edits and take-downs", ""]
    for change in data.changes:
        kind = "taken down" if change.kind == "takedown" else "edited"
        title = md_link(fmt.isolate(md_escape(change.title)), change.url)
        out.append(f"- {title} ({md_escape(change.outlet_title)}): **{kind}** {fmt.local_time(change.at, zone)}: {md_escape(change.summary)}")
    if not data.changes:
        out.append("No article shown before was edited or taken down.")
    out += ["", "## Wikipedia changes", ""]
    for wiki in data.wiki_changes:
        title = md_link(fmt.isolate(md_escape(wiki.title)), wiki.url)
        out.append(f"- {fmt.isolate(md_escape(wiki.description))}: {title} ({fmt.local_time(wiki.at, zone)})")
    if not data.wiki_changes:
        out.append("No change to the watched Wikipedia articles.")
    out += ["", f"## Near misses (score {fmt.score_label(data.near_miss_floor)}–{fmt.score_label(data.threshold)})", ""]
    for item in data.near_misses:
        out += _item(item, zone, compact=True)
    if not data.near_misses:
        out.append("Nothing scored just below the threshold.")
    out += ["", "## Coverage health", ""]
    if data.health:
        out.append(f"What this digest could not see: {len(data.health)} sources with problems, {data.sources_ok} fine.")
        out.append("")
        for row in data.health:
            out.append(f"- **{fmt.isolate(md_escape(row.title))}**: {md_escape(fmt.health_line(row, zone))}")
    else:
        out.append(f"All {data.sources_ok} sources were crawled without problems.")
    out += ["", f"_coverwatch · digest {data.day} · {data.content_hash[:12]}_", ""]
    return "\n".join(out)
