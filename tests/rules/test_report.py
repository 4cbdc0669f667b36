"""Coverage and diff report the declared figures beside what is encoded."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from lanthanide.cli import app
from lanthanide.rules import report
from lanthanide.rules.book import Rulebook

runner = CliRunner()


def test_coverage_json_lists_declared_and_encoded() -> None:
    r = runner.invoke(app, ["rules", "coverage", "--format", "json"])
    assert r.exit_code == 0
    cats = {c["version"]: c for c in json.loads(r.stdout)["catalogues"]}
    assert cats["2020"]["declared_total"] == 164
    assert (
        cats["2023"]["declared_total"],
        cats["2023"]["declared_prohibited"],
        cats["2023"]["declared_restricted"],
    ) == (134, 24, 110)
    for c in cats.values():
        assert c["encoded"] >= 1
        if c["declared_total"]:
            assert c["encoded"] <= c["declared_total"]
            assert c["coverage"] == round(c["encoded"] / c["declared_total"], 4)


def test_diff_2023_2025_matches_the_adjustment(book: Rulebook) -> None:
    d = report.diff(book, "2023", "2025")
    assert [i["title"] for i in d["added"]] == ["电池正极材料制备技术"]
    assert {i["title"] for i in d["removed"]} == {"中国传统建筑技术", "建筑环境控制技术"}
    assert [i["title"] for i in d["modified"]] == ["有色金属冶金技术"]
    assert (d["declared"]["added"], d["declared"]["deleted"], d["declared"]["modified"]) == (
        1,
        3,
        1,
    )


def test_diff_2020_2023_reports_declared_changes_and_unknowns(book: Rulebook) -> None:
    r = runner.invoke(app, ["rules", "diff", "2020", "2023", "--format", "json"])
    assert r.exit_code == 0
    d = json.loads(r.stdout)
    assert (d["declared"]["added"], d["declared"]["deleted"], d["declared"]["modified"]) == (
        4,
        34,
        37,
    )
    # base items the re-issue does not list are unknown, not removed
    assert d["counts"]["removed"] == 0
    assert "053302J" in {i["code"] for i in d["unknown"]}


def test_diff_of_any_two_instruments(book: Rulebook) -> None:
    d = report.diff(book, "cn-mofcom-gac-2023-23", "cn-mofcom-gac-2024-33")
    assert d["counts"]["added"] == len(book.instruments["cn-mofcom-gac-2024-33"].items)
