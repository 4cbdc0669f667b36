"""Identification ranks on the query date: an item not in force then ranks
below one in force and says so (``status_on``, ``demoted``), and the
identification's window stays inside the days with the same statuses."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date, timedelta

from lanthanide.classify import Classifier
from lanthanide.classify.status import boundaries

ON = date(2025, 12, 1)  # 2025 No. 61 suspended, 2025 No. 18 in force


def test_a_suspended_item_ranks_below_the_in_force_one(clf: Classifier) -> None:
    undated = clf.classify("DyFe alloy", kind="goods")
    assert undated.results[0].code == "P1-DyFe"  # 2025 No. 61 first without a date
    dated = clf.classify("DyFe alloy", kind="goods", on=ON)
    top, runner = dated.results[0], dated.results[1]
    assert (top.code, top.status_on) == ("1C905.a", "in_force")
    assert (runner.code, runner.status_on, runner.demoted) == ("P1-DyFe", "suspended", True)
    assert runner.to_dict(2)["demoted"] is True
    assert "demoted" not in top.to_dict(1)


def test_identify_uses_the_date(clf: Classifier) -> None:
    ident = clf.identify("DyFe alloy", "goods", ON)
    assert ident.candidates[0].code == "1C905.a"
    for code in ("1C904.a", "1C902.a"):
        text = {"1C904.a": "terbium-containing NdFeB magnet", "1C902.a": "Sm-Co magnet material"}
        assert clf.identify(text[code], "goods", ON).candidates[0].code == code


def test_identification_window_lies_within_one_status(clf: Classifier) -> None:
    days = boundaries(clf.book)
    for on in (ON, date(2025, 4, 4), date(2025, 10, 9), date(2026, 11, 10), date(2024, 1, 1)):
        ident = clf.identify("DyFe alloy", "goods", on)
        w, status = ident.window, clf.status_window(on)
        assert status.contains(on) and w.contains(on)
        assert w.start >= status.start
        assert status.end is None or (w.end is not None and w.end <= status.end)
        assert not any(status.start < d < (status.end or date.max) for d in days)
        # every day of the window ranks alike
        last = (w.end or on + timedelta(days=400)) - timedelta(days=1)
        for day in (w.start if w.start > date(2000, 1, 1) else on, last):
            assert clf.status_on(day) == clf.status_on(on)
            assert [c.code for c in clf.identify("DyFe alloy", "goods", day).candidates] == [
                c.code for c in ident.candidates
            ]


def test_cli_classify_on_shows_the_status() -> None:
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "lanthanide.cli",
            "classify",
            "DyFe alloy",
            "--kind",
            "goods",
            "--on",
            "2025-12-01",
            "--format",
            "json",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    results = json.loads(out)["results"]
    assert results[0]["code"] == "1C905.a" and results[0]["status_on"] == "in_force"
    assert results[1]["status_on"] == "suspended" and results[1]["demoted"] is True
    table = subprocess.run(
        [sys.executable, "-m", "lanthanide.cli", "classify", "DyFe alloy", "--on", "2025-12-01"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "suspended" in table and "ranked" in table  # the column may wrap the note
    bad = subprocess.run(
        [sys.executable, "-m", "lanthanide.cli", "classify", "DyFe", "--on", "01/12/2025"],
        capture_output=True,
        text=True,
    )
    assert bad.returncode == 2 and "--on" in bad.stderr


def test_the_date_never_makes_a_reading_surer(clf: Classifier) -> None:
    """Ranking items down for their status reorders candidates but does not
    turn a doubtful text into a sure one (Dysprosium metal on 2025-12-22
    would otherwise be read as the technology item 213301J, prohibited)."""
    from lanthanide.classify.identify import CLASSIFY_TOP, identify

    for text in ("Dysprosium metal", "Europium metal", "DyFe alloy", "氧化镝"):
        for on in (date(2025, 12, 22), date(2026, 2, 23), ON, date(2023, 6, 1)):
            dated = clf.identify(text, None, on)
            plain = identify(clf, clf.classify(text, top=CLASSIFY_TOP), None, on)
            if dated.sureness == "sure":
                assert plain.sureness == "sure", (text, on)
    assert clf.identify("Dysprosium metal", None, date(2025, 12, 22)).sureness != "sure"
