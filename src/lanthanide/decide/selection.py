"""Which compiled controls can apply: to a matched item, to a tariff line
(controls selecting by tariff-line prefix), and to anything (catch-alls)."""

from __future__ import annotations

from collections.abc import Iterator

from lanthanide.decide.matching import Match
from lanthanide.decide.model import Case, Finding
from lanthanide.decide.sheet import Sheet
from lanthanide.rules.book import CompiledControl, ItemKey, Rulebook


class Selection:
    """Control selection against one rulebook (the static part is computed
    once per item)."""

    def __init__(self, book: Rulebook) -> None:
        self.book = book
        self._static: dict[ItemKey, list[tuple[CompiledControl, bool]]] = {}

    def _static_controls(self, key: ItemKey) -> list[tuple[CompiledControl, bool]]:
        """Controls that can select an item, with a flag for those that select
        it only through a regime (which needs the item to be controlled on the
        day)."""
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

    def _controlled(self, key: ItemKey, sheet: Sheet) -> bool:
        """The item is controlled by its own instrument on the day (in force
        and not suspended)."""
        span = sheet.span
        for cc in self.book.own_controls.get(key, ()):
            if span.within(cc.control.valid) and not any(
                span.within(s.suspension.period) for s in cc.suspensions
            ):
                return True
        return False

    def for_match(self, m: Match, sheet: Sheet) -> list[CompiledControl]:
        key = m.ref.key
        return [
            cc
            for cc, via_regime in self._static_controls(key)
            if not via_regime or self._controlled(key, sheet)
        ]

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
        out = []
        for cc in self.book.anything_controls:
            if cc.control.applies_to.residual:
                continue
            kinds = cc.control.applies_to.kinds
            if (
                kinds
                and (case.kind or (matches[0].ref.item.kind if matches else "goods")) not in kinds
            ):
                continue
            out.append(cc)
        return out

    def residual(self) -> list[CompiledControl]:
        return [cc for cc in self.book.anything_controls if cc.control.applies_to.residual]
