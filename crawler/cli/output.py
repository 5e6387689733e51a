"""How the CLI prints for people and for machines.

On a terminal, Rich's tables fit the window. Anywhere else (a pipe, a `--log-dir` file, cron mail) Rich would cut
every table to 80 columns ("outco…", "dns_e…") and wrap one-line errors: there the consoles are unbounded and
tables are plain ASCII at their natural width, so a line can be grepped and a mail client shows it as written.
"""

from __future__ import annotations

import json
import sys
from typing import Any

from rich import box
from rich.console import Console
from rich.table import Table

# Wide enough for any summary row; tables never stretch to it (they take the width their cells need).
UNBOUNDED_WIDTH = 100_000
OUTPUT_FORMATS = ("table", "json")


def make_console(*, stderr: bool = False) -> Console:
    """A console for stdout (or stderr): as Rich makes it on a terminal, unbounded and unwrapped anywhere else."""
    console = Console(stderr=stderr)
    if console.is_terminal:
        return console
    return Console(stderr=stderr, width=UNBOUNDED_WIDTH, soft_wrap=True)


def make_table(console: Console, *columns: str, title: str | None = None) -> Table:
    """A table with these columns: Rich's boxes on a terminal, plain ASCII rules elsewhere."""
    table = Table(title=title, box=box.HEAVY_HEAD if console.is_terminal else box.ASCII)
    for column in columns:
        table.add_column(column)
    return table


def print_json(data: Any) -> None:
    """One JSON document on stdout, unwrapped, whatever the console width (the `--output json` form)."""
    sys.stdout.write(json.dumps(data, ensure_ascii=False, default=str) + "\n")
