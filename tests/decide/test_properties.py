"""Property tests: invariants of the determination engine."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lanthanide.decide import RANK, Engine, make_case
from lanthanide.rules.book import Rulebook
from lanthanide.rules.model import Instrument
from tests.conftest import SRC, instrument, synthetic_docs

BASE = [Instrument.model_validate(d) for d in synthetic_docs()]
BASE_ENGINE = Engine(Rulebook(BASE))

EFFECTS = [
    "prohibited",
    "denial_presumed",
    "licence_required",
    "report_required",
    "registration_required",
]
COUNTRIES = ["US", "JP", "KR", "DE", "VN"]

cases = st.fixed_dictionaries(
    {
        "hs": st.sampled_from([None, "1111111111", "1111112222", "111111", "9999999999"]),
        "item": st.sampled_from([None, "A-1", "B-1", "T-1", "000001J", "000003X"]),
        "destination": st.sampled_from([None, *COUNTRIES]),
        "end_use": st.sampled_from([None, "civil", "military", "wmd"]),
        "on": st.dates(min_value=date(2018, 1, 1), max_value=date(2025, 12, 31)),
        "params": st.sampled_from([{}, {"purity": 99.9}, {"purity": 99.999}]),
    }
).filter(lambda c: c["hs"] or c["item"])


@st.composite
def extra_control(draw: st.DrawFn) -> dict[str, Any]:
    start = draw(st.dates(min_value=date(2018, 1, 1), max_value=date(2025, 1, 1)))
    length = draw(st.one_of(st.none(), st.integers(min_value=1, max_value=2000)))
    valid: dict[str, Any] = {"start": start.isoformat()}
    if length is not None:
        valid["end"] = (start + timedelta(days=length)).isoformat()
    selector = draw(
        st.sampled_from(
            [
                {"items": "all"},
                {"refs": ["t-dual:*"]},
                {"refs": ["t-dual:B-1"]},
                {"regimes": ["dual_use"]},
                {"hs_prefixes": ["1111"]},
                {"anything": True},
                {"elements": ["Dy"]},
            ]
        )
    )
    ctl: dict[str, Any] = {
        "id": "extra",
        "effect": draw(st.sampled_from(EFFECTS)),
        "applies_to": selector,
        "valid": valid,
        "reason": {"en": "extra"},
        "sources": SRC,
    }
    if draw(st.booleans()):
        ctl["destinations"] = {
            "mode": draw(st.sampled_from(["only", "except"])),
            "countries": draw(
                st.lists(st.sampled_from(COUNTRIES), min_size=1, max_size=3, unique=True)
            ),
        }
    if draw(st.booleans()):
        ctl["end_uses"] = draw(
            st.lists(st.sampled_from(["military", "wmd"]), min_size=1, unique=True)
        )
    items = []
    if selector.get("items") == "all":
        items = [
            {
                "code": "X-1",
                "kind": "goods",
                "title": {"en": "Extra"},
                "hs": [{"code": "1111112222"}],
                "sources": SRC,
            }
        ]
    return instrument("z-extra", controls=[ctl], items=items)


def keys(d: Any) -> set[tuple[str, str, str | None]]:
    return {(f.instrument.id, f.control, f.item.code if f.item else None) for f in d.findings}


def strictness(d: Any) -> int:
    return max([RANK[f.effect] for f in d.findings if f.effect in RANK], default=0)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=cases, extra=extra_control())
def test_adding_a_control_never_makes_a_verdict_less_strict(
    case: dict[str, Any], extra: dict[str, Any]
) -> None:
    c = make_case(**case)
    before = BASE_ENGINE.decide(c)
    after = Engine(Rulebook([*BASE, Instrument.model_validate(extra)])).decide(c)
    assert keys(before) <= keys(after)
    assert strictness(after) >= strictness(before)
    if before.verdict in RANK and after.verdict in RANK:
        assert RANK[after.verdict] >= RANK[before.verdict]


@settings(max_examples=200, deadline=None)
@given(case=cases)
def test_verdict_is_consistent_with_findings_and_questions(case: dict[str, Any]) -> None:
    d = BASE_ENGINE.decide(make_case(**case))
    top = strictness(d)
    pending = max([RANK[q.pending_effect] for q in d.questions if q.pending_effect], default=0)
    if d.verdict == "undetermined":
        assert pending > top or top == 0
        assert d.questions or d.warnings
    elif d.verdict == "not_controlled":
        assert top == 0 and not d.findings
        assert any(w.code == "checked" for w in d.warnings)
    else:
        assert RANK[d.verdict] == top >= pending
        assert all(f.sources for f in d.findings)


@settings(max_examples=100, deadline=None)
@given(case=cases)
def test_determination_is_deterministic(case: dict[str, Any]) -> None:
    c = make_case(**case)
    assert BASE_ENGINE.decide(c) == Engine(Rulebook(BASE)).decide(c)
