"""``lanthanide rules ...``: browse, compare and validate the rulebook."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from lanthanide.cli.common import RULEBOOK_HELP, Fmt, Group, client, emit, err, fail, out

RulebookOpt = Annotated[list[Path] | None, typer.Option("--rulebook", help=RULEBOOK_HELP)]

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
    rulebook: RulebookOpt = None,
) -> None:
    """List the instruments of the rulebook.

    Example: lanthanide rules list --on 2025-12-01
    """
    emit(fmt, client(rulebook).instruments(on=on, regime=regime), _render_list)


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
    rulebook: RulebookOpt = None,
) -> None:
    """Show one instrument with its items, controls, sources and suspensions.

    Example: lanthanide rules show cn-mofcom-gac-2025-18
    """
    from lanthanide.rules.report import UnknownVersionError  # loads the rulebook model

    try:
        data = client(rulebook).instrument(ident)
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


def _render_overlay_diff(data: dict[str, Any]) -> None:
    c = data["counts"]
    dirs = ", ".join(o["path"] for o in data["to"]["overlays"])
    out.print(
        f"bundled {data['from']['version']} → with {dirs} {data['to']['version']}: "
        + "; ".join(f"{lvl} " + ", ".join(f"{n} {k}" for k, n in c[lvl].items()) for lvl in c),
        highlight=False,
    )
    insts = data["instruments"]
    for key in ("added", "removed"):
        for i in insts[key]:
            out.print(
                f"  {key:9} instrument {i['id']}  {i['number'] or i['title']}", highlight=False
            )
    for m in insts["modified"]:
        fields = f" ({', '.join(m['fields'])})" if m["fields"] else ""
        out.print(f"  modified  instrument {m['id']}{fields}", highlight=False)
        for level, name in (("items", "code"), ("controls", "id")):
            for key in ("added", "removed", "modified"):
                for x in m[level][key]:
                    what = f" ({', '.join(x['fields'])})" if key == "modified" else ""
                    out.print(f"    {key:9} {level[:-1]:7} {x[name]}{what}", highlight=False)


@rules_app.command("diff")
def rules_diff(
    a: Annotated[
        str | None,
        typer.Argument(help="Catalogue version (2020, 2023, 2025) or instrument id."),
    ] = None,
    b: Annotated[
        str | None, typer.Argument(help="Catalogue version or instrument id to compare with.")
    ] = None,
    fmt: Annotated[Fmt, typer.Option("--format")] = Fmt.table,
    rulebook: RulebookOpt = None,
    overlay: Annotated[
        list[Path] | None,
        typer.Option(
            "--overlay",
            help="Compare the bundled rulebook with itself plus this overlay directory "
            "(repeatable): instruments, items and controls added, removed, modified.",
        ),
    ] = None,
) -> None:
    """Items added, removed and modified between two versions, with the
    declared change counts; or, with --overlay DIR, what a user overlay
    changes in the bundled rulebook (instrument, item and control level).

    Example: lanthanide rules diff 2020 2023 --format json
    Example: lanthanide rules diff --overlay my-rules/
    """
    if overlay:
        if a is not None or b is not None:
            fail("--overlay: give either two versions A B or --overlay DIR, not both")
        if rulebook:
            fail("--overlay: compares with the bundled rulebook; drop --rulebook")
        for d in overlay:
            if not d.is_dir():
                fail(f"--overlay: {d} is not a directory")
        from lanthanide.rules.book import load_rulebook
        from lanthanide.rules.compare import compare
        from lanthanide.rules.loader import RulebookError

        try:
            merged = load_rulebook(overlays=list(overlay))
        except RulebookError as exc:
            fail(f"--overlay: {exc}")
        emit(fmt, compare(load_rulebook(overlays=[]), merged), _render_overlay_diff)
        return
    if a is None or b is None:
        fail("A/B: give two catalogue versions or instrument ids (or --overlay DIR)")
    from lanthanide.rules.report import UnknownVersionError  # loads the rulebook model

    try:
        data = client(rulebook).diff(a, b)
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
def rules_coverage(
    fmt: Annotated[Fmt, typer.Option("--format")] = Fmt.table, rulebook: RulebookOpt = None
) -> None:
    """How much of each catalogue version and partly encoded list is encoded.

    Example: lanthanide rules coverage --format json
    """
    emit(fmt, client(rulebook).coverage(), _render_coverage)


@rules_app.command("validate")
def rules_validate(
    directory: Annotated[
        Path | None,
        typer.Argument(
            help="Overlay directory to validate on top of the bundled rulebook, or a whole "
            "rulebook directory (one holding cn/); default: the bundled rulebook."
        ),
    ] = None,
) -> None:
    """Validate every YAML file; report each problem with file, path and what
    is allowed. Exit code 1 when the rulebook or overlay is invalid.

    Example: lanthanide rules validate my-overlay/
    """
    c = client()
    if directory is not None and not directory.is_dir():
        fail(f"DIRECTORY: {directory} is not a directory")
    if directory is None or (directory / "cn").is_dir():
        v = c.validate(directory)
    else:
        v = c.validate_overlays([directory])
    if not v.ok:
        for p in v.problems:
            err.print(f"[red]✗[/] {escape(str(p))}", markup=True, highlight=False)
        err.print(f"{len(v.problems)} problem(s).")
        raise typer.Exit(1)
    out.print(f"[green]✓[/] {v.instruments} instruments, {v.items} items: valid.", markup=True)


@rules_app.command("new")
def rules_new(
    ident: Annotated[
        str, typer.Option("--id", help="Instrument id, a lower-case slug (cn-user-2026-1).")
    ],
    kind: Annotated[
        str, typer.Option("--kind", help="announcement, suspension, statement or catalogue.")
    ],
    out_dir: Annotated[
        Path | None,
        typer.Option("--out", help="Overlay directory to write ID.yaml into (default: stdout)."),
    ] = None,
) -> None:
    """Write a commented instrument skeleton to fill in for an overlay.

    Example: lanthanide rules new --id cn-user-2026-1 --kind suspension --out my-overlay
    """
    from lanthanide.rules import authoring

    if kind not in authoring.KINDS:
        fail(f"--kind: '{kind}' is not allowed (allowed: {', '.join(authoring.KINDS)})")
    try:
        text = authoring.skeleton(ident, kind)
    except ValueError as exc:
        fail(f"--id: {exc}")
    if out_dir is None:
        sys.stdout.write(text)
        return
    if out_dir.exists() and not out_dir.is_dir():
        fail(f"--out: {out_dir} is not a directory")
    path = out_dir / f"{ident}.yaml"
    if path.exists():
        fail(f"--out: {path} exists; not overwritten")
    out_dir.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    out.print(f"wrote {path}", highlight=False)


@rules_app.command("import-catalogue")
def rules_import_catalogue(
    file: Annotated[
        Path,
        typer.Argument(
            help="CSV or XLSX table: number, part (J/X), sector, title, control points."
        ),
    ],
    version: Annotated[
        str, typer.Option("--version", help="Catalogue version to add to (2020, 2023, 2025).")
    ],
    out_dir: Annotated[Path, typer.Option("--out", help="Overlay directory to write into.")],
    rulebook: RulebookOpt = None,
) -> None:
    """Import technology-catalogue items transcribed from the official annex
    into an overlay; print each row that could not be used.

    Example: lanthanide rules import-catalogue items.csv --version 2023 --out my-overlay
    """
    from lanthanide.rules import authoring

    if not file.is_file():
        fail(f"FILE: {file} is not a file")
    if out_dir.exists() and not out_dir.is_dir():
        fail(f"--out: {out_dir} is not a directory")
    c = client(rulebook)
    known = {v.version for vs in c.rulebook.catalogues.values() for v in vs}
    if version not in known:
        fail(
            f"--version: '{version}' is not a catalogue version (known: {', '.join(sorted(known))})"
        )
    try:
        result = authoring.import_catalogue(file, version, c.rulebook)
    except ValueError as exc:
        fail(f"FILE: {exc}")
    for p in result.skipped:
        err.print(f"[yellow]skipped[/] {escape(str(p))}", markup=True, highlight=False)
    path = result.write(out_dir)
    out.print(
        f"wrote {path}: {len(result.added)} item(s) imported, {len(result.skipped)} row(s) skipped",
        highlight=False,
    )
