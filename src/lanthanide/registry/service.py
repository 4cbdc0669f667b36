"""The registry's public entry point: :class:`Registry`.

    from lanthanide.registry import Registry, authenticate
    reg = Registry(Database("sqlite:///registry.db"))
    alice = reg.authenticate(token)
    app = reg.create_application(alice, ApplicationIn(...))

One object holds the database, the rulebook, the clock and the determination;
each method is one use case, implemented in the module named after its
concept (:mod:`parties`, :mod:`applications`, :mod:`licences`, :mod:`reports`,
:mod:`audit`). Every write runs in one transaction (:meth:`Database.write`)
that first locks the audit chain's head, so writes are serialised and an error
leaves nothing half-written. Authorisation is decided here, not in the HTTP
layer: a party-scoped actor (an exporter) sees only its own party's records
(others are :class:`~lanthanide.registry.errors.NotFound`).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from lanthanide.registry import (
    applications,
    audit,
    licences,
    parties,
    pauses,
    reevaluations,
    reports,
)
from lanthanide.registry.actors import CLI, Actor, authenticate
from lanthanide.registry.context import Clock, Context, Decide, system_clock
from lanthanide.registry.db import Database
from lanthanide.registry.models import Party, User
from lanthanide.registry.procedures import Procedures
from lanthanide.registry.schemas import (
    AmendIn,
    ApplicationIn,
    ApplicationOut,
    ClockPauseIn,
    ClockPauseOut,
    DecisionIn,
    LicenceOut,
    PauseEndIn,
    ReevaluationOut,
    ReevaluationRunOut,
    ReportIn,
    ReportOut,
    ShipmentIn,
    ShipmentOut,
    SummaryOut,
)
from lanthanide.rules.book import Rulebook, load_rulebook


class Registry:
    """Licence applications, licences, shipments, export reports and their audit.

    ``rulebook`` defaults to the bundled one, ``clock`` to the system clock
    (:func:`~lanthanide.registry.context.system_clock`), ``decide`` to
    :func:`lanthanide.decide.decide` on ``rulebook``.
    """

    def __init__(
        self,
        db: Database,
        rulebook: Rulebook | None = None,
        *,
        clock: Clock = system_clock,
        decide: Decide | None = None,
    ) -> None:
        self.ctx = Context(db, rulebook if rulebook is not None else load_rulebook, clock, decide)

    @property
    def db(self) -> Database:
        return self.ctx.db

    @property
    def rulebook(self) -> Rulebook:
        return self.ctx.rulebook

    @property
    def procedures(self) -> Procedures:
        """The procedural values of the law the registry applies (deadlines, validity)."""
        return self.ctx.procedures

    def today(self) -> date:
        """The registry's current day (the clock's date)."""
        return self.ctx.today()

    # --------------------------------------------------------- actors, users
    def authenticate(self, token: str) -> Actor:
        """The actor of an API token (401 for an unknown, revoked or tampered one)."""
        return authenticate(self.ctx.db, token)

    def create_party(
        self,
        *,
        name: str,
        kind: str = "exporter",
        uscc: str | None = None,
        address: str | None = None,
        actor: Actor = CLI,
    ) -> Party:
        return parties.create_party(
            self.ctx.db, name=name, kind=kind, uscc=uscc, address=address, actor=actor
        )

    def create_user(
        self,
        *,
        name: str,
        role: str,
        party: str | None = None,
        party_kind: str | None = None,
        actor: Actor = CLI,
    ) -> tuple[User, str]:
        """Create a user; returns it with its API token (shown once)."""
        return parties.create_user(
            self.ctx.db, name=name, role=role, party=party, party_kind=party_kind, actor=actor
        )

    def revoke_token(self, name: str, actor: Actor = CLI) -> tuple[User, bool]:
        """Revoke a user's token; returns the user and whether it was active."""
        return parties.revoke_token(self.ctx.db, name, actor)

    def list_users(self) -> list[dict[str, Any]]:
        return parties.list_users(self.ctx.db)

    # ---------------------------------------------------------- applications
    def create_application(self, actor: Actor, data: ApplicationIn) -> ApplicationOut:
        """A draft application of the actor's party (items are rulebook item codes)."""
        return applications.create(self.ctx, actor, data)

    def update_application(self, actor: Actor, app_id: int, data: ApplicationIn) -> ApplicationOut:
        """Replace a draft's contents (validated as on creation); the owning
        party's exporters only, in state draft only (409 ``bad_state``)."""
        return applications.update(self.ctx, actor, app_id, data)

    def submit_application(self, actor: Actor, app_id: int) -> ApplicationOut:
        """Submit a draft: runs the determination, sets the decision deadline."""
        return applications.submit(self.ctx, actor, app_id)

    def withdraw_application(self, actor: Actor, app_id: int) -> ApplicationOut:
        return applications.withdraw(self.ctx, actor, app_id)

    def review_application(self, actor: Actor, app_id: int) -> ApplicationOut:
        """An officer takes a submitted application under review."""
        return applications.review(self.ctx, actor, app_id)

    def decide_application(self, actor: Actor, app_id: int, data: DecisionIn) -> ApplicationOut:
        """Approve (issuing a licence) or deny; officers only, never for their own party."""
        return applications.decide(self.ctx, actor, app_id, data)

    def get_application(self, actor: Actor, app_id: int) -> ApplicationOut:
        return applications.get(self.ctx, actor, app_id)

    def list_applications(
        self, actor: Actor, *, state: str | None = None, limit: int = 100, offset: int = 0
    ) -> list[ApplicationOut]:
        return applications.list_(self.ctx, actor, state=state, limit=limit, offset=offset)

    def pause_clock(self, actor: Actor, app_id: int, data: ClockPauseIn) -> ApplicationOut:
        """Record a period excluded from the decision time limit (identification,
        expert consultation, on-site check; 国务院令第792号 Art. 17(3))."""
        return pauses.pause(self.ctx, actor, app_id, data)

    def end_clock_pause(
        self, actor: Actor, app_id: int, pause_id: int, data: PauseEndIn
    ) -> ApplicationOut:
        """Set or correct the last day of a clock pause."""
        return pauses.end_pause(self.ctx, actor, app_id, pause_id, data)

    def list_clock_pauses(self, actor: Actor, app_id: int) -> list[ClockPauseOut]:
        return pauses.list_(self.ctx, actor, app_id)

    # -------------------------------------------------------------- licences
    def get_licence(self, actor: Actor, licence_id: int) -> LicenceOut:
        return licences.get(self.ctx, actor, licence_id)

    def list_licences(self, actor: Actor, *, limit: int = 100, offset: int = 0) -> list[LicenceOut]:
        return licences.list_(self.ctx, actor, limit=limit, offset=offset)

    def list_shipments(self, actor: Actor, licence_id: int) -> list[ShipmentOut]:
        """The draw-down history of a licence."""
        return licences.list_shipments(self.ctx, actor, licence_id)

    def draw_down(
        self, actor: Actor, licence_id: int, data: ShipmentIn
    ) -> tuple[ShipmentOut, bool]:
        """Record (or reserve) a shipment; returns it and whether it was created
        (False: a replay of its ``client_key``)."""
        return licences.draw_down(self.ctx, actor, licence_id, data)

    def settle_reservation(
        self, actor: Actor, licence_id: int, shipment_id: int, *, confirm: bool
    ) -> ShipmentOut:
        """Confirm a reservation as used, or cancel it."""
        return licences.settle_reservation(
            self.ctx, actor, licence_id, shipment_id, confirm=confirm
        )

    # --------------------------------------------------------------- reports
    def create_report(self, actor: Actor, data: ReportIn) -> tuple[ReportOut, bool]:
        """Submit a report; returns it and whether it was created (False: a
        replay of its ``client_key``)."""
        return reports.create(self.ctx, actor, data)

    def amend_report(self, actor: Actor, report_id: int, data: AmendIn) -> ReportOut:
        return reports.amend(self.ctx, actor, report_id, data)

    def get_report(self, actor: Actor, report_id: int) -> ReportOut:
        return reports.get(self.ctx, actor, report_id)

    def list_reports(self, actor: Actor, *, limit: int = 100, offset: int = 0) -> list[ReportOut]:
        return reports.list_(self.ctx, actor, limit=limit, offset=offset)

    def summary(
        self, actor: Actor, *, since: date | None = None, until: date | None = None
    ) -> SummaryOut:
        """Totals by element, destination and month (current report versions)."""
        return reports.summary(self.ctx, actor, since=since, until=until)

    # ---------------------------------------------------------- re-evaluation
    def reevaluate(
        self, actor: Actor = CLI, on: date | None = None, *, batch: int = reevaluations.BATCH
    ) -> ReevaluationRunOut:
        """Re-run the determination for every open application and every
        licence valid on ``on`` (default: today); each result stored and
        audited, licences whose basis changed marked ``basis_changed``.
        Decided outside the write transaction, written ``batch`` records per
        transaction; a re-run on the same date and rulebook stores nothing
        new for an unchanged record (:func:`reevaluations.run`)."""
        return reevaluations.run(self.ctx, actor, on, batch=batch)

    def list_reevaluations(
        self,
        actor: Actor = CLI,
        *,
        run: str | None = None,
        kind: str | None = None,
        changed: bool | None = None,
        basis_changed: bool | None = None,
        limit: int = 100,
        offset: int = 0,
    ) -> list[ReevaluationOut]:
        """Stored re-evaluations, newest first (officers and administrators)."""
        return reevaluations.list_(
            self.ctx,
            actor,
            run=run,
            kind=kind,
            changed=changed,
            basis_changed=basis_changed,
            limit=limit,
            offset=offset,
        )

    # ----------------------------------------------------------------- audit
    def verify_audit(self, actor: Actor = CLI) -> audit.Verification:
        """Walk the audit chain and re-hash every business row."""
        actor.may("verify_audit")
        with self.ctx.db.read() as s:
            return audit.verify(s)
