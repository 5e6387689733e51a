"""Soak the scheduler daemon: N scheduled crawl runs against the local test site, with a compressed schedule.

Prints the daemon's RSS at the start, after warm-up and at the end (target: growth under 10 %), and the
scheduling delay from planned to actual start (median, p95), plus planned -> crawl running (which adds the
crawl subprocess's interpreter and Scrapy start-up).

    .venv/bin/python bench/daemon_soak.py                 # 100 runs, 3 outlets, one run each per 24 s
    .venv/bin/python bench/daemon_soak.py --runs 30 --interval 8
"""

from __future__ import annotations

import argparse
import json
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from sqlalchemy import select

from crawler.schedule.daemon import rss_bytes
from storage.db import make_engine, make_session_factory
from storage.models import Article, CrawlRun
from tests.localsite import LocalSite
from tests.scheduler_site import publish_outlet, write_config

# Runs before this count are warm-up: the daemon imports the health and alert code on its first post-run.
WARMUP_RUNS = 10


def _events(path: Path) -> list[dict]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=100)
    parser.add_argument("--outlets", type=int, default=3)
    parser.add_argument("--interval", type=float, default=24.0, help="seconds between runs of one outlet")
    parser.add_argument("--parallel", type=int, default=2, help="schedule.max_parallel_crawls")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="cw-soak-"))
    db_url = f"sqlite:///{work / 'cw.db'}"
    names = [f"soak{i}" for i in range(args.outlets)]
    with LocalSite() as site:
        for name in names:
            publish_outlet(site, name, count=4)
            site.routes[f"/{name}/feed.xml"].etag = f'"{name}-v1"'  # later runs revalidate: 304, as real feeds do
        config = write_config(work / "coverwatch.toml", db_url, site, {name: 1 for name in names}, parallel=args.parallel)
        events = work / "events.jsonl"
        started = time.monotonic()
        daemon = subprocess.Popen(
            [
                sys.executable,
                "scheduler.py",
                "--config",
                str(config),
                "--minute-seconds",
                str(args.interval),
                "--events",
                str(events),
                "--heartbeat",
                str(work / "beat"),
                "--log-dir",
                str(work / "logs"),
                "--log-level",
                "WARNING",
            ],
            cwd=REPO,
            stderr=(work / "daemon.log").open("wb"),
        )
        try:
            while not any(e["event"] == "started" for e in _events(events)):
                if daemon.poll() is not None:
                    print((work / "daemon.log").read_text()[-3000:])
                    return 1
                time.sleep(0.2)
            rss_start = rss_bytes(daemon.pid)
            rss_warm = 0
            finished = 0
            while finished < args.runs:
                time.sleep(0.5)
                if daemon.poll() is not None:
                    print("daemon exited early:", (work / "daemon.log").read_text()[-3000:])
                    return 1
                finished = sum(1 for e in _events(events) if e["event"] == "finished")
                if not rss_warm and finished >= WARMUP_RUNS:
                    rss_warm = rss_bytes(daemon.pid)
            rss_end = rss_bytes(daemon.pid)
            daemon.send_signal(signal.SIGTERM)
            code = daemon.wait(timeout=120)
        finally:
            if daemon.poll() is None:
                daemon.kill()
                daemon.wait()
        elapsed = time.monotonic() - started

    seen = _events(events)
    dispatches = [e for e in seen if e["event"] == "dispatch" and e.get("delay_s") is not None]
    delays = [e["delay_s"] * 1000 for e in dispatches]
    statuses: dict[str, int] = {}
    for event in seen:
        if event["event"] == "finished":
            statuses[event["status"]] = statuses.get(event["status"], 0) + 1
    sessions = make_session_factory(make_engine(db_url))
    with sessions() as session:
        runs = list(session.scalars(select(CrawlRun).order_by(CrawlRun.id)))
        articles = session.query(Article).count()
    # planned -> the crawl's own run row (matched by the child's pid): adds interpreter and Scrapy start-up.
    started_by_pid = {run.pid: run.started_at for run in runs if run.pid is not None}
    to_running = [
        (started_by_pid[e["pid"]] - datetime.fromisoformat(e["planned"])).total_seconds()
        for e in seen
        if e["event"] == "finished" and e.get("planned") and e.get("pid") in started_by_pid
    ]
    no_run_row = sum(
        1
        for e in seen
        if e["event"] == "finished" and e["status"] != "interrupted" and e.get("pid") and e["pid"] not in started_by_pid
    )
    outcomes: dict[str, int] = {}
    for run in runs:
        outcomes[run.outcome] = outcomes.get(run.outcome, 0) + 1

    mb = 1024 * 1024
    print(
        f"daemon soak: {len(dispatches)} dispatched, {statuses} finished, {args.outlets} outlets every {args.interval:g} s, "
        f"max {args.parallel} parallel, {elapsed:.0f} s wall, daemon exit code {code}"
    )
    print(
        f"skipped (overlap, max_instances=1): {sum(1 for e in seen if e['event'] == 'skipped_overlap')}; "
        f"missed: {sum(1 for e in seen if e['event'] == 'missed')}"
    )
    print(
        f"crawl_runs outcomes: {outcomes}; articles stored: {articles} (expected {4 * args.outlets}, no duplicates); "
        f"crawl processes that ended without a run row: {no_run_row}"
    )
    growth_start = (rss_end - rss_start) / rss_start * 100 if rss_start else float("nan")
    growth_warm = (rss_end - rss_warm) / rss_warm * 100 if rss_warm else float("nan")
    print(
        f"daemon RSS: start {rss_start / mb:.1f} MB, after {WARMUP_RUNS} runs {rss_warm / mb:.1f} MB, end {rss_end / mb:.1f} MB; "
        f"growth {growth_start:+.1f}% from start, {growth_warm:+.1f}% from warm (target < 10%)"
    )
    if delays:
        print(
            f"scheduling delay planned -> dispatched: median {statistics.median(delays):.1f} ms, "
            f"p95 {_percentile(delays, 0.95):.1f} ms, max {max(delays):.1f} ms"
        )
    if to_running:
        print(
            f"planned -> crawl running (adds subprocess + Scrapy start-up): median {statistics.median(to_running):.2f} s, "
            f"p95 {_percentile(to_running, 0.95):.2f} s"
        )
    print(f"work dir: {work}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
