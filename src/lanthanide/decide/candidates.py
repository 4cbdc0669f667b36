"""Several candidate items, one determination: a rule of law, not a
classification threshold.

When a text may name several items, the engine first decides with all of
them as uncertain matches (usually ``undetermined`` with a question). Two
readings then still give a definite answer:

* **agreeing candidates** — the candidates are one substance (same kind,
  same elements) listed by several instruments, and each, taken as the
  item, leads to the same controlled verdict: that verdict holds whichever
  it is;
* **cross-list** — the candidates are one thing (same kind, a shared element
  or the same commodity) on lists of *different* regimes: one thing can be
  listed by several lists at once, so each applies and the strictest
  effect decides.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from lanthanide.decide.matching import Match
from lanthanide.decide.model import Candidate, Determination, Finding, Question, Warning
from lanthanide.decide.verdict import by_strictness
from lanthanide.decide.warnings import Effect, Seq, WarningCode, render
from lanthanide.rules.window import Window

DecideWith = Callable[[list[Match]], Determination]
"""Decides the case with the given matches in place of the text's."""


def depending(d: Determination, *others: Determination) -> Determination:
    """``d`` with the window and facts of every determination its choice
    rested on."""
    if not others:
        return d
    start = max(o.window.start for o in (d, *others))
    ends = [o.window.end for o in (d, *others) if o.window.end is not None]
    facts = d.facts.union(*(o.facts for o in others))
    return replace(d, window=Window(start, min(ends) if ends else None), facts=facts)


def _note(code: WarningCode, **params: object) -> Warning:
    return Warning(code.value, render(code.spec, params), None, params)


def several(
    d: Determination, cands: tuple[Candidate, ...], decide_with: DecideWith
) -> Determination:
    """The determination for a text naming several candidates, given ``d``,
    the determination with all of them as uncertain matches."""
    if len(cands) < 2:
        return d
    # only candidates that are the same substance under several lists (same
    # elements, same kind): NdFeB with Dy and NdFeB with Tb are different
    # things, and plain NdFeB may be on no list at all
    shapes = {(c.kind, c.elements) for c in cands}
    if len(shapes) != 1 or not next(iter(shapes))[1]:
        return cross_list(d, cands, decide_with)
    subs = [decide_with([Match(c.ref, "text-candidate", True, c.control_point)]) for c in cands]
    verdicts = {s.verdict for s in subs}
    if len(verdicts) != 1:
        return cross_list(depending(d, *subs), cands, decide_with)
    verdict = verdicts.pop()
    if verdict in ("undetermined", "not_controlled"):
        return depending(d, *subs)
    findings: dict[tuple[str, str, str | None], Finding] = {}
    questions: dict[tuple[str, str], Question] = {}
    warnings: dict[str, Warning] = {}
    for s in subs:
        for f in s.findings:
            findings.setdefault((f.instrument.id, f.control, f.item.code if f.item else None), f)
        for q in s.questions:
            questions.setdefault((q.field, q.text), q)
        for w in s.warnings:
            warnings.setdefault(w.text, w)
    agree = _note(
        WarningCode.TEXT_CANDIDATES_AGREE,
        candidates=Seq(c.code for c in cands),
        verdict=Effect(verdict),
    )
    out = replace(
        d,
        verdict=verdict,
        findings=by_strictness(findings.values()),
        questions=tuple(questions.values()),
        warnings=(agree, *warnings.values()),
        matched=tuple(m for s in subs for m in s.matched),
        trace=tuple(t for s in subs for t in s.trace),
    )
    return depending(out, *subs)


def cross_list(
    d: Determination, cands: tuple[Candidate, ...], decide_with: DecideWith
) -> Determination:
    """Candidates of one kind sharing an element (or, for broad items naming
    none, the commodity), each from a different regime (e.g. 213301J of the
    technology catalogue and 1E902.a of the dual-use list), are not
    alternatives: each is applied and the strictest effect decides."""
    refs = [c.ref for c in cands]
    kinds = {ref.item.kind for ref in refs}
    regimes = [ref.instrument.regime for ref in refs]
    shared = frozenset.intersection(*(frozenset(ref.item.elements) for ref in refs))
    commodities = {ref.item.commodity for ref in refs}
    same_thing = bool(shared) or (len(commodities) == 1 and None not in commodities)
    if len(kinds) != 1 or not same_thing or len(set(regimes)) != len(regimes):
        return d
    both = decide_with([Match(c.ref, "text-candidate", True, c.control_point) for c in cands])
    if both.verdict in ("undetermined", "not_controlled"):
        return depending(d, both)
    note = _note(
        WarningCode.TEXT_CANDIDATES_CROSS_LIST,
        candidates=Seq(
            f"{ref.item.code} ({ref.instrument.number or ref.instrument.id})" for ref in refs
        ),
    )
    return depending(replace(both, warnings=(note, *both.warnings)), d)
