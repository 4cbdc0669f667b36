"""Supply-chain endpoints: ``/api/v1/supply/...`` and ``POST /api/v1/scenarios/run``."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Body, Query
from fastapi.responses import JSONResponse

router = APIRouter()


def _err(status: int, loc: list[str], msg: str) -> JSONResponse:
    return JSONResponse(status_code=status,
                        content={"detail": [{"loc": loc, "msg": msg, "type": "value_error"}]})


@router.get("/api/v1/supply/shares")
def shares(
    commodity: str = Query(..., examples=["rare_earth"]),
    stage: str = Query(..., examples=["mining"]),
    year: int = Query(..., examples=[2024]),
    edition: str | None = None,
) -> Any:
    """Same JSON as ``lanthanide supply shares --format json``."""
    from lanthanide.supply.queries import QueryError
    from lanthanide.supply.queries import shares as q

    try:
        return q(commodity, stage, year, edition)
    except QueryError as exc:
        return _err(422, ["query", exc.field], exc.message)


@router.get("/api/v1/supply/exposure")
def exposure(
    country: str = Query(..., examples=["JP"]),
    commodity: str = Query(..., examples=["rare_earth"]),
    year: int | None = None,
) -> Any:
    """Same JSON as ``lanthanide supply exposure --format json``."""
    from lanthanide.supply.queries import QueryError
    from lanthanide.supply.queries import exposure as q

    try:
        return q(country.upper(), commodity, year)
    except QueryError as exc:
        return _err(422, ["query", exc.field], exc.message)


@router.get("/api/v1/supply/replays")
def replays() -> Any:
    from lanthanide.supply.replay import replays as r

    return r()


@router.post("/api/v1/scenarios/run")
def run(scenario: dict[str, Any] = Body(..., description="A scenario (docs/supply.md)")) -> Any:
    """Same JSON as ``lanthanide scenario run FILE --format json``."""
    from lanthanide.supply import engine
    from lanthanide.supply.controls import ControlError
    from lanthanide.supply.scenario import ScenarioError, parse

    try:
        return engine.run(parse(scenario))
    except ScenarioError as exc:
        return JSONResponse(status_code=422, content={"detail": [
            {"loc": ["body", *p.replace("[", ".").replace("]", "").split(".")], "msg": m,
             "type": "value_error"} for p, m in exc.problems]})
    except ControlError as exc:
        return _err(422, ["body", *exc.path.replace("[", ".").replace("]", "").split(".")],
                    exc.message)
