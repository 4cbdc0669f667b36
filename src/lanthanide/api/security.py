"""What the server does to every request before a router sees it: a request
body limit (413), security headers on every response, throttling of repeated
authentication failures per client address (429 with ``Retry-After``), and
Swagger UI served from the installed package (no CDN), so that ``/docs``
works offline. See ``docs/security.md`` for the promises and their tests.
"""

from __future__ import annotations

import json
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping, MutableMapping
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html, get_swagger_ui_oauth2_redirect_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

__all__ = [
    "API_CSP",
    "DOCS_CSP",
    "MAX_BODY_BYTES",
    "AuthThrottle",
    "BodyLimit",
    "SecurityHeaders",
    "install_docs",
]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Any]
Send = Callable[[Message], Any]
ASGIApp = Callable[[Scope, Receive, Send], Any]

MAX_BODY_BYTES = 1_000_000
"""The largest request body accepted (bytes); beyond it, 413."""

API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
"""The Content-Security-Policy of JSON responses: nothing may load or frame them."""

DOCS_CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; "
    "form-action 'self'"
)
"""The policy of ``/docs`` (Swagger UI's page has one inline script); same origin only."""

DOCS_PATHS = ("/docs", "/static/swagger/")


async def _send_json(send: Send, status: int, body: dict[str, Any], headers: list[Any]) -> None:
    data = json.dumps(body).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(data)).encode()),
                *headers,
            ],
        }
    )
    await send({"type": "http.response.body", "body": data})


class BodyLimit:
    """ASGI middleware: a request whose body is larger than ``limit`` bytes
    gets 413 (by its ``Content-Length`` before anything is read, or as soon
    as the streamed body passes the limit), in the API's one error shape."""

    def __init__(
        self,
        app: ASGIApp,
        limit: int = MAX_BODY_BYTES,
        larger: Mapping[str, int] | None = None,
    ) -> None:
        self.app = app
        self.limit = limit
        self.larger = dict(larger or {})
        """Exact paths allowed a larger body (the web page's declaration-file
        upload, which checks its own limit)."""

    def _problem(self) -> dict[str, Any]:
        msg = f"the request body is larger than {self.limit} bytes"
        return {"detail": [{"loc": ["body"], "msg": msg, "type": "too_large"}]}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.larger.get(str(scope.get("path", "")), self.limit)
        if limit != self.limit:
            await BodyLimit(self.app, limit)(scope, receive, send)
            return
        for name, value in scope.get("headers", ()):
            if name == b"content-length":
                try:
                    size = int(value)
                except ValueError:
                    size = -1
                if size < 0 or size > self.limit:
                    await _send_json(send, 413 if size > 0 else 400, self._problem(), [])
                    return
        seen = 0
        started = refused = False

        async def limited_receive() -> Message:
            nonlocal seen, refused
            if refused:
                return {"type": "http.disconnect"}
            message: Message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    # Answer now; the app sees a disconnected client and
                    # whatever it sends afterwards is dropped.
                    refused = True
                    if not started:
                        await _send_json(send, 413, self._problem(), [])
                    return {"type": "http.disconnect"}
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if refused:
                return
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        await self.app(scope, limited_receive, guarded_send)


class SecurityHeaders:
    """ASGI middleware: every response carries ``Content-Security-Policy``
    (:data:`API_CSP`, :data:`DOCS_CSP` on the docs), ``X-Content-Type-Options:
    nosniff``, ``Referrer-Policy: no-referrer``, ``X-Frame-Options: DENY`` and
    ``Cross-Origin-Resource-Policy: same-origin``. A header the route set
    itself (a web page's own policy) is kept."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = str(scope.get("path", ""))
        csp = DOCS_CSP if path.startswith(DOCS_PATHS) else API_CSP
        defaults = {
            b"content-security-policy": csp.encode(),
            b"x-content-type-options": b"nosniff",
            b"referrer-policy": b"no-referrer",
            b"x-frame-options": b"DENY",
            b"cross-origin-resource-policy": b"same-origin",
        }

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {bytes(k).lower() for k, _ in headers}
                headers += [(k, v) for k, v in defaults.items() if k not in present]
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, with_headers)


class AuthThrottle:
    """Failed authentications per client address: after ``limit`` failures
    within ``window`` seconds the address is refused (429, ``Retry-After``)
    until the window has passed. Memory is bounded: at most ``max_clients``
    addresses are tracked, the least recently seen forgotten first."""

    def __init__(
        self,
        limit: int = 10,
        window: float = 60.0,
        max_clients: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.limit, self.window, self.max_clients, self.clock = limit, window, max_clients, clock
        self._failures: OrderedDict[str, list[float]] = OrderedDict()
        self._lock = threading.Lock()

    def _recent(self, client: str, now: float) -> list[float]:
        times = [t for t in self._failures.get(client, []) if now - t < self.window]
        if times:
            self._failures[client] = times
            self._failures.move_to_end(client)
        else:
            self._failures.pop(client, None)
        return times

    def retry_after(self, client: str) -> int | None:
        """Seconds until ``client`` may try again, or None if it may now."""
        with self._lock:
            now = self.clock()
            times = self._recent(client, now)
            if len(times) < self.limit:
                return None
            return max(1, int(self.window - (now - times[-self.limit])) + 1)

    def failed(self, client: str) -> None:
        """Record one failed authentication from ``client``."""
        with self._lock:
            now = self.clock()
            times = self._recent(client, now)
            times.append(now)
            self._failures[client] = times[-self.limit :]
            self._failures.move_to_end(client)
            while len(self._failures) > self.max_clients:
                self._failures.popitem(last=False)

    def forget(self) -> None:
        """Forget every recorded failure."""
        with self._lock:
            self._failures.clear()

    def __len__(self) -> int:
        return len(self._failures)


def install_docs(app: FastAPI) -> None:
    """``/docs``: Swagger UI from the installed ``swagger-ui-bundle`` package,
    under ``/static/swagger`` (same origin, works offline). ReDoc is not
    offered (no package ships its assets)."""
    from swagger_ui_bundle import swagger_ui_path  # type: ignore[import-untyped]

    app.mount("/static/swagger", StaticFiles(directory=swagger_ui_path), name="swagger")
    openapi_url = app.openapi_url or "/openapi.json"
    redirect = app.swagger_ui_oauth2_redirect_url or "/docs/oauth2-redirect"

    @app.get("/docs", include_in_schema=False)
    def _docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=openapi_url,
            title=f"{app.title} - Swagger UI",
            oauth2_redirect_url=redirect,
            swagger_js_url="/static/swagger/swagger-ui-bundle.js",
            swagger_css_url="/static/swagger/swagger-ui.css",
            swagger_favicon_url="/static/swagger/favicon-32x32.png",
        )

    @app.get(redirect, include_in_schema=False)
    def _redirect() -> HTMLResponse:
        return get_swagger_ui_oauth2_redirect_html()
