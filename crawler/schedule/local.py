"""Crawls on this host: one subprocess per crawl, with a hard timeout (the "local" dispatcher).

Each crawl is `python -m crawler.cli.app crawl SOURCE` in its own session: Scrapy's reactor cannot restart, and a
process per crawl isolates memory and crashes. Timeout: SIGTERM (Scrapy stops gracefully and records the run
as interrupted), then SIGKILL after a grace period.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import IO

from crawler import exit_codes
from crawler.config import Settings
from crawler.schedule.protocol import DispatchResult, utcnow


class ProcessSupervisor:
    """Starts child processes in their own session, with a hard timeout, and can stop them all at once."""

    def __init__(self, grace_s: float) -> None:
        self.grace_s = grace_s
        self._children: dict[int, tuple[str, subprocess.Popen[bytes]]] = {}
        self._lock = threading.Lock()
        self.stopping = threading.Event()

    def running(self) -> dict[str, int]:
        with self._lock:
            return {name: pid for pid, (name, _) in self._children.items()}

    def run(self, name: str, command: list[str], timeout_s: float, output: IO[bytes] | None = None) -> DispatchResult:
        started = utcnow()
        if self.stopping.is_set():
            return DispatchResult(name, "interrupted", None, None, started, started)
        try:
            # Own session: a Ctrl-C on the daemon's terminal is the daemon's to forward, and a SIGKILL
            # reaches everything the child started.
            proc = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT if output else None, start_new_session=True)
        except OSError as error:
            return DispatchResult(name, "error", None, None, started, utcnow(), output_tail=str(error))
        with self._lock:
            self._children[proc.pid] = (name, proc)
        timed_out = forced = False
        try:
            try:
                proc.wait(timeout=timeout_s)
            except subprocess.TimeoutExpired:
                timed_out = True
                forced = self.terminate(proc)
        finally:
            with self._lock:
                self._children.pop(proc.pid, None)
        code = proc.returncode
        if self.stopping.is_set():
            status = "interrupted"
        elif timed_out:
            status = "timeout"
        elif code is not None and code < 0:
            status = "killed"  # by a signal we did not send: OOM killer, an operator
        elif code == exit_codes.OK:
            status = "ok"
        elif code in (exit_codes.SOME_SOURCES_FAILED, exit_codes.ALL_SOURCES_FAILED):
            status = "failed"  # the command ran and reported a failed outcome
        else:
            status = "error"  # config or storage error, crash
        return DispatchResult(name, status, code, proc.pid, started, utcnow(), forced=forced)

    def terminate(self, proc: subprocess.Popen[bytes]) -> bool:
        """SIGTERM the child's process group, wait the grace period, then SIGKILL. True if SIGKILL was needed."""
        _signal_group(proc, signal.SIGTERM)
        try:
            proc.wait(timeout=self.grace_s)
            return False
        except subprocess.TimeoutExpired:
            _signal_group(proc, signal.SIGKILL)
            proc.wait()
            return True

    def terminate_all(self) -> list[str]:
        """Stop every child: SIGTERM now, SIGKILL whatever is still running after the grace period."""
        self.stopping.set()
        with self._lock:
            children = list(self._children.values())
        for _, proc in children:
            _signal_group(proc, signal.SIGTERM)
        deadline = time.monotonic() + self.grace_s
        killed = []
        for name, proc in children:
            try:
                proc.wait(timeout=max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                _signal_group(proc, signal.SIGKILL)
                proc.wait()
                killed.append(name)
        return killed

    def kill_all(self) -> None:
        self.stopping.set()
        with self._lock:
            children = list(self._children.values())
        for _, proc in children:
            _signal_group(proc, signal.SIGKILL)


def _signal_group(proc: subprocess.Popen[bytes], signum: int) -> None:
    try:
        os.killpg(proc.pid, signum)
    except (ProcessLookupError, PermissionError):
        try:
            proc.send_signal(signum)
        except ProcessLookupError:
            pass


class LocalSubprocessDispatcher:
    """`python -m crawler.cli.app crawl SOURCE` on this host, one process per crawl, under the supervisor."""

    def __init__(
        self,
        supervisor: ProcessSupervisor,
        command: list[str],
        timeout_s: float,
        *,
        log_dir: Path | None = None,
        extra_args: Sequence[str] = (),
    ) -> None:
        self.supervisor = supervisor
        self.command = command
        self.timeout_s = timeout_s
        self.log_dir = log_dir
        self.extra_args = list(extra_args)

    def crawl(self, source: str) -> DispatchResult:
        # The child watches this process: a daemon killed with SIGKILL cannot leave it running unsupervised.
        command = [*self.command, "crawl", source, SUPERVISED_BY_OPTION, str(os.getpid()), *self.extra_args]
        if self.log_dir is None:
            return self.supervisor.run(f"crawl:{source}", command, self.timeout_s)
        self.log_dir.mkdir(parents=True, exist_ok=True)
        with (self.log_dir / f"crawl-{source}.log").open("ab") as output:
            return self.supervisor.run(f"crawl:{source}", command, self.timeout_s, output)

    def running(self) -> dict[str, int]:
        return {name.removeprefix("crawl:"): pid for name, pid in self.supervisor.running().items() if name.startswith("crawl:")}

    def terminate_all(self) -> list[str]:
        return self.supervisor.terminate_all()

    def kill_all(self) -> None:
        self.supervisor.kill_all()


# `coverwatch crawl --supervised-by PID`: the crawl stops itself once PID is no longer its parent.
SUPERVISED_BY_OPTION = "--supervised-by"
ORPHAN_POLL_S = 2.0
# After asking itself to stop (Scrapy's graceful shutdown: in-flight pages finish, the run is recorded), an
# orphaned crawl that is still alive this much later is killed outright.
ORPHAN_GRACE_S = 120.0


def stop_when_orphaned(parent_pid: int, *, poll_s: float = ORPHAN_POLL_S, grace_s: float = ORPHAN_GRACE_S) -> threading.Thread:
    """In a supervised child: a daemon thread that SIGTERMs this process when `parent_pid` stops being its parent
    (the supervisor died, even by SIGKILL, and the child was re-parented), then SIGKILLs it after `grace_s`."""

    def watch() -> None:
        while os.getppid() == parent_pid:
            time.sleep(poll_s)
        print(f"supervisor {parent_pid} is gone: stopping this crawl", file=sys.stderr, flush=True)
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(grace_s)
        os.kill(os.getpid(), signal.SIGKILL)

    thread = threading.Thread(target=watch, name="orphan-watch", daemon=True)
    thread.start()
    return thread


def coverwatch_command(settings: Settings) -> tuple[list[str], list[str]]:
    """The CLI invocation for child processes (this interpreter, so venvs and containers just work) and its
    trailing options (the same config file as the daemon; environment overrides are inherited)."""
    extra = ["--config", settings.config_path] if settings.config_path else []
    return [sys.executable, "-m", "crawler.cli"], extra
