"""``POST /api/v1/check``: the same JSON as ``lanthanide check --format json``."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from lanthanide.api.deps import Client
from lanthanide.api.errors import loc, problem
from lanthanide.decide.model import CaseError
from lanthanide.rules.model import EndUse, Kind

router = APIRouter()

MAX_TEXT = 4000
"""The longest free text accepted (characters): a description, not a document."""


class CheckRequest(BaseModel):
    """Same fields as ``lanthanide check`` (``to`` and ``destination`` are
    the same field)."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    item: str | None = Field(
        None,
        max_length=60,
        description="Catalogue number or control code",
        examples=["1C902.a"],
    )
    hs: str | None = Field(
        None, max_length=20, description="Tariff line, 6-10 digits", examples=["2853909026"]
    )
    text: str | None = Field(
        None, max_length=MAX_TEXT, description="Free text matched against items"
    )
    kind: Kind | None = None
    destination: str | None = Field(
        None, alias="to", max_length=10, description="ISO 3166-1 alpha-2"
    )
    on: date | None = Field(None, description="Export date (default today)")
    end_use: EndUse | None = None
    end_user: str | None = Field(
        None, max_length=500, description="End user's name, screened against China's party lists"
    )
    consignee: str | None = Field(
        None, max_length=500, description="Consignee's name (when not the end user), screened too"
    )
    params: dict[str, float | str] = Field(
        default_factory=dict, max_length=50, examples=[{"purity": "99.995%"}]
    )
    trace: bool = True


@router.post("/api/v1/check")
def check(req: CheckRequest, ln: Client) -> Any:
    """Decide one case; the same JSON as ``lanthanide check --format json``."""
    try:
        d = ln.check(
            item=req.item,
            hs=req.hs,
            text=req.text,
            kind=req.kind,
            destination=req.destination,
            on=req.on,
            end_use=req.end_use,
            end_user=req.end_user,
            consignee=req.consignee,
            params=req.params,
        )
    except CaseError as exc:
        return problem(422, loc("body", exc.field, int_indices=False), exc.message)
    return ln.determination_json(d, trace=req.trace)
