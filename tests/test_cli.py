"""The command line: exit codes, messages naming the flag, formats."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
import typer.main
from typer.testing import CliRunner

from lanthanide.cli import COMMANDS, app
from lanthanide.cli.common import summary

runner = CliRunner()


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["check", "--hs", "28"], "--hs"),
        (["check", "--hs", "2850001901", "--to", "ZZ"], "--to"),
        (["check", "--hs", "2850001901", "--to", "CN"], "--to"),
        (["check", "--hs", "2850001901", "--on", "01/02/2024"], "--on"),
        (["check", "--hs", "2850001901", "--param", "purity"], "--param"),
        (["check", "--hs", "2850001901", "--param", "colour=red"], "--param colour"),
        (["check"], "--item/--hs/--text"),
        (["check", "--item", "  ", "--to", "US"], "blank"),
        (["check", "--text", "\u3000", "--to", "US", "--end-use", "military"], "--text"),
        (["check", "--hs", " ", "--to", "US"], "--hs"),
        (["check", "--item", "1C902", "--param", "purity=-5"], "--param purity"),
        (["check", "--item", "1C902", "--param", "purity=200%"], "--param purity"),
        (["check", "--item", "1C902", "--param", "purity=1e400"], "--param purity"),
        (["check", "--item", "1C902", "--end-user", "x" * 501], "--end-user"),
        (["check", "--hs", "2850001901", "--kind", "gizmo"], "--kind"),
        (["check", "--hs", "2850001901", "--end-use", "peaceful"], "--end-use"),
        (["rules", "show", "nope"], "IDENT"),
        (["rules", "diff", "1999", "2000"], "A/B"),
        (["rules", "list", "--regime", "nope"], "--regime"),
    ],
)
def test_bad_input_exits_2_naming_the_flag(args: list[str], fragment: str) -> None:
    result = runner.invoke(app, args)
    assert result.exit_code == 2, result.output
    assert fragment in result.output


def test_check_json_and_table() -> None:
    args = ["check", "--hs", "2850001901", "--to", "KR", "--on", "2024-02-01"]
    j = runner.invoke(app, [*args, "--format", "json"])
    assert j.exit_code == 0
    data = json.loads(j.stdout)
    assert data["verdict"] == "licence_required"
    assert data["rulebook_version"]
    t = runner.invoke(app, args)
    assert t.exit_code == 0
    assert "licence_required" in t.stdout


def test_rules_validate_reports_problems(tmp_path: object) -> None:
    from pathlib import Path

    root = Path(str(tmp_path)) / "bad"
    root.mkdir()
    (root / "x.yaml").write_text("id: x\nkind: poem\n")
    r = runner.invoke(app, ["rules", "validate", str(root)])
    assert r.exit_code == 1
    assert "x.yaml: kind" in r.output


def test_installed_entry_point_exit_code() -> None:
    """The real console script (not the in-process runner) exits 2 on bad input."""
    proc = subprocess.run(
        [sys.executable, "-m", "lanthanide.cli", "check", "--hs", "1"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 2
    assert "--hs" in proc.stderr


def test_rules_list_on_a_day_shows_that_days_status() -> None:
    """Instruments in force that day, suspended ones listed and marked, with
    the day's status rather than today's."""
    result = runner.invoke(app, ["rules", "list", "--on", "2025-12-05", "--format", "json"])
    assert result.exit_code == 0, result.output
    status = {r["id"]: r["status"] for r in json.loads(result.stdout)}
    assert status["cn-mofcom-gac-2025-70"] == "in_force"  # a suspension, expired today
    assert "suspended" in set(status.values())
    assert status["cn-mofcom-miit-gac-sca-2024-51"] == "in_force"
    result = runner.invoke(app, ["rules", "list", "--on", "2024-12-05", "--format", "json"])
    ids = {r["id"] for r in json.loads(result.stdout)}
    assert "cn-mofcom-miit-gac-sca-2024-51" in ids and "cn-mofcom-gac-2025-70" not in ids
    result = runner.invoke(app, ["rules", "list", "--on", "2024-11-30", "--format", "json"])
    assert "cn-mofcom-miit-gac-sca-2024-51" not in {r["id"] for r in json.loads(result.stdout)}


def test_help_imports_no_command() -> None:
    """``lanthanide --help`` lists every command from the table of summaries:
    no command module, no Rich, no pydantic, no rulebook is imported."""
    code = (
        "import sys\n"
        "from lanthanide.cli import main\n"
        "sys.argv = ['lanthanide', '--help']\n"
        "try:\n    main()\nexcept SystemExit as e:\n    assert e.code in (0, None), e.code\n"
        "print(' '.join(sys.modules), file=sys.stderr)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded = set(proc.stderr.split())
    heavy = {"rich", "pydantic", "yaml", "numpy", "lanthanide.vocab", "lanthanide.rules"}
    heavy |= {spec.module for spec in COMMANDS.values()}
    assert not heavy & loaded, sorted(heavy & loaded)
    for name, spec in COMMANDS.items():
        assert name in proc.stdout and spec.summary.split()[0] in proc.stdout, name


def test_the_lazy_summaries_are_the_commands_own() -> None:
    """Each summary the top-level help shows is the first paragraph of that
    command's help text, so the two cannot drift apart."""
    group = typer.main.get_command(app)
    assert list(group.commands) == list(COMMANDS)  # type: ignore[attr-defined]
    for name, spec in COMMANDS.items():
        cmd = group.commands[name]  # type: ignore[attr-defined]
        assert summary(cmd.help or "") == spec.summary, name
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    flat = " ".join(result.output.split())
    for spec in COMMANDS.values():
        assert spec.summary in flat


def test_a_mistyped_command_exits_2_with_a_suggestion() -> None:
    result = runner.invoke(app, ["chek", "--hs", "2850001901"])
    assert result.exit_code == 2
    assert "No such command 'chek'" in result.output and "'check'" in result.output
