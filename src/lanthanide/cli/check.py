"""``lanthanide check``: one case in, one determination out (JSON or a table).

Registered on the main app in :mod:`lanthanide.cli`."""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from lanthanide.cli.common import RULEBOOK_HELP, Fmt, client, console_for, emit, fail
from lanthanide.vocab import VOCAB

if TYPE_CHECKING:
    from lanthanide.decide import Determination


KindOpt = StrEnum("KindOpt", {k: k for k in VOCAB.kind_ids})  # type: ignore[misc]
_END_USE_HELP = VOCAB.end_use_help
EndUseOpt = StrEnum("EndUseOpt", {e: e for e in VOCAB.end_use_ids})  # type: ignore[misc]


def _parse_params(raw: list[str]) -> dict[str, str]:
    params: dict[str, str] = {}
    for p in raw:
        name, sep, value = p.partition("=")
        if not sep or not name.strip() or not value.strip():
            fail(f"--param: '{p}' must look like name=value (e.g. purity=99.995%)")
        params[name.strip()] = value.strip()
    return params


_FINDINGS = ("effect", "instrument", "item", "control point / paragraph", "valid")

_COLOUR = {
    "prohibited": "bold red",
    "denial_presumed": "red",
    "licence_required": "yellow",
    "report_required": "cyan",
    "registration_required": "cyan",
    "not_controlled": "green",
    "undetermined": "magenta",
}


def render(d: Determination, overlays: tuple[str, ...] = ()) -> None:
    """A determination as text and a table of findings; ``overlays``: the
    overlay directories loaded (shown in the footer). Rich is imported
    here: a JSON answer needs none of it. Everything is laid out first, so
    that the console is chosen for the texts printed
    (:func:`~lanthanide.cli.common.console_for`)."""
    from rich.markup import escape
    from rich.table import Table

    texts: list[str] = []

    def table(columns: tuple[str, ...], title: str, rows: Sequence[tuple[str, ...]]) -> Table:
        t = Table(*columns, title=title, show_lines=True)
        texts.extend((*columns, title))
        for r in rows:
            t.add_row(*r)
            texts.extend(r)
        return t

    head = (
        f"Verdict: [{_COLOUR[d.verdict]}]{d.verdict}[/]   (rulebook {d.rulebook_version}, "
        f"data as of {d.data_as_of}, date {d.case.on})"
    )
    texts.append(head)
    findings = None
    if d.findings:
        rows: list[tuple[str, ...]] = []
        for f in d.findings:
            item = f"{f.item.code} {f.item.title}" if f.item else "—"
            cp = f.paragraph or ""
            if f.control_point:
                cp = f"{cp}\n{f.control_point}" if cp else f.control_point
            rows.append(
                (
                    f.effect,
                    f.instrument.number or f.instrument.id,
                    item,
                    cp or "—",
                    f"{f.validity.start} – {f.validity.end or 'open'}",
                )
            )
        findings = table(_FINDINGS, "Findings", rows)
    notes = [
        *(f"[magenta]?[/] {escape(f'[{q.field}]')} {escape(q.text)}" for q in d.questions),
        *(f"[yellow]![/] {escape(w.text)}" for w in d.warnings),
        *(f"[red]conflict:[/] {escape(c.text)}" for c in d.conflicts),
    ]
    texts.extend(notes)
    alternatives = None
    if d.alternatives:
        alts = [
            (
                f"{a.reading}: {a.text}" if a.text else a.reading,
                a.verdict,
                ", ".join(a.findings) or "—",
            )
            for a in d.alternatives
        ]
        alternatives = table(("reading", "verdict", "findings"), "Alternatives", alts)
    footer = f"Overlays: {', '.join(overlays)}" if overlays else None
    if footer is not None:
        texts.append(footer)

    out = console_for(texts)
    out.print(head, markup=True)
    if findings is not None:
        out.print(findings)
    for note in notes:
        out.print(note, markup=True, highlight=False)
    if alternatives is not None:
        out.print(alternatives)
    if footer is not None:
        out.print(footer, highlight=False)


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
    destination: Annotated[
        str | None, typer.Option("--to", help="Destination, ISO 3166-1 alpha-2 (US, JP, KR).")
    ] = None,
    on: Annotated[
        str | None, typer.Option("--on", help="Export date YYYY-MM-DD (default today).")
    ] = None,
    end_use: Annotated[
        EndUseOpt | None,
        typer.Option("--end-use", help="; ".join(f"{k}: {v}" for k, v in _END_USE_HELP.items())),
    ] = None,
    end_user: Annotated[
        str | None,
        typer.Option("--end-user", help="End user's name, screened against China's party lists."),
    ] = None,
    consignee: Annotated[
        str | None,
        typer.Option(
            "--consignee", help="Consignee's name (when not the end user), screened the same way."
        ),
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
    rulebook: Annotated[list[Path] | None, typer.Option("--rulebook", help=RULEBOOK_HELP)] = None,
) -> None:
    """Decide whether an export is prohibited, needs a licence, a report or a
    contract registration — citing the instrument, item and control point.

    Example: lanthanide check --hs 2853909026 --to KR --on 2025-06-01
    """
    c = client(rulebook)
    d = c.check(
        item=item,
        hs=hs,
        text=text,
        kind=kind.value if kind else None,
        destination=destination,
        on=on,
        end_use=end_use.value if end_use else None,
        end_user=end_user,
        consignee=consignee,
        params=_parse_params(param or []),
    )
    overlays = [o.as_dict() for o in c.rulebook.overlays]

    def to_json(d: Determination) -> dict[str, Any]:
        return c.determination_json(d, trace=trace)

    emit(fmt, d, lambda d: render(d, tuple(o["path"] for o in overlays)), to_json)
