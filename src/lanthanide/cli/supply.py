"""``lanthanide supply ...`` and ``lanthanide scenario ...`` (Typer sub-apps).

Thin: parse flags, call :mod:`lanthanide.supply`, render JSON or a table.
Bad input exits with code 2 naming the flag or the scenario field path.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from lanthanide.cli.common import Fmt, Group, client, emit, err, out, output_path
from lanthanide.cli.common import fail as _fail
from lanthanide.vocab import VOCAB

supply_app = typer.Typer(
    cls=Group, help="Supply chain: shares, exposure and replays.", no_args_is_help=True
)
scenario_app = typer.Typer(
    cls=Group, help="Run export-control scenarios on the supply network.", no_args_is_help=True
)


@supply_app.command("shares")
def shares(
    commodity: Annotated[
        str,
        typer.Option(
            "--commodity", help=", ".join(c.id for c in VOCAB.commodities if c.supply) + "."
        ),
    ],
    stage: Annotated[
        str,
        typer.Option(
            "--stage",
            help="mining, separation, metal_alloy, magnet "
            "(rare earths), refining (Ga, Ge), reserves.",
        ),
    ],
    year: Annotated[int, typer.Option("--year", help="Year of the figures.")],
    edition: Annotated[
        str | None,
        typer.Option("--edition", help="USGS edition, e.g. MCS2026 (default: every edition)."),
    ] = None,
    fmt: Annotated[Fmt, typer.Option("--format", help="json or table.")] = Fmt.table,
) -> None:
    """Shares by country for a stage and year, each with source, edition and tag.

    Example: lanthanide supply shares --commodity rare_earth --stage mining --year 2024
    """
    emit(fmt, client().shares(commodity, stage, year, edition), _render_shares)


def _render_shares(data: dict[str, Any]) -> None:
    for e in data["editions"]:
        t = Table(
            "country",
            "value",
            "share",
            "edition",
            "tag",
            "source",
            title=f"{data['commodity']} {data['stage']} {data['year']} ({e['edition']}); "
            f"China {e.get('china_share')}, HHI {e.get('hhi')}",
        )
        for c in e["countries"]:
            t.add_row(
                c["country"],
                f"{c['value']:,.0f}",
                str(c["share"]),
                c["edition"],
                c["tag"],
                c["source_url"],
            )
        out.print(t)
    for p in data["published_shares"]:
        out.print(
            f"published: {p['country']} {p['share']:.0%} — {p['basis']} [{p['tag']}] "
            f"{p['source_url']}",
            highlight=False,
        )
    if isinstance(data["model"], dict):
        out.print(f"model ({data['model']['edition']}): {data['model']['shares']}", highlight=False)
    if "note" in data:
        out.print(f"[yellow]![/] {escape(str(data['note']))}", markup=True, highlight=False)


@supply_app.command("exposure")
def exposure(
    country: Annotated[str, typer.Option("--country", help="ISO 3166-1 alpha-2 (US, JP, DE).")],
    commodity: Annotated[
        str,
        typer.Option(
            "--commodity",
            help=", ".join(c.id for c in VOCAB.commodities if c.supply and c.supply.network) + ".",
        ),
    ],
    year: Annotated[int | None, typer.Option("--year", help="Data year (default: latest).")] = None,
    fmt: Annotated[Fmt, typer.Option("--format", help="json or table.")] = Fmt.table,
) -> None:
    """Per-stage exposure of one country: production share, net import
    reliance, through-China share, concentration.

    Example: lanthanide supply exposure --country JP --commodity rare_earth --format json
    """
    emit(fmt, client().exposure(country, commodity, year), _render_exposure)


def _render_exposure(data: dict[str, Any]) -> None:
    if "stages" not in data:
        out.print(data["note"], highlight=False)
        return
    t = Table(
        "stage",
        "production",
        "share",
        "consumption",
        "net import reliance",
        "through China",
        "world HHI",
        title=f"{data['country']} {data['commodity']} {data['year']} ({data['unit']})",
    )

    def pct(v: float | None) -> str:
        return "—" if v is None else f"{v:.1%}"

    for s in data["stages"]:
        t.add_row(
            s["stage"],
            f"{s['production']:,.0f}",
            pct(s["production_share"]),
            f"{s['consumption']:,.0f}",
            pct(s["net_import_reliance"]),
            pct(s["through_china_share"]),
            str(s["world_hhi"]),
        )
    out.print(t)


@supply_app.command("replay")
def replay(
    fmt: Annotated[Fmt, typer.Option("--format", help="json or table.")] = Fmt.table,
) -> None:
    """Replay the 2010 Japan embargo, the 2023 gallium and 2024 antimony
    controls and compare modelled with observed changes.

    Example: lanthanide supply replay --format json
    """
    emit(fmt, client().replays(), _render_replays)


def _render_replays(data: list[dict[str, Any]]) -> None:
    t = Table("episode", "observable", "modelled", "observed", "direction", "gap")
    for r in data:
        for c in r["comparisons"]:
            direction = {None: "n/a", True: "same", False: "DIFFERENT"}[c["same_direction"]]
            t.add_row(
                r["episode"],
                c["observable"],
                _f(c["modelled"]),
                _f(c["observed"]),
                direction,
                _f(c["gap"]),
            )
    out.print(t)


def _sig(v: float) -> str:
    from lanthanide.supply.engine import significant

    return f"{significant(v):,.0f}"


def _f(v: float | None) -> str:
    return "—" if v is None else f"{v:+.1%}"


@scenario_app.command("run")
def run(
    file: Annotated[Path, typer.Argument(help="Scenario YAML file (docs/supply.md).")],
    fmt: Annotated[Fmt, typer.Option("--format", help="json or table.")] = Fmt.table,
    plot: Annotated[
        Path | None,
        typer.Option(
            "--plot", help="Write a Sankey of flows and a shortfall bar chart: .png or .html."
        ),
    ] = None,
) -> None:
    """Solve a scenario (LP, HiGHS): shortfall per country and stage,
    re-routed flows, binding constraints, balance check.

    Example: lanthanide scenario run examples/scenarios/japan-2010.yaml --format json
    """
    from lanthanide.supply.controls import ControlError
    from lanthanide.supply.scenario import ScenarioError

    if plot is not None and plot.suffix.lower() not in (".png", ".html"):
        _fail(f"--plot: '{plot}' must end in .png or .html")
    if plot is not None:
        output_path(plot, "--plot")
    try:
        result = client().scenario(file)
    except ScenarioError as exc:
        for path, msg in exc.problems:
            err.print(f"[red]✗[/] {escape(f'{path}: {msg}')}", markup=True, highlight=False)
        _fail(f"{file}: invalid scenario ({len(exc.problems)} problem(s))")
    except ControlError as exc:
        _fail(f"{file}: {exc.path}: {exc.message}")
    if plot is not None:
        from lanthanide.supply.plot import write

        write(result, plot)
    emit(fmt, result, _render_scenario)
    if plot is not None and fmt is not Fmt.json:
        out.print(f"plot written to {plot}")


def _render_scenario(result: dict[str, Any]) -> None:
    out.print(
        f"[bold]{escape(str(result['scenario']))}[/] {result['commodity']} ({result['unit']}); "
        f"balance {'ok' if result['balance_ok'] else 'FAILED'}",
        markup=True,
    )
    for c in result["controls"]:
        for a in c["applied"]:
            by = a.get("fraction_blocked_by_group") or {}
            what = (
                ", ".join(f"{g} {v:.0%}" for g, v in by.items() if v > 0)
                + f" ({a['fraction_blocked']:.1%} of the content)"
                if by
                else f"{a['fraction_blocked']:.0%}"
            )
            out.print(
                f"  control {a['label']}: blocks {what} of "
                f"{a['exporter']} {','.join(a['stages'])} → {a['destinations']}",
                highlight=False,
            )
        for s in c.get("skipped", []):
            out.print(
                "  [yellow]skipped[/] " + escape(f"{s['control']}: {s['reason']}"),
                markup=True,
                highlight=False,
            )
    for w in result.get("warnings", []):
        out.print(
            "  [yellow]warning[/] " + escape(f"{w['field']}: {w['message']}"),
            markup=True,
            highlight=False,
        )
    for y in result["years"]:
        rd = y.get("rounded") or {}
        rc = {c["country"]: c for c in rd.get("countries", [])}
        short = rd.get("shortfall", y["shortfall"])
        t = Table(
            "country",
            "demand",
            "satisfied",
            "shortfall",
            "through China",
            title=f"{y['year']}: shortfall {short:,.0f} ({y['shortfall_share']:.1%})",
            caption=f"{rd['significant_digits']} significant figures (the data's precision); "
            "--format json has the exact values"
            if rd
            else None,
        )
        for c in y["countries"]:
            r = rc.get(c["country"], c)
            t.add_row(
                c["country"],
                f"{r['demand']:,.0f}",
                f"{r['satisfied']:,.0f}",
                f"{r['shortfall']:,.0f}",
                f"{c['through_china_share']:.1%}",
            )
        out.print(t)
        for g in y.get("element_groups", []):
            out.print(
                f"  element group {g['group']} ({g['world_share']:.1%} of the content, "
                f"{g['tag']}): shortfall {_sig(g['shortfall'])} of {_sig(g['demand'])}",
                highlight=False,
            )
        for b in y["binding"][:10]:
            out.print(
                f"  binding {b['type']}: {b.get('country') or b.get('from')} "
                f"{b['stage']} → {b.get('to', '')} bound {b['bound']:,.0f}"
                + (f" ({b['group']})" if b.get("group") else ""),
                highlight=False,
            )
