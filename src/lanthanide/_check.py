"""The check use case: a case, read by the classifier when it is given by
text, decided by the engine.

``decide`` knows only the rulebook; ``classify`` knows text. This module
joins them: for a case given by text alone it asks the classifier which
items the text names (:meth:`Classifier.identify`) and hands that reading to
:meth:`Engine.decide`.
"""

from __future__ import annotations

from lanthanide.classify import Classifier, Identification, Identified
from lanthanide.decide import Candidate, Case, Determination, Engine, Reading


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


def needs_reading(case: Case) -> bool:
    """Whether ``case`` is given by text alone (so the classifier reads it)."""
    return bool(case.text and not case.item and not case.hs)


def check(engine: Engine, classifier: Classifier | None, case: Case) -> Determination:
    """Decide ``case``; a case given by text alone is first identified by
    ``classifier`` (required then; ``None`` is fine for item and tariff-line
    cases)."""
    if not needs_reading(case):
        return engine.decide(case)
    if classifier is None:
        raise ValueError("a case given by text needs a classifier")
    if classifier.book is not engine.book:
        raise ValueError("the classifier and the engine must use the same rulebook")
    assert case.text is not None
    return engine.decide(case, reading(classifier.identify(case.text, case.kind, case.on)))
