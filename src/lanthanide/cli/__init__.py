"""Command line: ``lanthanide check``, ``lanthanide rules ...``, ``lanthanide serve``.

Thin: parse flags, call :mod:`lanthanide.services` / :mod:`lanthanide.rules`,
render JSON or a Rich table. Bad input exits with code 2 and a message that
names the flag and the allowed values.
"""

from __future__ import annotations

import os
import sys
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Annotated, get_args

import typer
from rich.table import Table

from lanthanide import __version__, services
from lanthanide.cli import registry as cli_registry
from lanthanide.cli.classify import classify
from lanthanide.cli.common import Fmt, err, out
from lanthanide.cli.common import fail as _fail
from lanthanide.cli.common import print_json as _print_json
from lanthanide.decide import CaseError, Determination
from lanthanide.decide.model import END_USE_HELP
from lanthanide.rules import report
from lanthanide.rules.loader import RulebookError, default_dir, load_instruments
from lanthanide.rules.model import Regime

app = typer.Typer(
    help="China's export controls on critical minerals and technologies, as cited rules.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
rules_app = typer.Typer(help="Browse, compare and validate the rulebook.", no_args_is_help=True)
app.add_typer(rules_app, name="rules")
from lanthanide.cli.screen import screen_app  # noqa: E402
from lanthanide.cli.supply import scenario_app, supply_app  # noqa: E402

app.add_typer(supply_app, name="supply")
app.add_typer(scenario_app, name="scenario")
app.command()(classify)
app.add_typer(cli_registry.admin_app, name="admin")
app.add_typer(cli_registry.audit_app, name="audit")
app.add_typer(screen_app, name="screen")



FLAG = {
    "item": "--item",
    "hs": "--hs",
    "text": "--text",
    "kind": "--kind",
    "destination": "--to",
    "on": "--on",
    "end_use": "--end-use",
    "end_user": "--end-user",
}


class KindOpt(StrEnum):
    goods = "goods"
    technology = "technology"
    service = "service"


class EndUseOpt(StrEnum):
    civil = "civil"
    military = "military"
    wmd = "wmd"
    re_activity_abroad = "re-activity-abroad"


def _parse_params(raw: list[str]) -> dict[str, str]:
    params: dict[str, str] = {}
    for p in raw:
        name, sep, value = p.partition("=")
        if not sep or not name.strip() or not value.strip():
            _fail(f"--param: '{p}' must look like name=value (e.g. purity=99.995%)")
        params[name.strip()] = value.strip()
    return params


def _render_determination(d: Determination) -> None:
    colour = {
        "prohibited": "bold red",
        "denial_presumed": "red",
        "licence_required": "yellow",
        "report_required": "cyan",
        "registration_required": "cyan",
        "not_controlled": "green",
        "undetermined": "magenta",
    }[d.verdict]
    out.print(
        f"Verdict: [{colour}]{d.verdict}[/]   (rulebook {d.rulebook_version}, "
        f"data as of {d.data_as_of}, date {d.case.on})"
    )
    if d.findings:
        t = Table(
            "effect",
            "instrument",
            "item",
            "control point / paragraph",
            "valid",
            title="Findings",
            show_lines=True,
        )
        for f in d.findings:
            item = f"{f.item.code} {f.item.title}" if f.item else "—"
            cp = f.paragraph or ""
            if f.control_point:
                cp = f"{cp}\n{f.control_point}" if cp else f.control_point
            t.add_row(
                f.effect,
                f.instrument.number or f.instrument.id,
                item,
                cp or "—",
                f"{f.validity.start} – {f.validity.end or 'open'}",
            )
        out.print(t)
    for q in d.questions:
        out.print(f"[magenta]?[/] [{q.field}] {q.text}", highlight=False)
    for w in d.warnings:
        out.print(f"[yellow]![/] {w.text}", highlight=False)
    for c in d.conflicts:
        out.print(f"[red]conflict:[/] {c.text}", highlight=False)


@app.command()
def check(
    item: Annotated[
        str | None,
        typer.Option("--item", help="Catalogue number (053302J) or control code (1C902.a)."),
    ] = None,
    hs: Annotated[str | None, typer.Option("--hs", help="Tariff line, 6 to 10 digits.")] = None,
    text: Annotated[
        str | None,
        typer.Option(
            "--text", help="Free text matched against item titles, control points and keywords."
        ),
    ] = None,
    kind: Annotated[
        KindOpt | None, typer.Option("--kind", help="goods, technology or service.")
    ] = None,
    to: Annotated[
        str | None, typer.Option("--to", help="Destination, ISO 3166-1 alpha-2 (US, JP, KR).")
    ] = None,
    on: Annotated[
        str | None, typer.Option("--on", help="Export date YYYY-MM-DD (default today).")
    ] = None,
    end_use: Annotated[
        EndUseOpt | None,
        typer.Option("--end-use", help="; ".join(f"{k}: {v}" for k, v in END_USE_HELP.items())),
    ] = None,
    end_user: Annotated[
        str | None, typer.Option("--end-user", help="End user's name (recorded in the answer).")
    ] = None,
    param: Annotated[
        list[str] | None,
        typer.Option(
            "--param",
            help="Technical parameter name=value, repeatable (purity=99.995%, particle_size=40um).",
        ),
    ] = None,
    fmt: Annotated[Fmt, typer.Option("--format", help="json or table.")] = Fmt.table,
    trace: Annotated[
        bool,
        typer.Option("--trace/--no-trace", help="Include the trace of rules considered in JSON."),
    ] = True,
) -> None:
    """Decide whether an export is prohibited, needs a licence, a report or a
    contract registration — citing the instrument, item and control point.

    Example: lanthanide check --hs 2853909026 --to KR --on 2025-06-01
    """
    try:
        case = services.build_case(
            item=item,
            hs=hs,
            text=text,
            kind=kind.value if kind else None,
            destination=to,
            on=on,
            end_use=end_use.value if end_use else None,
            end_user=end_user,
            params=_parse_params(param or []),
        )
    except CaseError as exc:
        flag = FLAG.get(exc.field) or (
            "--param " + exc.field.split(".", 1)[1]
            if exc.field.startswith("params.")
            else exc.field
        )
        if exc.field == "item":
            flag = "--item/--hs/--text"
        _fail(f"{flag}: {exc.message}")
    d = services.check(case)
    if fmt is Fmt.json:
        _print_json(d.to_dict(trace=trace))
    else:
        _render_determination(d)


def _rules_dir(directory: Path | None) -> Path:
    return directory or default_dir()


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
    day = None
    if on:
        try:
            day = date.fromisoformat(on)
        except ValueError:
            _fail(f"--on: '{on}' is not a date; use YYYY-MM-DD")
    regimes = set(get_args(Regime))
    if regime is not None and regime not in regimes:
        _fail(f"--regime: '{regime}' is not allowed (allowed: {', '.join(sorted(regimes))})")
    rows = report.list_instruments(services.book(), on=day, regime=regime)
    if fmt is Fmt.json:
        _print_json(rows)
        return
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


@rules_app.command("show")
def rules_show(
    ident: Annotated[str, typer.Argument(help="Instrument id or official number.")],
    fmt: Annotated[Fmt, typer.Option("--format")] = Fmt.json,
) -> None:
    """Show one instrument with its items, controls, sources and suspensions.

    Example: lanthanide rules show cn-mofcom-gac-2025-18
    """
    try:
        data = report.show(services.book(), ident)
    except report.UnknownVersionError as exc:
        _fail(f"IDENT: {exc}")
    if fmt is Fmt.json:
        _print_json(data)
        return
    out.print(f"[bold]{data.get('number') or data['id']}[/]  {data['title'].get('zh') or ''}")
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
        data = report.diff(services.book(), a, b)
    except report.UnknownVersionError as exc:
        _fail(f"A/B: {exc}")
    if fmt is Fmt.json:
        _print_json(data)
        return
    out.print(
        f"{data['from']} → {data['to']}: encoded {data['counts']}; declared {data['declared']}"
    )
    for key in ("added", "removed", "modified", "unknown"):
        for it in data[key]:
            out.print(f"  {key:9} {it['code']:12} {it['title']}", highlight=False)
    for it in data["deleted_without_encoded_item"]:
        out.print(f"  deleted   {it['code'] or '(no number)':12} {it['title']}", highlight=False)


@rules_app.command("coverage")
def rules_coverage(fmt: Annotated[Fmt, typer.Option("--format")] = Fmt.table) -> None:
    """How much of each catalogue version and partly encoded list is encoded.

    Example: lanthanide rules coverage --format json
    """
    data = report.coverage(services.book())
    if fmt is Fmt.json:
        _print_json(data)
        return
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
    root = _rules_dir(directory)
    if not root.is_dir():
        _fail(f"DIRECTORY: '{root}' is not a directory")
    try:
        insts = load_instruments(root)
    except RulebookError as exc:
        for p in exc.problems:
            err.print(f"[red]✗[/] {p}", highlight=False)
        err.print(f"{len(exc.problems)} problem(s).")
        raise typer.Exit(1) from None
    items = sum(len(i.items) for i in insts)
    out.print(f"[green]✓[/] {len(insts)} instruments, {items} items: valid.")


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to bind.")] = os.environ.get(
        "LANTHANIDE_HOST", "127.0.0.1"
    ),
    port: Annotated[int, typer.Option(help="Port.")] = int(
        os.environ.get("LANTHANIDE_PORT", "8000")
    ),
) -> None:
    """Serve the HTTP API (OpenAPI at /docs) on the bundled rulebook.

    Example: lanthanide serve --port 8000
    """
    import uvicorn

    from lanthanide.api.app import create_app

    services.book()  # fail fast on an invalid rulebook
    uvicorn.run(create_app(), host=host, port=port, log_level="info")


@app.command()
def version() -> None:
    """Print the package and rulebook versions."""
    b = services.book()
    out.print(f"lanthanide {__version__}; rulebook {b.version} (data as of {b.data_as_of})")


def main() -> None:
    try:
        app()
    except RulebookError as exc:
        err.print("[bold red]The rulebook is invalid:[/]", highlight=False)
        for p in exc.problems:
            err.print(f"  ✗ {p}", highlight=False)
        sys.exit(1)


if __name__ == "__main__":
    main()
