"""The ``lanthanide`` commands in docs/supply.md run and print what their
``# →`` claims say (the convention and the runner of tests/test_examples.py,
which covers README.md and docs/guide.md)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.test_examples import Command, _flat, invoke, parse, read_claim, sandbox

ROOT = Path(__file__).parents[2]
DOC = "docs/supply.md"
COMMANDS = [
    c
    for c in parse(DOC, (ROOT / DOC).read_text(encoding="utf-8"))
    if c.kind == "lanthanide" and c.name != "serve"
]

__all__ = ["sandbox"]  # the fixture, re-used


def test_the_guide_has_claimed_examples() -> None:
    assert len(COMMANDS) >= 5
    assert sum(c.claim is not None for c in COMMANDS) >= 3


@pytest.mark.parametrize("cmd", COMMANDS, ids=[c.id for c in COMMANDS])
def test_supply_guide_command_does_what_it_claims(cmd: Command, sandbox: dict[str, str]) -> None:
    claim = read_claim(cmd)
    result = invoke(cmd, cmd.args, sandbox)
    out = _flat(result.stdout)
    missing = [s for s in claim.literals if _flat(s) not in out]
    assert not missing, f"{cmd.id}: claimed {missing} not in the output of `{cmd.text}`"
