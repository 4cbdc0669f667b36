"""End-user screening joined in ``_check`` and applied by ``decide`` (issue 13)."""

from __future__ import annotations

from datetime import date

import pytest

from lanthanide._check import check, party_reading
from lanthanide.decide import Engine, make_case
from lanthanide.rules.book import Rulebook, load_rulebook


@pytest.fixture(scope="module")
def engine() -> Engine:
    return Engine(load_rulebook())


def _dy(on: str, end_user: str) -> object:
    return make_case(hs="2846901500", destination="US", on=on, end_user=end_user)


def test_listed_end_user_is_prohibited_citing_the_notice(engine: Engine) -> None:
    d = check(engine, None, _dy("2026-12-01", "MP Materials Corp."))  # type: ignore[arg-type]
    assert d.verdict == "prohibited"
    top = d.findings[0]
    assert top.instrument.number == "商务部公告2026年第23号"
    assert top.matched_by is not None and "MP Materials Corp." in top.matched_by
    assert "end_user" in d.facts
    assert d.window.start >= date(2026, 6, 22)
    assert d.parties is not None and d.to_dict()["parties"]["matches"][0]["number"] == (
        "商务部公告2026年第23号"
    )


def test_before_the_listing_the_window_ends_when_it_takes_effect(engine: Engine) -> None:
    d = check(engine, None, _dy("2026-06-01", "MP Materials Corp."))  # type: ignore[arg-type]
    assert d.verdict == "licence_required"
    assert d.window.end is not None and d.window.end <= date(2026, 6, 22)
    assert "party-listing-not-in-force" in {w.code for w in d.warnings}


def test_possible_match_is_a_question_with_the_pending_effect(engine: Engine) -> None:
    d = check(engine, None, _dy("2026-12-01", "MP Mining Materials"))  # type: ignore[arg-type]
    qs = [q for q in d.questions if q.code == "party-possible-match"]
    assert qs and qs[0].field == "end_user" and qs[0].pending_effect == "prohibited"
    assert d.verdict == "undetermined"


def test_no_match_says_which_lists_were_checked(engine: Engine) -> None:
    d = check(engine, None, _dy("2026-12-01", "General Mills"))  # type: ignore[arg-type]
    w = next(w for w in d.warnings if w.code == "party-lists-checked")
    assert any("商务部公告2026年第23号" in x for x in w.params["lists_checked"])
    assert d.verdict == "licence_required"


def test_reading_window_is_the_days_the_same_notices_are_in_effect() -> None:
    book: Rulebook = load_rulebook()
    r = party_reading(book.lists, "General Mills", date(2026, 6, 1), "US")
    assert r.hits == ()
    assert r.window.contains(date(2026, 6, 1))
    assert r.window.end == date(2026, 6, 22)
