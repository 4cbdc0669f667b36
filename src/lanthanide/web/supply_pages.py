"""Supply pages: shares and HHI per commodity and stage, a country's
exposure, and scenarios (a bundled one, or one uploaded as YAML) with their
shortfalls and the Sankey of flows, drawn by the plotly of the package."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from lanthanide.web import backend
from lanthanide.web.forms import clean as _clean
from lanthanide.web.forms import csrf_page, csrf_passes
from lanthanide.web.render import Ctx, context, page

router = APIRouter(include_in_schema=False)

MAX_SCENARIO_BYTES = 256 * 1024
"""The largest scenario file accepted (bytes)."""


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


def scenario_charts(result: dict[str, Any] | None) -> dict[str, Any]:
    """The Sankey of the last year's flows and the shortfall per country."""
    charts: dict[str, Any] = {}
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
    return charts


def _scenario_page(
    ctx: Ctx,
    *,
    name: str = "",
    result: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    yaml_text: str = "",
    status: int | None = None,
) -> Response:
    errors = errors or {}
    return page(
        ctx,
        "scenario.html",
        status=status or (422 if errors else 200),
        name=name,
        scenarios=backend.scenarios(),
        result=result,
        charts=scenario_charts(result),
        errors=errors,
        yaml_text=yaml_text,
        max_kb=MAX_SCENARIO_BYTES // 1024,
    )


@router.get("/supply/scenario")
def scenario_page(request: Request) -> Response:
    ctx = context(request)
    name = _clean(request.query_params.get("scenario"))
    errors: dict[str, str] = {}
    result: dict[str, Any] | None = None
    if name:
        try:
            result = backend.run_scenario(name)
        except backend.BackendError as exc:
            errors["scenario"] = exc.errors[0][1]
    return _scenario_page(ctx, name=name or "", result=result, errors=errors)


@router.post("/supply/scenario")
async def scenario_upload(request: Request) -> Response:
    """An uploaded (or pasted) scenario, validated by the supply package's own
    loader: every problem is listed by the field it came in."""
    ctx = context(request)
    size = request.headers.get("content-length")
    too_big = ctx.t("sp.upload.too_big").format(kb=MAX_SCENARIO_BYTES // 1024)
    if size is not None and size.isdigit() and int(size) > MAX_SCENARIO_BYTES + 16 * 1024:
        return _scenario_page(ctx, errors={"file": too_big}, status=413)
    limit = MAX_SCENARIO_BYTES + 1
    async with request.form(max_files=1, max_fields=5, max_part_size=limit) as form:
        sent = form.get("csrf")
        if not csrf_passes(ctx, sent if isinstance(sent, str) else None):
            return csrf_page(ctx)
        upload = form.get("file")
        pasted = form.get("yaml")
        data = b""
        where = "yaml"
        if upload is not None and not isinstance(upload, str) and upload.filename:
            data, where = await upload.read(limit), "file"
        elif isinstance(pasted, str):
            data = pasted.encode("utf-8")
    text = pasted if isinstance(pasted, str) and where == "yaml" else ""
    if not data.strip():
        return _scenario_page(ctx, errors={where: ctx.t("sp.upload.empty")}, yaml_text=text)
    if len(data) > MAX_SCENARIO_BYTES:
        return _scenario_page(ctx, errors={where: too_big}, status=413, yaml_text=text)
    try:
        result = backend.run_scenario_file(data)
    except backend.BackendError as exc:
        msgs = "; ".join(f"{f}: {m}" if f else m for f, m in exc.errors)
        return _scenario_page(ctx, errors={where: msgs}, yaml_text=text)
    return _scenario_page(ctx, result=result, yaml_text=text)
