"""The examples of docs/changes.md run and print what they show."""

from __future__ import annotations

import doctest
import os
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]


def test_docs_changes_examples(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    monkeypatch.delenv("LANTHANIDE_RULEBOOK_OVERLAYS", raising=False)
    result = doctest.testfile(
        str(ROOT / "docs/changes.md"),
        module_relative=False,
        optionflags=doctest.NORMALIZE_WHITESPACE,
        verbose=False,
        report=True,
    )
    assert result.attempted > 10
    assert result.failed == 0, f"{result.failed} example(s) of docs/changes.md failed"
    assert os.getcwd() == str(ROOT)
