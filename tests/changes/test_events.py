"""What changed between two dates, read from the rulebook."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from lanthanide.changes import Change, ChangeError, changes, diff
from lanthanide.rules import Rulebook, load_rulebook


def _kinds(cs: list[Change], instrument: str) -> set[tuple[date, str]]:
    return {(c.date, c.kind) for c in cs if c.instrument == instrument}


def test_the_kuala_lumpur_suspensions_start_and_end(book: Rulebook) -> None:
    cs = changes(book, date(2025, 11, 1), date(2026, 12, 1))
    sus = [c for c in cs if c.kind == "suspended" and c.instrument == "cn-mofcom-2024-46"]
    assert len(sus) == 1
    (s,) = sus
    assert s.date == date(2025, 11, 9)
    assert s.number == "商务部公告2024年第46号"
    assert s.by == "cn-mofcom-2025-72" and s.by_number == "商务部公告2025年第72号"
    assert s.destinations == ("only:US",)
    assert "cn-mofcom-gac-2023-23:Ga-5" in s.items  # gallium arsenide
    assert "cn-mofcom-gac-2023-39:Gr-1" in s.items
    assert s.controls == ("para2-deny", "para2-graphite")
    resumed = [c for c in cs if c.kind == "resumed" and c.instrument == "cn-mofcom-2024-46"]
    assert [(c.date, c.last_day, c.uncertain) for c in resumed] == [
        (date(2026, 11, 28), date(2026, 11, 27), True)
    ]
    # No. 70 suspends No. 57 from 2025-11-07; the control applies again on 2026-11-11
    assert (date(2025, 11, 7), "suspended") in _kinds(cs, "cn-mofcom-gac-2025-57")
    assert (date(2026, 11, 11), "resumed") in _kinds(cs, "cn-mofcom-gac-2025-57")


def test_the_interval_is_half_open(book: Rulebook) -> None:
    day = date(2025, 11, 9)
    on = changes(book, day, date(2025, 11, 10))
    assert any(c.kind == "suspended" and c.by == "cn-mofcom-2025-72" for c in on)
    before = changes(book, date(2025, 11, 1), day)
    assert not any(c.by == "cn-mofcom-2025-72" for c in before)
    assert all(date(2025, 11, 1) <= c.date < day for c in before)


def test_uncertain_readings_are_reported_as_such(book: Rulebook) -> None:
    cs = changes(book, date(2026, 9, 1), date(2027, 2, 1))
    stated = [c for c in cs if c.kind == "uncertain_stated"]
    assert [(c.date, c.status) for c in stated] == [
        (date(2026, 9, 28), "kl-arrangement-extension-2027")
    ]
    alt = [c for c in cs if c.kind.startswith("uncertain_") and c.reading]
    assert alt and all(c.uncertain and c.reading == "extended-2027-01-10" for c in alt)
    assert {c.by for c in alt} == {"cn-mofcom-statement-2026-09-28"}
    ends = {c.instrument: c.date for c in alt if c.kind == "uncertain_resumed"}
    assert ends["cn-mofcom-gac-2025-57"] == date(2027, 1, 11)


def test_entity_list_notices_are_listed(book: Rulebook) -> None:
    cs = changes(book, date(2026, 2, 1), date(2026, 3, 1))
    lists = [c for c in cs if c.kind == "list_in_force"]
    assert {c.number for c in lists} >= {"商务部公告2026年第11号", "商务部公告2026年第12号"}
    without = changes(book, date(2026, 2, 1), date(2026, 3, 1), lists=False)
    assert not any(c.kind.startswith("list_") for c in without)


def test_output_is_sorted_and_json_ready(book: Rulebook) -> None:
    cs = changes(book, date(2023, 1, 1), date(2027, 1, 1))
    assert cs == sorted(cs, key=Change.sort_key)
    text = json.dumps([c.to_dict() for c in cs], ensure_ascii=False)
    assert "商务部 海关总署公告2023年第23号" in text
    assert all(c.sources for c in cs), "every change cites a source"


def test_until_must_follow_since(book: Rulebook) -> None:
    with pytest.raises(ChangeError) as exc:
        changes(book, date(2026, 1, 1), date(2025, 1, 1))
    assert exc.value.field == "until"


def test_diff_of_a_book_with_itself_is_empty(book: Rulebook) -> None:
    d = diff(book, book)
    assert d["counts"]["instruments"] == {"added": 0, "removed": 0, "modified": 0}


def test_diff_against_an_overlay(book: Rulebook, overlay_dir: Path) -> None:
    other = load_rulebook(overlays=[overlay_dir])
    d = diff(book, other)
    assert [i["id"] for i in d["instruments"]["added"]] == ["cn-test-extension"]
    assert d["instruments"]["added"][0]["number"] == "商务部 海关总署公告2026年第99号"
    assert d["instruments"]["modified"] == []
    assert d["overlays_to"][0]["added"] == ["cn-test-extension"]
    back = diff(other, book)
    assert [i["id"] for i in back["instruments"]["removed"]] == ["cn-test-extension"]
    json.dumps(d, ensure_ascii=False)


def test_diff_names_item_and_control_changes(book: Rulebook, tmp_path: Path) -> None:
    src = Path(__file__).parents[2] / "src/lanthanide/rulebook/cn/cn-mofcom-gac-2023-23.yaml"
    text = src.read_text(encoding="utf-8")
    inst = book.instruments["cn-mofcom-gac-2023-23"]
    start = inst.controls[0].valid.start.isoformat()
    assert f"start: {start}" in text
    changed = text.replace(f"start: {start}", "start: 2023-09-01", 1)
    d = tmp_path / "ov"
    d.mkdir()
    (d / "cn-mofcom-gac-2023-23.yaml").write_text(changed, encoding="utf-8")
    other = load_rulebook(overlays=[d])
    out = diff(book, other)
    (m,) = out["instruments"]["modified"]
    assert m["id"] == "cn-mofcom-gac-2023-23"
    ctl = m["controls"]["modified"] + m["items"]["modified"]
    assert ctl, m
    fields = {f["field"] for x in ctl for f in x["changes"]}
    assert fields & {"valid"}
    assert out["counts"]["controls"]["modified"] + out["counts"]["items"]["modified"] >= 1
