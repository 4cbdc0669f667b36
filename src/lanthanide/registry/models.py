"""SQLAlchemy 2 models of the registry.

Quantities are stored as integers in thousandths of their unit (``*_milli``:
grams for kilograms) and money as integers in hundredths (``*_cents``), so that
sums are exact on SQLite and PostgreSQL alike. Datetimes are naive UTC.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class Party(Base):
    """An exporter (or an authority) — the owner of applications, licences and reports."""

    __tablename__ = "parties"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(20))  # exporter | authority
    uscc: Mapped[str | None] = mapped_column(String(18), unique=True)
    address: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(DateTime)


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    role: Mapped[str] = mapped_column(String(20))  # exporter | officer | analyst | admin
    party_id: Mapped[int | None] = mapped_column(ForeignKey("parties.id"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)


class Application(Base):
    __tablename__ = "applications"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    party_id: Mapped[int] = mapped_column(ForeignKey("parties.id"), index=True)
    created_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    state: Mapped[str] = mapped_column(String(20), index=True)
    licence_type: Mapped[str] = mapped_column(String(20))  # single | general | technology
    destination: Mapped[str] = mapped_column(String(2))
    end_user: Mapped[str] = mapped_column(String(500))
    end_use: Mapped[str] = mapped_column(String(40))
    end_use_detail: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime)
    deadline: Mapped[date | None] = mapped_column(Date)
    verdict: Mapped[str | None] = mapped_column(String(40))
    determination: Mapped[str | None] = mapped_column(Text)  # JSON
    decided_at: Mapped[datetime | None] = mapped_column(DateTime)
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decision_note: Mapped[str | None] = mapped_column(Text)
    consignee: Mapped[str | None] = mapped_column(String(500), default=None)
    """Optional (revision 0003); screened with the end user on submission."""
    screening: Mapped[str | None] = mapped_column(Text, default=None)
    """JSON: the party screening made on submission (revision 0003)."""


class ApplicationLine(Base):
    __tablename__ = "application_lines"
    __table_args__ = (UniqueConstraint("application_id", "line_no"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"), index=True)
    line_no: Mapped[int] = mapped_column(Integer)
    item: Mapped[str] = mapped_column(String(60))
    instrument: Mapped[str] = mapped_column(String(120))
    hs: Mapped[str | None] = mapped_column(String(10))
    description: Mapped[str | None] = mapped_column(Text)
    unit: Mapped[str] = mapped_column(String(10))
    quantity_milli: Mapped[int] = mapped_column(BigInteger)
    value_cents: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    params: Mapped[str] = mapped_column(Text)  # JSON


class Licence(Base):
    __tablename__ = "licences"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str] = mapped_column(String(40), unique=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"), unique=True)
    party_id: Mapped[int] = mapped_column(ForeignKey("parties.id"), index=True)
    licence_type: Mapped[str] = mapped_column(String(20))
    destination: Mapped[str] = mapped_column(String(2))
    end_user: Mapped[str] = mapped_column(String(500))
    valid_from: Mapped[date] = mapped_column(Date)
    valid_until: Mapped[date] = mapped_column(Date)  # inclusive
    issued_at: Mapped[datetime] = mapped_column(DateTime)
    issued_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    basis_status: Mapped[str | None] = mapped_column(String(20), default=None)
    """None: as issued; ``basis_changed``: the latest re-evaluation differs
    from the determination it was issued on (revision 0004)."""
    basis_verdict: Mapped[str | None] = mapped_column(String(40), default=None)
    basis_reevaluation_id: Mapped[int | None] = mapped_column(Integer, default=None)


class LicenceLine(Base):
    __tablename__ = "licence_lines"
    __table_args__ = (UniqueConstraint("licence_id", "line_no"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    licence_id: Mapped[int] = mapped_column(ForeignKey("licences.id"), index=True)
    line_no: Mapped[int] = mapped_column(Integer)
    item: Mapped[str] = mapped_column(String(60))
    unit: Mapped[str] = mapped_column(String(10))
    currency: Mapped[str] = mapped_column(String(3))
    authorised_milli: Mapped[int] = mapped_column(BigInteger)
    authorised_value_cents: Mapped[int] = mapped_column(BigInteger)
    reserved_milli: Mapped[int] = mapped_column(BigInteger, default=0)
    reserved_value_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    used_milli: Mapped[int] = mapped_column(BigInteger, default=0)
    used_value_cents: Mapped[int] = mapped_column(BigInteger, default=0)


class Shipment(Base):
    __tablename__ = "shipments"
    __table_args__ = (UniqueConstraint("licence_id", "client_key"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    licence_id: Mapped[int] = mapped_column(ForeignKey("licences.id"), index=True)
    line_id: Mapped[int] = mapped_column(ForeignKey("licence_lines.id"), index=True)
    state: Mapped[str] = mapped_column(String(20))  # reserved | used | cancelled
    quantity_milli: Mapped[int] = mapped_column(BigInteger)
    value_cents: Mapped[int] = mapped_column(BigInteger)
    destination: Mapped[str] = mapped_column(String(2))
    shipment_date: Mapped[date] = mapped_column(Date)
    client_key: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    created_by: Mapped[int] = mapped_column(ForeignKey("users.id"))


class Report(Base):
    """A rare-earth export report; the current version (history in ``report_versions``)."""

    __tablename__ = "reports"
    __table_args__ = (UniqueConstraint("party_id", "client_key"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    party_id: Mapped[int] = mapped_column(ForeignKey("parties.id"), index=True)
    client_key: Mapped[str] = mapped_column(String(100))
    version: Mapped[int] = mapped_column(Integer)
    product_type: Mapped[str] = mapped_column(String(20))
    hs: Mapped[str] = mapped_column(String(10))
    elements: Mapped[str] = mapped_column(String(200))  # comma-separated symbols
    quantity_milli: Mapped[int] = mapped_column(BigInteger)  # grams
    value_cents: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    contract_date: Mapped[date] = mapped_column(Date)
    origin: Mapped[str] = mapped_column(String(2))
    destination: Mapped[str] = mapped_column(String(2), index=True)
    shipment_date: Mapped[date] = mapped_column(Date, index=True)
    customs_port: Mapped[str] = mapped_column(String(100))
    instrument: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    created_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(DateTime)
    warnings: Mapped[str | None] = mapped_column(Text, default=None)
    """JSON list of ``{field, code, message}`` (revision 0002); None: no warning."""


class ReportVersion(Base):
    __tablename__ = "report_versions"
    __table_args__ = (UniqueConstraint("report_id", "version"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    data: Mapped[str] = mapped_column(Text)  # JSON of the fields
    reason: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(DateTime)
    by: Mapped[int] = mapped_column(ForeignKey("users.id"))


class Reevaluation(Base):
    """One re-run of the determination of an open application or a valid
    licence on a date (revision 0004)."""

    __tablename__ = "reevaluations"
    __table_args__ = (
        Index("ix_reevaluations_record", "kind", "record_id", "id"),
        Index("ix_reevaluations_run", "run"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(20))  # application | licence
    record_id: Mapped[int] = mapped_column(Integer)
    party_id: Mapped[int] = mapped_column(ForeignKey("parties.id"))
    on: Mapped[date] = mapped_column(Date)
    rulebook_version: Mapped[str] = mapped_column(String(64))
    data_as_of: Mapped[date] = mapped_column(Date)
    verdict_before: Mapped[str | None] = mapped_column(String(40))
    verdict_after: Mapped[str] = mapped_column(String(40))
    changed: Mapped[bool] = mapped_column(Boolean)
    """Differs from the record's previous determination."""
    basis_changed: Mapped[bool] = mapped_column(Boolean)
    """Differs from the determination the record was submitted (a licence:
    issued) on."""
    changes: Mapped[str] = mapped_column(Text)  # JSON list of what changed
    determination: Mapped[str] = mapped_column(Text)  # JSON
    actor: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime)


class ClockPause(Base):
    """A period excluded from an application's decision time limit
    (国务院令第792号 Art. 17(3); revision 0005). ``end`` None: still running."""

    __tablename__ = "clock_pauses"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    start: Mapped[date] = mapped_column(Date)
    end: Mapped[date | None] = mapped_column(Date)
    note: Mapped[str | None] = mapped_column(Text)
    actor: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime)


class AuditEntry(Base):
    """One appended state change. ``hash`` chains over ``prev_hash``."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_entity", "entity", "entity_id", "seq"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger, unique=True)
    at: Mapped[datetime] = mapped_column(DateTime)
    actor: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(60))
    entity: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[int] = mapped_column(Integer)
    before: Mapped[str | None] = mapped_column(Text)  # canonical JSON
    after: Mapped[str | None] = mapped_column(Text)  # canonical JSON
    row_hash: Mapped[str | None] = mapped_column(String(64))
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
    note: Mapped[str | None] = mapped_column(Text, default=None)
    """Why (revision 0003): e.g. the reason of a refused shipment; hashed when set."""


class AuditHead(Base):
    """The chain's head (one row, id 1): locked by every writer, so appends are
    serialised and a deleted tail is detected."""

    __tablename__ = "audit_head"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger)
    hash: Mapped[str] = mapped_column(String(64))


AUDITED: dict[str, type[Base]] = {
    "parties": Party,
    "users": User,
    "applications": Application,
    "application_lines": ApplicationLine,
    "licences": Licence,
    "licence_lines": LicenceLine,
    "shipments": Shipment,
    "reports": Report,
    "report_versions": ReportVersion,
    "reevaluations": Reevaluation,
    "clock_pauses": ClockPause,
}
"""Business tables whose every row is covered by the audit chain."""

ADDED_COLUMNS: dict[str, frozenset[str]] = {
    "reports": frozenset({"warnings"}),
    "applications": frozenset({"consignee", "screening"}),
    "licences": frozenset({"basis_status", "basis_verdict", "basis_reevaluation_id"}),
}
"""Columns added after revision 0001. A row's audited state leaves them out
while they are NULL, so rows audited before the column existed still verify."""
