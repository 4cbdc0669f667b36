"""Evaluating one compiled control against a case: its validity on the date,
its suspensions, destination scope, end use and the item's technical
condition. A missing fact becomes a question; a control that applies
becomes a finding; every step leaves a trace entry."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from lanthanide.decide.matching import Match, inst_ref, item_info, refs
from lanthanide.decide.model import Case, Finding, TraceEntry, Validity, Warning
from lanthanide.decide.sheet import Sheet, make_warning
from lanthanide.decide.warnings import Effect, QuestionCode, Seq, WarningCode
from lanthanide.rules.book import CompiledControl
from lanthanide.rules.model import Condition, Period
from lanthanide.rules.params import PARAMS
from lanthanide.rules.window import Span


def eval_condition(cond: Condition, params: Mapping[str, float | str]) -> bool | None:
    """Three-valued: True, False, or None when a needed parameter is missing."""
    if cond.param is not None:
        v = params.get(cond.param)
        if v is None:
            return None
        target = cond.value
        op = cond.op
        if isinstance(v, str) or isinstance(target, str):
            if op == "==":
                return v == target
            if op == "!=":
                return v != target
            if op == "in" and isinstance(target, tuple):
                return v in target
            return False
        if op == "between" and isinstance(target, tuple):
            lo, hi = float(target[0]), float(target[1])
            return lo <= v <= hi
        if op == "in" and isinstance(target, tuple):
            return v in target
        t = float(target)  # type: ignore[arg-type]
        if op == ">=":
            return v >= t
        if op == ">":
            return v > t
        if op == "<=":
            return v <= t
        if op == "<":
            return v < t
        if op == "==":
            return v == t
        return v != t
    parts = cond.all if cond.all is not None else cond.any
    results = [eval_condition(c, params) for c in parts or ()]
    if cond.all is not None:
        if any(r is False for r in results):
            return False
        return None if any(r is None for r in results) else True
    if any(r is True for r in results):
        return True
    return None if any(r is None for r in results) else False


def describe(cond: Condition) -> str:
    if cond.text is not None:
        return cond.text.best()
    if cond.param is not None:
        unit = f" {cond.unit}" if cond.unit else ""
        val = cond.value
        if isinstance(val, tuple):
            val = "–".join(str(v) for v in val)
        return f"{cond.param} {cond.op} {val}{unit}"
    joiner = " and " if cond.all is not None else " or "
    return "(" + joiner.join(describe(c) for c in (cond.all or cond.any or ())) + ")"


def _pending(effect: str) -> str | None:
    return None if effect == "exempt" else effect


_FINDINGS: dict[tuple[int, int, str | None, str | None], tuple[object, object, Finding]] = {}
"""Memo of :func:`finding` (a pure function of the control, the item ref and
the match's point and how): keyed by identities, each entry keeps the
objects themselves and is used only when they are still the same objects."""


def finding(cc: CompiledControl, m: Match | None) -> Finding:
    ref = m.ref if m else None
    key = (id(cc), id(ref), m.control_point if m else None, m.how if m else None)
    got = _FINDINGS.get(key)
    if got is not None and got[0] is cc and got[1] is ref:
        return got[2]
    f = _finding(cc, m)
    if len(_FINDINGS) > 65536:
        _FINDINGS.clear()
    _FINDINGS[key] = (cc, ref, f)
    return f


def _finding(cc: CompiledControl, m: Match | None) -> Finding:
    ctl = cc.control
    item = m.ref.item if m else None
    cp = m.control_point if m else None
    if cp is None and item is not None and item.control_points:
        cp = "; ".join(p.zh or p.en or "" for p in item.control_points)
    sources = (
        ctl.sources
        if item is None
        else (*ctl.sources, *(s for s in item.sources if s not in ctl.sources))
    )
    return Finding(
        effect=ctl.effect,
        instrument=inst_ref(cc.instrument),
        item=item_info(m.ref) if m else None,
        control=ctl.id,
        paragraph=ctl.paragraph,
        control_point=cp,
        reason=ctl.reason.en or ctl.reason.zh or "",
        validity=Validity(ctl.valid.start, ctl.valid.end),
        sources=refs(tuple(sources)),
        matched_by=m.how if m else None,
    )


def suspension_warnings(
    cc: CompiledControl, m: Match | None, case: Case, data_as_of: date, sheet: Sheet
) -> None:
    """Warn when a suspension relevant to this case ends after the data
    date. Relevant: the control's destination and end-use scope fit the
    case as stated (an unstated end use does not make it relevant)."""
    ctl = cc.control
    sheet.read("destination")
    if case.destination is not None and not ctl.destinations.covers(case.destination):
        return
    if ctl.end_uses is not None:
        sheet.read("end_use")
        if case.end_use not in ctl.end_uses:
            return
    if m is None and ctl.applies_to.anything and ctl.end_uses is None:
        return
    inst_id = cc.instrument.id
    as_of = data_as_of
    span = sheet.span
    for s in cc.suspensions:
        p = s.suspension.period
        if span.since(p.start) and p.end is not None and (p.end > as_of or p.end_uncertain):
            sheet.warn(
                WarningCode.SUSPENSION_END_UNKNOWN,
                s.by.id,
                key=f"sus|{s.by.id}|{inst_id}",
                form="running" if span.before(p.end) else "ended",
                name=cc.instrument.number or inst_id,
                by=s.by.number or s.by.id,
                end=shown_end(p),
                data_as_of=as_of,
            )


def shown_end(p: Period) -> date | None:
    """The end of a period as texts print it: the last day covered where the
    source wrote an inclusive end (至), else the end as written (a
    replacement's first day no longer covered)."""
    return p.end_inclusive if p.end_inclusive is not None else p.end


_VALID_TEXT: dict[int, tuple[Period, str]] = {}


_SCOPE_TEXT: dict[int, tuple[object, str]] = {}
"""`` outside scope (MODE COUNTRIES)`` of a destination scope, by identity."""


def _valid_text(p: Period) -> str:
    """``(valid START to END)`` of a control's period, formatted once per period."""
    got = _VALID_TEXT.get(id(p))
    if got is not None and got[0] is p:
        return got[1]
    text = f"(valid {p.start} to {shown_end(p) or 'open'})"
    if len(_VALID_TEXT) > 65536:
        _VALID_TEXT.clear()
    _VALID_TEXT[id(p)] = (p, text)
    return text


@dataclass(frozen=True, slots=True)
class Dead:
    """A control not in force on the days of a window: what evaluating it
    leaves on a sheet (a trace entry, and the warning of an end not known
    to be renewed)."""

    instrument: str
    control: str
    outcome: str
    """The trace outcome after the case's date."""
    warning_key: str | None
    warning: Warning | None


def dead_on(cc: CompiledControl, span: Span) -> Dead | None:
    """None when ``cc`` is in force on ``span.day``, else what evaluating it
    leaves; ``span`` narrowed as :func:`evaluate` narrows it."""
    valid = cc.control.valid
    if span.within(valid):
        return None
    end = valid.end
    key: str | None = None
    warning: Warning | None = None
    # after a failed ``within``, ``since(end)`` narrows nothing more
    if valid.end_uncertain and end is not None and span.since(end):
        inst_id = cc.instrument.id
        key = f"end|{inst_id}|{cc.control.id}"
        params = {
            "name": cc.instrument.number or inst_id,
            "control": cc.control.id,
            "end": shown_end(valid),
        }
        warning = make_warning(WarningCode.ENDED_NO_RENEWAL, inst_id, params)
    return Dead(cc.instrument.id, cc.control.id, " " + _valid_text(valid), key, warning)


NOT_IN_FORCE = "not in force on "
"""The trace outcome of a control not in force, before the case's date."""


def not_in_force(cc: CompiledControl, dead: Dead, m: Match | None, sheet: Sheet) -> None:
    """What :func:`evaluate` does with a control not in force on the day
    (``dead``, from :func:`dead_on` on a span of the same window)."""
    key = (id(cc), id(m.ref) if m else 0)
    seen = sheet.seen
    if key in seen:
        return
    seen.add(key)
    if dead.warning is not None and dead.warning_key is not None:
        sheet.put(dead.warning_key, dead.warning)
    sheet.trace_on_day(
        dead.instrument, dead.control, m.ref.item.code if m else None, NOT_IN_FORCE, dead.outcome
    )


def evaluate(
    cc: CompiledControl,
    m: Match | None,
    case: Case,
    data_as_of: date,
    sheet: Sheet,
    in_force: bool = False,
) -> None:
    """Evaluate ``cc`` for the match ``m`` (None: a control selecting by
    tariff line or anything), once per control and item. ``in_force``: its
    validity on the day was compared already (:func:`dead_on`)."""
    if not in_force:
        dead = dead_on(cc, sheet.span)
        if dead is not None:
            not_in_force(cc, dead, m, sheet)
            return
    # identities: compiled controls and item refs live as long as the rulebook
    key = (id(cc), id(m.ref) if m else 0)
    seen = sheet.seen
    if key in seen:
        return
    seen.add(key)
    ctl = cc.control
    span = sheet.span
    item_code = m.ref.item.code if m else None
    inst_id = cc.instrument.id

    trace = sheet.trace.append
    ctl_id = ctl.id
    if cc.suspensions:
        suspension_warnings(cc, m, case, data_as_of, sheet)
        sus = next((s for s in cc.suspensions if span.within(s.suspension.period)), None)
        if sus is not None:
            period = sus.suspension.period
            by = sus.by.number or sus.by.id
            outcome = f"suspended by {by} ({period.start} to {shown_end(period) or 'open'})"
            trace(TraceEntry(inst_id, ctl_id, item_code, outcome))
            return
    name = cc.instrument.number or inst_id
    scope = ctl.destinations
    if scope.mode != "all":
        sheet.facts.add("destination")
        if case.destination is None:
            sheet.ask(
                QuestionCode.DESTINATION,
                "destination",
                pending_effect=_pending(ctl.effect),
                instrument=inst_id,
                name=name,
                paragraph=ctl.paragraph or ctl.id,
                mode=scope.mode,
                countries=Seq(scope.countries),
            )
            trace(TraceEntry(inst_id, ctl_id, item_code, "destination not stated"))
            return
        if not scope.covers(case.destination):
            got = _SCOPE_TEXT.get(id(scope))
            if got is None or got[0] is not scope:
                if len(_SCOPE_TEXT) > 65536:
                    _SCOPE_TEXT.clear()
                got = _SCOPE_TEXT[id(scope)] = (
                    scope,
                    f" outside scope ({scope.mode} {', '.join(scope.countries)})",
                )
            trace(TraceEntry(inst_id, ctl_id, item_code, f"destination {case.destination}{got[1]}"))
            return
    if ctl.end_uses is not None:
        sheet.facts.add("end_use")
        if case.end_use is None:
            sheet.ask(
                QuestionCode.END_USE,
                "end_use",
                options=tuple(ctl.end_uses),
                instrument=inst_id,
                name=name,
                paragraph=ctl.paragraph or ctl.id,
                effect=Effect(ctl.effect),
                end_uses=Seq(ctl.end_uses),
            )
            sheet.warn(
                WarningCode.END_USE_CONDITIONAL,
                inst_id,
                key=f"eu|{cc.uid}",
                end_uses=Seq(ctl.end_uses),
                name=name,
                effect=Effect(ctl.effect),
                reason=ctl.reason.best(),
            )
            trace(TraceEntry(inst_id, ctl_id, item_code, "end use not stated"))
            return
        if case.end_use not in ctl.end_uses:
            trace(
                TraceEntry(
                    inst_id,
                    ctl_id,
                    item_code,
                    f"end use {case.end_use} not in {', '.join(ctl.end_uses)}",
                )
            )
            return
    item = m.ref.item if m else None
    if item is not None and item.condition is not None:
        needed = item.condition.params()
        for p in needed:
            sheet.read(f"params.{p}")
        ok = eval_condition(item.condition, case.params)
        if ok is None:
            missing = sorted(p for p in needed if p not in case.params)
            units = ", ".join(
                f"{p} ({PARAMS[p].unit or '|'.join(PARAMS[p].choices)})"
                for p in missing
                if p in PARAMS
            )
            sheet.ask(
                QuestionCode.PARAMS,
                "params",
                options=tuple(missing),
                pending_effect=_pending(ctl.effect),
                instrument=inst_id,
                item=item.code,
                title=item.title.best(),
                condition=describe(item.condition),
                units=units,
            )
            trace(TraceEntry(inst_id, ctl_id, item_code, f"condition needs {', '.join(missing)}"))
            return
        if not ok:
            trace(
                TraceEntry(
                    inst_id, ctl_id, item_code, f"condition not met ({describe(item.condition)})"
                )
            )
            return
    identified = (
        m is not None
        and item is not None
        and item.condition is not None
        and m.how.startswith("hs-heading")
    )  # the technical condition, met above, identifies the item
    if m is not None and not m.certain and not identified:
        if ctl.effect != "exempt":
            sheet.uncertain.append(ctl.effect)
        trace(
            TraceEntry(inst_id, ctl_id, item_code, "would apply if this is the item / tariff line")
        )
        return
    trace(TraceEntry(inst_id, ctl_id, item_code, "applies"))
    sheet.findings.append(finding(cc, m))
