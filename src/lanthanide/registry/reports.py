"""Rare-earth export reports: the reporting duty's scope and period from the
rulebook, submission (idempotent by ``client_key``), amendments with every
version kept, and totals by element, destination and month."""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from lanthanide.registry import audit
from lanthanide.registry.actors import Actor
from lanthanide.registry.amounts import from_cents, from_milli, to_cents, to_milli
from lanthanide.registry.context import Context
from lanthanide.registry.errors import Conflict, Forbidden, Invalid, NotFound
from lanthanide.registry.models import Report, ReportVersion
from lanthanide.registry.parties import party_name, user_names
from lanthanide.registry.schemas import (
    AmendIn,
    ReportIn,
    ReportOut,
    ReportVersionOut,
    ReportWarning,
    SummaryOut,
    SummaryRow,
)
from lanthanide.rules.book import Rulebook
from lanthanide.vocab import VOCAB

RARE_EARTHS: tuple[str, ...] = VOCAB.rare_earths


@dataclass(frozen=True)
class _Scope:
    instrument: str
    prefixes: tuple[str, ...]
    lines: frozenset[str]
    start: date
    end: date | None
    end_uncertain: bool = False


def reporting_scopes(b: Rulebook) -> list[_Scope]:
    """The rulebook's export-reporting controls (effect ``report_required`` in a
    ``reporting`` instrument): tariff lines in scope and the reporting period."""
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


def _validate_report(b: Rulebook, d: dict[str, Any]) -> tuple[str, list[dict[str, str]]]:
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
    scopes = reporting_scopes(b)
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
            assert sc.end is not None  # after_unsure holds periods with an end
            warnings.append(
                {
                    "field": "shipment_date",
                    "code": "reporting_period_end_uncertain",
                    "message": (
                        f"{day} is after the reporting period {sc.start} to "
                        f"{sc.end - timedelta(days=1)} (both days included) of "
                        f"{sc.instrument}: the encoded reporting system ran until "
                        f"{sc.end - timedelta(days=1)} and no renewal was found (U); the "
                        "report is recorded, but whether the duty still applies is not known"
                    ),
                }
            )
        else:
            spans = ", ".join(
                f"{sc.start} to {sc.end - timedelta(days=1)} (both days included)"
                if sc.end is not None
                else f"from {sc.start} (open)"
                for sc in in_scope
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
        "quantity_kg": from_milli(r.quantity_milli),
        "value": from_cents(r.value_cents),
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
    r.quantity_milli = to_milli(Decimal(str(d["quantity_kg"])))
    r.value_cents = to_cents(Decimal(str(d["value"])))
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
    names = user_names(s, *{v.by for v in versions})
    return ReportOut(
        id=r.id,
        party_id=r.party_id,
        party=party_name(s, r.party_id),
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


def create(ctx: Context, actor: Actor, data: ReportIn) -> tuple[ReportOut, bool]:
    """Submit a report; resubmitting the same ``client_key`` with the same content
    returns the first one (created False); with other content it is refused."""
    actor.may("report")
    if actor.party_id is None:
        raise Forbidden("this exporter belongs to no party")
    d = data.model_dump(exclude={"client_key"})
    d["elements"] = [e.strip() for e in d["elements"]]
    instrument, warnings = _validate_report(ctx.rulebook, d)
    try:
        with ctx.db.write() as s:
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
        with ctx.db.read() as s:
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
    actor.own(r.party_id, "report", report_id)
    return r


def amend(ctx: Context, actor: Actor, report_id: int, data: AmendIn) -> ReportOut:
    actor.may("report")
    changes = data.model_dump(exclude={"reason"}, exclude_none=True)
    if not changes:
        raise Invalid([("reason", "an amendment must change at least one field")])
    with ctx.db.write() as s:
        audit.lock_head(s)
        r = _get_report(s, actor, report_id, lock=True)
        d = _report_data(r)
        d["contract_date"] = r.contract_date
        d["shipment_date"] = r.shipment_date
        d.update(changes)
        d["elements"] = [e.strip() for e in d["elements"]]
        before = audit.snapshot(r)
        r.instrument, warnings = _validate_report(ctx.rulebook, d)
        r.warnings = _warnings_json(warnings)
        _apply_report(r, d)
        r.version += 1
        r.updated_at = audit.now()
        audit.record(s, actor.name, "report.amend", r, before)
        _add_version(s, actor, r, data.reason)
        return _report_out(s, r)


def get(ctx: Context, actor: Actor, report_id: int) -> ReportOut:
    actor.may("read")
    with ctx.db.read() as s:
        return _report_out(s, _get_report(s, actor, report_id))


def list_(ctx: Context, actor: Actor, *, limit: int = 100, offset: int = 0) -> list[ReportOut]:
    actor.may("read")
    with ctx.db.read() as s:
        q = select(Report).order_by(Report.id)
        if actor.party_scoped:
            q = q.where(Report.party_id == actor.party_id)
        return [_report_out(s, r) for r in s.execute(q.limit(limit).offset(offset)).scalars()]


def summary(
    ctx: Context, actor: Actor, *, since: date | None = None, until: date | None = None
) -> SummaryOut:
    """Totals of the current versions of all reports by element, destination and
    month of shipment. A report naming several elements counts under each."""
    actor.may("summarise")
    with ctx.db.read() as s:
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
                    quantity_kg=from_milli(sum(x[0] for x in g[key])),
                    value={c: from_cents(x) for c, x in sorted(cents.items())},
                )
            )
        return out

    return SummaryOut(
        reports=n,
        quantity_kg=from_milli(total_q),
        by_element=rows(groups["element"]),
        by_destination=rows(groups["destination"]),
        by_month=rows(groups["month"]),
        note="Current versions of reports; a report naming several elements counts under each "
        "of them in by_element. Values are per currency.",
    )
