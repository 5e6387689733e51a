"""`coverwatch schedule` (the daemon, or one maintenance job for cron) and `coverwatch health`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer


def register(app: typer.Typer) -> None:
    # crawler.cli.app is imported here, not at module level: it imports this module while it loads.
    from crawler.cli.app import ConfigOption, _settings, console, edge_errors, out
    from crawler.cli.output import make_table

    @app.command("schedule")
    @edge_errors
    def schedule(
        config: Optional[Path] = ConfigOption,
        run_job: Optional[str] = typer.Option(
            None, "--run-job", help="Run one job now and exit (for cron): digest, housekeeping, vacuum, reap or health."
        ),
        archive_dir: Optional[Path] = typer.Option(
            None, "--archive-dir", help="Crawls archive responses as WARC here; pruned daily."
        ),
        log_dir: Optional[Path] = typer.Option(
            None, "--log-dir", help="Per-source crawl logs (default: the daemon's own output)."
        ),
        events: Optional[Path] = typer.Option(None, "--events", help="Append scheduling events as JSON lines to this file."),
        heartbeat: Optional[Path] = typer.Option(None, "--heartbeat", help="Heartbeat file for health checks."),
        healthcheck: bool = typer.Option(False, "--healthcheck", help="Exit 0 if the running daemon's heartbeat is fresh."),
        replay: Optional[list[Path]] = typer.Option(
            None, "--replay", help="Answer every crawl from these WARC files/dirs (offline; e.g. build/demo-archive)."
        ),
        once: bool = typer.Option(False, "--once", help="Run every crawl and the digest once, then exit (exit codes as crawl)."),
        minute_seconds: float = typer.Option(
            60.0, "--minute-seconds", help="Seconds in a scheduler minute: 1 compresses the clock (an hour per minute)."
        ),
    ) -> None:
        """Run the scheduler daemon: every enabled outlet on its interval or cron, the digest, housekeeping.

        It logs its plan at start (job, trigger, next run). Watch it offline with --replay DIR and a compressed
        clock (--minute-seconds 1), or --once.
        """
        from crawler.schedule import main as scheduler

        heartbeat_path = heartbeat or scheduler.DEFAULT_HEARTBEAT
        if healthcheck:
            raise typer.Exit(0 if scheduler.heartbeat_ok(heartbeat_path) else 1)
        scheduler.configure_logging()
        settings = _settings(config)
        if run_job:
            options = scheduler.DaemonOptions(archive_dir=archive_dir, heartbeat_path=None)
            raise typer.Exit(scheduler.run_job_once(settings, run_job, options))
        options = scheduler.DaemonOptions(
            minute_seconds=minute_seconds,
            events_path=events,
            heartbeat_path=heartbeat_path,
            archive_dir=archive_dir,
            log_dir=log_dir,
            replay=tuple(replay or ()),
            once=once,
        )
        raise typer.Exit(scheduler.run_daemon(settings, options))

    @app.command("health")
    @edge_errors
    def health(
        sources: Optional[list[str]] = typer.Argument(None, help="Outlet names (default: every enabled outlet)."),
        apply: bool = typer.Option(True, "--apply/--no-apply", help="Store the ratings and send alerts for changes."),
        as_json: bool = typer.Option(False, "--json"),
        config: Optional[Path] = ConfigOption,
    ) -> None:
        """Rate every source's health now from its recorded runs, and print why."""
        from crawler.notify.alerts import deliver_pending
        from crawler.fetch.runner import open_store
        from spiders.registry import select_outlets
        from storage import health_repo

        settings = _settings(config)
        names = [outlet.name for outlet in select_outlets(settings, sources or None)]
        _, sessions = open_store(settings)
        rows = []
        with sessions.begin() as session:
            for name in names:
                rating = health_repo.rate_source(session, name, settings.health)
                previous = health_repo.get_state(session, name)
                changed = False
                if apply:
                    applied = health_repo.apply_rating(session, name, rating)
                    changed = bool(applied and applied.event_id)
                rows.append(
                    {
                        "source": name,
                        "state": rating.state,
                        "previous": previous,
                        "changed": changed,
                        "reason": rating.reason,
                        "details": rating.details,
                    }
                )
        if apply:
            deliver_pending(settings, sessions)
        if as_json:
            out.print_json(json.dumps(rows, default=str))
            return
        table = make_table(out, "source", "state", "reason", "runs", "items", "new", "silent (days)", title="source health")
        colours = {"healthy": "green", "degraded": "yellow", "failing": "red", "blocked": "magenta"}
        for row in rows:
            details = row["details"]
            state = f"[{colours.get(row['state'], 'white')}]{row['state']}[/]"
            if row["changed"]:
                state += f" (was {row['previous']})"
            table.add_row(
                row["source"],
                state,
                row["reason"],
                str(details.get("runs", "-")),
                str(details.get("items_seen", "-")),
                str(details.get("new_articles", "-")),
                f"{details['silent_days']} / {details['silent_limit_days']}" if "silent_days" in details else "-",
            )
        out.print(table)
        bad = [row for row in rows if row["state"] in ("failing", "blocked")]
        if bad:
            console.print(f"{len(bad)} source(s) need attention: {', '.join(row['source'] for row in bad)}", highlight=False)
