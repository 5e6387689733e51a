"""`coverwatch extract` and `coverwatch relevance`: the pure stages as stable line interfaces. Registered by crawler.cli.app (PLUGIN_MODULES)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Optional

import typer


def register(app: typer.Typer) -> None:
    from crawler.cli.app import console

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
