"""Pure decisions of the Scrapyd dispatcher: which node takes a crawl, where a job stands, what its run means.

No HTTP and no database here: answers of the nodes and rows of crawl_runs in, decisions out.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from crawler.schedule.scrapyd.client import ScrapydNode

# Run outcomes (crawl_runs.outcome) that are a crawl's own result, as opposed to a dead process's row.
COMPLETED_OUTCOMES = ("finished", "partial", "blocked", "failed")


def free_slots(node: ScrapydNode, status: Mapping[str, Any]) -> int:
    """max_proc minus what runs and waits there (negative when the node's queue is backed up)."""
    return node.max_proc - int(status.get("running", 0)) - int(status.get("pending", 0))


def placement_order(candidates: list[tuple[ScrapydNode, int]], rotation: int) -> list[ScrapydNode]:
    """Nodes by free slots, most first; ties broken by a rotating start, so idle nodes take turns."""
    count = len(candidates)
    ranked = sorted(range(count), key=lambda i: (-candidates[i][1], (i - rotation) % count if count else 0))
    return [candidates[i][0] for i in ranked]


def job_state(listing: Mapping[str, Any], job: str) -> tuple[str | None, dict[str, Any]]:
    """("pending" | "running" | "finished" | None, the job's entry) in a listjobs.json answer."""
    for state in ("finished", "running", "pending"):
        for entry in listing.get(state, []):
            if entry.get("id") == job:
                return state, entry
    return None, {}


def status_for_outcome(outcome: str) -> str:
    """DispatchResult.status for a crawl_runs outcome, as the local dispatcher reads `coverwatch crawl`'s exit code:
    "failed" (exit 1 or 4) is failed, an unclosed run is an error, every other outcome ran."""
    if outcome == "failed":
        return "failed"
    if outcome == "interrupted":
        return "interrupted"
    if outcome == "running":
        return "error"  # the job ended without closing its run: it died
    return "ok"


@dataclass(frozen=True)
class Attempt:
    """One placement of a crawl on a node, and how it ended.

    state: finished | lost | timeout | interrupted | unplaced
    """

    node: str | None
    job: str | None
    state: str
    detail: str = ""
    pid: int | None = None
    log_url: str | None = None
    forced: bool = False
