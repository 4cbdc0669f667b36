"""The 2026 dual-use licence catalogue (2025 No. 91) as data."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import pytest

from lanthanide.rules import RulebookError, load_instruments, load_rulebook
from lanthanide.rules.catalogue import COLUMNS
from lanthanide.rules.report import coverage

CAT = "cn-mofcom-gac-2025-91"
YAML = """id: cn-test-cat
title: {en: test catalogue}
issuer: [MOFCOM]
kind: catalogue
regime: dual_use
status: in_force
verified_on: 2026-10-09
sources: [{url: "https://example.org/cat", tag: S}]
licence_catalogue:
  edition: "2026"
  file: t/cat.csv
  valid: {start: 2026-01-01}
  declared: {rows: ROWS}
  sources: [{url: "https://example.org/cat", tag: S}]
"""
GOOD = "export,1,1C450.c.13,2812170000,两用物项和技术出口许可证,1C,,U,N9,1,"


def _write(tmp: Path, rows: list[str], declared: int | None = None) -> Path:
    (tmp / "t").mkdir(exist_ok=True)
    (tmp / "t" / "cat.csv").write_text(
        ",".join(COLUMNS) + "\n" + "\n".join(rows) + "\n", encoding="utf-8"
    )
    (tmp / "cn-test-cat.yaml").write_text(
        YAML.replace("ROWS", str(declared if declared is not None else len(rows))),
        encoding="utf-8",
    )
    return tmp


def test_every_row_of_the_2026_catalogue_is_loaded() -> None:
    cat = load_rulebook().instruments[CAT].licence_catalogue
    assert cat is not None and cat.valid.start == date(2026, 1, 1)
    lines = cat.lines
    assert len(lines) == 1671
    export = [x for x in lines if x.direction == "export"]
    assert len(export) == 1484 and len(lines) - len(export) == 187
    assert len({x.n9_index for x in export}) == 754
    assert len({x.control_code for x in export if x.control_code}) == 712
    assert len({x.hs for x in export if x.hs}) == 702
    assert {x.tag for x in lines} == {"S", "U"}
    assert sum(x.tag == "S" for x in lines) == 13
    assert {x.source_id for x in lines} == {"N9"}


def test_the_catalogue_file_is_the_reference_table() -> None:
    shipped = Path(__file__).parents[2] / "src/lanthanide/rulebook/cn/catalogue/dual-use-2026.csv"
    with shipped.open(encoding="utf-8") as f:
        rows = list(csv.reader(f))
    assert tuple(rows[0]) == COLUMNS and len(rows) == 1672


def test_thionyl_chloride_maps_to_its_control_code_from_2026() -> None:
    book = load_rulebook()
    hits = book.catalogue_lines("2812170000", date(2026, 1, 15))
    assert "1C450.c.13" in {h.control_code for h in hits}
    assert all(h.instrument.id == CAT and h.line.tag == "U" for h in hits)
    assert None in {h.control_code for h in hits}  # a code-less record lists it too
    assert book.catalogue_lines("2812170000", date(2025, 12, 31)) == []
    assert {h.control_code for h in book.catalogue_lines("2812170000")} >= {"1C450.c.13"}


def test_a_heading_finds_the_lines_under_it() -> None:
    book = load_rulebook()
    hits = book.catalogue_lines("28469015", date(2026, 6, 1))
    assert {h.line.hs for h in hits} == {"2846901500"}
    hits = book.catalogue_lines("2846", date(2026, 6, 1))
    assert {h.line.hs for h in hits} >= {"2846901500", "2846901993"}
    assert all((h.line.hs or "").startswith("2846") for h in hits)


def test_a_line_outside_the_catalogue_has_no_rows() -> None:
    assert load_rulebook().catalogue_lines("8413709990", date(2026, 6, 1)) == []


def test_the_2027_oxides_of_no_57_are_not_in_the_2026_catalogue() -> None:
    cat = load_rulebook().instruments[CAT].licence_catalogue
    assert cat is not None
    codes = {x.control_code for x in cat.lines if x.control_code}
    assert not {c for c in codes if c.startswith(("1C909", "1C91", "1E902", "2B902"))}
    assert {"1C902.a.1", "1C905.a.1", "1C908.a.1"} <= codes


def test_coverage_counts_codes_in_detail_and_mapped_only() -> None:
    (c,) = coverage(load_rulebook())["dual_use_catalogue"]
    assert c["instrument"] == CAT and c["export_codes"] == 712
    assert c["declared_export_codes"] == 712
    detail, mapped = c["codes_encoded_in_detail"], c["codes_mapped_only"]
    assert isinstance(detail, int) and isinstance(mapped, int)
    assert detail + mapped == 712 and 0 < detail < 712
    assert c["export_hs_lines"] == 702


def test_a_small_catalogue_loads(tmp_path: Path) -> None:
    (inst,) = load_instruments(_write(tmp_path, [GOOD]))
    assert inst.licence_catalogue is not None
    assert inst.licence_catalogue.lines[0].control_code == "1C450.c.13"


@pytest.mark.parametrize(
    ("row", "where", "what"),
    [
        (GOOD.replace("2812170000", "28121700"), "row 2.hs", "10 digits"),
        (GOOD.replace("1C450.c.13", "MPa"), "row 2.control_code", "look like"),
        (GOOD.replace(",U,", ",X,"), "row 2.tag", "'P', 'S' or 'U'"),
        (GOOD.replace("export,", "exp,", 1), "row 2.direction", "'export' or 'import'"),
        (GOOD.replace("出口", "进口"), "row 2", "does not fit direction"),
        (GOOD.replace(",1C,", ",2B,"), "row 2", "section"),
        (GOOD + ",extra", "row 2", "columns"),
    ],
)
def test_a_broken_row_is_refused_naming_file_row_and_column(
    tmp_path: Path, row: str, where: str, what: str
) -> None:
    with pytest.raises(RulebookError) as err:
        load_instruments(_write(tmp_path, [GOOD, row]))
    (p,) = err.value.problems
    assert p.file == "cn-test-cat.yaml -> t/cat.csv"
    assert p.path == where.replace("row 2", "row 3")
    assert what in p.message


def test_declared_row_count_is_checked(tmp_path: Path) -> None:
    with pytest.raises(RulebookError) as err:
        load_instruments(_write(tmp_path, [GOOD], declared=2))
    (p,) = err.value.problems
    assert (p.file, p.path) == ("cn-test-cat.yaml", "licence_catalogue.declared.rows")


def test_a_missing_table_is_refused(tmp_path: Path) -> None:
    _write(tmp_path, [GOOD])
    (tmp_path / "t" / "cat.csv").unlink()
    with pytest.raises(RulebookError, match=r"t/cat\.csv: file not found"):
        load_instruments(tmp_path)
