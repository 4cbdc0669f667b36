"""Licence applications: create, submit (with the determination and the
decision deadline), withdraw, review, decide.

Every state change goes through :data:`~lanthanide.registry.states.APPLICATION`.
An approval issues the licence (:func:`lanthanide.registry.licences.issue`).
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from lanthanide.registry import audit, licences, pauses, reevaluations, screening
from lanthanide.registry.actors import Actor
from lanthanide.registry.amounts import from_cents, from_milli, to_cents, to_milli
from lanthanide.registry.context import Context
from lanthanide.registry.errors import Conflict, Forbidden, Invalid, NotFound
from lanthanide.registry.models import Application, ApplicationLine, Licence
from lanthanide.registry.parties import party_name, user_names
from lanthanide.registry.schemas import ApplicationIn, ApplicationOut, DecisionIn, LineOut
from lanthanide.registry.states import APPLICATION, AppAction, awaiting_decision
from lanthanide.registry.workdays import add_working_days, estimate_note, working_days_between

DEFAULT_VALIDITY = timedelta(days=365)
"""Validity when the officer gives no ``valid_until`` (the registry's default,
not a value of the law; the law's maximum per licence type still applies)."""


def _lines(s: Session, app_id: int) -> list[ApplicationLine]:
    return list(
        s.execute(
            select(ApplicationLine)
            .where(ApplicationLine.application_id == app_id)
            .order_by(ApplicationLine.line_no)
        ).scalars()
    )


def _determined_on(a: Application) -> date:
    """The day the application's determination was made for (its submission day)."""
    det = json.loads(a.determination) if a.determination else []
    if det and isinstance(det[0].get("case"), dict) and det[0]["case"].get("on"):
        return date.fromisoformat(det[0]["case"]["on"])
    assert a.submitted_at is not None
    return a.submitted_at.date()


def app_out(ctx: Context, s: Session, a: Application) -> ApplicationOut:
    lic = s.execute(select(Licence.id).where(Licence.application_id == a.id)).scalar()
    left = None
    note = None
    estimated = False
    deadline = a.deadline
    paused = 0
    stops = pauses.pauses_of(s, a.id)
    if a.deadline is not None:
        since = _determined_on(a)
        clock = pauses.effective(since, a.deadline, stops, ctx.today())
        deadline, paused = clock.deadline, clock.paused_working_days
        note = estimate_note(since, clock.deadline)
        estimated = note is not None
        if clock.note:
            note = f"{note}; {clock.note}" if note else clock.note
        if awaiting_decision(a.state):
            left = working_days_between(ctx.today(), clock.deadline, excluded=clock.excluded)
    return ApplicationOut(
        id=a.id,
        party_id=a.party_id,
        party=party_name(s, a.party_id),
        state=a.state,
        licence_type=a.licence_type,
        destination=a.destination,
        end_user=a.end_user,
        consignee=a.consignee,
        end_use=a.end_use,
        end_use_detail=a.end_use_detail,
        lines=[
            LineOut(
                line=ln.line_no,
                item=ln.item,
                instrument=ln.instrument,
                hs=ln.hs,
                description=ln.description,
                quantity=from_milli(ln.quantity_milli),
                unit=ln.unit,
                value=from_cents(ln.value_cents),
                currency=ln.currency,
                params=json.loads(ln.params),
            )
            for ln in _lines(s, a.id)
        ],
        created_at=a.created_at,
        submitted_at=a.submitted_at,
        deadline=deadline,
        working_days_left=left,
        deadline_estimated=estimated,
        deadline_note=note,
        deadline_without_pauses=a.deadline if stops else None,
        paused_working_days=paused,
        clock_pauses=[pauses.out(p) for p in stops],
        verdict=a.verdict,
        determination=json.loads(a.determination) if a.determination else None,
        screening=json.loads(a.screening) if a.screening else None,
        decided_at=a.decided_at,
        decided_by=user_names(s, a.decided_by).get(a.decided_by) if a.decided_by else None,
        decision_note=a.decision_note,
        licence_id=lic,
        reevaluation=_latest_reevaluation(s, a),
    )


def _latest_reevaluation(s: Session, a: Application) -> dict[str, Any] | None:
    r = reevaluations.latest(s, "application", a.id)
    if r is None:
        return None
    return {
        "id": r.id,
        "on": r.on.isoformat(),
        "verdict": r.verdict_after,
        "basis_changed": r.basis_changed,
        "changes": json.loads(r.changes),
        "rulebook_version": r.rulebook_version,
    }


def _resolve_items(ctx: Context, data: ApplicationIn) -> list[str]:
    """Each line's item must be a rulebook item code; returns the instrument ids."""
    from lanthanide.countries import codes

    b = ctx.rulebook
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


def get_app(s: Session, actor: Actor, app_id: int, *, lock: bool = False) -> Application:
    q = select(Application).where(Application.id == app_id)
    if lock:
        q = q.with_for_update()
    a = s.execute(q).scalar_one_or_none()
    if a is None:
        raise NotFound(f"licence application {app_id} not found")
    actor.own(a.party_id, "licence application", app_id)
    return a


def _move(s: Session, actor: Actor, a: Application, action: AppAction) -> None:
    """Apply ``action`` through the state table and audit it."""
    before = audit.snapshot(a)
    a.state = APPLICATION.next(a.state, action)
    audit.record(s, actor.name, f"application.{action}", a, before)


def create(ctx: Context, actor: Actor, data: ApplicationIn) -> ApplicationOut:
    actor.may("apply")
    if actor.party_id is None:
        raise Forbidden("this exporter belongs to no party")
    instruments = _resolve_items(ctx, data)
    with ctx.db.write() as s:
        audit.lock_head(s)
        a = Application(
            party_id=actor.party_id,
            created_by=actor.user_id,
            state="draft",
            licence_type=data.licence_type,
            destination=data.destination,
            end_user=data.end_user,
            consignee=data.consignee,
            end_use=data.end_use,
            end_use_detail=data.end_use_detail,
            created_at=audit.now(),
        )
        s.add(a)
        audit.record(s, actor.name, "application.create", a, None)
        _add_lines(s, actor, a, data, instruments)
        return app_out(ctx, s, a)


def _add_lines(
    s: Session, actor: Actor, a: Application, data: ApplicationIn, instruments: list[str]
) -> None:
    for i, (ln, inst) in enumerate(zip(data.lines, instruments, strict=True), start=1):
        row = ApplicationLine(
            application_id=a.id,
            line_no=i,
            item=ln.item.strip(),
            instrument=inst,
            hs=ln.hs,
            description=ln.description,
            unit=ln.unit,
            quantity_milli=to_milli(ln.quantity),
            value_cents=to_cents(ln.value),
            currency=ln.currency,
            params=json.dumps(ln.params, sort_keys=True),
        )
        s.add(row)
        audit.record(s, actor.name, "application_line.create", row, None)


def update(ctx: Context, actor: Actor, app_id: int, data: ApplicationIn) -> ApplicationOut:
    """Replace a draft's contents (header and lines) with ``data``, validated
    as on creation; only the owning party's exporters, only in state ``draft``
    (409 ``bad_state`` otherwise). The old lines are deleted and the new ones
    numbered from 1, each change audited."""
    APPLICATION.authorise(actor, "edit")
    instruments = _resolve_items(ctx, data)
    with ctx.db.write() as s:
        audit.lock_head(s)
        a = get_app(s, actor, app_id, lock=True)
        before = audit.snapshot(a)
        a.state = APPLICATION.next(a.state, "edit")
        for old in _lines(s, a.id):
            audit.record_delete(s, actor.name, "application_line.delete", old)
        a.licence_type = data.licence_type
        a.destination = data.destination
        a.end_user = data.end_user
        a.consignee = data.consignee
        a.end_use = data.end_use
        a.end_use_detail = data.end_use_detail
        audit.record(s, actor.name, "application.edit", a, before)
        _add_lines(s, actor, a, data, instruments)
        return app_out(ctx, s, a)


def _stricter(worst: str, verdict: str) -> str:
    """The stricter of two verdicts (``undetermined`` ranks below
    ``licence_required`` and above what is less strict)."""
    from lanthanide.decide.model import RANK

    if verdict == "undetermined":
        return "undetermined" if RANK.get(worst, 0) < RANK["licence_required"] else worst
    if worst == "undetermined" and RANK[verdict] < RANK["licence_required"]:
        return worst
    return verdict if RANK[verdict] > RANK.get(worst, 0) else worst


_HEADER = frozenset({"destination", "end_use", "end_user", "consignee"})
"""Case fields that are the application's, not a line's."""


def determine(
    ctx: Context, s: Session, a: Application, on: date
) -> tuple[str, list[dict[str, Any]], dict[str, Any]]:
    """Run the determination on every line on ``on``, with the end user and
    the consignee screened against the party lists (as ``check`` does): the
    application's verdict is the strictest, and the screening
    (:func:`lanthanide.registry.screening.summary`) what the lists said."""
    from lanthanide.countries import codes
    from lanthanide.decide import CaseError, make_case

    results: list[dict[str, Any]] = []
    worst = "not_controlled"
    for ln in _lines(s, a.id):
        try:
            case = make_case(
                item=ln.item,
                hs=ln.hs,
                destination=a.destination,
                on=on,
                end_use=a.end_use,
                end_user=a.end_user,
                consignee=a.consignee,
                params=json.loads(ln.params),
                countries=codes(),
            )
        except CaseError as exc:
            where = exc.field if exc.field in _HEADER else f"lines.{ln.line_no - 1}.{exc.field}"
            raise Invalid([(where, exc.message)]) from None
        d = ctx.decide(case).to_dict(trace=False)
        worst = _stricter(worst, d["verdict"])
        results.append({"line": ln.line_no, **d})
    parties = {"end_user": a.end_user}
    if a.consignee:
        parties["consignee"] = a.consignee
    return worst, results, screening.summary(on, parties, results)


def submit(ctx: Context, actor: Actor, app_id: int) -> ApplicationOut:
    """Submit a draft: runs the determination and sets the decision deadline
    (the rulebook's time limit for the licence type, in working days)."""
    APPLICATION.authorise(actor, "submit")
    with ctx.db.write() as s:
        audit.lock_head(s)
        a = get_app(s, actor, app_id, lock=True)
        before = audit.snapshot(a)
        state = APPLICATION.next(a.state, "submit")
        today = ctx.today()
        limit = ctx.procedures.decision_deadline(a.licence_type, today)
        verdict, det, screened = determine(ctx, s, a, today)
        a.state = state
        a.submitted_at = audit.now()
        a.deadline = add_working_days(today, limit.value)
        a.verdict = verdict
        a.determination = json.dumps(det, ensure_ascii=False, sort_keys=True)
        a.screening = json.dumps(screened, ensure_ascii=False, sort_keys=True)
        audit.record(s, actor.name, "application.submit", a, before)
        return app_out(ctx, s, a)


def withdraw(ctx: Context, actor: Actor, app_id: int) -> ApplicationOut:
    APPLICATION.authorise(actor, "withdraw")
    with ctx.db.write() as s:
        audit.lock_head(s)
        a = get_app(s, actor, app_id, lock=True)
        _move(s, actor, a, "withdraw")
        return app_out(ctx, s, a)


def officer_may_decide(actor: Actor, a: Application) -> None:
    if actor.party_id is not None and actor.party_id == a.party_id:
        raise Forbidden("an officer may not decide an application of their own party")


def review(ctx: Context, actor: Actor, app_id: int) -> ApplicationOut:
    APPLICATION.authorise(actor, "review")
    with ctx.db.write() as s:
        audit.lock_head(s)
        a = get_app(s, actor, app_id, lock=True)
        officer_may_decide(actor, a)
        _move(s, actor, a, "review")
        return app_out(ctx, s, a)


def decide(ctx: Context, actor: Actor, app_id: int, data: DecisionIn) -> ApplicationOut:
    """Approve (issuing a licence) or deny a submitted or under-review application."""
    action: AppAction = "approve" if data.decision == "approve" else "deny"
    APPLICATION.authorise(actor, action)
    with ctx.db.write() as s:
        audit.lock_head(s)
        a = get_app(s, actor, app_id, lock=True)
        officer_may_decide(actor, a)
        if APPLICATION.allows(a.state, "review"):
            _move(s, actor, a, "review")
        before = audit.snapshot(a)
        state = APPLICATION.next(a.state, action)
        if action == "approve":
            again = reevaluations.latest(s, "application", a.id)
            if again is not None and again.verdict_after == "prohibited":
                raise Conflict(
                    "prohibited",
                    f"re-evaluation {again.id} on {again.on} found the export 'prohibited': "
                    "it cannot be licensed",
                    field="decision",
                )
            if a.verdict == "prohibited":
                raise Conflict(
                    "prohibited",
                    "the determination is 'prohibited': the export cannot be licensed",
                    field="decision",
                )
            start = data.valid_from or ctx.today()
            until = data.valid_until or (start + DEFAULT_VALIDITY)
            licences.check_validity(ctx, a, start, until, _determined_on(a))
            licences.issue(s, actor, a, _lines(s, a.id), data.lines or [], start, until)
        a.state = state
        a.decided_at = audit.now()
        a.decided_by = actor.user_id
        a.decision_note = data.note
        audit.record(s, actor.name, f"application.{a.state}", a, before)
        return app_out(ctx, s, a)


def get(ctx: Context, actor: Actor, app_id: int) -> ApplicationOut:
    actor.may("read")
    with ctx.db.read() as s:
        return app_out(ctx, s, get_app(s, actor, app_id))


def list_(
    ctx: Context, actor: Actor, *, state: str | None = None, limit: int = 100, offset: int = 0
) -> list[ApplicationOut]:
    actor.may("read")
    with ctx.db.read() as s:
        q = select(Application).order_by(Application.id)
        if actor.party_scoped:
            q = q.where(Application.party_id == actor.party_id)
        if state:
            q = q.where(Application.state == state)
        return [app_out(ctx, s, a) for a in s.execute(q.limit(limit).offset(offset)).scalars()]
