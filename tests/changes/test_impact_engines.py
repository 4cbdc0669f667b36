"""Impact through the batch engines (DuckDB, one local Spark case) equals the
in-process path and ``check`` on each date, row by row; rejects and engine
choice."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import pytest

from lanthanide import Lanthanide
from lanthanide.changes import (
    ImpactError,
    ImpactRow,
    PortfolioError,
    PortfolioRow,
    impact,
    parse_rows,
    read_portfolio,
)
from lanthanide.changes.batch import eligible
from lanthanide.changes.impact import BATCH_MIN_ROWS, choose_engine
from lanthanide.changes.keys import _keys
from lanthanide.changes.window import Boundaries
from lanthanide.rules import Rulebook, load_rulebook

SAMPLE = Path(__file__).parents[2] / "examples/portfolios/sample.csv"
LISTED = "MP Materials Corp."  # on the control list from 2026-06-22 (商务部公告2026年第23号)


def _hs_codes(book: Rulebook) -> list[str]:
    found = {
        h.code
        for inst in book.instruments.values()
        for item in inst.items
        for h in item.hs
        if len(h.code) >= 6
    }
    return sorted(found)


def _portfolio(book: Rulebook, n: int, seed: int) -> list[dict[str, str]]:
    """Rows over the rulebook's own tariff lines (and some it does not name),
    destinations, end uses, parameters and a listed end user."""
    rnd = random.Random(seed)
    hs = [*_hs_codes(book), "8501100000", "2504109100"]
    rows: list[dict[str, str]] = []
    for i in range(n):
        row = {
            "id": f"R{i}",
            "hs": rnd.choice(hs),
            "destination": rnd.choice(["US", "JP", "DE", "KR", "IN", "RU"]),
        }
        if rnd.random() < 0.6:
            row["end_use"] = rnd.choice(["civil", "military"])
        if rnd.random() < 0.2:
            row["params"] = rnd.choice(["purity=99.995%", "purity=99.5", "purity=5N"])
        if rnd.random() < 0.05:
            row["end_user"] = LISTED
            row["destination"] = "US"
        elif rnd.random() < 0.05:
            row["consignee"] = LISTED
            row["destination"] = "US"
        rows.append(row)
    return rows


def _pairs(book: Rulebook, seed: int, k: int) -> list[tuple[date, date]]:
    """Date pairs on the rulebook's own boundaries: the day before one and
    the day, and a span of months ending on one."""
    days = [d for d in Boundaries(book).days if date(2023, 6, 1) <= d <= date(2027, 6, 1)]
    picks = random.Random(seed).sample(days, k)
    return [(d - timedelta(days=1 if i % 2 else 150), d) for i, d in enumerate(picks)]


def _equals_check_on_each_date(
    ln: Lanthanide, res: list[ImpactRow], rows: list[PortfolioRow]
) -> None:
    for r, row in zip(res, rows, strict=True):
        before = ln.check(replace(row.case, on=r.before))
        after = ln.check(replace(row.case, on=r.after))
        assert (r.verdict_before, r.verdict_after) == (before.verdict, after.verdict), row
        kb, ka = set(_keys(before)), set(_keys(after))
        assert (set(r.added), set(r.removed)) == (ka - kb, kb - ka), row


def test_duckdb_equals_in_process_and_check_on_each_date(book: Rulebook) -> None:
    ln = Lanthanide(book)
    rows = [*read_portfolio(SAMPLE), *parse_rows(_portfolio(book, 300, seed=15))]
    changed = 0
    for d1, d2 in [(date(2026, 11, 10), date(2026, 11, 11)), *_pairs(book, seed=15, k=4)]:
        inproc = impact(lambda b: ln.check, rows, (d1, d2), book, engine="inprocess")
        batch = impact(lambda b: ln.check, rows, (d1, d2), book, engine="duckdb")
        assert [r.to_dict() for r in batch] == [r.to_dict() for r in inproc], (d1, d2)
        _equals_check_on_each_date(ln, batch, rows)
        changed += sum(r.verdict_changed for r in batch)
    assert changed > 20  # the pairs do move verdicts


def test_a_listed_consignee_changes_the_row_as_check_says(book: Rulebook) -> None:
    ln = Lanthanide(book)
    rows = parse_rows(
        [
            {"id": "C1", "hs": "2846901500", "destination": "US", "consignee": LISTED},
            {"id": "C2", "hs": "2846901500", "destination": "US"},
        ]
    )
    when = (date(2026, 6, 21), date(2026, 6, 22))  # the day the listing takes effect
    for engine in ("inprocess", "duckdb"):
        res = impact(lambda b: ln.check, rows, when, book, engine=engine)
        _equals_check_on_each_date(ln, res, rows)
        assert res[0].to_dict()["consignee"] == LISTED
        assert res[0].verdict_after == "prohibited" and res[0].changed, engine
        assert not res[1].changed, engine


def test_duckdb_between_two_rulebooks(book: Rulebook, overlay_dir: Path) -> None:
    other = load_rulebook(overlays=[overlay_dir])
    rows = [*read_portfolio(SAMPLE), *parse_rows(_portfolio(book, 60, seed=3))]
    day = date(2026, 12, 1)

    def decide_for(b: Rulebook):  # type: ignore[no-untyped-def]
        return Lanthanide(b).check

    inproc = impact(decide_for, rows, day, book, other, engine="inprocess")
    batch = impact(decide_for, rows, day, book, other, engine="duckdb")
    assert [r.to_dict() for r in batch] == [r.to_dict() for r in inproc]
    changed = {r.id for r in batch if r.verdict_changed}
    assert {"P-003", "P-008"} <= changed  # 1C909.b rows: in-process beside the batch
    for r, row in zip(batch, rows, strict=True):
        assert r.verdict_after == Lanthanide(other).check(replace(row.case, on=day)).verdict


def test_spark_local_equals_duckdb(book: Rulebook, spark: str) -> None:
    ln = Lanthanide(book)
    rows = [*read_portfolio(SAMPLE), *parse_rows(_portfolio(book, 40, seed=7))]
    when = (date(2026, 11, 27), date(2026, 11, 28))
    duck = impact(lambda b: ln.check, rows, when, book, engine="duckdb")
    sp = impact(lambda b: ln.check, rows, when, book, engine="spark", spark_master=spark)
    assert [r.to_dict() for r in sp] == [r.to_dict() for r in duck]
    assert any(r.verdict_changed for r in sp)


def test_which_rows_go_to_the_engine() -> None:
    rows = parse_rows(
        [
            {"hs": "2853909026", "destination": "US", "params": "purity=99.995%"},
            {"item": "1C909.b", "destination": "US"},
            {"hs": "2853909026", "kind": "goods", "destination": "US"},
            {"text": "gallium arsenide wafers", "destination": "US"},
            {"hs": "2853909026", "destination": "US", "end_user": "Acme"},
        ]
    )
    assert [eligible(r) for r in rows] == [True, False, False, False, True]
    assert rows[0].params_given == (("purity", "99.995%"),)


def test_engine_choice() -> None:
    small = parse_rows([{"hs": "2853909026", "destination": "US"}] * 3)
    big = parse_rows([{"hs": "2853909026", "destination": "US"}] * BATCH_MIN_ROWS)
    items = parse_rows([{"item": "1C909.b", "destination": "US"}] * BATCH_MIN_ROWS)
    assert choose_engine(None, small) == "inprocess"
    assert choose_engine(None, big) == "duckdb"
    assert choose_engine(None, items) == "inprocess"  # nothing the engine can take
    assert choose_engine("spark", small) == "spark"
    with pytest.raises(ImpactError) as exc:
        choose_engine("polars", small)
    assert exc.value.field == "engine" and "duckdb" in exc.value.message
    with pytest.raises(ImpactError) as exc:
        impact(
            lambda b: Lanthanide(b).check,
            small,
            (date(2026, 1, 1), date(2026, 2, 1)),
            load_rulebook(overlays=[]),
            engine="duckdb",
            spark_master="local[1]",
        )
    assert exc.value.field == "spark_master"


def test_a_line_the_batch_rejects_names_row_and_column(book: Rulebook) -> None:
    # a case built past the reader (which refuses it too): the batch's own reject
    rows = parse_rows([{"hs": "2853909026", "destination": "US"}] * 2)
    rows[1] = replace(rows[1], case=replace(rows[1].case, end_user="A" * 501))
    with pytest.raises(PortfolioError) as exc:
        impact(
            lambda b: Lanthanide(b).check,
            rows,
            (date(2026, 1, 1), date(2026, 2, 1)),
            book,
            engine="duckdb",
        )
    assert (exc.value.row, exc.value.column) == (2, "end_user")
    assert "500" in exc.value.message


def test_the_batch_files_go_to_workdir_and_are_removed(book: Rulebook, tmp_path: Path) -> None:
    rows = read_portfolio(SAMPLE)
    when = (date(2026, 11, 27), date(2026, 11, 28))
    ln = Lanthanide(book)
    res = impact(lambda b: ln.check, rows, when, book, engine="duckdb", workdir=tmp_path)
    assert sum(r.verdict_changed for r in res) == 1
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(ImpactError) as exc:
        impact(lambda b: ln.check, rows, when, book, engine="duckdb", workdir=tmp_path / "no")
    assert exc.value.field == "workdir"
