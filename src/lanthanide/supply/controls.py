"""Turn scenario controls into flow restrictions.

A rulebook control is an instrument id applied on a date. Its controls in
force on that date (not yet in force, ended or suspended ones are reported
and skipped) select items through the rulebook's own selectors; the goods
items of the scenario's commodity give the network stages (``elements``,
``commodity`` and ``stage`` of each item), the control gives the
destination scope and the effect. The law is not re-encoded here: all of
it comes from :mod:`lanthanide.rules`.

Blocked fraction of the selected flows, by effect (documented assumptions,
overridable in the scenario):

- ``prohibited``: 1.0.
- ``denial_presumed``: ``assumptions.denial_block_fraction`` (default 1.0).
- ``licence_required``: ``assumptions.licence_block_fraction`` (default 0.5),
  or the control's own ``licence_block_fraction``.
- ``report_required``, ``registration_required``, ``exempt``: 0 (no flow blocked).
- a control limited to end uses (e.g. military) is scaled by
  ``assumptions.end_use_share`` (default 0).
All are multiplied by the controlled share of each stage flow: the
control's ``element_coverage`` (one share, or a share per stage) where the
scenario types it; otherwise 1.0 — the network keeps rare earths as one
pool per stage and the data gives no element split of China's stage
output, so a control whose items name only some elements (2025 No. 18:
Sm, Gd, Tb, Dy, Lu, Sc, Y) is treated as covering the whole stage, an upper
bound, and the report's ``assumptions`` (and the result's ``warnings``)
say so, naming the field to type a share in.

An item's network stages are its ``stage`` field, widened by
``data/item_stages.csv`` where one entry spans stages (2025 No. 18
1C902.a, 1C904.a, 1C905.a cover the metal *and* the magnet material).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from lanthanide.supply import data
from lanthanide.supply.commodities import COMMODITIES, Commodity, canonical, network_stage
from lanthanide.supply.scenario import AdHocControl, RulebookControl, Scenario


@dataclass(frozen=True, slots=True)
class FlowControl:
    """A restriction on flows out of one exporter at some stages."""

    label: str
    exporter: str
    stages: tuple[str, ...]
    mode: str
    """``all``, ``only`` or ``except`` (like the rulebook's destination scope)."""
    countries: tuple[str, ...]
    fraction: float
    years: tuple[int, ...] | None = None
    source: dict[str, object] = field(default_factory=dict)
    group_fraction: tuple[tuple[str, float], ...] = ()
    """Element-resolved runs: the fraction blocked in each element group's
    layer (empty: ``fraction`` in every layer)."""

    def for_group(self, group: str) -> FlowControl | None:
        """This control in one element group's layer (None: it blocks nothing there)."""
        if not self.group_fraction:
            return self
        f = dict(self.group_fraction).get(group, 0.0)
        return None if f <= 0 else replace(self, fraction=f, group_fraction=())

    def covers(self, dest: str) -> bool:
        if dest == self.exporter:
            return False
        if self.mode == "all":
            return True
        if self.mode == "only":
            return dest in self.countries
        return dest not in self.countries

    def active(self, year: int) -> bool:
        return self.years is None or year in self.years


class ControlError(ValueError):
    def __init__(self, path: str, message: str) -> None:
        self.path = path
        self.message = message
        super().__init__(f"{path}: {message}")


def resolve(scn: Scenario) -> tuple[list[FlowControl], list[dict[str, object]]]:
    """Flow controls for a scenario, and a report of what each control became."""
    out: list[FlowControl] = []
    report: list[dict[str, object]] = []
    stages = COMMODITIES[scn.commodity].stages
    for k, c in enumerate(scn.controls):
        if isinstance(c, AdHocControl):
            sts = tuple(stages) if c.stages == "all" else tuple(c.stages)
            if c.destinations == "all":
                mode, ctry = (
                    ("except", tuple(c.destinations_except))
                    if c.destinations_except
                    else ("all", ())
                )
            else:
                mode = "only"
                ctry = tuple(x for x in c.destinations if x not in c.destinations_except)
            fc = FlowControl(
                label=c.name or f"controls[{k}] ad hoc {c.exporter}",
                exporter=c.exporter,
                stages=sts,
                mode=mode,
                countries=ctry,
                fraction=c.fraction,
                years=tuple(c.years) if c.years else None,
                source={"kind": "ad_hoc", "index": k},
            )
            out.append(fc)
            report.append({"control": k, "kind": "ad_hoc", "applied": [_desc(fc)], "skipped": []})
        else:
            fcs, rep = _from_rulebook(scn, k, c)
            out += fcs
            report.append(rep)
    return out, report


def _desc(fc: FlowControl) -> dict[str, object]:
    return {
        "label": fc.label,
        "exporter": fc.exporter,
        "stages": list(fc.stages),
        "destinations": {"mode": fc.mode, "countries": list(fc.countries)},
        "fraction_blocked": round(fc.fraction, 6),
        "years": list(fc.years) if fc.years else "all",
        "source": fc.source,
        **(
            {"fraction_blocked_by_group": {g: round(f, 6) for g, f in fc.group_fraction}}
            if fc.group_fraction
            else {}
        ),
    }


def _from_rulebook(
    scn: Scenario, k: int, c: RulebookControl
) -> tuple[list[FlowControl], dict[str, object]]:
    from lanthanide.rules.book import load_rulebook

    book = load_rulebook()
    inst = book.instruments.get(c.rulebook)
    if inst is None:
        near = sorted(i for i in book.instruments if c.rulebook.split("-")[-1] in i)[:8]
        raise ControlError(
            f"controls[{k}].rulebook",
            f"unknown instrument '{c.rulebook}'"
            + (f" (similar: {', '.join(near)})" if near else "")
            + "; `lanthanide rules list` shows the ids",
        )
    spec = COMMODITIES[scn.commodity]
    a = scn.assumptions
    applied: list[FlowControl] = []
    skipped: list[dict[str, object]] = []
    notes: list[dict[str, object]] = []
    items_by_cc: dict[str, list[tuple[str, str]]] = {}
    for key, ccs in book.controls_by_item.items():
        for cc in ccs:
            if cc.instrument.id == inst.id:
                items_by_cc.setdefault(cc.uid, []).append(key)
    for cc in [cc for cc in book.controls if cc.instrument.id == inst.id]:
        ctl = cc.control
        base = {"control": cc.uid, "effect": ctl.effect, "paragraph": ctl.paragraph}
        why = _not_in_force(cc, c.on)
        if why:
            skipped.append({**base, "reason": why})
            continue
        elements: dict[str, set[str]] = {}
        item_elements: dict[str, list[frozenset[str]]] = {}
        # network stage -> elements of the selected items at that stage
        extra_src: list[dict[str, str]] = []
        other: set[str] = set()
        for key in items_by_cc.get(cc.uid, []):
            item = book.by_key[key].item
            if item.kind != "goods":
                other.add(f"{key[1]} ({item.kind}: not a flow)")
                continue
            com = canonical(item.commodity or "")
            if com != scn.commodity:
                other.add(f"{key[1]} ({item.commodity or 'no commodity'})")
                continue
            sts = item_network_stages(spec, key[0], key[1], item.stage)
            if not sts:
                other.add(f"{key[1]} (stage {item.stage}: not modelled)")
                continue
            extra = data.item_stages().get((key[0], key[1]))
            if extra is not None:
                extra_src.append({"item": key[1], **extra[1]})
            for st in sts:
                elements.setdefault(st, set()).update(item.elements)
                item_elements.setdefault(st, []).append(frozenset(item.elements))
        if not elements:
            skipped.append(
                {
                    **base,
                    "reason": f"no goods item of {scn.commodity} at a modelled stage",
                    "items_not_modelled": sorted(other)[:20],
                }
            )
            continue
        frac = {
            "prohibited": 1.0,
            "denial_presumed": a.denial_block_fraction,
            "licence_required": c.licence_block_fraction
            if c.licence_block_fraction is not None
            else a.licence_block_fraction,
        }.get(ctl.effect, 0.0)
        basis = f"effect {ctl.effect}"
        if ctl.end_uses:
            frac *= a.end_use_share
            basis += (
                f"; end uses {', '.join(ctl.end_uses)} only (x end_use_share {a.end_use_share})"
            )
        if frac <= 0:
            skipped.append({**base, "reason": f"blocks nothing ({basis})"})
            continue
        dest = ctl.destinations
        mode, ctry = dest.mode, tuple(dest.countries)
        if c.only_destinations is not None:
            narrowed = tuple(x for x in c.only_destinations if dest.covers(x))
            mode, ctry = "only", narrowed
        from lanthanide.supply import elements as el

        gs = el.groups(scn.commodity) if a.element_resolved else ()
        # one flow control per controlled share: stages with the same share share one
        by_share: dict[tuple[float, tuple[tuple[str, float], ...]], list[str]] = {}
        for st in spec.stages:
            if st not in elements:
                continue
            typed = _typed(c, st)
            if gs and typed is None:
                cov = el.coverage(scn.commodity, st, item_elements[st])
                share = sum(g.share * v for g, v, _, _ in cov)
                per = tuple((g.name, frac * v) for g, v, _, _ in cov)
                notes += _group_notes(
                    k, cc.uid, inst.number or inst.id, ctl.id, st, elements[st], cov
                )
            else:
                share, how = (
                    (typed, "typed")
                    if typed is not None
                    else _coverage(c, st, elements[st], spec.elements)
                )
                per = ()
                if how == "assumed":
                    notes.append(
                        {
                            "field": f"controls[{k}].element_coverage",
                            "control": cc.uid,
                            "stage": st,
                            "tag": "U",
                            "warn": True,
                            "message": (
                                f"{inst.number or inst.id} {ctl.id}: at {st} the items name only "
                                f"{', '.join(sorted(elements[st]))} of the {len(spec.elements)} "
                                f"{scn.commodity} elements, but the network has one pool per "
                                "stage (element_resolved: false), so the whole "
                                f"{st} flow is treated as controlled (an upper bound; U). Type "
                                f"the controlled share as controls[{k}].element_coverage: <0-1> "
                                f"or element_coverage: {{{st}: <0-1>}}"
                            ),
                        }
                    )
            if share * frac > 0:
                by_share.setdefault((round(share, 12), per), []).append(st)
        for (share, per), sts_l in by_share.items():
            els = sorted(set().union(*(elements[st] for st in sts_l)))
            fc = FlowControl(
                label=f"{inst.number or inst.id} {ctl.id}",
                exporter="CN",
                stages=tuple(sts_l),
                mode=mode,
                countries=ctry,
                fraction=frac * share,
                years=tuple(c.years) if c.years else None,
                group_fraction=per,
                source={
                    "kind": "rulebook",
                    "instrument": inst.id,
                    "number": inst.number,
                    "control": ctl.id,
                    "effect": ctl.effect,
                    "basis": basis
                    + f"; element_coverage {share:g}"
                    + (" (content-weighted over the element groups)" if per else ""),
                    "elements": els,
                    "element_coverage": share,
                    **({"element_coverage_by_group": {g: v / frac for g, v in per}} if per else {}),
                    "sources": [s.url for s in ctl.sources],
                    **({"item_stages": extra_src} if extra_src else {}),
                },
            )
            applied.append(fc)
    return applied, {
        "control": k,
        "kind": "rulebook",
        "instrument": inst.id,
        "number": inst.number,
        "on": c.on.isoformat(),
        "applied": [_desc(f) for f in applied],
        "skipped": skipped,
        "assumptions": notes,
    }


def item_network_stages(
    spec: Commodity, instrument: str, code: str, item_stage: str | None
) -> tuple[str, ...]:
    """Network stages a rulebook item covers: its ``stage`` field, widened by
    ``data/item_stages.csv`` for items whose entry spans stages (2025 No. 18
    1C902.a/1C904.a/1C905.a: metal and alloys *and* magnet material)."""
    extra = data.item_stages().get((instrument, code))
    if extra is not None and len(spec.stages) > 1:
        return tuple(st for st in spec.stages if st in extra[0])
    st = network_stage(spec, item_stage)
    return () if st is None else (st,)


def _typed(c: RulebookControl, stage: str) -> float | None:
    """The controlled share the scenario types for a stage, if any."""
    ec = c.element_coverage
    if isinstance(ec, (float, int)):
        return float(ec)
    if isinstance(ec, dict) and stage in ec:
        return float(ec[stage])
    return None


def _group_notes(
    k: int,
    uid: str,
    number: str,
    ctl_id: str,
    stage: str,
    named: set[str],
    cov: list[tuple[Any, float, str, list[dict[str, str]]]],
) -> list[dict[str, object]]:
    """The assumptions behind a derived element coverage (each tagged)."""
    out: list[dict[str, object]] = []
    for g, v, how, src in cov:
        base = {"field": f"controls[{k}].element_coverage", "control": uid, "stage": stage}
        if how == "upper_bound":
            hit = sorted(named & set(g.elements))
            rest = sorted(set(g.elements) - named)
            out.append(
                {
                    **base,
                    "group": g.name,
                    "tag": "U",
                    "warn": True,
                    "message": (
                        f"{number} {ctl_id}: at {stage} the items name {', '.join(hit)} of "
                        f"element group {g.name}, not {', '.join(rest)}; the data gives no split "
                        f"inside the group, so the whole {g.name} flow ({g.share:.1%} of the "
                        f"content) is treated as controlled (an upper bound; U). Type "
                        f"controls[{k}].element_coverage: {{{stage}: <0-1>}} to replace it"
                    ),
                }
            )
        elif how == "content":
            out.append(
                {
                    **base,
                    "group": g.name,
                    "tag": ",".join(sorted({x["tag"] for x in src})),
                    "warn": False,
                    "message": (
                        f"{number} {ctl_id}: at {stage} {v:.0%} of the {g.name} flow is taken "
                        f"to be in products the items name ({'; '.join(x['note'] for x in src)})"
                    ),
                    "sources": src,
                }
            )
    return out


def _coverage(
    c: RulebookControl, stage: str, elements: set[str], pool: tuple[str, ...]
) -> tuple[float, str]:
    """Controlled share of a stage flow and how it was set: ``typed``
    (``element_coverage``), ``whole_pool`` (the items name every element of
    the pool, or the commodity is one element) or ``assumed`` (the items name
    only some elements and no share is known: 1.0, an upper bound)."""
    ec = c.element_coverage
    if isinstance(ec, (float, int)):
        return float(ec), "typed"
    if isinstance(ec, dict) and stage in ec:
        return float(ec[stage]), "typed"
    if not pool or set(pool) <= elements:
        return 1.0, "whole_pool"
    return 1.0, "assumed"


def _not_in_force(cc: object, day: date) -> str | None:
    from lanthanide.rules.book import CompiledControl

    assert isinstance(cc, CompiledControl)
    v = cc.control.valid
    if day < v.start:
        return f"not yet in force on {day} (from {v.start})"
    if v.end is not None and day >= v.end:
        return f"ended before {day} (until {v.end})"
    s = cc.suspended_on(day)
    if s is not None:
        return f"suspended on {day} by {s.by.number or s.by.id} until {s.suspension.period.end}"
    return None
