"""`coverwatch scrapyd deploy NODE…` and `coverwatch scrapyd status`: the Scrapyd pool of schedule.dispatch = "scrapyd"."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer


def register(app: typer.Typer) -> None:
    # crawler.cli.app is imported here, not at module level: it imports this module while it loads.
    from rich.table import Table

    from crawler.cli.app import ConfigOption, _settings, console, edge_errors, out

    scrapyd_app = typer.Typer(help="Scrapyd nodes: deploy the crawl project, show their load.", no_args_is_help=True)
    app.add_typer(scrapyd_app, name="scrapyd")

    @scrapyd_app.command("deploy")
    @edge_errors
    def deploy(
        nodes: Optional[list[str]] = typer.Argument(None, help="Node URLs (default: schedule.scrapyd_nodes)."),
        project: str = typer.Option("coverwatch", "--project"),
        version: Optional[str] = typer.Option(None, "--version", help="Egg version (default: seconds since the epoch)."),
        config: Optional[Path] = ConfigOption,
    ) -> None:
        """Upload the project egg to each node (addversion.json); each node reports one spider per outlet."""
        from crawler.config import ConfigError
        from crawler.schedule.scrapyd.deploy import deploy as deploy_to

        specs = list(nodes or []) or _settings(config).schedule.scrapyd_nodes
        if not specs:
            raise ConfigError("schedule.scrapyd_nodes: no nodes configured and none given on the command line")
        results = deploy_to(specs, project=project, version=version)
        table = Table(title=f"deployed project {project!r}")
        for column in ("node", "result", "spiders"):
            table.add_column(column)
        for result in results:
            table.add_row(result.node, "ok" if result.ok else f"failed: {result.error[-300:]}", str(result.spiders))
        out.print(table)
        failed = [result.node for result in results if not result.ok]
        if failed:
            console.print(f"[red]deploy failed on:[/red] {', '.join(failed)}", highlight=False)
            raise typer.Exit(1)

    @scrapyd_app.command("status")
    @edge_errors
    def status(
        nodes: Optional[list[str]] = typer.Argument(None, help="Node URLs (default: schedule.scrapyd_nodes)."),
        as_json: bool = typer.Option(False, "--json"),
        config: Optional[Path] = ConfigOption,
    ) -> None:
        """Each node's running, pending and free slots (daemonstatus.json)."""
        from crawler.config import ConfigError
        from crawler.schedule.scrapyd.client import NodeUnreachable, ScrapydClient, ScrapydError, parse_node
        from crawler.schedule.scrapyd.jobs import free_slots

        specs = list(nodes or []) or _settings(config).schedule.scrapyd_nodes
        if not specs:
            raise ConfigError("schedule.scrapyd_nodes: no nodes configured and none given on the command line")
        rows = []
        for spec in specs:
            node = parse_node(spec)
            try:
                answer = ScrapydClient(node).daemonstatus()
                rows.append({"node": node.name, "up": True, "running": answer.get("running", 0), "pending": answer.get("pending", 0),
                             "max_proc": node.max_proc, "free": free_slots(node, answer)})
            except (NodeUnreachable, ScrapydError) as error:
                rows.append({"node": node.name, "up": False, "max_proc": node.max_proc, "error": str(error)})
        if as_json:
            out.print(json.dumps(rows, ensure_ascii=False), highlight=False)
        else:
            table = Table(title="Scrapyd nodes")
            for column in ("node", "up", "running", "pending", "max_proc", "free"):
                table.add_column(column)
            for row in rows:
                table.add_row(row["node"], "yes" if row["up"] else f"no: {row.get('error', '')[:80]}", str(row.get("running", "-")),
                              str(row.get("pending", "-")), str(row["max_proc"]), str(row.get("free", "-")))
            out.print(table)
        if not all(row["up"] for row in rows):
            raise typer.Exit(1)
