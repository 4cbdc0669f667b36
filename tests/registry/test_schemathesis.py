"""Schemathesis: cases generated from the OpenAPI description of the registry
routes, sent to the real server as an exporter and as an officer, never get a
5xx. Bounded (few examples per operation) for 2-core CI."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lanthanide.registry.db import Database

from .conftest import HOLDER, _scenario_db

EXAMPLES = 6


@pytest.fixture()
def seeded(registry_server: str, sqlite_db: Database) -> Iterator[dict[str, str]]:
    HOLDER.db = sqlite_db
    yield _scenario_db(sqlite_db)
    HOLDER.db = None


def test_no_server_errors(registry_server: str, seeded: dict[str, str]) -> None:
    schema = schemathesis.openapi.from_url(f"{registry_server}/openapi.json")
    operations = [
        r.ok()
        for r in schema.get_all_operations()
        if r.ok().path.startswith(("/api/v1/licence", "/api/v1/reports", "/api/v1/audit"))
    ]
    assert len(operations) >= 19
    failures: list[str] = []
    seen: dict[int, int] = {}
    for op in operations:

        @given(case=op.as_strategy(), role=st.sampled_from(["exporter_a", "officer"]))
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def run(case: schemathesis.Case, role: str) -> None:
            r = case.call(
                base_url=registry_server, headers={"Authorization": f"Bearer {seeded[role]}"}
            )
            if r.status_code >= 500:
                failures.append(f"{case.method} {case.path} -> {r.status_code}: {r.text[:200]}")
            seen[r.status_code] = seen.get(r.status_code, 0) + 1

        run()
    assert not failures, failures
    assert sum(seen.values()) >= len(operations) and any(c < 300 for c in seen), seen
