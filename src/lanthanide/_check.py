"""The check use case: a case, read by the classifier when it is given by
text, decided by the engine.

``decide`` knows only the rulebook; ``classify`` knows text. This module
joins them: for a case given by text alone it asks the classifier which
items the text names (:meth:`Classifier.identify`) and hands that reading to
:meth:`Engine.decide`.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import TYPE_CHECKING

from lanthanide.decide import Candidate, Case, Determination, Engine, Reading
from lanthanide.decide.model import Ref
from lanthanide.decide.party_model import (
    PartyAlternativeIn,
    PartyEffectIn,
    PartyHit,
    PartyReading,
)
from lanthanide.decide.verdict import by_kind, kind_unstated
from lanthanide.rules.window import ALWAYS, UNBOUNDED_START, Window

if TYPE_CHECKING:
    # The classifier (its search index) and the party matcher are loaded only
    # by the cases that need them: a case by text, a case naming an end user.
    from lanthanide.classify import Classifier, Identification, Identified
    from lanthanide.parties.effects import ListEffect
    from lanthanide.rules.lists import PartyLists


def reading(ident: Identification) -> Reading:
    """The classifier's identification as the engine takes it."""

    def cands(found: tuple[Identified, ...]) -> tuple[Candidate, ...]:
        return tuple(
            Candidate(
                code=c.code,
                ref=c.ref,
                title=c.title,
                kind=c.kind,
                elements=c.elements,
                control_point=c.control_point,
            )
            for c in found
        )

    return Reading(
        sure=ident.sureness == "sure",
        candidates=cands(ident.candidates),
        weak_candidates=cands(ident.weak),
        weak=ident.weak_codes,
        params={k: p.value for k, p in ident.params.items()},
        window=ident.window,
    )


def _window(e: ListEffect) -> Window:
    if e.window is None:
        return ALWAYS
    return Window(e.window.start, e.window.end)


def _effect(e: ListEffect) -> PartyEffectIn:
    from lanthanide.parties.effects import list_title

    return PartyEffectIn(
        list=e.list,
        list_title=list_title(e.list).best(),
        announcement=e.announcement,
        number=e.number,
        measure=e.measure,
        effect=e.effect,
        items=e.items,
        end_uses=tuple(e.end_uses) if e.end_uses is not None else None,
        applies=e.applies,
        bears_on_export=e.bears_on_export,
        status=e.status,
        by=e.by,
        window=_window(e),
        text=e.text.best(),
        tag=e.tag,
        sources=tuple(Ref(url=s.url, tag=s.tag, ref=s.ref) for s in e.sources),
        alternatives=tuple(
            PartyAlternativeIn(
                status=a.status,
                kind=a.kind,
                text=a.text.best(),
                until=a.until,
                stated_on=a.stated_on,
                tag=a.tag,
                sources=tuple(Ref(url=s.url, tag=s.tag, ref=s.ref) for s in a.sources),
            )
            for a in e.alternatives
        ),
        notes=tuple(w.best() for w in e.warnings),
    )


def _lists_window(lists: PartyLists, on: date) -> Window:
    """Days on which the same list notices are in effect as on ``on``."""
    start, end = UNBOUNDED_START, None
    for a in lists.announcements.values():
        if a.effective <= on:
            start = max(start, a.effective)
        elif end is None or a.effective < end:
            end = a.effective
    return Window(start, end)


def party_reading(
    lists: PartyLists, name: str, on: date, country: str | None, role: str = "end_user"
) -> PartyReading:
    """The screening of ``name`` on ``on`` as the engine takes it: matches
    with the effects of their listings on the date (``lanthanide.parties``)."""
    from lanthanide.parties import effects_for, lists_checked, screen_name

    hits = []
    for m in screen_name(name, lists, on, country=country):
        e = m.entry.entry
        effects = m.effects or tuple(effects_for(m, on))
        hits.append(
            PartyHit(
                listed=" / ".join(n for n in (e.name.zh, e.name.en) if n),
                country=e.country,
                list=m.list,
                number=m.number,
                score=m.score,
                confidence=m.confidence,
                explanation=m.explanation.summary(),
                effects=tuple(_effect(x) for x in effects),
            )
        )
    checked = lists_checked(lists, on)
    return PartyReading(
        name=name,
        hits=tuple(hits),
        lists_checked=tuple(f"{n} ({lst}, from {eff})" for lst, n, eff in checked.announcements),
        gaps=tuple(w.best() for w in checked.warnings),
        window=_lists_window(lists, on),
        role=role,
    )


def needs_reading(case: Case) -> bool:
    """Whether ``case`` is given by text alone (so the classifier reads it)."""
    return bool(case.text and not case.item and not case.hs)


def check(engine: Engine, classifier: Classifier | None, case: Case) -> Determination:
    """Decide ``case``; a case given by text alone is first identified by
    ``classifier`` (required then; ``None`` is fine for item and tariff-line
    cases)."""
    parties = tuple(
        party_reading(engine.book.lists, name, case.on, case.destination, role)
        for role, name in (("end_user", case.end_user), ("consignee", case.consignee))
        if name
    )
    if not needs_reading(case):
        return engine.decide(case, parties=parties)
    if classifier is None:
        raise ValueError("a case given by text needs a classifier")
    if classifier.book is not engine.book:
        raise ValueError("the classifier and the engine must use the same rulebook")
    assert case.text is not None
    ident = classifier.identify(case.text, case.kind, case.on)
    d = engine.decide(case, reading(ident), parties=parties)
    cands = (*ident.candidates, *ident.weak)
    if (
        case.kind is None
        and cands
        and kind_unstated(case.text, (c.kind for c in cands), cands[0].kind)
    ):
        # the text does not say goods or technology: the answer must hold for both
        as_kind = [
            engine.decide(
                replace(case, kind=k),
                reading(classifier.identify(case.text, k, case.on)),
                parties=parties,
            )
            for k in ("goods", "technology")
        ]
        return by_kind(d, *as_kind)
    return d
