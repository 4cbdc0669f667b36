"""The screen CLI, rejects, empty and malformed files, the generator."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from lanthanide.cli import app
from lanthanide.rules.book import load_rulebook
from lanthanide.screen import DuckDBEngine, InputError, screen
from lanthanide.screen.compile import KeySpace, rule_rows
from lanthanide.screen.generate import generate
from lanthanide.screen.sql import LINE_COLUMNS, OUTPUT_COLUMNS
from tests.screen.conftest import read_csv, write_csv
from tests.screen.support import assert_same_as_check, read_rows

runner = CliRunner()
GOOD = {"line_id": "1", "date": "2025-06-01", "tariff_line": "2853909026", "destination": "KR"}


def _run(*args: str) -> tuple[int, str]:
    res = runner.invoke(app, ["screen", *args])
    return res.exit_code, res.output


def test_screen_input_form_and_run_form_are_the_same(tmp_path: Path) -> None:
    src = write_csv(tmp_path / "in.csv", [GOOD])
    code, text = _run(str(src), "--out", str(tmp_path / "a.csv"), "--no-progress")
    assert code == 0, text
    code, text = _run("run", str(src), "--out", str(tmp_path / "b.csv"), "--no-progress")
    assert code == 0, text
    a, b = read_csv(tmp_path / "a.csv"), read_csv(tmp_path / "b.csv")
    assert a == b
    assert a[0]["verdict"] == "licence_required"
    assert "By verdict" in text and "licence_required" in text


def test_bad_rows_go_to_rejects_with_the_reason(tmp_path: Path) -> None:
    rows = [
        GOOD,
        {**GOOD, "line_id": "2", "destination": "XX"},
        {**GOOD, "line_id": "3", "destination": "CN"},
        {**GOOD, "line_id": "4", "date": "2025-02-30"},
        {**GOOD, "line_id": "5", "tariff_line": "12AB"},
        {**GOOD, "line_id": "6", "end_use": "peaceful"},
        {**GOOD, "line_id": "7", "params": "purity=abc"},
        {**GOOD, "line_id": "8", "params": "colour=red"},
        {**GOOD, "line_id": "", "date": "2025-06-01"},
        {**GOOD, "line_id": "10", "quantity": "lots"},
        {**GOOD, "line_id": "11", "date": ""},
    ]
    src = write_csv(tmp_path / "in.csv", rows)
    out = tmp_path / "out.csv"
    code, text = _run(str(src), "--out", str(out), "--summary", "json", "--no-progress")
    assert code == 0, text
    summary = json.loads(text)
    assert summary["lines"] == 11 and summary["rejected"] == 10
    assert [r["line_id"] for r in read_csv(out)] == ["1"]
    rej = {r["line_id"]: r["reason"] for r in read_csv(tmp_path / "out.rejects.csv")}
    assert rej["2"].startswith("destination (--to): 'XX' is not an ISO 3166-1")
    assert "'CN' is the exporting country" in rej["3"]
    assert rej["4"] == "date (--on): '2025-02-30' is not a date; use YYYY-MM-DD"
    assert rej["5"].startswith("tariff_line (--hs): '12AB' must be 6 to 10 digits")
    assert rej["6"].startswith("end_use (--end-use): 'peaceful' is not allowed (allowed: civil")
    assert rej["7"].startswith("params (--param purity):")
    assert "unknown parameter 'colour'" in rej["8"]
    assert rej[""] == "line_id: missing; every line needs an id"
    assert rej["10"] == "quantity: 'lots' is not a number"
    assert rej["11"].startswith("date (--on): missing")
    # a later run with no bad line leaves no earlier rejects beside its output
    write_csv(src, [GOOD])
    code, text = _run(str(src), "--out", str(out), "--summary", "json", "--no-progress")
    assert code == 0, text
    assert json.loads(text)["rejects"] is None
    assert not (tmp_path / "out.rejects.csv").exists()


def test_bad_arguments_exit_2_naming_the_flag(tmp_path: Path) -> None:
    src = write_csv(tmp_path / "in.csv", [GOOD])
    out = str(tmp_path / "o.csv")
    code, text = _run(str(src), "--out", out, "--engine", "oracle")
    assert code == 2 and "--engine: 'oracle' is not allowed (allowed: duckdb, spark)" in text
    code, text = _run(str(tmp_path / "missing.csv"), "--out", out)
    assert code == 2 and "does not exist" in text
    code, text = _run(str(src), "--out", out, "--format", "xlsx")
    assert code == 2 and "--format" in text
    bad = write_csv(tmp_path / "bad.csv", [GOOD], [*GOOD, "colour"])
    code, text = _run(str(bad), "--out", out)
    assert code == 2 and "column 'colour'" in text and "allowed: line_id" in text
    short = write_csv(tmp_path / "short.csv", [GOOD], ["line_id", "date", "tariff_line"])
    code, text = _run(str(short), "--out", out)
    assert code == 2 and "column 'destination'" in text and "required" in text
    assert not Path(out).exists()


def test_empty_header_only_and_malformed_files(tmp_path: Path) -> None:
    book = load_rulebook()
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    with pytest.raises(InputError, match="empty"), DuckDBEngine() as eng:
        screen(eng, book, empty, tmp_path / "o.csv")
    header = write_csv(tmp_path / "header.csv", [])
    with DuckDBEngine() as eng:
        s = screen(eng, book, header, tmp_path / "h.csv")
    assert s.lines == 0 and read_csv(tmp_path / "h.csv") == []
    ragged = tmp_path / "ragged.csv"
    ragged.write_text(
        "line_id,date,tariff_line,destination\n1,2025-06-01,2853909026,KR\n"
        "2,2025-06-01,2853909026,KR,extra,fields\n3,2025-06-01,8471300000,DE\n"
    )
    with DuckDBEngine() as eng:
        s = screen(eng, book, ragged, tmp_path / "r.csv")
    assert (s.screened, s.rejected) == (2, 1)
    rej = read_csv(tmp_path / "r.rejects.csv")
    assert rej[0]["reason"].startswith("malformed CSV row")
    garbage = tmp_path / "garbage.parquet"
    garbage.write_bytes(b"PAR1 this is not parquet")
    with pytest.raises(InputError, match="cannot be read as parquet"), DuckDBEngine() as eng:
        screen(eng, book, garbage, tmp_path / "g.csv")


def test_generate_is_deterministic_and_screens_like_check(tmp_path: Path) -> None:
    a, b = tmp_path / "a.parquet", tmp_path / "b.parquet"
    code, _ = (
        runner.invoke(
            app, ["screen", "generate", "--lines", "3000", "--seed", "5", "--out", str(a)]
        ).exit_code,
        "",
    )
    assert code == 0
    generate(b, lines=3000, seed=5)
    ta, tb = pq.read_table(a), pq.read_table(b)
    assert ta.equals(tb) and ta.num_rows == 3000
    lines = ta.to_pylist()
    hs = {r["tariff_line"] for r in lines}
    assert {"2846901990", "8471300000"} & hs and len(hs) > 30
    out = tmp_path / "o.parquet"
    with DuckDBEngine() as eng:
        s = screen(eng, load_rulebook(), a, out)
    assert s.rejected > 0 and s.screened + s.rejected == 3000
    assert {"licence_required", "not_controlled", "undetermined"} <= set(s.by_verdict)
    rows = read_rows(out)
    ok = {r["line_id"] for r in rows}
    assert_same_as_check(
        [r for r in lines if r["line_id"] in ok][:600],
        rows[:600],
        read_rows(Path(s.determinations_file or "")),
    )


def test_compiled_rule_table_and_key_space() -> None:
    book = load_rulebook()
    rows = rule_rows(book)
    assert rows and all(len(r) == 15 for r in rows)
    assert any(r[5] == "2853909026" and r[3] == "licence_required" for r in rows)
    space = KeySpace(book)
    assert space.hs_value("8471300000")[1] == "*"
    assert space.hs_value("2853909026")[1] == "2853909026"
    assert space.destination_value("FR")[1] == "*"
    assert space.destination_value("US")[1] == "US"


def test_cli_spark_in_a_subprocess_equals_duckdb(tmp_path: Path) -> None:
    """``lanthanide screen ... --engine spark`` end to end, in its own process
    with its own Spark session (the CLI stops the session it starts), equals
    the DuckDB output and rejects line by line."""
    import shutil
    import subprocess
    import sys

    if shutil.which("java") is None:
        pytest.skip("Spark needs Java 17 or later on PATH (java not found)")
    pytest.importorskip("pyspark")
    src = tmp_path / "gen.csv"
    generate(src, lines=400, seed=5, reject_rate=0.02)
    outs = {}
    for engine in ("duckdb", "spark"):
        out = tmp_path / f"{engine}.csv"
        cli = [sys.executable, "-c", "from lanthanide.cli import main; main()"]
        args = [*cli, "screen", str(src), "--out", str(out)]
        args += ["--engine", engine, "--no-progress", "--summary", "json"]
        if engine == "spark":
            args += ["--spark-master", "local[2]"]
        res = subprocess.run(args, capture_output=True, text=True, timeout=300, check=False)
        assert res.returncode == 0, res.stderr[-2000:]
        assert json.loads(res.stdout)["rejected"] > 0
        outs[engine] = (read_csv(out), read_csv(tmp_path / f"{engine}.rejects.csv"))
    assert outs["spark"] == outs["duckdb"]


def test_columns_detail_workers_and_memory_limit_flags(tmp_path: Path) -> None:
    """``--columns`` picks the input columns carried, ``--detail inline``
    writes the per-line JSON and no determinations file, ``--memory-limit``
    reaches DuckDB, and the summary reports the peak memory."""
    rows = [GOOD, {**GOOD, "line_id": "2", "tariff_line": "8471300000", "destination": "DE"}]
    src = write_csv(tmp_path / "in.csv", rows)
    out = tmp_path / "o.csv"
    code, text = _run(
        str(src), "--out", str(out), "--columns", "line_id,destination", "--summary", "json",
        "--memory-limit", "512MB", "--workers", "2", "--no-progress",
    )  # fmt: skip
    assert code == 0, text
    summary = json.loads(text)
    assert summary["peak_rss_mb"] > 0 and summary["determinations"] == 2
    got = read_csv(out)
    assert list(got[0]) == ["line_id", "destination", *LINE_COLUMNS, *OUTPUT_COLUMNS]
    assert [(r["line_id"], r["destination"], r["verdict"]) for r in got] == [
        ("1", "KR", "licence_required"),
        ("2", "DE", "not_controlled"),
    ]
    dets = read_csv(tmp_path / "o.determinations.csv")
    assert {d["determination_id"] for d in dets} == {r["determination_id"] for r in got}
    assert not list(tmp_path.glob(".*spill*"))  # the spill directory is removed
    inline = tmp_path / "i.csv"
    code, text = _run(str(src), "--out", str(inline), "--detail", "inline", "--no-progress")
    assert code == 0, text
    assert not (tmp_path / "i.determinations.csv").exists()
    assert_same_as_check(rows, read_csv(inline))
    for args, flag in (
        (["--columns", "line_id,colour"], "--columns: 'colour' is not a column of the input"),
        (["--memory-limit", "lots"], "--memory-limit: 'lots' is not a size"),
        (["--detail", "full"], "--detail: 'full' is not allowed"),
        (["--workers", "0"], "--workers: 0 must be 1 or more"),
    ):
        code, text = _run(str(src), "--out", str(tmp_path / "x.csv"), *args)
        assert code == 2 and flag in " ".join(text.split()), text
        assert not (tmp_path / "x.csv").exists()


def test_determination_ids_are_stable_across_runs_and_files(tmp_path: Path) -> None:
    """Two runs over different files with the same rulebook give the same
    id to the same determination, and the same id to a line in both."""
    book = load_rulebook()
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    generate(a, lines=600, seed=3, reject_rate=0.0)
    generate(b, lines=900, seed=4, reject_rate=0.0)
    shared = read_csv(a)[:200]
    write_csv(b, [*shared, *read_csv(b)[200:]])
    runs = []
    for src in (a, b):
        out = tmp_path / f"{src.stem}.out.parquet"
        with DuckDBEngine() as eng:
            s = screen(eng, book, src, out, workers=1)
        runs.append(
            (
                {r["line_id"]: r["determination_id"] for r in read_rows(out)},
                {
                    d["determination_id"]: d["determination"]
                    for d in read_rows(Path(s.determinations_file or ""))
                },
            )
        )
    (ids_a, dets_a), (ids_b, dets_b) = runs
    assert all(ids_a[x["line_id"]] == ids_b[x["line_id"]] for x in shared)
    common = dets_a.keys() & dets_b.keys()
    assert len(common) > 20
    assert all(dets_a[i] == dets_b[i] for i in common)


def test_a_rulebook_overlay_reaches_the_workers(tmp_path: Path) -> None:
    """A rulebook with a user overlay screens like ``check`` with it: in
    this process and in spawned workers alike (each builds its engine from
    the parent's rulebook)."""
    from lanthanide import Lanthanide
    from lanthanide.screen import resolve
    from tests.rules.test_overlay import EXTENSION

    overlay = tmp_path / "overlay"
    overlay.mkdir()
    (overlay / "cn-test-extension.yaml").write_text(EXTENSION, encoding="utf-8")
    ln = Lanthanide(overlays=[overlay])
    assert ln.rulebook.overlays and ln.rulebook.version != load_rulebook().version
    src = tmp_path / "gen.csv"
    generate(src, lines=300, seed=9, reject_rate=0.0)
    lines = read_csv(src)
    outs = []
    for workers, min_keys in ((1, resolve.PARALLEL_MIN_KEYS), (2, 1)):
        out = tmp_path / f"w{workers}.parquet"
        old = resolve.PARALLEL_MIN_KEYS
        resolve.PARALLEL_MIN_KEYS = min_keys
        try:
            s = ln.screen(src, out, workers=workers)
        finally:
            resolve.PARALLEL_MIN_KEYS = old
        assert s.workers == workers
        dets = read_rows(Path(s.determinations_file or ""))
        assert {d["rulebook_version"] for d in dets} == {ln.rulebook.version}
        outs.append((read_rows(out), dets))
    assert outs[0] == outs[1]
    assert_same_as_check(lines, *outs[0], ln=ln)
