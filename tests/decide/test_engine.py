"""Mechanics of the engine on a small synthetic rulebook (tests/conftest.py)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from lanthanide._check import check, needs_reading
from lanthanide.classify import Classifier
from lanthanide.decide import Determination, Engine, make_case
from lanthanide.rules.book import Rulebook
from lanthanide.rules.loader import load_instruments
from tests.conftest import synthetic_docs, write_book


def run(book: Rulebook, **kw: object) -> Determination:
    case = make_case(**kw)  # type: ignore[arg-type]
    return check(Engine(book), Classifier(book) if needs_reading(case) else None, case)


def cited(d: Determination) -> set[str]:
    return {f.instrument.id for f in d.findings}


def test_effective_date_boundary(mini: Rulebook) -> None:
    before = run(mini, hs="1111112222", destination="KR", on="2019-12-31")
    on_day = run(mini, hs="1111112222", destination="KR", on="2020-01-01")
    assert "t-dual" not in cited(before)
    assert on_day.verdict == "licence_required"
    assert "t-dual" in cited(on_day)


def test_destination_scope_and_denial(mini: Rulebook) -> None:
    us = run(mini, hs="1111112222", destination="US", on="2021-06-01", end_use="civil")
    kr = run(mini, hs="1111112222", destination="KR", on="2021-06-01", end_use="civil")
    assert us.verdict == "denial_presumed"
    assert kr.verdict == "licence_required"


def test_missing_destination_is_a_question(mini: Rulebook) -> None:
    d = run(mini, hs="1111112222", on="2021-06-01", end_use="civil")
    assert d.verdict == "undetermined"
    assert any(
        q.field == "destination" and q.pending_effect == "denial_presumed" for q in d.questions
    )


def test_suspension_first_and_last_day(mini: Rulebook) -> None:
    day_before = run(mini, hs="1111112222", destination="US", on="2021-12-31", end_use="civil")
    first = run(mini, hs="1111112222", destination="US", on="2022-01-01", end_use="civil")
    last = run(mini, hs="1111112222", destination="US", on="2022-12-31", end_use="civil")
    after = run(mini, hs="1111112222", destination="US", on="2023-01-01", end_use="civil")
    assert day_before.verdict == "denial_presumed"
    assert first.verdict == "licence_required"
    assert last.verdict == "licence_required"
    assert after.verdict == "denial_presumed"
    assert any("suspended by" in t.outcome for t in first.trace)


def test_military_end_use(mini: Rulebook) -> None:
    mil = run(mini, hs="1111112222", destination="US", on="2022-06-01", end_use="military")
    assert mil.verdict == "prohibited"
    unknown = run(mini, hs="1111112222", destination="US", on="2022-06-01")
    assert unknown.verdict == "licence_required"
    assert any(q.field == "end_use" for q in unknown.questions)
    assert any(w.code == "end-use-conditional" for w in unknown.warnings)


def test_parameter_condition(mini: Rulebook) -> None:
    missing = run(mini, hs="1111111111", destination="KR", on="2021-05-01")
    above = run(
        mini, hs="1111111111", destination="KR", on="2021-05-01", params={"purity": "99.995%"}
    )
    equal = run(mini, hs="1111111111", destination="KR", on="2021-05-01", params={"purity": "4N"})
    below = run(mini, hs="1111111111", destination="KR", on="2021-05-01", params={"purity": 99.9})
    assert missing.verdict == "undetermined"
    assert any(q.field == "params" and "purity" in q.options for q in missing.questions)
    assert above.verdict == "licence_required"
    assert equal.verdict == "licence_required"
    # the reporting rule still catches the tariff line below the purity threshold
    assert below.verdict == "report_required"
    assert "t-dual" not in cited(below)


def test_short_tariff_code_asks_which_line(mini: Rulebook) -> None:
    d = run(mini, hs="111111", destination="KR", on="2021-06-01")
    assert d.verdict == "undetermined"
    q = next(q for q in d.questions if q.field == "hs")
    assert set(q.options) == {"1111111111", "1111112222"}


def test_reporting_period_end_is_exclusive_and_flagged(mini: Rulebook) -> None:
    last = run(mini, hs="1111112222", destination="KR", on="2021-05-31")
    after = run(mini, hs="1111112222", destination="KR", on="2021-06-01")
    assert "t-report" in cited(last)
    assert "t-report" not in cited(after)
    assert any(w.code == "ended-no-renewal" for w in after.warnings)


def test_not_controlled_names_instruments_checked(mini: Rulebook) -> None:
    d = run(mini, hs="9999999999", destination="KR", on="2021-06-01")
    assert d.verdict == "not_controlled"
    w = next(w for w in d.warnings if w.code == "checked")
    assert "测试公告t-dual" in w.text
    assert any(w.code == "duty:catch-all" for w in d.warnings)


def test_catalogue_prohibited_and_restricted(mini: Rulebook) -> None:
    j = run(mini, item="000001J", destination="VN", on="2020-06-01")
    x = run(mini, item="000002X", destination="VN", on="2020-06-01")
    assert j.verdict == "prohibited"
    assert x.verdict == "licence_required"
    # carried over into the adjusted version, cited to it
    carried = run(mini, item="000001J", destination="VN", on="2022-06-01")
    assert carried.verdict == "prohibited"
    assert "t-cat-2" in cited(carried)


def test_deleted_technology_needs_registration(mini: Rulebook) -> None:
    before = run(mini, item="000003X", destination="VN", on="2020-12-31")
    after = run(mini, item="000003X", destination="VN", on="2021-01-01")
    assert before.verdict == "licence_required"
    assert after.verdict == "registration_required"
    assert "t-tier" in cited(after)


def test_unmatched_technology_complete_catalogue_is_free(mini: Rulebook) -> None:
    # v1 declares 3 items and all 3 are encoded: an unlisted technology is free
    d = run(
        mini, text="quantum widget know-how", kind="technology", destination="VN", on="2020-06-01"
    )
    assert d.verdict == "registration_required"


def test_unmatched_technology_partial_catalogue_is_undetermined(tmp_path: Path) -> None:
    docs = synthetic_docs()
    cat = next(d for d in docs if d["id"] == "t-cat-1")
    cat["catalogue"]["declared"]["total"] = 164
    book = Rulebook(load_instruments(write_book(tmp_path / "b", docs)))
    d = run(
        book, text="quantum widget know-how", kind="technology", destination="VN", on="2020-06-01"
    )
    assert d.verdict == "undetermined"
    assert any(w.code == "catalogue-coverage" and "3 of 164" in w.text for w in d.warnings)


def test_text_match_to_control_point(mini: Rulebook) -> None:
    d = run(mini, text="钕铁硼制备技术", destination="VN", on="2020-06-01")
    assert d.verdict == "prohibited"
    assert d.findings[0].control_point == "钕铁硼制备技术"


def test_exemption_conflict_is_reported(mini: Rulebook) -> None:
    d = run(mini, hs="1111112222", destination="DE", on="2021-06-01")
    assert d.conflicts
    assert d.verdict == "licence_required"


def test_after_data_date_warns(mini: Rulebook) -> None:
    d = run(mini, hs="1111112222", destination="KR", on=date(2030, 1, 1))
    assert any(w.code == "after-data-date" for w in d.warnings)


def test_unknown_code_is_undetermined_not_free(mini: Rulebook) -> None:
    d = run(mini, item="3A001", destination="KR", on="2021-06-01")
    assert d.verdict == "undetermined"
    assert any(w.code == "unknown-code" for w in d.warnings)


@pytest.mark.parametrize(
    ("kw", "field"),
    [
        ({"hs": "12"}, "hs"),
        ({"hs": "1111111111", "destination": "USA"}, "destination"),
        ({"hs": "1111111111", "on": "2024-13-01"}, "on"),
        ({"hs": "1111111111", "end_use": "peaceful"}, "end_use"),
        ({"hs": "1111111111", "kind": "gadget"}, "kind"),
        ({"hs": "1111111111", "params": {"purity": "very"}}, "params.purity"),
        ({"hs": "1111111111", "params": {"colour": "red"}}, "params.colour"),
        ({}, "item"),
    ],
)
def test_bad_input_names_the_field(kw: dict[str, object], field: str) -> None:
    from lanthanide.decide import CaseError

    with pytest.raises(CaseError) as exc:
        make_case(**kw)  # type: ignore[arg-type]
    assert exc.value.field == field
