"""The scheduler's entry points: run the daemon, run one maintenance job once (for cron), the Docker health check.
`scheduler.py` and `coverwatch schedule` both land here."""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path

from crawler.config import ConfigError, Settings, load_settings
from crawler.schedule.daemon import DEFAULT_HEARTBEAT, EXIT_STORAGE_UNAVAILABLE, HEARTBEAT_STALE_S, Daemon, DaemonOptions
from crawler.schedule.plans import outlet_schedules

log = logging.getLogger("coverwatch.scheduler")

# At boot the database may start after the daemon: wait this long for it before giving up (exit code 3,
# which systemd's Restart=on-failure retries; 2 is kept for configuration errors, which a restart cannot fix).
DB_WAIT_S = 120

JOBS_RUNNABLE_ONCE = ("digest", "housekeeping", "vacuum", "reap", "health")


def run_daemon(settings: Settings, options: DaemonOptions | None = None) -> int:
    """Run until SIGTERM/SIGINT. Exit codes: 0 stopped, 2 config error (raised), 3 database unavailable."""
    from storage.db import StorageUnavailable

    options = options or DaemonOptions()
    if not options.db_wait_s:
        options.db_wait_s = DB_WAIT_S
    try:
        daemon = Daemon(settings, options)
    except StorageUnavailable as error:
        log.error("%s", error)
        return EXIT_STORAGE_UNAVAILABLE
    if options.once:
        from crawler.schedule.replay import run_once

        return run_once(daemon)
    return daemon.run_forever()


def run_job_once(settings: Settings, job: str, options: DaemonOptions | None = None) -> int:
    """Run one maintenance job now and exit (the cron path): digest | housekeeping | vacuum | reap | health."""
    if job not in JOBS_RUNNABLE_ONCE:
        raise ConfigError(f"--run-job {job!r}: one of {', '.join(JOBS_RUNNABLE_ONCE)}")
    options = options or DaemonOptions(heartbeat_path=None)
    daemon = Daemon(settings, options)
    try:
        if job == "digest":
            return 0 if daemon.run_digest().status == "ok" else 1
        if job == "housekeeping":
            daemon.run_housekeeping()
        elif job == "vacuum":
            return 0 if not daemon.run_vacuum().startswith("failed") else 1
        elif job == "reap":
            daemon.run_reap()
        else:
            daemon.run_health()
        return 0
    finally:
        daemon.engine.dispose()


def heartbeat_ok(path: Path, stale_s: float = HEARTBEAT_STALE_S, now: float | None = None) -> bool:
    try:
        return (now or time.time()) - path.stat().st_mtime < stale_s
    except OSError:
        return False


def configure_logging(level: str = "INFO") -> None:
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    # "Running job ..." twice per job drowns the log; warnings (skips, misfires) still come through. Alembic says
    # "Context impl …" and "Running upgrade …" at every start: about itself, not the schedule.
    for name in ("apscheduler", "alembic"):
        logging.getLogger(name).setLevel(logging.WARNING)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="scheduler.py", description="coverwatch scheduler daemon")
    parser.add_argument(
        "--config", "-c", type=Path, default=None, help="config file (default ./coverwatch.toml or $COVERWATCH_CONFIG)"
    )
    parser.add_argument("--run-job", choices=JOBS_RUNNABLE_ONCE, help="run one maintenance job now and exit (for cron)")
    parser.add_argument("--healthcheck", action="store_true", help="exit 0 when the heartbeat file is fresh (Docker)")
    parser.add_argument("--heartbeat", type=Path, default=DEFAULT_HEARTBEAT, help="heartbeat file")
    parser.add_argument("--archive-dir", type=Path, default=None, help="crawls archive responses as WARC here; pruned daily")
    parser.add_argument("--log-dir", type=Path, default=None, help="per-source crawl logs (default: inherit stdout/stderr)")
    parser.add_argument("--events", type=Path, default=None, help="append scheduling events as JSON lines here")
    parser.add_argument("--print-outlets", action="store_true", help=argparse.SUPPRESS)  # the daemon's own child
    parser.add_argument("--minute-seconds", type=float, default=60.0, help="seconds in a scheduler minute (1 compresses the clock)")
    parser.add_argument("--replay", type=Path, action="append", default=[], help="answer every crawl from this WARC file/dir")
    parser.add_argument("--once", action="store_true", help="run every crawl and the digest once, then exit")
    parser.add_argument("--log-level", default="INFO")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.healthcheck:
        return 0 if heartbeat_ok(args.heartbeat) else 1
    if args.print_outlets:
        try:
            rows = [asdict(outlet) for outlet in outlet_schedules(load_settings(args.config))]
        except ConfigError as error:
            print(f"config error: {error}", file=sys.stderr)
            return 2
        print(json.dumps(rows))
        return 0
    configure_logging(args.log_level)
    from storage.db import StorageUnavailable

    try:
        settings = load_settings(args.config)
        options = DaemonOptions(
            minute_seconds=args.minute_seconds,
            events_path=args.events,
            heartbeat_path=args.heartbeat,
            archive_dir=args.archive_dir,
            log_dir=args.log_dir,
            replay=tuple(args.replay),
            once=args.once,
        )
        if args.run_job:
            return run_job_once(settings, args.run_job, DaemonOptions(archive_dir=args.archive_dir, heartbeat_path=None))
        return run_daemon(settings, options)
    except ConfigError as error:
        log.error("config error: %s", error)
        return 2
    except StorageUnavailable as error:
        log.error("storage error: %s", error)
        return EXIT_STORAGE_UNAVAILABLE


if __name__ == "__main__":
    sys.exit(main())
