"""``lanthanide parties screen|list|export-ftm``: names and customer files
screened against China's party lists, the lists themselves, and a
FollowTheMoney export. Registered on the main app in :mod:`lanthanide.cli`."""

from __future__ import annotations

import csv
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from lanthanide.cli.common import Fmt, Group, client, emit, fail, output_path
from lanthanide.cli.common import out as _out

parties_app = typer.Typer(
    cls=Group,
    help="Screen names against China's party lists (control, watch, unreliable entity, "
    "countermeasure), list them, export them.",
    no_args_is_help=True,
)


class ListName(StrEnum):
    control = "control"
    watch = "watch"
    unreliable = "unreliable"
    countermeasure = "countermeasure"


OnOpt = Annotated[
    str | None, typer.Option("--on", help="Date of the screening, YYYY-MM-DD (default today).")
]


def _effects(effects: list[dict[str, Any]]) -> str:
    return (
        "; ".join(
            f"{e['effect']} ({e['activity']}, {e['status']})" for e in effects if e["applies"]
        )
        or "none in force"
    )


def _checked(data: dict[str, Any]) -> None:
    c = data["lists_checked"]
    counts = ", ".join(f"{k}: {v}" for k, v in c["counts"].items())
    _out.print(f"Lists checked on {c['on']}: {counts}", highlight=False)
    for w in c["warnings"]:
        _out.print(f"⚠ {w}", highlight=False)
    _out.print(f"rulebook {data['rulebook_version']}", highlight=False)


def render_screen(data: dict[str, Any]) -> None:
    """A screening (its JSON form) as a table."""
    t = Table("entry", "list", "notice", "confidence", "score", "matched", "status", "effects")
    for m in data["matches"]:
        names = " / ".join(n for n in (m["name"]["zh"], m["name"]["en"]) if n)
        t.add_row(
            f"{names}\n{m['entry']}",
            m["list"],
            m["number"],
            m["confidence"],
            f"{m['score']:.2f}",
            m["explanation"]["summary"],
            m["status"],
            _effects(m["effects"]),
        )
    _out.print(t)
    if not data["matches"]:
        _out.print(f"No listed party matches '{data['query']}'.", highlight=False)
    elif not data["confident"]:
        _out.print("No confident match; possible matches must be checked by hand.")
    _checked(data)


def render_list(data: dict[str, Any]) -> None:
    t = Table("entry", "name", "country", "list", "notice", "effective", "status", "effects")
    for r in data["entries"]:
        names = " / ".join(n for n in (r["name"]["zh"], r["name"]["en"]) if n)
        t.add_row(
            r["entry"],
            names,
            r["country"] or "",
            r["list"],
            r["number"],
            r["effective"],
            r["status"],
            _effects(r["effects"]),
        )
    _out.print(t)
    _out.print(f"{len(data['entries'])} entries", highlight=False)
    _checked(data)


OUT_COLUMNS = ("match_entry", "match_name", "confidence", "score", "list", "notice", "status")


def _screen_file(
    path: Path, column: str | None, out: Path | None, on: str | None, country: str | None
) -> None:
    if column is None:
        fail(f"--column: {path} is a CSV file; name the column that holds the party names")
    if out is None:
        fail("--out: give the file to write the screened rows to")
    output_path(out, "--out", inputs=(path,))
    with path.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        header = list(reader.fieldnames or [])
        if column not in header:
            fail(
                f"--column: '{column}' is not a column of {path}; its columns: {', '.join(header)}"
            )
        rows = list(reader)
    ln = client()
    best: dict[str, dict[str, Any] | None] = {}
    for row in rows:
        name = (row.get(column) or "").strip()
        if name and name not in best:
            found = ln.screen_party(name, on=on, country=country)["matches"]
            best[name] = found[0] if found else None
    with out.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=[*header, *OUT_COLUMNS])
        writer.writeheader()
        for row in rows:
            name = (row.get(column) or "").strip()
            m = best.get(name)
            extra = dict.fromkeys(OUT_COLUMNS, "")
            if not name:
                extra["confidence"] = "no name"
            elif m is None:
                extra["confidence"] = "none"
            else:
                extra.update(
                    match_entry=m["entry"],
                    match_name=m["name"]["en"] or m["name"]["zh"] or "",
                    confidence=m["confidence"],
                    score=f"{m['score']:.2f}",
                    list=m["list"],
                    notice=m["number"],
                    status=m["status"],
                )
            writer.writerow({**{k: row.get(k, "") for k in header}, **extra})
    hits = sum(1 for m in best.values() if m is not None and m["confident"])
    _out.print(
        f"{len(rows)} rows, {len(best)} distinct names, {hits} confident matches → {out}",
        highlight=False,
    )


@parties_app.command("screen")
def screen(
    name: Annotated[str, typer.Argument(help="A party name, or a CSV file with --column.")],
    on: OnOpt = None,
    country: Annotated[
        str | None, typer.Option("--country", help="The party's country, ISO alpha-2 (US).")
    ] = None,
    column: Annotated[
        str | None, typer.Option("--column", help="For a CSV file: the column of names.")
    ] = None,
    out: Annotated[
        Path | None, typer.Option("--out", help="For a CSV file: where to write the rows.")
    ] = None,
    fmt: Annotated[Fmt, typer.Option("--format", help="json or table.")] = Fmt.table,
) -> None:
    """Screen a name (or every name of a CSV file) against China's party
    lists: matches with confidence, what matched, status and effects on the date.

    Example: lanthanide parties screen "MP Materials Corp." --on 2026-12-01
    """
    path = Path(name)
    if name.lower().endswith(".csv") or column is not None:
        if not path.is_file():
            fail(f"NAME: {name} is not a file")
        _screen_file(path, column, out, on, country)
        return
    if out is not None:
        fail("--out: only for a CSV file of names (with --column)")
    emit(fmt, client().screen_party(name, on=on, country=country), render_screen)


@parties_app.command("list")
def list_(
    kind: Annotated[ListName | None, typer.Option("--list", help="Only one list.")] = None,
    on: OnOpt = None,
    fmt: Annotated[Fmt, typer.Option("--format", help="json or table.")] = Fmt.table,
) -> None:
    """List the parties on China's lists with their status on a date.

    Example: lanthanide parties list --list control --on 2026-12-01
    """
    data = client().party_lists(kind.value if kind else None, on=on)
    emit(fmt, data, render_list)


@parties_app.command("export-ftm")
def export_ftm(
    out: Annotated[Path, typer.Option("--out", help="The file to write (JSON lines).")],
) -> None:
    """Export the party lists as FollowTheMoney entities, one JSON per line.

    Example: lanthanide parties export-ftm --out parties.ftm.json
    """
    output_path(out, "--out")
    n = client().export_ftm(out)
    _out.print(f"{n} entities → {out}", highlight=False)
