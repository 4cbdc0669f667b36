"""The end user's party-list screening applied to a determination.

``lanthanide._check`` screens the end user with :mod:`lanthanide.parties`
and hands the result here as a :class:`~lanthanide.decide.model.PartyReading`
(``decide`` imports only ``rules`` and ``vocab``). The rule of law applied
(``docs/parties.md``): a measure in force that bears on the export and covers
the item is a finding with its effect, citing the list notice (e.g. the
dual-use export ban of 商务部公告2026年第23号 on a control-list entity →
``prohibited``); one that needs the end use asks for it; a measure whose
content is unknown keeps the answer undetermined; a listing not in force on
the date (suspended, stopped, not yet) applies nothing and says so; a
possible name match is a question with the pending effect; no match says
which lists were checked.
"""

from __future__ import annotations

from lanthanide.decide.model import RANK, Finding, InstrumentRef, Validity
from lanthanide.decide.party_model import PartyReading
from lanthanide.decide.sheet import Sheet
from lanthanide.decide.warnings import Effect, QuestionCode, Seq, WarningCode
from lanthanide.rules.book import Rulebook

_VERDICT_EFFECTS = ("prohibited", "denial_presumed", "licence_required")


def dual_use(book: Rulebook, sheet: Sheet) -> bool:
    """Whether the item is a controlled dual-use item (a finding of a
    dual-use instrument that controls it)."""
    for f in sheet.findings:
        if f.effect in RANK and f.effect != "not_controlled":
            inst = book.instruments.get(f.instrument.id)
            if inst is not None and inst.regime == "dual_use":
                return True
    return False


def apply(book: Rulebook, reading: PartyReading, end_use: str | None, sheet: Sheet) -> None:
    """Put the effects of ``reading`` on ``sheet`` (findings, questions,
    warnings) and narrow its window by the windows of the effects used."""
    sheet.read("end_user")
    sheet.span.narrow(reading.window)
    is_dual = dual_use(book, sheet)
    name = reading.name
    for hit in reading.hits:
        for e in hit.effects:
            sheet.span.narrow(e.window)
            if not e.bears_on_export:
                continue
            if not e.applies:
                if hit.confident:
                    sheet.warn(
                        WarningCode.PARTY_LISTING_NOT_IN_FORCE,
                        e.announcement,
                        key=f"party-nif|{e.announcement}|{e.status}",
                        name=name,
                        on=sheet.span.day,
                        listed=hit.listed,
                        list=e.list_title,
                        number=e.number,
                        status=e.status.replace("_", " "),
                        by=f" ({e.by})" if e.by else "",
                    )
                continue
            if not hit.confident:
                pending = e.effect if e.effect in RANK else None
                sheet.ask(
                    QuestionCode.PARTY_POSSIBLE_MATCH,
                    field="end_user",
                    pending_effect=pending if pending in _VERDICT_EFFECTS else None,
                    instrument=e.announcement,
                    name=name,
                    listed=hit.listed,
                    country=hit.country or "country not given",
                    list=e.list_title,
                    number=e.number,
                    score=f"{hit.score:.2f}",
                    effect=Effect(e.effect),
                    explanation=hit.explanation,
                )
                break  # one question per possible match: its strictest effect
            if e.effect == "unknown":
                sheet.ask(
                    QuestionCode.PARTY_MEASURES_UNKNOWN,
                    field="end_user",
                    pending_effect="prohibited",
                    instrument=e.announcement,
                    listed=hit.listed,
                    list=e.list_title,
                    number=e.number,
                )
                continue
            if e.effect == "duty":
                sheet.warn(
                    WarningCode.PARTY_DUTY,
                    e.announcement,
                    key=f"party-duty|{e.announcement}|{e.measure}",
                    listed=hit.listed,
                    number=e.number,
                    text=e.text,
                )
                continue
            if e.items == "dual_use" and not is_dual:
                continue
            if e.items == "named":
                continue
            if e.end_uses is not None:
                sheet.read("end_use")
                if end_use is None:
                    sheet.ask(
                        QuestionCode.PARTY_END_USE,
                        field="end_use",
                        pending_effect=e.effect if e.effect in _VERDICT_EFFECTS else None,
                        instrument=e.announcement,
                        listed=hit.listed,
                        list=e.list_title,
                        number=e.number,
                        effect=Effect(e.effect),
                        end_uses=Seq(e.end_uses),
                    )
                    continue
                if end_use not in e.end_uses:
                    continue
            if e.effect not in _VERDICT_EFFECTS:
                continue
            sheet.findings.append(
                Finding(
                    effect=e.effect,
                    instrument=InstrumentRef(
                        id=e.announcement, number=e.number, title=e.list_title
                    ),
                    item=None,
                    control=e.measure,
                    paragraph=None,
                    control_point=None,
                    reason=f"End user '{name}' is {hit.listed} on the {e.list_title} "
                    f"({e.number}): {e.text}",
                    validity=Validity(e.window.start, e.window.end),
                    sources=e.sources,
                    matched_by=f"party: {hit.confidence} match, score {hit.score:.2f}; "
                    f"{hit.explanation}",
                )
            )
    if not any(h.confident for h in reading.hits):
        sheet.warn(
            WarningCode.PARTY_LISTS_CHECKED,
            form="possible" if reading.hits else "",
            name=name,
            on=sheet.span.day,
            lists_checked=Seq(reading.lists_checked),
            gaps=Seq(reading.gaps) if reading.gaps else Seq(("none known",)),
        )
