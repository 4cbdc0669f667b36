"""The input specification (``lanthanide.screen.spec``, docs/screening.md
"Input format"): hostile CSV files, built together with what the spec says
of each record, must give exactly that on DuckDB and on Spark (local and the
standalone cluster), every record in the output or the rejects file under
its row number, and the two engines line by line the same."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from lanthanide.rules.book import load_rulebook
from lanthanide.screen import DuckDBEngine, InputError, KeySpace, SparkEngine, screen, spec
from lanthanide.screen.outputs import read_rows
from lanthanide.screen.sql import INPUT_COLUMNS

BOOK = load_rulebook()
SPACE = KeySpace(BOOK)
HEADER = ["line_id", "date", "tariff_line", "destination", "quantity", "description"]

GOOD_NUMBERS = ["", "1", "-2.5", "+3", ".5", "5.", "1e3", "1E-2", "007", "  42  "]
BAD_NUMBERS = [
    "1_000", "0x1p3", "1d", "1.0f", "inf", "nan", "NaN", "Infinity", "1e400", "1,000",
    "--1", "1e", ".", "1.2.3", "0x10", "١٢",
]  # fmt: skip
BREAKS = ["\n", "\r\n", "\r"]


@dataclass
class Record:
    text: bytes
    code: str | None  # the reject code the spec gives, None when accepted
    line_id: str | None  # the trimmed id, for accepted and value-rejected records


def _quote(value: str) -> str:
    return '"' + value.replace('"', '""') + '"'


@st.composite
def _field(draw: Any, value: str) -> str:
    """``value`` written as a field: quoted when it must be, else any style."""
    must = any(c in value for c in ',"\r\n')
    style = draw(st.sampled_from(["plain", "quoted", "padded", "padded_quoted"]))
    if must or style == "quoted":
        return _quote(value)
    if style == "padded_quoted":
        return f"  {_quote(value)}\t"
    if style == "padded":
        return f" {value}  "
    return value


@st.composite
def _record(draw: Any, i: int, ids: list[str]) -> Record:
    kind = draw(
        st.sampled_from(
            ["good"] * 6
            + ["blank", "count", "stray", "encoding", "number", "missing", "dup", "multiline"]
        )
    )
    if kind == "blank":
        return Record(draw(st.sampled_from(["", "   ", "\t", " \t "])).encode(), "blank_line", None)
    line_id = draw(st.sampled_from([f"L{i}", f"L {i}", f"L,{i}", f'L"{i}']))
    if kind == "dup" and ids:
        line_id = draw(st.sampled_from(ids))
    if kind == "missing":
        line_id = draw(st.sampled_from(["", "  "]))
    values = [
        line_id,
        draw(st.sampled_from(["2024-06-01", "2025-10-31", "2023-01-15"])),
        draw(st.sampled_from(["2846901990", "8471300000", "2805301990"])),
        draw(st.sampled_from(["US", "JP", "", "DE"])),
        draw(st.sampled_from(BAD_NUMBERS if kind == "number" else GOOD_NUMBERS)),
        draw(st.sampled_from(["", "oxide", "a, b", 'say "x"', "粉末"])),
    ]
    if kind == "multiline":
        values[5] = draw(st.sampled_from(["two\nlines", "three\r\nlines\rhere", "\n"]))
    fields = [draw(_field(v)) for v in values]
    code: str | None = None
    if kind == "count":
        fields = fields[:-1] if draw(st.booleans()) else [*fields, "extra"]
        code = "field_count"
    elif kind == "stray":
        fields[5] = draw(st.sampled_from(['b"c', '"x"y', '"x" y']))
        code = "quoting"
    if kind == "number" and values[4].strip():
        code = "invalid_quantity"
    if kind == "missing":
        code = "missing_line_id"
    text = ",".join(fields).encode()
    if kind == "encoding":
        bad = draw(st.sampled_from([b"\xff", b"\xc3(", b"\x80abc", b"\xed\xa0\x80"]))
        text = text + b"," + bad  # also one field too many: the encoding is found first
        code = "encoding"
    return Record(text, code, line_id.strip() or None)


@st.composite
def hostile(draw: Any) -> tuple[bytes, list[tuple[int, Record]]]:
    """A file and its records with their row numbers."""
    n = draw(st.integers(min_value=0, max_value=25))
    ids: list[str] = []
    records: list[Record] = []
    for i in range(n):
        r = draw(_record(i, ids))
        records.append(r)
        if r.line_id and r.code is None:
            ids.append(r.line_id)
    header = [draw(_field(h)) for h in HEADER]
    out = [(spec.BOM if draw(st.booleans()) else b"") + ",".join(header).encode()]
    breaks = [draw(st.sampled_from(BREAKS)) for _ in range(n + 1)]
    rows: list[tuple[int, Record]] = []
    line = 2
    for k, r in enumerate(records):
        if r.text == b"" and breaks[k] == "\r":
            breaks[k] = "\n"  # CR then an empty line's LF would be one CRLF break
        out.append(breaks[k].encode())
        rows.append((line, r))
        line += 1 + r.text.count(b"\n") + r.text.count(b"\r") - r.text.count(b"\r\n")
        out.append(r.text)
    if records and (records[-1].text.strip() == b"" or draw(st.booleans())):
        out.append(breaks[n].encode())  # a final line break, or none
    return b"".join(out), rows


def expectation(rows: list[tuple[int, Record]]) -> tuple[list[tuple[int, str]], list[Any]]:
    """(rejects as (row, code), output as (line_id, input_warnings)) by the spec."""
    parsed = [r for _, r in rows if r.code not in spec.RECORD_CODES]
    count: dict[str, int] = {}
    for r in parsed:
        if r.line_id:
            count[r.line_id] = count.get(r.line_id, 0) + 1
    rejects = [(row, r.code) for row, r in rows if r.code]
    output = [
        (r.line_id, "duplicate_line_id" if count.get(r.line_id or "", 0) > 1 else None)
        for _, r in rows
        if r.code is None
    ]
    return rejects, output


def _run(
    engine: Any, src: Path, out: Path, strict: bool = False
) -> tuple[Any, list[Any], list[Any]]:
    with engine:
        summary = screen(engine, BOOK, src, out, space=SPACE, strict_ids=strict)
    rejects = read_rows(summary.rejects) if summary.rejects else []
    return summary, read_rows(out), rejects


def _check(rows: list[tuple[int, Record]], summary: Any, out: list[Any], rej: list[Any]) -> None:
    want_rej, want_out = expectation(rows)
    assert summary.lines == len(rows) == len(out) + len(rej)
    assert [(int(r["row"]), r["code"]) for r in rej] == want_rej
    assert [(r["line_id"], r["input_warnings"] or None) for r in out] == want_out


# ------------------------------------------------------------------ the parser
@settings(max_examples=300, deadline=None)
@given(hostile(), st.lists(st.integers(min_value=1, max_value=200), min_size=1, max_size=6))
def test_byte_ranges_parse_like_the_whole_file(
    tmp_path_factory: Any, case: tuple[bytes, list[tuple[int, Record]]], sizes: list[int]
) -> None:
    """Cut anywhere (as Spark's tasks are), the file gives the same records,
    and those the spec says."""
    data, rows = case
    path = tmp_path_factory.mktemp("spec") / "in.csv"
    path.write_bytes(data)
    name = str(path)
    header = spec.read_header(name)
    assert header == HEADER
    whole = _records(name, header, [spec.Chunk(0, 0, len(data))])
    for size in sizes:
        chunks = spec.plan_chunks(len(data), 1, size)
        assert _records(name, header, chunks) == whole
    assert [(row, code) for row, _, code in whole] == [
        (row, r.code if r.code in spec.RECORD_CODES else None) for row, r in rows
    ]
    assert [lid for _, lid, code in whole if code is None] == [
        r.line_id for _, r in rows if r.code not in spec.RECORD_CODES
    ]


def _records(path: str, header: list[str], chunks: list[spec.Chunk]) -> list[Any]:
    states = spec.entry_states([spec.chunk_summary(path, c) for c in chunks])
    out = []
    for c, (state, before) in zip(chunks, states, strict=True):
        for p in spec.parse_chunk(path, c, state, before, header, INPUT_COLUMNS):
            out += list(zip(p.row, p.values()[0], p.code, strict=True))
    return out


def test_split_record_quoting_rules() -> None:
    assert spec.split_record(' a , "b,""c""" ,\t"d"\t, ') == (["a", 'b,"c"', "d", ""], None)
    assert spec.split_record('"multi\nline",x') == (["multi\nline", "x"], None)
    assert spec.split_record('a,b"c')[0] is None
    assert spec.split_record('"a"b,c')[0] is None
    assert spec.split_record('"open,c')[0] is None
    assert spec.split_record("　x　,y") == (["x", "y"], None)  # ideographic spaces trimmed


def test_header_not_utf8_names_the_file(tmp_path: Path) -> None:
    src = tmp_path / "bad.csv"
    src.write_bytes(b"line_id,d\xe9te,tariff_line,destination\n1,2024-06-01,2846901990,US\n")
    with (
        pytest.raises(InputError, match=r"bad\.csv': the header row is not UTF-8 \(byte 0xe9"),
        DuckDBEngine() as eng,
    ):
        screen(eng, BOOK, src, tmp_path / "o.csv")


def test_unclosed_quote_rejects_one_record_to_the_end(tmp_path: Path) -> None:
    src = tmp_path / "in.csv"
    src.write_text(
        "line_id,date,tariff_line,destination\n1,2024-06-01,2846901990,US\n"
        '2,"2024-06-01,2846901990,US\n3,2024-06-01,2846901990,US\n'
    )
    _, out, rej = _run(DuckDBEngine(), src, tmp_path / "o.csv")
    assert [r["line_id"] for r in out] == ["1"]
    assert [(r["row"], r["code"]) for r in rej] == [("3", "quoting")]
    assert "row 3 (lines 3–4): a quoted field is not closed" in rej[0]["reason"]


@pytest.mark.parametrize("number", GOOD_NUMBERS + BAD_NUMBERS)
def test_number_grammar(number: str) -> None:
    import re

    ok = re.fullmatch(spec.NUMBER_PATTERN, number.strip()) is not None
    ok = ok and abs(float(number)) <= spec.MAX_DOUBLE
    assert ok == (number in GOOD_NUMBERS and number.strip() != "") or number == ""


# ------------------------------------------------------------------ the engines
@settings(max_examples=12, deadline=None)
@given(hostile())
def test_duckdb_accounts_for_every_record(
    tmp_path_factory: Any, case: tuple[bytes, list[tuple[int, Record]]]
) -> None:
    data, rows = case
    d = tmp_path_factory.mktemp("duck")
    (d / "in.csv").write_bytes(data)
    _check(rows, *_run(DuckDBEngine(), d / "in.csv", d / "out.csv"))


def test_strict_ids_rejects_every_duplicate(tmp_path: Path) -> None:
    src = tmp_path / "in.csv"
    src.write_text(
        "line_id,date,tariff_line,destination\nA,2024-06-01,2846901990,US\n"
        "B,2024-06-01,2846901990,US\nA,2024-06-01,8471300000,JP\n"
    )
    _, out, rej = _run(DuckDBEngine(), src, tmp_path / "o.csv")
    assert [(r["line_id"], r["input_warnings"]) for r in out] == [
        ("A", "duplicate_line_id"),
        ("B", ""),
        ("A", "duplicate_line_id"),
    ]
    _, out, rej = _run(DuckDBEngine(), src, tmp_path / "s.csv", strict=True)
    assert [r["line_id"] for r in out] == ["B"]
    assert [(r["row"], r["code"]) for r in rej] == [
        ("2", "duplicate_line_id"),
        ("4", "duplicate_line_id"),
    ]
    assert rej[0]["reason"] == "line_id: 'A' is on 2 records (--strict-ids)"


@settings(
    max_examples=3,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
    phases=[Phase.explicit, Phase.generate],  # shrinking through Spark runs takes too long
)
@given(hostile(), st.sampled_from([64, 200, 1 << 20]))
def test_spark_agrees_with_duckdb_line_by_line(
    tmp_path_factory: Any, spark: Any, case: tuple[bytes, list[tuple[int, Record]]], chunk: int
) -> None:
    """Spark (local and the cluster), its CSV cut into byte ranges of
    ``chunk`` bytes, gives DuckDB's output and rejects, row for row."""
    data, rows = case
    d = tmp_path_factory.mktemp("spark")
    (d / "in.csv").write_bytes(data)
    duck = _run(DuckDBEngine(), d / "in.csv", d / "duck.csv")
    sp = _run(SparkEngine(session=spark, chunk_bytes=chunk), d / "in.csv", d / "spark.csv")
    _check(rows, *sp)
    assert sp[1] == duck[1]
    assert sp[2] == duck[2]
    assert (d / "spark.csv").is_dir() and (d / "spark.csv" / "_SUCCESS").exists()


def test_spark_line_ids_on_several_records(tmp_path: Path, spark: Any) -> None:
    """Spark flags (and with ``strict_ids`` rejects) the line ids on several
    records as DuckDB does."""
    src = tmp_path / "in.csv"
    src.write_text(
        "line_id,date,tariff_line,destination\nA,2024-06-01,2846901990,US\n"
        "B,2024-06-01,2846901990,US\nA,2024-06-01,8471300000,JP\nC,bad,2846901990,US\n"
    )
    for strict in (False, True):
        duck = _run(DuckDBEngine(), src, tmp_path / f"d{strict}.csv", strict)
        sp = _run(SparkEngine(session=spark), src, tmp_path / f"s{strict}.csv", strict)
        assert sp[0].lines == duck[0].lines == 4
        assert sp[1] == duck[1] and sp[2] == duck[2]
        assert [r["code"] for r in sp[2]] == (
            ["duplicate_line_id", "duplicate_line_id", "invalid_date"]
            if strict
            else ["invalid_date"]
        )
