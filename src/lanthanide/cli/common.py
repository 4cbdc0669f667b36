"""What every CLI module shares: the two consoles, the output format option,
the exit-code-2 error and JSON printing."""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from typing import Any, NoReturn

import typer
from rich.console import Console

out = Console(soft_wrap=False, width=None if sys.stdout.isatty() else 160)
err = Console(stderr=True, width=None if sys.stderr.isatty() else 160)


class Fmt(StrEnum):
    json = "json"
    table = "table"


def fail(message: str, code: int = 2) -> NoReturn:
    """Print an error naming the flag and what is allowed; exit (2: bad input)."""
    err.print(f"[bold red]Error:[/] {message}", highlight=False)
    raise typer.Exit(code)


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")
