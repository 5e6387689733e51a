"""One memory and time budget per document, honoured by every extractor (HTML, PDF, JSON listings).

A download limit bounds the bytes that arrive, not what they become: a 1 MB PDF stream can inflate to a GiB, a
content stream of tiny text objects makes pdfium build ten million of them, a 50,000-deep JSON array overflows
Python's stack. Each extractor charges what it is about to make against one `DocumentBudget` and stops with
`BudgetExceeded` (a stable `reason` plus a one-line detail) before the work, not after it. The fetch pipeline
records that as the failure `extraction_<reason>` and keeps the listing's lead, so nothing passes silently.

Pure stage: no Scrapy, web framework or database.
"""

from __future__ import annotations

import re
import time
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import BinaryIO

# What one document may become in memory. pdfminer keeps every decoded stream of a document; pdfium holds one
# page at a time at ~500 bytes per page object (10M objects took 5.1 GB). 64 MiB in all and 200,000 objects
# per page keep a PDF's extraction well under the 500 MB a crawl process may use, while a 300-page report
# inflates to ~15 MiB and a dense page has a few thousand objects.
MAX_INFLATED_BYTES = 64 * 1024 * 1024
MAX_OBJECTS = 200_000
# JSON and markup deeper than this is an attack or a bug, not a listing; Python's own recursion limit is 1,000.
MAX_DEPTH = 500
# Input accepted from a file or a pipe (`coverwatch extract`): the largest page or PDF a crawl downloads by
# default (crawl.max_page_bytes, crawl.max_pdf_bytes).
MAX_PAGE_INPUT_BYTES = 15_000_000
MAX_PDF_INPUT_BYTES = 40_000_000
# Wall-clock budget for the slow Python passes over one document (pdfminer's layout pass).
SECONDS = 90.0
# A JSON string literal (skipped whole: brackets inside strings do not nest) or one bracket.
_JSON_STRUCTURE = re.compile(r'"(?:[^"\\\\]|\\\\.)*"?|[\[\]{}]')
# Inflation is done in chunks of this size, so a bomb is stopped after at most one chunk past the budget.
INFLATE_CHUNK = 1 << 20


class BudgetExceeded(Exception):
    """A document asked for more than its budget. `reason`: too_large | too_many_objects | too_deep."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


@dataclass
class DocumentBudget:
    """The allowance of one document, and what it has spent so far."""

    max_bytes: int = MAX_INFLATED_BYTES
    max_objects: int = MAX_OBJECTS
    max_depth: int = MAX_DEPTH
    seconds: float = SECONDS
    spent_bytes: int = 0
    started: float = field(default_factory=time.monotonic)

    def charge_bytes(self, count: int, what: str) -> None:
        self.spent_bytes += count
        if self.spent_bytes > self.max_bytes:
            raise BudgetExceeded("too_large", f"{what} inflates to more than {_mib(self.max_bytes)}")

    def check_objects(self, count: int, what: str) -> None:
        """Objects of one part held in memory at once (a PDF page: pdfium loads and frees one page at a time)."""
        if count > self.max_objects:
            raise BudgetExceeded("too_many_objects", f"{what} has more than {self.max_objects:,} objects")

    def check_depth(self, depth: int, what: str) -> None:
        if depth > self.max_depth:
            raise BudgetExceeded("too_deep", f"{what} nests deeper than {self.max_depth} levels")

    def time_left(self) -> float:
        return self.seconds - (time.monotonic() - self.started)


def inflate_chunks(data: bytes, budget: DocumentBudget, what: str, *, wbits: int = zlib.MAX_WBITS) -> Iterator[bytes]:
    """zlib-inflate `data` chunk by chunk, charging each chunk to `budget` first; a corrupt tail ends the stream."""
    inflater = zlib.decompressobj(wbits)
    pending = data
    while pending:
        try:
            chunk = inflater.decompress(pending, INFLATE_CHUNK)
        except zlib.error:
            return
        budget.charge_bytes(len(chunk), what)
        yield chunk
        pending = inflater.unconsumed_tail
        if inflater.eof or not chunk:
            return


def inflate(data: bytes, budget: DocumentBudget, what: str, *, wbits: int = zlib.MAX_WBITS) -> bytes:
    """zlib-inflate `data` within `budget` (BudgetExceeded past it)."""
    return b"".join(inflate_chunks(data, budget, what, wbits=wbits))


def nesting_depth(text: str | bytes, stop_above: int | None = None) -> int:
    """The deepest bracket nesting of a JSON text, outside string literals (iterative: any depth is safe).
    With `stop_above`, returns as soon as the depth passes it (an attack is refused after a few hundred tokens)."""
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    depth = deepest = 0
    for match in _JSON_STRUCTURE.finditer(text):
        token = match.group()
        if token in "[{":
            depth += 1
            if depth > deepest:
                deepest = depth
                if stop_above is not None and deepest > stop_above:
                    return deepest
        elif token in "]}":
            depth -= 1
    return deepest


def check_json_depth(text: str | bytes, budget: DocumentBudget, what: str) -> None:
    """Refuse JSON nested past the budget before a recursive parser sees it."""
    budget.check_depth(nesting_depth(text, stop_above=budget.max_depth), what)


def read_bounded(stream: BinaryIO, limit: int, what: str = "the input") -> bytes:
    """Read at most `limit` bytes; BudgetExceeded when there is more (so /dev/zero and 200 MB files stop early)."""
    data = stream.read(limit + 1)
    if len(data) > limit:
        raise BudgetExceeded("too_large", f"{what} is larger than {_mib(limit)}")
    return data


def _mib(count: int) -> str:
    return f"{count / (1024 * 1024):.0f} MiB" if count >= 1 << 20 else f"{count:,} bytes"
