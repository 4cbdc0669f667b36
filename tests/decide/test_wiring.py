"""Rulebook data wired into decide on the bundled rulebook: duty
destinations, the dual-use licence catalogue net, alternatives for an
uncertain status, suspension ends as last days."""

from __future__ import annotations

from datetime import date

from lanthanide.decide import Engine, make_case
from lanthanide.rules.book import Rulebook


def test_catalogue_net_question_and_window(book: Rulebook) -> None:
    engine = Engine(book)
    d = engine.decide(make_case(hs="2812170000", destination="DE", on="2026-01-15"))
    assert d.verdict == "undetermined"
    q = next(q for q in d.questions if q.code == "catalogue-spec")
    assert q.field == "params"
    assert q.options == ("yes", "no")
    assert q.pending_effect == "licence_required"
    assert q.instrument == "cn-mofcom-gac-2025-91"
    assert "1C450.c.13" in q.text and q.params["tag"] == "U"
    assert "商务部 海关总署公告2025年第91号" in q.text
    assert d.window.start >= date(2026, 1, 1)
    before = engine.decide(make_case(hs="2812170000", destination="DE", on="2025-12-31"))
    assert before.verdict == "not_controlled"
    assert before.window.end is not None and before.window.end <= date(2026, 1, 1)
    assert not any(q.code == "catalogue-spec" for q in before.questions)


def test_catalogue_net_never_makes_a_verdict_laxer(book: Rulebook) -> None:
    d = Engine(book).decide(make_case(hs="2805301200", destination="DE", on="2026-06-01"))
    assert d.verdict == "licence_required"
    assert not any(q.code == "catalogue-spec" for q in d.questions)


def test_alternatives_under_the_kl_extension(book: Rulebook) -> None:
    engine = Engine(book)
    d = engine.decide(
        make_case(hs="2853909026", destination="US", end_use="civil", on="2026-12-01")
    )
    assert d.verdict == "denial_presumed"
    (alt,) = d.alternatives
    assert (alt.reading, alt.verdict, alt.tag) == ("extended-2027-01-10", "licence_required", "U")
    assert alt.findings == ("商务部 海关总署公告2023年第23号",)
    assert d.to_dict()["alternatives"][0]["reading"] == "extended-2027-01-10"
    w = next(w for w in d.warnings if w.code == "uncertain-status")
    assert "'legal-text'" in w.text and "statement only" in w.text and "2027-01-10" in w.text
    # the window stops where the alternative reading ends (2027-01-10 included)
    assert d.window.end == date(2027, 1, 11)
    plain = engine.decide(d.case, with_alternatives=False)
    assert plain.alternatives == () and plain.verdict == d.verdict


def test_no_alternatives_on_the_last_legally_suspended_day(book: Rulebook) -> None:
    d = Engine(book).decide(make_case(item="1C909.b", destination="DE", on="2026-11-10"))
    assert d.alternatives == ()
    assert d.window.end is not None and d.window.end <= date(2026, 11, 11)
    assert d.to_dict()["alternatives"] == []


def test_texts_print_the_last_day_of_an_inclusive_end(book: Rulebook) -> None:
    # 2025 No. 70 suspends No. 57 "至2026年11月10日": internal end 2026-11-11
    d = Engine(book).decide(make_case(hs="2846901400", destination="KR", on="2026-11-10"))
    assert any("(2025-11-07 to 2026-11-10)" in t.outcome for t in d.trace)
    assert not any("2026-11-11" in t.outcome for t in d.trace)
    w = next(w for w in d.warnings if w.code == "suspension-end-unknown")
    assert w.params["end"] == "2026-11-10" and "until 2026-11-10" in w.text
    # the reporting system "至2025年10月31日"
    r = next(w for w in d.warnings if w.code == "ended-no-renewal")
    assert r.params["end"] == "2025-10-31"


def test_windows_hold_at_their_edges(book: Rulebook) -> None:
    """The same case on the first and last day of its window gets the same
    verdict, questions, warnings and alternatives."""
    engine = Engine(book)

    def essence(d: object) -> tuple[object, ...]:
        from lanthanide.decide import Determination

        assert isinstance(d, Determination)
        return (
            d.verdict,
            tuple(q.code for q in d.questions),
            tuple(w.code for w in d.warnings),
            tuple((a.reading, a.verdict, a.findings) for a in d.alternatives),
        )

    for kw in (
        {"hs": "2812170000", "destination": "DE", "on": "2026-01-15"},
        {"hs": "2812170000", "destination": "DE", "on": "2025-12-31"},
        {"hs": "2853909026", "destination": "US", "end_use": "civil", "on": "2026-12-01"},
        {"item": "1C909.b", "destination": "DE", "on": "2026-12-01"},
    ):
        d = engine.decide(make_case(**kw))  # type: ignore[arg-type]
        w = d.window
        assert w.end is not None
        last = date.fromordinal(w.end.toordinal() - 1)
        for day in (max(w.start, date(2023, 1, 1)), last):
            other = engine.decide(make_case(**{**kw, "on": day.isoformat()}))  # type: ignore[arg-type]
            assert essence(other) == essence(d), (kw, day)
