"""``lanthanide classify``: text → ranked catalogue items, control codes and
tariff lines, explained. Registered on the main app in :mod:`lanthanide.cli`."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

import typer

from lanthanide._client import MAX_TOP, classification_json
from lanthanide.cli.common import Fmt, client, console_for, emit
from lanthanide.vocab import VOCAB

ClassifyKind = StrEnum("ClassifyKind", {k: k for k in VOCAB.classify_kind_ids})  # type: ignore[misc]


def _status(r: dict[str, Any]) -> str:
    """The item's status on the query date, when it is not in force then."""
    status = r.get("status_on")
    if status in (None, "in_force", "unknown"):
        return ""
    note = " (ranked below in force)" if r.get("demoted") else ""
    return f"\n{status.replace('_', ' ')}{note}"


_COLUMNS = ("#", "code", "kind", "instrument", "title", "HS", "confidence", "matched")


def render(data: dict[str, Any]) -> None:
    """A classification (its JSON form) as a table (Rich imported here: a
    JSON answer needs none of it), laid out first so that the console is
    chosen for the texts printed (:func:`~lanthanide.cli.common.console_for`)."""
    from rich.table import Table

    lines: list[str] = []
    if data["corrected"]:
        lines.append(f"(read as: {data['corrected']})")
    if data["params"]:
        ps = " ".join(f"--param {k}={v}" for k, v in data["params"].items())
        lines.append(f"Parameters found: {ps}")
    rows = []
    for r in data["results"]:
        inst = r["instrument"]
        where = (inst["number"] or inst["id"]) if inst else "HS 2022 (no rulebook item)"
        title = r["title"]["zh"] or ""
        if r["title"]["en"]:
            title = f"{title}\n{r['title']['en']}" if title else r["title"]["en"]
        matched = "; ".join(f"{k}: {', '.join(v)}" for k, v in r["matched"].items())
        rows.append(
            (
                str(r["rank"]),
                r["code"],
                r["kind"],
                where,
                title,
                ", ".join(r["hs"][:4]) + (" …" if len(r["hs"]) > 4 else ""),
                f"{r['confidence']} ({r['score']:.1f})" + _status(r),
                matched,
            )
        )
    none = "No rulebook item or tariff heading matches this text."
    footer = f"rulebook {data['rulebook_version']}"
    _out = console_for([*lines, *_COLUMNS, *(c for r in rows for c in r), none, footer])
    for line in lines:
        _out.print(line, highlight=False)
    t = Table(*_COLUMNS)
    for row in rows:
        t.add_row(*row)
    _out.print(t)
    if not data["results"]:
        _out.print(none)
    _out.print(footer, highlight=False)


def classify(
    text: Annotated[str, typer.Argument(help="Chinese or English text, a code or a tariff line.")],
    kind: Annotated[
        ClassifyKind | None, typer.Option("--kind", help="Only goods or only technology.")
    ] = None,
    top: Annotated[int, typer.Option("--top", help=f"How many results (1-{MAX_TOP}).")] = 5,
    fmt: Annotated[Fmt, typer.Option("--format", help="json or table.")] = Fmt.table,
    on: Annotated[
        str | None,
        typer.Option(
            "--on",
            help="Rank on this date (YYYY-MM-DD): an item not in force then ranks below "
            "one in force, and says so.",
        ),
    ] = None,
) -> None:
    """Find the catalogue item, control code and tariff line a text describes,
    with the matched terms, a confidence and the parameters found in the text.

    Example: lanthanide classify "氧化镝 99.5%" --top 3 --format json
    """
    ln = client()
    found = ln.classify(text, kind=kind.value if kind else None, top=top, on=on)
    emit(fmt, classification_json(found, ln.rulebook.version), render)
