"""``lanthanide rules timeline``, ``lanthanide rules changes`` and
``lanthanide impact``: thin layers over :mod:`lanthanide.changes`.

The two ``rules`` commands register on :data:`lanthanide.cli.rules.rules_app`
when this module is imported; :func:`impact` is registered on the main app in
:mod:`lanthanide.cli`."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from lanthanide.cli.check import EndUseOpt, KindOpt, _parse_params
from lanthanide.cli.common import RULEBOOK_HELP, Fmt, client, emit, fail, out
from lanthanide.cli.rules import rules_app

DEFAULT_FROM = date(2023, 1, 1)


def _day(flag: str, value: str | None, default: date) -> date:
    if value is None:
        return default
    try:
        return date.fromisoformat(value)
    except ValueError:
        fail(f"{flag}: '{value}' is not a date; use YYYY-MM-DD")


def _render_timeline(t: Any) -> None:
    from lanthanide.changes import Timeline

    assert isinstance(t, Timeline)
    tab = Table("from", "to (last day)", "verdict", "instruments", title="Timeline")
    for iv in t.intervals:
        names = "\n".join(n or i for i, n in iv.instruments) or "—"
        note = f" (after data of {t.data_as_of})" if iv.beyond_data_from else ""
        tab.add_row(str(iv.start), f"{iv.last_day}{note}", iv.verdict, names)
    out.print(tab)
    for ch in t.changes:
        causes = "; ".join(
            f"{c.kind} {c.number or c.instrument}"
            + (f" by {c.by_number or c.by}" if c.by else "")
            + (" (uncertain)" if c.uncertain else "")
            for c in ch.causes
        )
        out.print(f"{ch.date}: {ch.verdict_from} → {ch.verdict_to}  ({causes})", markup=False)
    for a in t.alternatives:
        out.print(
            f"[yellow]alternative[/] {escape(f'{a.status} / {a.reading} ({a.tag}): {a.text}')}",
            markup=True,
            highlight=False,
        )
        for ch in a.changes:
            out.print(
                f"  {ch.date}: {ch.verdict_from} → {ch.verdict_to} ({ch.instrument})", markup=False
            )


@rules_app.command("timeline")
def rules_timeline(
    item: Annotated[
        str | None, typer.Option("--item", help="Catalogue number or control code.")
    ] = None,
    hs: Annotated[str | None, typer.Option("--hs", help="Tariff line, 6 to 10 digits.")] = None,
    text: Annotated[str | None, typer.Option("--text", help="Free text.")] = None,
    kind: Annotated[
        KindOpt | None, typer.Option("--kind", help="goods, technology or service.")
    ] = None,
    destination: Annotated[
        str | None, typer.Option("--to", help="Destination, ISO 3166-1 alpha-2 (US, JP, KR).")
    ] = None,
    end_use: Annotated[EndUseOpt | None, typer.Option("--end-use", help="The end use.")] = None,
    end_user: Annotated[str | None, typer.Option("--end-user", help="End user's name.")] = None,
    param: Annotated[
        list[str] | None, typer.Option("--param", help="name=value, repeatable (purity=99.995%).")
    ] = None,
    start: Annotated[
        str | None, typer.Option("--from", help="First day YYYY-MM-DD (default 2023-01-01).")
    ] = None,
    until: Annotated[
        str | None,
        typer.Option("--until", help="First day after the range (default: data date + 2 years)."),
    ] = None,
    plot: Annotated[
        Path | None, typer.Option("--plot", help="Also draw it to FILE.png or FILE.html.")
    ] = None,
    fmt: Annotated[Fmt, typer.Option("--format", help="json or table.")] = Fmt.table,
    rulebook: Annotated[list[Path] | None, typer.Option("--rulebook", help=RULEBOOK_HELP)] = None,
) -> None:
    """The dated intervals of one product's answer, the instrument behind each
    change, and the alternatives of uncertain readings.

    Example: lanthanide rules timeline --hs 2853909026 --to US --end-use civil
    """
    from lanthanide import Lanthanide
    from lanthanide.changes import TimelineError, timeline

    ln = client(rulebook)
    book = ln.rulebook
    first = _day("--from", start, DEFAULT_FROM)
    last = _day("--until", until, book.data_as_of.replace(year=book.data_as_of.year + 2))
    case = ln.case(
        item=item,
        hs=hs,
        text=text,
        kind=kind.value if kind else None,
        destination=destination,
        on=first,
        end_use=end_use.value if end_use else None,
        end_user=end_user,
        params=_parse_params(param or []),
    )
    try:
        t = timeline(
            ln.check, case, first, last, book=book, decide_under=lambda b: Lanthanide(b).check
        )
    except TimelineError as exc:
        fail(f"--{exc.field}: {exc.message}")
    if plot is not None:
        from lanthanide.changes.plot import PlotError, write

        try:
            write(t, plot)
        except PlotError as exc:
            fail(f"--plot: {exc}")
    emit(fmt, t, _render_timeline, lambda t: t.to_dict())


def _render_changes(rows: list[dict[str, Any]]) -> None:
    tab = Table("date", "kind", "instrument", "by", "destinations", "items")
    for r in rows:
        kind = r["kind"] + (" (uncertain)" if r["uncertain"] else "")
        tab.add_row(
            r["date"],
            kind,
            r["number"] or r["instrument"],
            r["by_number"] or r["by"] or "",
            ", ".join(r["destinations"]),
            str(len(r["items"])),
        )
    out.print(tab)


@rules_app.command("changes")
def rules_changes(
    since: Annotated[str, typer.Option("--since", help="First day YYYY-MM-DD.")],
    until: Annotated[
        str | None, typer.Option("--until", help="First day after the range (default: open).")
    ] = None,
    lists: Annotated[
        bool, typer.Option("--lists/--no-lists", help="Include entity-list notices.")
    ] = True,
    fmt: Annotated[Fmt, typer.Option("--format", help="json or table.")] = Fmt.table,
) -> None:
    """What changed in the law: instruments published, in force, suspended,
    resumed or expired in [since, until), with items, destinations, sources.

    Example: lanthanide rules changes --since 2025-11-01 --until 2025-12-01
    """
    from lanthanide.changes import ChangeError, changes

    first = _day("--since", since, DEFAULT_FROM)
    last = None if until is None else _day("--until", until, DEFAULT_FROM)
    try:
        rows = [c.to_dict() for c in changes(client().rulebook, first, last, lists=lists)]
    except ChangeError as exc:
        fail(f"--{exc.field}: {exc.message}")
    emit(fmt, rows, _render_changes)


def _render_impact(data: dict[str, Any]) -> None:
    tab = Table("row", "id", "record", "what", "to", "before", "after", "cause")
    for r in data["rows"]:
        if not r["changed"]:
            continue
        tab.add_row(
            str(r["row"]),
            r["id"],
            r["record"],
            r["item"] or r["hs"] or r["text"] or "",
            r["destination"],
            r["verdict_before"],
            r["verdict_after"],
            ", ".join(c["number"] or c["instrument"] for c in r["causes"]) or "—",
        )
    out.print(tab)
    s = data["summary"]
    out.print(f"{s['changed']} of {s['rows']} rows change ({s['verdict_changed']} in verdict)")
    for x in s["by_instrument"]:
        moves = ", ".join(f"{k}: {v}" for k, v in x["moves"].items())
        out.print(f"  {x['number'] or x['instrument']}: {x['rows']} rows ({moves})")


def impact(
    portfolio: Annotated[Path, typer.Argument(help="Portfolio .csv or .parquet.")],
    between: Annotated[
        tuple[str, str] | None,
        typer.Option("--between", help="Two dates D1 D2: the answers on each."),
    ] = None,
    from_: Annotated[
        str | None,
        typer.Option("--from", help="The first date (with --to DATE): the same as --between."),
    ] = None,
    to: Annotated[
        str | None, typer.Option("--to", help="The second date (with --from DATE).")
    ] = None,
    on: Annotated[
        str | None,
        typer.Option(
            "--on", help="The date of a rulebook comparison (with --to-rulebook; default: today)."
        ),
    ] = None,
    from_rulebook: Annotated[
        Path | None,
        typer.Option(
            "--from-rulebook",
            help="Overlay directory of the 'before' rulebook (default: the bundled rulebook).",
        ),
    ] = None,
    to_rulebook: Annotated[
        Path | None,
        typer.Option(
            "--to-rulebook",
            help="Overlay directory of the 'after' rulebook: the bundled rulebook (or "
            "--from-rulebook's) vs the bundled one with this overlay.",
        ),
    ] = None,
    engine: Annotated[
        str,
        typer.Option(
            "--engine",
            help="auto (by size), inprocess, duckdb or spark: how the rows are decided.",
        ),
    ] = "auto",
    spark_master: Annotated[
        str | None,
        typer.Option("--spark-master", help="Spark master URL (default local[*])."),
    ] = None,
    workers: Annotated[
        int | None,
        typer.Option("--workers", help="Processes deciding in a batch run (default: cores)."),
    ] = None,
    workdir: Annotated[
        Path | None,
        typer.Option(
            "--workdir",
            help="Directory for the batch files (default: the system's temporary "
            "directory; on a Spark cluster, one every executor reads).",
        ),
    ] = None,
    fmt: Annotated[Fmt, typer.Option("--format", help="json or table.")] = Fmt.table,
) -> None:
    """Which rows of a portfolio (products, open applications, licences)
    change verdict between two dates or with an overlay, and why.

    Example: lanthanide impact examples/portfolios/sample.csv --from 2026-11-10 --to 2026-11-11

    Two dates: --from D1 --to D2 (or --between D1 D2). Two rulebooks on one
    date: --to-rulebook DIR [--from-rulebook DIR] [--on DATE].
    """
    from lanthanide import Lanthanide
    from lanthanide.changes import ImpactError, PortfolioError, read_portfolio, summary
    from lanthanide.changes import impact as run
    from lanthanide.changes.impact import ENGINES
    from lanthanide.rules import load_rulebook
    from lanthanide.screen.engines import InputError

    if engine not in ("auto", *ENGINES):
        fail(f"--engine: '{engine}' is not allowed (allowed: auto, {', '.join(ENGINES)})")
    ln = client()
    if (from_ is None) != (to is None):
        fail(
            "--to: give both --from D1 and --to D2" if to is None else "--from: give --from D1 too"
        )
    if from_ is not None and between is not None:
        fail("--between: give --from D1 --to D2 or --between D1 D2, not both")
    dates = between if between is not None else (from_, to) if from_ is not None else None
    flag = "--between" if between is not None else "--from"
    if dates is not None and (on is not None or to_rulebook or from_rulebook):
        fail(f"{flag}: compare two dates, or two rulebooks on one date (--on), not both")
    if dates is None and to_rulebook is None:
        fail(
            "--from: give --from D1 --to D2 (or --between D1 D2), or --to-rulebook DIR "
            "[--from-rulebook DIR] [--on DATE] (two rulebooks)"
        )
    if from_rulebook is not None and to_rulebook is None:
        fail("--to-rulebook: --from-rulebook needs the 'after' rulebook too")
    when: date | tuple[date, date]
    if dates is not None:
        when = (
            _day(flag, dates[0], DEFAULT_FROM),
            _day(flag if between else "--to", dates[1], DEFAULT_FROM),
        )
    else:
        when = date.today() if on is None else _day("--on", on, DEFAULT_FROM)
    before = ln.rulebook
    after = None
    base = [o.path for o in ln.rulebook.overlays]
    for name, d in (("--from-rulebook", from_rulebook), ("--to-rulebook", to_rulebook)):
        if d is not None and not d.is_dir():
            fail(f"{name}: '{d}' is not a directory")
    if from_rulebook is not None:
        before = load_rulebook(overlays=[*base, from_rulebook])
    if to_rulebook is not None:
        after = load_rulebook(overlays=[*base, to_rulebook])
    try:
        rows = read_portfolio(portfolio)
        res = run(
            lambda b: ln.check if b is ln.rulebook else Lanthanide(b).check,
            rows,
            when,
            before,
            after,
            engine=None if engine == "auto" else engine,
            spark_master=spark_master,
            workers=workers,
            workdir=workdir,
        )
    except PortfolioError as exc:
        fail(f"PORTFOLIO: {exc}")
    except ImpactError as exc:
        fail(f"--{exc.field.replace('_', '-')}: {exc.message}")
    except InputError as exc:
        fail(f"{exc.field}: {exc.message}")
    data = {"rows": [r.to_dict() for r in res], "summary": summary(res)}
    emit(fmt, data, _render_impact)
