"""Matching a case to rulebook items: by catalogue number or control code,
by tariff line (exact, heading, broader code), and by the candidates a text
reading gives (:class:`lanthanide.decide.model.Reading`; turning text into
candidates is the classifier's job)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from lanthanide.decide.model import InstrumentRef, ItemInfo, Reading, Ref
from lanthanide.decide.sheet import Sheet
from lanthanide.decide.warnings import QuestionCode, Seq, WarningCode
from lanthanide.rules.book import ItemRef, Rulebook
from lanthanide.rules.model import Instrument, Source

_CATALOGUE_NO = re.compile(r"^[0-9]{6}[JX]$", re.IGNORECASE)
_CONTROL_CODE = re.compile(r"^[0-9][A-E][0-9]{3}", re.IGNORECASE)


@dataclass(slots=True)
class Match:
    """A rulebook item the case may be. ``certain``: the case is this item
    (an uncertain match only raises the question of whether it is)."""

    ref: ItemRef
    how: str
    certain: bool
    control_point: str | None = None


def refs(sources: tuple[Source, ...]) -> tuple[Ref, ...]:
    return tuple(Ref(s.url, s.tag, s.ref) for s in sources)


def inst_ref(inst: Instrument) -> InstrumentRef:
    return InstrumentRef(inst.id, inst.number, inst.title.zh or inst.title.best(), inst.short)


_ITEM_INFO: dict[int, tuple[ItemRef, ItemInfo]] = {}


def item_info(ref: ItemRef) -> ItemInfo:
    """The item of ``ref`` as a determination shows it (memoised by the
    ref's identity, checked: item refs live as long as their rulebook)."""
    got = _ITEM_INFO.get(id(ref))
    if got is not None and got[0] is ref:
        return got[1]
    if len(_ITEM_INFO) > 65536:
        _ITEM_INFO.clear()
    info = _ITEM_INFO[id(ref)] = (ref, _item_info(ref))
    return info[1]


def _item_info(ref: ItemRef) -> ItemInfo:
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


class Matcher:
    """Case -> matches against one rulebook."""

    def __init__(self, book: Rulebook) -> None:
        self.book = book
        self._prefix_codes: dict[str, list[ItemRef]] = {}
        self._item_lines: dict[
            tuple[str, str | None, tuple[int, ...]], tuple[bool, list[tuple[ItemRef, str]]]
        ] = {}
        self._hs: dict[
            tuple[str, str | None],
            tuple[list[Match], list[tuple[ItemRef, str]], tuple[str, ...] | None],
        ] = {}

    def relevant(self, ref: ItemRef, sheet: Sheet) -> bool:
        """Whether a control of the item's own instrument is valid on the day."""
        span = sheet.span
        return any(span.within(cc.control.valid) for cc in self.book.own_controls.get(ref.key, ()))

    def code(self, code: str, kind: str | None, sheet: Sheet) -> list[Match]:
        key = code.lower()
        found = self.book.by_code.get(key)
        how = "code"
        if not found:
            found = self._prefix_codes.get(key)
            if found is None:
                found = [
                    r
                    for r in self.book.item_refs
                    if any(
                        c and c.lower().startswith(key) and c[len(key) : len(key) + 1] in (".", "-")
                        for c in (r.item.code, r.item.control_code)
                    )
                ]
                self._prefix_codes[key] = found
            how = "control_code_prefix"
        out = [Match(r, how, True) for r in found if kind is None or r.item.kind == kind]
        if not out:
            like = bool(_CATALOGUE_NO.match(code) or _CONTROL_CODE.match(code))
            sheet.warn(WarningCode.UNKNOWN_CODE, form="code-like" if like else "", code=code)
            sheet.unknown_coverage = True
        return out

    def item_lines(self, item: str, hs: str | None, matches: list[Match], sheet: Sheet) -> None:
        """The named item decides; its tariff lines only bring in items that
        a list defines by tariff line alone (the goods export licence
        catalogue), for the same element. Appends to ``matches`` (worked out
        once per item, tariff code and matched refs)."""
        key = (item, hs, tuple(id(m.ref) for m in matches))
        got = self._item_lines.get(key)
        if got is None:
            if len(self._item_lines) > 65536:
                self._item_lines.clear()
            got = self._item_lines[key] = self._lines_of(item, hs, matches)
        mismatch, extra = got
        if mismatch:
            sheet.warn(WarningCode.HS_ITEM_MISMATCH, hs=hs, item=item)
        matches.extend(Match(r, how, True) for r, how in extra)

    def _lines_of(
        self, item: str, hs: str | None, matches: list[Match]
    ) -> tuple[bool, list[tuple[ItemRef, str]]]:
        lines = {h.code for m in matches for h in m.ref.item.hs if len(h.code) == 10}
        mismatch = False
        if hs:
            mismatch = not any(
                hs == line or line.startswith(hs) or hs.startswith(line)
                for m in matches
                for line in (h.code for h in m.ref.item.hs)
            )
        elements = {e for m in matches for e in m.ref.item.elements}
        keys = {m.ref.key for m in matches}
        extra: list[tuple[ItemRef, str]] = []
        for line in sorted(lines):
            for r in self.book.hs_exact.get(line, ()):
                if (
                    r.key not in keys
                    and r.instrument.regime == "goods_licence"
                    and set(r.item.elements) & elements
                ):
                    keys.add(r.key)
                    extra.append((r, f"tariff line {line} of {item}"))
        return mismatch, extra

    def hs(self, hs: str, kind: str | None, sheet: Sheet) -> list[Match]:
        """The matches of a tariff code: its exact line's items, the items of
        its headings and of the lines under it (worked out once per code and
        kind; the questions are asked again on each sheet, in order)."""
        plan = self._hs.get((hs, kind))
        if plan is None:
            if len(self._hs) > 65536:
                self._hs.clear()
            plan = self._hs[(hs, kind)] = self._hs_plan(hs, kind)
        out, headings, lines = plan
        for r, heading in headings:
            if not self.relevant(r, sheet):
                continue
            sheet.ask(
                QuestionCode.HS_HEADING,
                "item",
                options=(r.item.code,),
                instrument=r.instrument.id,
                item=r.item.code,
                title=r.item.title.best(),
                heading=heading,
                hs=hs,
            )
        if lines is not None:
            sheet.ask(QuestionCode.HS_LINES, "hs", options=lines, hs=hs, lines=Seq(lines))
        return list(out)

    def _hs_plan(
        self, hs: str, kind: str | None
    ) -> tuple[list[Match], list[tuple[ItemRef, str]], tuple[str, ...] | None]:
        """The matches of ``hs``, the uncertain heading matches that ask a
        question when their item is in force, and the lines under ``hs``
        to ask about (None: no question)."""
        book = self.book
        out: list[Match] = []
        headings: list[tuple[ItemRef, str]] = []
        asked: tuple[str, ...] | None = None
        seen: set[tuple[str, str]] = set()
        for r in book.hs_exact.get(hs, ()):
            if kind is None or r.item.kind == kind:
                out.append(Match(r, "hs", True))
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
                    out.append(Match(r, f"hs-heading {hs[:k]} (same element and stage)", True))
                    continue
                out.append(Match(r, f"hs-heading {hs[:k]}", False))
                headings.append((r, hs[:k]))
        if len(hs) < 10:
            narrower = [
                r
                for r in book.hs_prefix.get(hs, ())
                if r.key not in seen and (kind is None or r.item.kind == kind)
            ]
            if narrower:
                asked = tuple(
                    sorted({h.code for r in narrower for h in r.item.hs if h.code.startswith(hs)})
                )
                for r in narrower:
                    if r.key not in seen:
                        seen.add(r.key)
                        out.append(Match(r, "hs-broader", False))
        return out, headings, asked

    def reading(self, text: str, reading: Reading, sheet: Sheet) -> list[Match]:
        """The matches a text reading gives: the item when the reading is
        sure, else each candidate as an uncertain match and a question."""
        sheet.span.narrow(reading.window)
        if reading.sure and reading.candidates:
            top = reading.candidates[0]
            return [Match(top.ref, "text", True, top.control_point)]
        if reading.candidates:
            close = reading.candidates
            sheet.ask(
                QuestionCode.TEXT_SEVERAL,
                "item",
                options=tuple(f"{c.code} ({c.ref.instrument.id})" for c in close),
                candidates=Seq(f"{c.code} {c.title}" for c in close),
            )
            return [Match(c.ref, "text-candidate", False, c.control_point) for c in close]
        sheet.warn(
            WarningCode.NO_TEXT_MATCH,
            form="weak" if reading.weak else "",
            text=text,
            weak=Seq(reading.weak),
        )
        sheet.unknown_coverage = True
        # the weak rulebook candidates become a question, so that what they
        # would mean shows as a pending effect
        weak = reading.weak_candidates
        if not weak:
            return []
        sheet.ask(
            QuestionCode.TEXT_WEAK,
            "item",
            options=tuple(f"{c.code} ({c.ref.instrument.id})" for c in weak),
            candidates=Seq(f"{c.code} {c.title}" for c in weak),
        )
        return [Match(c.ref, "text-candidate", False, c.control_point) for c in weak]
