"""`coverwatch digest` and `coverwatch serve`: the analyst's two commands. Registered by crawler.cli.app (PLUGIN_MODULES)."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from typing import Optional

import typer

from crawler.config import ConfigError

ConfigOption = typer.Option(None, "--config", "-c", help="Config file (default: ./coverwatch.toml or $COVERWATCH_CONFIG).")


def register(app: typer.Typer) -> None:
    from crawler.cli.app import console, edge_errors, load_settings

    @app.command()
    @edge_errors
    def digest(
        date: Optional[str] = typer.Option(None, "--date", help="Digest day YYYY-MM-DD (default: the day in progress)."),
        since: Optional[str] = typer.Option(None, "--since", help="Instead of a day: everything since T (ISO time, or 24h / 3d)."),
        formats: Optional[str] = typer.Option(None, "--formats", help="Comma-separated: html,markdown,text,atom (default: digest.formats)."),
        send: bool = typer.Option(False, "--send", help="Email it (digest.email); a digest is never sent twice."),
        output_dir: Optional[Path] = typer.Option(None, "--output-dir", help="Directory for the files (default: digest.output_dir)."),
        config: Optional[Path] = ConfigOption,
    ) -> None:
        """Write the daily digest (HTML, Markdown, text, Atom) and print the paths of the files."""
        from crawler.digest.mailer import MailError
        from crawler.digest.run import FORMATS, produce_digest
        from crawler.digest.format import window_label
        from crawler.digest.window import parse_day, parse_since
        from crawler.wording import plural
        from crawler.fetch.runner import open_store

        settings = load_settings(config)
        if date and since:
            raise ConfigError("--date and --since exclude each other: give one")
        now = datetime.now(timezone.utc)
        try:
            day = parse_day(date) if date else None
            start = parse_since(since, now, settings.digest) if since else None
        except ValueError as error:
            raise ConfigError(str(error)) from None
        chosen = [name.strip() for name in formats.split(",") if name.strip()] if formats else None
        unknown = [name for name in chosen or [] if name not in FORMATS]
        if unknown:
            raise ConfigError(f"--formats: unknown {', '.join(unknown)} (choose from {', '.join(FORMATS)})")
        _, sessions = open_store(settings)
        try:
            outcome = produce_digest(settings, sessions, day=day, since=start, formats=chosen, send=send, output_dir=output_dir, now=now)
        except MailError as error:
            console.print(f"[red]email error:[/red] {error}", highlight=False)
            raise typer.Exit(1) from None
        except ValueError as error:
            raise ConfigError(str(error)) from None
        for path in outcome.paths.values():
            typer.echo(str(path))
        data = outcome.data
        state = "new" if outcome.record.changed else "unchanged"
        # The file is named for the day its window starts (digest.time to digest.time): say which window that is,
        # so "digest-2026-12-06" read at 02:45 on the 7th is not mistaken for yesterday's finished digest.
        console.print(
            f"digest {data.day} ({window_label(data)}): {plural(len(data.items), 'story', 'stories')}, "
            f"{plural(len(data.near_misses), 'near miss', 'near misses')}, "
            f"{plural(len(data.health), 'source')} with problems ({state}); "
            f"email: {outcome.sent}" + (f" (refused: {', '.join(outcome.refused)})" if outcome.refused else ""),
            highlight=False,
        )

    @app.command()
    @edge_errors
    def serve(
        host: Optional[str] = typer.Option(None, "--host", help="Address to bind (default: ui.host, 127.0.0.1)."),
        port: Optional[int] = typer.Option(None, "--port", help="Port (default: ui.port)."),
        config: Optional[Path] = ConfigOption,
    ) -> None:
        """Serve the review UI. Off localhost only with COVERWATCH_UI_TOKEN set."""
        import uvicorn

        from crawler.web.app import create_app
        from crawler.web.security import check_bind

        settings = load_settings(config)
        bind = host or settings.ui.host
        check_bind(bind, settings.ui)
        application = create_app(settings, allowed_hosts=(bind,))
        shown = f"[{bind}]" if ":" in bind else bind
        console.print(f"review UI on http://{shown}:{port or settings.ui.port}/ (Ctrl-C stops it)", highlight=False)
        uvicorn.run(application, host=bind, port=port or settings.ui.port, log_level="warning", server_header=False, access_log=False)
