"""Periods: the 至-inclusive convention of the sources, half-open internally.

Every bundled period that has an end is listed here with the last day it
covers and how the source words it, so a new period cannot slip in with its
end day silently dropped (issue 11)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta

import pytest
from pydantic import BaseModel, ValidationError

from lanthanide.rules import load_rulebook
from lanthanide.rules.model import Period

DAY = timedelta(days=1)

# (instrument id, path) -> (first day, last day covered, how the end is written)
EXPECTED: dict[tuple[str, str], tuple[date, date, str]] = {
    # "自2023年10月31日起至2025年10月31日": 至 includes the end day
    ("cn-mofcom-bulk-commodity-reporting", "controls[0].valid"): (
        date(2023, 10, 31),
        date(2025, 10, 31),
        "inclusive",
    ),
    ("cn-mofcom-bulk-commodity-reporting", "duties[0].valid"): (
        date(2023, 10, 31),
        date(2025, 10, 31),
        "inclusive",
    ),
    # 2025 No. 70: "至2026年11月10日"
    **{
        ("cn-mofcom-gac-2025-70", f"suspends[{i}].period"): (
            date(2025, 11, 7),
            date(2026, 11, 10),
            "inclusive",
        )
        for i in range(6)
    },
    # 2025 No. 72: "自公告生效之日起至2026年11月27日"
    ("cn-mofcom-2025-72", "suspends[0].period"): (
        date(2025, 11, 9),
        date(2026, 11, 27),
        "inclusive",
    ),
    # the alternative reading of MOFCOM's statement of 2026-09-28: "延期至2027年1月10日"
    **{
        ("cn-mofcom-statement-2026-09-28", f"uncertain[0].readings[1].suspends[{i}].period"): (
            date(2026, 11, 11) if i < 6 else date(2026, 11, 28),
            date(2027, 1, 10),
            "inclusive",
        )
        for i in range(7)
    },
    # technology catalogue versions: replaced on the day the next one takes effect
    ("cn-mofcom-most-2008-12", "catalogue.valid"): (
        date(2008, 9, 16),
        date(2020, 8, 27),
        "replacement",
    ),
    ("cn-mofcom-most-2020-38", "catalogue.valid"): (
        date(2020, 8, 28),
        date(2023, 12, 20),
        "replacement",
    ),
    ("cn-mofcom-most-2023-57", "catalogue.valid"): (
        date(2023, 12, 21),
        date(2025, 7, 14),
        "replacement",
    ),
}


def _periods(obj: object, path: str) -> Iterator[tuple[str, Period]]:
    if isinstance(obj, Period):
        yield path, obj
    elif isinstance(obj, BaseModel):
        for name in type(obj).model_fields:
            sub = f"{path}.{name}" if path else name
            yield from _periods(getattr(obj, name), sub)
    elif isinstance(obj, tuple):
        for i, x in enumerate(obj):
            yield from _periods(x, f"{path}[{i}]")


def _ended() -> dict[tuple[str, str], Period]:
    book = load_rulebook()
    out = {}
    for inst in book.instruments.values():
        for path, p in _periods(inst, ""):
            if p.end is not None:
                out[(inst.id, path)] = p
    return out


def test_end_inclusive_is_converted_to_half_open() -> None:
    p = Period.model_validate({"start": "2023-10-31", "end_inclusive": "2025-10-31"})
    assert p.end == date(2025, 11, 1)
    assert p.contains(date(2025, 10, 31)) and not p.contains(date(2025, 11, 1))
    assert Period.model_validate(p.model_dump()) == p  # a dump carries both, consistently


def test_end_and_end_inclusive_must_agree() -> None:
    with pytest.raises(ValidationError, match="disagree"):
        Period.model_validate(
            {"start": "2023-10-31", "end": "2025-10-31", "end_inclusive": "2025-10-31"}
        )
    ok = Period.model_validate(
        {"start": "2023-10-31", "end": "2025-11-01", "end_inclusive": "2025-10-31"}
    )
    assert ok.end == date(2025, 11, 1)


def test_end_inclusive_before_start_is_refused() -> None:
    with pytest.raises(ValidationError, match="must be after start"):
        Period.model_validate({"start": "2025-01-02", "end_inclusive": "2024-12-31"})


def test_every_ended_period_is_declared_with_its_convention() -> None:
    assert set(_ended()) == set(EXPECTED), "declare each new ended period in EXPECTED"


@pytest.mark.parametrize("key", sorted(EXPECTED), ids=lambda k: f"{k[0]}:{k[1]}")
def test_first_and_last_day(key: tuple[str, str]) -> None:
    first, last, how = EXPECTED[key]
    p = _ended()[key]
    assert p.start == first
    assert not p.contains(first - DAY) and p.contains(first)
    assert p.contains(last) and not p.contains(last + DAY)
    if how == "inclusive":
        assert p.end_inclusive == last, "a 至 end must be written as end_inclusive"
    else:
        assert p.end_inclusive is None
