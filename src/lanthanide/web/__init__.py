"""Server-rendered web pages (Jinja2, vendored htmx, plotly from its package).

``mount(app)`` adds the pages to the FastAPI application of ``lanthanide
serve``: check, classify and rules at ``/``, the registry under
``/registry``, static assets under ``/static``. Everything the pages need
from the rest of lanthanide goes through :mod:`lanthanide.web.backend`.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from importlib.util import find_spec
from pathlib import Path
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import Response

from lanthanide.web import (
    application_pages,
    backend,
    lists_pages,
    pages,
    registry_pages,
    screen_pages,
    supply_pages,
)
from lanthanide.web.render import secure

__all__ = ["mount", "router"]

_TYPES = {
    ".js": "text/javascript",
    ".css": "text/css",
    ".txt": "text/plain",
    ".svg": "image/svg+xml",
}

router = APIRouter(include_in_schema=False)
router.include_router(lists_pages.router)  # /rules/lists before /rules/{ident}
router.include_router(pages.router)
router.include_router(registry_pages.router)
router.include_router(application_pages.router)
router.include_router(screen_pages.router)
router.include_router(supply_pages.router)


@cache
def _plotly_js() -> bytes:
    spec = find_spec("plotly")
    assert spec is not None and spec.origin is not None
    return (Path(spec.origin).parent / "package_data" / "plotly.min.js").read_bytes()


@cache
def _asset(name: str) -> bytes | None:
    root = resources.files("lanthanide.web") / "static"
    parts = name.split("/")
    if any(p in ("", ".", "..") for p in parts):
        return None
    node: Any = root
    for p in parts:
        node = node / p
    if not node.is_file():
        return None
    data: bytes = node.read_bytes()
    return data


@router.get("/static/{name:path}")
def static(name: str) -> Response:
    if name == "vendor/plotly.min.js":
        body: bytes | None = _plotly_js()
    else:
        body = _asset(name)
    if body is None:
        return secure(Response("not found", status_code=404, media_type="text/plain"))
    media = _TYPES.get(Path(name).suffix, "application/octet-stream")
    r = Response(body, media_type=media, headers={"Cache-Control": "public, max-age=3600"})
    return secure(r)


def mount(app: FastAPI) -> None:
    """Add the pages and the security headers of every non-API response. The
    pages serve the app's :class:`~lanthanide.Lanthanide` (``app.state.lanthanide``)
    when it has one."""
    ln = getattr(app.state, "lanthanide", None)
    if ln is not None:
        backend.use_client(lambda: ln)
    app.include_router(router)

    @app.middleware("http")
    async def _headers(request: Request, call_next: Any) -> Response:
        response: Response = await call_next(request)
        if not request.url.path.startswith(("/api/", "/docs", "/redoc", "/openapi")):
            secure(response)
        return response
