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


def _earlier_edition(case: Case, hs: str, earlier: list[CatalogueHit], sheet: Sheet) -> None:
    """Before the first encoded edition: the line is listed in a later
    edition, and the edition in force then is not encoded (a warning only)."""
    first = min(earlier, key=lambda h: h.valid.start)
    inst = first.instrument
    codes = sorted({h.control_code for h in earlier if h.control_code})
    shown = list(codes)
    if any(h.control_code is None for h in earlier):
        shown.append(CODELESS.format(edition=first.catalogue.edition))
    sheet.warn(
        WarningCode.DUAL_USE_CATALOGUE_EARLIER,
        inst.id,
        hs=hs,
        codes=Seq(shown),
        edition=first.catalogue.edition,
        name=inst.number or inst.id,
        start=first.valid.start,
        on=case.on,
    )


_Hits = tuple[list[CatalogueHit], list[CatalogueHit]]
_BY_BOOK: dict[int, tuple[Rulebook, DayCache[str, _Hits]]] = {}


def _on_day(book: Rulebook, hs: str, sheet: Sheet) -> _Hits:
    """The catalogue lines listing ``hs`` in force on the day and, when none
    is, those of later editions; the sheet's span narrowed as comparing each
    would (compared once per rulebook, line and window)."""
    got = _BY_BOOK.get(id(book))
    if got is None or got[0] is not book:
        if len(_BY_BOOK) > 64:
            _BY_BOOK.clear()

        def hits(hs: str, span: Span) -> _Hits:
            lines = book.catalogue_lines(hs)
            live = [h for h in lines if span.within(h.valid)]
            return live, [] if live else [h for h in lines if span.before(h.valid.start)]

        got = _BY_BOOK[id(book)] = (book, DayCache(hits))
    return got[1].get(hs, sheet.span)


def catalogue_net(book: Rulebook, case: Case, matches: list[Match], sheet: Sheet) -> None:
    """Ask about the catalogue codes listing ``case.hs`` when no encoded
    dual-use item settles the case."""
    if case.hs is None:
        return
    live, earlier = _on_day(book, case.hs, sheet)
    if not live:
        if earlier and not _settled(matches):
            _earlier_edition(case, case.hs, earlier, sheet)
        return
    if _settled(matches):
        return  # the encoded item decides
    first = live[0]
    inst = first.instrument
    edition = first.catalogue.edition
    codes = sorted({h.control_code for h in live if h.control_code})
    shown = list(codes)
    if any(h.control_code is None for h in live):
        shown.append(CODELESS.format(edition=edition))
    lines = sorted({h.line.hs for h in live if h.line.hs})
    tag = "U" if any(h.line.tag == "U" for h in live) else "S"
    name = inst.number or inst.id
    sheet.ask(
        QuestionCode.CATALOGUE_SPEC,
        "params",
        options=("yes", "no"),
        pending_effect="licence_required",
        instrument=inst.id,
        hs=case.hs,
        lines=Seq(lines),
        codes=Seq(shown),
        edition=edition,
        name=name,
        tag=tag,
    )
    sheet.warn(
        WarningCode.DUAL_USE_CATALOGUE,
        inst.id,
        hs=case.hs,
        codes=Seq(shown),
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
