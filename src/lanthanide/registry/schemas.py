"""Typed inputs and outputs of the registry services (pydantic; also the
HTTP API's request and response bodies)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from lanthanide.registry.states import AppState, ShipmentState
from lanthanide.rules.model import EndUse, LicenceType

ProductType = Literal["ore", "oxide", "metal", "alloy", "compound", "other"]

Quantity = Annotated[
    Decimal, Field(gt=0, max_digits=15, decimal_places=3, description="Up to 3 decimals")
]
Money = Annotated[
    Decimal, Field(ge=0, max_digits=15, decimal_places=2, description="Up to 2 decimals")
]
Country = Annotated[
    str, Field(pattern=r"^[A-Z]{2}$", description="ISO 3166-1 alpha-2", examples=["JP"])
]
Currency = Annotated[str, Field(pattern=r"^[A-Z]{3}$", examples=["USD"])]
ClientKey = Annotated[str, Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9._:-]+$")]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class LineIn(_In):
    item: str = Field(
        min_length=1, max_length=60, description="Rulebook item code", examples=["1C902.a"]
    )
    quantity: Quantity
    unit: Literal["kg", "t", "g", "pcs", "set", "item"] = "kg"
    value: Money
    currency: Currency = "USD"
    hs: str | None = Field(None, pattern=r"^[0-9]{6,10}$")
    description: str | None = Field(None, max_length=2000)
    params: dict[str, float | str] = Field(default_factory=dict, examples=[{"purity": "99.99%"}])


class ApplicationIn(_In):
    licence_type: LicenceType
    destination: Country
    end_user: str = Field(min_length=1, max_length=500)
    consignee: str | None = Field(
        None,
        min_length=1,
        max_length=500,
        description="Optional; screened against China's party lists with the end user",
    )
    end_use: EndUse
    end_use_detail: str | None = Field(None, max_length=4000)
    lines: list[LineIn] = Field(min_length=1, max_length=100)


PauseKind = Literal["identification", "expert_consultation", "on_site_check"]


class ClockPauseIn(_In):
    kind: PauseKind = Field(
        description="What the time is needed for (国务院令第792号 Art. 17(3)): identification "
        "(组织鉴别), expert_consultation (征询专家意见), on_site_check (实地核查)"
    )
    start: date = Field(description="First day excluded")
    end: date | None = Field(None, description="Last day excluded (inclusive); empty: running")
    note: str | None = Field(None, max_length=2000)


class PauseEndIn(_In):
    end: date = Field(description="Last day excluded (inclusive)")


class ReevaluationIn(_In):
    on: date | None = Field(None, description="The date to re-evaluate for; default: today")


class GrantLine(_In):
    line: int = Field(ge=1, le=10_000, description="Application line number")
    quantity: Quantity
    value: Money


class DecisionIn(_In):
    decision: Literal["approve", "deny"]
    note: str | None = Field(None, max_length=4000)
    valid_from: date | None = Field(None, description="Default: the decision date")
    valid_until: date | None = Field(
        None, description="Inclusive; default: one year after valid_from"
    )
    lines: list[GrantLine] | None = Field(
        None, description="Authorised quantity and value per line (default: as applied for)"
    )


class ShipmentIn(_In):
    line: int = Field(ge=1, le=10_000, description="Licence line number")
    quantity: Quantity
    value: Money
    destination: Country
    shipment_date: date | None = Field(None, description="Default: today")
    reserve: bool = Field(False, description="Reserve the quantity now, confirm later")
    client_key: ClientKey | None = Field(None, description="Idempotency key")


class ReportIn(_In):
    client_key: ClientKey = Field(description="Idempotency key chosen by the exporter")
    product_type: ProductType
    hs: str = Field(pattern=r"^[0-9]{8,10}$", description="Tariff line", examples=["2846901500"])
    elements: list[str] = Field(min_length=1, max_length=17, examples=[["Dy"]])
    quantity_kg: Quantity
    value: Money
    currency: Currency
    contract_date: date
    origin: Country = "CN"
    destination: Country
    shipment_date: date
    customs_port: str = Field(min_length=1, max_length=100, examples=["Tianjin"])


class AmendIn(_In):
    reason: str = Field(min_length=1, max_length=2000)
    product_type: ProductType | None = None
    hs: str | None = Field(None, pattern=r"^[0-9]{8,10}$")
    elements: list[str] | None = Field(None, min_length=1, max_length=17)
    quantity_kg: Quantity | None = None
    value: Money | None = None
    currency: Currency | None = None
    contract_date: date | None = None
    origin: Country | None = None
    destination: Country | None = None
    shipment_date: date | None = None
    customs_port: str | None = Field(None, min_length=1, max_length=100)


# ----------------------------------------------------------------- outputs
class LineOut(BaseModel):
    line: int
    item: str
    instrument: str
    hs: str | None
    description: str | None
    quantity: float
    unit: str
    value: float
    currency: str
    params: dict[str, Any]


class ApplicationOut(BaseModel):
    id: int
    party_id: int
    party: str
    state: AppState
    licence_type: str
    destination: str
    end_user: str
    consignee: str | None = None
    end_use: str
    end_use_detail: str | None
    lines: list[LineOut]
    created_at: datetime
    submitted_at: datetime | None
    deadline: date | None = Field(
        description="The decision time limit after submission (45 working days, 国务院令第792号 "
        "Art. 17(1)), counted in Chinese working days: public holidays skipped, make-up "
        "working days counted"
    )
    working_days_left: int | None
    deadline_estimated: bool = Field(
        False,
        description="True when the deadline reaches beyond the years the working-day "
        "calendar holds (those days are counted Monday to Friday); see deadline_note",
    )
    deadline_note: str | None = None
    deadline_without_pauses: date | None = Field(
        None, description="The deadline before the clock pauses are taken out"
    )
    paused_working_days: int = Field(
        0, description="Working days excluded by the clock pauses (国务院令第792号 Art. 17(3))"
    )
    clock_pauses: list[ClockPauseOut] = Field(default_factory=list)
    verdict: str | None
    determination: list[dict[str, Any]] | None
    screening: dict[str, Any] | None = Field(
        None,
        description="The party screening made on submission: each party screened (end "
        "user, consignee) with its matches (listed entry, list, notice number, confidence, "
        "effects), the findings it gave, and the lists checked as of the submission date",
    )
    decided_at: datetime | None
    decided_by: str | None
    decision_note: str | None
    licence_id: int | None
    reevaluation: dict[str, Any] | None = Field(
        None,
        description="The latest re-evaluation of an open application: id, on, verdict, "
        "basis_changed, changes",
    )


class ClockPauseOut(BaseModel):
    id: int
    application_id: int
    kind: PauseKind
    kind_text: str
    start: date
    end: date | None
    running: bool
    note: str | None
    basis: str
    actor: str
    created_at: datetime


class LicenceLineOut(BaseModel):
    line: int
    item: str
    unit: str
    currency: str
    authorised: float
    reserved: float
    used: float
    available: float
    authorised_value: float
    reserved_value: float
    used_value: float
    available_value: float


class LicenceOut(BaseModel):
    id: int
    number: str
    application_id: int
    party_id: int
    party: str
    licence_type: str
    destination: str
    end_user: str
    valid_from: date
    valid_until: date
    issued_at: datetime
    lines: list[LicenceLineOut]
    basis_status: Literal["as_issued", "basis_changed"] = Field(
        "as_issued",
        description="basis_changed: the latest re-evaluation differs from the determination "
        "the licence was issued on (what the licence authorises does not change; see "
        "basis_verdict and basis_changes)",
    )
    basis_verdict: str | None = None
    basis_changes: list[str] = Field(default_factory=list)
    basis_reevaluation_id: int | None = None


class ShipmentOut(BaseModel):
    id: int
    licence_id: int
    line: int
    state: ShipmentState
    quantity: float
    value: float
    destination: str
    shipment_date: date
    client_key: str | None
    created_at: datetime
    created_by: str
    warnings: list[str] = Field(
        default_factory=list,
        description="In the response to a draw-down: e.g. the licence's basis changed",
    )


class ReevaluationOut(BaseModel):
    id: int
    run: str
    kind: Literal["application", "licence"]
    record_id: int
    party_id: int
    on: date
    rulebook_version: str
    data_as_of: date
    verdict_before: str | None
    verdict_after: str
    changed: bool = Field(description="Differs from the record's previous determination")
    basis_changed: bool = Field(
        description="Differs from the determination the record was submitted (licence: issued) on"
    )
    changes: list[str] = Field(description="What differs from that determination, in words")
    determination: list[dict[str, Any]] | None
    actor: str
    created_at: datetime


class ReevaluationRunOut(BaseModel):
    run: str
    on: date
    rulebook_version: str
    data_as_of: date
    evaluated: int = Field(description="Records re-evaluated (listed in ``records``)")
    stored: int = Field(description="Re-evaluations stored by this run")
    already: int = Field(
        description="Records whose latest re-evaluation was already for this date and "
        "rulebook version with the same determination: not stored again (their row is "
        "listed, with the run id that stored it)"
    )
    changed: int = Field(description="Stored by this run and differing from the previous one")
    basis_changed: int
    records: list[ReevaluationOut]


class ReportVersionOut(BaseModel):
    version: int
    data: dict[str, Any]
    reason: str | None
    at: datetime
    by: str


class ReportWarning(BaseModel):
    """A report was accepted, but something about it is uncertain."""

    field: str
    code: str  # reporting_period_end_uncertain
    message: str


class ReportOut(BaseModel):
    id: int
    party_id: int
    party: str
    client_key: str
    version: int
    product_type: str
    hs: str
    elements: list[str]
    quantity_kg: float
    value: float
    currency: str
    contract_date: date
    origin: str
    destination: str
    shipment_date: date
    customs_port: str
    instrument: str
    created_at: datetime
    updated_at: datetime
    warnings: list[ReportWarning] = Field(
        default_factory=list,
        description="Stored with the report: it was accepted, but e.g. whether the duty "
        "still applied on its shipment date is not known",
    )
    history: list[ReportVersionOut]


class SummaryRow(BaseModel):
    key: str
    reports: int
    quantity_kg: float
    value: dict[str, float]


class SummaryOut(BaseModel):
    reports: int
    quantity_kg: float
    by_element: list[SummaryRow]
    by_destination: list[SummaryRow]
    by_month: list[SummaryRow]
    note: str
