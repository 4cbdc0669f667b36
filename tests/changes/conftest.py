"""Shared fixtures of the change tests: the bundled rulebook and an overlay."""

from __future__ import annotations

from pathlib import Path

import pytest

from lanthanide.rules import Rulebook, load_rulebook
from tests.support import EXTENSION


@pytest.fixture(scope="session")
def book() -> Rulebook:
    return load_rulebook(overlays=[])


@pytest.fixture
def overlay_dir(tmp_path: Path) -> Path:
    d = tmp_path / "ov"
    d.mkdir()
    (d / "cn-test-extension.yaml").write_text(EXTENSION, encoding="utf-8")
    return d
