"""``lanthanide screen``: batch screening of declaration files.

``lanthanide screen INPUT --out OUTPUT`` runs the ``run`` command (the group
routes a first argument that is not a sub-command name to it), and
``lanthanide screen generate`` writes synthetic declarations.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from lanthanide.cli.common import RULEBOOK_HELP, Group, client, fail, output_path, print_json
from lanthanide.cli.common import err as _err
from lanthanide.cli.common import out as _out

if TYPE_CHECKING:
    from lanthanide.screen import Summary


class _DefaultRun(Group):
    """Routes ``screen INPUT ...`` to ``screen run INPUT ...``."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and args[0] not in ("--help", "-h"):
            args = ["run", *args]
        return super().parse_args(ctx, args)


screen_app = typer.Typer(
    cls=_DefaultRun,
    help="Screen files of customs declarations (DuckDB or Spark). "
    "`lanthanide screen INPUT --out OUTPUT` is short for `lanthanide screen run ...`.",
    no_args_is_help=True,
)


def _render(s: Summary) -> None:
    _out.print(
        f"{s.lines} lines: {s.screened} screened, {s.rejected} rejected; "
        f"{s.keys} distinct keys, {s.decided} decided in {s.workers} process(es), "
        f"{s.determinations} distinct determinations; {s.seconds:.2f} s "
        f"({s.lines / s.seconds if s.seconds else 0:,.0f} lines/s), "
        f"peak memory {s.peak_rss_mb:,.0f} MB"
    )
    t = Table("verdict", "lines", title="By verdict")
    for v, n in s.by_verdict.most_common():
        t.add_row(v, str(n))
    _out.print(t)
    t = Table("instrument", "lines", title="By instrument (lines with a finding under it)")
    for v, n in s.by_instrument.most_common():
        t.add_row(v, str(n))
    _out.print(t)
    verdicts = [v for v, _ in s.by_verdict.most_common()]
    t = Table("destination", "lines", *verdicts, title="By destination")
    for dest, c in sorted(s.by_destination.items(), key=lambda kv: -kv[1].total()):
        t.add_row(dest, str(c.total()), *(str(c.get(v, 0)) for v in verdicts))
    _out.print(t)
    _out.print(
        f"Output: {s.output}"
        + (f"; determinations: {s.determinations_file}" if s.determinations_file else "")
        + (f"; rejects: {s.rejects}" if s.rejects else "")
    )


@screen_app.command("run")
def run(
    input: Annotated[Path, typer.Argument(help="Declarations, CSV or Parquet.")],
    out: Annotated[Path, typer.Option("--out", help="Output file (.csv or .parquet).")],
    engine: Annotated[str, typer.Option("--engine", help="duckdb (default) or spark.")] = "duckdb",
    fmt: Annotated[
        str | None,
        typer.Option("--format", help="Output format csv or parquet (default: from --out)."),
    ] = None,
    rejects: Annotated[
        Path | None,
        typer.Option(
            "--rejects", help="Rejected lines with the reason (default OUTPUT.rejects.*)."
        ),
    ] = None,
    spark_master: Annotated[
        str | None,
        typer.Option("--spark-master", help="Spark master URL (default local[*])."),
    ] = None,
    summary: Annotated[
        str, typer.Option("--summary", help="table or json (the summary on stdout).")
    ] = "table",
    progress: Annotated[bool, typer.Option("--progress/--no-progress")] = True,
    columns: Annotated[
        str | None,
        typer.Option(
            "--columns",
            help="Input columns to carry into the output, comma-separated (default: all).",
        ),
    ] = None,
    detail: Annotated[
        str,
        typer.Option(
            "--detail",
            help="normalised (default: each determination once in OUT.determinations.*) "
            "or inline (per-line JSON columns; for small files).",
        ),
    ] = "normalised",
    workers: Annotated[
        int | None,
        typer.Option("--workers", help="Processes deciding the distinct cases (default: cores)."),
    ] = None,
    memory_limit: Annotated[
        str | None,
        typer.Option(
            "--memory-limit",
            help=(
                "Memory budget of the screening process, e.g. 2GB; beyond it DuckDB"
                " spills beside the output."
            ),
        ),
    ] = None,
    rulebook: Annotated[list[Path] | None, typer.Option("--rulebook", help=RULEBOOK_HELP)] = None,
    strict_ids: Annotated[
        bool,
        typer.Option(
            "--strict-ids",
            help="Reject every line whose line_id is on another line (default: flag them).",
        ),
    ] = False,
) -> None:
    """Screen a file of declaration lines with the semantics of `check`; write
    one output line per input line (its columns, verdict, effects,
    instruments, items, question and warning codes, determination_id), each
    distinct determination once to OUT.determinations.*, rejected lines with
    the reason to a rejects file, and print a summary by verdict, instrument
    and destination.

    Example: lanthanide screen run declarations.parquet --out screened.parquet
    """
    if fmt is not None and fmt not in ("csv", "parquet"):
        fail(f"--format: '{fmt}' is not allowed (allowed: csv, parquet)")
    if summary not in ("table", "json"):
        fail(f"--summary: '{summary}' is not allowed (allowed: table, json)")
    if detail not in ("normalised", "inline"):
        fail(f"--detail: '{detail}' is not allowed (allowed: normalised, inline)")
    if workers is not None and workers < 1:
        fail(f"--workers: {workers} must be 1 or more")
    carry = None if columns is None else [c.strip() for c in columns.split(",") if c.strip()]
    if not input.exists():
        fail(f"INPUT: {input} does not exist")
    if not input.is_file():
        fail(f"INPUT: {input} is not a file")
    from lanthanide.screen.engine_spark import is_output_dir

    if not (engine == "spark" and is_output_dir(out)):  # Spark replaces its own directory
        output_path(out, "--out", inputs=(input,))
    if rejects is not None:
        output_path(rejects, "--rejects", inputs=(input, out))
    out_fmt: Literal["csv", "parquet"] | None = (
        None if fmt is None else ("csv" if fmt == "csv" else "parquet")
    )
    if detail == "normalised":
        from lanthanide.screen import determinations_path

        suffix = out.suffix.lower() in (".parquet", ".pq")
        dets = determinations_path(out, out_fmt or ("parquet" if suffix else "csv"))
        output_path(dets, "--out", inputs=(input,))
    bar = Progress(
        TextColumn("{task.description:10}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(),
        console=_err,
        disable=not progress,
        transient=False,
    )
    tasks: dict[str, Any] = {}

    def tick(stage: str, done: int, total: int) -> None:
        if not tasks:
            bar.start()  # on the first stage, so that bad input prints only the error
        if stage not in tasks:
            tasks[stage] = bar.add_task(stage, total=max(total, 1))
        bar.update(tasks[stage], completed=done, total=max(total, 1))

    try:
        s = client(rulebook).screen(
            input,
            out,
            engine=engine,
            fmt=out_fmt,
            rejects=rejects,
            spark_master=spark_master,
            progress=tick,
            columns=carry,
            detail="inline" if detail == "inline" else "normalised",
            workers=workers,
            memory_limit=memory_limit,
            strict_ids=strict_ids,
        )
    finally:
        if tasks:
            bar.stop()
    if summary == "json":
        print_json(s.to_dict())
    else:
        _render(s)


@screen_app.command("generate")
def generate_cmd(
    lines: Annotated[int, typer.Option("--lines", help="Number of declaration lines.")],
    out: Annotated[Path, typer.Option("--out", help="File to write (.csv or .parquet).")],
    seed: Annotated[int, typer.Option("--seed", help="Random seed (same seed, same file).")] = 1,
    reject_rate: Annotated[
        float, typer.Option("--reject-rate", help="Share of deliberately bad lines (0-1).")
    ] = 0.001,
) -> None:
    """Write realistic synthetic declarations: controlled rare-earth, gallium,
    germanium, graphite, antimony and tungsten lines among many uncontrolled
    ones, destinations and dates 2023-2026.

    Example: lanthanide screen generate --lines 1000000 --seed 7 --out decl.parquet
    """
    output_path(out, "--out")
    client().generate_declarations(out, lines=lines, seed=seed, reject_rate=reject_rate)
    _out.print(f"Wrote {lines} declaration lines to {out}")
