"""A structured body that holds the article twice, kept once (issue 15, item 3a).

Some CMSs build JSON-LD `articleBody` by concatenating the body with itself, or with another rendering of it
(the plain text, then the HTML with its paragraph breaks), or emit every paragraph twice. Taken as evidence,
such a body looks like "the article, and much longer than what trafilatura read", and would replace a good
text with a doubled one. The detection is generic, never per site: the signal is the text itself.

- paragraphs: a block of paragraphs followed at once by the same block ("A B C A B C", "A A B B");
- characters: the whitespace-folded text is "X X" plus at most a short remainder, whatever the line breaks
  of each copy (a flat copy next to a paragraphed one). The copy with more paragraph breaks is kept.

Pure: `without_repetition(text) -> text`. Cheap on a text without repetition: one pass over its paragraphs
and one substring search.
"""

from __future__ import annotations

# A repeated block shorter than this may be meant ("Yes. Yes.", a refrain, two equal table cells): left alone,
# unless it is the whole text twice.
MIN_REPEATED_CHARS = 80
# In the character-level check, what may follow the second copy (a credit line, "Reporting by ...") as a share
# of one copy: more than this and the text is not "the article twice".
MAX_REMAINDER_SHARE = 0.2
# The first characters of the text that are searched for again to find where a second copy starts.
PROBE_CHARS = 40


def without_repetition(text: str) -> str:
    """The text with an article (or its paragraphs) written twice in a row kept once."""
    paragraphs = text.split("\n")
    if len(paragraphs) >= 2:
        once = _without_repeated_blocks(paragraphs)
        if len(once) < len(paragraphs):
            return "\n".join(once)
    return _without_doubled_characters(text)


def _without_repeated_blocks(paragraphs: list[str]) -> list[str]:
    """Drop every block of paragraphs that repeats the block right before it.

    Every paragraph doubled in place ("A A B B C C") counts whatever the paragraphs' length: no writer does
    that. A single repeated block must be long enough (see MIN_REPEATED_CHARS).
    """
    count = len(paragraphs)
    half = count // 2
    if count % 2 == 0 and paragraphs[:half] == paragraphs[half:]:
        return paragraphs[:half]  # the whole text twice: no length limit, nothing else could explain it
    if count >= 4 and count % 2 == 0 and all(paragraphs[i] == paragraphs[i + 1] for i in range(0, count, 2)):
        return paragraphs[::2]
    positions: dict[str, list[int]] = {}
    for index, paragraph in enumerate(paragraphs):
        positions.setdefault(paragraph, []).append(index)
    if len(positions) == count:
        return paragraphs  # no paragraph occurs twice: nothing can repeat (the common case, one pass)
    kept: list[str] = []
    index = 0
    while index < count:
        size = _repeated_block_at(paragraphs, index, positions[paragraphs[index]])
        if size:
            kept.extend(paragraphs[index : index + size])
            index += 2 * size
            continue
        kept.append(paragraphs[index])
        index += 1
    return kept


def _repeated_block_at(paragraphs: list[str], start: int, same: list[int]) -> int:
    """The size of the block starting at `start` that the next paragraphs repeat (0: none, or too short).

    `same`: the indexes of the paragraphs equal to the one at `start`, where a second copy could begin. The
    smallest block wins: "A A A A" is "A" repeated, and the loop in the caller handles the rest.
    """
    for end in same:
        size = end - start
        if size <= 0:
            continue
        if end + size > len(paragraphs):
            return 0
        if paragraphs[end : end + size] == paragraphs[start:end] and sum(map(len, paragraphs[start:end])) >= MIN_REPEATED_CHARS:
            return size
    return 0


def _without_doubled_characters(text: str) -> str:
    """'X X' (any whitespace inside and between the copies, a short remainder after) -> 'X' and the remainder."""
    folded = " ".join(text.split())
    probe = folded[: min(PROBE_CHARS, len(folded) // 2)]
    if not probe:
        return text
    # A second copy followed by at most the allowed remainder cannot start before this.
    earliest = max(1, int(len(folded) / (2 + MAX_REMAINDER_SHARE)) - 1)
    start = folded.find(probe, earliest)
    while start != -1:
        copy = folded[:start].rstrip()
        end = start + len(copy)
        if end > len(folded):
            break  # no room left for a second copy, and later starts leave less
        whole_words = end == len(folded) or folded[end] == " "  # "X Xyz" is not X twice
        remainder = len(folded) - end
        if (
            (len(copy) >= MIN_REPEATED_CHARS or remainder == 0)  # the whole text twice needs no length limit
            and remainder <= MAX_REMAINDER_SHARE * len(copy)
            and whole_words
            and folded.startswith(copy, start)
        ):
            return _keep_one_copy(text, copy)
        start = folded.find(probe, start + 1)
    return text


def _keep_one_copy(text: str, copy: str) -> str:
    """Cut the original text (its line breaks intact) into the two copies and the remainder; keep the copy
    with more paragraph breaks, then the remainder."""
    solid = sum(1 for char in copy if not char.isspace())
    first_end = _index_after_solid(text, solid, 0)
    second_end = _index_after_solid(text, solid, first_end)
    first, second, rest = text[:first_end].strip(), text[first_end:second_end].strip(), text[second_end:]
    kept = second if second.count("\n") > first.count("\n") else first
    return (kept + rest).strip()  # the remainder starts with the whitespace that parted it from the copy


def _index_after_solid(text: str, solid: int, start: int) -> int:
    """The index in `text` just after `solid` more non-whitespace characters from `start`."""
    seen = 0
    for index in range(start, len(text)):
        if not text[index].isspace():
            seen += 1
            if seen == solid:
                return index + 1
    return len(text)
