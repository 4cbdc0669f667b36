"""``GET /api/v1/classify``: the same JSON as ``lanthanide classify --format json``."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Query

from lanthanide._client import MAX_TOP, classification_json
from lanthanide.api.deps import Client
from lanthanide.api.fields import IsoDate

router = APIRouter()


MAX_QUERY = 1000
"""The longest classification query (characters); longer text costs seconds of CPU."""


@router.get("/api/v1/classify")
def classify(
    ln: Client,
    q: str = Query(
        ...,
        min_length=1,
        max_length=MAX_QUERY,
        description="Chinese or English text, a code or a tariff line",
    ),
    kind: Literal["goods", "technology"] | None = Query(None, description="goods or technology"),
    top: int = Query(5, ge=1, le=MAX_TOP, description="How many results"),
    on: IsoDate | None = Query(
        None,
        description="Rank on this date (YYYY-MM-DD): an item not in force then ranks below "
        "one in force, and says so",
    ),
) -> Any:
    """Ranked catalogue items, control codes and HS headings for a text, with
    matched terms, confidence and the parameters found in the text
    (``lanthanide classify --on``)."""
    return classification_json(ln.classify(q, kind=kind, top=top, on=on), ln.rulebook.version)
