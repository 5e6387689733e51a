"""`coverwatch check --live [OUTLET…]`: the first thing to run on a real server (crawler/fetch/live_check.py).

Exit codes: 0 every enabled outlet checked yields leads; 1 at least one enabled outlet yields nothing; 2 a config
or storage error.
"""

from __future__ import annotations

import json
import sys
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:
    from crawler.fetch.live_check import OutletCheck

OUTLETS_ARGUMENT = typer.Argument(None, help="Outlet names (default: every enabled outlet).")
LIVE_OPTION = typer.Option(False, "--live", help="Fetch from the real sites (the only mode: needs the network).")
JSON_OPTION = typer.Option(False, "--json", help="One JSON object per outlet instead of the table.")
CONFIG_OPTION = typer.Option(None, "--config", "-c", help="Config file (default: ./coverwatch.toml or $COVERWATCH_CONFIG).")
# Not a terminal (cron mail, a log file): a wide table, not one cut to 80 columns.
PLAIN_WIDTH = 200
EXIT_NOTHING = 1


def register(app: typer.Typer) -> None:
    @app.command()
    def check(
        outlets: list[str] | None = OUTLETS_ARGUMENT,
        live: bool = LIVE_OPTION,
        as_json: bool = JSON_OPTION,
        config: Path | None = CONFIG_OPTION,
    ) -> None:
        """First deploy: per outlet, request each discovery route once (configured User-Agent, robots.txt obeyed,
        no retries), fetch and extract one article, and print what answered, how many leads, whether the article
        was extracted and dated, and what blocked us. Nothing is stored in the configured database.

        Exit codes: 0 every enabled outlet yields leads; 1 at least one enabled outlet yields nothing; 2 a config error."""
        from crawler.cli.app import edge_errors
        from crawler.config import ConfigError, load_settings

        @edge_errors
        def main() -> int:
            from crawler.fetch.live_check import run_live_check
            from spiders.registry import select_outlets

            if not live:
                raise ConfigError("check: give --live (it fetches from the real sites); `coverwatch config check` validates offline")
            settings = load_settings(config)
            chosen = select_outlets(settings, outlets or None)
            if not chosen:
                raise ConfigError("check --live: no enabled outlets to check")
            results = run_live_check(settings, chosen)
            if as_json:
                for result in results:
                    record = {**asdict(result), "leads": result.leads, "verdict": result.verdict}
                    for route in record["routes"]:
                        route["urls"] = sorted(route["urls"])
                    sys.stdout.write(json.dumps(record, ensure_ascii=False) + "\n")
            else:
                _print_table(results)
            empty = [result.outlet for result in results if result.enabled and result.verdict == "NOTHING"]
            return EXIT_NOTHING if empty else 0

        raise typer.Exit(main())


def _print_table(results: list[OutletCheck]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title="live check (one request per route, one article per outlet)")
    for column in ("outlet", "route", "answered", "leads", "article", "dated", "blocked by", "verdict"):
        table.add_column(column, overflow="fold")
    for result in results:
        if result.skipped:
            table.add_row(result.outlet, "-", "-", "-", result.skipped, "-", "-", result.verdict)
            continue
        outlet_cells = [result.article, {True: "yes", False: "no", None: "-"}[result.dated], ", ".join(result.blocked_by) or "-", result.verdict]
        for index, route in enumerate(result.routes or []):
            answered = f"yes ({route.status})" if route.answered else (
                f"no ({', '.join(route.problems)})" if route.problems else f"no ({route.status or 'no answer'})"
            )
            row = [result.outlet if index == 0 else "", f"{route.route} {route.url}", answered, str(route.leads)]
            table.add_row(*row, *(outlet_cells if index == 0 else ["", "", "", ""]))
        if not result.routes:
            table.add_row(result.outlet, "(no route)", "-", "0", *outlet_cells)
    Console(width=None if sys.stdout.isatty() else PLAIN_WIDTH).print(table)
