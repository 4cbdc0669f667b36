"""What a determination says besides its findings: duties of instruments in
force (catch-all, reporting), coverage gaps of partly encoded lists, the
instruments checked, staleness against the data date, draft numbers and
uncertain reference lines."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from lanthanide.decide.daycache import DayCache
from lanthanide.decide.matching import Match
from lanthanide.decide.model import RANK, Case, Warning
from lanthanide.decide.sheet import Sheet, make_warning
from lanthanide.decide.warnings import Effect, Seq, WarningCode
from lanthanide.rules.book import CompiledControl, Rulebook
from lanthanide.rules.model import Coverage, DestinationScope, Duty, HSRef, Instrument
from lanthanide.rules.window import Span, Window
from lanthanide.vocab import VOCAB

_Live = tuple[DestinationScope | None, str, tuple[str, ...], str, str, Warning]
"""A duty in force: its destination scope (None: all), when it applies, its
regimes, its instrument's id, warning key and warning."""

RARE_EARTHS = frozenset(VOCAB.rare_earths)


def rare_earth_prefixes(book: Rulebook) -> tuple[str, ...]:
    """Tariff-line prefixes of rare-earth goods (for duties that apply to
    rare earths)."""
    return tuple(
        sorted(
            {
                p
                for _, c in book.coverage
                for p in c.hs_prefixes
                if p[:4] in ("2530", "2805", "2846")
            }
        )
    ) or ("2530902", "280530", "2846")


@dataclass(frozen=True, slots=True)
class InForce:
    """The instruments in force on a day, and the window where that holds."""

    ids: frozenset[str]
    checked: tuple[str, ...]
    """Their names, without suspensions and statements: what a
    determination lists as checked."""
    window: Window


class Notices:
    def __init__(self, book: Rulebook) -> None:
        self.book = book
        self.rare_earth_prefixes = rare_earth_prefixes(book)
        self._in_force: DayCache[int, InForce] = DayCache(self._in_force_on)
        self._duties: DayCache[str, list[_Live]] = DayCache(self._duties_on)
        self._live_controls: DayCache[str, list[CompiledControl]] = DayCache(self._live_on)
        self._made: dict[str, Warning] = {}
        self._rare: dict[tuple[str, str], bool] = {}
        self._uncertain_lines: dict[tuple[str, str], tuple[HSRef, ...]] = {}
        """Per item: its tariff lines tagged U."""
        """Per item: whether it is of a rare earth."""
        """Warnings that quote nothing of the case, made once (by key)."""
        self._checked: dict[date, Warning] = {}
        self._partial: dict[frozenset[str], list[tuple[str, Warning]]] = {}
        self._by_instrument: dict[str, list[CompiledControl]] = {}
        self._coverage: dict[str, list[tuple[Instrument, Coverage, str]]] = {}
        for cc in book.controls:
            self._by_instrument.setdefault(cc.instrument.id, []).append(cc)

    # ------------------------------------------------------------ in force
    def in_force(self, sheet: Sheet) -> InForce:
        return self._in_force.get(0, sheet.span)

    def _in_force_on(self, _: int, span: Span) -> InForce:
        live: list[Instrument] = []
        for inst in self.book.instruments.values():
            periods = [c.valid for c in inst.controls] + [d.valid for d in inst.duties]
            if inst.catalogue is not None:
                periods.append(inst.catalogue.valid)
            if any(span.within(p) for p in periods):
                live.append(inst)
        return InForce(
            frozenset(i.id for i in live),
            tuple(
                i.number or i.title.zh or i.id
                for i in live
                if i.regime not in ("suspension", "statement")
            ),
            span.window(),
        )

    def _once(self, key: str, code: WarningCode, instrument: str | None, **params: Any) -> Warning:
        got = self._made.get(key)
        if got is None:
            got = self._made[key] = make_warning(code, instrument, params)
        return got

    def checked(self, case: Case, sheet: Sheet, live: InForce) -> None:
        """The instruments checked (``live``: :meth:`in_force` of the day)."""
        w = self._checked.get(case.on)
        if w is None:
            if len(self._checked) > 4096:
                self._checked.clear()
            w = self._checked[case.on] = make_warning(
                WarningCode.CHECKED, None, {"on": case.on, "instruments": Seq(live.checked)}
            )
        sheet.put(f"checked|None|{w.text}", w)

    def partial_coverage(self, sheet: Sheet, live: InForce) -> None:
        """Each partly encoded list in force (warned when not controlled)."""
        made = self._partial.get(live.ids)
        if made is None:
            made = self._partial[live.ids] = [
                (
                    f"cov|{inst.id}",
                    make_warning(
                        WarningCode.COVERAGE,
                        inst.id,
                        {
                            "name": inst.number or inst.title.best(),
                            "encoded": cov.encoded,
                            "declared": cov.declared,
                            "unit": cov.unit,
                            "scope": cov.scope.best(),
                        },
                    ),
                )
                for inst, cov in self.book.coverage
                if cov.declared and cov.encoded < cov.declared and inst.id in live.ids
            ]
        for key, w in made:
            sheet.put(key, w)

    def after_data_date(self, case: Case, sheet: Sheet) -> None:
        if sheet.span.after(self.book.data_as_of):
            sheet.warn(WarningCode.AFTER_DATA_DATE, on=case.on, data_as_of=self.book.data_as_of)

    # ------------------------------------------------------------ items
    @staticmethod
    def draft_number(m: Match, sheet: Sheet) -> None:
        if m.ref.item.code_status == "draft" and m.certain:
            sheet.warn(WarningCode.DRAFT_NUMBER, m.ref.instrument.id, item=m.ref.item.code)

    def uncertain_values(self, case: Case, matches: list[Match], sheet: Sheet) -> None:
        if not case.hs:
            return
        uncertain = self._uncertain_lines
        for m in matches:
            if not m.certain:
                continue
            lines = uncertain.get(m.ref.key)
            if lines is None:
                lines = uncertain[m.ref.key] = tuple(h for h in m.ref.item.hs if h.tag == "U")
            for h in lines:
                if case.hs == h.code:
                    sheet.warn(
                        WarningCode.UNCERTAIN_VALUE,
                        m.ref.instrument.id,
                        form="note" if h.note else "",
                        hs=h.code,
                        item=m.ref.item.code,
                        note=h.note,
                    )

    # ------------------------------------------------------------ duties
    def _live_duties(self, sheet: Sheet, kind: str) -> list[_Live]:
        """The duties of ``kind`` in force on the day, each with its warning
        and key (every duty's period compared, whatever its kinds)."""
        return self._duties.get(kind, sheet.span)

    def _duties_on(self, kind: str, span: Span) -> list[_Live]:
        out: list[_Live] = []
        for i, d in self.book.duties:
            if span.within(d.valid) and kind in d.kinds:
                scope = None if d.destinations.mode == "all" else d.destinations
                out.append((scope, d.when, tuple(d.regimes), i.id, *self._duty_warning(i, d)))
        return out

    def _duty_warning(self, inst: Instrument, duty: Duty) -> tuple[str, Warning]:
        key = f"duty|{inst.id}|{duty.id}"
        return key, self._once(
            key,
            WarningCode.DUTY,
            inst.id,
            duty=duty.id,
            name=inst.number or inst.title.best(),
            text=duty.text.best(),
        )

    def _is_rare_earth(self, case: Case, matches: list[Match]) -> bool:
        rare = self._rare
        for m in matches:
            key = m.ref.key
            got = rare.get(key)
            if got is None:
                got = rare[key] = bool(RARE_EARTHS & set(m.ref.item.elements))
            if got:
                return True
        return case.hs is not None and case.hs.startswith(self.rare_earth_prefixes)

    def duties(self, case: Case, matches: list[Match], sheet: Sheet) -> None:
        kind = case.kind or (matches[0].ref.item.kind if matches else "goods")
        finding_insts: set[str] | None = None
        finding_regimes: set[str] = set()
        rare = None
        for scope, when, regimes, inst_id, key, warning in self._live_duties(sheet, kind):
            if scope is not None:
                sheet.facts.add("destination")
                if case.destination is not None and not scope.covers(case.destination):
                    continue
            elif when == "always":
                sheet.put(key, warning)
                continue
            if when == "controlled":
                if finding_insts is None:
                    finding_insts = {f.instrument.id for f in sheet.findings}
                    instruments = self.book.instruments
                    finding_regimes = {  # party-list findings cite a list notice
                        instruments[i].regime for i in finding_insts if i in instruments
                    }
                if regimes:
                    if finding_regimes.isdisjoint(regimes):
                        continue
                elif inst_id not in finding_insts:
                    continue
            elif when == "rare_earth":
                if rare is None:
                    rare = self._is_rare_earth(case, matches)
                if not rare:
                    continue
            sheet.put(key, warning)

    # ------------------------------------------------------------ coverage gaps
    def _coverage_of(self, hs: str) -> list[tuple[Instrument, Coverage, str]]:
        """The partly encoded lists with a prefix on ``hs``'s line (or under
        it), each with the first such prefix (once per tariff code)."""
        got = self._coverage.get(hs)
        if got is None:
            got = []
            for inst, cov in self.book.coverage:
                prefix = next(
                    (p for p in cov.hs_prefixes if hs.startswith(p) or p.startswith(hs)), None
                )
                if prefix is not None:
                    got.append((inst, cov, prefix))
            if len(self._coverage) > 65536:
                self._coverage.clear()
            self._coverage[hs] = got
        return got

    def _live_on(self, inst_id: str, span: Span) -> list[CompiledControl]:
        """The instrument's controls with an effect in force and not
        suspended on the day."""
        return [
            cc
            for cc in self._by_instrument.get(inst_id, ())
            if cc.control.effect != "exempt"
            and span.within(cc.control.valid)
            and not any(span.within(s.suspension.period) for s in cc.suspensions)
        ]

    def coverage_gaps(self, case: Case, matches: list[Match], sheet: Sheet) -> None:
        """A tariff line under a partly encoded list that matched none of that
        list's encoded items may still be controlled by it: warn, and count
        the list's strictest live effect as pending."""
        if case.hs is None:
            return
        span = sheet.span
        matched = {m.ref.instrument.id for m in matches if m.certain}
        for inst, cov, prefix in self._coverage_of(case.hs):
            if inst.id in matched:
                continue
            live = []
            for cc in self._live_controls.get(inst.id, span):
                sheet.facts.add("destination")
                if case.destination is None or cc.control.destinations.covers(case.destination):
                    live.append(cc.control.effect)
            if not live:
                continue
            effect = max(live, key=lambda e: RANK[e])
            sheet.warn(
                WarningCode.COVERAGE,
                inst.id,
                key=f"cov|{inst.id}|{prefix}",
                form="gap" if cov.declared else "gap-total-unknown",
                hs=case.hs,
                prefix=prefix,
                name=inst.number or inst.title.best(),
                encoded=cov.encoded,
                declared=cov.declared,
                unit=cov.unit,
                scope=cov.scope.best(),
                effect=Effect(effect),
            )
            sheet.pending.append(effect)
