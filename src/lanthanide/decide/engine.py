"""The determination engine: ``Case -> Determination``.

Steps: (1) match the case to items (code, tariff line, text); (2) collect the
controls that can apply to each match; (3) test each control on the date,
suspensions, destination, end use and the item's technical condition,
turning missing facts into questions; (4) settle the technology catalogue
(registration only when the technology is known not to be listed); (5) add
warnings and conflicts; (6) take the strictest definite finding, or
``undetermined`` when a missing fact could lead to something stricter.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date

from lanthanide.classify import Classifier, classifier_for
from lanthanide.classify.index import (
    MEDIUM_COVERAGE,
    Classification,
    Result,
    confidence_among,
)
from lanthanide.classify.params import extract
from lanthanide.decide.model import (
    RANK,
    Case,
    Conflict,
    Determination,
    Finding,
    InstrumentRef,
    ItemInfo,
    Question,
    Ref,
    TraceEntry,
    Validity,
    Warning,
)
from lanthanide.rules.book import CompiledControl, ItemRef, Rulebook
from lanthanide.rules.model import Condition, Duty, Instrument, Source
from lanthanide.rules.params import PARAMS

RARE_EARTHS = frozenset(
    [
        "La",
        "Ce",
        "Pr",
        "Nd",
        "Pm",
        "Sm",
        "Eu",
        "Gd",
        "Tb",
        "Dy",
        "Ho",
        "Er",
        "Tm",
        "Yb",
        "Lu",
        "Sc",
        "Y",
    ]
)
_CATALOGUE_NO = re.compile(r"^[0-9]{6}[JX]$", re.IGNORECASE)
_CONTROL_CODE = re.compile(r"^[0-9][A-E][0-9]{3}", re.IGNORECASE)
_LADDER = (
    "prohibited",
    "denial_presumed",
    "licence_required",
    "report_required",
    "registration_required",
)


@dataclass(slots=True)
class _Match:
    ref: ItemRef
    how: str
    certain: bool
    control_point: str | None = None


class _Acc:
    """Accumulates the pieces of one determination."""

    __slots__ = (
        "conflicts",
        "findings",
        "pending",
        "questions",
        "seen",
        "trace",
        "uncertain",
        "unknown_coverage",
        "warn_keys",
        "warnings",
    )

    def __init__(self) -> None:
        self.findings: list[Finding] = []
        self.questions: list[Question] = []
        self.warnings: list[Warning] = []
        self.warn_keys: set[str] = set()
        self.conflicts: list[Conflict] = []
        self.trace: list[TraceEntry] = []
        self.seen: set[tuple[str, str | None]] = set()
        self.pending: list[str] = []
        # effects that would follow if an uncertain match (a broader tariff
        # code, a text candidate) were the item
        self.uncertain: list[str] = []
        self.unknown_coverage = False

    def warn(
        self, code: str, text: str, instrument: str | None = None, key: str | None = None
    ) -> None:
        k = key or f"{code}|{instrument}|{text}"
        if k not in self.warn_keys:
            self.warn_keys.add(k)
            self.warnings.append(Warning(code, text, instrument))

    def ask(self, q: Question) -> None:
        for i, old in enumerate(self.questions):
            if old.field == q.field and old.text == q.text:
                if q.pending_effect and (
                    old.pending_effect is None or RANK[q.pending_effect] > RANK[old.pending_effect]
                ):
                    self.questions[i] = q
                if q.pending_effect:
                    self.pending.append(q.pending_effect)
                return
        self.questions.append(q)
        if q.pending_effect:
            self.pending.append(q.pending_effect)


def _pending(effect: str) -> str | None:
    return None if effect == "exempt" else effect


def _refs(sources: tuple[Source, ...]) -> tuple[Ref, ...]:
    return tuple(Ref(s.url, s.tag, s.ref) for s in sources)


def _inst_ref(inst: Instrument) -> InstrumentRef:
    return InstrumentRef(inst.id, inst.number, inst.title.zh or inst.title.best(), inst.short)


def item_info(ref: ItemRef) -> ItemInfo:
    it = ref.item
    return ItemInfo(
        code=it.code,
        code_status=it.code_status,
        control_code=it.control_code,
        kind=it.kind,
        title=it.title.en or it.title.zh or "",
        title_zh=it.title.zh,
        instrument=ref.instrument.id,
    )


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


def _missing_params(cond: Condition, params: Mapping[str, float | str]) -> list[str]:
    return sorted(p for p in cond.params() if p not in params)


def _describe(cond: Condition) -> str:
    if cond.text is not None:
        return cond.text.best()
    if cond.param is not None:
        unit = f" {cond.unit}" if cond.unit else ""
        val = cond.value
        if isinstance(val, tuple):
            val = "–".join(str(v) for v in val)
        return f"{cond.param} {cond.op} {val}{unit}"
    joiner = " and " if cond.all is not None else " or "
    return "(" + joiner.join(_describe(c) for c in (cond.all or cond.any or ())) + ")"


class Engine:
    """Determinations against one compiled rulebook."""

    def __init__(self, book: Rulebook) -> None:
        self.book = book
        self._classified: dict[tuple[str, str | None], Classification] = {}
        self._checked_cache: dict[date, tuple[str, ...]] = {}
        self._prefix_codes: dict[str, list[ItemRef]] = {}
        self._static: dict[tuple[str, str], list[tuple[CompiledControl, bool]]] = {}
        self._duties_cache: dict[date, list[tuple[Instrument, Duty]]] = {}
        self._by_instrument: dict[str, list[CompiledControl]] = {}
        # catalogue codes a version explicitly adds: absent before that version
        self._added_on: dict[str, date] = {}
        for views in book.catalogues.values():
            for v in views:
                for code, r in v.items.items():
                    if r.item.change == "added" and r.instrument is v.instrument:
                        self._added_on.setdefault(code, v.valid.start)
        for cc in book.controls:
            self._by_instrument.setdefault(cc.instrument.id, []).append(cc)
        self.rare_earth_prefixes: tuple[str, ...] = tuple(
            sorted(
                {
                    p
                    for _, c in book.coverage
                    for p in c.hs_prefixes
                    if p[:4] in ("2530", "2805", "2846")
                }
            )
        ) or ("2530902", "280530", "2846")

    # ------------------------------------------------------------ matching
    @property
    def classifier(self) -> Classifier:
        return classifier_for(self.book)

    def _classify(self, text: str, kind: str | None) -> Classification:
        key = (text, kind)
        got = self._classified.get(key)
        if got is None:
            got = self.classifier.classify(text, kind=kind, top=8)
            if len(self._classified) > 4096:
                self._classified.clear()
            self._classified[key] = got
        return got

    def _ref_for(self, r: Result, day: date) -> ItemRef:
        """The version of a classified item that applies on ``day`` (the
        newest with a control valid then), else its newest version."""
        for ref in r.entry.refs:
            if self._relevant(ref, day):
                return ref
        return r.entry.refs[0]

    def _relevant(self, ref: ItemRef, day: date) -> bool:
        return any(cc.control.valid.contains(day) for cc in self.book.own_controls.get(ref.key, ()))

    def _match_code(self, code: str, kind: str | None, acc: _Acc) -> list[_Match]:
        key = code.lower()
        refs = self.book.by_code.get(key)
        how = "code"
        if not refs:
            refs = self._prefix_codes.get(key)
            if refs is None:
                refs = [
                    r
                    for r in self.book.item_refs
                    if any(
                        c and c.lower().startswith(key) and c[len(key) : len(key) + 1] in (".", "-")
                        for c in (r.item.code, r.item.control_code)
                    )
                ]
                self._prefix_codes[key] = refs
            how = "control_code_prefix"
        out = [_Match(r, how, True) for r in refs if kind is None or r.item.kind == kind]
        if not out:
            if _CATALOGUE_NO.match(code) or _CONTROL_CODE.match(code):
                acc.warn(
                    "unknown-code",
                    f"'{code}' looks like a catalogue number or control code, but it is not "
                    "encoded in this rulebook; the lists it may belong to are only partly "
                    "encoded.",
                )
            else:
                acc.warn("unknown-code", f"'{code}' is not a code in this rulebook.")
            acc.unknown_coverage = True
        return out

    def _match_hs(self, hs: str, kind: str | None, day: date, acc: _Acc) -> list[_Match]:
        book = self.book
        out: list[_Match] = []
        seen: set[tuple[str, str]] = set()
        for r in book.hs_exact.get(hs, ()):
            if kind is None or r.item.kind == kind:
                out.append(_Match(r, "hs", True))
                seen.add(r.key)
        exact_elements = {e for r in book.hs_exact.get(hs, ()) for e in r.item.elements}
        for k in range(4, len(hs)):
            for r in book.hs_exact.get(hs[:k], ()):
                if r.key in seen or (kind is not None and r.item.kind != kind):
                    continue
                seen.add(r.key)
                if (
                    exact_elements
                    and r.item.elements
                    and not (exact_elements & set(r.item.elements))
                ):
                    # the line is a reference line of items for other elements
                    continue
                same = any(
                    set(e.item.elements) & set(r.item.elements)
                    and e.item.stage is not None
                    and e.item.stage == r.item.stage
                    for e in book.hs_exact.get(hs, ())
                )
                if same:
                    # the exact line is an item of the same element and stage
                    out.append(_Match(r, f"hs-heading {hs[:k]} (same element and stage)", True))
                    continue
                out.append(_Match(r, f"hs-heading {hs[:k]}", False))
                if not self._relevant(r, day):
                    continue
                acc.ask(
                    Question(
                        field="item",
                        text=f"Item {r.item.code} ({r.item.title.best()}) gives only the "
                        f"heading {hs[:k]} as its reference code; does tariff line {hs} "
                        "hold that item?",
                        options=(r.item.code,),
                        instrument=r.instrument.id,
                    )
                )
        if len(hs) < 10:
            narrower = [
                r
                for r in book.hs_prefix.get(hs, ())
                if r.key not in seen and (kind is None or r.item.kind == kind)
            ]
            if narrower:
                lines = sorted(
                    {h.code for r in narrower for h in r.item.hs if h.code.startswith(hs)}
                )
                acc.ask(
                    Question(
                        field="hs",
                        text=f"'{hs}' covers several tariff lines; which 10-digit line is it? "
                        f"Controlled lines under it: {', '.join(lines)}.",
                        options=tuple(lines),
                    )
                )
                for r in narrower:
                    if r.key not in seen:
                        seen.add(r.key)
                        out.append(_Match(r, "hs-broader", False))
        return out

    def _text_pool(self, text: str, kind: str | None, day: date) -> list[Result]:
        """Rulebook items the classifier finds for ``text`` (not low
        confidence), those with a control valid on ``day`` first."""
        hits = [
            r for r in self._classify(text, kind).results if r.entry.source == "rulebook"
        ]
        if not hits or (hits[0].coverage < MEDIUM_COVERAGE and not hits[0].coded):
            return []
        hits = [r for r in hits if r.score >= hits[0].score * 0.5]
        relevant = [r for r in hits if any(self._relevant(ref, day) for ref in r.entry.refs)]
        return relevant or hits

    def _match_text(self, text: str, kind: str | None, day: date, acc: _Acc) -> list[_Match]:
        pool = self._text_pool(text, kind, day)
        if not pool:
            results = self._classify(text, kind).results
            weak = [r.code for r in results[:3]]
            acc.warn(
                "no-text-match",
                f"No encoded item matches the text '{text}' with confidence"
                + (f" (weak candidates: {', '.join(weak)})" if weak else "")
                + "; the answer cannot rest on it.",
            )
            acc.unknown_coverage = True
            # the weak rulebook candidates become a question, so that what
            # they would mean shows as a pending effect
            ranked = [r for r in results if r.entry.source == "rulebook" and r.score > 0]
            close = [r for r in ranked if r.score >= ranked[0].score * 0.5][:3] if ranked else []
            if not close:
                return []
            acc.ask(
                Question(
                    field="item",
                    text="The text matches no encoded item with confidence; is it one of "
                    "these? "
                    + "; ".join(f"{r.code} {r.entry.title_en or r.entry.title_zh}" for r in close)
                    + ". If it is none of them, the rulebook may not cover it.",
                    options=tuple(
                        f"{r.code} ({self._ref_for(r, day).instrument.id})" for r in close
                    ),
                )
            )
            return [
                _Match(self._ref_for(r, day), "text-candidate", False, r.control_point)
                for r in close
            ]
        top = pool[0]
        if confidence_among(pool) == "high":
            return [_Match(self._ref_for(top, day), "text", True, top.control_point)]
        close = [r for r in pool if r.score >= top.score * 0.6][:5]
        options = tuple(f"{r.code} ({self._ref_for(r, day).instrument.id})" for r in close)
        cands = [f"{r.code} {r.entry.title_en or r.entry.title_zh}" for r in close]
        acc.ask(
            Question(
                field="item",
                text="The text matches several items (or one only weakly); which is it? "
                f"Candidates: {'; '.join(cands)}.",
                options=options,
            )
        )
        return [
            _Match(self._ref_for(r, day), "text-candidate", False, r.control_point) for r in close
        ]

    # ------------------------------------------------------------ evaluation
    def _finding(self, cc: CompiledControl, m: _Match | None) -> Finding:
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
            instrument=_inst_ref(cc.instrument),
            item=item_info(m.ref) if m else None,
            control=ctl.id,
            paragraph=ctl.paragraph,
            control_point=cp,
            reason=ctl.reason.en or ctl.reason.zh or "",
            validity=Validity(ctl.valid.start, ctl.valid.end),
            sources=_refs(tuple(sources)),
            matched_by=m.how if m else None,
        )

    def _suspension_warnings(
        self, cc: CompiledControl, m: _Match | None, case: Case, acc: _Acc
    ) -> None:
        """Warn when a suspension relevant to this case ends after the data
        date. Relevant: the control's destination and end-use scope fit the
        case as stated (an unstated end use does not make it relevant)."""
        ctl = cc.control
        day = case.on
        if case.destination is not None and not ctl.destinations.covers(case.destination):
            return
        if ctl.end_uses is not None and case.end_use not in ctl.end_uses:
            return
        if m is None and ctl.applies_to.anything and ctl.end_uses is None:
            return
        inst_id = cc.instrument.id
        as_of = self.book.data_as_of
        for s in cc.suspensions:
            p = s.suspension.period
            if day >= p.start and p.end is not None and (p.end > as_of or p.end_uncertain):
                num = s.by.number or s.by.id
                if day < p.end:
                    msg = (
                        f"{cc.instrument.number or inst_id} is suspended by {num} until "
                        f"{p.end}; that end lies after the data date {as_of}, so whether the "
                        "suspension ends, is extended or is made permanent is not known."
                    )
                else:
                    msg = (
                        f"The suspension of {cc.instrument.number or inst_id} by {num} ran to "
                        f"{p.end}, after the data date {as_of}; the control is shown as applying "
                        "again, but no source says whether the suspension was extended."
                    )
                acc.warn("suspension-end-unknown", msg, s.by.id, key=f"sus|{s.by.id}|{inst_id}")

    def _evaluate(self, cc: CompiledControl, m: _Match | None, case: Case, acc: _Acc) -> None:
        key = (cc.uid, f"{m.ref.key[0]}:{m.ref.key[1]}" if m else None)
        if key in acc.seen:
            return
        acc.seen.add(key)
        ctl = cc.control
        day = case.on
        item_code = m.ref.item.code if m else None
        inst_id = cc.instrument.id

        def trace(outcome: str) -> None:
            acc.trace.append(TraceEntry(inst_id, ctl.id, item_code, outcome))

        if not ctl.valid.contains(day):
            end = ctl.valid.end
            if end is not None and day >= end and ctl.valid.end_uncertain:
                acc.warn(
                    "ended-no-renewal",
                    f"{cc.instrument.number or inst_id} ({ctl.id}) ran until {end}; no renewal "
                    "or successor was found, so it is not applied after that date.",
                    inst_id,
                    key=f"end|{inst_id}|{ctl.id}",
                )
            trace(f"not in force on {day} (valid {ctl.valid.start} to {end or 'open'})")
            return
        if cc.suspensions:
            self._suspension_warnings(cc, m, case, acc)
        sus = cc.suspended_on(day)
        if sus is not None:
            trace(
                f"suspended by {sus.by.number or sus.by.id} "
                f"({sus.suspension.period.start} to {sus.suspension.period.end})"
            )
            return
        scope = ctl.destinations
        if scope.mode != "all":
            if case.destination is None:
                acc.ask(
                    Question(
                        field="destination",
                        text=f"Which country is the destination? {cc.instrument.number or inst_id} "
                        f"({ctl.paragraph or ctl.id}) applies to {scope.mode} "
                        f"{', '.join(scope.countries)}.",
                        pending_effect=_pending(ctl.effect),
                        instrument=inst_id,
                    )
                )
                trace("destination not stated")
                return
            if not scope.covers(case.destination):
                trace(
                    f"destination {case.destination} outside scope ({scope.mode} "
                    f"{', '.join(scope.countries)})"
                )
                return
        if ctl.end_uses is not None:
            if case.end_use is None:
                acc.ask(
                    Question(
                        field="end_use",
                        text="What is the end use / end user? Under "
                        f"{cc.instrument.number or inst_id} "
                        f"({ctl.paragraph or ctl.id}) the export is {ctl.effect.replace('_', ' ')} "
                        f"for end use: {', '.join(ctl.end_uses)}.",
                        options=tuple(ctl.end_uses),
                        instrument=inst_id,
                    )
                )
                acc.warn(
                    "end-use-conditional",
                    f"If the end user or end use is {' / '.join(ctl.end_uses)}, "
                    f"{cc.instrument.number or inst_id} makes this export "
                    f"{ctl.effect.replace('_', ' ')}: {ctl.reason.best()}",
                    inst_id,
                    key=f"eu|{cc.uid}",
                )
                trace("end use not stated")
                return
            if case.end_use not in ctl.end_uses:
                trace(f"end use {case.end_use} not in {', '.join(ctl.end_uses)}")
                return
        item = m.ref.item if m else None
        if item is not None and item.condition is not None:
            ok = eval_condition(item.condition, case.params)
            if ok is None:
                missing = _missing_params(item.condition, case.params)
                units = ", ".join(
                    f"{p} ({PARAMS[p].unit or '|'.join(PARAMS[p].choices)})"
                    for p in missing
                    if p in PARAMS
                )
                acc.ask(
                    Question(
                        field="params",
                        text=f"Item {item.code} ({item.title.best()}) is controlled only if "
                        f"{_describe(item.condition)}. Give: {units}.",
                        options=tuple(missing),
                        pending_effect=_pending(ctl.effect),
                        instrument=inst_id,
                    )
                )
                trace(f"condition needs {', '.join(missing)}")
                return
            if not ok:
                trace(f"condition not met ({_describe(item.condition)})")
                return
        identified = (
            m is not None
            and item is not None
            and item.condition is not None
            and m.how.startswith("hs-heading")
        )  # the technical condition, met above, identifies the item
        if m is not None and not m.certain and not identified:
            if ctl.effect != "exempt":
                acc.uncertain.append(ctl.effect)
            trace("would apply if this is the item / tariff line")
            return
        trace("applies")
        acc.findings.append(self._finding(cc, m))

    def _static_controls(self, key: tuple[str, str]) -> list[tuple[CompiledControl, bool]]:
        """Controls that can select an item, with a flag for those that select
        it only through a regime (which needs the item to be controlled on the
        day). Static per rulebook, so computed once per item."""
        got = self._static.get(key)
        if got is not None:
            return got
        book = self.book
        ref = book.by_key[key]
        out: list[tuple[CompiledControl, bool]] = []
        for cc in book.controls_by_item.get(key, ()):
            sel = cc.control.applies_to
            via_regime = bool(
                sel.regimes
                and key not in cc.item_keys
                and ref.instrument.regime in sel.regimes
                and not (sel.elements and set(sel.elements) & set(ref.item.elements))
            )
            out.append((cc, via_regime))
        for cc in book.hs_controls:
            if any(c is cc for c, _ in out):
                continue
            prefixes = cc.control.applies_to.hs_prefixes
            kinds = cc.control.applies_to.kinds
            if any(h.code.startswith(prefixes) for h in ref.item.hs) and (
                not kinds or ref.item.kind in kinds
            ):
                out.append((cc, False))
        self._static[key] = out
        return out

    def _controls_for(self, m: _Match, case: Case) -> list[CompiledControl]:
        key = m.ref.key
        return [
            cc
            for cc, via_regime in self._static_controls(key)
            if not via_regime or self.book.item_controlled_on(key, case.on)
        ]

    # ------------------------------------------------------------ catalogue
    def _catalogue(self, case: Case, matches: list[_Match], acc: _Acc) -> None:
        book = self.book
        tech = [m for m in matches if m.ref.item.kind == "technology"]
        if not tech and case.kind != "technology":
            return
        if not tech and matches:
            return
        view = book.catalogue_in_force(case.on)
        if view is None:
            acc.warn(
                "catalogue-none",
                f"No version of the technology export catalogue is encoded for {case.on}.",
            )
            acc.unknown_coverage = True
            return
        label = f"{view.instrument.number} ({view.version} version)"
        declared = view.declared.total
        cover = (
            f"{view.encoded} of {declared} items encoded"
            if declared
            else f"{view.encoded} items encoded, total not known"
        )
        known_absent = bool(tech)
        listed = False
        for m in tech:
            code = m.ref.item.code
            if m.ref.key in book.catalogue_item_keys:
                if code in view.items:
                    listed = True
                    known_absent = False
                elif code in self._added_on and case.on < self._added_on[code]:
                    acc.trace.append(
                        TraceEntry(
                            view.instrument.id,
                            "catalogue",
                            code,
                            f"not yet in the catalogue on {case.on}: added on "
                            f"{self._added_on[code]}",
                        )
                    )
                elif code in view.deleted_codes:
                    acc.trace.append(
                        TraceEntry(
                            view.instrument.id,
                            "catalogue",
                            code,
                            f"deleted from the catalogue by {case.on}",
                        )
                    )
                else:
                    known_absent = False
                    acc.warn(
                        "catalogue-carry-over-unknown",
                        f"Item {code} is not encoded in the catalogue in force on {case.on}, "
                        f"{label}, and it is not recorded as deleted: the re-issued catalogue "
                        f"is only partly encoded ({cover}), so whether the technology is still "
                        "listed (perhaps under another number) is not known.",
                        view.instrument.id,
                    )
                    acc.unknown_coverage = True
            else:
                known_absent = False
        if listed:
            return
        if known_absent or view.complete:
            for cc in book.anything_controls:
                if cc.control.applies_to.residual:
                    self._evaluate(cc, None, case, acc)
            return
        acc.warn(
            "catalogue-coverage",
            f"The technology export catalogue in force on {case.on}, {label}, is only "
            f"partly encoded ({cover}). This technology matched no encoded catalogue "
            "item, so whether it is prohibited, restricted or free (contract "
            "registration) is not known.",
            view.instrument.id,
            key="cat-cover",
        )
        acc.unknown_coverage = True

    # ------------------------------------------------------------ warnings
    def _checked(self, day: date) -> tuple[str, ...]:
        got = self._checked_cache.get(day)
        if got is None:
            got = tuple(
                i.number or i.title.zh or i.id
                for i in self.book.in_force(day)
                if i.regime not in ("suspension", "statement")
            )
            if len(self._checked_cache) > 4096:
                self._checked_cache.clear()
            self._checked_cache[day] = got
        return got

    def _is_rare_earth(self, case: Case, matches: list[_Match]) -> bool:
        if any(RARE_EARTHS & set(m.ref.item.elements) for m in matches):
            return True
        return case.hs is not None and case.hs.startswith(self.rare_earth_prefixes)

    def _duties(self, case: Case, matches: list[_Match], acc: _Acc) -> None:
        kind = case.kind or (matches[0].ref.item.kind if matches else "goods")
        finding_insts = {f.instrument.id for f in acc.findings}
        finding_regimes = {self.book.instruments[i].regime for i in finding_insts}
        rare = None
        live = self._duties_cache.get(case.on)
        if live is None:
            live = [(i, d) for i, d in self.book.duties if d.valid.contains(case.on)]
            if len(self._duties_cache) > 8192:
                self._duties_cache.clear()
            self._duties_cache[case.on] = live
        for inst, duty in live:
            if kind not in duty.kinds:
                continue
            if duty.when == "controlled":
                if duty.regimes:
                    if not finding_regimes & set(duty.regimes):
                        continue
                elif inst.id not in finding_insts:
                    continue
            elif duty.when == "rare_earth":
                if rare is None:
                    rare = self._is_rare_earth(case, matches)
                if not rare:
                    continue
            acc.warn(
                f"duty:{duty.id}",
                f"{inst.number or inst.title.best()}: {duty.text.best()}",
                inst.id,
                key=f"duty|{inst.id}|{duty.id}",
            )

    def _coverage_gaps(self, case: Case, matches: list[_Match], acc: _Acc) -> bool:
        """A tariff line under a partly encoded list that matched none of that
        list's encoded items may still be controlled by it: warn, and count
        the list's strictest live effect as pending. True if any gap."""
        if case.hs is None:
            return False
        matched = {m.ref.instrument.id for m in matches if m.certain}
        found = False
        for inst, cov in self.book.coverage:
            if inst.id in matched:
                continue
            prefix = next(
                (p for p in cov.hs_prefixes if case.hs.startswith(p) or p.startswith(case.hs)),
                None,
            )
            if prefix is None:
                continue
            live = [
                cc.control.effect
                for cc in self._by_instrument.get(inst.id, ())
                if cc.control.effect != "exempt"
                and cc.in_force(case.on)
                and (case.destination is None or cc.control.destinations.covers(case.destination))
            ]
            if not live:
                continue
            effect = max(live, key=lambda e: RANK[e])
            acc.warn(
                "coverage",
                f"Tariff line {case.hs} falls under {prefix}, where "
                f"{inst.number or inst.title.best()} is only partly encoded "
                f"({cov.encoded} of {cov.declared or 'an unknown number of'} "
                f"{cov.unit}: {cov.scope.best()}); it matched none of its encoded lines, so "
                f"it may still be {effect.replace('_', ' ')} under it.",
                inst.id,
                key=f"cov|{inst.id}|{prefix}",
            )
            acc.pending.append(effect)
            found = True
        return found

    # ------------------------------------------------------------ main
    def decide(self, case: Case) -> Determination:
        text_only = bool(case.text and not case.item and not case.hs)
        found: dict[str, float] = {}
        if text_only and case.text:
            found = {
                k: p.value for k, p in extract(case.text).items() if k not in case.params
            }
            if found:
                case = replace(case, params={**case.params, **found})
        d = self._decide(case, None, found)
        if d.verdict != "undetermined" or not text_only or case.text is None:
            return d
        return self._agreeing_candidates(case, d, found)

    def _agreeing_candidates(
        self, case: Case, d: Determination, found: Mapping[str, float]
    ) -> Determination:
        """When the text matches several items that are one substance listed
        by several instruments, and each of them, taken as the item, leads to
        the same controlled verdict, that verdict holds whichever it is:
        answer it, citing every candidate, and say so."""
        assert case.text is not None
        pool = self._text_pool(case.text, case.kind, case.on)
        top = pool[0].score if pool else 0.0
        cands = [r for r in pool if r.score >= top * 0.6][:5]
        if len(cands) < 2:
            return d
        # only candidates that are the same substance under several lists
        # (same elements, same kind): NdFeB with Dy and NdFeB with Tb are
        # different things, and plain NdFeB may be on no list at all
        shapes = {
            (r.entry.kind, frozenset(e for ref in r.entry.refs for e in ref.item.elements))
            for r in cands
        }
        if len(shapes) != 1 or not next(iter(shapes))[1]:
            return self._cross_list_candidates(case, d, found, cands)
        subs = [
            self._decide(
                case,
                [_Match(self._ref_for(r, case.on), "text-candidate", True, r.control_point)],
                found,
            )
            for r in cands
        ]
        verdicts = {s.verdict for s in subs}
        if len(verdicts) != 1:
            return self._cross_list_candidates(case, d, found, cands)
        verdict = verdicts.pop()
        if verdict in ("undetermined", "not_controlled"):
            return d
        findings: dict[tuple[str, str, str | None], Finding] = {}
        questions: dict[tuple[str, str], Question] = {}
        warnings: dict[str, Warning] = {}
        for s in subs:
            for f in s.findings:
                key = (f.instrument.id, f.control, f.item.code if f.item else None)
                findings.setdefault(key, f)
            for q in s.questions:
                questions.setdefault((q.field, q.text), q)
            for w in s.warnings:
                warnings.setdefault(w.text, w)
        names = ", ".join(r.code for r in cands)
        agree = Warning(
            "text-candidates-agree",
            f"The text matches several items ({names}); taken as any one of them the export "
            f"is {verdict.replace('_', ' ')}, so that is the answer. Check that the item is "
            "one of them.",
        )
        return replace(
            d,
            verdict=verdict,
            findings=tuple(sorted(findings.values(), key=lambda f: -RANK.get(f.effect, 0))),
            questions=tuple(questions.values()),
            warnings=(agree, *warnings.values()),
            matched=tuple(m for s in subs for m in s.matched),
            trace=tuple(t for s in subs for t in s.trace),
        )

    def _cross_list_candidates(
        self,
        case: Case,
        d: Determination,
        found: Mapping[str, float],
        cands: list[Result],
    ) -> Determination:
        """When the candidates are of one kind, share an element (or, for a
        broad item that names none, the commodity), and each
        comes from a different regime (e.g. 213301J of the technology
        catalogue and 1E902.a of the dual-use list), they are not
        alternatives: one thing can be listed by several lists at once. Each
        is applied and the strictest effect decides, with a warning."""
        refs = [self._ref_for(r, case.on) for r in cands]
        kinds = {ref.item.kind for ref in refs}
        regimes = [ref.instrument.regime for ref in refs]
        shared = frozenset.intersection(*(frozenset(ref.item.elements) for ref in refs))
        commodities = {ref.item.commodity for ref in refs}
        same_thing = bool(shared) or (len(commodities) == 1 and None not in commodities)
        if len(kinds) != 1 or not same_thing or len(set(regimes)) != len(regimes):
            return d
        both = self._decide(
            case,
            [
                _Match(ref, "text-candidate", True, r.control_point)
                for r, ref in zip(cands, refs, strict=True)
            ],
            found,
        )
        if both.verdict in ("undetermined", "not_controlled"):
            return d
        names = ", ".join(
            f"{ref.item.code} ({ref.instrument.number or ref.instrument.id})" for ref in refs
        )
        note = Warning(
            "text-candidates-cross-list",
            f"The text matches items of different lists ({names}). One thing can be listed "
            "by several lists at once, so each was applied and the strictest effect decides. "
            "Check that the item is what these lists describe.",
        )
        return replace(both, warnings=(note, *both.warnings))

    def _decide(
        self, case: Case, preset: list[_Match] | None, found: Mapping[str, float]
    ) -> Determination:
        book = self.book
        acc = _Acc()
        if found:
            acc.warn(
                "params-from-text",
                "Parameters read from the text: "
                + ", ".join(f"{k}={v:g}" for k, v in found.items())
                + "; give --param to override.",
            )
        matches: list[_Match] = []
        if case.item:
            matches += self._match_code(case.item, case.kind, acc)
        if case.item and matches:
            # the named item decides; its tariff lines only bring in items
            # that a list defines by tariff line alone (the goods export
            # licence catalogue), for the same element
            lines = {h.code for m in matches for h in m.ref.item.hs if len(h.code) == 10}
            if case.hs and not any(
                case.hs == line or line.startswith(case.hs) or case.hs.startswith(line)
                for m in matches
                for line in (h.code for h in m.ref.item.hs)
            ):
                acc.warn(
                    "hs-item-mismatch",
                    f"Tariff line {case.hs} is not a reference line of item {case.item}; "
                    "the item code was used.",
                )
            elements = {e for m in matches for e in m.ref.item.elements}
            keys = {m.ref.key for m in matches}
            for line in sorted(lines):
                for r in self.book.hs_exact.get(line, ()):
                    if (
                        r.key not in keys
                        and r.instrument.regime == "goods_licence"
                        and set(r.item.elements) & elements
                    ):
                        keys.add(r.key)
                        matches.append(_Match(r, f"tariff line {line} of {case.item}", True))
        elif case.hs:
            matches += self._match_hs(case.hs, case.kind, case.on, acc)
        if case.text and not case.item and not case.hs:
            if preset is not None:
                matches += preset
            else:
                matches += self._match_text(case.text, case.kind, case.on, acc)

        for m in matches:
            for cc in self._controls_for(m, case):
                self._evaluate(cc, m, case, acc)
            if m.ref.item.code_status == "draft" and m.certain:
                acc.warn(
                    "draft-number",
                    f"Item number {m.ref.item.code} is taken from a draft; the final number "
                    "is not confirmed.",
                    m.ref.instrument.id,
                )
        if case.hs:
            via_items = {f.control for f in acc.findings if f.item is not None}
            for cc in book.hs_controls:
                if cc.control.id in via_items and any(
                    f.instrument.id == cc.instrument.id for f in acc.findings
                ):
                    continue
                if case.hs.startswith(cc.control.applies_to.hs_prefixes):
                    kinds = cc.control.applies_to.kinds
                    if not kinds or (case.kind or "goods") in kinds:
                        self._evaluate(cc, None, case, acc)
        for cc in book.anything_controls:
            if cc.control.applies_to.residual:
                continue
            kinds = cc.control.applies_to.kinds
            if (
                kinds
                and (case.kind or (matches[0].ref.item.kind if matches else "goods")) not in kinds
            ):
                continue
            self._evaluate(cc, None, case, acc)
        self._catalogue(case, matches, acc)

        for m in matches:
            if not m.certain:
                continue
            for h in m.ref.item.hs:
                if h.tag == "U" and case.hs and case.hs == h.code:
                    acc.warn(
                        "uncertain-value",
                        f"Tariff line {h.code} of item {m.ref.item.code} is uncertain (U)"
                        f"{': ' + h.note if h.note else ''}.",
                        m.ref.instrument.id,
                    )

        # conflicts: an explicit exemption against a control of another instrument
        exempt = [f for f in acc.findings if f.effect == "exempt"]
        for e in exempt:
            others = [
                f
                for f in acc.findings
                if f.effect != "exempt"
                and f.instrument.id != e.instrument.id
                and (f.item is None or e.item is None or f.item.code == e.item.code)
            ]
            if others:
                names = sorted({o.instrument.number or o.instrument.id for o in others})
                acc.conflicts.append(
                    Conflict(
                        text=f"{e.instrument.number or e.instrument.id} exempts this export while "
                        f"{', '.join(names)} "
                        "control it; the strictest is shown, but the conflict needs legal review.",
                        findings=(e.instrument.id, *sorted({o.instrument.id for o in others})),
                    )
                )

        if acc.uncertain:
            worst = max(acc.uncertain, key=lambda e: RANK[e])
            for i, q in enumerate(acc.questions):
                if q.field in ("hs", "item") and q.pending_effect is None:
                    acc.questions[i] = replace(q, pending_effect=worst)
                    acc.pending.append(worst)
                    break
        self._coverage_gaps(case, matches, acc)
        ranks = [RANK[f.effect] for f in acc.findings if f.effect in RANK]
        definite = max(ranks) if ranks else 0
        pending = max((RANK[p] for p in acc.pending if p in RANK), default=0)
        if case.on > book.data_as_of:
            acc.warn(
                "after-data-date",
                f"{case.on} is after the rulebook's data date {book.data_as_of}: law made "
                "after that date is not encoded.",
            )
        self._duties(case, matches, acc)

        if definite and pending <= definite:
            verdict = _LADDER[6 - definite]
        elif pending > definite or acc.unknown_coverage:
            verdict = "undetermined"
        else:
            verdict = "not_controlled"
            checked = self._checked(case.on)
            acc.warn(
                "checked",
                "Not controlled by the instruments encoded and in force on "
                f"{case.on}: {'; '.join(checked)}. Other Chinese export rules may still "
                "apply.",
            )
            live = {i.id for i in book.in_force(case.on)}
            for inst, cov in book.coverage:
                if cov.declared and cov.encoded < cov.declared and inst.id in live:
                    acc.warn(
                        "coverage",
                        f"{inst.number or inst.title.best()} is only partly encoded "
                        f"({cov.encoded} of {cov.declared} {cov.unit}: {cov.scope.best()}).",
                        inst.id,
                        key=f"cov|{inst.id}",
                    )
        if verdict == "undetermined" and not acc.questions and not acc.warnings:
            acc.warn("undetermined", "The rulebook does not cover this case.")
        return Determination(
            verdict=verdict,
            case=case,
            findings=tuple(sorted(acc.findings, key=lambda f: -RANK.get(f.effect, 0))),
            questions=tuple(acc.questions),
            warnings=tuple(acc.warnings),
            conflicts=tuple(acc.conflicts),
            matched=tuple(item_info(m.ref) for m in matches if m.certain),
            checked=self._checked(case.on),
            trace=tuple(acc.trace),
            rulebook_version=book.version,
            data_as_of=book.data_as_of,
        )


_ENGINES: dict[int, Engine] = {}


def engine_for(book: Rulebook) -> Engine:
    eng = _ENGINES.get(id(book))
    if eng is None or eng.book is not book:
        eng = Engine(book)
        _ENGINES[id(book)] = eng
    return eng


def decide(case: Case, book: Rulebook | None = None) -> Determination:
    """Decide one case against ``book`` (default: the bundled rulebook)."""
    if book is None:
        from lanthanide.rules.book import load_rulebook

        book = load_rulebook()
    return engine_for(book).decide(case)
