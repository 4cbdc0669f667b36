"""Shared fixtures: the bundled rulebook, a small synthetic rulebook for
mechanics tests, and a real HTTP server."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from lanthanide.rules.book import Rulebook, load_rulebook
from lanthanide.rules.loader import load_instruments

from .support import serving

SRC = [{"url": "https://example.org/source", "tag": "P", "ref": "T1"}]


def instrument(id: str, **fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "id": id,
        "number": f"测试公告{id}",
        "title": {"zh": f"测试{id}", "en": f"Test {id}"},
        "issuer": ["MOFCOM"],
        "kind": "announcement",
        "regime": "dual_use",
        "status": "in_force",
        "verified_on": "2024-06-30",
        "sources": SRC,
    }
    base.update(fields)
    return base


def write_book(root: Path, docs: list[dict[str, Any]]) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    for d in docs:
        (root / f"{d['id']}.yaml").write_text(
            yaml.safe_dump(d, allow_unicode=True, sort_keys=False), encoding="utf-8"
        )
    return root


def synthetic_docs() -> list[dict[str, Any]]:
    """A miniature regime exercising every mechanism of the engine."""
    return [
        instrument(
            "t-dual",
            items=[
                {
                    "code": "A-1",
                    "kind": "goods",
                    "title": {"zh": "高纯甲", "en": "High-purity alpha"},
                    "hs": [{"code": "1111111111"}],
                    "elements": ["Ga"],
                    "condition": {"param": "purity", "op": ">=", "value": 99.99, "unit": "%"},
                    "keywords": ["alpha"],
                    "sources": SRC,
                },
                {
                    "code": "B-1",
                    "kind": "goods",
                    "title": {"zh": "乙", "en": "Beta"},
                    "hs": [{"code": "1111112222"}],
                    "elements": ["Dy"],
                    "stage": "separation",
                    "sources": SRC,
                },
                {
                    "code": "T-1",
                    "kind": "technology",
                    "title": {"en": "Beta refining technology"},
                    "keywords": ["beta refining"],
                    "sources": SRC,
                },
            ],
            controls=[
                {
                    "id": "licence",
                    "effect": "licence_required",
                    "applies_to": {"items": "all"},
                    "valid": {"start": "2020-01-01"},
                    "reason": {"en": "licence"},
                    "sources": SRC,
                }
            ],
        ),
        instrument(
            "t-us",
            controls=[
                {
                    "id": "para1",
                    "effect": "prohibited",
                    "applies_to": {"regimes": ["dual_use"]},
                    "destinations": {"mode": "only", "countries": ["US"]},
                    "end_uses": ["military"],
                    "valid": {"start": "2021-01-01"},
                    "reason": {"en": "military ban"},
                    "sources": SRC,
                },
                {
                    "id": "para2",
                    "effect": "denial_presumed",
                    "applies_to": {"refs": ["t-dual:*"]},
                    "destinations": {"mode": "only", "countries": ["US"]},
                    "valid": {"start": "2021-01-01"},
                    "reason": {"en": "denial"},
                    "sources": SRC,
                },
            ],
        ),
        instrument(
            "t-sus",
            regime="suspension",
            suspends=[
                {
                    "instrument": "t-us",
                    "controls": ["para2"],
                    "period": {"start": "2022-01-01", "end": "2023-01-01"},
                    "sources": SRC,
                }
            ],
        ),
        instrument(
            "t-report",
            regime="reporting",
            controls=[
                {
                    "id": "report",
                    "effect": "report_required",
                    "applies_to": {"hs_prefixes": ["111111"]},
                    "valid": {"start": "2020-06-01", "end": "2021-06-01", "end_uncertain": True},
                    "reason": {"en": "report"},
                    "sources": SRC,
                }
            ],
        ),
        instrument(
            "t-cat-1",
            regime="technology_catalogue",
            kind="catalogue",
            catalogue={
                "catalogue": "cn-tech-export-catalogue",
                "version": "v1",
                "basis": "full",
                "valid": {"start": "2019-01-01", "end": "2021-01-01"},
                "declared": {"total": 3, "prohibited": 1, "restricted": 2},
            },
            items=[
                {
                    "code": "000001J",
                    "kind": "technology",
                    "part": "J",
                    "title": {"zh": "甲技术", "en": "Gamma technology"},
                    "control_points": [{"zh": "钕铁硼制备技术", "en": "NdFeB preparation"}],
                    "sources": SRC,
                },
                {
                    "code": "000002X",
                    "kind": "technology",
                    "part": "X",
                    "title": {"en": "Delta technology"},
                    "sources": SRC,
                },
                {
                    "code": "000003X",
                    "kind": "technology",
                    "part": "X",
                    "title": {"en": "Epsilon technology"},
                    "sources": SRC,
                },
            ],
        ),
        instrument(
            "t-cat-2",
            regime="technology_catalogue",
            catalogue={
                "catalogue": "cn-tech-export-catalogue",
                "version": "v2",
                "base": "t-cat-1",
                "basis": "adjustment",
                "valid": {"start": "2021-01-01"},
                "declared": {"total": 2, "deleted": 1},
                "deleted": [
                    {
                        "code": "000003X",
                        "title": {"en": "Epsilon technology"},
                        "part": "X",
                        "sources": SRC,
                    }
                ],
            },
        ),
        instrument(
            "t-tier",
            regime="framework",
            kind="regulation",
            controls=[
                {
                    "id": "registration",
                    "effect": "registration_required",
                    "applies_to": {"anything": True, "residual": True, "kinds": ["technology"]},
                    "valid": {"start": "2002-01-01"},
                    "reason": {"en": "register"},
                    "sources": SRC,
                }
            ],
            duties=[
                {
                    "id": "catch-all",
                    "text": {"en": "catch-all duty"},
                    "valid": {"start": "2020-12-01"},
                    "sources": SRC,
                }
            ],
        ),
        instrument(
            "t-exempt",
            controls=[
                {
                    "id": "exempt-de",
                    "effect": "exempt",
                    "applies_to": {"refs": ["t-dual:B-1"]},
                    "destinations": {"mode": "only", "countries": ["DE"]},
                    "valid": {"start": "2020-01-01"},
                    "reason": {"en": "exempt"},
                    "sources": SRC,
                }
            ],
        ),
    ]


@pytest.fixture(scope="session")
def book() -> Rulebook:
    return load_rulebook()


@pytest.fixture()
def mini(tmp_path: Path) -> Rulebook:
    root = write_book(tmp_path / "book", synthetic_docs())
    return Rulebook(load_instruments(root))


@pytest.fixture(scope="session")
def server() -> Iterator[str]:
    """A real uvicorn server on a free loopback port, for the API tests."""
    from lanthanide.api.app import create_app

    with serving(create_app()) as url:
        yield url
