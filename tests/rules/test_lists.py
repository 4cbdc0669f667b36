"""China's party lists as rulebook data: every reference row loaded, status
periods read as the sources say, bad files refused with file and field."""

from __future__ import annotations

import csv
import os
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml

from lanthanide.rules.book import Rulebook, load_rulebook
from lanthanide.rules.lists import ListAnnouncement, load_lists, measure_status
from lanthanide.rules.loader import RulebookError, default_dir, load_instruments
from lanthanide.rules.report import coverage
from tests.conftest import synthetic_docs, write_book

BOOK = load_rulebook()
LISTS = BOOK.lists

# Rows per announcement, as the reference note counts them (entity-lists.md §3).
EXPECTED = {
    "商务部公告2025年第1号": 28,
    "商务部公告2025年第13号": 15,
    "商务部公告2025年第21号": 16,
    "商务部公告2025年第22号": 12,
    "商务部公告2025年第35号": 8,
    "商务部公告2025年第51号": 3,
    "商务部公告2026年第11号": 20,
    "商务部公告2026年第20号": 7,
    "商务部公告2026年第23号": 10,
    "商务部公告2026年第27号": 20,
    "商务部公告2026年第30号": 14,
    "商务部公告2026年第12号": 20,
    "商务部公告2026年第28号": 20,
    "不可靠实体清单工作机制公告〔2025〕1号": 10,
    "不可靠实体清单工作机制公告〔2025〕2号": 7,
    "不可靠实体清单工作机制公告〔2025〕3号": 4,
    "不可靠实体清单工作机制公告〔2025〕4号": 2,
    "不可靠实体清单工作机制公告〔2025〕5号": 10,
    "不可靠实体清单工作机制公告〔2025〕6号": 1,
    "不可靠实体清单工作机制公告〔2025〕7号": 11,
    "不可靠实体清单工作机制公告〔2025〕8号": 6,
    "不可靠实体清单工作机制公告〔2025〕9号": 3,
    "不可靠实体清单工作机制公告〔2025〕10号": 14,
    "商务部令2025年第5号": 2,
    "商务部令2025年第6号": 5,
    "商务部令2026年第2号": 2,
    "商务部令2026年第3号": 1,
}


def _reference_csv() -> Path | None:
    env = os.environ.get("LANTHANIDE_REFERENCE_DIR")
    candidates = [Path(env)] if env else []
    here = Path(__file__).resolve()
    candidates += [p / "shared" / "reference" for p in here.parents]
    candidates.append(Path("/work/shared/reference"))
    for c in candidates:
        f = c / "entity-lists.csv"
        if f.is_file():
            return f
    return None


def test_counts_per_list_and_announcement() -> None:
    assert len(LISTS) == 271
    assert LISTS.counts() == {
        "control_list": 153,
        "watch_list": 40,
        "unreliable_entity_list": 68,
        "countermeasure_list": 10,
    }
    got = {a.number: len(a.entries) for a in LISTS.announcements.values()}
    assert got == EXPECTED


def test_every_reference_row_is_an_entry() -> None:
    path = _reference_csv()
    if path is None:
        pytest.skip("entity-lists.csv not found (set LANTHANIDE_REFERENCE_DIR)")
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == len(LISTS)
    encoded = {
        (
            le.list,
            le.announcement.number,
            le.entry.name.zh or "",
            le.entry.name.en or "",
            le.entry.country or "",
            le.entry.tag,
        )
        for le in LISTS.entries
    }
    for r in rows:
        key = (
            r["list"],
            r["announcement_number"],
            r["name_zh"],
            r["name_en"],
            r["country_or_region"],
            r["tag"],
        )
        assert key in encoded, key
    # dates and statuses as in the table
    for r in rows:
        ann = next(a for a in LISTS.announcements.values() if a.number == r["announcement_number"])
        assert ann.announced.isoformat() == r["announced"]
        assert ann.effective.isoformat() == r["effective"]
        if r["status"] == "in_force":
            assert not ann.status
        else:
            last = max(ann.status, key=lambda p: p.period.start)
            assert last.status == r["status"]
            starts = {p.period.start.isoformat() for p in ann.status}
            # status_until is the last suspended day ("to 2026-11-10", 至 inclusive)
            one = timedelta(days=1)
            ends = {(p.period.end - one).isoformat() for p in ann.status if p.period.end}
            assert r["status_from"] in starts or r["status_from"] == min(starts)
            if r["status_until"]:
                assert r["status_until"] in ends


def test_every_entry_cites_a_url_and_a_tag() -> None:
    for le in LISTS.entries:
        srcs = le.sources()
        assert srcs, le.uid
        assert all(s.url and s.tag in "PSU" for s in srcs)
        assert le.entry.tag in ("P", "S", "U")


def test_mp_materials_is_on_2026_23() -> None:
    le = next(le for le in LISTS.entries if le.entry.name.en == "MP Materials Corp.")
    assert le.announcement.number == "商务部公告2026年第23号"
    assert le.announcement.effective == date(2026, 6, 22)
    assert le.list == "control_list"
    kinds = {m.kind for m in le.announcement.measures}
    assert {"dual_use_export_ban", "foreign_transfer_ban"} <= kinds


def _ann(number: str) -> ListAnnouncement:
    return next(a for a in LISTS.announcements.values() if a.number == number)


def _status(number: str, measure_kind: str, on: date) -> Any:
    a = _ann(number)
    m = next(m for m in a.measures if m.kind == measure_kind)
    return measure_status(a, m, on)


def test_suspension_with_political_extension_is_an_alternative() -> None:
    # 2025 No. 21: suspended 2025-11-10 -> 2026-11-10 (legal, the last suspended day, as
    # 至2026年11月10日 of 2025 No. 70); extension to 2027-01-10 announced without legal text
    during = _status("商务部公告2025年第21号", "dual_use_export_ban", date(2026, 6, 1))
    assert during.status == "suspended" and not during.applies
    assert during.window is not None and during.window.end == date(2026, 11, 11)
    assert not _status("商务部公告2025年第21号", "dual_use_export_ban", date(2026, 11, 10)).applies
    after = _status("商务部公告2025年第21号", "dual_use_export_ban", date(2026, 12, 1))
    assert after.status == "in_force" and after.applies
    assert [r.status for r in after.alternatives] == ["suspended"]
    assert after.window is not None
    # 延期至2027年1月10日 includes that day: the window ends the day after
    assert (after.window.start, after.window.end) == (date(2026, 11, 11), date(2027, 1, 11))
    last = _status("商务部公告2025年第21号", "dual_use_export_ban", date(2027, 1, 10))
    assert [r.until for r in last.alternatives] == [date(2027, 1, 10)]
    assert not _status(
        "商务部公告2025年第21号", "dual_use_export_ban", date(2027, 1, 11)
    ).alternatives
    assert any("not encoded" in (w.en or "") for w in after.warnings)
    later = _status("商务部公告2025年第21号", "dual_use_export_ban", date(2027, 2, 1))
    assert later.status == "in_force" and not later.alternatives


def test_continued_suspension_without_start_warns_before_it() -> None:
    before = _status("商务部公告2025年第21号", "dual_use_export_ban", date(2025, 6, 1))
    assert before.status == "in_force"
    assert any("without dating its beginning" in (w.en or "") for w in before.warnings)
    assert [r.tag for r in before.alternatives] == ["U"]


def test_uel_7_three_suspensions_and_uel_8_stop() -> None:
    geneva = _status("不可靠实体清单工作机制公告〔2025〕7号", "import_export_ban", date(2025, 6, 1))
    assert geneva.status == "suspended"
    assert geneva.window is not None and geneva.window.end == date(2025, 8, 12)
    kl = _status("不可靠实体清单工作机制公告〔2025〕7号", "import_export_ban", date(2026, 1, 1))
    assert kl.status == "suspended" and kl.window is not None
    assert kl.window.end == date(2026, 11, 11)
    first_day = _status(
        "不可靠实体清单工作机制公告〔2025〕8号", "import_export_ban", date(2025, 4, 10)
    )
    assert first_day.status == "in_force"
    assert any("12:01" in (w.en or "") for w in first_day.warnings)
    stopped = _status(
        "不可靠实体清单工作机制公告〔2025〕8号", "import_export_ban", date(2025, 9, 1)
    )
    assert stopped.status == "stopped" and stopped.window is not None
    assert stopped.window.end is None


def test_cancelled_order_and_dates_before_listing() -> None:
    assert _status("商务部令2025年第5号", "transactions_ban", date(2026, 4, 23)).applies
    assert _status("商务部令2025年第5号", "transactions_ban", date(2026, 4, 24)).status == (
        "cancelled"
    )
    early = _status("商务部公告2026年第23号", "dual_use_export_ban", date(2026, 6, 21))
    assert early.status == "not_yet"
    assert early.window is not None and early.window.end == date(2026, 6, 22)


def test_lists_change_the_version_but_a_book_without_lists_keeps_its_hash(tmp_path: Path) -> None:
    insts = load_instruments(write_book(tmp_path / "b", synthetic_docs()))
    assert Rulebook(insts).version == Rulebook(insts, ()).version
    with_lists = Rulebook(insts, list(LISTS.announcements.values()))
    assert with_lists.version != Rulebook(insts).version


def test_instruments_unchanged_by_the_lists_folder() -> None:
    insts = load_instruments(default_dir())
    assert not any(i.id.startswith(("cn-uel-", "cn-mofcom-order-")) for i in insts)
    assert len(BOOK.instruments) == len(insts)


def test_coverage_reports_the_lists() -> None:
    c = coverage(BOOK)["lists"]
    assert c["entries"] == 271
    assert c["by_list"]["watch_list"] == 40
    assert c["incomplete"] == ["商务部令2026年第2号"]
    assert sum(a["encoded"] for a in c["announcements"]) == 271


# ------------------------------------------------------------------ validation


def _one(**over: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "id": "x-list",
        "list": "control_list",
        "number": "测试公告1号",
        "issuer": ["商务部"],
        "announced": date(2026, 1, 5),
        "effective": date(2026, 1, 5),
        "verified_on": date(2026, 2, 1),
        "sources_checked_to": date(2026, 2, 1),
        "tag": "S",
        "sources": [{"ref": "T1", "url": "https://example.org/a", "tag": "S"}],
        "measures": [
            {
                "id": "ban",
                "kind": "dual_use_export_ban",
                "activity": "export",
                "items": "dual_use",
                "effect": "prohibited",
                "text": {"en": "no dual-use exports"},
                "tag": "S",
                "sources": ["T1"],
            }
        ],
        "entries": [
            {
                "id": "1",
                "name": {"zh": "测试公司", "en": "Test Corp."},
                "country": "US",
                "tag": "S",
                "sources": ["T1"],
            }
        ],
    }
    doc.update(over)
    return doc


def _problems(tmp_path: Path, *docs: dict[str, Any], sub: str = "lists") -> list[str]:
    d = tmp_path / "book" / sub
    d.mkdir(parents=True, exist_ok=True)
    for doc in docs:
        (d / f"{doc['id']}.yaml").write_text(
            yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8"
        )
    with pytest.raises(RulebookError) as exc:
        load_lists(tmp_path / "book")
    return [str(p) for p in exc.value.problems]


def test_good_file_loads(tmp_path: Path) -> None:
    d = tmp_path / "book" / "lists"
    d.mkdir(parents=True)
    (d / "x-list.yaml").write_text(yaml.safe_dump(_one(), allow_unicode=True), encoding="utf-8")
    anns = load_lists(tmp_path / "book")
    assert [a.id for a in anns] == ["x-list"]


def test_unknown_field_names_file_and_field(tmp_path: Path) -> None:
    msg = _problems(tmp_path, _one(colour="red"))
    assert any(m.startswith("lists/x-list.yaml: colour:") for m in msg), msg


def test_bad_date_names_the_field(tmp_path: Path) -> None:
    msg = _problems(tmp_path, _one(announced="2026-13-40"))
    assert any(m.startswith("lists/x-list.yaml: announced:") for m in msg), msg


def test_bad_country_names_the_entry(tmp_path: Path) -> None:
    bad = _one()
    bad["entries"][0]["country"] = "XX"
    msg = _problems(tmp_path, bad)
    assert any("entries[0].country" in m and "'XX'" in m for m in msg), msg


def test_duplicate_entry_ids(tmp_path: Path) -> None:
    bad = _one()
    bad["entries"].append(dict(bad["entries"][0]))
    msg = _problems(tmp_path, bad)
    assert any("entry id(s) 1 appear twice" in m for m in msg), msg


def test_duplicate_announcement_ids_across_folders(tmp_path: Path) -> None:
    _problems_dir = tmp_path / "book" / "a" / "lists"
    _problems_dir.mkdir(parents=True)
    (_problems_dir / "x-list.yaml").write_text(yaml.safe_dump(_one(), allow_unicode=True))
    msg = _problems(tmp_path, _one(), sub="b/lists")
    assert any("duplicate list announcement id" in m for m in msg), msg


def test_undefined_source_ref(tmp_path: Path) -> None:
    bad = _one()
    bad["entries"][0]["sources"] = ["T9"]
    msg = _problems(tmp_path, bad)
    assert any("cites source 'T9'" in m for m in msg), msg


def test_bad_effect_lists_allowed_values(tmp_path: Path) -> None:
    bad = _one()
    bad["measures"][0]["effect"] = "banned"
    msg = _problems(tmp_path, bad)
    assert any("measures[0].effect" in m and "prohibited" in m for m in msg), msg


def test_stopped_period_may_not_end_and_periods_may_not_overlap(tmp_path: Path) -> None:
    src = [{"ref": "Q", "url": "https://example.org/q", "tag": "S"}]
    stop = {
        "status": "stopped",
        "period": {"start": date(2026, 3, 1), "end": date(2026, 4, 1)},
        "by": "Q&A",
        "text": {"en": "stopped"},
        "tag": "S",
        "sources": src,
    }
    msg = _problems(tmp_path, _one(status=[stop]))
    assert any("has no end" in m for m in msg), msg
    sus = {**stop, "status": "suspended"}
    sus2 = {**sus, "period": {"start": date(2026, 3, 15), "end": date(2026, 5, 1)}}
    msg = _problems(tmp_path, _one(id="y-list", status=[sus, sus2]))
    assert any("overlap" in m for m in msg), msg


def test_amends_must_resolve(tmp_path: Path) -> None:
    msg = _problems(tmp_path, _one(amends="nowhere"))
    assert any("lists/x-list.yaml: amends: unknown list announcement 'nowhere'" in m for m in msg)


# ------------------------------------------------------------------ adjusting acts


def _adjusting(start: date, end: date | None, status: str = "suspended") -> dict[str, Any]:
    period: dict[str, Any] = {"start": start}
    if end is not None:
        period["end"] = end
    return {
        "id": "x-extension",
        "list": "control_list",
        "number": "测试公告2026年第99号",
        "issuer": ["商务部"],
        "announced": date(2026, 11, 9),
        "effective": date(2026, 11, 10),
        "verified_on": date(2026, 11, 20),
        "sources_checked_to": date(2026, 11, 20),
        "tag": "S",
        "sources": [{"ref": "X1", "url": "https://example.org/extension", "tag": "S"}],
        "adjusts": [
            {
                "announcement": "cn-mofcom-2025-21-control-list",
                "change": {
                    "status": status,
                    "period": period,
                    "by": "测试公告2026年第99号",
                    "text": {"en": "suspension continued"},
                    "tag": "S",
                    "sources": [{"ref": "X1", "url": "https://example.org/extension", "tag": "S"}],
                },
            }
        ],
    }


def _book_with(tmp_path: Path, doc: dict[str, Any]) -> Path:
    import shutil

    root = tmp_path / "book"
    shutil.copytree(default_dir() / "cn" / "lists", root / "cn" / "lists")
    (root / "overlay" / "lists").mkdir(parents=True)
    (root / "overlay" / "lists" / f"{doc['id']}.yaml").write_text(
        yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8"
    )
    return root


def test_a_later_act_extends_a_suspension(tmp_path: Path) -> None:
    from lanthanide.rules.lists import PartyLists

    lists = PartyLists(
        load_lists(_book_with(tmp_path, _adjusting(date(2026, 11, 11), date(2027, 1, 10))))
    )
    a = lists.announcements["cn-mofcom-2025-21-control-list"]
    ban = next(m for m in a.measures if m.kind == "dual_use_export_ban")
    st = measure_status(a, ban, date(2026, 12, 1))
    assert st.status == "suspended" and st.by is not None
    assert st.by.by == "测试公告2026年第99号"
    assert st.window is not None and st.window.end == date(2027, 1, 10)
    assert measure_status(a, ban, date(2027, 1, 10)).status == "in_force"
    assert len(lists) == 271 and "x-extension" in lists.acts


def test_an_adjustment_that_clashes_is_refused(tmp_path: Path) -> None:
    root = _book_with(tmp_path, _adjusting(date(2026, 6, 1), date(2027, 1, 10)))
    with pytest.raises(RulebookError) as exc:
        load_lists(root)
    msg = [str(p) for p in exc.value.problems]
    assert any(m.startswith("lists/x-extension.yaml: adjusts:") and "overlap" in m for m in msg)


def test_an_adjustment_of_an_unknown_notice_is_refused(tmp_path: Path) -> None:
    doc = _adjusting(date(2026, 11, 11), date(2027, 1, 10))
    doc["adjusts"][0]["announcement"] = "cn-nowhere"
    with pytest.raises(RulebookError) as exc:
        load_lists(_book_with(tmp_path, doc))
    assert any("adjusts[0].announcement" in str(p) for p in exc.value.problems)


def test_an_overlay_lists_folder_adjusts_the_bundled_lists(tmp_path: Path) -> None:
    ov = tmp_path / "ov" / "lists"
    ov.mkdir(parents=True)
    doc = _adjusting(date(2026, 11, 11), date(2027, 1, 10))
    (ov / "x-extension.yaml").write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    book = load_rulebook(overlays=[tmp_path / "ov"])
    a = book.lists.announcements["cn-mofcom-2025-21-control-list"]
    ban = next(m for m in a.measures if m.kind == "dual_use_export_ban")
    assert measure_status(a, ban, date(2026, 12, 1)).status == "suspended"
    assert book.version != BOOK.version
    assert len(book.instruments) == len(BOOK.instruments)


def test_a_broken_overlay_list_file_names_its_path(tmp_path: Path) -> None:
    ov = tmp_path / "ov2" / "lists"
    ov.mkdir(parents=True)
    doc = _adjusting(date(2026, 11, 11), date(2027, 1, 10))
    doc["tag"] = "Q"
    (ov / "x-extension.yaml").write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    with pytest.raises(RulebookError) as exc:
        load_rulebook(overlays=[tmp_path / "ov2"])
    assert any(
        str(ov / "x-extension.yaml") in str(p) and "tag" in str(p) for p in exc.value.problems
    )
