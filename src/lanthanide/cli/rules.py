"""``lanthanide rules ...``: browse, compare and validate the rulebook."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from lanthanide.cli.common import Fmt, Group, client, emit, err, fail, out
from lanthanide.rules.report import UnknownVersionError

rules_app = typer.Typer(
    cls=Group, help="Browse, compare and validate the rulebook.", no_args_is_help=True
)


def _render_list(rows: list[dict[str, Any]]) -> None:
    t = Table("id", "number", "regime", "effective", "status", "items")
    for r in rows:
        t.add_row(
            r["id"],
            r["number"] or r["title"],
            r["regime"],
            r["effective"] or "—",
            r["status"],
            str(r["items"]),
        )
    out.print(t)


@rules_app.command("list")
def rules_list(
    on: Annotated[
        str | None, typer.Option("--on", help="Only instruments in force on YYYY-MM-DD.")
    ] = None,
    regime: Annotated[
        str | None,
        typer.Option(
            "--regime",
            help="dual_use, technology_catalogue, goods_licence, reporting, framework, suspension.",
        ),
    ] = None,
    fmt: Annotated[Fmt, typer.Option("--format")] = Fmt.table,
) -> None:
    """List the instruments of the rulebook.

    Example: lanthanide rules list --on 2025-12-01
    """
    emit(fmt, client().instruments(on=on, regime=regime), _render_list)


def _render_show(data: dict[str, Any]) -> None:
    out.print(
        f"[bold]{escape(str(data.get('number') or data['id']))}[/]  "
        f"{escape(data['title'].get('zh') or '')}",
        markup=True,
    )
    out.print(f"{data['title'].get('en') or ''}  status: {data['status']}")
    t = Table("code", "kind", "title", "HS")
    for it in data.get("items", []):
        t.add_row(
            it["code"],
            it["kind"],
            it["title"].get("zh") or it["title"].get("en"),
            ", ".join(h["code"] for h in it.get("hs", [])),
        )
    out.print(t)


@rules_app.command("show")
def rules_show(
    ident: Annotated[str, typer.Argument(help="Instrument id or official number.")],
    fmt: Annotated[Fmt, typer.Option("--format")] = Fmt.json,
) -> None:
    """Show one instrument with its items, controls, sources and suspensions.

    Example: lanthanide rules show cn-mofcom-gac-2025-18
    """
    try:
        data = client().instrument(ident)
    except UnknownVersionError as exc:
        fail(f"IDENT: {exc}")
    emit(fmt, data, _render_show)


def _render_diff(data: dict[str, Any]) -> None:
    out.print(
        f"{data['from']} → {data['to']}: encoded {data['counts']}; declared {data['declared']}"
    )
    for key in ("added", "removed", "modified", "unknown"):
        for it in data[key]:
            out.print(f"  {key:9} {it['code']:12} {it['title']}", highlight=False)
    for it in data["deleted_without_encoded_item"]:
        out.print(f"  deleted   {it['code'] or '(no number)':12} {it['title']}", highlight=False)


@rules_app.command("diff")
def rules_diff(
    a: Annotated[
        str, typer.Argument(help="Catalogue version (2020, 2023, 2025) or instrument id.")
    ],
    b: Annotated[str, typer.Argument(help="Catalogue version or instrument id to compare with.")],
    fmt: Annotated[Fmt, typer.Option("--format")] = Fmt.table,
) -> None:
    """Items added, removed and modified between two versions, with the
    declared change counts.

    Example: lanthanide rules diff 2020 2023 --format json
    """
    try:
        data = client().diff(a, b)
    except UnknownVersionError as exc:
        fail(f"A/B: {exc}")
    emit(fmt, data, _render_diff)


def _render_coverage(data: dict[str, Any]) -> None:
    t = Table(
        "version",
        "instrument",
        "declared total",
        "prohibited",
        "restricted",
        "encoded",
        "coverage",
        title=f"Technology catalogue (rulebook {data['rulebook_version']})",
    )
    for c in data["catalogues"]:
        cov = f"{c['coverage']:.0%}" if c["coverage"] is not None else "—"
        t.add_row(
            c["version"],
            c["number"] or c["instrument"],
            str(c["declared_total"] or "—"),
            str(c["declared_prohibited"] or "—"),
            str(c["declared_restricted"] or "—"),
            str(c["encoded"]),
            cov,
        )
    out.print(t)
    t2 = Table("instrument", "scope", "declared", "encoded", "unit", title="Partly encoded lists")
    for p in data["partial"]:
        t2.add_row(
            p["number"] or p["instrument"],
            p["scope"],
            str(p["declared"] or "—"),
            str(p["encoded"]),
            p["unit"],
        )
    out.print(t2)


@rules_app.command("coverage")
def rules_coverage(fmt: Annotated[Fmt, typer.Option("--format")] = Fmt.table) -> None:
    """How much of each catalogue version and partly encoded list is encoded.

    Example: lanthanide rules coverage --format json
    """
    emit(fmt, client().coverage(), _render_coverage)


@rules_app.command("validate")
def rules_validate(
    directory: Annotated[
        Path | None, typer.Argument(help="Rulebook directory (default: the bundled one).")
    ] = None,
) -> None:
    """Validate every YAML file; report each problem with file, path and what
    is allowed. Exit code 1 when the rulebook is invalid.

    Example: lanthanide rules validate src/lanthanide/rulebook
    """
    v = client().validate(directory)
    if not v.ok:
        for p in v.problems:
            err.print(f"[red]✗[/] {escape(str(p))}", markup=True, highlight=False)
        err.print(f"{len(v.problems)} problem(s).")
        raise typer.Exit(1)
    out.print(f"[green]✓[/] {v.instruments} instruments, {v.items} items: valid.", markup=True)
