"""`coverwatch stories FILE.jsonl`: group reports of one event across languages (crawler/stories/), no database."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import typer

FILE_ARGUMENT = typer.Argument(..., help="JSONL with objects {id, lang, title, text, published_at}; '-' reads stdin.")
LEXICON_OPTION = typer.Option(None, "--lexicon", help="Actor lexicon TOML (default: crawler/stories/data/actors.toml).")


def register(app: typer.Typer) -> None:
    @app.command("stories")
    def stories_command(file: Path = FILE_ARGUMENT, lexicon: Path | None = LEXICON_OPTION) -> None:
        """Link reports of one event: prints {id, story, evidence} per line (stable interface). Reports with the
        same `story` are one story; `evidence` says what linked a report to an earlier one (null for the first)."""
        from crawler.stories.lexicon import LexiconError, load_lexicon
        from crawler.stories.link import stories_jsonl

        try:
            loaded = load_lexicon(lexicon)
        except (OSError, ValueError, LexiconError) as exc:
            typer.echo(f"cannot load the actor lexicon: {exc}", err=True)
            raise typer.Exit(2) from None
        try:
            stream = sys.stdin if str(file) == "-" else file.open(encoding="utf-8")
        except OSError as exc:
            typer.echo(f"cannot read {file}: {exc.strerror or exc}", err=True)
            raise typer.Exit(2) from None
        failed = total = 0
        with stream:
            for row in stories_jsonl(stream, loaded):
                total += 1
                failed += "error" in row
                sys.stdout.write(json.dumps(row, ensure_ascii=False) + "\n")
        if failed:
            typer.echo(f"{failed} of {total} lines were not usable reports (see their 'error')", err=True)
        raise typer.Exit(1 if total and failed == total else 0)
