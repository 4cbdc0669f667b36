"""Registry HTTP API under ``/api/v1``: licence applications, licences and
shipments, rare-earth export reports, audit verification.

Bearer tokens (``Authorization: Bearer lnt_...``, issued by
``lanthanide admin create-user``). Errors: 401 without a valid token, 403 for
a role that may not do this, 404 for records that do not exist or belong to
another party, 409 for a refused state change (with a ``reason`` code), 422
naming the field.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, FastAPI, Path, Query, Request
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from lanthanide.api.deps import Client
from lanthanide.api.errors import detail, loc, problems
from lanthanide.api.security import AuthThrottle
from lanthanide.registry import Registry
from lanthanide.registry.actors import Actor, authenticate
from lanthanide.registry.db import Database, get_database
from lanthanide.registry.errors import Conflict, Invalid, RegistryError, Unauthorized
from lanthanide.registry.schemas import (
    AmendIn,
    ApplicationIn,
    ApplicationOut,
    ClockPauseIn,
    ClockPauseOut,
    DecisionIn,
    LicenceOut,
    PauseEndIn,
    ReevaluationIn,
    ReevaluationOut,
    ReevaluationRunOut,
    ReportIn,
    ReportOut,
    ShipmentIn,
    ShipmentOut,
    SummaryOut,
)
from lanthanide.registry.states import AppState

_bearer = HTTPBearer(auto_error=False, description="API token from `lanthanide admin create-user`")

Id = Annotated[int, Path(ge=1, le=2**31 - 1)]
ReevaluationKind = Literal["application", "licence"]
Limit = Annotated[int, Query(ge=1, le=1000)]
Offset = Annotated[int, Query(ge=0, le=2**31 - 1)]

_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"description": "Missing or unknown bearer token"},
    403: {"description": "The caller's role may not do this"},
    404: {"description": "Not found (or another party's record)"},
    422: {"description": "Invalid field (named in detail[].loc)"},
    429: {"description": "Too many wrong tokens from this address; see Retry-After"},
}
_CONFLICT: dict[int | str, dict[str, Any]] = {
    409: {"description": "Refused state change; detail[].reason is a stable code"}
}


def get_db() -> Database:
    """The registry database (overridable in tests via ``dependency_overrides``)."""
    return get_database()


def get_actor(
    request: Request,
    creds: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    db: Annotated[Database, Depends(get_db)],
) -> Actor:
    """The authenticated actor; repeated wrong tokens from one client address are
    throttled (429 with ``Retry-After``, :class:`~lanthanide.api.security.AuthThrottle`)."""
    throttle: AuthThrottle | None = getattr(request.app.state, "auth_throttle", None)
    address = request.client.host if request.client else "unknown"
    if throttle is not None:
        wait = throttle.retry_after(address)
        if wait is not None:
            raise _Throttled(wait)
    if creds is None or creds.scheme.lower() != "bearer" or not creds.credentials:
        raise Unauthorized("send 'Authorization: Bearer <token>'")  # no guess: not counted
    try:
        return authenticate(db, creds.credentials)
    except Unauthorized:
        if throttle is not None:
            throttle.failed(address)
        raise


class _Throttled(Exception):
    """Too many failed authentications from this address (429)."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(retry_after)
        self.retry_after = retry_after


def get_registry(db: Annotated[Database, Depends(get_db)], ln: Client) -> Registry:
    """The registry over the request's database, with the app's rulebook and
    determination (system clock)."""
    return ln.registry(db)


Reg = Annotated[Registry, Depends(get_registry)]
Who = Annotated[Actor, Depends(get_actor)]


def error_response(exc: RegistryError) -> JSONResponse:
    """A registry error as the API's one error shape (409s add ``reason``)."""
    if isinstance(exc, Invalid):
        return problems(exc.status, [detail(loc("body", f), m) for f, m in exc.errors])
    extra = {"reason": exc.reason} if isinstance(exc, Conflict) else {}
    headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else None
    return problems(
        exc.status,
        [detail(["body", exc.field] if exc.field else [], exc.message, exc.kind, **extra)],
        headers,
    )


router = APIRouter(prefix="/api/v1", responses=_ERRORS)


# --------------------------------------------------------------- applications
@router.post(
    "/licence-applications",
    status_code=201,
    tags=["licence applications"],
    response_model=ApplicationOut,
)
def create_application(body: ApplicationIn, reg: Reg, who: Who) -> ApplicationOut:
    """Create a draft application (exporters; items are rulebook item codes)."""
    return reg.create_application(who, body)


@router.get(
    "/licence-applications", tags=["licence applications"], response_model=list[ApplicationOut]
)
def list_applications(
    reg: Reg, who: Who, state: AppState | None = None, limit: Limit = 100, offset: Offset = 0
) -> list[ApplicationOut]:
    """Applications the caller may see (exporters: their party's)."""
    return reg.list_applications(who, state=state, limit=limit, offset=offset)


@router.get(
    "/licence-applications/{app_id}", tags=["licence applications"], response_model=ApplicationOut
)
def get_application(app_id: Id, reg: Reg, who: Who) -> ApplicationOut:
    return reg.get_application(who, app_id)


@router.put(
    "/licence-applications/{app_id}",
    tags=["licence applications"],
    response_model=ApplicationOut,
    responses=_CONFLICT,
)
def update_application(app_id: Id, body: ApplicationIn, reg: Reg, who: Who) -> ApplicationOut:
    """Replace a draft's contents (the owning party's exporters; 409 unless a draft)."""
    return reg.update_application(who, app_id, body)


@router.post(
    "/licence-applications/{app_id}/submit",
    tags=["licence applications"],
    response_model=ApplicationOut,
    responses=_CONFLICT,
)
def submit_application(app_id: Id, reg: Reg, who: Who) -> ApplicationOut:
    """Submit a draft: runs the determination, stores it, sets the 45-working-day deadline."""
    return reg.submit_application(who, app_id)


@router.post(
    "/licence-applications/{app_id}/withdraw",
    tags=["licence applications"],
    response_model=ApplicationOut,
    responses=_CONFLICT,
)
def withdraw_application(app_id: Id, reg: Reg, who: Who) -> ApplicationOut:
    return reg.withdraw_application(who, app_id)


@router.post(
    "/licence-applications/{app_id}/review",
    tags=["licence applications"],
    response_model=ApplicationOut,
    responses=_CONFLICT,
)
def review_application(app_id: Id, reg: Reg, who: Who) -> ApplicationOut:
    """An officer takes a submitted application under review."""
    return reg.review_application(who, app_id)


@router.post(
    "/licence-applications/{app_id}/decision",
    tags=["licence applications"],
    response_model=ApplicationOut,
    responses=_CONFLICT,
)
def decide_application(app_id: Id, body: DecisionIn, reg: Reg, who: Who) -> ApplicationOut:
    """Approve (issues a licence) or deny. Officers only, never for their own party."""
    return reg.decide_application(who, app_id, body)


@router.post(
    "/licence-applications/{app_id}/clock-pauses",
    status_code=201,
    tags=["licence applications"],
    response_model=ApplicationOut,
    responses=_CONFLICT,
)
def pause_clock(app_id: Id, body: ClockPauseIn, reg: Reg, who: Who) -> ApplicationOut:
    """Record a period excluded from the 45-working-day time limit
    (identification, expert consultation, on-site check; 国务院令第792号
    Art. 17(3)); the answer is the application with its moved deadline.
    Officers (never for their own party) and administrators."""
    return reg.pause_clock(who, app_id, body)


@router.get(
    "/licence-applications/{app_id}/clock-pauses",
    tags=["licence applications"],
    response_model=list[ClockPauseOut],
)
def list_clock_pauses(app_id: Id, reg: Reg, who: Who) -> list[ClockPauseOut]:
    return reg.list_clock_pauses(who, app_id)


@router.post(
    "/licence-applications/{app_id}/clock-pauses/{pause_id}/end",
    tags=["licence applications"],
    response_model=ApplicationOut,
    responses=_CONFLICT,
)
def end_clock_pause(
    app_id: Id, pause_id: Id, body: PauseEndIn, reg: Reg, who: Who
) -> ApplicationOut:
    """Set (or correct) the last day of a clock pause."""
    return reg.end_clock_pause(who, app_id, pause_id, body)


# ------------------------------------------------------------------- licences
@router.get("/licences", tags=["licences"], response_model=list[LicenceOut])
def list_licences(reg: Reg, who: Who, limit: Limit = 100, offset: Offset = 0) -> list[LicenceOut]:
    return reg.list_licences(who, limit=limit, offset=offset)


@router.get("/licences/{licence_id}", tags=["licences"], response_model=LicenceOut)
def get_licence(licence_id: Id, reg: Reg, who: Who) -> LicenceOut:
    """A licence with, per line, the authorised, reserved, used and available quantity."""
    return reg.get_licence(who, licence_id)


@router.get("/licences/{licence_id}/shipments", tags=["licences"], response_model=list[ShipmentOut])
def list_shipments(licence_id: Id, reg: Reg, who: Who) -> list[ShipmentOut]:
    """The draw-down history of a licence."""
    return reg.list_shipments(who, licence_id)


@router.post(
    "/licences/{licence_id}/shipments",
    status_code=201,
    tags=["licences"],
    response_model=ShipmentOut,
    responses={**_CONFLICT, 200: {"description": "Replay of an earlier client_key"}},
)
def create_shipment(licence_id: Id, body: ShipmentIn, reg: Reg, who: Who) -> Any:
    """Draw a shipment down a licence line (or reserve it). 409 when it would
    exceed the line, fall outside validity or go to another destination."""
    out, created = reg.draw_down(who, licence_id, body)
    if not created:
        return JSONResponse(status_code=200, content=out.model_dump(mode="json"))
    return out


@router.post(
    "/licences/{licence_id}/shipments/{shipment_id}/confirm",
    tags=["licences"],
    response_model=ShipmentOut,
    responses=_CONFLICT,
)
def confirm_shipment(licence_id: Id, shipment_id: Id, reg: Reg, who: Who) -> ShipmentOut:
    """Turn a reservation into a used shipment."""
    return reg.settle_reservation(who, licence_id, shipment_id, confirm=True)


@router.post(
    "/licences/{licence_id}/shipments/{shipment_id}/cancel",
    tags=["licences"],
    response_model=ShipmentOut,
    responses=_CONFLICT,
)
def cancel_shipment(licence_id: Id, shipment_id: Id, reg: Reg, who: Who) -> ShipmentOut:
    """Release a reservation."""
    return reg.settle_reservation(who, licence_id, shipment_id, confirm=False)


# -------------------------------------------------------------------- reports
@router.post(
    "/reports",
    status_code=201,
    tags=["reports"],
    response_model=ReportOut,
    responses={**_CONFLICT, 200: {"description": "Replay of an earlier client_key"}},
)
def create_report(body: ReportIn, reg: Reg, who: Who) -> Any:
    """Submit a rare-earth export report; idempotent by ``client_key``."""
    out, created = reg.create_report(who, body)
    if not created:
        return JSONResponse(status_code=200, content=out.model_dump(mode="json"))
    return out


@router.get("/reports", tags=["reports"], response_model=list[ReportOut])
def list_reports(reg: Reg, who: Who, limit: Limit = 100, offset: Offset = 0) -> list[ReportOut]:
    return reg.list_reports(who, limit=limit, offset=offset)


@router.get("/reports/summary", tags=["reports"], response_model=SummaryOut)
def report_summary(
    reg: Reg,
    who: Who,
    since: Annotated[date | None, Query(description="Shipment date from")] = None,
    until: Annotated[date | None, Query(description="Shipment date up to")] = None,
) -> SummaryOut:
    """Totals by element, destination and month (analysts, officers, admins)."""
    return reg.summary(who, since=since, until=until)


@router.get("/reports/{report_id}", tags=["reports"], response_model=ReportOut)
def get_report(report_id: Id, reg: Reg, who: Who) -> ReportOut:
    return reg.get_report(who, report_id)


@router.post(
    "/reports/{report_id}/amend", tags=["reports"], response_model=ReportOut, responses=_CONFLICT
)
def amend_report(report_id: Id, body: AmendIn, reg: Reg, who: Who) -> ReportOut:
    """Amend a report; every version is kept in ``history``."""
    return reg.amend_report(who, report_id, body)


# -------------------------------------------------------------- re-evaluation
@router.post(
    "/reevaluations",
    status_code=201,
    tags=["re-evaluation"],
    response_model=ReevaluationRunOut,
)
def run_reevaluation(body: ReevaluationIn, reg: Reg, who: Who) -> ReevaluationRunOut:
    """Re-run the determination, on ``on`` (default today), for every open
    application and every licence valid that day (officers, administrators).
    Each result is stored and audited; a licence whose basis changed is marked
    ``basis_changed`` (what it authorises does not change). Written in short
    batches (each atomic); a record already re-evaluated for this date under
    this rulebook version with the same result is not stored again
    (``already``)."""
    return reg.reevaluate(who, body.on)


@router.get("/reevaluations", tags=["re-evaluation"], response_model=list[ReevaluationOut])
def list_reevaluations(
    reg: Reg,
    who: Who,
    run: Annotated[str | None, Query(pattern=r"^[0-9a-f]{32}$", description="A run id")] = None,
    kind: Annotated[ReevaluationKind | None, Query()] = None,
    changed: Annotated[bool | None, Query(description="Changed since the previous")] = None,
    basis_changed: Annotated[
        bool | None, Query(description="Differs from the submission / issue basis")
    ] = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> list[ReevaluationOut]:
    """Stored re-evaluations, newest first; ``basis_changed=true`` lists the
    affected records."""
    return reg.list_reevaluations(
        who,
        run=run,
        kind=kind,
        changed=changed,
        basis_changed=basis_changed,
        limit=limit,
        offset=offset,
    )


# ---------------------------------------------------------------------- audit
@router.get("/audit/verify", tags=["audit"])
def audit_verify(reg: Reg, who: Who) -> Any:
    """Walk the audit hash chain and re-hash every business row; ``ok`` false
    names each edited, inserted or deleted row."""
    return reg.verify_audit(who).to_dict()


def install(app: FastAPI) -> None:
    """Add the registry routes and the mapping of registry errors to HTTP."""
    app.include_router(router)

    @app.exception_handler(_Throttled)
    async def _throttled(request: Request, exc: _Throttled) -> JSONResponse:
        return problems(
            429,
            [
                detail(
                    ["header", "Authorization"],
                    "too many failed authentications from this address; "
                    f"retry after {exc.retry_after} s",
                    "too_many_requests",
                )
            ],
            headers={"Retry-After": str(exc.retry_after)},
        )

    @app.exception_handler(RegistryError)
    async def _registry_error(request: Request, exc: RegistryError) -> JSONResponse:
        return error_response(exc)
