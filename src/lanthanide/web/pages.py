"""Public pages: check, classify, rules (no sign-in needed)."""

from __future__ import annotations

import json
import re
from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from lanthanide.web import backend
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


def _clean(v: str | None) -> str | None:
    """Blank and whitespace-only values (also U+3000) count as not given."""
    if v is None:
        return None
    v = v.replace("\u3000", " ").strip()
    return v or None


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


def _chart(data: list[dict[str, Any]], **layout: Any) -> dict[str, Any]:
    base = {"margin": {"t": 10, "r": 10, "b": 40, "l": 60}, "height": 320}
    return {"data": data, "layout": {**base, **layout}}


def _int(v: str | None) -> int | None:
    try:
        return int(v) if v else None
    except ValueError:
        return None


@router.get("/supply")
def supply_page(request: Request) -> Response:
    ctx = context(request)
    q = request.query_params
    commodities = backend.supply_commodities()
    commodity = _clean(q.get("commodity")) or "rare_earth"
    stage = _clean(q.get("stage")) or (commodities.get(commodity) or ("mining",))[0]
    year_raw = _clean(q.get("year")) or "2024"
    country = (_clean(q.get("country")) or "").upper()
    errors: dict[str, str] = {}
    shares: dict[str, Any] | None = None
    exposure: dict[str, Any] | None = None
    charts: dict[str, Any] = {}
    year = _int(year_raw)
    if year is None:
        errors["year"] = f"'{year_raw}' is not a year"
    else:
        try:
            shares = backend.supply_shares(commodity, stage, year)
        except backend.BackendError as exc:
            for f, m in exc.errors:
                errors[f if f in ("commodity", "stage", "year") else "stage"] = m
    if shares and shares.get("editions"):
        ed = shares["editions"][0]
        rows = ed.get("countries") or []
        charts["shares"] = _chart(
            [
                {
                    "type": "bar",
                    "x": [r["country"] for r in rows],
                    "y": [round(100 * (r.get("share") or 0), 2) for r in rows],
                    "marker": {"color": "#0b5cad"},
                }
            ],
            yaxis={"title": {"text": "% of world"}},
            xaxis={"type": "category"},
        )
    if country:
        try:
            exposure = backend.supply_exposure(country, commodity, None)
        except backend.BackendError as exc:
            errors["country"] = "; ".join(m for _f, m in exc.errors)
    if exposure and exposure.get("stages"):
        st = exposure["stages"]
        charts["exposure"] = _chart(
            [
                {
                    "type": "bar",
                    "name": "world HHI",
                    "x": [s["stage"] for s in st],
                    "y": [s.get("world_hhi") for s in st],
                    "marker": {"color": "#8a6100"},
                }
            ],
            yaxis={"title": {"text": "HHI"}},
            xaxis={"type": "category"},
        )
    status = 422 if errors else 200
    return page(
        ctx,
        "supply.html",
        status=status,
        commodities=commodities,
        commodity=commodity,
        stage=stage,
        year=year_raw,
        country=country,
        shares=shares,
        exposure=exposure,
        charts=charts,
        errors=errors,
        scenarios=backend.scenarios(),
    )


@router.get("/supply/scenario")
def scenario_page(request: Request) -> Response:
    ctx = context(request)
    name = _clean(request.query_params.get("scenario"))
    errors: dict[str, str] = {}
    result: dict[str, Any] | None = None
    charts: dict[str, Any] = {}
    if name:
        try:
            result = backend.run_scenario(name)
        except backend.BackendError as exc:
            errors["scenario"] = exc.errors[0][1]
    if result and result.get("years"):
        y = result["years"][-1]
        flows = [f for f in y.get("flows", []) if f.get("value", 0) > 0]
        total = sum(f["value"] for f in flows) or 1.0
        flows = [f for f in flows if f["value"] / total >= 0.002]
        labels = sorted(
            {f"{f['from']} {f['from_stage']}" for f in flows}
            | {f"{f['to']} {f['to_stage']}" for f in flows}
        )
        ix = {lab: k for k, lab in enumerate(labels)}
        charts["sankey"] = _chart(
            [
                {
                    "type": "sankey",
                    "node": {"label": labels, "pad": 12},
                    "link": {
                        "source": [ix[f"{f['from']} {f['from_stage']}"] for f in flows],
                        "target": [ix[f"{f['to']} {f['to_stage']}"] for f in flows],
                        "value": [round(f["value"], 3) for f in flows],
                    },
                }
            ],
            height=520,
        )
        rows = [c for c in y.get("countries", [])]
        charts["shortfall"] = _chart(
            [
                {
                    "type": "bar",
                    "x": [c["country"] for c in rows],
                    "y": [round(c.get("shortfall") or 0, 1) for c in rows],
                    "marker": {"color": "#a4161a"},
                }
            ],
            yaxis={"title": {"text": result.get("unit", "")}},
            xaxis={"type": "category"},
        )
    return page(
        ctx,
        "scenario.html",
        status=422 if errors else 200,
        name=name or "",
        scenarios=backend.scenarios(),
        result=result,
        charts=charts,
        errors=errors,
    )
