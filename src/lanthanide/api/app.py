"""HTTP API (FastAPI). Thin: validate, call one method of a
:class:`~lanthanide.Lanthanide`, return its JSON.

Every response carries ``X-Rulebook-Version``; errors are 4xx with the field
named (422 for invalid fields, 404 for unknown ids), in the one shape of
:mod:`lanthanide.api.errors`.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from starlette.responses import Response

from lanthanide import __version__, web
from lanthanide._client import Lanthanide, default
from lanthanide.api import errors, security
from lanthanide.api import registry as registry_api
from lanthanide.api.changes import router as changes_router
from lanthanide.api.check import router as check_router
from lanthanide.api.classify import router as classify_router
from lanthanide.api.deps import Client
from lanthanide.api.parties import router as parties_router
from lanthanide.api.rules import router as rules_router
from lanthanide.api.supply import router as supply_router


def create_app(ln: Lanthanide | None = None) -> FastAPI:
    """The app serving ``ln`` (default: the process's bundled-rulebook
    :func:`~lanthanide._client.default`); loads its rulebook now."""
    ln = ln or default()
    book = ln.rulebook
    app = FastAPI(
        title="lanthanide",
        version=__version__,
        description="China's export controls on critical minerals and technologies as "
        "versioned, cited rules. Every response carries the rulebook version in "
        "the X-Rulebook-Version header.",
        docs_url=None,  # served from the package by security.install_docs
        redoc_url=None,
    )
    app.state.lanthanide = ln
    app.state.auth_throttle = security.AuthThrottle()
    app.add_middleware(security.SecurityHeaders)
    # the web page's declaration upload checks its own, larger limit
    app.add_middleware(
        security.BodyLimit, larger={"/screen": web.registry_pages.MAX_UPLOAD_BYTES + 64 * 1024}
    )
    security.install_docs(app)

    @app.middleware("http")
    async def version_header(request: Request, call_next: Any) -> Response:
        response: Response = await call_next(request)
        response.headers["X-Rulebook-Version"] = book.version
        response.headers["X-Rulebook-Data-As-Of"] = book.data_as_of.isoformat()
        return response

    errors.install(app)
    app.include_router(supply_router)
    app.include_router(classify_router)
    app.include_router(parties_router)

    @app.get("/api/v1/health")
    def health(ln: Client) -> dict[str, Any]:
        return {
            "status": "ok",
            "rulebook_version": ln.rulebook.version,
            "data_as_of": ln.rulebook.data_as_of.isoformat(),
        }

    app.include_router(check_router)
    app.include_router(rules_router)
    app.include_router(changes_router)
    registry_api.install(app)
    web.mount(app)
    return app
