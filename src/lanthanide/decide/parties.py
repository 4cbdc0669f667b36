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

from collections.abc import Callable
from dataclasses import replace

from lanthanide.decide.alternatives import cited
from lanthanide.decide.model import (
    RANK,
    Alternative,
    Determination,
    Finding,
    InstrumentRef,
    Question,
    Validity,
)
from lanthanide.decide.party_model import (
    ROLE_WORDS,
    Parties,
    PartyAlternativeIn,
    PartyEffectIn,
    PartyHit,
    PartyReading,
    as_readings,
)
from lanthanide.decide.sheet import Sheet, make_warning
from lanthanide.decide.warnings import Effect, QuestionCode, Seq, WarningCode, render
from lanthanide.rules.book import Rulebook
from lanthanide.rules.window import Span

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
    role = reading.role
    sheet.read(role)
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
                    field=role,
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
            for note in e.notes:
                sheet.warn(
                    WarningCode.PARTY_LISTING_NOTE,
                    e.announcement,
                    key=f"party-note|{e.announcement}|{note}",
                    listed=hit.listed,
                    number=e.number,
                    text=note.rstrip("."),
                )
            if e.effect == "unknown":
                sheet.ask(
                    QuestionCode.PARTY_MEASURES_UNKNOWN,
                    field=role,
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
                    reason=f"{ROLE_WORDS.get(role, role)} '{name}' is {hit.listed} on the "
                    f"{e.list_title} "
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


# ------------------------------------------------------------------ other readings


def _read_as(reading: PartyReading, announcement: str, alt: PartyAlternativeIn) -> PartyReading:
    """``reading`` with the measures of ``announcement`` that carry ``alt``
    given the status ``alt`` says (no longer in force)."""

    def effect(e: PartyEffectIn) -> PartyEffectIn:
        if e.announcement != announcement or not e.applies or alt not in e.alternatives:
            return e
        return replace(e, applies=False, status=alt.status, alternatives=(), notes=())

    def hit(h: PartyHit) -> PartyHit:
        return replace(h, effects=tuple(effect(e) for e in h.effects))

    return replace(reading, hits=tuple(hit(h) for h in reading.hits))


def _question(e: PartyEffectIn, alt: PartyAlternativeIn, on: str) -> str:
    status = alt.status.replace("_", " ")
    if alt.kind == "announced_not_enacted":
        until = alt.until.isoformat() if alt.until else "an open date"
        return f"Are the measures of {e.number} {status} on {on} (extended to {until})?"
    return f"Were the measures of {e.number} already {status} on {on}?"


def attach_alternatives(
    d: Determination,
    parties: Parties,
    decide_with: Callable[[tuple[PartyReading, ...]], Determination],
) -> Determination:
    """``d`` with the answer under each other reading of a listing that
    applies on the day (e.g. a suspension politically extended to 2027-01-10
    without legal text): the default follows the legal text, as for the
    uncertain statuses of instruments (:mod:`lanthanide.decide.alternatives`)."""
    readings = as_readings(parties)
    todo: dict[tuple[str, PartyAlternativeIn], PartyEffectIn] = {}
    for reading in readings:
        for h in reading.hits:
            if not h.confident:
                continue
            for e in h.effects:
                if e.applies and e.bears_on_export:
                    for a in e.alternatives:
                        todo.setdefault((e.announcement, a), e)
    if not todo:
        return d
    span = Span(d.case.on)
    span.narrow(d.window)
    facts = set(d.facts)
    found = list(d.alternatives)
    warnings = list(d.warnings)
    questions = list(d.questions)
    verdict = d.verdict
    default_cited = cited(d)
    on = d.case.on.isoformat()
    for (announcement, a), e in todo.items():
        other = decide_with(tuple(_read_as(r, announcement, a) for r in readings))
        span.narrow(other.window)
        facts |= other.facts
        other_cited = cited(other)
        if other.verdict == d.verdict and other_cited == default_cited:
            continue
        status_id = f"{announcement}:{a.status}"
        reading_id = f"listing-{a.status}"
        words = other.verdict.replace("_", " ")
        found.append(
            Alternative(
                status=status_id,
                kind=a.kind,
                question=_question(e, a, on),
                reading=reading_id,
                text=a.text,
                tag=a.tag,
                verdict=other.verdict,
                findings=other_cited,
                explanation=f"If the measures of {e.number} are {a.status.replace('_', ' ')} "
                f"on {on} ({a.text}) the export is {words}"
                + (f" ({', '.join(other_cited)})." if other_cited else "."),
                sources=a.sources,
            )
        )
        params = {
            "status": status_id,
            "until": a.until.isoformat() if a.until else "open",
            "default": "legal-text",
            "why": "the listing as its legal texts stand"
            + (": no legal text enacting the statement was found" if a.stated_on else ""),
            "reading": reading_id,
            "stated_on": a.stated_on.isoformat() if a.stated_on else "undated",
            "tag": a.tag,
            "verdict": Effect(other.verdict),
        }
        warnings.append(make_warning(WarningCode.UNCERTAIN_STATUS, announcement, params))
        if d.verdict == "not_controlled" and other.verdict != "not_controlled":
            verdict = "undetermined"
            qparams = {k: params[k] for k in ("status", "until", "default", "reading")}
            qparams["verdict"] = Effect(other.verdict)
            questions.append(
                Question(
                    "legal_status",
                    render(QuestionCode.LEGAL_STATUS.spec, qparams),
                    ("legal-text", reading_id),
                    other.verdict if other.verdict in RANK else None,
                    announcement,
                    QuestionCode.LEGAL_STATUS,
                    qparams,
                )
            )
    return replace(
        d,
        verdict=verdict,
        questions=tuple(questions),
        warnings=tuple(warnings),
        alternatives=tuple(found),
        window=span.window(),
        facts=frozenset(facts),
    )
