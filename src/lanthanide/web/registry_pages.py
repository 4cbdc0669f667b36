"""Registry pages: sign-in, exporter (applications, licences, shipments,
reports), officer inbox and decision, analyst summaries.

Authorisation is the registry's own (the same calls as the HTTP API), so the
pages show exactly what the API would: another party's record is 404 here
too. Every POST needs the session's CSRF token (403 without it).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from lanthanide.web import backend
from lanthanide.web.jobs import JOBS, Job
from lanthanide.web.render import Ctx, context, finish, page, set_session_cookie
from lanthanide.web.sessions import SIGNIN_THROTTLE, STORE, csrf_ok

router = APIRouter(include_in_schema=False)

MAX_FORM_BYTES = 64 * 1024
LICENCE_TYPES = ("single", "general", "technology")
UNITS = ("kg", "t", "g", "pcs", "set", "item")
PRODUCT_TYPES = ("ore", "oxide", "metal", "alloy", "compound", "other")
END_USES = ("civil", "military", "wmd", "re-activity-abroad")
MAX_LINES = 5
"""Line rows shown on the new-application form."""


async def _post(request: Request) -> tuple[Ctx, dict[str, str]] | Response:
    """The context and the form of a POST, or the 403/413 page."""
    ctx = context(request)
    size = request.headers.get("content-length")
    if size is not None and size.isdigit() and int(size) > MAX_FORM_BYTES:
        return page(ctx, "error.html", status=413, message="form too large")
    async with request.form(max_files=0, max_fields=200) as form:
        fields = {k: v for k, v in form.multi_items() if isinstance(v, str)}
    if ctx.new_session or not csrf_ok(ctx.session, fields.get("csrf")):
        return page(ctx, "error.html", status=403, message=ctx.t("e.csrf"))
    return ctx, fields


def _redirect(ctx: Ctx, url: str) -> Response:
    return finish(ctx, RedirectResponse(url, status_code=303))


def _need_user(ctx: Ctx) -> Response | None:
    if ctx.user is None:
        return page(ctx, "signin.html", status=401, errors={}, message=ctx.t("e.401"))
    return None


def _error_page(ctx: Ctx, exc: backend.BackendError) -> Response:
    key = {401: "e.401", 403: "e.403", 404: "e.404"}.get(exc.status)
    msg = ctx.t(key) if key else str(exc)
    return page(ctx, "error.html", status=exc.status, message=msg, detail=str(exc))


def _guard(ctx: Ctx, fn: Callable[[backend.User], Response]) -> Response:
    if ctx.user is None:
        missing = _need_user(ctx)
        assert missing is not None
        return missing
    try:
        return fn(ctx.user)
    except backend.BackendError as exc:
        return _error_page(ctx, exc)


def _blank(v: str | None) -> str | None:
    if v is None:
        return None
    v = v.strip()
    return v or None


# -------------------------------------------------------------------- sign-in
@router.get("/signin")
def signin_form(request: Request) -> Response:
    ctx = context(request)
    return page(ctx, "signin.html", errors={}, message=None)


@router.post("/signin")
async def signin(request: Request) -> Response:
    got = await _post(request)
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
    got = await _post(request)
    if isinstance(got, Response):
        return got
    ctx, _form = got
    STORE.drop(ctx.session.sid)
    response = RedirectResponse("/", status_code=303)
    response.delete_cookie("lnt_session", path="/")
    return finish(ctx, response)


# ------------------------------------------------------------------ dashboard
@router.get("/registry")
def dashboard(request: Request) -> Response:
    ctx = context(request)

    def go(user: backend.User) -> Response:
        if user.role == "officer":
            return _redirect(ctx, "/registry/inbox")
        if user.role == "analyst":
            return _redirect(ctx, "/registry/summary")
        return _redirect(ctx, "/registry/applications")

    return _guard(ctx, go)


# --------------------------------------------------------------- applications
@router.get("/registry/applications")
def applications(request: Request) -> Response:
    ctx = context(request)

    def go(user: backend.User) -> Response:
        rows = backend.applications(user)
        return page(ctx, "applications.html", rows=rows, title=ctx.t("g.applications"))

    return _guard(ctx, go)


@router.get("/registry/inbox")
def inbox(request: Request) -> Response:
    ctx = context(request)

    def go(user: backend.User) -> Response:
        if user.role not in ("officer", "admin"):
            raise backend.BackendError(403, [("", "officers only")])
        rows = [
            a
            for a in backend.applications(user)
            if a["state"] in ("submitted", "under_review") and a["party_id"] != user.party_id
        ]
        rows.sort(key=lambda a: (a["deadline"] or "9999-12-31", a["id"]))
        return page(ctx, "applications.html", rows=rows, title=ctx.t("g.inbox"))

    return _guard(ctx, go)


def _new_form(ctx: Ctx, values: dict[str, str], errors: dict[str, str], status: int) -> Response:
    return page(
        ctx,
        "application_new.html",
        status=status,
        values=values,
        errors=errors,
        licence_types=LICENCE_TYPES,
        end_uses=END_USES,
        units=UNITS,
        max_lines=MAX_LINES,
        countries=backend.countries(),
    )


@router.get("/registry/applications/new")
def application_new(request: Request) -> Response:
    ctx = context(request)
    return _guard(ctx, lambda user: _new_form(ctx, {}, {}, 200))


def _application_body(form: dict[str, str]) -> dict[str, Any]:
    lines = []
    for n in range(MAX_LINES):
        item = _blank(form.get(f"lines.{n}.item"))
        qty = _blank(form.get(f"lines.{n}.quantity"))
        if item is None and qty is None:
            continue
        line: dict[str, Any] = {
            "item": item or "",
            "quantity": qty or "",
            "unit": form.get(f"lines.{n}.unit") or "kg",
            "value": _blank(form.get(f"lines.{n}.value")) or "",
            "currency": (form.get(f"lines.{n}.currency") or "USD").strip().upper(),
        }
        hs = _blank(form.get(f"lines.{n}.hs"))
        if hs:
            line["hs"] = hs
        lines.append(line)
    return {
        "licence_type": form.get("licence_type", ""),
        "destination": (form.get("destination") or "").strip().upper(),
        "end_user": (form.get("end_user") or "").strip(),
        "end_use": form.get("end_use", ""),
        "end_use_detail": _blank(form.get("end_use_detail")),
        "lines": lines,
    }


@router.post("/registry/applications")
async def application_create(request: Request) -> Response:
    got = await _post(request)
    if isinstance(got, Response):
        return got
    ctx, form = got
    if ctx.user is None:
        return _guard(ctx, lambda u: Response())
    try:
        a = backend.create_application(ctx.user, _application_body(form))
    except backend.BackendError as exc:
        if exc.status != 422:
            return _error_page(ctx, exc)
        return _new_form(ctx, form, exc.by_field(), 422)
    return _redirect(ctx, f"/registry/applications/{a['id']}")


def _application_page(
    ctx: Ctx, user: backend.User, app_id: int, errors: dict[str, str], status: int = 200
) -> Response:
    a = backend.application(user, app_id)
    today = date.today()
    a_year = date(today.year + 1, today.month, min(today.day, 28)) - timedelta(days=1)
    return page(
        ctx,
        "application.html",
        status=status,
        a=a,
        errors=errors,
        may_decide=user.role in ("officer", "admin") and a["party_id"] != user.party_id,
        today=today.isoformat(),
        year_on=a_year.isoformat(),
    )


@router.get("/registry/applications/{app_id}")
def application_show(request: Request, app_id: int) -> Response:
    ctx = context(request)
    if not 1 <= app_id <= 2**31 - 1:
        return page(ctx, "error.html", status=404, message=ctx.t("e.404"))
    return _guard(ctx, lambda user: _application_page(ctx, user, app_id, {}))


@router.post("/registry/applications/{app_id}/{action}")
async def application_act(request: Request, app_id: int, action: str) -> Response:
    got = await _post(request)
    if isinstance(got, Response):
        return got
    ctx, form = got
    user = ctx.user
    if user is None:
        return _guard(ctx, lambda u: Response())
    if not 1 <= app_id <= 2**31 - 1:
        return page(ctx, "error.html", status=404, message=ctx.t("e.404"))
    try:
        if action == "submit":
            backend.submit_application(user, app_id)
        elif action == "withdraw":
            backend.withdraw_application(user, app_id)
        elif action == "review":
            backend.review_application(user, app_id)
        elif action == "decision":
            body: dict[str, Any] = {"decision": form.get("decision", "")}
            for k in ("note", "valid_from", "valid_until"):
                if _blank(form.get(k)):
                    body[k] = _blank(form.get(k))
            backend.decide_application(user, app_id, body)
        else:
            return page(ctx, "error.html", status=404, message=ctx.t("e.404"))
    except backend.BackendError as exc:
        if exc.status in (409, 422):
            try:
                return _application_page(ctx, user, app_id, exc.by_field(), exc.status)
            except backend.BackendError as again:
                return _error_page(ctx, again)
        return _error_page(ctx, exc)
    return _redirect(ctx, f"/registry/applications/{app_id}")


# ------------------------------------------------------------------- licences
@router.get("/registry/licences")
def licences(request: Request) -> Response:
    ctx = context(request)
    return _guard(ctx, lambda user: page(ctx, "licences.html", rows=backend.licences(user)))


def _licence_page(
    ctx: Ctx,
    user: backend.User,
    licence_id: int,
    errors: dict[str, str],
    values: dict[str, str],
    status: int = 200,
) -> Response:
    lic = backend.licence(user, licence_id)
    return page(
        ctx,
        "licence.html",
        status=status,
        lic=lic,
        shipments=backend.shipments(user, licence_id),
        errors=errors,
        values=values,
        today=date.today().isoformat(),
    )


@router.get("/registry/licences/{licence_id}")
def licence_show(request: Request, licence_id: int) -> Response:
    ctx = context(request)
    if not 1 <= licence_id <= 2**31 - 1:
        return page(ctx, "error.html", status=404, message=ctx.t("e.404"))
    return _guard(ctx, lambda user: _licence_page(ctx, user, licence_id, {}, {}))


@router.post("/registry/licences/{licence_id}/shipments")
async def shipment_create(request: Request, licence_id: int) -> Response:
    got = await _post(request)
    if isinstance(got, Response):
        return got
    ctx, form = got
    user = ctx.user
    if user is None:
        return _guard(ctx, lambda u: Response())
    if not 1 <= licence_id <= 2**31 - 1:
        return page(ctx, "error.html", status=404, message=ctx.t("e.404"))
    body: dict[str, Any] = {
        "line": (form.get("line") or "").strip(),
        "quantity": (form.get("quantity") or "").strip(),
        "value": (form.get("value") or "").strip(),
        "destination": (form.get("destination") or "").strip().upper(),
        "reserve": form.get("reserve") == "1",
    }
    if _blank(form.get("shipment_date")):
        body["shipment_date"] = _blank(form.get("shipment_date"))
    try:
        backend.ship(user, licence_id, body)
    except backend.BackendError as exc:
        if exc.status in (409, 422):
            try:
                errs = exc.by_field()
                if "" in errs:
                    errs["quantity"] = errs.pop("")
                return _licence_page(ctx, user, licence_id, errs, form, exc.status)
            except backend.BackendError as again:
                return _error_page(ctx, again)
        return _error_page(ctx, exc)
    return _redirect(ctx, f"/registry/licences/{licence_id}")


# -------------------------------------------------------------------- reports
def _reports_page(
    ctx: Ctx, user: backend.User, values: dict[str, str], errors: dict[str, str], status: int
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
    return _guard(ctx, lambda user: _reports_page(ctx, user, {}, {}, 200))


@router.post("/registry/reports")
async def report_create(request: Request) -> Response:
    got = await _post(request)
    if isinstance(got, Response):
        return got
    ctx, form = got
    user = ctx.user
    if user is None:
        return _guard(ctx, lambda u: Response())
    body: dict[str, Any] = {
        k: (form.get(k) or "").strip()
        for k in (
            "client_key",
            "product_type",
            "hs",
            "quantity_kg",
            "value",
            "contract_date",
            "shipment_date",
            "customs_port",
        )
    }
    body["currency"] = (form.get("currency") or "").strip().upper()
    body["destination"] = (form.get("destination") or "").strip().upper()
    body["elements"] = [e.strip() for e in (form.get("elements") or "").split(",") if e.strip()]
    try:
        backend.create_report(user, body)
    except backend.BackendError as exc:
        if exc.status in (409, 422):
            errs = {k.split(".")[0]: v for k, v in exc.by_field().items()}
            try:
                return _reports_page(ctx, user, form, errs, exc.status)
            except backend.BackendError as again:
                return _error_page(ctx, again)
        return _error_page(ctx, exc)
    return _redirect(ctx, "/registry/reports")


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


def _report_page(
    ctx: Ctx, user: backend.User, report_id: int, errors: dict[str, str], status: int = 200
) -> Response:
    r = backend.report(user, report_id)
    return page(
        ctx,
        "report.html",
        status=status,
        r=r,
        errors=errors,
        product_types=PRODUCT_TYPES,
        may_amend=user.role == "exporter",
    )


@router.get("/registry/reports/{report_id}")
def report_show(request: Request, report_id: int) -> Response:
    ctx = context(request)
    if not 1 <= report_id <= 2**31 - 1:
        return page(ctx, "error.html", status=404, message=ctx.t("e.404"))
    return _guard(ctx, lambda user: _report_page(ctx, user, report_id, {}))


@router.post("/registry/reports/{report_id}/amend")
async def report_amend(request: Request, report_id: int) -> Response:
    got = await _post(request)
    if isinstance(got, Response):
        return got
    ctx, form = got
    user = ctx.user
    if user is None:
        return _guard(ctx, lambda u: Response())
    if not 1 <= report_id <= 2**31 - 1:
        return page(ctx, "error.html", status=404, message=ctx.t("e.404"))
    try:
        current = backend.report(user, report_id)
        body: dict[str, Any] = {"reason": (form.get("reason") or "").strip()}
        for k in REPORT_FIELDS:
            v = (form.get(k) or "").strip()
            if k in ("currency", "destination"):
                v = v.upper()
            if (
                v
                and v != str(current.get(k))
                and not (k in ("quantity_kg", "value") and _same_number(v, current.get(k)))
            ):
                body[k] = v
        elements = [e.strip() for e in (form.get("elements") or "").split(",") if e.strip()]
        if elements and elements != current.get("elements"):
            body["elements"] = elements
        backend.amend_report(user, report_id, body)
    except backend.BackendError as exc:
        if exc.status in (409, 422):
            errs = {k.split(".")[0]: v for k, v in exc.by_field().items()}
            try:
                return _report_page(ctx, user, report_id, errs, exc.status)
            except backend.BackendError as again:
                return _error_page(ctx, again)
        return _error_page(ctx, exc)
    return _redirect(ctx, f"/registry/reports/{report_id}")


def _same_number(a: str, b: Any) -> bool:
    try:
        return float(a) == float(b)
    except (TypeError, ValueError):
        return False


@router.get("/registry/summary")
def summary(request: Request) -> Response:
    ctx = context(request)

    def go(user: backend.User) -> Response:
        s = backend.summary(user)
        try:
            audit: dict[str, Any] | None = backend.verify_audit(user)
        except backend.BackendError:
            audit = None
        return page(ctx, "summary.html", s=s, audit=audit)

    return _guard(ctx, go)


# ------------------------------------------------------------------ screening
MAX_UPLOAD_BYTES = 20 * 1024 * 1024


@router.get("/screen")
def screen_form(request: Request) -> Response:
    ctx = context(request)
    return _guard(ctx, lambda user: page(ctx, "screen.html", errors={}, job=None))


@router.post("/screen")
async def screen_upload(request: Request) -> Response:
    ctx = context(request)
    size = request.headers.get("content-length")
    if size is not None and size.isdigit() and int(size) > MAX_UPLOAD_BYTES:
        return page(ctx, "screen.html", status=413, errors={"file": "at most 20 MB"}, job=None)
    async with request.form(max_files=1, max_fields=5, max_part_size=MAX_UPLOAD_BYTES) as form:
        sent = form.get("csrf")
        if ctx.new_session or not csrf_ok(ctx.session, sent if isinstance(sent, str) else None):
            return page(ctx, "error.html", status=403, message=ctx.t("e.csrf"))
        if ctx.user is None:
            return _guard(ctx, lambda u: Response())
        upload = form.get("file")
        if upload is None or isinstance(upload, str) or not upload.filename:
            return page(ctx, "screen.html", status=422, errors={"file": "choose a file"}, job=None)
        name = upload.filename
        data = await upload.read()
    suffix = ".parquet" if name.lower().endswith((".parquet", ".pq")) else ".csv"
    if not data:
        return page(ctx, "screen.html", status=422, errors={"file": "the file is empty"}, job=None)
    job = JOBS.start(ctx.session.sid, name[:200], data, suffix)
    return _redirect(ctx, f"/screen/jobs/{job.id}")


def _job(ctx: Ctx, job_id: str) -> Job | None:
    return JOBS.get(job_id, ctx.session.sid) if ctx.user is not None else None


@router.get("/screen/jobs/{job_id}")
def screen_job(request: Request, job_id: str) -> Response:
    ctx = context(request)
    job = _job(ctx, job_id)
    if job is None:
        return page(ctx, "error.html", status=404, message=ctx.t("e.404"))
    return page(ctx, "screen.html", errors={}, job=job)


@router.get("/screen/jobs/{job_id}/progress")
def screen_progress(request: Request, job_id: str) -> Response:
    ctx = context(request)
    job = _job(ctx, job_id)
    if job is None:
        return page(ctx, "error.html", status=404, message=ctx.t("e.404"))
    return page(ctx, "screen_progress.html", job=job)


@router.get("/screen/jobs/{job_id}/{which}")
def screen_download(request: Request, job_id: str, which: str) -> Response:
    ctx = context(request)
    job = _job(ctx, job_id)
    if job is None or job.state != "done" or which not in ("output.csv", "rejects.csv"):
        return page(ctx, "error.html", status=404, message=ctx.t("e.404"))
    path = job.output if which == "output.csv" else job.rejects
    if not path.exists():
        return page(ctx, "error.html", status=404, message=ctx.t("e.404"))
    r = Response(
        path.read_bytes(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="screened-{which}"'},
    )
    return finish(ctx, r)
