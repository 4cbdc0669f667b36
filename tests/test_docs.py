"""Every CLI command is documented with an example in the user guide."""

from __future__ import annotations

from pathlib import Path

import typer.main

from lanthanide.cli import app

GUIDE = (Path(__file__).parents[1] / "docs" / "guide.md").read_text(encoding="utf-8")


def commands() -> list[str]:
    group = typer.main.get_command(app)
    out = []
    for name, cmd in group.commands.items():  # type: ignore[attr-defined]
        subs = getattr(cmd, "commands", None)
        if subs:
            out += [f"{name} {sub}" for sub in subs]
        else:
            out.append(name)
    return out


def test_every_command_has_an_example_in_the_guide() -> None:
    missing = [c for c in commands() if f"lanthanide {c}" not in GUIDE]
    assert not missing, f"undocumented commands: {missing}"


def test_every_command_has_help_with_an_example() -> None:
    group = typer.main.get_command(app)
    for name, cmd in group.commands.items():  # type: ignore[attr-defined]
        subs = getattr(cmd, "commands", None) or {name: cmd}
        for sub in subs.values():
            assert sub.help, f"{name} {sub.name} has no help"
