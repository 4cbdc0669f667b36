"""Rendering: the Jinja2 environment, the language, the session cookie and
the security headers of every page."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any
from urllib.parse import urlencode

import jinja2
from fastapi import Request
from fastapi.responses import HTMLResponse, Response

from lanthanide.web import backend, i18n
from lanthanide.web.sessions import COOKIE, IDLE_SECONDS, STORE, Session

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none'; "
    "base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)
"""No inline or remote script; styles may be set inline (plotly sets them)."""

SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
}


def secure(response: Response) -> Response:
    for k, v in SECURITY_HEADERS.items():
        response.headers.setdefault(k, v)
    return response


@cache
def env() -> jinja2.Environment:
    root = resources.files("lanthanide.web") / "templates"
    e = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(root)),
        autoescape=True,
        undefined=jinja2.ChainableUndefined,  # tolerate keys the layers below add or drop
        trim_blocks=True,
        lstrip_blocks=True,
    )
    e.filters["tojson_pretty"] = lambda v: json.dumps(v, ensure_ascii=False, indent=2)
    e.filters["urlencode_pairs"] = lambda pairs: urlencode(list(pairs))
    e.filters["n"] = number
    return e


def number(v: Any) -> str:
    """``1000.0`` -> ``1,000``; ``50.5`` -> ``50.5`` (quantities and values)."""
    if isinstance(v, bool) or not isinstance(v, int | float):
        return "" if v is None else str(v)
    if float(v).is_integer():
        return f"{int(v):,}"
    return f"{v:,.3f}".rstrip("0").rstrip(".")


@dataclass
class Ctx:
    """Per-request state shared by every page."""

    request: Request
    lang: str
    session: Session
    new_session: bool
    user: backend.User | None

    def t(self, key: str) -> str:
        return i18n.t(key, self.lang)

    def lang_url(self, lang: str) -> str:
        q = [(k, v) for k, v in self.request.query_params.multi_items() if k != "lang"]
        q.append(("lang", lang))
        return f"{self.request.url.path}?{urlencode(q)}"


def context(request: Request) -> Ctx:
    lang = i18n.pick(
        request.query_params.get("lang", ""),
        request.headers.get("accept-language"),
        request.cookies.get("lang"),
    )
    session = STORE.get(request.cookies.get(COOKIE))
    new = session is None
    if session is None:
        session = STORE.new()
    user: backend.User | None = None
    if session.token:
        try:
            user = backend.authenticate(session.token)
        except backend.BackendError:
            STORE.sign_out(session.sid)  # revoked or tampered: signed out
            session.token = None
    return Ctx(request=request, lang=lang, session=session, new_session=new, user=user)


def page(ctx: Ctx, template: str, status: int = 200, **values: Any) -> Response:
    html = (
        env()
        .get_template(template)
        .render(
            ctx=ctx,
            t=ctx.t,
            lang=ctx.lang,
            user=ctx.user,
            csrf=ctx.session.csrf,
            book=backend.book_info(),
            path=ctx.request.url.path,
            **values,
        )
    )
    response = HTMLResponse(html, status_code=status)
    return finish(ctx, response)


def finish(ctx: Ctx, response: Response) -> Response:
    if ctx.new_session:
        set_session_cookie(ctx.request, response, ctx.session.sid)
    if ctx.request.query_params.get("lang") in i18n.LANGS:
        response.set_cookie("lang", ctx.lang, max_age=365 * 86400, samesite="strict", httponly=True)
    response.headers.setdefault("Cache-Control", "no-store")
    return secure(response)


def set_session_cookie(request: Request, response: Response, sid: str) -> None:
    response.set_cookie(
        COOKIE,
        sid,
        max_age=IDLE_SECONDS,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
        path="/",
    )
