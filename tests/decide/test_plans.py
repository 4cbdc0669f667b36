"""Kept answers (``lanthanide.decide.plans``): a replayed answer is the answer
deciding again gives, for every day of its window and every fact it did not
read; callers cannot change later answers; an answer is kept the second time
its shape is asked for; the memory is bounded."""

from __future__ import annotations

import dataclasses
import random
import threading
from datetime import date, timedelta
from typing import Any

import pytest

from lanthanide._check import check
from lanthanide.countries import codes
from lanthanide.decide import Case, Engine, make_case
from lanthanide.decide.plans import Plans
from lanthanide.rules.book import load_rulebook

BOOK = load_rulebook()
FRESH = Engine(BOOK, plans=0)


def shapes(n: int, rng: random.Random) -> list[dict[str, Any]]:
    hs = sorted({h.code for r in BOOK.item_refs for h in r.item.hs})
    items = sorted({r.item.code for r in BOOK.item_refs})
    out: list[dict[str, Any]] = []
    for _ in range(n):
        kw: dict[str, Any] = {
            "destination": rng.choice(["US", "JP", "DE", "KP", "VN", None]),
            "end_use": rng.choice([None, "civil", "military", "wmd"]),
        }
        roll = rng.random()
        if roll < 0.45:
            kw["hs"] = rng.choice(hs)
        elif roll < 0.55:
            kw["hs"] = rng.choice(hs)[:6]
        elif roll < 0.85:
            kw["item"] = rng.choice(items)
        else:
            kw["hs"] = str(rng.randrange(10**9, 10**10))
        if rng.random() < 0.3:
            kw["params"] = {"purity": rng.choice(["99.9", "99.99", "99.999"])}
        if rng.random() < 0.1:
            kw["kind"] = rng.choice(["goods", "technology"])
        out.append(kw)
    return out


def test_a_replayed_answer_is_the_answer_decided_again() -> None:
    rng = random.Random(17)
    pool = shapes(60, rng)
    engine = Engine(BOOK)
    for _ in range(1500):
        kw = dict(rng.choice(pool))
        if rng.random() < 0.3:
            kw["destination"] = rng.choice(["US", "KP", "RU", None])
        kw["on"] = date(2014, 1, 1) + timedelta(days=rng.randrange(14 * 365))
        case = make_case(countries=codes(), **kw)
        got = engine.decide(case)
        assert got.case is case
        assert got.to_dict(trace=True) == FRESH.decide(case).to_dict(trace=True), kw
    assert engine.plans is not None and engine.plans.hits > 500


def test_every_day_of_the_window_replays_with_its_own_date() -> None:
    engine = Engine(BOOK)
    first = engine.decide(make_case(hs="2846901920", destination="DE", on="2025-06-02"))
    engine.decide(make_case(hs="2846901920", destination="DE", on="2025-06-02"))  # kept now
    w = first.window
    assert w.end is not None and (w.end - w.start).days > 2
    for day in (w.start, w.start + timedelta(days=1), w.end - timedelta(days=1)):
        case = make_case(hs="2846901920", destination="DE", on=day)
        got = engine.decide(case)
        want = FRESH.decide(case)
        assert got.to_dict(trace=True) == want.to_dict(trace=True)
        assert got.trace == want.trace and got.warnings == want.warnings
    assert engine.plans is not None and engine.plans.hits == 3


def test_a_replay_quotes_the_new_date() -> None:
    engine = Engine(BOOK)
    engine.decide(make_case(hs="9999999999", on="2025-06-02"))
    a = engine.decide(make_case(hs="9999999999", on="2025-06-02"))  # asked again: kept
    b = engine.decide(make_case(hs="9999999999", on="2025-06-03"))
    assert engine.plans is not None and engine.plans.hits == 1
    assert a.verdict == b.verdict == "not_controlled"
    checked = [w for w in b.warnings if w.code == "checked"]
    assert checked and "2025-06-03" in checked[0].text and checked[0].params["on"] == "2025-06-03"
    assert not any("2025-06-02" in w.text for w in b.warnings)
    dated = [t for t in b.trace if t.outcome.startswith("not in force on ")]
    assert dated and all(t.outcome.startswith("not in force on 2025-06-03") for t in dated)


def test_a_caller_cannot_change_a_later_answer() -> None:
    engine = Engine(BOOK)
    case = make_case(item="1C902.a", on="2025-06-02")
    engine.decide(case)
    d = engine.decide(case)  # the answer kept
    assert d.questions and d.warnings
    with pytest.raises(dataclasses.FrozenInstanceError):
        d.verdict = "not_controlled"  # type: ignore[misc]
    with pytest.raises(TypeError):
        d.warnings[0].params["on"] = "1999-01-01"  # type: ignore[index]
    with pytest.raises(TypeError):
        d.questions[0].params.clear()  # type: ignore[attr-defined]
    out = d.to_dict(trace=True)
    out["warnings"][0]["params"]["x"] = 1
    out["findings"].clear()
    out["trace"].clear()
    for day in ("2025-06-02", "2025-06-03"):
        again = make_case(item="1C902.a", on=day)
        got = engine.decide(again)
        assert got.to_dict(trace=True) == FRESH.decide(again).to_dict(trace=True)
    assert engine.plans is not None and engine.plans.hits == 2


def test_answers_resting_on_a_reading_or_a_screening_are_not_kept() -> None:
    engine = Engine(BOOK)
    assert engine.plans is not None
    for _ in range(2):
        check(engine, None, make_case(item="1C902.a", end_user="Some Corp", on="2025-06-02"))
    assert engine.plans.size == 0
    check(engine, None, make_case(item="1C902.a", on="2025-06-02"))
    assert engine.plans.size == 0  # asked once: not kept
    check(engine, None, make_case(item="1C902.a", on="2025-06-03"))  # no party: kept
    assert engine.plans.size == 1


def test_the_plans_are_bounded() -> None:
    rng = random.Random(3)
    engine = Engine(BOOK, plans=25)
    assert engine.plans is not None
    for kw in shapes(80, rng):
        for _ in range(2):
            engine.decide(make_case(countries=codes(), on="2025-06-02", **kw))
        assert engine.plans.size <= 25
    assert engine.plans.size > 0
    assert Engine(BOOK, plans=0).plans is None


def test_one_shape_keeps_at_most_its_share() -> None:
    plans = Plans(limit=100, per_shape=4)
    engine = Engine(BOOK, plans=0)
    for n in range(12):
        case = Case(on=date(2016, 1, 1) + timedelta(days=400 * n), hs="2846901920")
        for _ in range(2):  # the second time kept
            plans.put(case, True, engine.decide(case), ())
        assert 0 < plans.size <= 4


def test_threads_sharing_an_engine_get_their_own_answers() -> None:
    rng = random.Random(23)
    pool = shapes(20, rng)
    cases = [
        make_case(
            countries=codes(),
            on=date(2018, 1, 1) + timedelta(days=rng.randrange(9 * 365)),
            **pool[rng.randrange(len(pool))],
        )
        for _ in range(600)
    ]
    want = [FRESH.decide(c).to_dict(trace=True) for c in cases]
    engine = Engine(BOOK, plans=40)
    got: dict[int, dict[str, Any]] = {}
    again: dict[int, dict[str, Any]] = {}

    def work(offset: int) -> None:
        for i in range(offset, len(cases), 4):
            got[i] = engine.decide(cases[i]).to_dict(trace=True)
        for i in range(offset, len(cases), 4):  # again: replayed now
            again[i] = engine.decide(cases[i]).to_dict(trace=True)

    threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [got[i] for i in range(len(cases))] == want
    assert [again[i] for i in range(len(cases))] == want
    assert engine.plans is not None and engine.plans.hits > 0
