"""Pausing the decision clock: periods excluded from the 45-working-day
time limit.

国务院令第792号 (Dual-Use Items Export Control Regulations) Art. 17(3):
国务院商务主管部门对出口许可申请进行审查，依法需要组织鉴别，征询专家意见，
或者对出口经营者、最终用户进行实地核查的，所需时间不计算在本条第一款规定的
出口许可审查期限内。 — the time needed for identification, for consulting
experts, or for on-site checks of the exporter or the end user does not count
towards the time limit of Art. 17(1).

An officer records each such period (kind, start, end; the end may follow
later); the working days inside the periods are not counted, so the
deadline moves later by as many working days as the pauses hold. While a
pause is running (no end yet) its days up to today are excluded, and the
answer says that the deadline will move further.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from lanthanide.registry import audit
from lanthanide.registry.actors import Actor
from lanthanide.registry.context import Context
from lanthanide.registry.errors import Invalid, NotFound
from lanthanide.registry.models import Application, ClockPause
from lanthanide.registry.schemas import ApplicationOut, ClockPauseIn, ClockPauseOut, PauseEndIn
from lanthanide.registry.states import APPLICATION
from lanthanide.registry.workdays import (
    add_working_days,
    calendar,
    days_of,
    working_days_between,
)

BASIS = "国务院令第792号 Art. 17(3)"
KIND_WORDS = {
    "identification": "组织鉴别 (identification of the items)",
    "expert_consultation": "征询专家意见 (consulting experts)",
    "on_site_check": "实地核查 (on-site check of the exporter or the end user)",
}


def pauses_of(s: Session, app_id: int) -> list[ClockPause]:
    return list(
        s.execute(
            select(ClockPause)
            .where(ClockPause.application_id == app_id)
            .order_by(ClockPause.start, ClockPause.id)
        ).scalars()
    )


def out(p: ClockPause) -> ClockPauseOut:
    return ClockPauseOut(
        id=p.id,
        application_id=p.application_id,
        kind=p.kind,
        kind_text=KIND_WORDS[p.kind],
        start=p.start,
        end=p.end,
        running=p.end is None,
        note=p.note,
        basis=BASIS,
        actor=p.actor,
        created_at=p.created_at,
    )


@dataclass(frozen=True)
class Clock:
    """The decision deadline with the pauses taken out."""

    deadline: date
    excluded: frozenset[date]
    paused_working_days: int
    note: str | None


def effective(submitted_on: date, statutory: date, pauses: list[ClockPause], today: date) -> Clock:
    """The deadline ``statutory`` (the time limit counted from
    ``submitted_on`` without pauses) moved by the working days of
    ``pauses`` (a running one: up to ``today``)."""
    n = working_days_between(submitted_on, statutory)
    excluded = days_of((p.start, p.end or max(today, p.start)) for p in pauses)
    deadline = add_working_days(submitted_on, n, excluded=excluded)
    cal = calendar()
    paused = sum(1 for d in excluded if submitted_on < d <= deadline and cal.is_working_day(d))
    running = [p for p in pauses if p.end is None]
    note = None
    if running:
        p = running[0]
        note = (
            f"the clock is paused since {p.start} ({KIND_WORDS[p.kind]}, {BASIS}): the "
            "deadline moves one working day later for every working day until the pause ends"
        )
    return Clock(deadline, excluded, paused, note)


def _check_dates(
    a: Application, submitted_on: date, today: date, start: date, end: date | None
) -> None:
    errors: list[tuple[str, str]] = []
    if start < submitted_on:
        errors.append(
            ("start", f"{start} is before the application was submitted ({submitted_on})")
        )
    if start > today:
        errors.append(
            ("start", f"{start} is in the future (today is {today}): record a pause when it starts")
        )
    if end is not None and end < start:
        errors.append(("end", f"{end} is before the pause's start {start}"))
    if end is not None and end > today:
        errors.append(
            (
                "end",
                f"{end} is in the future (today is {today}): record the end when the pause ends",
            )
        )
    if errors:
        raise Invalid(errors)


def _pausable(s: Session, actor: Actor, app_id: int) -> Application:
    """The application ``app_id``, locked for this write, once the officer
    checks pass (``actor.may("pause_clock")`` is checked before the write
    opens): ``actor`` may decide this application (never one of their own
    party) and its state allows a pause."""
    from lanthanide.registry.applications import get_app, officer_may_decide

    a = get_app(s, actor, app_id, lock=True)
    officer_may_decide(actor, a)
    APPLICATION.next(a.state, "pause")
    return a


def pause(ctx: Context, actor: Actor, app_id: int, data: ClockPauseIn) -> ApplicationOut:
    """Record a period excluded from the decision time limit of a submitted
    or under-review application (officers, never for their own party)."""
    from lanthanide.registry.applications import _determined_on, app_out

    actor.may("pause_clock")
    with ctx.db.write() as s:
        audit.lock_head(s)
        a = _pausable(s, actor, app_id)
        _check_dates(a, _determined_on(a), ctx.today(), data.start, data.end)
        p = ClockPause(
            application_id=a.id,
            kind=data.kind,
            start=data.start,
            end=data.end,
            note=data.note,
            actor=actor.name,
            created_at=audit.now(),
        )
        s.add(p)
        audit.record(s, actor.name, "clock_pause.create", p, None)
        return app_out(ctx, s, a)


def end_pause(
    ctx: Context, actor: Actor, app_id: int, pause_id: int, data: PauseEndIn
) -> ApplicationOut:
    """Set (or correct) the end of a pause."""
    from lanthanide.registry.applications import _determined_on, app_out

    actor.may("pause_clock")
    with ctx.db.write() as s:
        audit.lock_head(s)
        a = _pausable(s, actor, app_id)
        p = s.get(ClockPause, pause_id)
        if p is None or p.application_id != a.id:
            raise NotFound(f"clock pause {pause_id} not found on licence application {app_id}")
        _check_dates(a, _determined_on(a), ctx.today(), p.start, data.end)
        before = audit.snapshot(p)
        p.end = data.end
        audit.record(s, actor.name, "clock_pause.end", p, before)
        return app_out(ctx, s, a)


def list_(ctx: Context, actor: Actor, app_id: int) -> list[ClockPauseOut]:
    from lanthanide.registry.applications import get_app

    actor.may("read")
    with ctx.db.read() as s:
        get_app(s, actor, app_id)
        return [out(p) for p in pauses_of(s, app_id)]
