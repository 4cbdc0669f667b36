"""Every CLI command is documented with an example in the user guide or an area guide."""

from __future__ import annotations

from pathlib import Path

import typer.main

from lanthanide.cli import app

DOCS = Path(__file__).parents[1] / "docs"
# The user guide plus the area guides (registry.md, supply.md, screening.md, ...).
GUIDE = "\n".join(p.read_text(encoding="utf-8") for p in sorted(DOCS.glob("*.md")))


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
