"""Declarative rule cases: tests/cases/*.yaml, readable by a lawyer.

Each file holds ``cases:``, each with ``check`` (the same fields as
``lanthanide check`` / ``POST /api/v1/check``) and ``expect``:
``verdict``, ``cites`` (instrument ids, official numbers or
``instrument:item`` that must appear in the findings), ``not_cites``,
``questions`` (fields that must be asked), ``warnings`` (warning codes that
must be present), ``not_warnings`` (codes that must be absent),
``alternatives`` (``{reading, verdict}`` of each alternative reading of an
uncertain status expected on the answer), ``control_point``
(a substring of some finding's control point), ``suspended_by`` (ids of
suspending instruments the trace must show as suspending a control).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from lanthanide import Lanthanide
from lanthanide.decide import Determination

CASES_DIR = Path(__file__).parent / "cases"
EXPECT_KEYS = {
    "verdict",
    "cites",
    "not_cites",
    "questions",
    "warnings",
    "not_warnings",
    "alternatives",
    "control_point",
    "suspended_by",
}
CHECK_KEYS = {
    "item",
    "hs",
    "text",
    "kind",
    "to",
    "on",
    "end_use",
    "end_user",
    "consignee",
    "params",
}


def load_cases() -> list[tuple[str, dict[str, Any]]]:
    out = []
    for path in sorted(CASES_DIR.glob("*.yaml")):
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        # timeline_audit.yaml holds `timelines:` (run by tests/changes/test_timeline_audit.py)
        assert "cases" in doc or "timelines" in doc, f"{path.name}: no cases"
        for case in doc.get("cases", []):
            out.append((f"{path.stem}: {case['name']}", case))
    return out


CASES = load_cases()
LN = Lanthanide()


def run(check: dict[str, Any]) -> Determination:
    kw = dict(check)
    kw["destination"] = kw.pop("to", None)
    if "on" in kw:
        kw["on"] = str(kw["on"])
    return LN.check(**kw)


def cited(d: Determination) -> set[str]:
    out: set[str] = set()
    for f in d.findings:
        out.add(f.instrument.id)
        if f.instrument.number:
            out.add(f.instrument.number)
        if f.item is not None:
            out.add(f"{f.item.instrument}:{f.item.code}")  # an item cited by any finding
    return out


@pytest.mark.parametrize(("name", "case"), CASES, ids=[n for n, _ in CASES])
def test_case(name: str, case: dict[str, Any]) -> None:
    assert set(case["check"]) <= CHECK_KEYS, (
        f'unknown check keys in {name} (write "on": quoted; bare on: is a boolean in YAML)'
    )
    expect = case["expect"]
    assert set(expect) <= EXPECT_KEYS, f"unknown expect keys in {name}"
    d = run(case["check"])
    summary = (
        f"verdict={d.verdict} cited={sorted(cited(d))} "
        f"questions={[q.field for q in d.questions]} warnings={[w.code for w in d.warnings]}"
    )
    assert d.verdict == expect["verdict"], summary
    for c in expect.get("cites", []):
        assert c in cited(d), f"{c} not cited; {summary}"
    for c in expect.get("not_cites", []):
        assert c not in cited(d), f"{c} cited; {summary}"
    for q in expect.get("questions", []):
        assert q in {x.field for x in d.questions}, f"no question on {q}; {summary}"
    for w in expect.get("warnings", []):
        assert w in {x.code for x in d.warnings}, f"no warning {w}; {summary}"
    for w in expect.get("not_warnings", []):
        assert w not in {x.code for x in d.warnings}, f"warning {w} present; {summary}"
    if "alternatives" in expect:
        got = [{"reading": a.reading, "verdict": a.verdict} for a in d.alternatives]
        assert got == expect["alternatives"], f"alternatives {got}; {summary}"
    book = LN.rulebook
    for sid in expect.get("suspended_by", []):
        number = book.instruments[sid].number or sid
        assert any(f"suspended by {number}" in t.outcome for t in d.trace), (
            f"no control suspended by {sid}; {summary}"
        )
    if "control_point" in expect:
        assert any(expect["control_point"] in (f.control_point or "") for f in d.findings), summary


def test_there_are_enough_cases() -> None:
    assert len(CASES) >= 40


def test_every_controlling_instrument_is_cited_by_a_case() -> None:
    """Each instrument with controls or catalogue items appears in some case's
    expected citations, or, for a suspension, in a case on its period."""
    book = LN.rulebook
    expected: set[str] = set()
    for _, case in CASES:
        expected |= set(case["expect"].get("cites", []))
        expected |= set(case["expect"].get("suspended_by", []))
    missing = []
    for inst in book.instruments.values():
        controlling = inst.controls or inst.catalogue or inst.suspends
        if controlling and inst.id not in expected and (inst.number or "") not in expected:
            missing.append(inst.id)
    assert not missing, f"instruments no case covers: {missing}"
