"""What a revision changed, pure: paragraph/sentence/section deltas, stored summaries and their digest wording."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from typing import Any

from crawler.dedup.versions import diff_versions
from crawler.textnorm import normalize_for_match
from crawler.wording import plural
from crawler.discover.wikipedia.api import MAX_LISTED, Revision
from crawler.discover.wikipedia.wikitext import Block, plain_text, wikitext_blocks



def _multiset_delta(old: list[str], new: list[str]) -> tuple[list[str], list[str]]:
    """(added, removed) items, counted as multisets, each in its own list's order."""
    added_left, removed_left = Counter(new) - Counter(old), Counter(old) - Counter(new)
    added: list[str] = []
    for item in new:
        if added_left[item] > 0:
            added.append(item)
            added_left[item] -= 1
    removed: list[str] = []
    for item in old:
        if removed_left[item] > 0:
            removed.append(item)
            removed_left[item] -= 1
    return added, removed


def paragraph_changes(old: Sequence[str], new: Sequence[str]) -> tuple[int, int, int]:
    """(added, removed, changed) paragraphs, in order: an edited paragraph is "changed", not one removed + one added."""
    matcher = SequenceMatcher(None, [normalize_for_match(p) for p in old], [normalize_for_match(p) for p in new], autojunk=False)
    added = removed = changed = 0
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "insert":
            added += j2 - j1
        elif tag == "delete":
            removed += i2 - i1
        elif tag == "replace":
            paired = min(i2 - i1, j2 - j1)
            changed += paired
            added += (j2 - j1) - paired
            removed += (i2 - i1) - paired
    return added, removed, changed


def change_summary(
    old: list[Block] | None, new: list[Block], *, old_size: int | None, new_size: int | None, created: bool = False
) -> dict[str, Any]:
    """What one revision changed against the previous one, as stored in ArticleVersion.change_summary.

    Paragraph and sentence counts ignore headings (a new section's title is listed in sections_added instead); a
    paragraph edited in place counts as changed, and its new or dropped sentences are listed.
    size_delta is in bytes of wikitext, as Wikipedia's history shows it; text_size_delta in characters of text.
    `old` None without `created`: the previous revision is unknown (the start of the fetched history).
    """
    new_body = "\n".join(block.text for block in new if not block.heading)
    new_headings = [block.text for block in new if block.heading]
    if old is None and not created:
        return {
            "summary": "earliest revision fetched; earlier history not compared",
            "baseline": True,
            "paragraphs_added": 0,
            "paragraphs_removed": 0,
            "sentences_added": [],
            "sentences_removed": [],
            "sections_added": [],
            "sections_removed": [],
            "size_delta": None,
            "text_size_delta": None,
        }
    old_blocks = old or []
    old_body = "\n".join(block.text for block in old_blocks if not block.heading)
    diff = diff_versions(None, old_body, None, new_body)
    added, removed, changed = paragraph_changes(
        [block.text for block in old_blocks if not block.heading], [block.text for block in new if not block.heading]
    )
    sections_added, sections_removed = _multiset_delta([b.text for b in old_blocks if b.heading], new_headings)
    size_delta = (new_size - (old_size or 0)) if new_size is not None and (old_size is not None or created) else None
    summary: dict[str, Any] = {
        "paragraphs_added": added,
        "paragraphs_removed": removed,
        "paragraphs_changed": changed,
        "sentences_added": list(diff.sentences_added)[:MAX_LISTED],
        "sentences_removed": list(diff.sentences_removed)[:MAX_LISTED],
        "sentences_added_count": len(diff.sentences_added),
        "sentences_removed_count": len(diff.sentences_removed),
        "sections_added": sections_added,
        "sections_removed": sections_removed,
        "size_delta": size_delta,
        "text_size_delta": diff.size_delta,
    }
    if created:
        summary["created"] = True
    summary["summary"] = _summary_line(summary)
    return summary


def hidden_summary(*, old_size: int | None, new_size: int | None) -> dict[str, Any]:
    """A revision whose text is suppressed (revision deletion): only its size says anything."""
    delta = new_size - old_size if new_size is not None and old_size is not None else None
    return {
        "summary": "revision text hidden",
        "content_hidden": True,
        "paragraphs_added": 0,
        "paragraphs_removed": 0,
        "sentences_added": [],
        "sentences_removed": [],
        "sections_added": [],
        "sections_removed": [],
        "size_delta": delta,
        "text_size_delta": None,
    }


def _count(summary: Mapping[str, Any], key: str) -> int:
    """A count stored as a number, or as the length of a stored list."""
    value = summary.get(f"{key}_count", summary.get(key, 0))
    if isinstance(value, (list, tuple)):
        return len(value)
    return int(value or 0)


def _change_parts(summary: Mapping[str, Any]) -> list[str]:
    """The words of a change: "+2 paragraphs", "-1 sentence", "new section 'History'" ... (no size)."""
    if summary.get("created"):
        return [f"page created ({plural(_count(summary, 'paragraphs_added'), 'paragraph')})"]
    if summary.get("content_hidden"):
        return ["revision text hidden"]
    if summary.get("baseline"):
        return ["earliest revision on record"]
    parts: list[str] = []
    added, removed = _count(summary, "paragraphs_added"), _count(summary, "paragraphs_removed")
    if not (added or removed):
        # No whole paragraph came or went: say which sentences did.
        added, removed = _count(summary, "sentences_added"), _count(summary, "sentences_removed")
        noun = "sentence"
    else:
        noun = "paragraph"
    if added:
        parts.append(f"+{plural(added, noun)}")
    if removed:
        parts.append(f"-{plural(removed, noun)}")
    parts += [f"new section '{title}'" for title in summary.get("sections_added") or ()]
    parts += [f"section '{title}' removed" for title in summary.get("sections_removed") or ()]
    return parts


def _summary_line(summary: Mapping[str, Any]) -> str:
    """E.g. "+2 paragraphs; new section 'History'; +1,234 bytes"."""
    parts = _change_parts(summary) or ["no change to the text"]
    if isinstance(summary.get("size_delta"), int):
        parts.append(f"{summary['size_delta']:+,} bytes")
    return "; ".join(parts)


@dataclass(frozen=True)
class RevisionVersion:
    """A fetched revision made ready to store: its plain text and what it changed."""

    revision: Revision
    text: str | None  # None when the revision's text is hidden
    change_summary: dict[str, Any] = field(default_factory=dict)


def revision_versions(base: Revision | None, revisions: Sequence[Revision]) -> list[RevisionVersion]:
    """Plain text and change summary of each revision (oldest first), each compared with the one before it.

    `base` is the last revision already stored (the diff base of the first new one), or None at first sight,
    where the oldest fetched revision is compared with nothing: a creation (parentid 0) or a baseline.
    """
    versions: list[RevisionVersion] = []
    previous_blocks = wikitext_blocks(base.content) if base is not None and base.content is not None else None
    previous_size = base.size if base is not None else None
    for revision in revisions:
        if revision.content is None:
            versions.append(RevisionVersion(revision, None, hidden_summary(old_size=previous_size, new_size=revision.size)))
            previous_size = revision.size if revision.size is not None else previous_size
            continue
        blocks = wikitext_blocks(revision.content)
        created = previous_blocks is None and revision.parentid == 0
        summary = change_summary(previous_blocks, blocks, old_size=previous_size, new_size=revision.size, created=created)
        versions.append(RevisionVersion(revision, plain_text(blocks), summary))
        previous_blocks, previous_size = blocks, revision.size
    return versions


def oldest_first(revisions: Iterable[Revision]) -> list[Revision]:
    return sorted(revisions, key=lambda revision: revision.revid)


def describe_change(lang: str, change_summary: Mapping[str, Any], user: str | None) -> str:
    """One digest line for a stored revision, e.g. "ar: +2 paragraphs, edited by Example"."""
    parts = _change_parts(change_summary)
    if not parts:
        delta = change_summary.get("size_delta")
        parts = [f"minor edit ({delta:+,} bytes)" if isinstance(delta, int) else "minor edit"]
    if change_summary.get("created"):
        who = f"created by {user}" if user else "creator hidden"
    else:
        who = f"edited by {user}" if user else "editor hidden"
    return f"{lang}: {', '.join(parts)}, {who}"
