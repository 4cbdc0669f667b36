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


@pytest.fixture(scope="session")
def spark() -> str:
    """The Spark master for the impact tests that run Spark (``local[1]``):
    each batch run starts its own session. Named ``spark`` so the test gets
    the ``spark`` marker; skipped only when Java is missing."""
    import shutil

    if shutil.which("java") is None:
        pytest.skip("Spark tests need Java 17 or later on PATH (java not found)")
    return "local[1]"
