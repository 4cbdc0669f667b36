"""Supply-chain endpoints: ``/api/v1/supply/...`` and ``POST /api/v1/scenarios/run``."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Body, Query

from lanthanide.api.deps import Client
from lanthanide.api.errors import detail, loc, problem, problems
from lanthanide.api.fields import domain_422

router = APIRouter()


@router.get(
    "/api/v1/supply/shares",
    responses=domain_422("an unknown commodity, stage or edition, or a year without figures"),
)
def shares(
    ln: Client,
    commodity: str = Query(..., examples=["rare_earth"]),
    stage: str = Query(..., examples=["mining"]),
    year: int = Query(..., examples=[2024]),
    edition: str | None = Query(None, min_length=1, max_length=40),
) -> Any:
    """Same JSON as ``lanthanide supply shares --format json``."""
    from lanthanide.supply.queries import QueryError

    try:
        return ln.shares(commodity, stage, year, edition)
    except QueryError as exc:
        return problem(422, ["query", exc.field], exc.message)


@router.get(
    "/api/v1/supply/exposure",
    responses=domain_422(
        "an unknown country or commodity, a commodity without a network, a year without figures"
    ),
)
def exposure(
    ln: Client,
    country: str = Query(..., examples=["JP"]),
    commodity: str = Query(..., examples=["rare_earth"]),
    year: int | None = Query(None, ge=1900, le=2100),
) -> Any:
    """Same JSON as ``lanthanide supply exposure --format json``."""
    from lanthanide.supply.queries import QueryError

    try:
        return ln.exposure(country, commodity, year)
    except QueryError as exc:
        return problem(422, ["query", exc.field], exc.message)


@router.get("/api/v1/supply/replays")
def replays(ln: Client) -> Any:
    return ln.replays()


@router.post(
    "/api/v1/scenarios/run",
    responses=domain_422("a scenario that breaks the rules of docs/supply.md (each problem named)"),
)
def run(
    ln: Client, scenario: dict[str, Any] = Body(..., description="A scenario (docs/supply.md)")
) -> Any:
    """Same JSON as ``lanthanide scenario run FILE --format json``."""
    from lanthanide.supply.controls import ControlError
    from lanthanide.supply.scenario import ScenarioError

    try:
        return ln.scenario(scenario)
    except ScenarioError as exc:
        return problems(
            422, [detail(loc("body", p, int_indices=False), m) for p, m in exc.problems]
        )
    except ControlError as exc:
        return problem(422, loc("body", exc.path, int_indices=False), exc.message)
