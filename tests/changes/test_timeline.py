"""Timelines from determination windows: the algorithm on a fake, then the engine."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest

from lanthanide.changes import Boundaries, TimelineError, timeline, window_of
from lanthanide.decide import Engine, make_case
from lanthanide.decide.model import Determination
from lanthanide.rules import Rulebook, load_rulebook

from .fakes import Fake, FakeQ, FDet, FQuestion, FWindow, finding

D = date
CASE = make_case(item="X-1", destination="US", on=D(2020, 1, 1))
A = (finding("a", "licence_required"),)
AB = (finding("a", "licence_required"), finding("b", "denial_presumed"))
TABLE = [
    (D(2000, 1, 1), D(2023, 8, 1), "not_controlled", ()),
    (D(2023, 8, 1), D(2024, 1, 1), "licence_required", A),
    (D(2024, 1, 1), D(2024, 12, 3), "licence_required", A),  # same answer, new window
    (D(2024, 12, 3), D(2025, 11, 9), "denial_presumed", AB),
    (D(2025, 11, 9), None, "licence_required", A),
]


def test_one_call_per_window_and_merged_intervals() -> None:
    fake = Fake(TABLE)
    t = timeline(fake, CASE, D(2023, 1, 1), D(2027, 1, 1))
    assert fake.calls == [
        D(2023, 1, 1),
        D(2023, 8, 1),
        D(2024, 1, 1),
        D(2024, 12, 3),
        D(2025, 11, 9),
    ]
    assert t.calls == 5
    assert [(i.start, i.end, i.verdict) for i in t.intervals] == [
        (D(2023, 1, 1), D(2023, 8, 1), "not_controlled"),
        (D(2023, 8, 1), D(2024, 12, 3), "licence_required"),
        (D(2024, 12, 3), D(2025, 11, 9), "denial_presumed"),
        (D(2025, 11, 9), D(2027, 1, 1), "licence_required"),
    ]
    assert t.intervals[1].last_day == D(2024, 12, 2)
    assert [(c.date, c.verdict_from, c.verdict_to, c.instrument) for c in t.changes] == [
        (D(2023, 8, 1), "not_controlled", "licence_required", "a"),
        (D(2024, 12, 3), "licence_required", "denial_presumed", "b"),
        (D(2025, 11, 9), "denial_presumed", "licence_required", "b"),
    ]
    assert [f.instrument for f in t.changes[2].removed] == ["b"]
    assert t.at(D(2025, 1, 1)).instruments == [("a", "No. a"), ("b", "No. b")]


def test_the_case_date_is_each_interval_start() -> None:
    fake = Fake(TABLE)
    timeline(fake, CASE, D(2024, 6, 1), D(2024, 12, 10))
    assert fake.calls == [D(2024, 6, 1), D(2024, 12, 3)]


def test_without_windows_it_probes_each_day_and_agrees() -> None:
    fake = Fake(TABLE, windows=False)
    t = timeline(fake, CASE, D(2024, 11, 20), D(2024, 12, 10))
    assert len(fake.calls) == 20
    assert [(i.start, i.verdict) for i in t.intervals] == [
        (D(2024, 11, 20), "licence_required"),
        (D(2024, 12, 3), "denial_presumed"),
    ]


def test_a_window_that_misses_the_day_is_refused() -> None:
    bad = FDet("not_controlled", (), FWindow(D(2020, 1, 1), D(2020, 2, 1)))
    with pytest.raises(ValueError, match="does not hold"):
        window_of(bad, D(2021, 1, 1))


def test_until_must_follow_from() -> None:
    with pytest.raises(TimelineError) as exc:
        timeline(Fake(TABLE), CASE, D(2024, 1, 1), D(2024, 1, 1))
    assert exc.value.field == "until"


def test_a_boundary_changing_neither_verdict_nor_instruments_is_no_change() -> None:
    # a paragraph of "b" suspended while another paragraph of "b" still applies
    p1 = finding("b", "prohibited", control="para1")
    p2 = finding("b", "denial_presumed", control="para2")
    fake = Fake(
        [
            (D(2000, 1, 1), D(2024, 12, 3), "licence_required", A),
            (D(2024, 12, 3), D(2025, 11, 9), "prohibited", (*A, p1, p2)),
            (D(2025, 11, 9), D(2026, 11, 28), "prohibited", (*A, p1)),
            (D(2026, 11, 28), None, "prohibited", (*A, p1, p2)),
        ]
    )
    t = timeline(fake, CASE, D(2024, 1, 1), D(2028, 1, 1))
    assert [(i.start, i.verdict) for i in t.intervals] == [
        (D(2024, 1, 1), "licence_required"),
        (D(2024, 12, 3), "prohibited"),
    ]
    assert [c.date for c in t.changes] == [D(2024, 12, 3)]
    merged = t.intervals[1]
    assert [(p.start, len(p.findings)) for p in merged.parts] == [
        (D(2024, 12, 3), 3),
        (D(2025, 11, 9), 2),
        (D(2026, 11, 28), 3),
    ]
    assert {f.control for f in merged.findings} == {"c", "para1"}  # true on every day
    assert merged.instruments == [("a", "No. a"), ("b", "No. b")]
    assert merged.to_dict()["parts"][1]["last_day"] == "2026-11-27"


def test_pending_questions_that_could_change_the_answer_are_changes() -> None:
    q33 = FQuestion("params", "licence_required", "q33")
    q46 = FQuestion("params", "denial_presumed", "q46")
    weak = FQuestion("item", "licence_required", "q55")  # cannot make licence_required stricter
    fake = FakeQ(
        [
            (D(2000, 1, 1), D(2024, 9, 15), "not_controlled", (), ()),
            (D(2024, 9, 15), D(2024, 12, 3), "undetermined", (), (q33,)),
            (D(2024, 12, 3), D(2025, 6, 1), "undetermined", (), (q46,)),
            (D(2025, 6, 1), D(2026, 1, 1), "licence_required", A, ()),
            (D(2026, 1, 1), None, "licence_required", A, (weak,)),
        ]
    )
    t = timeline(fake, CASE, D(2024, 1, 1), D(2027, 1, 1))
    assert [(c.date, c.verdict_to, c.instrument) for c in t.changes] == [
        (D(2024, 9, 15), "undetermined", "q33"),
        (D(2024, 12, 3), "undetermined", "q46"),
        (D(2025, 6, 1), "licence_required", "a"),
    ]
    assert [q.instrument for q in t.changes[1].pending_added] == ["q46"]
    assert t.at(D(2026, 6, 1)).pending == ()


# ---------------------------------------------------------------- the engine

GAAS_US = make_case(hs="2853909026", destination="US", end_use="civil", on=D(2023, 1, 1))


def _engine_timeline(book: Rulebook, case: object, start: date, until: date):  # type: ignore[no-untyped-def]
    return timeline(
        Engine(book).decide,
        case,  # type: ignore[arg-type]
        start,
        until,
        book=book,
        decide_under=lambda b: Engine(b).decide,
    )


def test_gallium_arsenide_to_a_us_civil_user_2023_2027(book: Rulebook) -> None:
    t = _engine_timeline(book, GAAS_US, D(2023, 1, 1), D(2028, 1, 1))
    got = [(c.date, c.verdict_to, c.instrument) for c in t.changes]
    assert got == [
        (D(2023, 8, 1), "licence_required", "cn-mofcom-gac-2023-23"),
        (D(2024, 12, 3), "denial_presumed", "cn-mofcom-2024-46"),
        (D(2025, 11, 9), "licence_required", "cn-mofcom-2025-72"),  # suspended by No. 72
        (D(2026, 11, 28), "denial_presumed", "cn-mofcom-2025-72"),  # its suspension ends
    ]
    kinds = [[(c.kind, c.instrument) for c in ch.causes] for ch in t.changes]
    assert kinds[2] == [("suspended", "cn-mofcom-2024-46")]
    assert kinds[3] == [("resumed", "cn-mofcom-2024-46")]
    assert t.changes[2].causes[0].by_number == "商务部公告2025年第72号"
    assert t.calls < 200  # windows, not 1,826 days
    last = t.intervals[-1]
    assert last.beyond_data_from == D(2026, 11, 28)
    (alt,) = t.alternatives
    assert (alt.status, alt.reading) == ("kl-arrangement-extension-2027", "extended-2027-01-10")
    assert [(c.date, c.verdict_to, c.instrument) for c in alt.changes] == [
        (D(2027, 1, 11), "denial_presumed", "cn-mofcom-statement-2026-09-28")
    ]


def test_holmium_oxide_to_germany_and_an_overlay(book: Rulebook, overlay_dir: Path) -> None:
    case = make_case(item="1C909.b", destination="DE", on=D(2025, 1, 1))
    t = _engine_timeline(book, case, D(2025, 1, 1), D(2027, 6, 1))
    # before 2025-11-08 item 1C909.b (2025 No. 57) does not exist yet, so no
    # control cites it; from then the reporting duty does, and from 2026-11-11
    # (the suspension of No. 57 by No. 70 has ended) the licence requirement
    got = [(c.date, c.verdict_to, c.instrument) for c in t.changes]
    assert [(d, v) for d, v, _ in got] == [
        (D(2025, 11, 8), "report_required"),
        (D(2026, 11, 11), "licence_required"),
    ]
    assert got[1][2] == "cn-mofcom-gac-2025-70"
    ov = load_rulebook(overlays=[overlay_dir])
    t2 = _engine_timeline(ov, case, D(2025, 1, 1), D(2027, 6, 1))
    got2 = [(c.date, c.verdict_to, c.instrument) for c in t2.changes]
    assert got2[0][:2] == (D(2025, 11, 8), "report_required")
    assert got2[1:] == [(D(2027, 1, 11), "licence_required", "cn-test-extension")]


@pytest.mark.parametrize(
    "kw",
    [
        dict(hs="2853909026", destination="US", end_use="civil"),
        dict(hs="2853909026", destination="US", end_use="military"),
        dict(item="1C909.b", destination="DE"),
        dict(hs="2846901500", destination="JP"),
        dict(hs="2825800010", destination="DE", params={"purity": "99.995%"}),
    ],
)
def test_timeline_equals_deciding_every_day(book: Rulebook, kw: dict[str, object]) -> None:
    case = make_case(on=D(2024, 1, 1), **kw)  # type: ignore[arg-type]
    start, until = D(2024, 9, 1), D(2027, 2, 1)
    engine = Engine(book)
    t = timeline(engine.decide, case, start, until, book=book)
    day = start
    while day < until:
        from dataclasses import replace

        det = engine.decide(replace(case, on=day))
        iv = t.at(day)
        assert det.verdict == iv.verdict, day
        assert {f.instrument.id for f in det.findings} == {i for i, _ in iv.instruments}, day
        day += timedelta(days=1)


def test_boundaries_hold_every_dated_fact(book: Rulebook) -> None:
    b = Boundaries(book)
    for d in (D(2024, 12, 3), D(2025, 11, 9), D(2026, 11, 11), D(2026, 11, 28), D(2027, 1, 11)):
        assert d in b.days
    span = b.around(D(2025, 1, 1))
    assert span.start <= D(2025, 1, 1) < span.end  # type: ignore[operator]


def test_the_engine_window_gives_the_same_timeline_with_fewer_calls(book: Rulebook) -> None:
    engine = Engine(book)
    with_windows = timeline(engine.decide, GAAS_US, D(2023, 1, 1), D(2028, 1, 1))
    with_bounds = timeline(
        lambda c: _strip(engine.decide(c)),
        GAAS_US,
        D(2023, 1, 1),
        D(2028, 1, 1),
        boundaries=Boundaries(book),
    )
    assert [(i.start, i.end, i.verdict, i.findings) for i in with_windows.intervals] == [
        (i.start, i.end, i.verdict, i.findings) for i in with_bounds.intervals
    ]
    assert with_windows.calls <= with_bounds.calls


def test_technology_catalogue_versions_and_their_causes(book: Rulebook) -> None:
    def changes_of(item: str) -> list[tuple[date, str, str | None]]:
        case = make_case(item=item, destination="DE", on=D(2023, 1, 1))
        t = _engine_timeline(book, case, D(2023, 1, 1), D(2027, 1, 1))
        return [(c.date, c.verdict_to, c.instrument) for c in t.changes]

    # untouched by the 2025 adjustment: no change on 2025-07-15
    assert changes_of("213301J") == [
        (D(2023, 12, 21), "prohibited", "cn-mofcom-most-2023-57"),
    ]
    # deleted by it: the change names the adjustment, not the end of the 2023 version
    assert changes_of("TC2023-J-traditional-architecture")[-1] == (
        D(2025, 7, 15),
        "registration_required",
        "cn-mofcom-most-2025-28",
    )
    # a 2008 item not listed by the 2023 re-issue: the re-issue, not the end of 2020 No. 38
    assert changes_of("053302J") == [(D(2023, 12, 21), "undetermined", "cn-mofcom-most-2023-57")]


def _strip(det: Determination) -> object:
    from .fakes import FDetNoWindow

    return FDetNoWindow(det.verdict, det.findings)  # type: ignore[arg-type]
