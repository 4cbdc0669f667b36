"""Registry use cases: parties and users, licence applications and decisions,
licences drawn down by shipments, rare-earth export reports, audit.

Every write runs in one transaction (:meth:`Database.write`) that first locks
the audit chain's head, so writes are serialised and an error leaves nothing
half-written. Authorisation is decided here, not in the HTTP layer: an
exporter sees only its own party's records (others are :class:`NotFound`).
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from lanthanide.registry import audit
from lanthanide.registry.db import Database
from lanthanide.registry.errors import Conflict, Forbidden, Invalid, NotFound, Unauthorized
from lanthanide.registry.models import (
    Application,
    ApplicationLine,
    Licence,
    LicenceLine,
    Party,
    Report,
    ReportVersion,
    Shipment,
    User,
)
from lanthanide.registry.schemas import (
    ROLES,
    AmendIn,
    ApplicationIn,
    ApplicationOut,
    DecisionIn,
    LicenceLineOut,
    LicenceOut,
    LineOut,
    ReportIn,
    ReportOut,
    ReportVersionOut,
    ReportWarning,
    ShipmentIn,
    ShipmentOut,
    SummaryOut,
    SummaryRow,
)
from lanthanide.registry.workdays import (
    DECISION_WORKING_DAYS,
    add_working_days,
    working_days_between,
)

RARE_EARTHS: tuple[str, ...] = (
    *("La", "Ce", "Pr", "Nd", "Pm", "Sm", "Eu", "Gd", "Tb"),
    *("Dy", "Ho", "Er", "Tm", "Yb", "Lu", "Sc", "Y"),
)
TOKEN_PREFIX = "lnt_"


def _milli(q: Decimal) -> int:
    return int(q * 1000)


def _cents(v: Decimal) -> int:
    return int(v * 100)


def _q(milli: int) -> float:
    return milli / 1000


def _v(cents: int) -> float:
    return cents / 100


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Actor:
    """Who is acting: a user with a role (and a party), or the local CLI."""

    user_id: int | None
    name: str
    role: str
    party_id: int | None

    def require(self, *roles: str) -> None:
        if self.role not in roles:
            raise Forbidden(f"role '{self.role}' may not do this (allowed: {', '.join(roles)})")


CLI = Actor(user_id=None, name="cli", role="admin", party_id=None)


# ------------------------------------------------------------ parties, users
def _party_by_name(s: Session, name: str) -> Party | None:
    return s.execute(select(Party).where(Party.name == name)).scalar_one_or_none()


def create_party(
    db: Database,
    *,
    name: str,
    kind: str = "exporter",
    uscc: str | None = None,
    address: str | None = None,
    actor: Actor = CLI,
) -> Party:
    errors: list[tuple[str, str]] = []
    if not name.strip():
        errors.append(("name", "must not be empty"))
    if kind not in ("exporter", "authority"):
        errors.append(("kind", f"'{kind}' is not allowed (allowed: exporter, authority)"))
    if uscc is not None and not _valid_uscc(uscc):
        errors.append(
            (
                "uscc",
                f"'{uscc}' is not an 18-character unified social credit code (统一社会信用代码)",
            )
        )
    if errors:
        raise Invalid(errors)
    with db.write() as s:
        audit.lock_head(s)
        if _party_by_name(s, name) is not None:
            raise Conflict("party_exists", f"a party named '{name}' already exists", field="name")
        p = Party(name=name, kind=kind, uscc=uscc, address=address, created_at=audit.now())
        s.add(p)
        audit.record(s, actor.name, "party.create", p, None)
        return p


_USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def _valid_uscc(code: str) -> bool:
    """GB 32100-2015: 18 characters, the last a check character."""
    if len(code) != 18 or any(c not in _USCC_CHARS for c in code):
        return False
    total = sum(_USCC_CHARS.index(c) * w for c, w in zip(code, _USCC_WEIGHTS, strict=False))
    return _USCC_CHARS[(31 - total % 31) % 31] == code[17]


def create_user(
    db: Database,
    *,
    name: str,
    role: str,
    party: str | None = None,
    party_kind: str | None = None,
    actor: Actor = CLI,
) -> tuple[User, str]:
    """Create a user and return it with its new API token (shown once; only its
    hash is stored). ``party`` is created if it does not exist yet."""
    errors: list[tuple[str, str]] = []
    if not name.strip():
        errors.append(("name", "must not be empty"))
    if role not in ROLES:
        errors.append(("role", f"'{role}' is not allowed (allowed: {', '.join(ROLES)})"))
    if role == "exporter" and not party:
        errors.append(("party", "an exporter must belong to a party (give --party NAME)"))
    if errors:
        raise Invalid(errors)
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with db.write() as s:
        audit.lock_head(s)
        if s.execute(select(User).where(User.name == name)).scalar_one_or_none():
            raise Conflict("user_exists", f"a user named '{name}' already exists", field="name")
        party_id = None
        if party:
            p = _party_by_name(s, party)
            if p is None:
                kind = party_kind or ("exporter" if role == "exporter" else "authority")
                p = Party(name=party, kind=kind, uscc=None, address=None, created_at=audit.now())
                s.add(p)
                audit.record(s, actor.name, "party.create", p, None)
            party_id = p.id
        u = User(
            name=name,
            role=role,
            party_id=party_id,
            token_hash=hash_token(token),
            active=True,
            created_at=audit.now(),
        )
        s.add(u)
        audit.record(s, actor.name, "user.create", u, None)
        return u, token


def revoke_token(db: Database, name: str, actor: Actor = CLI) -> tuple[User, bool]:
    """Revoke a user's API token (``active`` false, audited as ``user.revoke``).
    Returns the user and whether it was active until now."""
    with db.write() as s:
        audit.lock_head(s)
        u = s.execute(select(User).where(User.name == name).with_for_update()).scalar_one_or_none()
        if u is None:
            raise NotFound(f"no user named '{name}'")
        if not u.active:
            return u, False
        before = audit.snapshot(u)
        u.active = False
        audit.record(s, actor.name, "user.revoke", u, before)
        return u, True


def list_users(db: Database) -> list[dict[str, Any]]:
    with db.read() as s:
        rows = s.execute(
            select(User, Party.name).outerjoin(Party, User.party_id == Party.id).order_by(User.id)
        ).all()
        return [
            {"id": u.id, "name": u.name, "role": u.role, "party": pn, "active": u.active}
            for u, pn in rows
        ]


def authenticate(db: Database, token: str) -> Actor:
    with db.read() as s:
        u = s.execute(select(User).where(User.token_hash == hash_token(token))).scalar_one_or_none()
        if u is None:
            raise Unauthorized("unknown or revoked token")
        # The row must be exactly as last audited: a role, party or token
        # edited behind the registry's back (e.g. with sqlite3) must not act.
        if audit.latest_row_hash(s, "users", u.id) != audit.row_hash(u):
            raise Unauthorized(
                f"account '{u.name}' (user id {u.id}) failed its integrity check: its "
                "users row differs from its last audited state; it cannot authenticate "
                "until an administrator investigates (`lanthanide audit verify`)"
            )
        if not u.active:
            raise Unauthorized("unknown or revoked token")
        return Actor(user_id=u.id, name=u.name, role=u.role, party_id=u.party_id)


# -------------------------------------------------------------- applications
def _own(actor: Actor, party_id: int, what: str, ident: int) -> None:
    """Exporters see only their own party's records: others do not exist for them."""
    if actor.role == "exporter" and actor.party_id != party_id:
        raise NotFound(f"{what} {ident} not found")


def _names(s: Session, *user_ids: int | None) -> dict[int, str]:
    ids = [i for i in user_ids if i is not None]
    if not ids:
        return {}
    return {uid: n for uid, n in s.execute(select(User.id, User.name).where(User.id.in_(ids)))}


def _app_out(s: Session, a: Application) -> ApplicationOut:
    lines = s.execute(
        select(ApplicationLine)
        .where(ApplicationLine.application_id == a.id)
        .order_by(ApplicationLine.line_no)
    ).scalars()
    party = s.get(Party, a.party_id)
    lic = s.execute(select(Licence.id).where(Licence.application_id == a.id)).scalar()
    left = None
    if a.deadline is not None and a.state in ("submitted", "under_review"):
        left = working_days_between(date.today(), a.deadline)
    return ApplicationOut(
        id=a.id,
        party_id=a.party_id,
        party=party.name if party else "",
        state=a.state,
        licence_type=a.licence_type,
        destination=a.destination,
        end_user=a.end_user,
        end_use=a.end_use,
        end_use_detail=a.end_use_detail,
        lines=[
            LineOut(
                line=ln.line_no,
                item=ln.item,
                instrument=ln.instrument,
                hs=ln.hs,
                description=ln.description,
                quantity=_q(ln.quantity_milli),
                unit=ln.unit,
                value=_v(ln.value_cents),
                currency=ln.currency,
                params=json.loads(ln.params),
            )
            for ln in lines
        ],
        created_at=a.created_at,
        submitted_at=a.submitted_at,
        deadline=a.deadline,
        working_days_left=left,
        verdict=a.verdict,
        determination=json.loads(a.determination) if a.determination else None,
        decided_at=a.decided_at,
        decided_by=_names(s, a.decided_by).get(a.decided_by) if a.decided_by else None,
        decision_note=a.decision_note,
        licence_id=lic,
    )


def _resolve_items(data: ApplicationIn) -> list[str]:
    """Each line's item must be a rulebook item code; returns the instrument ids."""
    from lanthanide.rules.book import load_rulebook as book

    b = book()
    out: list[str] = []
    errors: list[tuple[str, str]] = []
    for i, ln in enumerate(data.lines):
        refs = b.by_code.get(ln.item.strip().lower(), [])
        if not refs:
            errors.append(
                (
                    f"lines.{i}.item",
                    f"'{ln.item}' is not an item code in the rulebook "
                    "(e.g. 1C902.a, RE-2846901500, 053302J; see `lanthanide rules show`)",
                )
            )
            out.append("")
        else:
            out.append(refs[0].instrument.id)
        if data.licence_type == "technology" and refs and refs[0].item.kind == "goods":
            errors.append(
                (
                    f"lines.{i}.item",
                    f"'{ln.item}' is goods; a technology export licence covers technology items",
                )
            )
    from lanthanide.countries import codes

    if data.destination not in codes() or data.destination == "CN":
        errors.append(
            (
                "destination",
                f"'{data.destination}' is not a destination outside China (ISO 3166-1 "
                "alpha-2, e.g. JP, KR, DE)",
            )
        )
    if errors:
        raise Invalid(errors)
    return out


def _get_app(s: Session, actor: Actor, app_id: int, *, lock: bool = False) -> Application:
    q = select(Application).where(Application.id == app_id)
    if lock:
        q = q.with_for_update()
    a = s.execute(q).scalar_one_or_none()
    if a is None:
        raise NotFound(f"licence application {app_id} not found")
    _own(actor, a.party_id, "licence application", app_id)
    return a


def create_application(db: Database, actor: Actor, data: ApplicationIn) -> ApplicationOut:
    actor.require("exporter")
    if actor.party_id is None:
        raise Forbidden("this exporter belongs to no party")
    instruments = _resolve_items(data)
    with db.write() as s:
        audit.lock_head(s)
        a = Application(
            party_id=actor.party_id,
            created_by=actor.user_id,
            state="draft",
            licence_type=data.licence_type,
            destination=data.destination,
            end_user=data.end_user,
            end_use=data.end_use,
            end_use_detail=data.end_use_detail,
            created_at=audit.now(),
        )
        s.add(a)
        audit.record(s, actor.name, "application.create", a, None)
        for i, (ln, inst) in enumerate(zip(data.lines, instruments, strict=True), start=1):
            row = ApplicationLine(
                application_id=a.id,
                line_no=i,
                item=ln.item.strip(),
                instrument=inst,
                hs=ln.hs,
                description=ln.description,
                unit=ln.unit,
                quantity_milli=_milli(ln.quantity),
                value_cents=_cents(ln.value),
                currency=ln.currency,
                params=json.dumps(ln.params, sort_keys=True),
            )
            s.add(row)
            audit.record(s, actor.name, "application_line.create", row, None)
        return _app_out(s, a)


def _determine(s: Session, a: Application, on: date) -> tuple[str, list[dict[str, Any]]]:
    """Run ``decide/`` on every line; the application's verdict is the strictest."""
    from lanthanide.countries import codes
    from lanthanide.decide import CaseError, decide, make_case
    from lanthanide.decide.model import RANK

    results: list[dict[str, Any]] = []
    worst = "not_controlled"
    lines = s.execute(
        select(ApplicationLine)
        .where(ApplicationLine.application_id == a.id)
        .order_by(ApplicationLine.line_no)
    ).scalars()
    for ln in lines:
        try:
            case = make_case(
                countries=codes(),
                item=ln.item,
                hs=ln.hs,
                destination=a.destination,
                on=on,
                end_use=a.end_use,
                end_user=a.end_user,
                params=json.loads(ln.params),
            )
        except CaseError as exc:
            raise Invalid([(f"lines.{ln.line_no - 1}.{exc.field}", exc.message)]) from None
        d = decide(case)
        results.append({"line": ln.line_no, **d.to_dict(trace=False)})
        if d.verdict == "undetermined":
            if worst != "prohibited":
                worst = "undetermined" if RANK.get(worst, 0) < RANK["licence_required"] else worst
        elif RANK[d.verdict] > RANK.get(worst, 0):
            worst = d.verdict
    return worst, results


def submit_application(db: Database, actor: Actor, app_id: int) -> ApplicationOut:
    actor.require("exporter")
    with db.write() as s:
        audit.lock_head(s)
        a = _get_app(s, actor, app_id, lock=True)
        if a.state != "draft":
            raise Conflict("bad_state", f"only a draft can be submitted (this one is {a.state})")
        before = audit.snapshot(a)
        today = date.today()
        verdict, det = _determine(s, a, today)
        a.state = "submitted"
        a.submitted_at = audit.now()
        a.deadline = add_working_days(today, DECISION_WORKING_DAYS)
        a.verdict = verdict
        a.determination = json.dumps(det, ensure_ascii=False, sort_keys=True)
        audit.record(s, actor.name, "application.submit", a, before)
        return _app_out(s, a)


def withdraw_application(db: Database, actor: Actor, app_id: int) -> ApplicationOut:
    actor.require("exporter")
    with db.write() as s:
        audit.lock_head(s)
        a = _get_app(s, actor, app_id, lock=True)
        if a.state not in ("draft", "submitted", "under_review"):
            raise Conflict("bad_state", f"a {a.state} application cannot be withdrawn")
        before = audit.snapshot(a)
        a.state = "withdrawn"
        audit.record(s, actor.name, "application.withdraw", a, before)
        return _app_out(s, a)


def _officer_may_decide(actor: Actor, a: Application) -> None:
    actor.require("officer")
    if actor.party_id is not None and actor.party_id == a.party_id:
        raise Forbidden("an officer may not decide an application of their own party")


def review_application(db: Database, actor: Actor, app_id: int) -> ApplicationOut:
    actor.require("officer")
    with db.write() as s:
        audit.lock_head(s)
        a = _get_app(s, actor, app_id, lock=True)
        _officer_may_decide(actor, a)
        if a.state != "submitted":
            raise Conflict(
                "bad_state",
                f"only a submitted application can be taken under review (this one is {a.state})",
            )
        before = audit.snapshot(a)
        a.state = "under_review"
        audit.record(s, actor.name, "application.review", a, before)
        return _app_out(s, a)


def decide_application(db: Database, actor: Actor, app_id: int, data: DecisionIn) -> ApplicationOut:
    """Approve (issuing a licence) or deny a submitted or under-review application."""
    actor.require("officer")
    with db.write() as s:
        audit.lock_head(s)
        a = _get_app(s, actor, app_id, lock=True)
        _officer_may_decide(actor, a)
        if a.state not in ("submitted", "under_review"):
            raise Conflict(
                "bad_state",
                f"only a submitted or under-review application can be "
                f"decided (this one is {a.state})",
            )
        if a.state == "submitted":
            before = audit.snapshot(a)
            a.state = "under_review"
            audit.record(s, actor.name, "application.review", a, before)
        lines = list(
            s.execute(
                select(ApplicationLine)
                .where(ApplicationLine.application_id == a.id)
                .order_by(ApplicationLine.line_no)
            ).scalars()
        )
        before = audit.snapshot(a)
        if data.decision == "deny":
            a.state = "denied"
        else:
            if a.verdict == "prohibited":
                raise Conflict(
                    "prohibited",
                    "the determination is 'prohibited': the export cannot be licensed",
                    field="decision",
                )
            start = data.valid_from or date.today()
            until = data.valid_until or (start + timedelta(days=365))
            if until < start:
                raise Invalid([("valid_until", f"{until} is before valid_from {start}")])
            grants: dict[int, tuple[int, int]] = {
                ln.line_no: (ln.quantity_milli, ln.value_cents) for ln in lines
            }
            errors: list[tuple[str, str]] = []
            for i, g in enumerate(data.lines or []):
                if g.line not in grants:
                    errors.append((f"lines.{i}.line", f"the application has no line {g.line}"))
                    continue
                applied_q, applied_v = next(
                    (x.quantity_milli, x.value_cents) for x in lines if x.line_no == g.line
                )
                if _milli(g.quantity) > applied_q:
                    errors.append((f"lines.{i}.quantity", "more than applied for"))
                if _cents(g.value) > applied_v:
                    errors.append((f"lines.{i}.value", "more than applied for"))
                grants[g.line] = (_milli(g.quantity), _cents(g.value))
            if errors:
                raise Invalid(errors)
            a.state = "approved"
            lic = Licence(
                number="pending",
                application_id=a.id,
                party_id=a.party_id,
                licence_type=a.licence_type,
                destination=a.destination,
                end_user=a.end_user,
                valid_from=start,
                valid_until=until,
                issued_at=audit.now(),
                issued_by=actor.user_id,
            )
            s.add(lic)
            s.flush()
            lic.number = f"CN-EXL-{start.year}-{lic.id:06d}"
            audit.record(s, actor.name, "licence.issue", lic, None)
            for ln in lines:
                q, v = grants[ln.line_no]
                ll = LicenceLine(
                    licence_id=lic.id,
                    line_no=ln.line_no,
                    item=ln.item,
                    unit=ln.unit,
                    currency=ln.currency,
                    authorised_milli=q,
                    authorised_value_cents=v,
                    reserved_milli=0,
                    reserved_value_cents=0,
                    used_milli=0,
                    used_value_cents=0,
                )
                s.add(ll)
                audit.record(s, actor.name, "licence_line.issue", ll, None)
        a.decided_at = audit.now()
        a.decided_by = actor.user_id
        a.decision_note = data.note
        audit.record(s, actor.name, f"application.{a.state}", a, before)
        return _app_out(s, a)


def get_application(db: Database, actor: Actor, app_id: int) -> ApplicationOut:
    actor.require("exporter", "officer", "admin")
    with db.read() as s:
        return _app_out(s, _get_app(s, actor, app_id))


def list_applications(
    db: Database, actor: Actor, *, state: str | None = None, limit: int = 100, offset: int = 0
) -> list[ApplicationOut]:
    actor.require("exporter", "officer", "admin")
    with db.read() as s:
        q = select(Application).order_by(Application.id)
        if actor.role == "exporter":
            q = q.where(Application.party_id == actor.party_id)
        if state:
            q = q.where(Application.state == state)
        return [_app_out(s, a) for a in s.execute(q.limit(limit).offset(offset)).scalars()]


# ------------------------------------------------------------------ licences
def _line_out(ln: LicenceLine) -> LicenceLineOut:
    return LicenceLineOut(
        line=ln.line_no,
        item=ln.item,
        unit=ln.unit,
        currency=ln.currency,
        authorised=_q(ln.authorised_milli),
        reserved=_q(ln.reserved_milli),
        used=_q(ln.used_milli),
        available=_q(ln.authorised_milli - ln.reserved_milli - ln.used_milli),
        authorised_value=_v(ln.authorised_value_cents),
        reserved_value=_v(ln.reserved_value_cents),
        used_value=_v(ln.used_value_cents),
        available_value=_v(
            ln.authorised_value_cents - ln.reserved_value_cents - ln.used_value_cents
        ),
    )


def _licence_out(s: Session, lic: Licence) -> LicenceOut:
    lines = s.execute(
        select(LicenceLine).where(LicenceLine.licence_id == lic.id).order_by(LicenceLine.line_no)
    ).scalars()
    party = s.get(Party, lic.party_id)
    return LicenceOut(
        id=lic.id,
        number=lic.number,
        application_id=lic.application_id,
        party_id=lic.party_id,
        party=party.name if party else "",
        licence_type=lic.licence_type,
        destination=lic.destination,
        end_user=lic.end_user,
        valid_from=lic.valid_from,
        valid_until=lic.valid_until,
        issued_at=lic.issued_at,
        lines=[_line_out(ln) for ln in lines],
    )


def _get_licence(s: Session, actor: Actor, licence_id: int) -> Licence:
    lic = s.get(Licence, licence_id)
    if lic is None:
        raise NotFound(f"licence {licence_id} not found")
    _own(actor, lic.party_id, "licence", licence_id)
    return lic


def get_licence(db: Database, actor: Actor, licence_id: int) -> LicenceOut:
    actor.require("exporter", "officer", "admin")
    with db.read() as s:
        return _licence_out(s, _get_licence(s, actor, licence_id))


def list_licences(
    db: Database, actor: Actor, *, limit: int = 100, offset: int = 0
) -> list[LicenceOut]:
    actor.require("exporter", "officer", "admin")
    with db.read() as s:
        q = select(Licence).order_by(Licence.id)
        if actor.role == "exporter":
            q = q.where(Licence.party_id == actor.party_id)
        return [_licence_out(s, lic) for lic in s.execute(q.limit(limit).offset(offset)).scalars()]


def _shipment_out(s: Session, sh: Shipment, line_no: int, names: dict[int, str]) -> ShipmentOut:
    return ShipmentOut(
        id=sh.id,
        licence_id=sh.licence_id,
        line=line_no,
        state=sh.state,
        quantity=_q(sh.quantity_milli),
        value=_v(sh.value_cents),
        destination=sh.destination,
        shipment_date=sh.shipment_date,
        client_key=sh.client_key,
        created_at=sh.created_at,
        created_by=names.get(sh.created_by, ""),
    )


def list_shipments(db: Database, actor: Actor, licence_id: int) -> list[ShipmentOut]:
    actor.require("exporter", "officer", "admin")
    with db.read() as s:
        _get_licence(s, actor, licence_id)
        rows = s.execute(
            select(Shipment, LicenceLine.line_no)
            .join(LicenceLine, Shipment.line_id == LicenceLine.id)
            .where(Shipment.licence_id == licence_id)
            .order_by(Shipment.id)
        ).all()
        names = _names(s, *{sh.created_by for sh, _ in rows})
        return [_shipment_out(s, sh, no, names) for sh, no in rows]


def draw_down(
    db: Database, actor: Actor, licence_id: int, data: ShipmentIn
) -> tuple[ShipmentOut, bool]:
    """Record a shipment against a licence line (or reserve it). Returns the
    shipment and whether it was created (False: an earlier one with the same
    ``client_key``). Refusals are :class:`Conflict` with a reason code."""
    actor.require("exporter")
    with db.write() as s:
        audit.lock_head(s)
        lic = _get_licence(s, actor, licence_id)
        if data.client_key:
            old = s.execute(
                select(Shipment).where(
                    Shipment.licence_id == licence_id, Shipment.client_key == data.client_key
                )
            ).scalar_one_or_none()
            if old is not None:
                ln_no = s.get(LicenceLine, old.line_id)
                return _shipment_out(
                    s, old, ln_no.line_no if ln_no else 0, _names(s, old.created_by)
                ), False
        line = s.execute(
            select(LicenceLine)
            .where(LicenceLine.licence_id == licence_id, LicenceLine.line_no == data.line)
            .with_for_update()
        ).scalar_one_or_none()
        if line is None:
            raise Invalid([("line", f"licence {lic.number} has no line {data.line}")])
        day = data.shipment_date or date.today()
        if not (lic.valid_from <= day <= lic.valid_until):
            raise Conflict(
                "outside_validity",
                f"shipment date {day} is outside the licence's validity "
                f"{lic.valid_from} to {lic.valid_until}",
                field="shipment_date",
            )
        if data.destination != lic.destination:
            raise Conflict(
                "wrong_destination",
                f"the licence covers exports to {lic.destination}, not {data.destination}",
                field="destination",
            )
        q, v = _milli(data.quantity), _cents(data.value)
        free_q = line.authorised_milli - line.reserved_milli - line.used_milli
        free_v = line.authorised_value_cents - line.reserved_value_cents - line.used_value_cents
        if q > free_q:
            raise Conflict(
                "exceeds_line",
                f"{_q(q)} {line.unit} exceeds what is left on line {line.line_no}: "
                f"{_q(free_q)} of {_q(line.authorised_milli)} {line.unit}",
                field="quantity",
            )
        if v > free_v:
            raise Conflict(
                "exceeds_line_value",
                f"value {_v(v)} exceeds what is left on line {line.line_no}: "
                f"{_v(free_v)} of {_v(line.authorised_value_cents)} {line.currency}",
                field="value",
            )
        before = audit.snapshot(line)
        state = "reserved" if data.reserve else "used"
        if data.reserve:
            line.reserved_milli += q
            line.reserved_value_cents += v
        else:
            line.used_milli += q
            line.used_value_cents += v
        sh = Shipment(
            licence_id=lic.id,
            line_id=line.id,
            state=state,
            quantity_milli=q,
            value_cents=v,
            destination=data.destination,
            shipment_date=day,
            client_key=data.client_key,
            created_at=audit.now(),
            created_by=actor.user_id,
        )
        s.add(sh)
        audit.record(s, actor.name, f"shipment.{state}", sh, None)
        audit.record(s, actor.name, "licence_line.draw_down", line, before)
        return _shipment_out(s, sh, line.line_no, {actor.user_id or 0: actor.name}), True


def settle_reservation(
    db: Database, actor: Actor, licence_id: int, shipment_id: int, *, confirm: bool
) -> ShipmentOut:
    """Turn a reservation into a used shipment (``confirm``) or release it."""
    actor.require("exporter")
    with db.write() as s:
        audit.lock_head(s)
        _get_licence(s, actor, licence_id)
        sh = s.execute(
            select(Shipment)
            .where(Shipment.id == shipment_id, Shipment.licence_id == licence_id)
            .with_for_update()
        ).scalar_one_or_none()
        if sh is None:
            raise NotFound(f"shipment {shipment_id} not found on licence {licence_id}")
        if sh.state != "reserved":
            raise Conflict("bad_state", f"shipment {shipment_id} is {sh.state}, not reserved")
        line = s.execute(
            select(LicenceLine).where(LicenceLine.id == sh.line_id).with_for_update()
        ).scalar_one()
        line_before, sh_before = audit.snapshot(line), audit.snapshot(sh)
        line.reserved_milli -= sh.quantity_milli
        line.reserved_value_cents -= sh.value_cents
        if confirm:
            line.used_milli += sh.quantity_milli
            line.used_value_cents += sh.value_cents
            sh.state = "used"
        else:
            sh.state = "cancelled"
        audit.record(s, actor.name, f"shipment.{sh.state}", sh, sh_before)
        audit.record(s, actor.name, "licence_line.settle", line, line_before)
        return _shipment_out(s, sh, line.line_no, _names(s, sh.created_by))


# ------------------------------------------------------------------- reports
@dataclass(frozen=True)
class _Scope:
    instrument: str
    prefixes: tuple[str, ...]
    lines: frozenset[str]
    start: date
    end: date | None
    end_uncertain: bool = False


def reporting_scopes() -> list[_Scope]:
    """The rulebook's export-reporting controls (effect ``report_required`` in a
    ``reporting`` instrument): tariff lines in scope and the reporting period."""
    from lanthanide.rules.book import load_rulebook as book

    b = book()
    out: list[_Scope] = []
    for cc in b.controls:
        if cc.control.effect != "report_required" or cc.instrument.regime != "reporting":
            continue
        lines = frozenset(
            h.code for key in cc.item_keys if key in b.by_key for h in b.by_key[key].item.hs
        )
        out.append(
            _Scope(
                instrument=cc.instrument.id,
                prefixes=tuple(cc.control.applies_to.hs_prefixes),
                lines=lines,
                start=cc.control.valid.start,
                end=cc.control.valid.end,
                end_uncertain=cc.control.valid.end_uncertain,
            )
        )
    return out


def _validate_report(d: dict[str, Any]) -> tuple[str, list[dict[str, str]]]:
    """Field-level checks against the rulebook; returns the reporting instrument
    and the warnings the report is accepted with.

    A shipment date before a period's start, or on/after an end the rulebook
    is sure of, is refused. On/after an end marked ``end_uncertain`` (no
    renewal found) the report is accepted with a ``reporting_period_end_uncertain``
    warning: refusing it would lose a real report because our data is unsure."""
    from lanthanide.countries import codes

    errors: list[tuple[str, str]] = []
    warnings: list[dict[str, str]] = []
    hs: str = d["hs"]
    day: date = d["shipment_date"]
    scopes = reporting_scopes()
    in_scope = [sc for sc in scopes if hs in sc.lines or hs.startswith(sc.prefixes)]
    instrument = ""
    if not in_scope:
        prefixes = sorted({p for sc in scopes for p in sc.prefixes})
        errors.append(
            (
                "hs",
                f"tariff line {hs} is not under the rare-earth export reporting duty "
                f"(lines starting {', '.join(prefixes)})",
            )
        )
    else:
        periods = [sc for sc in in_scope if sc.start <= day and (sc.end is None or day < sc.end)]
        after_unsure = [
            sc for sc in in_scope if sc.end is not None and sc.end_uncertain and day >= sc.end
        ]
        if periods:
            instrument = periods[0].instrument
        elif after_unsure:
            sc = max(after_unsure, key=lambda x: x.end or x.start)
            instrument = sc.instrument
            warnings.append(
                {
                    "field": "shipment_date",
                    "code": "reporting_period_end_uncertain",
                    "message": (
                        f"{day} is after the reporting period {sc.start} to {sc.end} "
                        f"(end exclusive) of {sc.instrument}: the encoded reporting system "
                        f"ended {sc.end} and no renewal was found (U); the report is "
                        "recorded, but whether the duty still applies is not known"
                    ),
                }
            )
        else:
            spans = ", ".join(
                f"{sc.start} to {sc.end or 'open'} (end exclusive)" for sc in in_scope
            )
            errors.append(
                (
                    "shipment_date",
                    f"{day} is outside the reporting period {spans} ({in_scope[0].instrument})",
                )
            )
    bad = [e for e in d["elements"] if e not in RARE_EARTHS]
    if bad:
        errors.append(
            (
                "elements",
                f"{', '.join(map(str, bad))} not a rare-earth element symbol "
                f"(allowed: {', '.join(RARE_EARTHS)})",
            )
        )
    if len(set(d["elements"])) != len(d["elements"]):
        errors.append(("elements", "an element is listed twice"))
    known = codes()
    if d["destination"] not in known or d["destination"] == "CN":
        errors.append(
            (
                "destination",
                f"'{d['destination']}' is not a destination outside China (ISO 3166-1 alpha-2)",
            )
        )
    if d["origin"] not in known:
        errors.append(("origin", f"'{d['origin']}' is not an ISO 3166-1 alpha-2 code"))
    if d["contract_date"] > day:
        errors.append(("contract_date", f"{d['contract_date']} is after the shipment date {day}"))
    if not str(d["customs_port"]).strip():
        errors.append(("customs_port", "must not be blank"))
    if errors:
        raise Invalid(errors)
    return instrument, warnings


_REPORT_FIELDS = (
    "product_type",
    "hs",
    "elements",
    "quantity_kg",
    "value",
    "currency",
    "contract_date",
    "origin",
    "destination",
    "shipment_date",
    "customs_port",
)


def _report_data(r: Report) -> dict[str, Any]:
    return {
        "product_type": r.product_type,
        "hs": r.hs,
        "elements": r.elements.split(","),
        "quantity_kg": _q(r.quantity_milli),
        "value": _v(r.value_cents),
        "currency": r.currency,
        "contract_date": r.contract_date.isoformat(),
        "origin": r.origin,
        "destination": r.destination,
        "shipment_date": r.shipment_date.isoformat(),
        "customs_port": r.customs_port,
    }


def _apply_report(r: Report, d: dict[str, Any]) -> None:
    r.product_type = d["product_type"]
    r.hs = d["hs"]
    r.elements = ",".join(d["elements"])
    r.quantity_milli = _milli(Decimal(str(d["quantity_kg"])))
    r.value_cents = _cents(Decimal(str(d["value"])))
    r.currency = d["currency"]
    r.contract_date = d["contract_date"]
    r.origin = d["origin"]
    r.destination = d["destination"]
    r.shipment_date = d["shipment_date"]
    r.customs_port = d["customs_port"].strip()


def _warnings_json(warnings: list[dict[str, str]]) -> str | None:
    return json.dumps(warnings, sort_keys=True, ensure_ascii=False) if warnings else None


def _report_out(s: Session, r: Report) -> ReportOut:
    versions = list(
        s.execute(
            select(ReportVersion)
            .where(ReportVersion.report_id == r.id)
            .order_by(ReportVersion.version)
        ).scalars()
    )
    names = _names(s, *{v.by for v in versions})
    party = s.get(Party, r.party_id)
    return ReportOut(
        id=r.id,
        party_id=r.party_id,
        party=party.name if party else "",
        client_key=r.client_key,
        version=r.version,
        **{k: v for k, v in _report_data(r).items()},
        instrument=r.instrument,
        created_at=r.created_at,
        updated_at=r.updated_at,
        warnings=[ReportWarning(**w) for w in json.loads(r.warnings or "[]")],
        history=[
            ReportVersionOut(
                version=v.version,
                data=json.loads(v.data),
                reason=v.reason,
                at=v.at,
                by=names.get(v.by, ""),
            )
            for v in versions
        ],
    )


def _add_version(s: Session, actor: Actor, r: Report, reason: str | None) -> None:
    v = ReportVersion(
        report_id=r.id,
        version=r.version,
        data=json.dumps(_report_data(r), sort_keys=True, ensure_ascii=False),
        reason=reason,
        at=audit.now(),
        by=actor.user_id,
    )
    s.add(v)
    audit.record(s, actor.name, "report_version.create", v, None)


def create_report(db: Database, actor: Actor, data: ReportIn) -> tuple[ReportOut, bool]:
    """Submit a report; resubmitting the same ``client_key`` with the same content
    returns the first one (created False); with other content it is refused."""
    actor.require("exporter")
    if actor.party_id is None:
        raise Forbidden("this exporter belongs to no party")
    d = data.model_dump(exclude={"client_key"})
    d["elements"] = [e.strip() for e in d["elements"]]
    instrument, warnings = _validate_report(d)
    try:
        with db.write() as s:
            audit.lock_head(s)
            old = s.execute(
                select(Report).where(
                    Report.party_id == actor.party_id, Report.client_key == data.client_key
                )
            ).scalar_one_or_none()
            if old is not None:
                return _same_report(s, old, d), False
            t = audit.now()
            r = Report(
                party_id=actor.party_id,
                client_key=data.client_key,
                version=1,
                instrument=instrument,
                warnings=_warnings_json(warnings),
                created_at=t,
                created_by=actor.user_id,
                updated_at=t,
            )
            _apply_report(r, d)
            s.add(r)
            audit.record(s, actor.name, "report.create", r, None)
            _add_version(s, actor, r, None)
            return _report_out(s, r), True
    except IntegrityError:  # a concurrent submission with the same key won
        with db.read() as s:
            old = s.execute(
                select(Report).where(
                    Report.party_id == actor.party_id, Report.client_key == data.client_key
                )
            ).scalar_one()
            return _same_report(s, old, d), False


def _same_report(s: Session, old: Report, d: dict[str, Any]) -> ReportOut:
    probe = Report()
    _apply_report(probe, d)
    if _report_data(probe) != _report_data(old):
        raise Conflict(
            "client_key_reused",
            f"client_key '{old.client_key}' was already used for report {old.id} with other "
            "content; amend that report instead",
            field="client_key",
        )
    return _report_out(s, old)


def _get_report(s: Session, actor: Actor, report_id: int, *, lock: bool = False) -> Report:
    q = select(Report).where(Report.id == report_id)
    if lock:
        q = q.with_for_update()
    r = s.execute(q).scalar_one_or_none()
    if r is None:
        raise NotFound(f"report {report_id} not found")
    _own(actor, r.party_id, "report", report_id)
    return r


def amend_report(db: Database, actor: Actor, report_id: int, data: AmendIn) -> ReportOut:
    actor.require("exporter")
    changes = data.model_dump(exclude={"reason"}, exclude_none=True)
    if not changes:
        raise Invalid([("reason", "an amendment must change at least one field")])
    with db.write() as s:
        audit.lock_head(s)
        r = _get_report(s, actor, report_id, lock=True)
        d = _report_data(r)
        d["contract_date"] = r.contract_date
        d["shipment_date"] = r.shipment_date
        d.update(changes)
        d["elements"] = [e.strip() for e in d["elements"]]
        before = audit.snapshot(r)
        r.instrument, warnings = _validate_report(d)
        r.warnings = _warnings_json(warnings)
        _apply_report(r, d)
        r.version += 1
        r.updated_at = audit.now()
        audit.record(s, actor.name, "report.amend", r, before)
        _add_version(s, actor, r, data.reason)
        return _report_out(s, r)


def get_report(db: Database, actor: Actor, report_id: int) -> ReportOut:
    actor.require("exporter", "officer", "admin")
    with db.read() as s:
        return _report_out(s, _get_report(s, actor, report_id))


def list_reports(
    db: Database, actor: Actor, *, limit: int = 100, offset: int = 0
) -> list[ReportOut]:
    actor.require("exporter", "officer", "admin")
    with db.read() as s:
        q = select(Report).order_by(Report.id)
        if actor.role == "exporter":
            q = q.where(Report.party_id == actor.party_id)
        return [_report_out(s, r) for r in s.execute(q.limit(limit).offset(offset)).scalars()]


def summary(
    db: Database, actor: Actor, *, since: date | None = None, until: date | None = None
) -> SummaryOut:
    """Totals of the current versions of all reports by element, destination and
    month of shipment. A report naming several elements counts under each."""
    actor.require("analyst", "officer", "admin")
    with db.read() as s:
        q = select(Report)
        if since:
            q = q.where(Report.shipment_date >= since)
        if until:
            q = q.where(Report.shipment_date <= until)
        facts = [
            (
                r.elements.split(","),
                r.destination,
                r.shipment_date.strftime("%Y-%m"),
                r.quantity_milli,
                r.value_cents,
                r.currency,
            )
            for r in s.execute(q).scalars()
        ]
    groups: dict[str, dict[str, list[tuple[int, int, str]]]] = {
        "element": defaultdict(list),
        "destination": defaultdict(list),
        "month": defaultdict(list),
    }
    for elements, dest, month, qm, vc, cur in facts:
        for e in elements:
            groups["element"][e].append((qm, vc, cur))
        groups["destination"][dest].append((qm, vc, cur))
        groups["month"][month].append((qm, vc, cur))
    n = len(facts)
    total_q = sum(f[3] for f in facts)

    def rows(g: dict[str, list[tuple[int, int, str]]]) -> list[SummaryRow]:
        out = []
        for key in sorted(g):
            cents: dict[str, int] = defaultdict(int)
            for _qm, vc, cur in g[key]:
                cents[cur] += vc
            out.append(
                SummaryRow(
                    key=key,
                    reports=len(g[key]),
                    quantity_kg=_q(sum(x[0] for x in g[key])),
                    value={c: _v(x) for c, x in sorted(cents.items())},
                )
            )
        return out

    return SummaryOut(
        reports=n,
        quantity_kg=_q(total_q),
        by_element=rows(groups["element"]),
        by_destination=rows(groups["destination"]),
        by_month=rows(groups["month"]),
        note="Current versions of reports; a report naming several elements counts under each "
        "of them in by_element. Values are per currency.",
    )


# --------------------------------------------------------------------- audit
def verify_audit(db: Database, actor: Actor = CLI) -> audit.Verification:
    actor.require("officer", "admin")
    with db.read() as s:
        return audit.verify(s)
