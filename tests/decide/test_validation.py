"""One validation layer for case facts (issue 11): blank or impossible input is
a CaseError naming the field, never a verdict."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lanthanide.decide.model import MAX_END_USER, CaseError, make_case
from lanthanide.rules.params import PARAMS

BLANKS = ["", " ", "  ", "\t", "\u3000", " \u3000 ", "\n"]


@pytest.mark.parametrize("field", ["item", "hs", "text"])
@pytest.mark.parametrize("blank", BLANKS)
def test_blank_description_is_an_error_naming_the_field(field: str, blank: str) -> None:
    with pytest.raises(CaseError) as exc:
        make_case(**{field: blank}, destination="US", end_use="military")  # type: ignore[arg-type]
    assert exc.value.field == field


@pytest.mark.parametrize("blank", BLANKS)
def test_blank_end_user_is_an_error(blank: str) -> None:
    with pytest.raises(CaseError) as exc:
        make_case(item="1C902", end_user=blank)
    assert exc.value.field == "end_user"


def test_end_user_length_limit() -> None:
    assert make_case(item="1C902", end_user="x" * MAX_END_USER).end_user == "x" * MAX_END_USER
    with pytest.raises(CaseError) as exc:
        make_case(item="1C902", end_user="x" * (MAX_END_USER + 1))
    assert exc.value.field == "end_user"
    assert str(MAX_END_USER) in exc.value.message


def test_values_are_stripped() -> None:
    c = make_case(item=" 1C902\u3000", end_user="  MP Materials Corp. ")
    assert (c.item, c.end_user) == ("1C902", "MP Materials Corp.")


def test_ranges_come_from_the_vocabulary() -> None:
    purity = PARAMS["purity"]
    assert (purity.above, purity.max) == (0.0, 100.0)
    assert PARAMS["particle_size"].above == 0.0
    assert PARAMS["china_origin_value_share"].min == 0.0


@pytest.mark.parametrize(
    "raw", [float("nan"), float("inf"), -float("inf"), -5, 0, 250, "1e400", "200%", "-5", "nan"]
)
def test_impossible_purity_is_refused(raw: object) -> None:
    with pytest.raises(CaseError) as exc:
        make_case(item="1C902", params={"purity": raw})
    assert exc.value.field == "params.purity"


@given(st.floats(allow_nan=True, allow_infinity=True))
def test_purity_accepted_iff_in_range(v: float) -> None:
    ok = math.isfinite(v) and 0 < v <= 100
    try:
        c = make_case(item="1C902", params={"purity": v})
    except CaseError as exc:
        assert not ok and exc.field == "params.purity"
    else:
        assert ok and c.params["purity"] == v


@given(
    st.sampled_from([p for p in PARAMS.values() if p.unit is not None]),
    st.floats(allow_nan=True, allow_infinity=True),
)
def test_every_numeric_parameter_checks_its_range(p: object, v: float) -> None:
    from lanthanide.vocab.model import Param

    assert isinstance(p, Param)
    ok = (
        math.isfinite(v)
        and (p.above is None or v > p.above)
        and (p.min is None or v >= p.min)
        and (p.max is None or v <= p.max)
    )
    try:
        make_case(item="1C902", params={p.id: v})
    except CaseError as exc:
        assert not ok and exc.field == f"params.{p.id}"
    else:
        assert ok
