"""The timeline audit: tests/cases/timeline_audit.yaml, expected timelines
written from the reference sources, against ``rules timeline``.

Every change point must be there with its date, verdict, the complete set of
instruments in force after it and the instrument that caused it, and there
must be no other change point (no spurious change). The same timeline as the
command line computes it: ``Lanthanide.check`` over the bundled rulebook, with
the alternatives of uncertain readings.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from lanthanide import Lanthanide
from lanthanide.changes import Timeline, timeline
from lanthanide.changes.keys import _keys
from lanthanide.cli import app
from lanthanide.rules import load_rulebook

AUDIT = Path(__file__).parents[1] / "cases" / "timeline_audit.yaml"
ENTRIES: list[dict[str, Any]] = yaml.safe_load(AUDIT.read_text(encoding="utf-8"))["timelines"]
CASE_KEYS = {"item", "hs", "text", "to", "end_use", "end_user", "params", "from", "until"}
LN = Lanthanide(load_rulebook(overlays=[]))


def _run(spec: dict[str, Any]) -> Timeline:
    start, until = spec["from"], spec["until"]
    case = LN.case(
        item=spec.get("item"),
        hs=spec.get("hs"),
        text=spec.get("text"),
        destination=spec["to"],
        on=start,
        end_use=spec.get("end_use"),
        end_user=spec.get("end_user"),
        params={k: str(v) for k, v in (spec.get("params") or {}).items()},
    )
    return timeline(
        LN.check,
        case,
        start,
        until,
        book=LN.rulebook,
        decide_under=lambda b: Lanthanide(b).check,
    )


def _ids(interval: Any) -> list[str]:
    return sorted({i for i, _ in interval.instruments})


def _pending(interval: Any) -> list[str]:
    return sorted({q.instrument for q in interval.pending if q.instrument})


def _norm(point: dict[str, Any]) -> dict[str, Any]:
    """An expected point: instruments and pending questions as sorted lists
    (no ``pending`` given: no open question that could change the answer)."""
    out = dict(point)
    out["instruments"] = sorted(point["instruments"])
    out["pending"] = sorted(point.get("pending", []))
    return out


def _got(t: Timeline) -> dict[str, Any]:
    first = t.intervals[0]
    return {
        "start": {"verdict": first.verdict, "instruments": _ids(first), "pending": _pending(first)},
        "changes": [
            {
                "date": c.date,
                "verdict": c.verdict_to,
                "instruments": _ids(t.at(c.date)),
                "pending": _pending(t.at(c.date)),
                "by": c.instrument,
            }
            for c in t.changes
        ],
    }


def test_the_audit_is_large_enough() -> None:
    assert len(ENTRIES) >= 25
    names = [e["name"] for e in ENTRIES]
    assert len(set(names)) == len(names)


@pytest.mark.parametrize("entry", ENTRIES, ids=[e["name"] for e in ENTRIES])
def test_timeline_matches_the_sources(entry: dict[str, Any]) -> None:
    spec, expect = entry["timeline"], entry["expect"]
    assert set(spec) <= CASE_KEYS, f"unknown timeline keys in {entry['name']}"
    assert isinstance(spec["from"], date) and isinstance(spec["until"], date)
    t = _run(spec)
    got = _got(t)
    want = {
        "start": _norm(expect["start"]),
        "changes": [_norm(c) for c in expect["changes"]],
    }
    assert got == want
    # an interval boundary is a change of the verdict, the instruments in force or
    # what the open questions could lead to, and each boundary is a listed change
    for a, b in zip(t.intervals, t.intervals[1:], strict=False):
        assert (a.verdict, _ids(a), a.pending) != (b.verdict, _ids(b), b.pending), (
            f"spurious boundary {b.start}"
        )
    assert [iv.start for iv in t.intervals[1:]] == [c.date for c in t.changes]
    # each interval is what `check` answers on its first and its last day
    for iv in t.intervals:
        for day in {iv.start, iv.last_day}:
            det = LN.check(replace(t.case, on=day))
            keys = _keys(det, LN.rulebook)
            assert det.verdict == iv.verdict, (day, det.verdict, iv.verdict)
            assert {k.instrument for k in keys} == set(_ids(iv)), day
    for alt_want in expect.get("alternatives", []):
        alts = [a for a in t.alternatives if a.reading == alt_want["reading"]]
        assert alts, f"no alternative {alt_want['reading']}"
        alt_got = [
            {"date": c.date, "verdict": c.verdict_to, "by": c.instrument} for c in alts[0].changes
        ]
        assert alt_got == alt_want["changes"]


def test_the_command_line_gives_the_same_timeline() -> None:
    entry = ENTRIES[0]
    spec = entry["timeline"]
    args = ["rules", "timeline", "--hs", spec["hs"], "--to", spec["to"]]
    args += ["--end-use", spec["end_use"], "--from", str(spec["from"])]
    args += ["--until", str(spec["until"]), "--format", "json"]
    res = CliRunner().invoke(app, args, env={"LANTHANIDE_RULEBOOK_OVERLAYS": ""})
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    got = [(c["date"], c["verdict_to"], c["instrument"]) for c in data["changes"]]
    want = [(str(c["date"]), c["verdict"], c["by"]) for c in entry["expect"]["changes"]]
    assert got == want
