"""The `coverwatch` command line. Errors at the edges become one clear line and a non-zero exit, never a traceback."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
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
articles_app = typer.Typer(help="List and show stored articles.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(config_app, name="config")
app.add_typer(articles_app, name="articles")

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
    """Crawl every enabled outlet, then report what is stored per source.

    Exit codes: 0 every source ran; 1 some sources failed or were refused; 4 every source failed;
    2 nothing could run (configuration or storage error, no enabled outlet).
    """
    _check_output(output)
    settings = _settings(config)
    code, rows = _crawl(settings, None, replay, archive, verbose, output)
    stored = _print_store_report(settings, output)
    if output == "json":
        print_json({"exit_code": code, "sources": rows, "stored": stored})
    raise typer.Exit(code)


def _print_store_report(settings: Settings, output: str = "table") -> list[dict[str, Any]]:
    from sqlalchemy import func, select

    from crawler.fetch.runner import open_store
    from storage.models import Article

    engine, sessions = open_store(settings)
    columns = ("outlet", "articles", "full text", "lead/metadata only", "relevant")
    table = make_table(out, *columns, title=f"stored in {engine.url.render_as_string(hide_password=True)}")
    stored: list[dict[str, Any]] = []
    with sessions() as session:
        rows = session.execute(
            select(
                Article.outlet,
                func.count(),
                func.sum((Article.status == "full").cast(int_type())),
                func.sum((Article.status != "full").cast(int_type())),
                func.sum(func.coalesce(Article.relevant, False).cast(int_type())),
            ).group_by(Article.outlet).order_by(Article.outlet)
        )
        for outlet, count, full, partial, relevant in rows:
            stored.append({"outlet": outlet, "articles": count, "full": full or 0, "partial": partial or 0, "relevant": relevant or 0})
            table.add_row(outlet, str(count), str(full or 0), str(partial or 0), str(relevant or 0))
    if output != "json":
        out.print(table)
    return stored


def int_type():  # type: ignore[no-untyped-def]
    from sqlalchemy import Integer

    return Integer()


# --- inspection ---------------------------------------------------------------------------------------------


@app.command()
@edge_errors
def sources(config: Optional[Path] = ConfigOption, as_json: bool = typer.Option(False, "--json")) -> None:
    """List every outlet with its discovery routes and health."""
    from crawler.fetch.runner import open_store
    from spiders.registry import all_outlets
    from storage import repo

    settings = _settings(config)
    outlets = all_outlets(settings)
    _, sessions = open_store(settings)
    rows = []
    with sessions() as session:
        for name, outlet in sorted(outlets.items()):
            stored = repo.get_source(session, name)
            runs = repo.recent_runs(session, name, limit=1)
            rows.append(
                {
                    "name": name,
                    "title": outlet.title,
                    "language": outlet.language or "multi",
                    "enabled": outlet.enabled,
                    "disabled_reason": outlet.disabled_reason,
                    "routes": outlet.routes,
                    "fetch_articles": outlet.fetch_articles,
                    "health": stored.health if stored else "unknown",
                    "health_reason": stored.health_reason if stored else "never crawled",
                    "last_run": runs[0].outcome if runs else None,
                }
            )
    if as_json:
        out.print_json(json.dumps(rows))
        return
    table = make_table(out, "name", "lang", "enabled", "routes", "health", "reason", "last run", title="sources")
    for row in rows:
        table.add_row(
            row["name"], row["language"], "yes" if row["enabled"] else f"no ({row['disabled_reason'] or 'config'})",
            ", ".join(row["routes"]) + ("" if row["fetch_articles"] else " (metadata only)"),
            row["health"], row["health_reason"] or "", row["last_run"] or "-",
        )
    out.print(table)


@articles_app.command("list")
@edge_errors
def articles_list(
    outlet: Optional[str] = typer.Option(None),
    relevant: bool = typer.Option(False, "--relevant", help="Only articles at or above the relevance threshold."),
    limit: int = typer.Option(50),
    config: Optional[Path] = ConfigOption,
) -> None:
    """List stored articles, newest first."""
    from sqlalchemy import select

    from crawler.fetch.runner import open_store
    from storage.models import Article

    _, sessions = open_store(_settings(config))
    statement = select(Article).order_by(Article.first_seen.desc(), Article.id.desc()).limit(limit)
    if outlet:
        statement = statement.where(Article.outlet == outlet)
    if relevant:
        statement = statement.where(Article.relevant.is_(True))
    table = make_table(out, "id", "outlet", "lang", "status", "published", "score", "title")
    with sessions() as session:
        for article in session.scalars(statement):
            published = article.published_at.strftime("%Y-%m-%d %H:%M") if article.published_at else "-"
            if article.published_uncertain and article.published_at:
                published += " (?)"
            score = f"{article.relevance_score:.2f}" if article.relevance_score is not None else "-"
            table.add_row(str(article.id), article.outlet, article.language or "?", article.status, published, score, (article.title or "")[:90])
    out.print(table)


@articles_app.command("show")
@edge_errors
def articles_show(article_id: int, config: Optional[Path] = ConfigOption) -> None:
    """Show one stored article as JSON (text, provenance, relevance, versions)."""
    from crawler.fetch.runner import open_store
    from storage.models import Article

    _, sessions = open_store(_settings(config))
    with sessions() as session:
        article = session.get(Article, article_id)
        if article is None:
            console.print(f"no article with id {article_id}")
            raise typer.Exit(1)
        data = {
            column.name: getattr(article, column.name)
            for column in Article.__table__.columns
            if column.name not in ("pdf", "signature")
        }
        data["versions"] = [
            {"version": v.version_no, "kind": v.kind, "fetched_at": v.fetched_at, "change": v.change_summary} for v in article.versions
        ]
    out.print_json(json.dumps(data, default=str, ensure_ascii=False))


# --- pure stages as stable interfaces -----------------------------------------------------------------------


@app.command()
def extract(
    files: list[Path] = typer.Argument(..., help="HTML or PDF files."),
    url: Optional[str] = typer.Option(None, "--url", help="The page URL (otherwise FILE.url, when present)."),
    output_format: str = typer.Option("jsonl", "--format", help="Only jsonl: one JSON object per file."),
) -> None:
    """Extract title, text, date, language and authors: one JSON object per file (stable interface)."""
    from crawler.extract.article import extract_file
    from crawler.extract.budget import BudgetExceeded

    if output_format != "jsonl":
        console.print(f"unsupported --format {output_format!r}: only jsonl")
        raise typer.Exit(2)
    failed = refused = 0
    for path in files:
        try:
            article = extract_file(path, url)
            record = {"path": str(path), **article.as_json()}
        except (OSError, ValueError, BudgetExceeded) as error:
            failed += 1
            if isinstance(error, BudgetExceeded):  # input past the limits: one line, exit 2 (CLI input error)
                refused += 1
                console.print(f"input error: {path}: {error.detail}", highlight=False, soft_wrap=True)
            record = {"path": str(path), "url": url, "title": None, "text": "", "published_at": None, "language": None, "authors": [], "error": str(error)}
        # `id` lets `coverwatch relevance` (which reports each input's id) compose with this output in a pipe.
        record = {"id": record.get("url") or str(path), **record}
        sys.stdout.write(json.dumps(record, ensure_ascii=False) + "\n")
    raise typer.Exit(2 if refused else 1 if failed == len(files) else 0)


@app.command("relevance")
def relevance_command(
    file: str = typer.Argument("-", help="JSONL with objects {id, lang, title, text}; '-' (the default) reads stdin."),
    threshold: Optional[float] = typer.Option(None, help="Override the profile's threshold."),
    profile: Optional[Path] = typer.Option(None, help="Topic profile TOML (default: the shipped one)."),
) -> None:
    """Score each object for topic relevance: prints {id, relevant, score, matches} per line (stable interface).

    Composes with extract: `coverwatch extract page.html | coverwatch relevance`.
    """
    from crawler.relevance.assess import load_profile, relevance_jsonl

    loaded = load_profile(profile)
    with (open(0, encoding="utf-8", closefd=False) if file == "-" else Path(file).open(encoding="utf-8")) as stream:
        for result in relevance_jsonl(stream, loaded, threshold):
            sys.stdout.write(json.dumps(result, ensure_ascii=False) + "\n")


# Feature areas add their commands from their own modules (digest, serve, schedule, probe, wiki, ...):
# each defines register(app). Listed here so a missing module is an error, not a silently absent command.
PLUGIN_MODULES: tuple[str, ...] = (
    "crawler.cli.probe", "crawler.cli.digest", "crawler.cli.schedule", "crawler.cli.scrapyd", "crawler.cli.check",
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
