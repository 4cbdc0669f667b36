"""Portfolios: rows of (product, destination, end use, parameters) read from
CSV or Parquet, validated into cases.

Columns (names as written; unknown columns are refused, so a typo is not
silently ignored):

- ``id``: the row's own id (optional; default: its row number);
- ``record``: ``product`` (default), ``application`` or ``licence`` (open
  licence applications and licences given as plain rows);
- ``item`` / ``hs`` / ``text``: what is exported (at least one);
- ``kind``: ``goods``, ``technology`` or ``service``;
- ``destination``: ISO 3166-1 alpha-2 (required);
- ``end_use``, ``end_user``, ``consignee``: as ``check`` takes them (each
  name screened against the party lists);
- ``params``: ``name=value`` pairs separated by ``;`` (``purity=99.995%;form=powder``);
- ``param.<name>``: one parameter per column (``param.purity``).

Errors are :class:`PortfolioError` naming the row (1 = the first row under
the header) and the column.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from lanthanide.countries import codes
from lanthanide.decide.model import Case, CaseError, make_case

COLUMNS: tuple[str, ...] = (
    "id",
    "record",
    "item",
    "hs",
    "text",
    "kind",
    "destination",
    "end_use",
    "end_user",
    "consignee",
    "params",
)
RECORDS: tuple[str, ...] = ("product", "application", "licence")
PLACEHOLDER_DAY = date(2000, 1, 1)
"""The date a row's case is built with; every use replaces it."""


class PortfolioError(ValueError):
    """A bad portfolio: ``row`` (1-based, None for the file or header) and ``column``."""

    def __init__(self, row: int | None, column: str | None, message: str) -> None:
        self.row = row
        self.column = column
        self.message = message
        where = ", ".join(
            p for p in (f"row {row}" if row else "", f"column '{column}'" if column else "") if p
        )
        super().__init__(f"{where}: {message}" if where else message)


@dataclass(frozen=True, slots=True)
class PortfolioRow:
    row: int
    id: str
    record: str
    case: Case
    params_given: tuple[tuple[str, str], ...] = ()
    """The parameters as written (name, text), before :func:`make_case`
    reads them: what a batch run is given, so it reads them the same way."""


def _params(row: int, raw: Mapping[str, Any]) -> tuple[dict[str, str], dict[str, str]]:
    """(params, column of each param)."""
    out: dict[str, str] = {}
    where: dict[str, str] = {}
    text = raw.get("params")
    if text not in (None, ""):
        for part in str(text).split(";"):
            part = part.strip()
            if not part:
                continue
            name, sep, value = part.partition("=")
            if not sep or not name.strip() or not value.strip():
                raise PortfolioError(row, "params", f"'{part}' is not name=value")
            out[name.strip()] = value.strip()
            where[name.strip()] = "params"
    for col, value in raw.items():
        if col.startswith("param.") and value not in (None, ""):
            name = col.removeprefix("param.")
            if name in out:
                raise PortfolioError(row, col, f"parameter '{name}' is also given in 'params'")
            out[name] = str(value)
            where[name] = col
    return out, where


def _cell(raw: Mapping[str, Any], col: str) -> str | None:
    v = raw.get(col)
    if v is None:
        return None
    s = str(v).strip()
    return s or None


def parse_rows(records: Iterable[Mapping[str, Any]]) -> list[PortfolioRow]:
    """Validate plain rows (dicts of column -> value) into portfolio rows."""
    out: list[PortfolioRow] = []
    for n, raw in enumerate(records, start=1):
        unknown = [c for c in raw if c not in COLUMNS and not c.startswith("param.")]
        if unknown:
            raise PortfolioError(
                n,
                unknown[0],
                f"unknown column (allowed: {', '.join(COLUMNS)}, param.<name>)",
            )
        record = _cell(raw, "record") or "product"
        if record not in RECORDS:
            raise PortfolioError(n, "record", f"'{record}' is not one of {', '.join(RECORDS)}")
        dest = _cell(raw, "destination")
        if dest is None:
            raise PortfolioError(n, "destination", "a destination is required (e.g. US, JP, DE)")
        params, where = _params(n, raw)
        try:
            case = make_case(
                on=PLACEHOLDER_DAY,
                item=_cell(raw, "item"),
                hs=_cell(raw, "hs"),
                text=_cell(raw, "text"),
                kind=_cell(raw, "kind"),
                destination=dest,
                end_use=_cell(raw, "end_use"),
                end_user=_cell(raw, "end_user"),
                consignee=_cell(raw, "consignee"),
                params=params,
                countries=codes(),
            )
        except CaseError as exc:
            col = exc.field
            if col.startswith("params."):
                col = where.get(col.removeprefix("params."), "params")
            elif col == "item":
                col = "item/hs/text"
            raise PortfolioError(n, col, exc.message) from None
        out.append(PortfolioRow(n, _cell(raw, "id") or str(n), record, case, tuple(params.items())))
    return out


def read_portfolio(path: Path | str) -> list[PortfolioRow]:
    """Read a portfolio from ``.csv`` (UTF-8, header row) or ``.parquet``."""
    p = Path(path)
    if not p.is_file():
        raise PortfolioError(None, None, f"{p}: no such file")
    suffix = p.suffix.lower()
    if suffix == ".csv":
        with p.open(encoding="utf-8-sig", newline="") as fh:
            reader = csv.DictReader(fh)
            if not reader.fieldnames:
                raise PortfolioError(None, None, f"{p}: empty file (a header row is needed)")
            header = [h.strip() for h in reader.fieldnames]
            rows = []
            for n, r in enumerate(reader, start=1):
                extra = r.pop(None, None)
                if extra:
                    raise PortfolioError(
                        n, None, f"{len(header) + len(extra)} fields, the header has {len(header)}"
                    )
                rows.append({h: v for h, v in zip(header, r.values(), strict=True) if h})
    elif suffix == ".parquet":
        import pyarrow.parquet as pq  # type: ignore[import-untyped]

        try:
            rows = pq.read_table(p).to_pylist()
        except Exception as exc:  # pyarrow raises several types for a bad file
            raise PortfolioError(None, None, f"{p}: not a readable Parquet file ({exc})") from None
    else:
        raise PortfolioError(None, None, f"{p}: give a .csv or .parquet file")
    if not rows:
        raise PortfolioError(None, None, f"{p}: no rows")
    return parse_rows(rows)
