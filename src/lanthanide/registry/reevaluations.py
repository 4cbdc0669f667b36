"""Re-evaluation: the determination re-run, on a date, for every open
application (submitted or under review) and every licence valid on that
date, with the registry's rulebook as it is now.

Each re-evaluation is stored (:class:`~lanthanide.registry.models.Reevaluation`:
record kind and id, the date, the rulebook version and data date, the verdict
before and after, what changed, the determination, who ran it) and audited.

What a licence authorises never changes. A licence whose re-evaluation
differs from the determination it was issued on gets the visible status
``basis_changed`` (with the new verdict and what changed); the law's answer
to such a change is Art. 18(4) of the Dual-Use Items Export Control
Regulations (国务院令第792号): when the factors a licence was granted on
change materially, MOFCOM notifies the exporter to stop using it for the
time being, then withdraws, revokes or requires a change of the licence, or
restores its use. The registry therefore refuses draw-downs on a
``basis_changed`` licence whose new verdict is ``prohibited`` (no licence can
authorise an export the law now prohibits: Export Control Law Art. 18,
Regulations Art. 13 and 29) and allows the others with a warning until an
officer acts (see :func:`draw_down_check`).
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from lanthanide.registry import audit
from lanthanide.registry.actors import Actor
from lanthanide.registry.context import Context
from lanthanide.registry.errors import Conflict
from lanthanide.registry.models import Application, ApplicationLine, Licence, Reevaluation
from lanthanide.registry.schemas import ReevaluationOut, ReevaluationRunOut
from lanthanide.registry.states import APP_STATES, awaiting_decision

KINDS = ("application", "licence")


def _basis(det: list[dict[str, Any]]) -> set[tuple[int, str, str, str]]:
    """What a determination rests on: per line, each finding's effect,
    instrument and control (the party findings included)."""
    out: set[tuple[int, str, str, str]] = set()
    for ln in det:
        for f in ln.get("findings", []):
            inst = f["instrument"]
            out.add((ln["line"], f["effect"], inst.get("number") or inst["id"], f["control"]))
    return out


def changes(
    before_verdict: str | None,
    before: list[dict[str, Any]],
    after_verdict: str,
    after: list[dict[str, Any]],
) -> list[str]:
    """What differs between two determinations, in words (empty: nothing)."""
    out: list[str] = []
    if before_verdict != after_verdict:
        out.append(f"verdict {before_verdict} → {after_verdict}")
    b, a = _basis(before), _basis(after)
    for line, effect, number, control in sorted(a - b):
        out.append(f"line {line}: {effect} under {number} ({control}) now applies")
    for line, effect, number, control in sorted(b - a):
        out.append(f"line {line}: {effect} under {number} ({control}) no longer applies")
    return out


def latest(s: Session, kind: str, record_id: int) -> Reevaluation | None:
    return s.execute(
        select(Reevaluation)
        .where(Reevaluation.kind == kind, Reevaluation.record_id == record_id)
        .order_by(Reevaluation.id.desc())
        .limit(1)
    ).scalar_one_or_none()


def out(r: Reevaluation, *, determination: bool = True) -> ReevaluationOut:
    return ReevaluationOut(
        id=r.id,
        run=r.run,
        kind=r.kind,
        record_id=r.record_id,
        party_id=r.party_id,
        on=r.on,
        rulebook_version=r.rulebook_version,
        data_as_of=r.data_as_of,
        verdict_before=r.verdict_before,
        verdict_after=r.verdict_after,
        changed=r.changed,
        basis_changed=r.basis_changed,
        changes=json.loads(r.changes),
        determination=json.loads(r.determination) if determination else None,
        actor=r.actor,
        created_at=r.created_at,
    )


BATCH = 100
"""Records written per write transaction by :func:`run`."""


@dataclass(frozen=True, slots=True)
class _Target:
    kind: str
    record_id: int
    application_id: int


@dataclass(frozen=True, slots=True)
class _Decided:
    inputs: tuple[Any, ...]
    """What the determination read of the record (to see it changed since)."""
    verdict: str
    det: list[dict[str, Any]]
    text: str
    """``det`` as stored (canonical JSON)."""


def _targets(s: Session, day: date) -> list[_Target]:
    """Every open application, then every licence valid on ``day``, by id."""
    open_states = [st for st in APP_STATES if awaiting_decision(st)]
    apps = s.execute(
        select(Application.id).where(Application.state.in_(open_states)).order_by(Application.id)
    ).scalars()
    out = [_Target("application", i, i) for i in apps]
    lics = s.execute(
        select(Licence.id, Licence.application_id)
        .where(Licence.valid_from <= day, Licence.valid_until >= day)
        .order_by(Licence.id)
    ).all()
    return out + [_Target("licence", lid, aid) for lid, aid in lics]


def _inputs(s: Session, a: Application) -> tuple[Any, ...]:
    lines = s.execute(
        select(
            ApplicationLine.line_no,
            ApplicationLine.item,
            ApplicationLine.hs,
            ApplicationLine.params,
        )
        .where(ApplicationLine.application_id == a.id)
        .order_by(ApplicationLine.line_no)
    ).all()
    return (a.destination, a.end_use, a.end_user, a.consignee, tuple(tuple(x) for x in lines))


def _decide(ctx: Context, s: Session, a: Application, on: date) -> _Decided:
    from lanthanide.registry.applications import determine

    verdict, det, _screened = determine(ctx, s, a, on)
    text = json.dumps(det, ensure_ascii=False, sort_keys=True)
    return _Decided(_inputs(s, a), verdict, det, text)


def _still_a_target(s: Session, t: _Target, day: date) -> Application | None:
    """The record's application if the record is still open (application)
    or valid on ``day`` (licence) in this transaction, else None."""
    a = s.get(Application, t.application_id)
    if a is None:
        return None
    if t.kind == "application":
        return a if awaiting_decision(a.state) else None
    lic = s.get(Licence, t.record_id)
    return a if lic is not None and lic.valid_from <= day <= lic.valid_until else None


def _store(
    ctx: Context,
    s: Session,
    actor: Actor,
    run: str,
    on: date,
    t: _Target,
    a: Application,
    d: _Decided,
) -> Reevaluation:
    original = json.loads(a.determination) if a.determination else []
    prev = latest(s, t.kind, t.record_id)
    prev_verdict: str | None = a.verdict
    prev_det = original
    if prev is not None:
        prev_verdict, prev_det = prev.verdict_after, json.loads(prev.determination)
    since_prev = changes(prev_verdict, prev_det, d.verdict, d.det)
    since_basis = changes(a.verdict, original, d.verdict, d.det)
    r = Reevaluation(
        run=run,
        kind=t.kind,
        record_id=t.record_id,
        party_id=a.party_id,
        on=on,
        rulebook_version=ctx.rulebook.version,
        data_as_of=ctx.rulebook.data_as_of,
        verdict_before=prev_verdict,
        verdict_after=d.verdict,
        changed=bool(since_prev),
        basis_changed=bool(since_basis),
        changes=json.dumps(since_basis, ensure_ascii=False),
        determination=d.text,
        actor=actor.name,
        created_at=audit.now(),
    )
    s.add(r)
    audit.record(s, actor.name, f"reevaluation.{t.kind}", r, None)
    return r


def _mark_licence(s: Session, actor: Actor, lic: Licence, r: Reevaluation) -> None:
    """Show on the licence whether its basis changed (only when that changes)."""
    status = "basis_changed" if r.basis_changed else None
    verdict = r.verdict_after if r.basis_changed else None
    if (lic.basis_status, lic.basis_verdict) == (status, verdict):
        return
    before = audit.snapshot(lic)
    lic.basis_status, lic.basis_verdict, lic.basis_reevaluation_id = status, verdict, r.id
    action = "licence.basis_changed" if status else "licence.basis_restored"
    audit.record(s, actor.name, action, lic, before)


def run(
    ctx: Context, actor: Actor, on: date | None = None, *, batch: int = BATCH
) -> ReevaluationRunOut:
    """Re-evaluate every open application and every licence valid on ``on``
    (default: today).

    The determinations are made outside any write transaction (a read
    session per batch); each batch of ``batch`` records is then written in
    one short write transaction — its re-evaluations, the licences' marks
    and their audit entries together, so a failure leaves every earlier
    batch whole and nothing of its own. A record that closed (or whose
    licence stopped being valid) in between is left out; one whose inputs
    changed is decided again inside the write. A record whose latest
    re-evaluation is already for ``on`` under this rulebook version with the
    same determination is not stored again (``already``: its stored row is
    listed, with its own run id), so a re-run, or a run resumed after a
    failure, adds no duplicates."""
    actor.may("reevaluate")
    if batch < 1:
        raise ValueError("batch must be 1 or more")
    day = on or ctx.today()
    run_id = uuid.uuid4().hex
    version = ctx.rulebook.version
    with ctx.db.read() as s:
        targets = _targets(s, day)
    listed: list[ReevaluationOut] = []
    stored = already = changed = 0
    for start in range(0, len(targets), batch):
        chunk = targets[start : start + batch]
        decided: dict[_Target, _Decided] = {}
        with ctx.db.read() as s:  # decide: no write lock held
            for t in chunk:
                a = s.get(Application, t.application_id)
                if a is not None:
                    decided[t] = _decide(ctx, s, a, day)
        with ctx.db.write() as s:
            audit.lock_head(s)
            for t in chunk:
                a = _still_a_target(s, t, day)
                if a is None:
                    continue
                d = decided.get(t)
                if d is None or d.inputs != _inputs(s, a):
                    d = _decide(ctx, s, a, day)
                prev = latest(s, t.kind, t.record_id)
                if (
                    prev is not None
                    and prev.on == day
                    and prev.rulebook_version == version
                    and prev.determination == d.text
                ):
                    r, fresh = prev, False
                else:
                    r, fresh = _store(ctx, s, actor, run_id, day, t, a, d), True
                if t.kind == "licence":
                    lic = s.get(Licence, t.record_id)
                    assert lic is not None
                    _mark_licence(s, actor, lic, r)
                stored += fresh
                already += not fresh
                changed += fresh and r.changed
                listed.append(out(r, determination=False))
    return ReevaluationRunOut(
        run=run_id,
        on=day,
        rulebook_version=version,
        data_as_of=ctx.rulebook.data_as_of,
        evaluated=len(listed),
        stored=stored,
        already=already,
        changed=changed,
        basis_changed=sum(r.basis_changed for r in listed),
        records=listed,
    )


def list_(
    ctx: Context,
    actor: Actor,
    *,
    run: str | None = None,
    kind: str | None = None,
    changed: bool | None = None,
    basis_changed: bool | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[ReevaluationOut]:
    """Stored re-evaluations, newest first (officers and administrators)."""
    actor.may("reevaluate")
    with ctx.db.read() as s:
        q = select(Reevaluation).order_by(Reevaluation.id.desc())
        if run:
            q = q.where(Reevaluation.run == run)
        if kind:
            q = q.where(Reevaluation.kind == kind)
        if changed is not None:
            q = q.where(Reevaluation.changed == changed)
        if basis_changed is not None:
            q = q.where(Reevaluation.basis_changed == basis_changed)
        return [out(r) for r in s.execute(q.limit(limit).offset(offset)).scalars()]


def draw_down_check(lic: Licence) -> list[str]:
    """Warnings for a draw-down on ``lic``; :class:`Conflict`
    ``basis_prohibited`` when its basis changed to ``prohibited``."""
    if lic.basis_status != "basis_changed":
        return []
    if lic.basis_verdict == "prohibited":
        raise Conflict(
            "basis_prohibited",
            f"licence {lic.number}: re-evaluation {lic.basis_reevaluation_id} found the export "
            "now prohibited; no draw-down until an officer acts on the licence (国务院令第792号 "
            "Art. 18(4): use of the licence stops while the changed basis is reviewed)",
            field="line",
        )
    return [
        f"licence {lic.number}: its basis changed (re-evaluation {lic.basis_reevaluation_id}, "
        f"verdict now {lic.basis_verdict}); the licence still authorises what it states, but "
        "MOFCOM may suspend, change or revoke it (国务院令第792号 Art. 18(4))"
    ]
