"""docs/python-api.md: every example on the page runs and shows what it claims."""

from __future__ import annotations

import doctest
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]
PAGE = ROOT / "docs" / "python-api.md"


def test_python_api_page_examples_pass(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)  # the page names examples/ relative to the checkout
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # its files go to tmp_path
    result = doctest.testfile(
        str(PAGE),
        module_relative=False,
        optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE,
        report=True,
    )
    assert result.attempted > 20, "the page has lost its examples"
    assert result.failed == 0, f"{result.failed} example(s) of {PAGE.name} failed (see above)"


def test_every_public_name_is_on_the_page() -> None:
    import lanthanide

    text = PAGE.read_text(encoding="utf-8")
    missing = [n for n in lanthanide.__all__ if n != "__version__" and n not in text]
    assert not missing, missing
