"""Application pages: the exporter's applications (create, edit a draft,
submit, withdraw), the officer's inbox sorted by deadline and the decision.

Authorisation is the registry's own (the same calls as the HTTP API): another
party's application is 404 here too; every POST goes through
:func:`lanthanide.web.forms.handle`.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from lanthanide.web import backend
from lanthanide.web.forms import blank, guard, handle, show
from lanthanide.web.render import Ctx, context, page

router = APIRouter(include_in_schema=False)

LICENCE_TYPES = ("single", "general", "technology")
UNITS = ("kg", "t", "g", "pcs", "set", "item")
END_USES = ("civil", "military", "wmd", "re-activity-abroad")
MAX_LINES = 5
"""Blank line rows shown on a new application form."""
MAX_FORM_LINES = 100
"""The most line rows a form is read for (``ApplicationIn`` allows 100 lines)."""
User = backend.User


# --------------------------------------------------------------- applications
@router.get("/registry/applications")
def applications(request: Request) -> Response:
    ctx = context(request)

    def go(user: User) -> Response:
        rows = backend.applications(user)
        return page(ctx, "applications.html", rows=rows, title=ctx.t("g.applications"))

    return guard(ctx, go)


@router.get("/registry/inbox")
def inbox(request: Request) -> Response:
    ctx = context(request)

    def go(user: User) -> Response:
        if user.role not in ("officer", "admin"):
            raise backend.BackendError(403, [("", "officers only")])
        rows = [
            a
            for a in backend.applications(user)
            if a["state"] in ("submitted", "under_review") and a["party_id"] != user.party_id
        ]
        rows.sort(key=lambda a: (a["deadline"] or "9999-12-31", a["id"]))
        return page(ctx, "applications.html", rows=rows, title=ctx.t("g.inbox"))

    return guard(ctx, go)


def _application_form(
    ctx: Ctx,
    values: dict[str, str],
    errors: dict[str, str],
    status: int,
    edit: dict[str, Any] | None = None,
) -> Response:
    """The application form: new, or (``edit``) a draft being changed."""
    return page(
        ctx,
        "application_new.html",
        status=status,
        values=values,
        errors=errors,
        edit=edit,
        licence_types=LICENCE_TYPES,
        end_uses=END_USES,
        units=UNITS,
        max_lines=min(MAX_FORM_LINES, max(MAX_LINES, len((edit or {}).get("lines", [])) + 1)),
        countries=backend.countries(),
    )


@router.get("/registry/applications/new")
def application_new(request: Request) -> Response:
    ctx = context(request)
    return guard(ctx, lambda user: _application_form(ctx, {}, {}, 200))


def _filled_rows(form: dict[str, str]) -> list[int]:
    """The form's line rows that hold a line (blank rows are left out)."""
    return [
        n
        for n in range(MAX_FORM_LINES)
        if blank(form.get(f"lines.{n}.item")) or blank(form.get(f"lines.{n}.quantity"))
    ]


def _line_errors(errors: dict[str, str], rows: list[int]) -> dict[str, str]:
    """``lines.K.field`` (the K-th line sent) -> the form row it came from."""
    out: dict[str, str] = {}
    for k, v in errors.items():
        parts = k.split(".")
        if (
            len(parts) > 1
            and parts[0] == "lines"
            and parts[1].isdigit()
            and int(parts[1]) < len(rows)
        ):
            k = ".".join(["lines", str(rows[int(parts[1])]), *parts[2:]])
        out[k] = f"{out[k]}; {v}" if k in out else v
    return out


def application_body(form: dict[str, str]) -> dict[str, Any]:
    """The form's fields as an ``ApplicationIn`` body (blank line rows left out)."""
    lines = []
    for n in _filled_rows(form):
        item = blank(form.get(f"lines.{n}.item"))
        qty = blank(form.get(f"lines.{n}.quantity"))
        line: dict[str, Any] = {
            "item": item or "",
            "quantity": qty or "",
            "unit": form.get(f"lines.{n}.unit") or "kg",
            "value": blank(form.get(f"lines.{n}.value")) or "",
            "currency": (form.get(f"lines.{n}.currency") or "USD").strip().upper(),
        }
        hs = blank(form.get(f"lines.{n}.hs"))
        if hs:
            line["hs"] = hs
        lines.append(line)
    return {
        "licence_type": form.get("licence_type", ""),
        "destination": (form.get("destination") or "").strip().upper(),
        "end_user": (form.get("end_user") or "").strip(),
        "end_use": form.get("end_use", ""),
        "end_use_detail": blank(form.get("end_use_detail")),
        "lines": lines,
    }


@router.post("/registry/applications")
async def application_create(request: Request) -> Response:
    rows: list[int] = []

    def act(user: User, form: dict[str, str]) -> str:
        rows[:] = _filled_rows(form)
        a = backend.create_application(user, application_body(form))
        return f"/registry/applications/{a['id']}"

    def again(ctx: Ctx, _u: User, form: dict[str, str], errs: dict[str, str], st: int) -> Response:
        return _application_form(ctx, form, errs, st)

    return await handle(
        request, act, again, again_on=(422,), fields=lambda e: _line_errors(e, rows)
    )


def form_values(a: dict[str, Any]) -> dict[str, str]:
    """An application as the form's fields (``lines.N.item`` ...)."""
    out = {k: str(a.get(k) or "") for k in ("licence_type", "destination", "end_user", "end_use")}
    out["end_use_detail"] = str(a.get("end_use_detail") or "")
    for n, line in enumerate(a.get("lines") or []):
        for k in ("item", "quantity", "unit", "value", "currency", "hs"):
            v = line.get(k)
            out[f"lines.{n}.{k}"] = "" if v is None else _plain(v)
    return out


def _plain(v: Any) -> str:
    """``500.0`` -> ``500`` (a quantity as typed), other values as they are."""
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def _keep_line_details(body: dict[str, Any], current: dict[str, Any]) -> dict[str, Any]:
    """Description and parameters are not on the form: a line whose item is
    unchanged keeps those of the draft (the update replaces the whole draft)."""
    old = current.get("lines") or []
    for n, line in enumerate(body["lines"]):
        if n < len(old) and old[n].get("item") == line["item"]:
            if old[n].get("description"):
                line["description"] = old[n]["description"]
            if old[n].get("params"):
                line["params"] = old[n]["params"]
    return body


def _draft(user: User, app_id: int) -> dict[str, Any]:
    """The application, if ``user`` may edit it (404 for another party's,
    as the API; 409 once it is no longer a draft)."""
    a = backend.application(user, app_id)
    if user.role != "exporter":
        raise backend.BackendError(403, [("", "only the applicant's exporters edit a draft")])
    if a["state"] != "draft":
        raise backend.BackendError(409, [("", f"only a draft may be edited (now {a['state']})")])
    return a


@router.get("/registry/applications/{app_id}/edit")
def application_edit(request: Request, app_id: int) -> Response:
    def go(ctx: Ctx, user: User) -> Response:
        a = _draft(user, app_id)
        return _application_form(ctx, form_values(a), {}, 200, edit=a)

    return show(request, app_id, go)


@router.post("/registry/applications/{app_id}/edit")
async def application_update(request: Request, app_id: int) -> Response:
    rows: list[int] = []

    def act(user: User, form: dict[str, str]) -> str:
        rows[:] = _filled_rows(form)
        current = _draft(user, app_id)
        body = _keep_line_details(application_body(form), current)
        backend.update_application(user, app_id, body)
        return f"/registry/applications/{app_id}"

    def again(ctx: Ctx, user: User, f: dict[str, str], errs: dict[str, str], st: int) -> Response:
        a = backend.application(user, app_id)
        if a["state"] != "draft":  # submitted meanwhile: show the application, not the form
            return _application_page(ctx, user, app_id, errs, st)
        return _application_form(ctx, f, errs, st, edit=a)

    return await handle(request, act, again, ident=app_id, fields=lambda e: _line_errors(e, rows))


def _application_page(
    ctx: Ctx, user: User, app_id: int, errors: dict[str, str], status: int = 200
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
    return show(request, app_id, lambda ctx, user: _application_page(ctx, user, app_id, {}))


def _decision_body(form: dict[str, str]) -> dict[str, Any]:
    body: dict[str, Any] = {"decision": form.get("decision", "")}
    for k in ("note", "valid_from", "valid_until"):
        if blank(form.get(k)):
            body[k] = blank(form.get(k))
    return body


@router.post("/registry/applications/{app_id}/{action}")
async def application_act(request: Request, app_id: int, action: str) -> Response:
    def act(user: User, form: dict[str, str]) -> str:
        if action == "submit":
            backend.submit_application(user, app_id)
        elif action == "withdraw":
            backend.withdraw_application(user, app_id)
        elif action == "review":
            backend.review_application(user, app_id)
        elif action == "decision":
            backend.decide_application(user, app_id, _decision_body(form))
        else:
            raise backend.BackendError(404, [("action", f"no action '{action}'")])
        return f"/registry/applications/{app_id}"

    def again(ctx: Ctx, user: User, _f: dict[str, str], errs: dict[str, str], st: int) -> Response:
        return _application_page(ctx, user, app_id, errs, st)

    return await handle(request, act, again, ident=app_id)
