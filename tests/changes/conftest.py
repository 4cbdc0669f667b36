"""Shared fixtures of the change tests: the bundled rulebook and an overlay."""

from __future__ import annotations

from pathlib import Path

import pytest

from lanthanide.rules import Rulebook, load_rulebook

# A hypothetical announcement extending the 2025 No. 70 suspension of No. 57
# (the example of docs/rulebook.md).
EXTENSION = """id: cn-test-extension
number: 商务部 海关总署公告2026年第99号
number_tag: U
title: {en: "Hypothetical: extension of the No. 70 suspension to 2027-01-10"}
issuer: [MOFCOM, GAC]
kind: announcement
regime: suspension
published: 2026-11-08
effective: 2026-11-11
status: in_force
verified_on: 2026-12-01
sources: [{url: "https://example.org/extension", tag: U}]
suspends:
  - instrument: cn-mofcom-gac-2025-57
    period: {start: 2026-11-11, end_inclusive: 2027-01-10, tag: U}
    sources: [{url: "https://example.org/extension", tag: U}]
"""


@pytest.fixture(scope="session")
def book() -> Rulebook:
    return load_rulebook(overlays=[])


@pytest.fixture
def overlay_dir(tmp_path: Path) -> Path:
    d = tmp_path / "ov"
    d.mkdir()
    (d / "cn-test-extension.yaml").write_text(EXTENSION, encoding="utf-8")
    return d
