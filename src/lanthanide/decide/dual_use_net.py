"""The dual-use licence catalogue net.

The yearly 《两用物项和技术进出口许可证管理目录》 (2026: 商务部 海关总署公告2025年第91号)
lists reference tariff lines of dual-use items. A case whose tariff line is
listed in the edition in force, and that no precisely encoded dual-use item
settles, is never a clean ``not controlled``: the question is whether the
product meets the specification of the listed control codes (pending
``licence_required``). An encoded item keeps its own rule; the net never
makes a verdict laxer. Before the first encoded edition nothing is added.

Each catalogue's period is compared through the sheet's span, so the date
window stops at every edition's start (and end).
"""

from __future__ import annotations

from lanthanide.decide.matching import Match
from lanthanide.decide.model import Case, TraceEntry
from lanthanide.decide.sheet import Sheet
from lanthanide.decide.warnings import QuestionCode, Seq, WarningCode
from lanthanide.rules.book import Rulebook

CODELESS = "an item of the {edition} dual-use licence catalogue listed under this line"


def catalogue_net(book: Rulebook, case: Case, matches: list[Match], sheet: Sheet) -> None:
    """Ask about the catalogue codes listing ``case.hs`` when no encoded
    dual-use item settles the case."""
    if case.hs is None:
        return
    span = sheet.span
    live = [h for h in book.catalogue_lines(case.hs) if span.within(h.valid)]
    if not live:
        return
    if any(m.certain and m.ref.instrument.regime == "dual_use" for m in matches):
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
