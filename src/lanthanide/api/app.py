"""HTTP API (FastAPI). Thin: validate, call a service, return JSON.

Every response carries ``X-Rulebook-Version``; errors are 4xx with the field
named (422 for invalid fields, 404 for unknown ids).
"""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from fastapi import FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.responses import Response

from lanthanide import __version__, services, web
from lanthanide.api import registry as registry_api
from lanthanide.api.classify import router as classify_router
from lanthanide.api.supply import router as supply_router
from lanthanide.decide import CaseError
from lanthanide.rules import report
from lanthanide.rules.loader import error_message
from lanthanide.rules.model import Regime


class CheckRequest(BaseModel):
    """Same fields as ``lanthanide check`` (``to`` and ``destination`` are
    the same field)."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    item: str | None = Field(
        None, description="Catalogue number or control code", examples=["1C902.a"]
    )
    hs: str | None = Field(None, description="Tariff line, 6-10 digits", examples=["2853909026"])
    text: str | None = Field(None, description="Free text matched against items")
    kind: Literal["goods", "technology", "service"] | None = None
    destination: str | None = Field(None, alias="to", description="ISO 3166-1 alpha-2")
    on: date | None = Field(None, description="Export date (default today)")
    end_use: Literal["civil", "military", "wmd", "re-activity-abroad"] | None = None
    end_user: str | None = None
    params: dict[str, float | str] = Field(default_factory=dict, examples=[{"purity": "99.995%"}])
    trace: bool = True


def _error(status: int, field: str, message: str) -> JSONResponse:
    return JSONResponse(
        status_code=status,
        content={
            "detail": [{"loc": ["body", *field.split(".")], "msg": message, "type": "value_error"}]
        },
    )


def create_app() -> FastAPI:
    book = services.book()
    app = FastAPI(
        title="lanthanide",
        version=__version__,
        description="China's export controls on critical minerals and technologies as "
        "versioned, cited rules. Every response carries the rulebook version in "
        "the X-Rulebook-Version header.",
    )

    @app.middleware("http")
    async def version_header(request: Request, call_next: Any) -> Response:
        response: Response = await call_next(request)
        response.headers["X-Rulebook-Version"] = book.version
        response.headers["X-Rulebook-Data-As-Of"] = book.data_as_of.isoformat()
        return response

    @app.exception_handler(RequestValidationError)
    async def validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        details = [
            {"loc": list(e["loc"]), "msg": error_message(e), "type": e["type"]}
            for e in exc.errors()
        ]
        return JSONResponse(status_code=422, content={"detail": details})

    app.include_router(supply_router)
    app.include_router(classify_router)

    @app.get("/api/v1/health")
    def health() -> dict[str, Any]:
        return {
            "status": "ok",
            "rulebook_version": book.version,
            "data_as_of": book.data_as_of.isoformat(),
        }

    @app.post("/api/v1/check")
    def check(req: CheckRequest) -> Any:
        """Decide one case; the same JSON as ``lanthanide check --format json``."""
        try:
            case = services.build_case(
                item=req.item,
                hs=req.hs,
                text=req.text,
                kind=req.kind,
                destination=req.destination,
                on=req.on,
                end_use=req.end_use,
                end_user=req.end_user,
                params=req.params,
            )
        except CaseError as exc:
            return _error(422, exc.field, exc.message)
        return services.check(case).to_dict(trace=req.trace)

    @app.get("/api/v1/rules")
    def rules(
        on: date | None = Query(None, description="Only instruments in force on this date"),
        regime: Regime | None = None,
    ) -> Any:
        return report.list_instruments(book, on=on, regime=regime)

    @app.get("/api/v1/rules/coverage")
    def coverage() -> Any:
        return report.coverage(book)

    @app.get("/api/v1/rules/diff")
    def diff(
        a: str = Query(..., description="Version or instrument id"),
        b: str = Query(..., description="Version or instrument id"),
    ) -> Any:
        try:
            return report.diff(book, a, b)
        except report.UnknownVersionError as exc:
            return JSONResponse(
                status_code=404,
                content={
                    "detail": [{"loc": ["query", "a/b"], "msg": str(exc), "type": "not_found"}]
                },
            )

    @app.get("/api/v1/rules/{ident}")
    def show(ident: str) -> Any:
        try:
            return report.show(book, ident)
        except report.UnknownVersionError as exc:
            return JSONResponse(
                status_code=404,
                content={
                    "detail": [{"loc": ["path", "ident"], "msg": str(exc), "type": "not_found"}]
                },
            )

    registry_api.install(app)
    web.mount(app)
    return app
