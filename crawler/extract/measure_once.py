"""trafilatura's whole-page text, measured once for the two reads of one page (fast, then full).

trafilatura escalates a short extraction when it covers little of the page, and measures the page with
`html2txt(tree)`: a cleaning pass whose XPath runs a regular expression over every element's class and id,
3-5 ms on a large page. When the fast read is short (crawler.extract.body), the full read measures the same
tree again: both reads prune the same copy of the page the same way before measuring it. Inside
`one_page_measure()` the first measure is kept and the second read reuses it.

trafilatura calls `html2txt` through its `core` module's name for it, so that name is wrapped once at import;
outside `one_page_measure()` (or in another thread or task) the wrapper is the plain call.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from trafilatura import core as _trafilatura_core

_MEASURE = _trafilatura_core.html2txt
_kept: ContextVar[dict[bool, str] | None] = ContextVar("measure_once_kept", default=None)


def _measured_once(content: Any, clean: bool = True) -> str:
    kept = _kept.get()
    if kept is None:
        return _MEASURE(content, clean)
    if clean not in kept:
        kept[clean] = _MEASURE(content, clean)
    return kept[clean]


@contextmanager
def one_page_measure() -> Iterator[None]:
    """Reads of one page in this block share trafilatura's page measure. Only for reads of the same tree."""
    token = _kept.set({})
    try:
        yield
    finally:
        _kept.reset(token)


_trafilatura_core.html2txt = _measured_once
