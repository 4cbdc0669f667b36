"""Public pages: check, classify, rules (no sign-in needed)."""

from __future__ import annotations

import json
import re
from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from lanthanide.web import backend
from lanthanide.web.forms import clean as _clean
from lanthanide.web.render import context, finish, page

router = APIRouter(include_in_schema=False)

CASE_FIELDS = ("item", "hs", "text", "kind", "to", "on", "end_use", "end_user", "params")
"""GET parameters of the check page (``to`` is the destination, as in the CLI)."""
KINDS = ("goods", "technology", "service")
END_USES = ("civil", "military", "wmd", "re-activity-abroad")
REGIMES = (
    "dual_use",
    "technology_catalogue",
    "goods_licence",
    "framework",
    "reporting",
    "end_user",
)
_PARAM_LINE = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*[=:：]\s*(.+?)\s*$")


def _form(request: Request) -> dict[str, str]:
    q = request.query_params
    out = {k: q.get(k, "") for k in CASE_FIELDS}
    for k, v in q.multi_items():
        if k.startswith("p.") and _clean(v):
            out[k] = v
    return out


def _params(form: dict[str, str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for n, raw in enumerate((form.get("params") or "").replace(";", "\n").splitlines(), 1):
        if not raw.strip():
            continue
        m = _PARAM_LINE.match(raw)
        if m is None:
            raise backend.BackendError(
                422, [("params", f"line {n} '{raw.strip()}': write name=value, e.g. purity=99.99%")]
            )
        out[m.group(1)] = m.group(2)
    for k, v in form.items():
        if k.startswith("p.") and _clean(v):
            out[k[2:]] = str(_clean(v))
    return out


def _submitted(form: dict[str, str], request: Request) -> bool:
    return "go" in request.query_params or any(_clean(v) for v in form.values())


def _determine(form: dict[str, str]) -> dict[str, Any]:
    return backend.check(
        item=_clean(form.get("item")),
        hs=_clean(form.get("hs")),
        text=_clean(form.get("text")),
        kind=_clean(form.get("kind")),
        destination=_clean(form.get("to")),
        on=_clean(form.get("on")),
        end_use=_clean(form.get("end_use")),
        end_user=_clean(form.get("end_user")),
        params=_params(form),
    )


def _field_of(name: str) -> str:
    """Where on the form an engine error goes (``destination`` is ``to``)."""
    if name == "destination":
        return "to"
    if name.startswith("params"):
        return "params"
    return name if name in CASE_FIELDS else "item"


def _item_option(opt: str) -> str:
    return opt.split(" ", 1)[0]


def _group_warnings(warnings: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """Warnings first, then each duty (``duty:...``) folded away."""
    out: dict[str, list[dict[str, Any]]] = {"warnings": [], "duties": []}
    for w in warnings:
        out["duties" if str(w.get("code", "")).startswith("duty:") else "warnings"].append(w)
    return out


def _query_pairs(form: dict[str, str], drop: set[str] | None = None) -> list[tuple[str, str]]:
    drop = drop or set()
    return [(k, v) for k, v in form.items() if v and v.strip() and k not in drop]


@router.get("/")
def home(request: Request) -> Response:
    return check_page(request)


@router.get("/check")
def check_page(request: Request) -> Response:
    ctx = context(request)
    form = _form(request)
    errors: dict[str, str] = {}
    answer: dict[str, Any] | None = None
    status = 200
    if _submitted(form, request):
        try:
            answer = _determine(form)
        except backend.BackendError as exc:
            status = exc.status
            for f, m in exc.errors:
                errors[_field_of(f)] = m
    asked = {q["field"] for q in (answer or {}).get("questions", [])}
    drop = {"to" if f == "destination" else f for f in asked}
    return page(
        ctx,
        "check.html",
        status=status,
        form=form,
        errors=errors,
        answer=answer,
        groups=_group_warnings(answer["warnings"]) if answer else {},
        hidden=_query_pairs(form, drop | {"go"}),
        permalink=_query_pairs(form),
        item_option=_item_option,
        countries=backend.countries(),
        kinds=KINDS,
        end_uses=END_USES,
        today=date.today().isoformat(),
    )


@router.get("/check.json")
def check_json(request: Request) -> Response:
    ctx = context(request)
    form = _form(request)
    try:
        body: Any = _determine(form)
        status = 200
    except backend.BackendError as exc:
        status = exc.status
        body = {"detail": [{"loc": ["query", _field_of(f)], "msg": m} for f, m in exc.errors]}
    r = Response(
        json.dumps(body, ensure_ascii=False, indent=2),
        status_code=status,
        media_type="application/json",
        headers={"Content-Disposition": 'attachment; filename="determination.json"'},
    )
    return finish(ctx, r)


@router.get("/classify")
def classify_page(request: Request) -> Response:
    ctx = context(request)
    q = _clean(request.query_params.get("q"))
    kind = _clean(request.query_params.get("kind"))
    errors: dict[str, str] = {}
    result: dict[str, Any] | None = None
    status = 200
    if kind not in (None, "goods", "technology"):
        errors["kind"] = f"'{kind}' is not allowed (allowed: goods, technology)"
        status = 422
    elif q is not None:
        if len(q) > 2000:
            errors["q"] = "at most 2000 characters"
            status = 422
        else:
            result = backend.classify(q, kind=kind, top=10)
    elif "q" in request.query_params:
        errors["q"] = "type a product, a code or a tariff line"
        status = 422
    return page(
        ctx,
        "classify.html",
        status=status,
        q=q or "",
        kind=kind or "",
        result=result,
        errors=errors,
        highlight=_highlight,
        terms=_terms,
    )


def _terms(matched: dict[str, Any] | None) -> list[str]:
    """Keywords matched, and what the matched concepts stand for ("氧化 → oxide")."""
    if not matched:
        return []
    out = [str(k) for k in matched.get("keywords") or []]
    for c in matched.get("concepts") or []:
        if isinstance(c, str) and "→" in c:
            out.extend(p.strip() for p in c.split("→"))
    return out


def _highlight(text: str | None, terms: list[str]) -> list[tuple[str, bool]]:
    """``text`` cut into (piece, matched) for the matched keywords (longest first)."""
    if not text:
        return []
    terms = sorted({t for t in terms if t and len(t) <= 100}, key=len, reverse=True)
    if not terms:
        return [(text, False)]
    # Latin terms match whole words only ("dy" is not the start of "Dysprosium")
    pat = re.compile(
        "|".join(rf"\b{re.escape(t)}\b" if t.isascii() else re.escape(t) for t in terms),
        re.IGNORECASE,
    )
    out: list[tuple[str, bool]] = []
    pos = 0
    for m in pat.finditer(text):
        if m.start() > pos:
            out.append((text[pos : m.start()], False))
        out.append((m.group(0), True))
        pos = m.end()
    if pos < len(text):
        out.append((text[pos:], False))
    return out


@router.get("/rules")
def rules_page(request: Request) -> Response:
    ctx = context(request)
    on_raw = _clean(request.query_params.get("on"))
    regime = _clean(request.query_params.get("regime"))
    errors: dict[str, str] = {}
    on: date | None = None
    if on_raw:
        try:
            on = date.fromisoformat(on_raw)
        except ValueError:
            errors["on"] = f"'{on_raw}' is not a date; use YYYY-MM-DD"
    rows: list[dict[str, Any]] = []
    if not errors:
        try:
            rows = backend.instruments(on=on, regime=regime)
        except backend.BackendError as exc:
            for f, m in exc.errors:
                errors[f if f in ("on", "regime") else "regime"] = m
    regimes = sorted({r["regime"] for r in backend.instruments()})
    return page(
        ctx,
        "rules.html",
        status=422 if errors else 200,
        rows=rows,
        on=on_raw or "",
        regime=regime or "",
        regimes=regimes,
        errors=errors,
    )


@router.get("/rules/coverage")
def coverage_page(request: Request) -> Response:
    ctx = context(request)
    return page(ctx, "coverage.html", cov=backend.coverage())


@router.get("/rules/diff")
def diff_page(request: Request) -> Response:
    ctx = context(request)
    a = _clean(request.query_params.get("a"))
    b = _clean(request.query_params.get("b"))
    result: dict[str, Any] | None = None
    errors: dict[str, str] = {}
    if a and b:
        try:
            result = backend.diff(a, b)
        except backend.BackendError as exc:
            errors["a"] = str(exc.errors[0][1])
    cov = backend.coverage()
    versions = [
        (str(c["instrument"]), f"{c['catalogue']} {c['version']} — {c.get('number') or ''}")
        for c in cov.get("catalogues", [])
    ]
    return page(
        ctx,
        "diff.html",
        status=404 if errors else 200,
        a=a or "",
        b=b or "",
        result=result,
        errors=errors,
        versions=versions,
    )


@router.get("/rules/{ident}")
def instrument_page(request: Request, ident: str) -> Response:
    ctx = context(request)
    try:
        inst = backend.instrument(ident)
    except backend.BackendError:
        return page(ctx, "error.html", status=404, message=ctx.t("e.404"))
    return page(ctx, "instrument.html", inst=inst)
