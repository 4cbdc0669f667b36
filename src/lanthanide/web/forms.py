"""The one way a page handles a form: read the POST (size-limited, CSRF
checked), require a signed-in user, run the action, and either redirect
(303, post/redirect/get) or show the form again with every error next to its
field; anything else (401, 403, 404) is the error page.

Every registry page is built on :func:`handle`, :func:`show` and
:func:`guard`, so the checks are the same everywhere.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import Any

from fastapi import Request
from fastapi.responses import RedirectResponse, Response

from lanthanide.web import backend
from lanthanide.web.render import Ctx, context, finish, page
from lanthanide.web.sessions import csrf_ok

MAX_FORM_BYTES = 64 * 1024
MAX_ID = 2**31 - 1

Act = Callable[[backend.User, dict[str, str]], str]
"""Does what the form asks; returns where to go next. Raises :class:`backend.BackendError`."""
Again = Callable[[Ctx, backend.User, dict[str, str], dict[str, str], int], Response]
"""Shows the form again: (ctx, user, values sent, errors by field, status)."""


async def read_post(request: Request) -> tuple[Ctx, dict[str, str]] | Response:
    """The context and the fields of a POST, or the 413/403 page."""
    ctx = context(request)
    size = request.headers.get("content-length")
    if size is not None and size.isdigit() and int(size) > MAX_FORM_BYTES:
        return page(ctx, "error.html", status=413, message="form too large")
    async with request.form(max_files=0, max_fields=200) as form:
        fields = {k: v for k, v in form.multi_items() if isinstance(v, str)}
    if not csrf_passes(ctx, fields.get("csrf")):
        return csrf_page(ctx)
    return ctx, fields


def csrf_passes(ctx: Ctx, sent: str | None) -> bool:
    return not ctx.new_session and csrf_ok(ctx.session, sent)


def csrf_page(ctx: Ctx) -> Response:
    return page(ctx, "error.html", status=403, message=ctx.t("e.csrf"))


def redirect(ctx: Ctx, url: str) -> Response:
    return finish(ctx, RedirectResponse(url, status_code=303))


def need_user(ctx: Ctx) -> Response:
    return page(ctx, "signin.html", status=401, errors={}, message=ctx.t("e.401"))


def not_found(ctx: Ctx) -> Response:
    return page(ctx, "error.html", status=404, message=ctx.t("e.404"))


def error_page(ctx: Ctx, exc: backend.BackendError) -> Response:
    key = {401: "e.401", 403: "e.403", 404: "e.404"}.get(exc.status)
    msg = ctx.t(key) if key else str(exc)
    return page(ctx, "error.html", status=exc.status, message=msg, detail=str(exc))


def guard(ctx: Ctx, fn: Callable[[backend.User], Response]) -> Response:
    """``fn(user)`` for a signed-in user; its :class:`backend.BackendError` as the error page."""
    if ctx.user is None:
        return need_user(ctx)
    try:
        return fn(ctx.user)
    except backend.BackendError as exc:
        return error_page(ctx, exc)


def show(request: Request, ident: int, fn: Callable[[Ctx, backend.User], Response]) -> Response:
    """A GET page of one record: 404 for an id out of range, else :func:`guard`."""
    ctx = context(request)
    if not 1 <= ident <= MAX_ID:
        return not_found(ctx)
    return guard(ctx, lambda user: fn(ctx, user))


def top_level(errors: dict[str, str]) -> dict[str, str]:
    """``elements.0`` -> ``elements``: errors of list members shown by the list's field."""
    out: dict[str, str] = {}
    for k, v in errors.items():
        key = k.split(".")[0]
        out[key] = f"{out[key]}; {v}" if key in out else v
    return out


async def handle(
    request: Request,
    act: Act,
    again: Again,
    *,
    ident: int | None = None,
    again_on: Collection[int] = (409, 422),
    fields: Callable[[dict[str, str]], dict[str, str]] | None = None,
) -> Response:
    """A registry form POST from start to end (see the module docstring).

    ``ident``: the record id of the URL (404 when out of range); ``again_on``:
    the statuses that show the form again (others: the error page);
    ``fields``: maps the errors' field names onto the form's."""
    got = await read_post(request)
    if isinstance(got, Response):
        return got
    ctx, form = got
    user = ctx.user
    if user is None:
        return need_user(ctx)
    if ident is not None and not 1 <= ident <= MAX_ID:
        return not_found(ctx)
    try:
        url = act(user, form)
    except backend.BackendError as exc:
        if exc.status not in again_on:
            return error_page(ctx, exc)
        errors = exc.by_field()
        if fields is not None:
            errors = fields(errors)
        try:
            return again(ctx, user, form, errors, exc.status)
        except backend.BackendError as other:
            return error_page(ctx, other)
    return redirect(ctx, url)


def clean(v: str | None) -> str | None:
    """Like :func:`blank`, also for values of ideographic spaces (U+3000) only."""
    return blank(v.replace("\u3000", " ")) if v is not None else None


def blank(v: str | None) -> str | None:
    """``None`` for a missing or whitespace-only value, else the stripped value."""
    if v is None:
        return None
    v = v.strip()
    return v or None


def stripped(form: dict[str, str], *names: str, upper: bool = False) -> dict[str, Any]:
    """The named fields, stripped (upper-cased with ``upper``); missing ones as ``""``."""
    out: dict[str, Any] = {}
    for k in names:
        v = (form.get(k) or "").strip()
        out[k] = v.upper() if upper else v
    return out
