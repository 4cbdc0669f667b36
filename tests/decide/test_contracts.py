"""The contracts of a determination: the window and facts it declares hold,
warnings and questions are codes with parameters, and ``decide`` stands on
the rulebook alone."""

from __future__ import annotations

import ast
import random
import re
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from lanthanide._check import check, needs_reading
from lanthanide.classify import Classifier
from lanthanide.countries import codes
from lanthanide.decide import (
    Case,
    Determination,
    Engine,
    QuestionCode,
    TextNeedsReading,
    WarningCode,
    make_case,
)
from lanthanide.decide import warnings as wmod
from lanthanide.rules.book import load_rulebook
from lanthanide.rules.window import UNBOUNDED_START

ROOT = Path(__file__).resolve().parents[2]
DECIDE = ROOT / "src" / "lanthanide" / "decide"
BOOK = load_rulebook()
ENGINE = Engine(BOOK, plans=0)
"""Without kept answers: the contracts checked here are those the replay of
kept answers rests on (``tests/decide/test_plans.py``)."""
_ISO = re.compile(r"\b[0-9]{4}-[0-9]{2}-[0-9]{2}\b")


def sample_cases(n: int, seed: int = 5) -> list[Case]:
    """Item, tariff-line (full and short) and unknown-line cases, dates 2015-2027."""
    rng = random.Random(seed)
    hs = sorted({h.code for r in BOOK.item_refs for h in r.item.hs})
    items = sorted({r.item.code for r in BOOK.item_refs})
    out = []
    for _ in range(n):
        kw: dict[str, Any] = {
            "on": date(2015, 1, 1) + timedelta(days=rng.randrange(12 * 365)),
            "destination": rng.choice(["US", "JP", "DE", "KP", "VN", None]),
            "end_use": rng.choice([None, "civil", "military", "re-activity-abroad"]),
        }
        roll = rng.random()
        if roll < 0.5:
            kw["hs"] = rng.choice(hs)
        elif roll < 0.6:
            kw["hs"] = rng.choice(hs)[:6]
        elif roll < 0.9:
            kw["item"] = rng.choice(items)
        else:
            kw["hs"] = str(rng.randrange(10**9, 10**10))
        if rng.random() < 0.4:
            kw["params"] = {"purity": rng.choice(["99.9", "99.99", "99.999"])}
        out.append(make_case(countries=codes(), **kw))
    return out


CASES = sample_cases(160)


def essence(d: Determination) -> dict[str, Any]:
    """Everything of the answer except the case and what quotes its date."""
    out = d.to_dict(trace=False)
    del out["case"]
    for w in out["warnings"]:
        if "on" in w["params"]:
            del w["text"], w["params"]["on"]
    return out


def days_in(d: Determination, rng: random.Random) -> list[date]:
    w = d.window
    start = max(w.start, date(2000, 1, 1))
    end = min(w.end or date(2040, 1, 1), date(2040, 1, 1))
    last = end - timedelta(days=1)
    span = (last - start).days
    return sorted({start, last, start + timedelta(days=rng.randrange(span + 1))})


def test_the_answer_is_the_same_on_every_day_of_its_window() -> None:
    rng = random.Random(1)
    for case in CASES:
        d = ENGINE.decide(case)
        assert d.window.contains(case.on)
        for day in days_in(d, rng):
            other = Engine(BOOK, plans=0).decide(Case(**{**_fields(case), "on": day}))
            assert essence(other) == essence(d), (case, day)


def test_the_window_is_not_wider_than_the_answer() -> None:
    """Just outside the window some comparison changes: the answer (or its
    window) differs there."""
    changed = 0
    for case in CASES[:60]:
        d = ENGINE.decide(case)
        if d.window.end is None:
            continue
        after = ENGINE.decide(Case(**{**_fields(case), "on": d.window.end}))
        assert not after.window.contains(case.on)
        changed += essence(after) != essence(d)
    assert changed > 0


def test_facts_not_read_do_not_change_the_answer() -> None:
    variants: dict[str, list[Any]] = {
        "destination": [None, "US", "KP", "DE"],
        "end_use": [None, "civil", "military"],
        "end_user": [None, "Some Corp"],
    }
    unread_seen = 0
    for case in CASES:
        d = ENGINE.decide(case)
        assert "end_user" not in d.facts  # no rule reads the end user yet
        for fact, values in variants.items():
            if fact in d.facts:
                continue
            for v in values:
                unread_seen += 1
                other = ENGINE.decide(Case(**{**_fields(case), fact: v}))
                assert essence(other) == essence(d), (case, fact, v)
        if "params.purity" not in d.facts:
            other = ENGINE.decide(Case(**{**_fields(case), "params": {"purity": 99.9999}}))
            assert essence(other) == essence(d), case
    assert unread_seen > 100


def test_facts_read_include_what_the_questions_ask() -> None:
    asked = 0
    for case in CASES:
        d = ENGINE.decide(case)
        for q in d.questions:
            if q.field in ("destination", "end_use"):
                assert q.field in d.facts
                asked += 1
            elif q.field == "params" and q.code == "catalogue-spec":
                # yes/no on a specification no parameter encodes: no case fact is read
                assert q.options == ("yes", "no")
            elif q.field == "params":
                assert {f"params.{p}" for p in q.options} <= d.facts
                asked += 1
    assert asked > 10
    d = ENGINE.decide(make_case(hs="2846901920", on="2025-06-01"))
    assert "destination" in d.facts and d.window.start > UNBOUNDED_START


def _fields(case: Case) -> dict[str, Any]:
    return {f: getattr(case, f) for f in Case.__dataclass_fields__}


def test_no_date_lives_only_inside_prose() -> None:
    seen: set[str] = set()
    for case in CASES:
        d = ENGINE.decide(case)
        for x in (*d.warnings, *d.questions):
            values = {str(v) for v in x.params.values()}
            for iso in _ISO.findall(x.text):
                assert iso in values, (x.code, x.text)
            assert wmod.render(_spec(x.code, x in d.questions), x.params) == x.text
            seen.add(x.code.split(":")[0])
    assert {"checked", "duty", "after-data-date"} <= seen


def _spec(code: str, question: bool) -> wmod.Spec:
    if question:
        return QuestionCode(code).spec
    return (WarningCode.DUTY if code.startswith("duty:") else WarningCode(code)).spec


def test_every_code_has_a_meaning_and_templates() -> None:
    for code in (*WarningCode, *QuestionCode):
        assert code.spec.meaning
        assert code.spec.templates
        for form, template in code.spec.templates.items():
            assert template.strip(), (code, form)


def test_warnings_doc_is_current() -> None:
    doc = (ROOT / "docs" / "warnings.md").read_text(encoding="utf-8")
    assert doc == wmod.markdown(), f"stale; regenerate with: {wmod.REGENERATE}"


def test_to_dict_has_window_facts_and_params() -> None:
    d = ENGINE.decide(make_case(hs="2846901920", on="2025-06-01", destination="US"))
    out = d.to_dict()
    assert set(out["window"]) == {"start", "end"}
    assert out["facts"] == sorted(out["facts"]) and "destination" in out["facts"]
    assert all("params" in w for w in out["warnings"])
    assert all("params" in q and "code" in q for q in out["questions"])


def test_a_text_case_needs_the_classifier() -> None:
    case = make_case(text="GaAs wafers", destination="KR", on="2025-06-01")
    assert needs_reading(case)
    with pytest.raises(TextNeedsReading):
        ENGINE.decide(case)
    with pytest.raises(ValueError, match="classifier"):
        check(ENGINE, None, case)


def test_a_text_answer_holds_on_its_window() -> None:
    clf = Classifier(BOOK)
    rng = random.Random(3)
    texts = [r.item.title.en or r.item.title.zh or "" for r in BOOK.item_refs][::7]
    for text in texts:
        case = make_case(text=text, destination="US", on="2024-03-01")
        d = check(ENGINE, clf, case)
        for day in days_in(d, rng):
            other = check(ENGINE, clf, Case(**{**_fields(case), "on": day}))
            assert essence(other) == essence(d), (text, day)


def test_decide_imports_only_the_rulebook() -> None:
    """Importing ``lanthanide.decide`` loads no classifier and none of its
    libraries; no module of ``decide/`` imports another package of
    lanthanide than ``rules`` (or the coming ``vocab``)."""
    code = (
        "import sys, lanthanide.decide; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in "
        "('bm25s', 'jieba', 'numpy', 'rapidfuzz') or m.startswith('lanthanide.classify')))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"
    allowed = ("lanthanide.decide", "lanthanide.rules", "lanthanide.vocab", "lanthanide.errors")
    for path in DECIDE.glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else []
            )
            for name in names:
                if name.startswith("lanthanide"):
                    assert name.startswith(allowed), f"{path.name} imports {name}"


def test_modules_stay_small() -> None:
    for path in DECIDE.glob("*.py"):
        n = len(path.read_text(encoding="utf-8").splitlines())
        assert n <= 500, f"{path.name}: {n} lines"
