"""The dual-use licence catalogue net.

The yearly 《两用物项和技术进出口许可证管理目录》 (2026: 商务部 海关总署公告2025年第91号)
lists reference tariff lines of dual-use items. A case whose tariff line is
listed in the edition in force, and that no precisely encoded dual-use item
settles, is never a clean ``not controlled``: the question is whether the
product meets the specification of the listed control codes (pending
``licence_required``). An encoded item keeps its own rule; the net never
makes a verdict laxer. Before the first encoded edition (the earlier editions
are not in the sources) a listed line gets a warning only.

Each catalogue's period is compared through the sheet's span, so the date
window stops at every edition's start (and end).
"""

from __future__ import annotations

from dataclasses import dataclass

from lanthanide.decide.daycache import DayCache
from lanthanide.decide.matching import Match
from lanthanide.decide.model import Case, TraceEntry
from lanthanide.decide.sheet import Sheet
from lanthanide.decide.warnings import QuestionCode, Seq, WarningCode
from lanthanide.rules.book import Rulebook
from lanthanide.rules.catalogue import CatalogueHit
from lanthanide.rules.window import Span

CODELESS = "an item of the {edition} dual-use licence catalogue listed under this line"


def _settled(matches: list[Match]) -> bool:
    """An encoded dual-use item matches with certainty (it keeps its own rule)."""
    return any(m.certain and m.ref.instrument.regime == "dual_use" for m in matches)


def _earlier_edition(case: Case, hs: str, net: _Net, sheet: Sheet) -> None:
    """Before the first encoded edition: the line is listed in a later
    edition, and the edition in force then is not encoded (a warning only)."""
    first = net.first
    inst = first.instrument
    sheet.warn(
        WarningCode.DUAL_USE_CATALOGUE_EARLIER,
        inst.id,
        hs=hs,
        codes=net.shown,
        edition=first.catalogue.edition,
        name=inst.number or inst.id,
        start=first.valid.start,
        on=case.on,
    )


@dataclass(frozen=True, slots=True)
class _Net:
    """What the catalogue lines listing a tariff code say on the days of a
    window: the edition in force (``live``) or, when none is, the first later
    one; its codes as shown, its reference lines and reliability tag."""

    live: bool
    first: CatalogueHit
    codes: tuple[str, ...]
    shown: Seq
    lines: Seq
    tag: str


def _net(live: bool, hits: list[CatalogueHit]) -> _Net:
    first = hits[0] if live else min(hits, key=lambda h: h.valid.start)
    codes = tuple(sorted({h.control_code for h in hits if h.control_code}))
    shown = list(codes)
    if any(h.control_code is None for h in hits):
        shown.append(CODELESS.format(edition=first.catalogue.edition))
    lines = sorted({h.line.hs for h in hits if h.line.hs})
    tag = "U" if any(h.line.tag == "U" for h in hits) else "S"
    return _Net(live, first, codes, Seq(shown), Seq(lines), tag)


_BY_BOOK: dict[int, tuple[Rulebook, DayCache[str, _Net | None]]] = {}


def _on_day(book: Rulebook, hs: str, sheet: Sheet) -> _Net | None:
    """What the catalogue lines listing ``hs`` say on the day (None: no
    edition in force or later lists it); the sheet's span narrowed as
    comparing each line's period would (compared once per rulebook, code and
    window)."""
    got = _BY_BOOK.get(id(book))
    if got is None or got[0] is not book:
        if len(_BY_BOOK) > 64:
            _BY_BOOK.clear()

        def net(hs: str, span: Span) -> _Net | None:
            lines = book.catalogue_lines(hs)
            live = [h for h in lines if span.within(h.valid)]
            if live:
                return _net(True, live)
            earlier = [h for h in lines if span.before(h.valid.start)]
            return _net(False, earlier) if earlier else None

        got = _BY_BOOK[id(book)] = (book, DayCache(net))
    return got[1].get(hs, sheet.span)


def catalogue_net(book: Rulebook, case: Case, matches: list[Match], sheet: Sheet) -> None:
    """Ask about the catalogue codes listing ``case.hs`` when no encoded
    dual-use item settles the case."""
    if case.hs is None:
        return
    net = _on_day(book, case.hs, sheet)
    if net is None:
        return
    if not net.live:
        if not _settled(matches):
            _earlier_edition(case, case.hs, net, sheet)
        return
    if _settled(matches):
        return  # the encoded item decides
    first = net.first
    inst = first.instrument
    edition = first.catalogue.edition
    codes, shown, lines, tag = net.codes, net.shown, net.lines, net.tag
    name = inst.number or inst.id
    sheet.ask(
        QuestionCode.CATALOGUE_SPEC,
        "params",
        options=("yes", "no"),
        pending_effect="licence_required",
        instrument=inst.id,
        hs=case.hs,
        lines=lines,
        codes=shown,
        edition=edition,
        name=name,
        tag=tag,
    )
    sheet.warn(
        WarningCode.DUAL_USE_CATALOGUE,
        inst.id,
        hs=case.hs,
        codes=shown,
        edition=edition,
        name=name,
        tag=tag,
    )
    sheet.trace.append(
        TraceEntry(
            inst.id,
            "licence-catalogue",
            ", ".join(codes) or None,
            f"tariff line {case.hs} is listed in the {edition} dual-use licence catalogue "
            f"({name}, in force from {first.valid.start}); no encoded item settles it",
        )
    )
