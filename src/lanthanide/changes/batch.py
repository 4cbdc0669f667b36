"""Impact through the batch engines: portfolio rows as declaration lines,
screened by :func:`lanthanide.screen.run.screen` (DuckDB or Spark), read
back by line id.

A row goes to the engine when ``screen`` takes what it says: a tariff line
(``hs``) with no catalogue ``item``, no ``text`` and no ``kind`` (the
declaration schema has none of these), and parameters whose text has no
``;``. The others are decided in-process by :mod:`lanthanide.changes.impact`.
Each (row, date) becomes one line (``line_id`` its index in the request);
the line's determination, read from the determinations file, gives the
verdict and the findings, as ``check --format json`` gives them.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from lanthanide.changes.keys import FindingKey, finding_keys, key_of
from lanthanide.changes.portfolio import PortfolioError, PortfolioRow
from lanthanide.rules.book import Rulebook

COLUMN_OF: dict[str, str] = {"tariff_line": "hs", "date": "between"}
"""Portfolio column of a declaration column that is named differently."""


@dataclass(frozen=True, slots=True)
class Answer:
    """What impact reads of a determination."""

    verdict: str
    keys: frozenset[FindingKey]


def eligible(r: PortfolioRow) -> bool:
    """Whether ``screen`` can decide this row exactly as ``check`` does."""
    c = r.case
    return (
        c.hs is not None
        and c.item is None
        and c.text is None
        and c.kind is None
        and c.consignee is None
        and all(";" not in k and ";" not in v for k, v in r.params_given)
    )


def answer_of(determination: str, book: Rulebook | None = None) -> Answer:
    """The verdict and findings of a stored determination (its JSON text),
    keyed as :func:`~lanthanide.changes.keys._keys` keys a
    determination (with ``book``: catalogue adjustments)."""
    data = json.loads(determination)
    keys = finding_keys(
        key_of(
            f["instrument"]["id"],
            f["instrument"].get("number"),
            f["control"],
            f["effect"],
            f["item"]["code"] if f.get("item") else None,
            f["item"].get("instrument") if f.get("item") else None,
            book,
            f.get("reason"),
        )
        for f in data["findings"]
    )
    return Answer(str(data["verdict"]), frozenset(keys))


def _write_lines(path: Path, requests: Sequence[tuple[PortfolioRow, date]]) -> None:
    import pyarrow as pa  # type: ignore[import-untyped]
    import pyarrow.parquet as pq  # type: ignore[import-untyped]

    cols: dict[str, list[str | None]] = {
        "line_id": [],
        "date": [],
        "tariff_line": [],
        "destination": [],
        "end_use": [],
        "end_user": [],
        "consignee": [],
        "params": [],
    }
    for i, (r, day) in enumerate(requests):
        c = r.case
        cols["line_id"].append(str(i))
        cols["date"].append(day.isoformat())
        cols["tariff_line"].append(c.hs)
        cols["destination"].append(c.destination)
        cols["end_use"].append(c.end_use)
        cols["end_user"].append(c.end_user)
        cols["consignee"].append(c.consignee)
        cols["params"].append(";".join(f"{k}={v}" for k, v in r.params_given) or None)
    table = pa.table({k: pa.array(v, type=pa.string()) for k, v in cols.items()})
    pq.write_table(table, path)


def batch_answers(
    book: Rulebook,
    requests: Sequence[tuple[PortfolioRow, date]],
    *,
    engine: str = "duckdb",
    spark_master: str | None = None,
    workers: int | None = None,
    workdir: Path | None = None,
) -> list[Answer]:
    """The answer for each (row, date) of ``requests`` under ``book``, in
    order, from one batch run of ``engine``. A line the batch rejects is a
    :class:`PortfolioError` naming the row and the column. The batch's files
    live in a temporary directory under ``workdir`` (default: the system's;
    on a Spark cluster, give one every executor reads), removed afterwards."""
    from lanthanide.screen.engines import make_engine
    from lanthanide.screen.outputs import read_rows
    from lanthanide.screen.run import screen

    if not requests:
        return []
    with tempfile.TemporaryDirectory(prefix="lanthanide-impact-", dir=workdir) as tmp:
        src = Path(tmp) / "lines.parquet"
        out = Path(tmp) / "screened.parquet"
        _write_lines(src, requests)
        with make_engine(engine, spark_master) as eng:
            summary = screen(eng, book, src, out, columns=["line_id"], workers=workers)
        if summary.rejects is not None:
            first = read_rows(summary.rejects)[0]
            r, _day = requests[int(first["line_id"])]
            code = str(first["code"])
            column = code.removeprefix("invalid_") if code.startswith("invalid_") else None
            raise PortfolioError(r.row, COLUMN_OF.get(column or "", column), str(first["reason"]))
        assert summary.determinations_file is not None
        answers = {
            str(d["determination_id"]): answer_of(str(d["determination"]), book)
            for d in read_rows(summary.determinations_file)
        }
        got: list[Answer | None] = [None] * len(requests)
        for line in read_rows(out):
            got[int(line["line_id"])] = answers[str(line["determination_id"])]
    missing = [i for i, a in enumerate(got) if a is None]
    if missing:  # screen accounts for every line: output or rejects
        raise RuntimeError(f"batch run lost {len(missing)} lines (first: row {missing[0]})")
    return [a for a in got if a is not None]
