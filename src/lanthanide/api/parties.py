"""``GET /api/v1/parties/search``: the same JSON as
``lanthanide parties screen NAME --format json``."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query

from lanthanide._client import MAX_PARTY_NAME
from lanthanide.api.deps import Client
from lanthanide.api.errors import problem
from lanthanide.api.fields import IsoDate, domain_422
from lanthanide.decide.model import CaseError

router = APIRouter()

_FIELDS = {"name": "q"}
"""The query parameter of each field the client names."""


@router.get(
    "/api/v1/parties/search",
    responses=domain_422("a blank name or one with control characters, an unknown country"),
)
def search(
    ln: Client,
    q: str = Query(
        ...,
        max_length=MAX_PARTY_NAME,
        description="A party name (Chinese or English, aliases and variants)",
    ),
    on: IsoDate | None = Query(
        None, description="Date of the screening, YYYY-MM-DD (default today)"
    ),
    country: str | None = Query(None, description="The party's country, ISO 3166-1 alpha-2"),
) -> Any:
    """Matches of a name on China's party lists (control, watch, unreliable
    entity, countermeasure) with confidence, explanation, status and effects
    on the date, and the lists checked."""
    try:
        return ln.screen_party(q, on=on, country=country)
    except CaseError as exc:
        return problem(422, ["query", _FIELDS.get(exc.field, exc.field)], exc.message)
