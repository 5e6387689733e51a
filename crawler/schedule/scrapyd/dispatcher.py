"""Crawls on a pool of Scrapyd nodes: the Dispatcher of crawler.schedule.protocol, with `schedule.dispatch = "scrapyd"`.

One crawl = one Scrapyd job of the project deployed by crawler.schedule.scrapyd.deploy (spider = outlet name). The node
is chosen by free capacity (daemonstatus.json: max_proc minus running minus pending), the job is followed to
its end (listjobs.json), cancelled on timeout (cancel.json: TERM, then KILL after the grace period), and its
result read from the shared database (the crawl_runs row tagged with the job id: crawler.schedule.scrapyd.runs).

Failure handling, all with the per-source lease in the database as the guard against double runs:
- a node that does not answer at dispatch time is skipped, and the next node by free capacity is used;
- a job whose node stops answering for `lost_after_s`, or that vanishes from a node that answers again
  (Scrapyd restarted), is *lost*: recorded as a `crawl_lost` failure, and rerun on another node once its
  lease is gone (released by its end, freed as a dead local holder, or lapsed after the lease TTL, which the
  crawl renews while alive: crawler.schedule.scrapyd.project.lease). If the lost job's run closes by itself meanwhile
  (a partitioned node that finished its crawl), that result stands and nothing is rerun;
- a rerun that finds the source locked by someone else stops there: the other process is crawling it.

The HTTP client and node specs are crawler.schedule.scrapyd.client; the pure decisions crawler.schedule.scrapyd.jobs.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, replace

from sqlalchemy.orm import Session, sessionmaker

from crawler.config import ConfigError, Settings
from crawler.schedule.protocol import DispatchResult, grace_seconds, utcnow
from crawler.schedule.scrapyd import runs
from crawler.schedule.scrapyd.client import HTTP_TIMEOUT_S, PROJECT, NodeUnreachable, ScrapydClient, ScrapydError, ScrapydNode, parse_node
from crawler.schedule.scrapyd.deploy import build_egg, default_version
from crawler.schedule.scrapyd.jobs import Attempt, free_slots, job_state, placement_order, status_for_outcome
from storage import repo
from storage.models import CrawlRun

log = logging.getLogger(__name__)

# listjobs.json every this often per running crawl: cheap (in-memory lists on the node), and a job's end is
# seen within this delay.
POLL_S = 2.0
# A node silent for this long has lost its job. Longer than a node's garbage-collection pause or a
# reconnecting switch; short against a crawl's minutes.
LOST_AFTER_S = 20.0
# A node that failed is skipped by later placements for this long (unless every node is down).
NODE_RETRY_S = 30.0
# First run plus reruns after lost jobs: a source that loses three nodes in a row waits for its next turn.
MAX_ATTEMPTS = 3


@dataclass
class _Tracked:
    source: str
    node: ScrapydNode
    job: str
    pid: int | None = None


class ScrapydDispatcher:
    """crawler.schedule.protocol.Dispatcher over Scrapyd nodes. crawl() blocks until the crawl is over, like the local one."""

    def __init__(
        self,
        settings: Settings,
        timeout_s: float,
        *,
        nodes: list[str] | None = None,
        sessions: sessionmaker[Session] | None = None,
        project: str = PROJECT,
        poll_s: float = POLL_S,
        lost_after_s: float = LOST_AFTER_S,
        grace_s: float | None = None,
        http_timeout_s: float = HTTP_TIMEOUT_S,
        max_attempts: int = MAX_ATTEMPTS,
        job_settings: Mapping[str, str] | None = None,
    ) -> None:
        specs = settings.schedule.scrapyd_nodes if nodes is None else nodes
        if not specs:
            raise ConfigError('schedule.scrapyd_nodes: dispatch = "scrapyd" needs at least one node URL')
        self.nodes = [parse_node(spec) for spec in specs]
        self.settings = settings
        self.timeout_s = timeout_s
        self.project = project
        self.poll_s = poll_s
        self.lost_after_s = lost_after_s
        self.grace_s = grace_seconds(settings) if grace_s is None else grace_s
        self.http_timeout_s = http_timeout_s
        self.max_attempts = max_attempts
        self.job_settings = dict(job_settings or {})
        self._sessions = sessions
        self._open_lock = threading.Lock()
        self.attempts: dict[str, list[Attempt]] = {}  # source -> attempts of its latest dispatch (for status, tests)
        self._lock = threading.Lock()
        self._place_lock = threading.Lock()
        self._rotation = 0
        self._down_until: dict[str, float] = {}
        self._tracked: dict[str, _Tracked] = {}  # job id -> in-flight job
        self._tombstones: dict[str, set[str]] = {}  # node url -> lost job ids to cancel once it answers again
        self._stopping = threading.Event()

    @property
    def sessions(self) -> sessionmaker[Session]:
        """The shared database, opened (and migrated) at first use: the daemon waits for it at boot first."""
        with self._open_lock:
            if self._sessions is None:
                from crawler.fetch.runner import open_store

                _, self._sessions = open_store(self.settings)
        return self._sessions

    # --- Dispatcher protocol -------------------------------------------------------------------------------

    def crawl(self, source: str) -> DispatchResult:
        started = utcnow()
        attempts: list[Attempt] = []
        excluded: set[str] = set()
        floor = self._last_run_id()
        status, pid = "lost", None
        for number in range(1, self.max_attempts + 1):
            if self._stopping.is_set():
                status = "interrupted"
                break
            deadline = time.monotonic() + self.timeout_s
            placed = self._place(source, excluded)
            if isinstance(placed, str):
                attempts.append(Attempt(None, None, "unplaced", placed))
                self._record_failure(source, "dispatch_failed", placed)
                status = "error"
                break
            node, job = placed
            attempt = self._follow(source, node, job, deadline)
            attempts.append(attempt)
            pid = attempt.pid
            if attempt.state in ("timeout", "interrupted"):
                status = attempt.state
                break
            if attempt.state == "finished":
                status = self._result(source, job, floor)
                if status == "locked" and number > 1 and attempts[-2].state == "lost":
                    # Our own lost job may still hold the lease (its node's clock, a late renewal): wait it out once.
                    if self._await_lease(source, None, floor, deadline) == "free":
                        continue
                break
            # Lost: never rerun while the lost job may still be crawling (its lease is the proof).
            lost_run = self._run_for_job(source, job, floor)
            self._record_failure(
                source, "crawl_lost", f"Scrapyd job {job} on {node.name}: {attempt.detail}",
                run_id=lost_run.id if lost_run else None,
            )
            with self._lock:
                self._tombstones.setdefault(node.url, set()).add(job)
            if len(self.nodes) > 1:
                excluded.add(node.url)
            waited = self._await_lease(source, job, floor, deadline)
            if waited == "timeout":
                status = "interrupted" if self._stopping.is_set() else "timeout"
                break
            if waited == "completed":
                # The "lost" job finished its crawl after all (its node was only cut off from us).
                run = self._run_for_job(source, job, floor)
                status = status_for_outcome(run.outcome) if run else "error"
                break
        self.attempts[source] = attempts
        summary = "; ".join(
            f"{a.node or '-'} job {a.job or '-'}: {a.state}" + (f" ({a.detail})" if a.detail else "") for a in attempts
        )
        forced = any(a.forced for a in attempts)
        log.info("crawl %s via Scrapyd: %s [%s]", source, status, summary)
        return DispatchResult(f"crawl:{source}", status, None, pid, started, utcnow(), forced=forced, output_tail=summary[-4000:])

    def running(self) -> dict[str, int]:
        with self._lock:
            return {tracked.source: tracked.pid or 0 for tracked in self._tracked.values()}

    def terminate_all(self) -> list[str]:
        """Stop placing crawls; TERM every job we follow; KILL those still running after the grace period."""
        self._stopping.set()
        jobs = self._snapshot()
        for tracked in jobs:
            self._cancel(tracked, "TERM")
        deadline = time.monotonic() + self.grace_s
        while time.monotonic() < deadline and self._snapshot():
            time.sleep(min(self.poll_s, 0.5))
        killed = []
        for tracked in self._snapshot():
            self._cancel(tracked, "KILL")
            killed.append(f"crawl:{tracked.source}")
        return killed

    def kill_all(self) -> None:
        self._stopping.set()
        for tracked in self._snapshot():
            self._cancel(tracked, "KILL")

    # --- placement -----------------------------------------------------------------------------------------

    def _client(self, node: ScrapydNode) -> ScrapydClient:
        return ScrapydClient(node, self.http_timeout_s)

    def _place(self, source: str, excluded: set[str]) -> tuple[ScrapydNode, str] | str:
        """Schedule the crawl on the node with the most free slots that answers; the reason if none does."""
        pool = [node for node in self.nodes if node.url not in excluded] or list(self.nodes)
        now = time.monotonic()
        with self._place_lock:  # placements in turn, so each sees the previous one in daemonstatus' pending
            fresh = [node for node in pool if self._down_until.get(node.url, 0.0) <= now] or pool
            problems: list[str] = []
            candidates: list[tuple[ScrapydNode, int]] = []
            for node in fresh:
                try:
                    candidates.append((node, free_slots(node, self._client(node).daemonstatus())))
                    self._node_up(node)
                except NodeUnreachable as error:
                    self._node_down(node)
                    problems.append(str(error))
                except ScrapydError as error:
                    problems.append(str(error))
            order = placement_order(candidates, self._rotation)
            self._rotation += 1
            for node in order:
                job = f"{source}-{uuid.uuid4().hex[:16]}"
                try:
                    self._schedule(node, source, job)
                except NodeUnreachable as error:
                    self._node_down(node)
                    problems.append(str(error))
                    continue
                except ScrapydError as error:  # still unknown after a refresh, bad egg: try the next node
                    problems.append(str(error))
                    continue
                with self._lock:
                    self._tracked[job] = _Tracked(source, node, job)
                log.info("crawl %s scheduled on %s as job %s", source, node.name, job)
                return node, job
        return "no Scrapyd node accepted the crawl: " + ("; ".join(problems) or "no nodes")

    def _schedule(self, node: ScrapydNode, source: str, job: str) -> None:
        """schedule.json for the node's newest project version; registers the project when needed.

        The version is named explicitly: Scrapyd caches each version's spider list, and computes an unversioned
        one with `scrapy list` inside its reactor (seconds of an unresponsive node) after every deploy.
        An outlet added to the config after the deploy is "not found" in the cached list until the project is
        registered again; the egg only points at the installed code (crawler.schedule.scrapyd.deploy), so registering
        it again (same version) is cheap and changes no code.
        """
        client = self._client(node)
        versions = client.listversions(self.project)
        if versions:
            try:
                client.schedule(source, job, project=self.project, settings=self.job_settings, version=versions[-1])
                return
            except ScrapydError as error:
                if "not found" not in str(error):
                    raise
                log.info("%s: %s; registering the project there again", node.name, error)
        version = versions[-1] if versions else default_version()
        ScrapydClient(node, max(self.http_timeout_s, 120.0)).addversion(version, build_egg(version), project=self.project)
        client.schedule(source, job, project=self.project, settings=self.job_settings, version=version)

    def _node_down(self, node: ScrapydNode) -> None:
        with self._lock:
            self._down_until[node.url] = time.monotonic() + NODE_RETRY_S

    def _node_up(self, node: ScrapydNode) -> None:
        with self._lock:
            self._down_until.pop(node.url, None)
            stale = self._tombstones.pop(node.url, set())
        if stale:
            self._sweep(node, stale)

    def _sweep(self, node: ScrapydNode, lost: set[str]) -> None:
        """A node answers again: cancel the lost jobs still *pending* there (Scrapyd keeps its queue across a
        restart), so it does not run a crawl we already reran. A running one holds the source's lease and
        closes its own run; it is left alone."""
        client = self._client(node)
        try:
            listing = client.listjobs(self.project)
            for job in lost:
                if job_state(listing, job)[0] == "pending":
                    client.cancel(job, project=self.project, signal="KILL")
        except (NodeUnreachable, ScrapydError):
            with self._lock:
                self._tombstones.setdefault(node.url, set()).update(lost)

    # --- following a job -----------------------------------------------------------------------------------

    def _follow(self, source: str, node: ScrapydNode, job: str, deadline: float) -> Attempt:
        client = self._client(node)
        last_answer = time.monotonic()
        misses = 0
        pid: int | None = None
        running_since: float | None = None
        try:
            while True:
                try:
                    state, entry = job_state(client.listjobs(self.project), job)
                    last_answer, misses = time.monotonic(), 0
                    self._node_up(node)
                except NodeUnreachable as error:
                    # Lost after lost_after_s without an answer, and never on one missed poll: a node busy for a
                    # moment (Scrapyd runs `scrapy list` inside its reactor) is not a dead node.
                    misses += 1
                    silent = time.monotonic() - last_answer
                    if misses >= 2 and silent >= self.lost_after_s:
                        self._node_down(node)
                        return Attempt(node.name, job, "lost", f"node unreachable for {silent:.0f} s: {error}", pid)
                    state, entry = "unknown", {}
                except ScrapydError as error:
                    return Attempt(node.name, job, "lost", f"node answered with an error: {error}", pid)
                if state == "finished":
                    stopped = self._stopping.is_set()
                    return Attempt(node.name, job, "interrupted" if stopped else "finished", "", pid, entry.get("log_url"))
                if state is None:
                    return Attempt(node.name, job, "lost", "job vanished from the node's lists (Scrapyd restarted?)", pid)
                if state == "running" and running_since is None:
                    # The crawl timeout counts from the crawl's start, as for a local crawl process; a job
                    # waiting in a node's queue is bounded by the same timeout from its placement. Read at
                    # each poll, so a timeout changed while the crawl runs applies to it.
                    running_since = time.monotonic()
                    pid = int(entry["pid"]) if entry.get("pid") else None
                    with self._lock:
                        if job in self._tracked:
                            self._tracked[job].pid = pid
                if time.monotonic() >= (deadline if running_since is None else running_since + self.timeout_s):
                    forced = self._stop_job(client, job)
                    where = "waiting in the node's queue" if running_since is None else "running"
                    return Attempt(node.name, job, "timeout", f"still {where} after {self.timeout_s:.0f} s", pid, forced=forced)
                if self._stopping.is_set():
                    time.sleep(min(self.poll_s, 0.5))  # stopping: the job was cancelled, follow it to its end
                else:
                    self._stopping.wait(self.poll_s)
        finally:
            with self._lock:
                self._tracked.pop(job, None)

    def _stop_job(self, client: ScrapydClient, job: str) -> bool:
        """cancel.json TERM (Scrapy stops gracefully, the run is recorded), KILL after the grace period."""
        try:
            client.cancel(job, project=self.project, signal="TERM")
        except (NodeUnreachable, ScrapydError):
            return False
        deadline = time.monotonic() + self.grace_s
        while time.monotonic() < deadline:
            try:
                if job_state(client.listjobs(self.project), job)[0] in ("finished", None):
                    return False
            except (NodeUnreachable, ScrapydError):
                return False
            time.sleep(min(self.poll_s, 1.0))
        try:
            client.cancel(job, project=self.project, signal="KILL")
        except (NodeUnreachable, ScrapydError):
            pass
        return True

    def _cancel(self, tracked: _Tracked, signal: str) -> None:
        try:
            self._client(tracked.node).cancel(tracked.job, project=self.project, signal=signal)
        except (NodeUnreachable, ScrapydError) as error:
            log.warning("cancel %s on %s: %s", tracked.job, tracked.node.name, error)

    def _snapshot(self) -> list[_Tracked]:
        with self._lock:
            return [replace(tracked) for tracked in self._tracked.values()]

    # --- the database side: crawler.schedule.scrapyd.runs ------------------------------------------------------

    def _last_run_id(self) -> int:
        with self.sessions() as session:
            return runs.last_run_id(session)

    def _run_for_job(self, source: str, job: str, floor: int) -> CrawlRun | None:
        with self.sessions() as session:
            return runs.run_for_job(session, source, job, floor)

    def _result(self, source: str, job: str, floor: int) -> str:
        with self.sessions() as session:
            return runs.finished_job_status(session, source, job, floor)

    def _await_lease(self, source: str, job: str | None, floor: int, deadline: float) -> str:
        """Wait until a lost job can no longer be crawling: "free", "completed" (it closed its own run), "timeout".

        With `job` None: wait until nobody holds the source's lease.
        """
        while True:
            with self.sessions.begin() as session:
                state = runs.lease_state(session, source, job, floor)
            if state is not None:
                return state
            if time.monotonic() >= deadline:
                return "timeout"
            if self._stopping.wait(self.poll_s):
                return "timeout"

    def _record_failure(self, source: str, reason: str, detail: str, run_id: int | None = None) -> None:
        log.warning("%s: %s: %s", source, reason, detail)
        with self.sessions.begin() as session:
            repo.record_failure(session, source=source, reason=reason, detail=detail, run_id=run_id)
