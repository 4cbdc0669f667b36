"""Reading batch outputs and comparing them with ``lanthanide check``."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from lanthanide import Lanthanide
from lanthanide.screen import expand, outputs
from lanthanide.screen.sql import INLINE_COLUMNS, OUTPUT_COLUMNS


def read_rows(path: Path) -> list[dict[str, Any]]:
    """The rows of an output: a CSV or Parquet file, or a Spark directory of
    part files (:func:`lanthanide.screen.outputs.read_rows`)."""
    return outputs.read_rows(path)


LN = Lanthanide()


def case_of(line: dict[str, str]) -> Any:
    params: dict[str, str] = {}
    for part in (p for p in (line.get("params") or "").split(";") if p.strip()):
        name, _, value = part.partition("=")
        params[name.strip()] = value.strip()
    return LN.case(
        hs=line["tariff_line"],
        destination=line.get("destination") or None,
        on=line["date"],
        end_use=line.get("end_use") or None,
        end_user=line.get("end_user") or None,
        consignee=line.get("consignee") or None,
        params=params,
    )


def as_json(data: Any) -> Any:
    """``data`` as JSON gives it back (tuples become lists)."""
    return json.loads(json.dumps(data, ensure_ascii=False))


def _s(v: Any) -> str:
    return "" if v is None else str(v)


def assert_same_as_check(
    lines: Sequence[dict[str, str]],
    out_rows: Sequence[dict[str, Any]],
    det_rows: Sequence[dict[str, Any]] | None = None,
    *,
    ln: Lanthanide = LN,
) -> None:
    """Every line is in the output once, its columns equal ``check``'s
    answer, and its determination (``det_rows``, the determinations file)
    expanded with the line's case equals ``check --format json --no-trace``.
    Without ``det_rows`` the output must carry the inline JSON columns."""
    by_id = {r["line_id"]: r for r in out_rows}
    assert len(by_id) == len(out_rows) == len(lines)
    dets: dict[str, str] = {}
    for r in det_rows or ():
        assert r["determination_id"] not in dets, "a determination is stored twice"
        dets[r["determination_id"]] = r["determination"]
    for line in lines:
        row = by_id[line["line_id"]]
        for c, v in line.items():
            if c in row:
                assert _s(row[c]) == v, (c, line)
        case = case_of(line)
        d = ln.check(case)
        want = {
            "verdict": d.verdict,
            "effects": ";".join(f.effect for f in d.findings),
            "instruments": ";".join(f.instrument.number or f.instrument.id for f in d.findings),
            "items": ";".join(f.item.code if f.item else "" for f in d.findings),
            "question_codes": ";".join(q.code for q in d.questions),
            "warning_codes": ";".join(w.code for w in d.warnings),
        }
        got = {c: _s(row[c]) for c in OUTPUT_COLUMNS if c != "determination_id"}
        assert got == want, f"line {line}"
        full = as_json(ln.determination_json(d, trace=False))
        if det_rows is None:
            inline_equal(row, full)
        else:
            assert expand(dets[row["determination_id"]], case) == full, f"line {line}"


def inline_equal(row: dict[str, Any], full: dict[str, Any]) -> None:
    """The ``--detail inline`` JSON columns hold a subset of ``check``'s JSON."""
    got = {c: json.loads(row[c]) for c in INLINE_COLUMNS}
    assert [(f["effect"], f["instrument"], f["item"], f["control"]) for f in got["findings"]] == [
        (
            f["effect"],
            f["instrument"]["id"],
            f["item"]["code"] if f["item"] else None,
            f["control"],
        )
        for f in full["findings"]
    ]
    qk = ("field", "text", "options", "pending_effect", "instrument")
    assert got["questions"] == [{k: q[k] for k in qk} for q in full["questions"]]
    assert got["warnings"] == [
        {k: w[k] for k in ("code", "text", "instrument")} for w in full["warnings"]
    ]
    assert got["conflicts"] == full["conflicts"]
