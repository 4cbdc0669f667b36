"""Uncertain legal status: announced-but-not-enacted facts and their readings."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from pydantic import ValidationError

from lanthanide.rules import load_rulebook
from lanthanide.rules.loader import check_references
from lanthanide.rules.model import Instrument
from lanthanide.rules.status import UncertainStatus

KL = "kl-arrangement-extension-2027"
EXT = "extended-2027-01-10"
SRC = [{"url": "https://example.org/statement", "tag": "S"}]


def _status(**over: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": "x",
        "kind": "announced_not_enacted",
        "question": {"en": "Extended?"},
        "sources": SRC,
        "readings": [
            {
                "id": "legal",
                "default": True,
                "text": {"en": "as written"},
                "tag": "S",
                "sources": SRC,
            },
            {
                "id": "ext",
                "text": {"en": "extended"},
                "tag": "U",
                "sources": SRC,
                "suspends": [
                    {
                        "instrument": "cn-mofcom-gac-2025-57",
                        "period": {"start": "2026-11-11", "end_inclusive": "2027-01-10"},
                        "sources": SRC,
                    }
                ],
            },
        ],
    }
    data.update(over)
    return data


def test_the_kuala_lumpur_extension_is_encoded_as_two_readings() -> None:
    book = load_rulebook()
    (ref,) = [r for r in book.uncertain if r.status.id == KL]
    assert ref.instrument.id == "cn-mofcom-statement-2026-09-28"
    st = ref.status
    assert st.kind == "announced_not_enacted" and st.stated_on == date(2026, 9, 28)
    assert st.default.id == "legal-text" and st.default.tag == "S"
    (alt,) = st.alternatives
    assert alt.id == EXT and alt.tag == "U" and alt.sources
    targets = {s.instrument for s in alt.suspends}
    assert targets == {
        "cn-mofcom-gac-2025-55",
        "cn-mofcom-gac-2025-56",
        "cn-mofcom-gac-2025-57",
        "cn-mofcom-gac-2025-58",
        "cn-mofcom-2025-61",
        "cn-mofcom-2025-62",
        "cn-mofcom-2024-46",
    }


@pytest.mark.parametrize(
    ("day", "matters"),
    [
        (date(2026, 11, 10), False),  # still suspended on the legal text
        (date(2026, 11, 11), True),
        (date(2026, 12, 1), True),
        (date(2027, 1, 10), True),
        (date(2027, 1, 11), False),  # both readings: control applies
    ],
)
def test_the_readings_differ_only_between_the_legal_end_and_2027_01_10(
    day: date, matters: bool
) -> None:
    book = load_rulebook()
    assert bool(book.uncertain_on(day)) is matters


def test_under_a_reading_the_suspension_runs_on() -> None:
    book = load_rulebook()
    alt = book.under(KL, EXT)
    assert alt is book.under(KL, EXT)  # cached
    assert book.under(KL, "legal-text") is book
    assert alt.version != book.version
    day = date(2026, 12, 1)

    def suspended(b: Any, inst: str, ctl: str | None = None) -> bool:
        return any(
            cc.suspended_on(day) is not None
            for cc in b.controls
            if cc.instrument.id == inst and (ctl is None or cc.control.id == ctl)
        )

    assert not suspended(book, "cn-mofcom-gac-2025-57")
    assert suspended(alt, "cn-mofcom-gac-2025-57")
    assert not suspended(book, "cn-mofcom-2024-46", "para2-deny")
    assert suspended(alt, "cn-mofcom-2024-46", "para2-deny")
    assert not suspended(alt, "cn-mofcom-2024-46", "para1")  # para. 1 never suspended


def test_unknown_reading_is_a_clear_error() -> None:
    with pytest.raises(KeyError, match="readings: legal-text, extended-2027-01-10"):
        load_rulebook().under(KL, "nope")


def test_exactly_one_default_reading() -> None:
    bad = _status()
    bad["readings"][1]["default"] = True
    with pytest.raises(ValidationError, match="exactly one reading"):
        UncertainStatus.model_validate(bad)


def test_the_default_reading_carries_no_changes() -> None:
    bad = _status()
    bad["readings"][0]["suspends"] = bad["readings"][1]["suspends"]
    with pytest.raises(ValidationError, match="carries no changes"):
        UncertainStatus.model_validate(bad)


def test_an_alternative_must_change_something() -> None:
    bad = _status()
    del bad["readings"][1]["suspends"]
    with pytest.raises(ValidationError, match="changes nothing"):
        UncertainStatus.model_validate(bad)


def test_a_reading_must_aim_at_existing_controls() -> None:
    book = load_rulebook()
    st = _status()
    st["readings"][1]["suspends"][0].update(instrument="cn-mofcom-2024-46", controls=["para9"])
    holder = book.instruments["cn-mofcom-statement-2026-09-28"].model_dump()
    holder["uncertain"] = [st]
    insts = [i for i in book.instruments.values() if i.id != holder["id"]]
    insts.append(Instrument.model_validate(holder))
    (p,) = check_references(insts)
    assert p.file == "cn-mofcom-statement-2026-09-28.yaml"
    assert p.path == "uncertain[0].readings[1].suspends[0].controls"
    assert "has no control 'para9'" in p.message
