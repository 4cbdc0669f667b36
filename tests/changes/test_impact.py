"""Impact on a portfolio: between two dates, between two rulebooks; input errors."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from lanthanide.changes import (
    ImpactError,
    PortfolioError,
    impact,
    parse_rows,
    read_portfolio,
    summary,
)
from lanthanide.changes.impact import _Memo
from lanthanide.changes.window import Boundaries
from lanthanide.decide import Engine
from lanthanide.rules import Rulebook, load_rulebook

from .fakes import Fake, finding

SAMPLE = Path(__file__).parents[2] / "examples/portfolios/sample.csv"
D1, D2 = date(2026, 11, 10), date(2026, 11, 11)


def _decide_for(b: Rulebook):  # type: ignore[no-untyped-def]
    return Engine(b).decide


def test_between_two_dates_equals_check_on_each_date(book: Rulebook) -> None:
    rows = read_portfolio(SAMPLE)
    res = impact(_decide_for, rows, (D1, D2), book)
    engine = Engine(book)
    assert len(res) == len(rows)
    for r, row in zip(res, rows, strict=True):
        assert r.verdict_before == engine.decide(replace(row.case, on=D1)).verdict
        assert r.verdict_after == engine.decide(replace(row.case, on=D2)).verdict
    changed = {r.id: (r.verdict_before, r.verdict_after, r.causes) for r in res if r.changed}
    no70 = (("cn-mofcom-gac-2025-70", "商务部 海关总署公告2025年第70号"),)
    assert changed == {
        "P-003": ("report_required", "licence_required", no70),
        "P-008": ("report_required", "licence_required", no70),
    }
    (lic,) = [r for r in res if r.id == "LIC-2026-0012"]
    assert lic.record == "licence"
    s = summary(res)
    assert s["changed"] == 2
    assert s["by_instrument"][0]["instrument"] == "cn-mofcom-gac-2025-70"


def test_the_suspension_end_of_2024_46_para2(book: Rulebook) -> None:
    rows = read_portfolio(SAMPLE)
    res = impact(_decide_for, rows, (date(2026, 11, 27), date(2026, 11, 28)), book)
    (r,) = [r for r in res if r.verdict_changed]
    assert (r.id, r.verdict_before) == ("P-001", "licence_required")
    assert r.verdict_after == "denial_presumed"
    assert r.causes == (("cn-mofcom-2025-72", "商务部公告2025年第72号"),)
    assert [f.instrument for f in r.added] == ["cn-mofcom-2024-46"]
    # the military user stays prohibited, and graphite to the US keeps its verdict,
    # but both gain the finding of 2024 No. 46 para. 2 again
    same = {r.id for r in res if r.changed and not r.verdict_changed}
    assert same == {"P-002", "P-010"}


def test_between_two_rulebooks(book: Rulebook, overlay_dir: Path) -> None:
    rows = read_portfolio(SAMPLE)
    other = load_rulebook(overlays=[overlay_dir])
    day = date(2026, 12, 1)
    res = impact(_decide_for, rows, day, book, other)
    changed = {r.id: (r.verdict_before, r.verdict_after, r.causes) for r in res if r.changed}
    ext = (("cn-test-extension", "商务部 海关总署公告2026年第99号"),)
    assert changed == {
        "P-003": ("licence_required", "report_required", ext),
        "P-008": ("licence_required", "report_required", ext),
    }
    for r, row in zip(res, rows, strict=True):
        assert r.verdict_after == Engine(other).decide(replace(row.case, on=day)).verdict


def test_two_equal_dates_need_a_second_rulebook(book: Rulebook) -> None:
    with pytest.raises(ImpactError):
        impact(_decide_for, read_portfolio(SAMPLE), (D1, D1), book)


def test_a_window_that_holds_both_dates_is_one_call(book: Rulebook) -> None:
    fake = Fake(
        [
            (
                date(2000, 1, 1),
                date(2026, 11, 11),
                "licence_required",
                (finding("a", "licence_required"),),
            ),
            (date(2026, 11, 11), None, "not_controlled", ()),
        ]
    )
    memo = _Memo(fake, Boundaries(book))
    rows = parse_rows([{"hs": "2853909026", "destination": "KR"}] * 3)
    for r in rows:
        memo.decide(r.case, date(2026, 1, 1))
        memo.decide(r.case, date(2026, 6, 1))
        memo.decide(r.case, D2)
    assert memo.calls == 2


# ---------------------------------------------------------------- input


def _csv(tmp: Path, text: str) -> Path:
    p = tmp / "p.csv"
    p.write_text(text, encoding="utf-8")
    return p


@pytest.mark.parametrize(
    ("text", "row", "column"),
    [
        ("hs,destination\n2853909026,\n", 1, "destination"),
        ("hs,destination\n2853909026,US\n2853909026,XX1\n", 2, "destination"),
        ("hs,destination\n28539,US\n", 1, "hs"),
        ("hs,destination,param.purity\n2825800010,DE,lots\n", 1, "param.purity"),
        ("hs,destination,params\n2825800010,DE,purity\n", 1, "params"),
        ("hs,destination,params\n2825800010,DE,colour=red\n", 1, "params"),
        ("hs,destinaton\n2825800010,DE\n", 1, "destinaton"),
        ("hs,destination,record\n2825800010,DE,order\n", 1, "record"),
        ("hs,destination,end_use\n2825800010,DE,space\n", 1, "end_use"),
        ("destination\nDE\n", 1, "item/hs/text"),
    ],
)
def test_errors_name_row_and_column(tmp_path: Path, text: str, row: int, column: str) -> None:
    with pytest.raises(PortfolioError) as exc:
        read_portfolio(_csv(tmp_path, text))
    assert (exc.value.row, exc.value.column) == (row, column)
    assert f"row {row}" in str(exc.value) and f"'{column}'" in str(exc.value)


def test_file_errors(tmp_path: Path) -> None:
    with pytest.raises(PortfolioError, match="no such file"):
        read_portfolio(tmp_path / "missing.csv")
    (tmp_path / "p.xlsx").write_text("x", encoding="utf-8")
    with pytest.raises(PortfolioError, match=r"\.csv or \.parquet"):
        read_portfolio(tmp_path / "p.xlsx")
    with pytest.raises(PortfolioError, match="no rows"):
        read_portfolio(_csv(tmp_path, "hs,destination\n"))
    (tmp_path / "bad.parquet").write_bytes(b"not parquet")
    with pytest.raises(PortfolioError, match="Parquet"):
        read_portfolio(tmp_path / "bad.parquet")


def test_parquet_reads_like_csv(tmp_path: Path) -> None:
    import pyarrow as pa  # type: ignore[import-untyped]
    import pyarrow.parquet as pq  # type: ignore[import-untyped]

    rows = read_portfolio(SAMPLE)
    import csv

    with SAMPLE.open(encoding="utf-8") as fh:
        records = list(csv.DictReader(fh))
    pq.write_table(pa.Table.from_pylist(records), tmp_path / "p.parquet")
    assert read_portfolio(tmp_path / "p.parquet") == rows


def test_params_in_one_column_or_several() -> None:
    (a,) = parse_rows([{"hs": "2825800010", "destination": "DE", "params": "purity=99.995%"}])
    (b,) = parse_rows([{"hs": "2825800010", "destination": "DE", "param.purity": "99.995"}])
    assert a.case.params == b.case.params == {"purity": 99.995}
    assert a.id == "1" and a.record == "product"
