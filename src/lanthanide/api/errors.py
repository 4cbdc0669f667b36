"""The HTTP API's one error shape, and the handlers that produce it.

Every 4xx body is ``{"detail": [{"loc": [...], "msg": "...", "type": "..."}]}``
(FastAPI's own validation shape), ``loc`` naming where the bad value is
(``["body", "params", "purity"]``, ``["query", "top"]``). Routers build it
with :func:`problem`; invalid requests (FastAPI validation) and registry
errors are mapped by the handlers :func:`install` adds.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

__all__ = ["allowed_methods", "detail", "install", "loc", "problem", "problems"]


def loc(where: str, path: str, *, int_indices: bool = True) -> list[str | int]:
    """``("body", "lines.0.item")`` -> ``["body", "lines", 0, "item"]``, as
    pydantic reports it; ``controls[0].fraction`` is read as
    ``controls.0.fraction``. ``int_indices=False`` keeps indices as strings
    (the shape scenario errors have always had)."""
    parts = path.replace("[", ".").replace("]", "").split(".") if path else []
    return [where, *(int(p) if int_indices and p.isdigit() else p for p in parts)]


def detail(
    where: Sequence[str | int], msg: str, type: str = "value_error", **extra: Any
) -> dict[str, Any]:
    """One entry of ``detail``."""
    return {"loc": list(where), "msg": msg, "type": type, **extra}


def problems(
    status: int, details: list[dict[str, Any]], headers: Mapping[str, str] | None = None
) -> JSONResponse:
    """An error response with several entries (each from :func:`detail`)."""
    return JSONResponse(
        status_code=status,
        content={"detail": details},
        headers=dict(headers) if headers else None,
    )


def problem(
    status: int, where: Sequence[str | int], msg: str, type: str = "value_error", **extra: Any
) -> JSONResponse:
    """An error response naming the field at ``where``."""
    return problems(status, [detail(where, msg, type, **extra)])


_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


def allowed_methods(request: Request) -> list[str]:
    """Every method some route of the app serves at the request's path.
    Starlette's own 405 names only the first route whose path matches (so
    ``OPTIONS /api/v1/reports`` said ``Allow: POST`` though GET is served
    too); this asks every route, for each method."""
    from starlette.routing import Match

    methods: set[str] = set()
    for method in _METHODS:
        scope = {**request.scope, "method": method}
        if any(r.matches(scope)[0] == Match.FULL for r in request.app.router.routes):
            methods.add(method)
    return sorted(methods)


def install(app: FastAPI) -> None:
    """Map invalid requests to 422 with the allowed values in ``msg``."""
    from lanthanide.rules.loader import error_message

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        # FastAPI answers a body that is not JSON (or not UTF-8) with a bare
        # 400; give it the one shape and the status of any other invalid body.
        if exc.status_code == 400 and exc.detail == "There was an error parsing the body":
            return problem(422, ["body"], "the body is not valid JSON (UTF-8)", "json_invalid")
        if exc.status_code == 405:
            allow = allowed_methods(request)
            msg = f"{request.method} is not allowed here (allowed: {', '.join(allow)})"
            return problems(
                405,
                [detail(["method"], msg, "method_not_allowed")],
                headers={"Allow": ", ".join(allow)} if allow else None,
            )
        return await http_exception_handler(request, exc)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        return problems(
            422,
            [
                detail(e["loc"], error_message(e).removeprefix("Value error, "), e["type"])
                for e in exc.errors()
            ],
        )
