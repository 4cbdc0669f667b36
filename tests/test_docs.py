"""Every CLI command is documented with an example in the user guide or an
area guide, and has help text that ``--help`` shows."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import typer.main
from typer.testing import CliRunner

from lanthanide.cli import app

DOCS = Path(__file__).parents[1] / "docs"
# The user guide plus the area guides (registry.md, supply.md, screening.md, ...).
GUIDE = "\n".join(p.read_text(encoding="utf-8") for p in sorted(DOCS.glob("*.md")))

runner = CliRunner()


# Typer builds its commands on its own copy of Click (``typer._click`` in
# recent versions), so commands and options are recognised by what they have,
# not by ``isinstance`` against ``click``.
def subcommands(cmd: Any) -> dict[str, Any]:
    return dict(getattr(cmd, "commands", None) or {})


def options(cmd: Any) -> list[Any]:
    return [p for p in cmd.params if getattr(p, "param_type_name", "") == "option"]


def walk(cmd: Any = None, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Any]]:
    """Every command and group below ``cmd`` (default: ``lanthanide``), with
    its path of names; groups before their commands, at any depth."""
    cmd = cmd or typer.main.get_command(app)
    yield path, cmd
    for name, sub in sorted(subcommands(cmd).items()):
        if not sub.hidden:
            yield from walk(sub, (*path, name))


def commands() -> list[str]:
    """The leaf commands, as typed after ``lanthanide``."""
    return [" ".join(p) for p, c in walk() if p and not subcommands(c)]


def _flat(text: str) -> str:
    """Help output without Rich's panel borders, whitespace runs as one space."""
    return " ".join(re.sub(r"[│╭╮╰╯─┃━┏┓┗┛]", " ", text).split())


def test_every_command_has_an_example_in_the_guide() -> None:
    missing = [c for c in commands() if f"lanthanide {c}" not in GUIDE]
    assert not missing, f"undocumented commands: {missing}"


def test_every_command_has_help() -> None:
    no_help = [" ".join(("lanthanide", *p)) for p, c in walk() if not (c.help or "").strip()]
    assert not no_help, f"no help text: {no_help}"


def test_help_lists_every_command_and_shows_its_text() -> None:
    """``lanthanide --help`` and each group's ``--help`` list every command
    below it; each command's ``--help`` exits 0 and shows its summary."""
    problems = []
    for path, cmd in walk():
        result = runner.invoke(app, [*path, "--help"])
        shown = _flat(result.output)
        name = " ".join(("lanthanide", *path))
        if result.exit_code != 0:
            problems.append(f"{name} --help exited {result.exit_code}")
            continue
        summary = _flat((cmd.help or "").split("\n\n")[0])
        if summary and summary[:60] not in shown:
            problems.append(f"{name} --help does not show {summary[:60]!r}")
        for sub, c in subcommands(cmd).items():
            if not c.hidden and not re.search(rf"(^|\s){re.escape(sub)}(\s|$)", shown):
                problems.append(f"{name} --help does not list {sub}")
    assert not problems, problems


def test_the_walk_sees_the_whole_cli() -> None:
    """Nested groups are walked (``rules``, ``admin``, ``supply`` …), so the
    checks above cannot pass on a truncated list."""
    names = commands()
    assert {"check", "rules list", "audit verify"} <= set(names), names
    assert not {"rules", "audit"} & set(names), "groups are not commands"
    assert len(names) >= 15
    check = typer.main.get_command(app).commands["check"]  # type: ignore[attr-defined]
    assert "--hs" in {o for p in options(check) for o in p.opts}
