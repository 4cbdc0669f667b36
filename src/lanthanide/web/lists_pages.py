"""China's party lists (control list, watch list, unreliable entity list,
countermeasures) on a chosen date, with a search box that uses the party
screening of :meth:`lanthanide.Lanthanide.screen_party`."""

from __future__ import annotations

import re
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from lanthanide.web import backend
from lanthanide.web.forms import clean as _clean
from lanthanide.web.render import context, page

router = APIRouter(include_in_schema=False)

MAX_QUERY = 500
"""The longest name searched (as ``Lanthanide.screen_party``)."""


def anchor(uid: str) -> str:
    """An HTML id for a list entry (``cn-…-control-list#6`` → ``e-cn-…-control-list-6``)."""
    return "e-" + re.sub(r"[^A-Za-z0-9_-]", "-", uid)


def sources(effects: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The sources of an entry's effects, each once (first tag seen)."""
    seen: dict[str, dict[str, Any]] = {}
    for e in effects:
        for s in e.get("sources") or []:
            seen.setdefault(str(s.get("url") or s.get("ref")), s)
    return list(seen.values())


@router.get("/rules/lists")
def lists_page(request: Request) -> Response:
    ctx = context(request)
    q = request.query_params
    name = _clean(q.get("q"))
    which = _clean(q.get("list"))
    on = _clean(q.get("on"))
    country = (_clean(q.get("country")) or "").upper() or None
    errors: dict[str, str] = {}
    if which is not None and which not in backend.PARTY_LISTS:
        allowed = ", ".join(backend.PARTY_LISTS)
        errors["list"] = ctx.t("l.e.list").format(v=which, allowed=allowed)
    if country is not None and (len(country) != 2 or not country.isalpha()):
        errors["country"] = ctx.t("l.e.country").format(v=country)
    if name is not None and len(name) > MAX_QUERY:
        errors["q"] = ctx.t("l.e.long").format(n=MAX_QUERY)
    listing: dict[str, Any] | None = None
    found: dict[str, Any] | None = None
    if not errors:
        try:
            listing = backend.party_lists(list_=which, on=on)
            if name is not None:
                found = backend.screen_party(name, on=on, country=country)
        except backend.BackendError as exc:
            for f, m in exc.errors:
                errors[f if f in ("q", "on", "country", "list") else "q"] = m
    entries = (listing or {}).get("entries", [])
    if country is not None:
        entries = [e for e in entries if e.get("country") == country]
    matches = (found or {}).get("matches", [])
    if which is not None and found is not None:
        matches = [m for m in matches if m.get("list") == backend.PARTY_LISTS[which]]
    return page(
        ctx,
        "lists.html",
        status=422 if errors else 200,
        q=name or "",
        which=which or "",
        on=on or "",
        country=country or "",
        lists=backend.PARTY_LISTS,
        listing=listing,
        entries=entries,
        found=found,
        matches=matches,
        errors=errors,
        anchor=anchor,
        sources=sources,
        countries=backend.countries(),
    )
