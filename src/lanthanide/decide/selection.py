"""Which compiled controls can apply: to a matched item, to a tariff line
(controls selecting by tariff-line prefix), and to anything (catch-alls)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from lanthanide.decide.daycache import DayCache
from lanthanide.decide.evaluate import Dead, dead_on
from lanthanide.decide.matching import Match
from lanthanide.decide.model import Case, Finding
from lanthanide.decide.sheet import Sheet
from lanthanide.decide.warnings import QuestionCode, Seq, WarningCode
from lanthanide.rules.book import CompiledControl, ItemKey, Rulebook
from lanthanide.rules.periods import ONE_DAY
from lanthanide.rules.window import Span

TARIFF_LINE_REGIMES = frozenset({"goods_licence", "reporting"})
"""Regimes whose lists are defined by tariff line, not by description."""

BY_CODE = ("code", "control_code_prefix")
"""How a match was made when the case named the item by its code."""

DIRECT, VIA_REGIME, ITEM_MUST_EXIST = 0, 1, 2
"""How a control selects an item: explicitly (or as its own); through a
regime (the item must be controlled on the day); through the item's elements
or tariff line from another instrument (the item must exist on the day)."""


class Selection:
    """Control selection against one rulebook (the static part is computed
    once per item)."""

    def __init__(self, book: Rulebook) -> None:
        self.book = book
        self._static: dict[ItemKey, list[tuple[CompiledControl, int]]] = {}
        self._shapes: dict[tuple[str, str | None, str | None], list[CompiledControl]] = {}
        self._by_day: DayCache[ItemKey, list[tuple[CompiledControl, Dead | None]]] = DayCache(
            self._on_day
        )
        """Per item: the controls selecting it on the days of a window, each
        with its validity on those days (:class:`Dead` when not in force)."""
        self._defined: DayCache[ItemKey, bool] = DayCache(self._defined_on)
        self._undefined: DayCache[ItemKey, tuple[dict[str, Any], Seq] | None] = DayCache(
            self._undefined_on
        )
        self.dead: DayCache[CompiledControl, Dead | None] = DayCache(dead_on)
        """Per control: :class:`Dead` on the days it is not in force, else None."""
        self._anything: dict[str, list[CompiledControl]] = {}
        """Catch-all controls (not residual) by the kind of the case."""

    def _static_controls(self, key: ItemKey) -> list[tuple[CompiledControl, int]]:
        """Controls that can select an item, with a flag for those that select
        it only through a regime (which needs the item to be controlled on the
        day)."""
        got = self._static.get(key)
        if got is not None:
            return got
        book = self.book
        ref = book.by_key[key]
        out: list[tuple[CompiledControl, int]] = []
        for cc in book.controls_by_item.get(key, ()):
            sel = cc.control.applies_to
            via_regime = bool(
                sel.regimes
                and key not in cc.item_keys
                and ref.instrument.regime in sel.regimes
                and not (sel.elements and set(sel.elements) & set(ref.item.elements))
            )
            other = cc.instrument.id != ref.instrument.id and key not in cc.item_keys
            out.append((cc, VIA_REGIME if via_regime else ITEM_MUST_EXIST if other else DIRECT))
        for cc in book.hs_controls:
            if any(c is cc for c, _ in out):
                continue
            prefixes = cc.control.applies_to.hs_prefixes
            kinds = cc.control.applies_to.kinds
            if any(h.code.startswith(prefixes) for h in ref.item.hs) and (
                not kinds or ref.item.kind in kinds
            ):
                # selected through the item's tariff line: the item must exist on the day
                other = cc.instrument.id != ref.instrument.id
                out.append((cc, ITEM_MUST_EXIST if other else DIRECT))
        self._static[key] = out
        return out

    def _exists(self, key: ItemKey, span: Span) -> bool:
        """The item's instrument is in force on the day (its own controls'
        validity; suspensions do not matter: a suspended item still exists).
        An item with no own control is taken to exist."""
        own = self.book.own_controls.get(key, ())
        if not own:
            return True
        return any(span.within(cc.control.valid) for cc in own)

    def _controlled(self, key: ItemKey, span: Span) -> bool:
        """The item is controlled by its own instrument on the day (in force
        and not suspended)."""
        for cc in self.book.own_controls.get(key, ()):
            if span.within(cc.control.valid) and not any(
                span.within(s.suspension.period) for s in cc.suspensions
            ):
                return True
        return False

    def for_match(self, m: Match, sheet: Sheet) -> list[tuple[CompiledControl, Dead | None]]:
        """Controls that apply to the matched item on the day, each with
        :class:`Dead` when it is not in force on the day (else None: it is,
        and the sheet's span is narrowed as comparing its validity would
        narrow it). One selecting
        the item only through a regime needs it controlled on the day; one of
        another instrument selecting it through its tariff line needs the item
        to exist on the day (a reporting finding of 2024 does not cite an item
        first listed in 2025)."""
        key = m.ref.key
        if m.how in BY_CODE:
            self._code_undefined_on_day(m, sheet)
        return self._by_day.get(key, sheet.span)

    def _on_day(self, key: ItemKey, span: Span) -> list[tuple[CompiledControl, Dead | None]]:
        out: list[tuple[CompiledControl, Dead | None]] = []
        for cc, how in self._static_controls(key):
            if how == VIA_REGIME and not self._controlled(key, span):
                continue
            if how == ITEM_MUST_EXIST and not self._exists(key, span):
                continue
            out.append((cc, dead_on(cc, span)))
        return out

    def _similar(self, key: ItemKey) -> list[CompiledControl]:
        """Controls of lists defined by tariff line (the goods export licence
        catalogue, the reporting system) over items of the same kind,
        commodity and stage (e.g. the 2016 catalogue's dysprosium-oxide line
        for 2025 No. 18's dysprosium compounds): a code gives no tariff line,
        so such a list may cover the goods, for all the rulebook can tell."""
        item = self.book.by_key[key].item
        shape = (item.kind, item.commodity, item.stage)
        if item.commodity is None or item.stage is None:
            return []
        got = self._shapes.get(shape)
        if got is None:
            by_key = self.book.by_key
            got = self._shapes[shape] = [
                cc
                for cc in self.book.controls
                if cc.instrument.regime in TARIFF_LINE_REGIMES
                and any(
                    k in by_key
                    and (by_key[k].item.kind, by_key[k].item.commodity, by_key[k].item.stage)
                    == shape
                    for k in cc.item_keys
                )
            ]
        return got

    def _defined_on(self, key: ItemKey, span: Span) -> bool:
        """Some item of the code of ``key`` exists on the day."""
        ref = self.book.by_key[key]
        same = self.book.by_code.get(ref.item.code.lower(), ()) or (ref,)
        return any(self._exists(r.key, span) for r in same)

    def _code_undefined_on_day(self, m: Match, sheet: Sheet) -> None:
        """An item named by a code that no instrument in force on the day
        defines (asked before its instrument took effect, or after it
        ended) is never a silent answer: a warning names the instrument and
        its dates. When controls of other instruments in force that day
        would select such goods (by tariff line or element) but cannot,
        because the item did not exist, the rulebook cannot say the goods
        were outside them: the answer is undetermined and a question asks
        for the goods' tariff line or description."""
        ref = m.ref
        undefined = self._undefined.get(ref.key, sheet.span)
        if undefined is None:
            return
        code = ref.item.code
        params, others = undefined
        sheet.warn(
            WarningCode.ITEM_NOT_DEFINED_ON_DAY,
            ref.instrument.id,
            **{"code": code, "name": params["name"], "on": sheet.span.day, **params},
        )
        if others:
            sheet.ask(QuestionCode.DESCRIBE_GOODS, "hs", code=code, others=others)
            sheet.unknown_coverage = True

    def _undefined_on(self, key: ItemKey, span: Span) -> tuple[dict[str, Any], Seq] | None:
        """None when some item of the code of ``key`` exists on the day, else
        the parameters of the warning (but the code and the day) and the
        other instruments in force whose controls would select such goods."""
        if self._defined.get(key, span):
            return None
        ref = self.book.by_key[key]
        candidates = [cc for cc, how in self._static_controls(key) if how == ITEM_MUST_EXIST]
        candidates += self._similar(key)
        others = Seq(
            sorted(
                {
                    cc.instrument.number or cc.instrument.short or cc.instrument.id
                    for cc in candidates
                    if cc.instrument.id != ref.instrument.id and span.within(cc.control.valid)
                }
            )
        )
        own = self.book.own_controls.get(key, ())
        later = [cc.control.valid.start for cc in own if span.before(cc.control.valid.start)]
        params: dict[str, Any] = {"name": ref.instrument.number or ref.instrument.id}
        params["others"] = others
        if later:
            form = "later"
            params["start"] = min(later)
        else:
            # the last day covered (internal ends are the first day not covered)
            ends = [cc.control.valid.end for cc in own if cc.control.valid.end is not None]
            form = "ended"
            params["last"] = max(ends) - ONE_DAY if ends else None
        params["form"] = form + "-others" if others else form
        return params, others

    def for_tariff_line(self, case: Case, findings: list[Finding]) -> Iterator[CompiledControl]:
        """Controls selecting the case's tariff line by prefix, except those
        already found through an item of the same instrument. Lazy: each is
        evaluated before the next is chosen, as findings grow."""
        assert case.hs is not None
        via_items = {f.control for f in findings if f.item is not None}
        for cc in self.book.hs_controls:
            if cc.control.id in via_items and any(
                f.instrument.id == cc.instrument.id for f in findings
            ):
                continue
            if case.hs.startswith(cc.control.applies_to.hs_prefixes):
                kinds = cc.control.applies_to.kinds
                if not kinds or (case.kind or "goods") in kinds:
                    yield cc

    def for_anything(self, case: Case, matches: list[Match]) -> list[CompiledControl]:
        """Catch-all controls (not the residual ones, which only the
        catalogue settlement applies)."""
        kind = case.kind or (matches[0].ref.item.kind if matches else "goods")
        got = self._anything.get(kind)
        if got is None:
            got = self._anything[kind] = [
                cc
                for cc in self.book.anything_controls
                if not cc.control.applies_to.residual
                and not (cc.control.applies_to.kinds and kind not in cc.control.applies_to.kinds)
            ]
        return got

    def residual(self) -> list[CompiledControl]:
        return [cc for cc in self.book.anything_controls if cc.control.applies_to.residual]
