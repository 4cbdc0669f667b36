"""The CLI over user rulebooks: ``--rulebook DIR``, ``rules validate DIR``,
``rules new``, ``rules import-catalogue`` and alternatives in the check table."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from lanthanide.cli import app
from tests.support import EXTENSION

runner = CliRunner()


@pytest.fixture(autouse=True)
def _no_env_overlays(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LANTHANIDE_RULEBOOK_OVERLAYS", raising=False)
    monkeypatch.delenv("LANTHANIDE_RULEBOOK_PATH", raising=False)


@pytest.fixture
def overlay(tmp_path: Path) -> Path:
    d = tmp_path / "ov"
    d.mkdir()
    (d / "cn-test-extension.yaml").write_text(EXTENSION, encoding="utf-8")
    return d


def _check(*extra: str) -> dict[str, object]:
    r = runner.invoke(
        app,
        [
            "check",
            "--item",
            "1C909.b",
            "--to",
            "DE",
            "--on",
            "2026-12-01",
            "--format",
            "json",
            *extra,
        ],
    )
    assert r.exit_code == 0, r.output
    data: dict[str, object] = json.loads(r.stdout)
    return data


def test_check_with_rulebook_overlay_changes_the_answer(overlay: Path) -> None:
    before = _check()
    after = _check("--rulebook", str(overlay))
    cited = {f["instrument"]["id"] for f in before["findings"]}  # type: ignore[attr-defined]
    assert "cn-mofcom-gac-2025-57" in cited
    cited_after = {f["instrument"]["id"] for f in after["findings"]}  # type: ignore[attr-defined]
    assert "cn-mofcom-gac-2025-57" not in cited_after
    assert before["rulebook_version"] != after["rulebook_version"]
    assert before["overlays"] == []
    (ov,) = after["overlays"]  # type: ignore[misc]
    assert ov["path"] == str(overlay) and ov["added"] == ["cn-test-extension"]


def test_check_table_footer_names_the_overlay(overlay: Path) -> None:
    r = runner.invoke(
        app,
        [
            "check",
            "--item",
            "1C909.b",
            "--to",
            "DE",
            "--on",
            "2026-12-01",
            "--rulebook",
            str(overlay),
        ],
    )
    assert r.exit_code == 0, r.output
    assert f"Overlays: {overlay}" in r.stdout


def test_rulebook_flag_must_be_a_directory(tmp_path: Path) -> None:
    r = runner.invoke(app, ["rules", "list", "--rulebook", str(tmp_path / "nope")])
    assert r.exit_code == 2
    assert "--rulebook" in r.stderr


def test_rules_list_and_show_with_overlay(overlay: Path) -> None:
    r = runner.invoke(app, ["rules", "list", "--format", "json", "--rulebook", str(overlay)])
    assert r.exit_code == 0, r.output
    assert "cn-test-extension" in {row["id"] for row in json.loads(r.stdout)}
    r = runner.invoke(app, ["rules", "list", "--format", "json"])
    assert "cn-test-extension" not in {row["id"] for row in json.loads(r.stdout)}
    r = runner.invoke(app, ["rules", "show", "cn-test-extension", "--rulebook", str(overlay)])
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["id"] == "cn-test-extension"
    r = runner.invoke(app, ["rules", "coverage", "--format", "json", "--rulebook", str(overlay)])
    assert r.exit_code == 0, r.output


def test_rules_validate_overlay_ok_and_broken(overlay: Path, tmp_path: Path) -> None:
    r = runner.invoke(app, ["rules", "validate", str(overlay)])
    assert r.exit_code == 0, r.output
    assert "valid" in r.stdout
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "cn-test-extension.yaml").write_text(
        EXTENSION.replace("regime: suspension", "regime: nonsense"), encoding="utf-8"
    )
    r = runner.invoke(app, ["rules", "validate", str(bad)])
    assert r.exit_code == 1
    assert "cn-test-extension.yaml" in r.stderr and "regime" in r.stderr
    r = runner.invoke(app, ["rules", "validate", str(tmp_path / "missing")])
    assert r.exit_code == 2 and "DIRECTORY" in r.stderr


def test_rules_new_writes_a_skeleton(tmp_path: Path) -> None:
    r = runner.invoke(
        app,
        ["rules", "new", "--id", "cn-user-2026-1", "--kind", "suspension", "--out", str(tmp_path)],
    )
    assert r.exit_code == 0, r.output
    text = (tmp_path / "cn-user-2026-1.yaml").read_text(encoding="utf-8")
    assert "id: cn-user-2026-1" in text and "#" in text
    r = runner.invoke(app, ["rules", "new", "--id", "cn-user-2026-1", "--kind", "bogus"])
    assert r.exit_code == 2 and "--kind" in r.stderr
    r = runner.invoke(app, ["rules", "new", "--id", "Bad Id", "--kind", "suspension"])
    assert r.exit_code == 2 and "--id" in r.stderr
    r = runner.invoke(
        app,
        ["rules", "new", "--id", "cn-user-2026-1", "--kind", "suspension", "--out", str(tmp_path)],
    )
    assert r.exit_code == 2 and "--out" in r.stderr  # not overwritten


def test_rules_import_catalogue(tmp_path: Path) -> None:
    csv = tmp_path / "items.csv"
    csv.write_text(
        "number,part,sector,title,control points\n"
        "999901X,X,有色金属冶炼和压延加工业,测试技术甲,控制要点一；控制要点二\n"
        "12345,X,有色金属冶炼和压延加工业,坏编号,\n"
        "999901X,X,有色金属冶炼和压延加工业,重复,\n",
        encoding="utf-8",
    )
    out = tmp_path / "ov"
    r = runner.invoke(
        app, ["rules", "import-catalogue", str(csv), "--version", "2023", "--out", str(out)]
    )
    assert r.exit_code == 0, r.output
    assert "1 item(s) imported, 2 row(s) skipped" in r.stdout
    assert "row 3.number" in r.stderr and "row 4.number" in r.stderr
    (written,) = out.glob("*.yaml")
    assert "999901X" in written.read_text(encoding="utf-8")
    r = runner.invoke(app, ["rules", "validate", str(out)])
    assert r.exit_code == 0, r.output
    r = runner.invoke(
        app, ["rules", "import-catalogue", str(csv), "--version", "1999", "--out", str(out)]
    )
    assert r.exit_code == 2 and "--version" in r.stderr


def test_check_table_shows_alternatives() -> None:
    # 2025 No. 57 on 2026-12-01: the suspension by No. 70 legally ended; MOFCOM
    # announced an extension without a legal text -> an alternative reading.
    r = runner.invoke(app, ["check", "--item", "1C909.b", "--to", "DE", "--on", "2026-12-01"])
    assert r.exit_code == 0, r.output
    data = _check()
    alts = data["alternatives"]
    assert alts, "the case should carry an alternative reading"
    assert "Alternatives" in r.stdout
    for a in alts:  # type: ignore[attr-defined]
        assert a["verdict"] in r.stdout


def test_rules_timeline_with_overlay(overlay: Path) -> None:
    args = ["rules", "timeline", "--item", "1C909.b", "--to", "DE", "--format", "json"]
    args += ["--from", "2026-11-01", "--until", "2027-02-01"]
    before = runner.invoke(app, args)
    after = runner.invoke(app, [*args, "--rulebook", str(overlay)])
    assert before.exit_code == 0, before.output
    assert after.exit_code == 0, after.output
    assert json.loads(before.stdout) != json.loads(after.stdout)
