"""Batch output equals ``check`` line by line, on DuckDB and Spark: each
line's columns, and its determination in the determinations file expanded
with the line's case equals ``check --format json --no-trace``."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from lanthanide.decide.model import END_USES
from lanthanide.rules.book import load_rulebook
from lanthanide.screen import DuckDBEngine, KeySpace, SparkEngine, screen
from lanthanide.screen.generate import generate
from tests.screen.conftest import read_csv, write_csv
from tests.screen.support import assert_same_as_check, read_rows

BOOK = load_rulebook()
SPACE = KeySpace(BOOK)
_LINES = sorted({h.code for r in BOOK.item_refs for h in r.item.hs})
HS = sorted(
    {
        *_LINES,
        *(c[:8] for c in _LINES if len(c) == 10),
        *(c[:6] for c in _LINES),
        "2846901990",
        "2846909990",
        "2805301990",
        "2530902000",
        "2846100000",
        "8471300000",
        "7208100000",
        "270900",
        "9999999999",
        "253090",
        "2530902",
        "280530",
        "284690",
        "2805309000",
    }
)
EDGE_DAYS = sorted(
    d + timedelta(days=k)
    for d in SPACE.rule_dates
    if date(2019, 1, 1) <= d <= date(2028, 1, 1)
    for k in (-1, 0, 1)
)
PARAMS = [
    "",
    "purity=99.99%",
    "purity=5N",
    "purity=99.9",
    "form=powder",
    "particle_size=40um;purity=99.999%",
    "flexural_strength=30MPa",
]

line = st.fixed_dictionaries(
    {
        "tariff_line": st.sampled_from(HS),
        "destination": st.sampled_from(["", "US", "JP", "KR", "DE", "VN", "TW", "NL"]),
        "date": st.one_of(
            st.sampled_from(EDGE_DAYS),
            st.dates(min_value=date(2019, 1, 1), max_value=date(2027, 12, 31)),
        ).map(lambda d: d.isoformat()),
        "end_use": st.sampled_from(["", "", *END_USES]),
        "params": st.sampled_from(PARAMS),
    }
)
batches = st.lists(line, min_size=1, max_size=40)


def _number(rows: list[dict[str, Any]]) -> list[dict[str, str]]:
    return [{**r, "line_id": f"L{i}"} for i, r in enumerate(rows)]


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(batches)
def test_duckdb_batch_equals_decide(tmp_path: Path, rows: list[dict[str, Any]]) -> None:
    lines = _number(rows)
    src = write_csv(tmp_path / "in.csv", lines)
    out = tmp_path / "out.csv"
    with DuckDBEngine() as engine:
        summary = screen(engine, BOOK, src, out, space=SPACE)
    assert summary.rejected == 0
    dets = read_rows(Path(summary.determinations_file or ""))
    assert summary.determinations == len(dets)
    assert_same_as_check(lines, read_rows(out), dets)
    assert {r["determination_id"] for r in read_rows(out)} == {r["determination_id"] for r in dets}


@settings(
    max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(batches)
def test_duckdb_inline_detail_equals_decide(tmp_path: Path, rows: list[dict[str, Any]]) -> None:
    lines = _number(rows)
    src = write_csv(tmp_path / "in.csv", lines)
    out = tmp_path / "out.parquet"
    with DuckDBEngine() as engine:
        summary = screen(engine, BOOK, src, out, space=SPACE, detail="inline")
    assert summary.determinations_file is None
    assert not (tmp_path / "out.determinations.parquet").exists()
    assert_same_as_check(lines, read_rows(out))


@settings(
    max_examples=4,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
    phases=[Phase.explicit, Phase.generate],  # shrinking through Spark runs takes too long
)
@given(batches)
def test_spark_batch_equals_decide(tmp_path: Path, spark: Any, rows: list[dict[str, Any]]) -> None:
    lines = _number(rows)
    src = write_csv(tmp_path / "in.csv", lines)
    out = tmp_path / "out.parquet"
    with SparkEngine(session=spark) as engine:
        summary = screen(engine, BOOK, src, out, space=SPACE)
    dets = read_rows(Path(summary.determinations_file or ""))
    assert_same_as_check(lines, read_rows(out), dets)


def test_generated_file_duckdb_and_spark_equal_decide(tmp_path: Path, spark: Any) -> None:
    src = tmp_path / "gen.csv"
    generate(src, lines=1500, seed=11, reject_rate=0.02)
    lines = read_csv(src)
    rejected: dict[str, list[str]] = {}
    stored: dict[str, dict[str, str]] = {}
    for engine, out in (
        (DuckDBEngine(), tmp_path / "duck.parquet"),
        (SparkEngine(session=spark), tmp_path / "spark.csv"),
    ):
        with engine:
            summary = screen(engine, BOOK, src, out, space=SPACE)
        rows = read_rows(out)
        assert [r["line_id"] for r in rows] == sorted(r["line_id"] for r in rows)  # input order
        ok = {r["line_id"] for r in rows}
        dets = read_rows(Path(summary.determinations_file or ""))
        assert_same_as_check([x for x in lines if x["line_id"] in ok], rows, dets)
        assert summary.rejected == len(lines) - len(ok) > 0
        rej_rows = read_rows(Path(summary.rejects or ""))
        rejected[engine.name] = sorted(f"{r['line_id']}|{r['reason']}" for r in rej_rows)
        stored[engine.name] = {r["determination_id"]: r["determination"] for r in dets}
    assert rejected["duckdb"] == rejected["spark"]
    # the same determinations, under the same ids, whichever engine wrote them
    assert stored["duckdb"] == stored["spark"]


def test_resolver_cells_equal_decide_on_every_rulebook_day() -> None:
    """One resolver reuses each determination across the date buckets of its
    window (the days on which every date comparison ``decide()`` made comes
    out the same). Every tariff line of the test set, on every rulebook date and
    the days either side, plus each bucket's representative, must equal
    ``decide()`` on that very day."""
    from lanthanide.decide import Case, Engine
    from lanthanide.screen import expand
    from lanthanide.screen.compile import Key
    from lanthanide.screen.resolve import Resolver
    from tests.screen.support import LN, as_json

    days = sorted(
        {
            *(d + timedelta(days=k) for d in SPACE.rule_dates for k in (-1, 0, 1)),
            *(SPACE.representative_date(b)[0] for b in range(len(SPACE.bounds) + 1)),
        }
    )
    facts = [("", ""), ("US", "military"), ("DE", "civil"), ("JP", ""), ("", "wmd")]
    resolver = Resolver(BOOK, SPACE)
    engine = Engine(BOOK)
    checks: list[tuple[Key, date, str, str | None, str | None]] = []
    for i, hs in enumerate(HS):
        hs_norm, hs_key, err = SPACE.hs_value(hs)
        assert err is None and hs_norm is not None and hs_key is not None
        for j, day in enumerate(days):
            dest, eu = facts[(i + j) % len(facts)]
            _, dkey, _ = SPACE.destination_value(dest)
            _, bucket, _ = SPACE.date_value(day.isoformat())
            assert dkey is not None and bucket is not None
            key = Key(hs_key, dkey, bucket, eu, "{}")
            checks.append((key, day, hs_norm, dest or None, eu or None))
    by_key = {Key(*r[:7]): r for r in resolver.rows(dict.fromkeys(k for k, *_ in checks))}
    assert resolver.decided < len(by_key)  # cells are reused across buckets
    stored = {r[0]: r[3] for r in resolver.determinations()}
    for n, (key, day, hs, dest, eu) in enumerate(checks):
        row = by_key[key]
        case = Case(on=day, hs=hs, destination=dest, end_use=eu)
        d = engine.decide(case)
        assert list(row[7:13]) == [
            d.verdict,
            ";".join(f.effect for f in d.findings),
            ";".join(f.instrument.number or f.instrument.id for f in d.findings),
            ";".join(f.item.code if f.item else "" for f in d.findings),
            ";".join(q.code for q in d.questions),
            ";".join(w.code for w in d.warnings),
        ], (hs, day, dest, eu)
        if n % 3 == 0:  # the whole JSON for a third of them (it is slow to build)
            want = as_json(LN.determination_json(d, trace=False))
            assert expand(stored[row[13]], case) == want, (hs, day, dest, eu)


def test_parallel_decide_equals_one_process(monkeypatch: Any) -> None:
    """Keys decided by two spawned worker processes give the same rows, ids
    and determinations as one process."""
    from lanthanide.screen import resolve
    from lanthanide.screen.compile import Key
    from lanthanide.screen.resolve import Resolver

    monkeypatch.setattr(resolve, "PARALLEL_MIN_KEYS", 1)
    keys = [
        Key(SPACE.hs_value(hs)[1] or "", dest, bucket, eu, "{}")
        for hs in HS[::3]
        for dest in ("", "US", "*")
        for eu in ("", "military")
        for bucket in range(0, len(SPACE.bounds) + 1, 7)
    ]
    one, two = Resolver(BOOK, SPACE), Resolver(BOOK, SPACE)
    assert two.rows(keys, workers=2) == one.rows(keys)
    assert two.determinations() == one.determinations()
    assert two.decided == one.decided
    assert len(two.workers_rss_kb) == 2  # both workers decided


END_USERS = [
    "MP Materials Corp.",
    "General Dynamics",
    "洛克希德·马丁公司",
    "Lockheed Martin Corp",
    "General Mills",
    "Mitsubishi Estate",
    "Skydio Inc",
]


def test_end_users_are_screened_as_check_does(tmp_path: Path) -> None:
    """Lines with an ``end_user`` column: each distinct name is screened
    against the party lists on the line's date (and destination), with the
    answers of ``lanthanide check --end-user NAME`` line by line: listed,
    look-alike and unlisted names, before and after listings."""
    rows = [
        {
            "tariff_line": hs,
            "destination": dest,
            "date": day,
            "end_use": "",
            "params": "",
            "end_user": name,
        }
        for i, (hs, dest, day) in enumerate(
            (hs, dest, day)
            for hs in ("2846901990", "2805301990", "8471300000")
            for dest in ("US", "FR", "")
            for day in ("2024-06-01", "2025-01-03", "2026-06-22", "2026-12-01")
        )
        for name in ("", END_USERS[i % len(END_USERS)], END_USERS[(i + 3) % len(END_USERS)])
    ]
    lines = _number(rows)
    src = write_csv(tmp_path / "in.csv", lines)
    out = tmp_path / "out.parquet"
    with DuckDBEngine() as engine:
        summary = screen(engine, BOOK, src, out)
    assert summary.rejected == 0
    got = read_rows(out)
    assert "prohibited" in {r["verdict"] for r in got}  # a listed end user on a dual-use item
    assert_same_as_check(lines, got, read_rows(Path(summary.determinations_file or "")))
    bad = write_csv(tmp_path / "bad.csv", [{**lines[0], "end_user": "x" * 501}])
    with DuckDBEngine() as engine:
        s = screen(engine, BOOK, bad, tmp_path / "bad.csv.out.csv")
    assert s.rejected == 1
    (rej,) = read_rows(Path(s.rejects or ""))
    assert rej["reason"].startswith("end_user (--end-user): an end user's name may have at most")


def test_consignees_are_screened_as_check_does(tmp_path: Path) -> None:
    """A ``consignee`` column is screened like the end user (``check
    --consignee NAME``): a listed consignee bans a dual-use export although
    the end user is not listed; the two names are separate facts."""
    rows = [
        {
            "tariff_line": hs,
            "destination": "US",
            "date": day,
            "end_use": "",
            "params": "",
            "end_user": user,
            "consignee": consignee,
        }
        for hs in ("2846901500", "8471300000")
        for day in ("2026-06-01", "2026-12-01")
        for user, consignee in (
            ("", ""),
            ("Acme Trading", "MP Materials Corp."),
            ("MP Materials Corp.", ""),
            ("", "General Mills"),
        )
    ]
    lines = _number(rows)
    src = write_csv(tmp_path / "in.csv", lines)
    out = tmp_path / "out.parquet"
    with DuckDBEngine() as engine:
        summary = screen(engine, BOOK, src, out)
    assert summary.rejected == 0
    got = read_rows(out)
    banned = {(r["end_user"], r["consignee"]) for r in got if r["verdict"] == "prohibited"}
    assert ("Acme Trading", "MP Materials Corp.") in banned
    assert_same_as_check(lines, got, read_rows(Path(summary.determinations_file or "")))
