"""Reading the stable line interfaces' input (`relevance`, `stories`): one JSON value per line.

Pure: blank lines are skipped; a line that does not parse is reported with its number, never raised, so one bad
line costs one error row and the rest of the file is still read.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any


def read_lines(lines: Iterable[str]) -> Iterator[tuple[int, Any, str | None]]:
    """(line number, parsed value, None) per non-blank line, or (line number, None, "line N: why") when it does
    not parse. The caller checks the value's shape: each interface names what it needs."""
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            yield number, json.loads(line), None
        except ValueError as exc:
            yield number, None, f"line {number}: {exc}"
