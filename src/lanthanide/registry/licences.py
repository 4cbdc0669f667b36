"""Licences, their lines, and shipments drawn down against them (with
reservations confirmed or cancelled later).

A licence line holds the authorised, reserved and used quantity and value;
``available = authorised - reserved - used`` never goes below zero because
every draw-down locks its line (``SELECT ... FOR UPDATE``) inside the write
transaction. Shipment states go through
:data:`~lanthanide.registry.states.SHIPMENT`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from lanthanide.registry import audit, reevaluations, screening
from lanthanide.registry.actors import Actor
from lanthanide.registry.amounts import from_cents, from_milli, to_cents, to_milli
from lanthanide.registry.context import Context
from lanthanide.registry.errors import Conflict, Invalid, NotFound
from lanthanide.registry.models import (
    Application,
    ApplicationLine,
    Licence,
    LicenceLine,
    Reevaluation,
    Shipment,
)
from lanthanide.registry.parties import party_name, user_names
from lanthanide.registry.schemas import (
    GrantLine,
    LicenceLineOut,
    LicenceOut,
    ShipmentIn,
    ShipmentOut,
)
from lanthanide.registry.states import SHIPMENT, ShipmentAction

FUTURE_TOLERANCE = timedelta(days=1)
"""How far after the registry's day a shipment recorded as made (``used``)
may be dated: one day, for time zones (the registry's policy, not the law's).
Reservations are planned shipments and may be dated anywhere in the validity."""


def years_after(start: date, years: int) -> date:
    """The same calendar day ``years`` later (29 February -> 28 February).

    A validity "不超过N年" from ``start`` ends at the latest on this day: a
    period counted in years starts the day after ``start`` and ends on the
    corresponding day (Civil Code Art. 201)."""
    try:
        return start.replace(year=start.year + years)
    except ValueError:
        return start.replace(year=start.year + years, day=28)


def check_validity(ctx: Context, a: Application, start: date, until: date, since: date) -> None:
    """Refuse a validity that starts before the application was determined
    (``since``) or lasts longer than the rulebook allows for its licence type
    (:class:`Invalid` naming ``valid_from`` / ``valid_until``)."""
    errors: list[tuple[str, str]] = []
    if until < start:
        errors.append(("valid_until", f"{until} is before valid_from {start}"))
    if start < since:
        errors.append(
            (
                "valid_from",
                f"{start} is before the application's determination date {since}: a "
                "licence cannot be valid before the application it grants",
            )
        )
    limit = ctx.procedures.max_validity(a.licence_type, ctx.today())
    if limit is not None:
        latest = years_after(start, limit.value)
        if until > latest:
            errors.append(
                (
                    "valid_until",
                    f"{until} is more than {limit.value} year{'s' if limit.value > 1 else ''} "
                    f"after valid_from {start}: a {a.licence_type} licence is valid for at "
                    f"most {limit.value} year{'s' if limit.value > 1 else ''} "
                    f"({limit.cite()}, {limit.procedure.tag}); the latest valid_until is "
                    f"{latest}",
                )
            )
    if errors:
        raise Invalid(errors)


def _check_not_future(ctx: Context, day: date) -> None:
    latest = ctx.today() + FUTURE_TOLERANCE
    if day > latest:
        raise Invalid(
            [
                (
                    "shipment_date",
                    f"{day} is in the future: a shipment recorded as made may be dated at the "
                    f"latest {latest} (today {ctx.today()} plus {FUTURE_TOLERANCE.days} day); "
                    "reserve it instead (reserve: true) and confirm it once shipped",
                )
            ]
        )


def issue(
    s: Session,
    actor: Actor,
    a: Application,
    lines: Sequence[ApplicationLine],
    granted: Sequence[GrantLine],
    start: date,
    until: date,
) -> Licence:
    """Issue the licence of an approved application: one licence line per
    application line, authorised as applied for unless ``granted`` says less."""
    grants: dict[int, tuple[int, int]] = {
        ln.line_no: (ln.quantity_milli, ln.value_cents) for ln in lines
    }
    errors: list[tuple[str, str]] = []
    for i, g in enumerate(granted):
        if g.line not in grants:
            errors.append((f"lines.{i}.line", f"the application has no line {g.line}"))
            continue
        applied_q, applied_v = next(
            (x.quantity_milli, x.value_cents) for x in lines if x.line_no == g.line
        )
        if to_milli(g.quantity) > applied_q:
            errors.append((f"lines.{i}.quantity", "more than applied for"))
        if to_cents(g.value) > applied_v:
            errors.append((f"lines.{i}.value", "more than applied for"))
        grants[g.line] = (to_milli(g.quantity), to_cents(g.value))
    if errors:
        raise Invalid(errors)
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
    return lic


def _line_out(ln: LicenceLine) -> LicenceLineOut:
    return LicenceLineOut(
        line=ln.line_no,
        item=ln.item,
        unit=ln.unit,
        currency=ln.currency,
        authorised=from_milli(ln.authorised_milli),
        reserved=from_milli(ln.reserved_milli),
        used=from_milli(ln.used_milli),
        available=from_milli(ln.authorised_milli - ln.reserved_milli - ln.used_milli),
        authorised_value=from_cents(ln.authorised_value_cents),
        reserved_value=from_cents(ln.reserved_value_cents),
        used_value=from_cents(ln.used_value_cents),
        available_value=from_cents(
            ln.authorised_value_cents - ln.reserved_value_cents - ln.used_value_cents
        ),
    )


def _licence_out(s: Session, lic: Licence) -> LicenceOut:
    lines = s.execute(
        select(LicenceLine).where(LicenceLine.licence_id == lic.id).order_by(LicenceLine.line_no)
    ).scalars()
    return LicenceOut(
        id=lic.id,
        number=lic.number,
        application_id=lic.application_id,
        party_id=lic.party_id,
        party=party_name(s, lic.party_id),
        licence_type=lic.licence_type,
        destination=lic.destination,
        end_user=lic.end_user,
        valid_from=lic.valid_from,
        valid_until=lic.valid_until,
        issued_at=lic.issued_at,
        lines=[_line_out(ln) for ln in lines],
        basis_status="basis_changed" if lic.basis_status == "basis_changed" else "as_issued",
        basis_verdict=lic.basis_verdict,
        basis_changes=_basis_changes(s, lic),
        basis_reevaluation_id=lic.basis_reevaluation_id,
    )


def _basis_changes(s: Session, lic: Licence) -> list[str]:
    if lic.basis_status != "basis_changed" or lic.basis_reevaluation_id is None:
        return []
    r = s.get(Reevaluation, lic.basis_reevaluation_id)
    return list(json.loads(r.changes)) if r is not None else []


def _get_licence(s: Session, actor: Actor, licence_id: int) -> Licence:
    lic = s.get(Licence, licence_id)
    if lic is None:
        raise NotFound(f"licence {licence_id} not found")
    actor.own(lic.party_id, "licence", licence_id)
    return lic


def get(ctx: Context, actor: Actor, licence_id: int) -> LicenceOut:
    actor.may("read")
    with ctx.db.read() as s:
        return _licence_out(s, _get_licence(s, actor, licence_id))


def list_(ctx: Context, actor: Actor, *, limit: int = 100, offset: int = 0) -> list[LicenceOut]:
    actor.may("read")
    with ctx.db.read() as s:
        q = select(Licence).order_by(Licence.id)
        if actor.party_scoped:
            q = q.where(Licence.party_id == actor.party_id)
        return [_licence_out(s, lic) for lic in s.execute(q.limit(limit).offset(offset)).scalars()]


def _shipment_out(
    sh: Shipment, line_no: int, names: dict[int, str], warnings: list[str] | None = None
) -> ShipmentOut:
    return ShipmentOut(
        id=sh.id,
        licence_id=sh.licence_id,
        line=line_no,
        state=sh.state,
        quantity=from_milli(sh.quantity_milli),
        value=from_cents(sh.value_cents),
        destination=sh.destination,
        shipment_date=sh.shipment_date,
        client_key=sh.client_key,
        created_at=sh.created_at,
        created_by=names.get(sh.created_by, ""),
        warnings=warnings or [],
    )


def list_shipments(ctx: Context, actor: Actor, licence_id: int) -> list[ShipmentOut]:
    actor.may("read")
    with ctx.db.read() as s:
        _get_licence(s, actor, licence_id)
        rows = s.execute(
            select(Shipment, LicenceLine.line_no)
            .join(LicenceLine, Shipment.line_id == LicenceLine.id)
            .where(Shipment.licence_id == licence_id)
            .order_by(Shipment.id)
        ).all()
        names = user_names(s, *{sh.created_by for sh, _ in rows})
        return [_shipment_out(sh, no, names) for sh, no in rows]


class _Refused(Exception):
    """A shipment refused for its parties: audited after the rollback."""

    def __init__(self, licence_id: int, conflict: Conflict) -> None:
        super().__init__(conflict.message)
        self.licence_id = licence_id
        self.conflict = conflict


def _screen_parties(ctx: Context, s: Session, lic: Licence, line_no: int, day: date) -> None:
    """Refuse (409 ``party_listed``) a shipment on ``day`` when a party of the
    licence (its end user, the application's consignee) is on a party list
    whose measures prohibit the export on that day (Export Control Law
    Art. 18; 两用物项出口管制条例 Art. 30 and 31: exporters may not deal with
    entities on the control list, and exports under way must stop)."""
    from lanthanide.countries import codes
    from lanthanide.decide import make_case

    a = s.get(Application, lic.application_id)
    assert a is not None
    aline = s.execute(
        select(ApplicationLine).where(
            ApplicationLine.application_id == a.id, ApplicationLine.line_no == line_no
        )
    ).scalar_one()
    case = make_case(
        item=aline.item,
        hs=aline.hs,
        destination=lic.destination,
        on=day,
        end_use=a.end_use,
        end_user=lic.end_user,
        consignee=a.consignee,
        params=json.loads(aline.params),
        countries=codes(),
    )
    why = screening.shipment_refusal(ctx.decide, case, lic.number, lic.valid_from)
    if why is not None:
        raise _Refused(
            lic.id,
            Conflict("party_listed", f"shipment refused: {why}", field="shipment_date"),
        )


def _basis_check(lic: Licence) -> list[str]:
    """:func:`reevaluations.draw_down_check`, its refusal audited."""
    try:
        return reevaluations.draw_down_check(lic)
    except Conflict as c:
        raise _Refused(lic.id, c) from None


def _audit_refusal(ctx: Context, actor: Actor, r: _Refused, what: str) -> None:
    """Audit a refused shipment (on the licence row, which does not change;
    the reason in the entry's note). Nothing else is stored."""
    with ctx.db.write() as s:
        audit.lock_head(s)
        lic = s.get(Licence, r.licence_id)
        assert lic is not None
        audit.record(
            s,
            actor.name,
            f"shipment.refused_{what}",
            lic,
            audit.snapshot(lic),
            note=r.conflict.message,
        )


def draw_down(
    ctx: Context, actor: Actor, licence_id: int, data: ShipmentIn
) -> tuple[ShipmentOut, bool]:
    """Record a shipment against a licence line (or reserve it). Returns the
    shipment and whether it was created (False: an earlier one with the same
    ``client_key``). Refusals are :class:`Conflict` with a reason code; one
    for a listed party (``party_listed``) is audited."""
    try:
        return _draw_down(ctx, actor, licence_id, data)
    except _Refused as r:
        _audit_refusal(ctx, actor, r, r.conflict.reason)
        raise r.conflict from None


def _draw_down(
    ctx: Context, actor: Actor, licence_id: int, data: ShipmentIn
) -> tuple[ShipmentOut, bool]:
    action: ShipmentAction = "reserve" if data.reserve else "ship"
    SHIPMENT.authorise(actor, action)
    with ctx.db.write() as s:
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
                    old, ln_no.line_no if ln_no else 0, user_names(s, old.created_by)
                ), False
        line = s.execute(
            select(LicenceLine)
            .where(LicenceLine.licence_id == licence_id, LicenceLine.line_no == data.line)
            .with_for_update()
        ).scalar_one_or_none()
        if line is None:
            raise Invalid([("line", f"licence {lic.number} has no line {data.line}")])
        day = data.shipment_date or ctx.today()
        if not (lic.valid_from <= day <= lic.valid_until):
            raise Conflict(
                "outside_validity",
                f"shipment date {day} is outside the licence's validity "
                f"{lic.valid_from} to {lic.valid_until}",
                field="shipment_date",
            )
        if action == "ship":
            _check_not_future(ctx, day)
        if data.destination != lic.destination:
            raise Conflict(
                "wrong_destination",
                f"the licence covers exports to {lic.destination}, not {data.destination}",
                field="destination",
            )
        q, v = to_milli(data.quantity), to_cents(data.value)
        warnings = _basis_check(lic)
        _screen_parties(ctx, s, lic, line.line_no, day)
        free_q = line.authorised_milli - line.reserved_milli - line.used_milli
        free_v = line.authorised_value_cents - line.reserved_value_cents - line.used_value_cents
        if q > free_q:
            raise Conflict(
                "exceeds_line",
                f"{from_milli(q)} {line.unit} exceeds what is left on line {line.line_no}: "
                f"{from_milli(free_q)} of {from_milli(line.authorised_milli)} {line.unit}",
                field="quantity",
            )
        if v > free_v:
            raise Conflict(
                "exceeds_line_value",
                f"value {from_cents(v)} exceeds what is left on line {line.line_no}: "
                f"{from_cents(free_v)} of {from_cents(line.authorised_value_cents)} "
                f"{line.currency}",
                field="value",
            )
        before = audit.snapshot(line)
        state = SHIPMENT.start(action)
        if action == "reserve":
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
        names = {actor.user_id or 0: actor.name}
        return _shipment_out(sh, line.line_no, names, warnings), True


def settle_reservation(
    ctx: Context, actor: Actor, licence_id: int, shipment_id: int, *, confirm: bool
) -> ShipmentOut:
    """Turn a reservation into a used shipment (``confirm``; its parties are
    screened again on its date, 409 ``party_listed``) or release it."""
    try:
        return _settle(ctx, actor, licence_id, shipment_id, confirm=confirm)
    except _Refused as r:
        _audit_refusal(ctx, actor, r, r.conflict.reason)
        raise r.conflict from None


def _settle(
    ctx: Context, actor: Actor, licence_id: int, shipment_id: int, *, confirm: bool
) -> ShipmentOut:
    action: ShipmentAction = "confirm" if confirm else "cancel"
    SHIPMENT.authorise(actor, action)
    with ctx.db.write() as s:
        audit.lock_head(s)
        lic = _get_licence(s, actor, licence_id)
        sh = s.execute(
            select(Shipment)
            .where(Shipment.id == shipment_id, Shipment.licence_id == licence_id)
            .with_for_update()
        ).scalar_one_or_none()
        if sh is None:
            raise NotFound(f"shipment {shipment_id} not found on licence {licence_id}")
        state = SHIPMENT.next(sh.state, action, ident=shipment_id)
        if action == "confirm":
            _check_not_future(ctx, sh.shipment_date)
        line = s.execute(
            select(LicenceLine).where(LicenceLine.id == sh.line_id).with_for_update()
        ).scalar_one()
        warnings: list[str] = []
        if action == "confirm":
            warnings = _basis_check(lic)
            _screen_parties(ctx, s, lic, line.line_no, sh.shipment_date)
        line_before, sh_before = audit.snapshot(line), audit.snapshot(sh)
        line.reserved_milli -= sh.quantity_milli
        line.reserved_value_cents -= sh.value_cents
        if action == "confirm":
            line.used_milli += sh.quantity_milli
            line.used_value_cents += sh.value_cents
        sh.state = state
        audit.record(s, actor.name, f"shipment.{sh.state}", sh, sh_before)
        audit.record(s, actor.name, "licence_line.settle", line, line_before)
        return _shipment_out(sh, line.line_no, user_names(s, sh.created_by), warnings)
