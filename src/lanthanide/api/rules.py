"""``/api/v1/rules...``: the same JSON as ``lanthanide rules ... --format json``."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query

from lanthanide.api.deps import Client
from lanthanide.api.errors import problem
from lanthanide.api.fields import IsoDate, domain_422
from lanthanide.rules.model import Regime
from lanthanide.rules.report import UnknownVersionError

router = APIRouter()


@router.get("/api/v1/rules", responses=domain_422("`on` is not a date written YYYY-MM-DD"))
def rules(
    ln: Client,
    on: IsoDate | None = Query(
        None, description="Only instruments in force on this date (YYYY-MM-DD)"
    ),
    regime: Regime | None = None,
) -> Any:
    return ln.instruments(on=on, regime=regime)


@router.get("/api/v1/rules/coverage")
def coverage(ln: Client) -> Any:
    return ln.coverage()


_NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"description": "Unknown version or id"}}


@router.get("/api/v1/rules/diff", responses=_NOT_FOUND)
def diff(
    ln: Client,
    a: str = Query(..., description="Version or instrument id"),
    b: str = Query(..., description="Version or instrument id"),
) -> Any:
    try:
        return ln.diff(a, b)
    except UnknownVersionError as exc:
        return problem(404, ["query", "a/b"], str(exc), "not_found")


@router.get("/api/v1/rules/{ident}", responses=_NOT_FOUND)
def show(ident: str, ln: Client) -> Any:
    try:
        return ln.instrument(ident)
    except UnknownVersionError as exc:
        return problem(404, ["path", "ident"], str(exc), "not_found")
