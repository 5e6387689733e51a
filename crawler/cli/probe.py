"""`coverwatch probe URL`: find a site's feeds and sitemaps and print a ready [outlets.<name>] block (crawler/discover/probe.py)."""

from __future__ import annotations

from pathlib import Path

import typer

# A probe is one site, by hand: this many requests is plenty to find its feeds and sitemaps.
MAX_REQUESTS_DEFAULT = 25
URL_ARGUMENT = typer.Argument(..., help="The site (home page, section page, feed or sitemap URL).")
NAME_OPTION = typer.Option(None, "--name", help="Outlet name for the block (default: from the host).")
MAX_REQUESTS_OPTION = typer.Option(MAX_REQUESTS_DEFAULT, "--max-requests", min=1, max=200)
CONFIG_OPTION = typer.Option(None, "--config", "-c", help="Config file (for the User-Agent and timeouts).")


def register(app: typer.Typer) -> None:
    @app.command()
    def probe(
        url: str = URL_ARGUMENT,
        name: str | None = NAME_OPTION,
        max_requests: int = MAX_REQUESTS_OPTION,
        config: Path | None = CONFIG_OPTION,
    ) -> None:
        """Look for a site's feeds and sitemaps (robots.txt, <link rel=alternate>, common paths) and print a
        coverwatch.toml block that watches it. Requests use the configured User-Agent and obey robots.txt.
        Exits 1, printing no block, when the site answered nothing (no network, a name that does not resolve)."""
        from rich.console import Console

        from crawler.cli.app import edge_errors
        from crawler.config import load_settings
        from crawler.discover.probe import config_block, http_fetch
        from crawler.discover.probe import probe as run_probe

        console = Console(stderr=True, soft_wrap=True)

        @edge_errors
        def main() -> None:
            settings = load_settings(config)
            crawl = settings.crawl
            fetch = http_fetch(url, user_agent=crawl.user_agent, timeout=crawl.download_timeout, delay=crawl.download_delay)
            result = run_probe(url, fetch, max_requests=max_requests)
            for tried, outcome in result.tried:
                console.print(f"  {outcome:<40} {tried}", highlight=False, markup=False)
            if not result.answered:
                # A block built from no answer at all would be a guess: say so and fail, so a script notices.
                console.print(f"no answer from {result.host}: offline, or the name does not resolve; no block printed", highlight=False)
                raise typer.Exit(1)
            if not result.found:
                console.print("no feed or sitemap found: the block below uses Google News and GDELT instead", highlight=False)
            typer.echo(config_block(result, name))

        main()
