"""Crawls on a pool of Scrapyd nodes: the Dispatcher of crawler.schedule.dispatch, with `schedule.dispatch = "scrapyd"`.

One crawl = one Scrapyd job of the project deployed by crawler.schedule.scrapyd.deploy (spider = outlet name). The node
is chosen by free capacity (daemonstatus.json: max_proc minus running minus pending), the job is followed to
its end (listjobs.json), cancelled on timeout (cancel.json: TERM, then KILL after the grace period), and its
result read from the shared database (the crawl_runs row tagged with the job id).

Failure handling, all with the per-source lease in the database as the guard against double runs:
- a node that does not answer at dispatch time is skipped, and the next node by free capacity is used;
- a job whose node stops answering for `lost_after_s`, or that vanishes from a node that answers again
  (Scrapyd restarted), is *lost*: recorded as a `crawl_lost` failure, and rerun on another node once its
  lease is gone (released by its end, freed as a dead local holder, or lapsed after the lease TTL, which the
  crawl renews while alive: crawler.schedule.scrapyd.project.lease). If the lost job's run closes by itself meanwhile
  (a partitioned node that finished its crawl), that result stands and nothing is rerun;
- a rerun that finds the source locked by someone else stops there: the other process is crawling it.

Node specs are URLs: "http://node-1:6800", with "#max_proc=N" when the node's max_proc is not
DEFAULT_MAX_PROC (daemonstatus.json does not report it) and "user:password@" when the node requires HTTP
basic auth. Only stdlib HTTP: the nodes speak plain JSON.
"""

from __future__ import annotations

import base64
import json
import logging
import threading
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from typing import Any
from urllib.error import HTTPError, URLError
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit
from urllib.request import Request, urlopen

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from crawler.config import ConfigError, Settings
from crawler.schedule.dispatch import DispatchResult, grace_seconds
from storage import maintenance, repo
from storage.models import CrawlRun, SourceLock

log = logging.getLogger(__name__)

PROJECT = "coverwatch"
# deploy/scrapyd.conf ships max_proc = 4: a node's slots when its spec does not say otherwise.
DEFAULT_MAX_PROC = 4
# listjobs.json every this often per running crawl: cheap (in-memory lists on the node), and a job's end is
# seen within this delay.
POLL_S = 2.0
# A node silent for this long has lost its job. Longer than a node's garbage-collection pause or a
# reconnecting switch; short against a crawl's minutes.
LOST_AFTER_S = 20.0
# Per HTTP call: a node that does not answer within this is unreachable for this call.
HTTP_TIMEOUT_S = 5.0
# schedule.json may run `scrapy list` inside the node's reactor before answering (Scrapyd caches a project's
# spider list, and the cache is cold after a node restart or a deploy): seconds of silence that are not a
# dead node. Connection refused still fails at once.
SCHEDULE_TIMEOUT_S = 60.0
# A node that failed is skipped by later placements for this long (unless every node is down).
NODE_RETRY_S = 30.0
# First run plus reruns after lost jobs: a source that loses three nodes in a row waits for its next turn.
MAX_ATTEMPTS = 3
# Run outcomes (crawl_runs.outcome) that are a crawl's own result, as opposed to a dead process's row.
COMPLETED_OUTCOMES = ("finished", "partial", "blocked", "failed")
JOB_STAT = "scrapyd/job"  # crawler.schedule.scrapyd.project.lease writes the job id here (no Scrapy import from here)


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


# --- nodes and their HTTP API -------------------------------------------------------------------------------


class NodeUnreachable(Exception):
    """The node did not answer (refused, timed out, reset, 5xx)."""


class ScrapydError(Exception):
    """The node answered with an error (unknown project or spider, bad egg, unauthorized)."""


@dataclass(frozen=True)
class ScrapydNode:
    url: str  # base URL, no credentials, no trailing slash
    max_proc: int = DEFAULT_MAX_PROC
    auth: tuple[str, str] | None = field(default=None, repr=False)

    @property
    def name(self) -> str:
        return urlsplit(self.url).netloc


def parse_node(spec: str) -> ScrapydNode:
    """"http://[user:password@]host:port[/prefix][#max_proc=N]" -> ScrapydNode; ConfigError if malformed."""
    parts = urlsplit(spec.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(f"schedule.scrapyd_nodes: {spec!r} is not an http(s) URL of a Scrapyd node")
    options = parse_qs(parts.fragment)
    max_proc = DEFAULT_MAX_PROC
    if "max_proc" in options:
        value = options["max_proc"][0]
        if not value.isdigit() or int(value) < 1:
            raise ConfigError(f"schedule.scrapyd_nodes: {spec!r}: max_proc must be a positive integer")
        max_proc = int(value)
    auth = (parts.username or "", parts.password or "") if parts.username else None
    netloc = parts.hostname + (f":{parts.port}" if parts.port else "")
    return ScrapydNode(urlunsplit((parts.scheme, netloc, parts.path.rstrip("/"), "", "")), max_proc, auth)


class ScrapydClient:
    """The Scrapyd JSON API of one node (the calls coverwatch uses)."""

    def __init__(self, node: ScrapydNode, timeout_s: float = HTTP_TIMEOUT_S) -> None:
        self.node = node
        self.timeout_s = timeout_s

    def daemonstatus(self) -> dict[str, Any]:
        return self._call("daemonstatus.json")

    def listjobs(self, project: str = PROJECT) -> dict[str, Any]:
        return self._call("listjobs.json", query={"project": project})

    def listprojects(self) -> list[str]:
        return list(self._call("listprojects.json").get("projects", []))

    def listversions(self, project: str = PROJECT) -> list[str]:
        return list(self._call("listversions.json", query={"project": project}).get("versions", []))

    def listspiders(self, project: str = PROJECT, *, timeout_s: float = SCHEDULE_TIMEOUT_S) -> list[str]:
        return list(self._call("listspiders.json", query={"project": project}, timeout_s=timeout_s).get("spiders", []))

    def schedule(
        self, spider: str, job: str, *, project: str = PROJECT, settings: Mapping[str, str] | None = None, version: str | None = None
    ) -> str:
        form: list[tuple[str, str]] = [("project", project), ("spider", spider), ("jobid", job)]
        if version:
            form.append(("_version", version))
        form += [("setting", f"{key}={value}") for key, value in (settings or {}).items()]
        return str(self._call("schedule.json", form=form, timeout_s=max(self.timeout_s, SCHEDULE_TIMEOUT_S))["jobid"])

    def cancel(self, job: str, *, project: str = PROJECT, signal: str = "TERM") -> str | None:
        return self._call("cancel.json", form=[("project", project), ("job", job), ("signal", signal)]).get("prevstate")

    def addversion(self, version: str, egg: bytes, *, project: str = PROJECT) -> dict[str, Any]:
        body, content_type = multipart({"project": project, "version": version}, {"egg": (f"{project}-{version}.egg", egg)})
        return self._call("addversion.json", body=body, content_type=content_type, timeout_s=max(self.timeout_s, 120.0))

    def _call(
        self,
        endpoint: str,
        *,
        query: Mapping[str, str] | None = None,
        form: list[tuple[str, str]] | None = None,
        body: bytes | None = None,
        content_type: str | None = None,
        timeout_s: float | None = None,
    ) -> dict[str, Any]:
        url = f"{self.node.url}/{endpoint}" + (f"?{urlencode(query)}" if query else "")
        if form is not None:
            body, content_type = urlencode(form).encode("utf-8"), "application/x-www-form-urlencoded"
        request = Request(url, data=body, method="POST" if body is not None else "GET")
        if content_type:
            request.add_header("Content-Type", content_type)
        if self.node.auth:
            token = base64.b64encode(f"{self.node.auth[0]}:{self.node.auth[1]}".encode()).decode("ascii")
            request.add_header("Authorization", f"Basic {token}")
        try:
            with urlopen(request, timeout=timeout_s or self.timeout_s) as response:
                payload = response.read()
        except HTTPError as error:
            if error.code >= 500:
                raise NodeUnreachable(f"{self.node.name}: HTTP {error.code}") from None
            raise ScrapydError(f"{self.node.name}: {endpoint}: HTTP {error.code}") from None
        except (URLError, OSError) as error:  # refused, reset, timed out, DNS
            reason = getattr(error, "reason", error)
            raise NodeUnreachable(f"{self.node.name}: {reason}") from None
        try:
            data = json.loads(payload)
        except ValueError:
            raise ScrapydError(f"{self.node.name}: {endpoint}: not JSON: {payload[:200]!r}") from None
        if data.get("status") != "ok":
            raise ScrapydError(f"{self.node.name}: {endpoint}: {str(data.get('message', data))[:500]}")
        return data


def multipart(fields: Mapping[str, str], files: Mapping[str, tuple[str, bytes]]) -> tuple[bytes, str]:
    """A multipart/form-data body (what addversion.json expects for the egg) and its Content-Type."""
    boundary = f"coverwatch-{uuid.uuid4().hex}"
    chunks: list[bytes] = []
    for name, value in fields.items():
        chunks.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
    for name, (filename, data) in files.items():
        head = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n"
        )
        chunks += [head.encode("utf-8"), data, b"\r\n"]
    chunks.append(f"--{boundary}--\r\n".encode())
    return b"".join(chunks), f"multipart/form-data; boundary={boundary}"


# --- pure decisions -----------------------------------------------------------------------------------------


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
    """DispatchResult.status for a crawl_runs outcome (as `coverwatch crawl` exits: 1 only for "failed")."""
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


# --- the dispatcher -----------------------------------------------------------------------------------------


@dataclass
class _Tracked:
    source: str
    node: ScrapydNode
    job: str
    pid: int | None = None


class ScrapydDispatcher:
    """crawler.schedule.dispatch.Dispatcher over Scrapyd nodes. crawl() blocks until the crawl is over, like the local one."""

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
        from crawler.schedule.scrapyd.deploy import build_egg, default_version

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
        running = False
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
                if state == "running" and not running:
                    # The crawl timeout counts from the crawl's start, as for a local crawl process; a job
                    # waiting in a node's queue is bounded by the same timeout from its placement.
                    running, deadline = True, time.monotonic() + self.timeout_s
                    pid = int(entry["pid"]) if entry.get("pid") else None
                    with self._lock:
                        if job in self._tracked:
                            self._tracked[job].pid = pid
                if time.monotonic() >= deadline:
                    forced = self._stop_job(client, job)
                    where = "running" if running else "waiting in the node's queue"
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

    # --- the database side ---------------------------------------------------------------------------------

    def _last_run_id(self) -> int:
        with self.sessions() as session:
            return int(session.scalar(select(func.max(CrawlRun.id))) or 0)

    def _run_for_job(self, source: str, job: str, floor: int) -> CrawlRun | None:
        with self.sessions() as session:
            runs = session.scalars(select(CrawlRun).where(CrawlRun.source == source, CrawlRun.id > floor).order_by(CrawlRun.id))
            return next((run for run in runs if (run.stats or {}).get(JOB_STAT) == job), None)

    def _result(self, source: str, job: str, floor: int) -> str:
        run = self._run_for_job(source, job, floor)
        if run is not None:
            return status_for_outcome(run.outcome)
        with self.sessions() as session:
            lock = session.get(SourceLock, source)
            held = lock is not None and _aware(lock.expires_at) > utcnow()
        # No run row: the job closed before opening one. Held lock = another process crawls this source.
        return "locked" if held else "error"

    def _await_lease(self, source: str, job: str | None, floor: int, deadline: float) -> str:
        """Wait until a lost job can no longer be crawling: "free", "completed" (it closed its own run), "timeout".

        With `job` None: wait until nobody holds the source's lease.
        """
        while True:
            with self.sessions.begin() as session:
                maintenance.release_dead_local_lock(session, source)
                lock = session.get(SourceLock, source)
                live = lock is not None and _aware(lock.expires_at) > utcnow()
                run = None
                if job is not None:
                    runs = session.scalars(select(CrawlRun).where(CrawlRun.source == source, CrawlRun.id > floor))
                    run = next((r for r in runs if (r.stats or {}).get(JOB_STAT) == job), None)
                if job is not None and run is None:
                    return "free"  # it never opened a run, so it never took the lease
                if run is not None and run.outcome in COMPLETED_OUTCOMES:
                    return "completed"
                if run is not None and run.outcome != "running":
                    return "free"  # marked interrupted: whoever did that held the lease after it
                ours = run is not None and lock is not None and lock.holder == f"{run.node}:{run.pid}"
                if not live or (job is not None and not ours):
                    return "free"
            if time.monotonic() >= deadline:
                return "timeout"
            if self._stopping.wait(self.poll_s):
                return "timeout"

    def _record_failure(self, source: str, reason: str, detail: str, run_id: int | None = None) -> None:
        log.warning("%s: %s: %s", source, reason, detail)
        with self.sessions.begin() as session:
            repo.record_failure(session, source=source, reason=reason, detail=detail, run_id=run_id)


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
