"""Overlay authoring: skeletons and technology-catalogue imports."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
import yaml

from lanthanide.rules import load_rulebook
from lanthanide.rules.authoring import KINDS, import_catalogue, read_rows, skeleton
from lanthanide.rules.overlay import validate
from lanthanide.rules.report import coverage, diff

ROWS = """number,part,sector,title,control_points
011101X,X,农业,测试技术甲,要点一；要点二
011102J,J,农业,测试技术乙,1. 要点一 2. 要点二
021101X,限制,林业,测试技术丙,
12345X,X,农业,坏编号,
011103J,X,农业,部分不符,
011101X,X,农业,重复,
011104X,X,,无行业,
213301J,J,有色金属冶炼和压延加工业,已编码,
"""


@pytest.mark.parametrize("kind", KINDS)
def test_a_skeleton_is_yaml_that_fails_until_filled(tmp_path: Path, kind: str) -> None:
    text = skeleton("cn-user-2026-1", kind)
    assert isinstance(yaml.safe_load(text), dict)
    (tmp_path / "cn-user-2026-1.yaml").write_text(text, encoding="utf-8")
    problems = validate([tmp_path])
    assert any(p.path == "verified_on" for p in problems)
    assert all(p.file == str(tmp_path / "cn-user-2026-1.yaml") for p in problems)


def test_a_filled_suspension_skeleton_loads(tmp_path: Path) -> None:
    text = (
        skeleton("cn-user-2026-1", "suspension")
        .replace("TODO-instrument-id", "cn-mofcom-gac-2025-57")
        .replace("verified_on: TODO", "verified_on: 2026-12-01")
    )
    (tmp_path / "cn-user-2026-1.yaml").write_text(text, encoding="utf-8")
    assert validate([tmp_path]) == []


def test_skeleton_refuses_unknown_kind_and_bad_id() -> None:
    with pytest.raises(ValueError, match="announcement, suspension"):
        skeleton("cn-user-1", "decree")
    with pytest.raises(ValueError, match="slug"):
        skeleton("CN User", "suspension")


def test_import_catalogue_adds_items_and_reports_rows_it_cannot_use(tmp_path: Path) -> None:
    src = tmp_path / "annex.csv"
    src.write_text(ROWS, encoding="utf-8")
    book = load_rulebook(overlays=[])
    res = import_catalogue(src, "2023", book)
    assert res.added == ["011101X", "011102J", "021101X"]
    reasons = {p.path: p.message for p in res.skipped}
    assert set(reasons) == {
        "row 5.number",
        "row 6.part",
        "row 7.number",
        "row 8.sector",
        "row 9.number",
    }
    assert "6 digits" in reasons["row 5.number"] and "repeats row 2" in reasons["row 7.number"]
    assert "already encoded" in reasons["row 9.number"]
    item = next(i for i in res.instrument.items if i.code == "011102J")
    assert [p.zh for p in item.control_points] == ["要点一", "要点二"]
    assert item.part == "J" and item.sources[0].tag == "U"

    out = res.write(tmp_path / "overlay")
    assert out.name == "cn-mofcom-most-2023-57.yaml"
    after = load_rulebook(overlays=[tmp_path / "overlay"])
    assert after.overlays[0].replaced == ("cn-mofcom-most-2023-57",)

    def encoded(b: object) -> int:
        (c,) = [
            x
            for x in coverage(b)["catalogues"]
            if x["version"] == "2023"  # type: ignore[arg-type]
        ]
        return int(c["encoded"])

    assert encoded(after) == encoded(book) + 3
    added = {i["code"] for i in diff(after, "2020", "2023")["added"]}
    assert {"011101X", "011102J", "021101X"} <= added


def test_import_refuses_unknown_version_and_missing_columns(tmp_path: Path) -> None:
    src = tmp_path / "annex.csv"
    src.write_text("编号,技术名称\n011101X,x\n", encoding="utf-8")
    book = load_rulebook(overlays=[])
    with pytest.raises(ValueError, match="known: 2008"):
        import_catalogue(src, "1999", book)
    with pytest.raises(ValueError, match="missing column"):
        import_catalogue(src, "2023", book)


def test_xlsx_tables_are_read(tmp_path: Path) -> None:
    ns = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    shared = f"<sst {ns}><si><t>number</t></si><si><t>title</t></si><si><t>测试</t></si></sst>"
    sheet = (
        f"<worksheet {ns}><sheetData>"
        '<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c></row>'
        '<row r="2"><c r="A2" t="inlineStr"><is><t>011101X</t></is></c>'
        '<c r="B2" t="s"><v>2</v></c></row>'
        "</sheetData></worksheet>"
    )
    path = tmp_path / "annex.xlsx"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("xl/sharedStrings.xml", shared)
        z.writestr("xl/worksheets/sheet1.xml", sheet)
    assert read_rows(path) == [["number", "title"], ["011101X", "测试"]]
