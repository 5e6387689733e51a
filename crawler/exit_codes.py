"""The process exit codes coverwatch's commands keep to, so cron, systemd and scripts can tell outcomes apart.

`crawl` and `run`: 0 every source ran; 1 some sources failed (or were refused); 4 every source failed;
2 nothing could run (a configuration or storage error, or no enabled outlet). The scheduler adds 3: it waited for
the database at start and gave up, which a restart may fix (a configuration error, 2, a restart cannot).
"""

from __future__ import annotations

from collections.abc import Iterable

OK = 0
SOME_SOURCES_FAILED = 1
NOTHING_RAN = 2
STORAGE_UNAVAILABLE = 3
ALL_SOURCES_FAILED = 4

# Run outcomes that mean the source yielded nothing usable this time: it failed, or the outlet refused us.
FAILED_OUTCOMES = frozenset({"failed", "blocked"})


def crawl_exit_code(outcomes: Iterable[str]) -> int:
    """The exit code for a crawl whose sources ended with these run outcomes."""
    outcomes = list(outcomes)
    if not outcomes:
        return NOTHING_RAN
    failed = sum(1 for outcome in outcomes if outcome in FAILED_OUTCOMES)
    if failed == len(outcomes):
        return ALL_SOURCES_FAILED
    return SOME_SOURCES_FAILED if failed else OK
