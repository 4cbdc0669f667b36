"""``check --text`` through the classifier: a confident match is decided,
parameters in the text are used, candidates that agree decide."""

from __future__ import annotations

from lanthanide import Lanthanide
from lanthanide.decide import Determination

LN = Lanthanide()


def check(**kw: object) -> Determination:
    return LN.check(**kw)  # type: ignore[arg-type]


def test_confident_match_is_decided() -> None:
    d = check(text="GaAs wafers", destination="KR", on="2025-06-01")
    assert d.verdict == "licence_required"
    assert [m.code for m in d.matched] == ["Ga-5"]


def test_purity_in_the_text_is_used() -> None:
    low = check(text="antimony trioxide 99.5%", destination="DE", on="2025-01-10")
    high = check(text="antimony trioxide 99.995%", destination="DE", on="2025-01-10")
    none = check(text="antimony trioxide", destination="DE", on="2025-01-10")
    assert low.verdict == "not_controlled"
    assert high.verdict == "licence_required"
    assert none.verdict == "undetermined"
    assert high.case.params["purity"] == 99.995
    assert any(w.code == "params-from-text" for w in high.warnings)


def test_explicit_param_wins_over_the_text() -> None:
    d = check(
        text="antimony trioxide 99.5%",
        destination="DE",
        on="2025-01-10",
        params={"purity": "99.995%"},
    )
    assert d.verdict == "licence_required"


def test_candidates_that_agree_decide() -> None:
    # 氧化镝 matches the dual-use item and the older goods-licence line; on
    # this date both lead to a licence, so the answer no longer waits.
    d = check(text="氧化镝", destination="JP", on="2025-06-01")
    assert d.verdict == "licence_required"
    assert any(f.instrument.id == "cn-mofcom-gac-2025-18" for f in d.findings)


def test_candidates_that_disagree_stay_undetermined() -> None:
    d = check(text="NdFeB", destination="DE", on="2025-06-01")
    assert d.verdict == "undetermined"
    q = next(q for q in d.questions if q.field == "item")
    assert len(q.options) >= 2


def test_no_match_is_undetermined_with_a_warning() -> None:
    d = check(text="quantum error-correction chip routing", destination="DE", on="2025-06-01")
    assert d.verdict == "undetermined"
    assert any(w.code == "no-text-match" for w in d.warnings)


def test_identify_says_which_items_and_how_sure() -> None:
    from datetime import date

    from lanthanide.classify import Classifier
    from lanthanide.rules.book import load_rulebook

    clf = Classifier(load_rulebook())
    sure = clf.identify("GaAs wafers", None, date(2025, 6, 1))
    assert sure.sureness == "sure" and sure.candidates[0].code == "Ga-5"
    assert sure.window.contains(date(2025, 6, 1))
    # the same identification holds on every day of its window
    assert clf.identify("GaAs wafers", None, sure.window.start) is sure
    none = clf.identify("banana smoothie recipe", None, date(2025, 6, 1))
    assert none.sureness == "none" and not none.candidates
