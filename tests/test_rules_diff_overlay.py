"""``lanthanide rules diff --overlay DIR``: what a user overlay changes in the
bundled rulebook, at the instrument, item and control level (docs/guide.md)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from lanthanide.cli import app
from lanthanide.rules.book import load_rulebook
from lanthanide.rules.compare import compare

from .test_cli_rulebook import EXTENSION

runner = CliRunner()
BUNDLED = Path(__file__).parents[1] / "src/lanthanide/rulebook/cn/cn-mofcom-gac-2025-57.yaml"


@pytest.fixture(autouse=True)
def _no_env_overlays(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LANTHANIDE_RULEBOOK_OVERLAYS", raising=False)
    monkeypatch.delenv("LANTHANIDE_RULEBOOK_PATH", raising=False)


@pytest.fixture
def overlay(tmp_path: Path) -> Path:
    """An added instrument (the hypothetical extension) and a replaced one:
    2025 No. 57 with one item title, its licence control's start and its
    effective date changed."""
    d = tmp_path / "ov"
    d.mkdir()
    (d / "cn-test-extension.yaml").write_text(EXTENSION, encoding="utf-8")
    text = BUNDLED.read_text(encoding="utf-8")
    for old, new in (
        ('title: {en: "Holmium oxide and its mixtures"}', 'title: {en: "Holmium oxide (overlay)"}'),
        (
            "applies_to: {items: all}\n    valid: {start: 2025-11-08}",
            "applies_to: {items: all}\n    valid: {start: 2025-12-01}",
        ),
        ("effective: 2025-11-08", "effective: 2025-12-01"),
    ):
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    (d / "cn-mofcom-gac-2025-57.yaml").write_text(text, encoding="utf-8")
    return d


def test_compare_reports_each_level(overlay: Path) -> None:
    data = compare(load_rulebook(overlays=[]), load_rulebook(overlays=[overlay]))
    insts = data["instruments"]
    assert [i["id"] for i in insts["added"]] == ["cn-test-extension"]
    assert insts["removed"] == []
    (m,) = insts["modified"]
    assert m["id"] == "cn-mofcom-gac-2025-57" and m["fields"] == ["effective"]
    assert [(x["code"], x["fields"]) for x in m["items"]["modified"]] == [("1C909.b", ["title"])]
    assert m["items"]["added"] == m["items"]["removed"] == []
    assert [(x["id"], x["fields"]) for x in m["controls"]["modified"]] == [("licence", ["valid"])]
    assert data["counts"]["instruments"] == {"added": 1, "removed": 0, "modified": 1}
    assert data["counts"]["items"]["modified"] == 1
    assert data["counts"]["controls"]["modified"] == 1
    assert data["from"]["overlays"] == [] and data["to"]["overlays"][0]["path"].endswith("ov")
    assert data["from"]["version"] != data["to"]["version"]


def test_no_overlay_change_is_an_empty_diff() -> None:
    book = load_rulebook(overlays=[])
    data = compare(book, book)
    assert data["instruments"] == {"added": [], "removed": [], "modified": []}


def test_cli_json_and_table(overlay: Path) -> None:
    r = runner.invoke(app, ["rules", "diff", "--overlay", str(overlay), "--format", "json"])
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["counts"]["instruments"]["added"] == 1
    r = runner.invoke(app, ["rules", "diff", "--overlay", str(overlay)])
    assert r.exit_code == 0, r.output
    assert "added     instrument cn-test-extension" in r.stdout
    assert "modified  item    1C909.b (title)" in r.stdout
    assert "modified  control licence (valid)" in r.stdout


def test_cli_refuses_bad_combinations(overlay: Path, tmp_path: Path) -> None:
    r = runner.invoke(app, ["rules", "diff", "2020", "2023", "--overlay", str(overlay)])
    assert r.exit_code == 2 and "--overlay" in r.output
    r = runner.invoke(app, ["rules", "diff", "--overlay", str(tmp_path / "missing")])
    assert r.exit_code == 2 and "not a directory" in r.output
    r = runner.invoke(app, ["rules", "diff"])
    assert r.exit_code == 2 and "A/B" in r.output
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "x.yaml").write_text("id: Not An Id\n", encoding="utf-8")
    r = runner.invoke(app, ["rules", "diff", "--overlay", str(broken)])
    assert r.exit_code == 2 and "--overlay" in r.output
