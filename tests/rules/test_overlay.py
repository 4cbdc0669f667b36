"""User overlays: directories of instrument YAML on top of the bundled rulebook."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import pytest

from lanthanide.rules import RulebookError, load_rulebook
from lanthanide.rules.overlay import ENV, from_env, validate
from tests.support import EXTENSION

DAY = date(2026, 12, 1)


def _overlay(tmp: Path, name: str, text: str, sub: str = "ov") -> Path:
    d = tmp / sub
    d.mkdir(exist_ok=True)
    (d / name).write_text(text, encoding="utf-8")
    return d


def _suspended(book: object, inst: str) -> bool:
    return any(
        cc.suspended_on(DAY) is not None
        for cc in book.controls  # type: ignore[attr-defined]
        if cc.instrument.id == inst
    )


def test_an_overlay_adds_an_instrument_that_suspends_a_bundled_one(tmp_path: Path) -> None:
    base = load_rulebook(overlays=[])
    d = _overlay(tmp_path, "cn-test-extension.yaml", EXTENSION)
    book = load_rulebook(overlays=[d])
    assert "cn-test-extension" in book.instruments
    assert book.version != base.version
    (ov,) = book.overlays
    assert ov.path == str(d) and ov.added == ("cn-test-extension",) and ov.replaced == ()
    assert len(ov.digest) == 12 and ov.as_dict()["added"] == ["cn-test-extension"]
    assert not _suspended(base, "cn-mofcom-gac-2025-57")
    assert _suspended(book, "cn-mofcom-gac-2025-57")
    assert base.overlays == ()


def test_the_answer_changes_with_the_overlay(tmp_path: Path) -> None:
    from lanthanide.decide import decide
    from lanthanide.decide.model import Case

    d = _overlay(tmp_path, "cn-test-extension.yaml", EXTENSION)
    case = Case(item="1C909.b", destination="DE", on=DAY)
    before = decide(case, load_rulebook(overlays=[]))
    after = decide(case, load_rulebook(overlays=[d]))
    assert "cn-mofcom-gac-2025-57" in {f.instrument.id for f in before.findings}
    assert "cn-mofcom-gac-2025-57" not in {f.instrument.id for f in after.findings}
    assert before.rulebook_version != after.rulebook_version


def test_an_overlay_replaces_an_instrument_by_id(tmp_path: Path) -> None:
    src = Path(load_rulebook(overlays=[]).instruments["cn-mofcom-gac-2026-29"].id + ".yaml")
    bundled = (Path(__file__).parents[2] / "src/lanthanide/rulebook/cn" / src).read_text(
        encoding="utf-8"
    )
    text = bundled.replace("number_tag: U", "number_tag: P").replace(
        "verified_on: 2026-10-09", "verified_on: 2026-12-01"
    )
    d = _overlay(tmp_path, "cn-mofcom-gac-2026-29.yaml", text)
    book = load_rulebook(overlays=[d])
    assert book.instruments["cn-mofcom-gac-2026-29"].number_tag == "P"
    assert book.overlays[0].replaced == ("cn-mofcom-gac-2026-29",)
    assert book.overlays[0].added == ()
    assert book.data_as_of == date(2026, 12, 1)
    assert len(book.instruments) == len(load_rulebook(overlays=[]).instruments)


def test_a_broken_overlay_is_refused_naming_file_and_field(tmp_path: Path) -> None:
    bad = EXTENSION.replace("regime: suspension", "regime: suspensions")
    d = _overlay(tmp_path, "cn-test-extension.yaml", bad)
    with pytest.raises(RulebookError) as err:
        load_rulebook(overlays=[d])
    (p,) = err.value.problems
    assert p.file == str(d / "cn-test-extension.yaml")
    assert p.path == "regime"
    assert "suspension" in p.message  # the allowed values are listed
    assert str(d / "cn-test-extension.yaml") in str(err.value)


def test_an_overlay_aiming_at_a_missing_control_is_refused(tmp_path: Path) -> None:
    bad = EXTENSION.replace(
        "  - instrument: cn-mofcom-gac-2025-57\n",
        "  - instrument: cn-mofcom-2024-46\n    controls: [para3]\n",
    )
    d = _overlay(tmp_path, "cn-test-extension.yaml", bad)
    (p,) = validate([d])
    assert (p.file, p.path) == (str(d / "cn-test-extension.yaml"), "suspends[0]")
    assert "has no control 'para3'" in p.message
    assert validate([_overlay(tmp_path, "cn-test-extension.yaml", EXTENSION, "ok")]) == []


def test_id_must_match_the_file_name_and_be_unique(tmp_path: Path) -> None:
    d = _overlay(tmp_path, "other.yaml", EXTENSION)
    (p,) = validate([d])
    assert (p.file, p.path) == (str(d / "other.yaml"), "id")


def test_a_missing_or_empty_overlay_is_refused(tmp_path: Path) -> None:
    (p,) = validate([tmp_path / "nope"])
    assert "not a directory" in p.message and p.file == str(tmp_path / "nope")
    (tmp_path / "empty").mkdir()
    (p,) = validate([tmp_path / "empty"])
    assert "no *.yaml" in p.message


def test_overlays_from_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    a = _overlay(tmp_path, "cn-test-extension.yaml", EXTENSION, "a")
    b = _overlay(
        tmp_path,
        "cn-test-extension-2.yaml",
        EXTENSION.replace("id: cn-test-extension", "id: cn-test-extension-2"),
        "b",
    )
    monkeypatch.setenv(ENV, f"{a}{os.pathsep}{os.pathsep}{b}")
    assert from_env() == [a, b]
    book = load_rulebook()
    assert [o.path for o in book.overlays] == [str(a), str(b)]
    assert {"cn-test-extension", "cn-test-extension-2"} <= set(book.instruments)
    assert load_rulebook(overlays=[]).overlays == ()  # explicit: none


def test_an_edited_overlay_is_reloaded(tmp_path: Path) -> None:
    d = _overlay(tmp_path, "cn-test-extension.yaml", EXTENSION)
    v1 = load_rulebook(overlays=[d]).version
    os.utime(d / "cn-test-extension.yaml", ns=(1, 1))
    _overlay(tmp_path, "cn-test-extension.yaml", EXTENSION.replace("2026-11-08", "2026-11-09"))
    assert load_rulebook(overlays=[d]).version != v1


def test_an_overlay_may_ship_a_catalogue_table(tmp_path: Path) -> None:
    yaml = """id: cn-test-cat
title: {en: internal list}
issuer: [ACME]
kind: catalogue
regime: dual_use
status: in_force
verified_on: 2026-12-01
sources: [{url: "https://example.org/internal", tag: U}]
licence_catalogue:
  edition: internal
  file: cat.csv
  valid: {start: 2026-01-01}
  sources: [{url: "https://example.org/internal", tag: U}]
"""
    d = _overlay(tmp_path, "cn-test-cat.yaml", yaml)
    (d / "cat.csv").write_text(
        "direction,seq,control_code,hs,licence,section,category,tag,source_id,n9_index,note\n"
        "export,1,2B350.a,8419899090,两用物项和技术出口许可证,2B,,U,ACME,1,\n",
        encoding="utf-8",
    )
    book = load_rulebook(overlays=[d])
    assert "2B350.a" in {h.control_code for h in book.catalogue_lines("8419899090", DAY)}
