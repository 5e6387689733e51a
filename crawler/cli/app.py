"""The `coverwatch` command line. Errors at the edges become one clear line and a non-zero exit, never a traceback."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timezone
from functools import wraps
from pathlib import Path
from typing import Any, Optional

import typer

from crawler import exit_codes
from crawler.cli.output import OUTPUT_FORMATS, make_console, make_table, print_json
from crawler.config import ConfigError, Settings, load_settings

app = typer.Typer(help="coverwatch: watch outlets for Russia–Hamas coverage and build a daily digest.", no_args_is_help=True)
db_app = typer.Typer(help="Database schema management.", no_args_is_help=True)
config_app = typer.Typer(help="Configuration checks.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(config_app, name="config")

console = make_console(stderr=True)
out = make_console()
OutputOption = typer.Option("table", "--output", "-o", help="table (for people) or json (one document on stdout, for scripts).")
RecheckOption = typer.Option(
    False, "--recheck", help="Re-fetch now every known article the listings name (edits, take-downs), whatever its age."
)
# --recheck: every known article counts as young (this window) and due (checked more than 0 hours ago).
RECHECK_ALL_WINDOW_HOURS = 24 * 365 * 100


def _with_recheck(settings: Settings) -> Settings:
    """The settings with crawl.recheck_* opened wide, for one run only (the file keeps its values)."""
    crawl = settings.crawl.model_copy(update={"recheck_every_hours": 0, "recheck_window_hours": RECHECK_ALL_WINDOW_HOURS})
    return settings.model_copy(update={"crawl": crawl})
ConfigOption = typer.Option(None, "--config", "-c", help="Config file (default: ./coverwatch.toml or $COVERWATCH_CONFIG).")


def edge_errors(function: Callable[..., Any]) -> Callable[..., Any]:
    """Turn expected failures (config, database) into one readable line and exit code 2."""

    @wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from sqlalchemy.exc import DBAPIError

        from storage.db import StorageUnavailable

        try:
            return function(*args, **kwargs)
        except ConfigError as error:
            # soft_wrap: one line whatever the terminal width, so logs and scripts see one line.
            console.print(f"[red]config error:[/red] {error}", highlight=False, soft_wrap=True)
            raise typer.Exit(exit_codes.NOTHING_RAN) from None
        except StorageUnavailable as error:
            console.print(f"[red]storage error:[/red] {error}", highlight=False, soft_wrap=True)
            raise typer.Exit(exit_codes.NOTHING_RAN) from None
        except DBAPIError as error:  # the database failed outside the crawl's own handling (a full disk at the lease)
            console.print(f"[red]storage error:[/red] {_driver_reason(error)}", highlight=False, soft_wrap=True)
            raise typer.Exit(exit_codes.NOTHING_RAN) from None

    return wrapper


def _driver_reason(error: Exception) -> str:
    """The driver's own first line ("database or disk is full"), without SQL, parameters or traceback."""
    original = getattr(error, "orig", None) or error
    lines = str(original).strip().splitlines()
    return f"{type(original).__name__}: {lines[0] if lines else 'unknown error'}"


def _settings(config: Optional[Path]) -> Settings:
    return load_settings(config)


# --- config / db ------------------------------------------------------------------------------------------


@config_app.command("check")
@edge_errors
def config_check(config: Optional[Path] = ConfigOption) -> None:
    """Validate the configuration file and every outlet it declares."""
    from spiders.registry import all_outlets

    settings = _settings(config)
    outlets = all_outlets(settings)
    enabled = sum(1 for outlet in outlets.values() if outlet.enabled)
    if settings.notify.urls:
        from crawler.notify.channel import check_urls

        check_urls(settings.notify)  # an Apprise URL it cannot use is a config error now, not a lost alert later
    out.print(f"config OK: {settings.config_path or '(defaults)'}; {len(outlets)} outlets ({enabled} enabled)", highlight=False)


@db_app.command("upgrade")
@edge_errors
def db_upgrade(config: Optional[Path] = ConfigOption) -> None:
    """Create or migrate the database schema to the newest revision."""
    from crawler.fetch.runner import open_store

    settings = _settings(config)
    engine, _ = open_store(settings)
    out.print(f"database at {engine.url.render_as_string(hide_password=True)} is up to date", highlight=False)


@db_app.command("reband")
@edge_errors
def db_reband(config: Optional[Path] = ConfigOption) -> None:
    """Recompute the near-duplicate index's band hashes of every stored article (after changing dedup.near_threshold)."""
    from crawler.fetch.processing import near_dup_index
    from crawler.fetch.runner import open_store
    from storage.near_dups import rebuild_bands

    settings = _settings(config)
    _, sessions = open_store(settings)
    index = near_dup_index(settings)

    def bands_of(sig: bytes) -> list[int]:
        try:
            return index.band_hashes(sig)
        except ValueError:  # a signature of another format was never indexed, and is not now
            return []

    with sessions.begin() as session:
        indexed = rebuild_bands(session, bands_of)
    out.print(f"near-duplicate index rebuilt: {indexed} articles, {index.bands} bands of {index.rows} rows "
              f"(near_threshold {index.threshold})", highlight=False)


# --- crawling -----------------------------------------------------------------------------------------------


def _check_output(output: str) -> None:
    if output not in OUTPUT_FORMATS:
        raise ConfigError(f"--output {output!r}: one of {', '.join(OUTPUT_FORMATS)}")


def _crawl(
    settings: Settings, names: list[str] | None, replay: list[Path] | None, archive: Optional[Path], verbose: bool, output: str = "table"
) -> tuple[int, list[dict[str, Any]]]:
    """Crawl and print the summary table (unless `output` is json); the exit code and the reports as dicts."""
    from dataclasses import asdict

    from crawler.fetch.runner import run_crawl
    from spiders.registry import select_outlets

    outlets = select_outlets(settings, names)
    if not outlets:
        console.print("no enabled outlets to crawl")
        return exit_codes.NOTHING_RAN, []
    for path in replay or []:
        if not path.exists():
            raise ConfigError(f"--replay {path}: no such file or directory")
    counts: dict[str, int] = {}
    with console.status("crawling…") as status:

        def on_item(source: str) -> None:
            counts[source] = counts.get(source, 0) + 1
            status.update("crawling… " + ", ".join(f"{name}: {n}" for name, n in sorted(counts.items())))

        reports = run_crawl(settings, outlets, replay=replay, archive_dir=archive, on_item=on_item, log_level="INFO" if verbose else "WARNING")
    code = exit_codes.crawl_exit_code(report.outcome for report in reports)
    rows = [asdict(report) for report in reports]
    if output == "json":
        return code, rows
    columns = ("source", "outcome", "requests", "items", "new", "updated", "failures", "blocked", "top failure reasons")
    table = make_table(out, *columns, title="crawl summary")
    for report in reports:
        reasons = sorted((report.failures_by_reason or {}).items(), key=lambda kv: -kv[1])[:3]
        table.add_row(
            report.source, report.outcome, str(report.requests), str(report.items), str(report.new_articles),
            str(report.updated_articles), str(report.failures), str(report.blocked), ", ".join(f"{k}×{v}" for k, v in reasons),
        )
    out.print(table)
    return code, rows


@app.command()
@edge_errors
def crawl(
    sources: Optional[list[str]] = typer.Argument(None, help="Outlet names (default: every enabled outlet)."),
    replay: Optional[list[Path]] = typer.Option(None, "--replay", help="Answer every request from these WARC files/dirs."),
    archive: Optional[Path] = typer.Option(None, "--archive", help="Write every response to WARC files in this directory."),
    verbose: bool = typer.Option(False, "--verbose", "-v"),
    output: str = OutputOption,
    recheck: bool = RecheckOption,
    config: Optional[Path] = ConfigOption,
    supervised_by: Optional[int] = typer.Option(None, "--supervised-by", hidden=True, help="Stop when this parent process is gone (the daemon sets it)."),
) -> None:
    """Crawl the given outlets once (one process, one reactor) and store what is new.

    Exit codes: 0 every source ran; 1 some sources failed or were refused; 4 every source failed;
    2 nothing could run (configuration or storage error, no enabled outlet).
    """
    if supervised_by is not None:
        from crawler.schedule.local import stop_when_orphaned

        stop_when_orphaned(supervised_by)
    _check_output(output)
    settings = _with_recheck(_settings(config)) if recheck else _settings(config)
    code, rows = _crawl(settings, sources or None, replay, archive, verbose, output)
    if output == "json":
        print_json({"exit_code": code, "sources": rows})
    raise typer.Exit(code)


@app.command()
@edge_errors
def run(
    replay: Optional[list[Path]] = typer.Option(None, "--replay", help="Answer every request from these WARC files/dirs."),
    archive: Optional[Path] = typer.Option(None, "--archive"),
    verbose: bool = typer.Option(False, "--verbose", "-v"),
    output: str = OutputOption,
    config: Optional[Path] = ConfigOption,
) -> None:
    """Crawl every enabled outlet, then report per source what this run stored.

    Exit codes: 0 every source ran; 1 some sources failed or were refused; 4 every source failed;
    2 nothing could run (configuration or storage error, no enabled outlet).
    """
    _check_output(output)
    settings = _settings(config)
    started = datetime.now(timezone.utc)
    code, rows = _crawl(settings, None, replay, archive, verbose, output)
    stored = _print_store_report(settings, started, output)
    if output == "json":
        print_json({"exit_code": code, "sources": rows, "stored": stored})
    raise typer.Exit(code)


def _print_store_report(settings: Settings, since: datetime, output: str = "table") -> list[dict[str, Any]]:
    """Per outlet, the articles first seen since `since` (this run's), through ix_articles_first_seen: totals of
    everything ever stored would read the whole store after every run."""
    from sqlalchemy import select

    from crawler.fetch.runner import open_store
    from storage.models import Article

    engine, sessions = open_store(settings)
    columns = ("outlet", "articles", "full text", "lead/metadata only", "relevant")
    table = make_table(out, *columns, title=f"stored by this run in {engine.url.render_as_string(hide_password=True)}")
    stored: list[dict[str, Any]] = []
    # Grouped here, not in SQL: GROUP BY outlet leads SQLite to read the whole table in outlet order.
    totals: dict[str, list[int]] = {}
    with sessions() as session:
        for outlet, status, relevant in session.execute(
            select(Article.outlet, Article.status, Article.relevant).where(Article.first_seen >= since)
        ):
            counts = totals.setdefault(outlet, [0, 0, 0, 0])
            counts[0] += 1
            counts[1 if status == "full" else 2] += 1
            counts[3] += bool(relevant)
    for outlet, (count, full, partial, relevant) in sorted(totals.items()):
        stored.append({"outlet": outlet, "articles": count, "full": full, "partial": partial, "relevant": relevant})
        table.add_row(outlet, str(count), str(full), str(partial), str(relevant))
    if output != "json":
        out.print(table)
    return stored


# Feature areas add their commands from their own modules (digest, serve, schedule, probe, wiki, ...):
# each defines register(app). Listed here so a missing module is an error, not a silently absent command.
PLUGIN_MODULES: tuple[str, ...] = (
    "crawler.cli.stored", "crawler.cli.interfaces", "crawler.cli.probe", "crawler.cli.digest", "crawler.cli.schedule", "crawler.cli.scrapyd", "crawler.cli.check",
    "crawler.cli.stories",
)


def _register_plugins() -> None:
    import importlib

    for name in PLUGIN_MODULES:
        importlib.import_module(name).register(app)


_register_plugins()


def main() -> None:
    app()


if __name__ == "__main__":
    main()
