"""The one place where the web pages call the rest of lanthanide.

Every page talks to these small typed functions and gets JSON-ready dicts
back (the same shapes as the HTTP API and ``--format json``), so the pages
depend on the answers, not on the layers that compute them. Switching this
module to the public ``lanthanide.Lanthanide`` client changes nothing else.

Errors come back as :class:`BackendError` with an HTTP-like status and the
fields they concern, whatever layer raised them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from lanthanide import services
from lanthanide.countries import countries as _countries
from lanthanide.decide import CaseError
from lanthanide.registry import service as _registry
from lanthanide.registry.db import Database, get_database
from lanthanide.registry.errors import Conflict, Invalid, RegistryError
from lanthanide.registry.schemas import (
    AmendIn,
    ApplicationIn,
    DecisionIn,
    ReportIn,
    ShipmentIn,
)
from lanthanide.rules import report as _report


@dataclass
class BackendError(Exception):
    """``status`` as the API would answer (401, 403, 404, 409, 422);
    ``errors`` are (field, message) pairs, field ``""`` for the whole form."""

    status: int
    errors: list[tuple[str, str]] = field(default_factory=list)
    reason: str | None = None

    def __str__(self) -> str:
        return "; ".join(f"{f}: {m}" if f else m for f, m in self.errors)

    def by_field(self) -> dict[str, str]:
        out: dict[str, str] = {}
        for f, m in self.errors:
            out[f] = f"{out[f]}; {m}" if f in out else m
        return out


@dataclass(frozen=True)
class User:
    """Who is signed in (what the pages need to know of the actor)."""

    user_id: int | None
    name: str
    role: str
    party_id: int | None


# ------------------------------------------------------------------ rulebook
def book_info() -> dict[str, str]:
    b = services.book()
    return {"version": b.version, "data_as_of": b.data_as_of.isoformat()}


def countries() -> dict[str, tuple[str, str]]:
    """ISO code -> (English name, Chinese name)."""
    return _countries()


def check(
    *,
    item: str | None = None,
    hs: str | None = None,
    text: str | None = None,
    kind: str | None = None,
    destination: str | None = None,
    on: str | None = None,
    end_use: str | None = None,
    end_user: str | None = None,
    params: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """The determination as ``Determination.to_dict()`` (with the trace).
    Raises :class:`BackendError` (422) naming the field for invalid input."""
    try:
        case = services.build_case(
            item=item,
            hs=hs,
            text=text,
            kind=kind,
            destination=destination,
            on=on,
            end_use=end_use,
            end_user=end_user,
            params=dict(params or {}),
        )
    except CaseError as exc:
        raise BackendError(422, [(exc.field, exc.message)]) from None
    return services.check(case).to_dict(trace=True)


def classify(q: str, *, kind: str | None = None, top: int = 10) -> dict[str, Any]:
    return services.classify(q, kind=kind, top=top)


def instruments(*, on: date | None = None, regime: str | None = None) -> list[dict[str, Any]]:
    return _report.list_instruments(services.book(), on=on, regime=regime)


def instrument(ident: str) -> dict[str, Any]:
    try:
        return _report.show(services.book(), ident)
    except _report.UnknownVersionError as exc:
        raise BackendError(404, [("ident", str(exc))]) from None


def coverage() -> dict[str, Any]:
    return _report.coverage(services.book())


def diff(a: str, b: str) -> dict[str, Any]:
    try:
        return _report.diff(services.book(), a, b)
    except _report.UnknownVersionError as exc:
        raise BackendError(404, [("a", str(exc))]) from None


# ------------------------------------------------------------------ registry
_db_factory: Callable[[], Database] = get_database


def use_database(factory: Callable[[], Database]) -> None:
    """Point the registry pages at another database (tests, ``serve --database-url``)."""
    global _db_factory
    _db_factory = factory


def _db() -> Database:
    return _db_factory()  # migrated on first use by Database.read/write


def _actor(user: User) -> _registry.Actor:
    return _registry.Actor(
        user_id=user.user_id, name=user.name, role=user.role, party_id=user.party_id
    )


def _wrap(exc: RegistryError) -> BackendError:
    if isinstance(exc, Invalid):
        return BackendError(exc.status, list(exc.errors))
    reason = exc.reason if isinstance(exc, Conflict) else None
    return BackendError(exc.status, [(exc.field or "", exc.message)], reason)


def _invalid(exc: ValidationError) -> BackendError:
    errors = []
    for e in exc.errors():
        loc = ".".join(str(p) for p in e["loc"])
        errors.append((loc, str(e["msg"])))
    return BackendError(422, errors)


def _call(fn: Callable[[], Any]) -> Any:
    try:
        return fn()
    except RegistryError as exc:
        raise _wrap(exc) from None
    except ValidationError as exc:
        raise _invalid(exc) from None


def _json(model: Any) -> dict[str, Any]:
    out: dict[str, Any] = model.model_dump(mode="json")
    return out


def authenticate(token: str) -> User:
    a = _call(lambda: _registry.authenticate(_db(), token))
    return User(user_id=a.user_id, name=a.name, role=a.role, party_id=a.party_id)


def applications(user: User, *, state: str | None = None) -> list[dict[str, Any]]:
    rows = _call(
        lambda: _registry.list_applications(_db(), _actor(user), state=state, limit=1000, offset=0)
    )
    return [_json(r) for r in rows]


def application(user: User, app_id: int) -> dict[str, Any]:
    return _json(_call(lambda: _registry.get_application(_db(), _actor(user), app_id)))


def create_application(user: User, data: Mapping[str, Any]) -> dict[str, Any]:
    def go() -> Any:
        return _registry.create_application(_db(), _actor(user), ApplicationIn.model_validate(data))

    return _json(_call(go))


def submit_application(user: User, app_id: int) -> dict[str, Any]:
    return _json(_call(lambda: _registry.submit_application(_db(), _actor(user), app_id)))


def withdraw_application(user: User, app_id: int) -> dict[str, Any]:
    return _json(_call(lambda: _registry.withdraw_application(_db(), _actor(user), app_id)))


def review_application(user: User, app_id: int) -> dict[str, Any]:
    return _json(_call(lambda: _registry.review_application(_db(), _actor(user), app_id)))


def decide_application(user: User, app_id: int, data: Mapping[str, Any]) -> dict[str, Any]:
    def go() -> Any:
        body = DecisionIn.model_validate(data)
        return _registry.decide_application(_db(), _actor(user), app_id, body)

    return _json(_call(go))


def licences(user: User) -> list[dict[str, Any]]:
    rows = _call(lambda: _registry.list_licences(_db(), _actor(user), limit=1000, offset=0))
    return [_json(r) for r in rows]


def licence(user: User, licence_id: int) -> dict[str, Any]:
    return _json(_call(lambda: _registry.get_licence(_db(), _actor(user), licence_id)))


def shipments(user: User, licence_id: int) -> list[dict[str, Any]]:
    rows = _call(lambda: _registry.list_shipments(_db(), _actor(user), licence_id))
    return [_json(r) for r in rows]


def ship(user: User, licence_id: int, data: Mapping[str, Any]) -> dict[str, Any]:
    def go() -> Any:
        body = ShipmentIn.model_validate(data)
        return _registry.draw_down(_db(), _actor(user), licence_id, body)[0]

    return _json(_call(go))


def reports(user: User) -> list[dict[str, Any]]:
    rows = _call(lambda: _registry.list_reports(_db(), _actor(user), limit=1000, offset=0))
    return [_json(r) for r in rows]


def create_report(user: User, data: Mapping[str, Any]) -> dict[str, Any]:
    def go() -> Any:
        return _registry.create_report(_db(), _actor(user), ReportIn.model_validate(data))[0]

    return _json(_call(go))


def summary(user: User) -> dict[str, Any]:
    return _json(_call(lambda: _registry.summary(_db(), _actor(user), since=None, until=None)))


def verify_audit(user: User) -> dict[str, Any]:
    out: dict[str, Any] = _call(lambda: _registry.verify_audit(_db(), _actor(user))).to_dict()
    return out


# -------------------------------------------------------------------- supply
def supply_shares(commodity: str, stage: str, year: int) -> dict[str, Any]:
    from lanthanide.supply.queries import QueryError, shares

    try:
        return shares(commodity, stage, year, None)
    except QueryError as exc:
        raise BackendError(422, [(exc.field, exc.message)]) from None


def supply_exposure(country: str, commodity: str, year: int | None = None) -> dict[str, Any]:
    from lanthanide.supply.queries import QueryError, exposure

    try:
        return exposure(country.upper(), commodity, year)
    except QueryError as exc:
        raise BackendError(422, [(exc.field, exc.message)]) from None
    except ValueError:  # no figures at all for this commodity (known on main: germanium)
        raise BackendError(422, [("commodity", f"no exposure figures for '{commodity}'")]) from None


def supply_commodities() -> dict[str, tuple[str, ...]]:
    """Commodity -> its modelled stages."""
    from lanthanide.supply.commodities import COMMODITIES

    return {name: tuple(c.stages) for name, c in COMMODITIES.items()}


def scenarios() -> list[str]:
    """Names of the bundled scenarios."""
    from importlib import resources

    root = resources.files("lanthanide.supply") / "scenarios"
    return sorted(p.name[: -len(".yaml")] for p in root.iterdir() if p.name.endswith(".yaml"))


def run_scenario(name: str) -> dict[str, Any]:
    """Run a bundled scenario; the same JSON as ``lanthanide scenario run``."""
    if name not in scenarios():
        raise BackendError(422, [("scenario", f"'{name}' is not a bundled scenario")])
    from lanthanide.supply import engine
    from lanthanide.supply.replay import bundled
    from lanthanide.supply.scenario import parse

    result: dict[str, Any] = engine.run(parse(bundled(name)))
    return result


# ----------------------------------------------------------------- screening
def screen_file(src: Path, out: Path, progress: Callable[[str, int, int], None]) -> dict[str, Any]:
    """Screen a declaration file with DuckDB (``lanthanide screen run``);
    the summary as ``Summary.to_dict()``. Bad input: :class:`BackendError` 422."""
    from lanthanide.screen.engines import InputError, make_engine
    from lanthanide.screen.run import screen

    try:
        with make_engine("duckdb") as eng:
            summary = screen(eng, services.book(), src, out, progress=progress, workers=1)
    except InputError as exc:
        raise BackendError(422, [("file", f"{exc.field}: {exc.message}")]) from None
    out_dict: dict[str, Any] = summary.to_dict()
    return out_dict


def report(user: User, report_id: int) -> dict[str, Any]:
    return _json(_call(lambda: _registry.get_report(_db(), _actor(user), report_id)))


def amend_report(user: User, report_id: int, data: Mapping[str, Any]) -> dict[str, Any]:
    def go() -> Any:
        return _registry.amend_report(_db(), _actor(user), report_id, AmendIn.model_validate(data))

    return _json(_call(go))
