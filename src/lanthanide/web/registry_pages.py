"""Registry pages: sign-in, the exporter's licences, shipments and
rare-earth export reports, the analyst's summaries (applications and the
officer's inbox: :mod:`lanthanide.web.application_pages`).

Authorisation is the registry's own (the same calls as the HTTP API), so the
pages show exactly what the API would: another party's record is 404 here
too. Every POST goes through :func:`lanthanide.web.forms.handle` (CSRF token
of the session required: 403 without it).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from lanthanide.web import backend
from lanthanide.web.forms import (
    blank,
    guard,
    handle,
    read_post,
    redirect,
    show,
    stripped,
    top_level,
)
from lanthanide.web.render import Ctx, context, finish, page, set_session_cookie
from lanthanide.web.screen_pages import MAX_UPLOAD_BYTES as MAX_UPLOAD_BYTES  # api/app.py
from lanthanide.web.sessions import COOKIE, SIGNIN_THROTTLE, STORE

router = APIRouter(include_in_schema=False)

PRODUCT_TYPES = ("ore", "oxide", "metal", "alloy", "compound", "other")
User = backend.User


# -------------------------------------------------------------------- sign-in
@router.get("/signin")
def signin_form(request: Request) -> Response:
    ctx = context(request)
    return page(ctx, "signin.html", errors={}, message=None)


@router.post("/signin")
async def signin(request: Request) -> Response:
    got = await read_post(request)
    if isinstance(got, Response):
        return got
    ctx, form = got
    client = request.client.host if request.client else "?"
    wait = SIGNIN_THROTTLE.retry_after(client)
    if wait:
        r = page(
            ctx,
            "signin.html",
            status=429,
            errors={"token": f"too many failed sign-ins; try again in {wait} s"},
            message=None,
        )
        r.headers["Retry-After"] = str(wait)
        return r
    token = (form.get("token") or "").strip()
    if not token or len(token) > 200:
        return page(ctx, "signin.html", status=422, errors={"token": ctx.t("e.401")}, message=None)
    try:
        backend.authenticate(token)
    except backend.BackendError as exc:
        SIGNIN_THROTTLE.fail(client)
        return page(ctx, "signin.html", status=401, errors={"token": str(exc)}, message=None)
    # a fresh session id on sign-in (no fixation); the token stays server-side
    STORE.drop(ctx.session.sid)
    fresh = STORE.new(token=token)
    response = RedirectResponse("/registry", status_code=303)
    set_session_cookie(request, response, fresh.sid)
    ctx.new_session = False
    return finish(ctx, response)


@router.post("/signout")
async def signout(request: Request) -> Response:
    got = await read_post(request)
    if isinstance(got, Response):
        return got
    ctx, _form = got
    STORE.drop(ctx.session.sid)
    response = RedirectResponse("/", status_code=303)
    response.delete_cookie(COOKIE, path="/")
    ctx.new_session = False
    return finish(ctx, response)


# ------------------------------------------------------------------ dashboard
@router.get("/registry")
def dashboard(request: Request) -> Response:
    ctx = context(request)
    home = {"officer": "/registry/inbox", "analyst": "/registry/summary"}
    return guard(ctx, lambda user: redirect(ctx, home.get(user.role, "/registry/applications")))


# ------------------------------------------------------------------- licences
@router.get("/registry/licences")
def licences(request: Request) -> Response:
    ctx = context(request)
    return guard(ctx, lambda user: page(ctx, "licences.html", rows=backend.licences(user)))


def _licence_page(
    ctx: Ctx,
    user: User,
    licence_id: int,
    values: dict[str, str],
    errors: dict[str, str],
    status: int = 200,
) -> Response:
    return page(
        ctx,
        "licence.html",
        status=status,
        lic=backend.licence(user, licence_id),
        shipments=backend.shipments(user, licence_id),
        errors=errors,
        values=values,
        today=date.today().isoformat(),
    )


@router.get("/registry/licences/{licence_id}")
def licence_show(request: Request, licence_id: int) -> Response:
    return show(request, licence_id, lambda ctx, user: _licence_page(ctx, user, licence_id, {}, {}))


def _whole_form_on_quantity(errors: dict[str, str]) -> dict[str, str]:
    if "" in errors:
        errors["quantity"] = errors.pop("")
    return errors


@router.post("/registry/licences/{licence_id}/shipments")
async def shipment_create(request: Request, licence_id: int) -> Response:
    def act(user: User, form: dict[str, str]) -> str:
        body: dict[str, Any] = {
            **stripped(form, "line", "quantity", "value"),
            **stripped(form, "destination", upper=True),
            "reserve": form.get("reserve") == "1",
        }
        if blank(form.get("shipment_date")):
            body["shipment_date"] = blank(form.get("shipment_date"))
        backend.ship(user, licence_id, body)
        return f"/registry/licences/{licence_id}"

    def again(ctx: Ctx, user: User, f: dict[str, str], errs: dict[str, str], st: int) -> Response:
        return _licence_page(ctx, user, licence_id, f, errs, st)

    return await handle(request, act, again, ident=licence_id, fields=_whole_form_on_quantity)


# -------------------------------------------------------------------- reports
REPORT_FIELDS = (
    "product_type",
    "hs",
    "quantity_kg",
    "value",
    "currency",
    "contract_date",
    "destination",
    "shipment_date",
    "customs_port",
)


def _elements(form: dict[str, str]) -> list[str]:
    return [e.strip() for e in (form.get("elements") or "").split(",") if e.strip()]


def _reports_page(
    ctx: Ctx, user: User, values: dict[str, str], errors: dict[str, str], status: int = 200
) -> Response:
    return page(
        ctx,
        "reports.html",
        status=status,
        rows=backend.reports(user),
        values=values,
        errors=errors,
        product_types=PRODUCT_TYPES,
        may_report=user.role == "exporter",
        today=date.today().isoformat(),
    )


@router.get("/registry/reports")
def reports(request: Request) -> Response:
    ctx = context(request)
    return guard(ctx, lambda user: _reports_page(ctx, user, {}, {}))


@router.post("/registry/reports")
async def report_create(request: Request) -> Response:
    def act(user: User, form: dict[str, str]) -> str:
        plain = [k for k in REPORT_FIELDS if k not in ("currency", "destination")]
        body: dict[str, Any] = {
            **stripped(form, "client_key", *plain),
            **stripped(form, "currency", "destination", upper=True),
            "elements": _elements(form),
        }
        backend.create_report(user, body)
        return "/registry/reports"

    return await handle(request, act, _reports_page, fields=top_level)


def _report_page(
    ctx: Ctx, user: User, report_id: int, errors: dict[str, str], status: int = 200
) -> Response:
    return page(
        ctx,
        "report.html",
        status=status,
        r=backend.report(user, report_id),
        errors=errors,
        product_types=PRODUCT_TYPES,
        may_amend=user.role == "exporter",
    )


@router.get("/registry/reports/{report_id}")
def report_show(request: Request, report_id: int) -> Response:
    return show(request, report_id, lambda ctx, user: _report_page(ctx, user, report_id, {}))


def _same_number(a: str, b: Any) -> bool:
    try:
        return float(a) == float(b)
    except (TypeError, ValueError):
        return False


def amendment(form: dict[str, str], current: dict[str, Any]) -> dict[str, Any]:
    """Only the fields the form changes, with the reason (an ``AmendIn`` body)."""
    body: dict[str, Any] = {"reason": (form.get("reason") or "").strip()}
    for k in REPORT_FIELDS:
        v = (form.get(k) or "").strip()
        if k in ("currency", "destination"):
            v = v.upper()
        if k in ("quantity_kg", "value") and _same_number(v, current.get(k)):
            continue
        if v and v != str(current.get(k)):
            body[k] = v
    elements = _elements(form)
    if elements and elements != current.get("elements"):
        body["elements"] = elements
    return body


@router.post("/registry/reports/{report_id}/amend")
async def report_amend(request: Request, report_id: int) -> Response:
    def act(user: User, form: dict[str, str]) -> str:
        current = backend.report(user, report_id)
        backend.amend_report(user, report_id, amendment(form, current))
        return f"/registry/reports/{report_id}"

    def again(ctx: Ctx, user: User, _f: dict[str, str], errs: dict[str, str], st: int) -> Response:
        return _report_page(ctx, user, report_id, errs, st)

    return await handle(request, act, again, ident=report_id, fields=top_level)


# ------------------------------------------------------------------ summaries
@router.get("/registry/summary")
def summary(request: Request) -> Response:
    ctx = context(request)

    def go(user: User) -> Response:
        s = backend.summary(user)
        try:
            audit: dict[str, Any] | None = backend.verify_audit(user)
        except backend.BackendError:
            audit = None
        return page(ctx, "summary.html", s=s, audit=audit)

    return guard(ctx, go)
