"""The one place where the web pages call the rest of lanthanide: the public
:class:`lanthanide.Lanthanide` (and its :class:`~lanthanide.registry.Registry`).

Every page talks to these small typed functions and gets JSON-ready dicts
back (the same shapes as the HTTP API and ``--format json``), so the pages
depend on the answers, not on the layers that compute them.

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

from lanthanide._client import PARTY_LIST_ALIASES, Lanthanide, default
from lanthanide.countries import countries as _countries
from lanthanide.decide import CaseError
from lanthanide.registry import Actor, Registry
from lanthanide.registry.db import Database, get_database
from lanthanide.registry.errors import Conflict, Invalid, RegistryError
from lanthanide.registry.schemas import (
    AmendIn,
    ApplicationIn,
    DecisionIn,
    ReportIn,
    ShipmentIn,
)


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


_client: Callable[[], Lanthanide] = default


def use_client(factory: Callable[[], Lanthanide]) -> None:
    """Serve another :class:`Lanthanide` (e.g. the app's own)."""
    global _client
    _client = factory


def _ln() -> Lanthanide:
    return _client()


# ------------------------------------------------------------------ rulebook
def book_info() -> dict[str, str]:
    b = _ln().rulebook
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
        d = _ln().check(
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
    out: dict[str, Any] = d.to_dict(trace=True)
    return out


def classify(q: str, *, kind: str | None = None, top: int = 10) -> dict[str, Any]:
    ln = _ln()
    try:
        out: dict[str, Any] = ln.classify(q, kind=kind, top=top).to_dict()
    except CaseError as exc:
        raise BackendError(422, [(exc.field, exc.message)]) from None
    out["rulebook_version"] = ln.rulebook.version
    return out


def instruments(*, on: date | None = None, regime: str | None = None) -> list[dict[str, Any]]:
    try:
        return _ln().instruments(on=on, regime=regime)
    except CaseError as exc:
        raise BackendError(422, [(exc.field, exc.message)]) from None


def instrument(ident: str) -> dict[str, Any]:
    try:
        return _ln().instrument(ident)
    except LookupError as exc:
        raise BackendError(404, [("ident", str(exc).strip("'\""))]) from None


def coverage() -> dict[str, Any]:
    return _ln().coverage()


def diff(a: str, b: str) -> dict[str, Any]:
    try:
        return _ln().diff(a, b)
    except LookupError as exc:
        raise BackendError(404, [("a", str(exc).strip("'\""))]) from None


# ------------------------------------------------------------------- parties
PARTY_LISTS: dict[str, str] = dict(PARTY_LIST_ALIASES)
"""The four party lists: short name (as ``parties list --list``) -> list id."""


def party_lists(*, list_: str | None = None, on: str | None = None) -> dict[str, Any]:
    """Every listed party with its status and effects on ``on``
    (``Lanthanide.party_lists``). Bad ``list``/``on``: :class:`BackendError` 422."""
    try:
        return _ln().party_lists(list_, on)
    except CaseError as exc:
        raise BackendError(422, [(exc.field, exc.message)]) from None


def screen_party(name: str, *, on: str | None = None, country: str | None = None) -> dict[str, Any]:
    """A name screened against the party lists (``Lanthanide.screen_party``):
    matches with score, confidence and the per-feature explanation."""
    try:
        return _ln().screen_party(name, on, country)
    except CaseError as exc:
        raise BackendError(422, [(exc.field, exc.message)]) from None


# ------------------------------------------------------------------ registry
_db_factory: Callable[[], Database] = get_database


def use_database(factory: Callable[[], Database]) -> None:
    """Point the registry pages at another database (tests, ``serve --database-url``)."""
    global _db_factory
    _db_factory = factory


def _reg() -> Registry:
    return _ln().registry(_db_factory())


def _actor(user: User) -> Actor:
    return Actor(user_id=user.user_id, name=user.name, role=user.role, party_id=user.party_id)


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
    a = _call(lambda: _reg().authenticate(token))
    return User(user_id=a.user_id, name=a.name, role=a.role, party_id=a.party_id)


def applications(user: User, *, state: str | None = None) -> list[dict[str, Any]]:
    rows = _call(lambda: _reg().list_applications(_actor(user), state=state, limit=1000, offset=0))
    return [_json(r) for r in rows]


def application(user: User, app_id: int) -> dict[str, Any]:
    return _json(_call(lambda: _reg().get_application(_actor(user), app_id)))


def create_application(user: User, data: Mapping[str, Any]) -> dict[str, Any]:
    def go() -> Any:
        return _reg().create_application(_actor(user), ApplicationIn.model_validate(data))

    return _json(_call(go))


def update_application(user: User, app_id: int, data: Mapping[str, Any]) -> dict[str, Any]:
    """Replace a draft's contents (``Registry.update_application``: the owning
    party's exporters only, draft only, 409 otherwise)."""

    def go() -> Any:
        body = ApplicationIn.model_validate(data)
        return _reg().update_application(_actor(user), app_id, body)

    return _json(_call(go))


def submit_application(user: User, app_id: int) -> dict[str, Any]:
    return _json(_call(lambda: _reg().submit_application(_actor(user), app_id)))


def withdraw_application(user: User, app_id: int) -> dict[str, Any]:
    return _json(_call(lambda: _reg().withdraw_application(_actor(user), app_id)))


def review_application(user: User, app_id: int) -> dict[str, Any]:
    return _json(_call(lambda: _reg().review_application(_actor(user), app_id)))


def decide_application(user: User, app_id: int, data: Mapping[str, Any]) -> dict[str, Any]:
    def go() -> Any:
        body = DecisionIn.model_validate(data)
        return _reg().decide_application(_actor(user), app_id, body)

    return _json(_call(go))


def licences(user: User) -> list[dict[str, Any]]:
    rows = _call(lambda: _reg().list_licences(_actor(user), limit=1000, offset=0))
    return [_json(r) for r in rows]


def licence(user: User, licence_id: int) -> dict[str, Any]:
    return _json(_call(lambda: _reg().get_licence(_actor(user), licence_id)))


def shipments(user: User, licence_id: int) -> list[dict[str, Any]]:
    rows = _call(lambda: _reg().list_shipments(_actor(user), licence_id))
    return [_json(r) for r in rows]


def ship(user: User, licence_id: int, data: Mapping[str, Any]) -> dict[str, Any]:
    def go() -> Any:
        body = ShipmentIn.model_validate(data)
        return _reg().draw_down(_actor(user), licence_id, body)[0]

    return _json(_call(go))


def reports(user: User) -> list[dict[str, Any]]:
    rows = _call(lambda: _reg().list_reports(_actor(user), limit=1000, offset=0))
    return [_json(r) for r in rows]


def create_report(user: User, data: Mapping[str, Any]) -> dict[str, Any]:
    def go() -> Any:
        return _reg().create_report(_actor(user), ReportIn.model_validate(data))[0]

    return _json(_call(go))


def report(user: User, report_id: int) -> dict[str, Any]:
    return _json(_call(lambda: _reg().get_report(_actor(user), report_id)))


def amend_report(user: User, report_id: int, data: Mapping[str, Any]) -> dict[str, Any]:
    def go() -> Any:
        return _reg().amend_report(_actor(user), report_id, AmendIn.model_validate(data))

    return _json(_call(go))


def summary(user: User) -> dict[str, Any]:
    return _json(_call(lambda: _reg().summary(_actor(user), since=None, until=None)))


def verify_audit(user: User) -> dict[str, Any]:
    out: dict[str, Any] = _call(lambda: _reg().verify_audit(_actor(user))).to_dict()
    return out


# -------------------------------------------------------------------- supply
def _supply(fn: Callable[[], dict[str, Any]], fallback_field: str) -> dict[str, Any]:
    from lanthanide.supply.queries import QueryError

    try:
        return fn()
    except QueryError as exc:
        raise BackendError(422, [(exc.field, exc.message)]) from None
    except ValueError as exc:  # e.g. no figures at all for a commodity
        raise BackendError(422, [(fallback_field, str(exc))]) from None


def supply_shares(commodity: str, stage: str, year: int) -> dict[str, Any]:
    return _supply(lambda: _ln().shares(commodity, stage, year, None), "stage")


def supply_exposure(country: str, commodity: str, year: int | None = None) -> dict[str, Any]:
    return _supply(lambda: _ln().exposure(country, commodity, year), "commodity")


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
    from lanthanide.supply.replay import bundled

    return _ln().scenario(bundled(name))


def run_scenario_file(data: bytes) -> dict[str, Any]:
    """Run a scenario sent as YAML bytes, read by the supply package's own
    loader; its problems come back as :class:`BackendError` 422, each with
    the path of the key it is about."""
    import tempfile

    from lanthanide.supply.controls import ControlError
    from lanthanide.supply.scenario import ScenarioError

    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        raise BackendError(422, [("", "the file is not UTF-8 text")]) from None
    with tempfile.TemporaryDirectory(prefix="lnt-scenario-") as tmp:
        path = Path(tmp) / "scenario.yaml"
        path.write_bytes(data)
        try:
            return _ln().scenario(path)
        except ScenarioError as exc:
            problems = [("" if p in ("FILE", "(file)") else p, m) for p, m in exc.problems]
            raise BackendError(422, problems) from None
        except ControlError as exc:  # as POST /api/v1/scenario answers
            raise BackendError(422, [(exc.path, exc.message)]) from None


# ----------------------------------------------------------------- screening
def screen_file(src: Path, out: Path, progress: Callable[[str, int, int], None]) -> dict[str, Any]:
    """Screen a declaration file with DuckDB (``lanthanide screen run``);
    the summary as ``Summary.to_dict()``. Bad input: :class:`BackendError` 422."""
    from lanthanide.screen import InputError, make_engine, screen

    try:
        # one process: forking a worker from a thread of the web server is not safe
        with make_engine("duckdb") as eng:
            # inline: the one downloadable file carries each line's findings
            summary = screen(
                eng, _ln().rulebook, src, out, progress=progress, workers=1, detail="inline"
            )
    except InputError as exc:
        raise BackendError(422, [("file", f"{exc.field}: {exc.message}")]) from None
    out_dict: dict[str, Any] = summary.to_dict()
    return out_dict
