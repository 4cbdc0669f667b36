"""Alternatives for an uncertain legal status.

Some dated facts are official but not law (MOFCOM said on 2026-09-28 that the
Kuala Lumpur arrangement is extended to 2027-01-10; no announcement enacting
it was found). The verdict follows the default reading, the rulebook as
encoded; for every uncertain status that some alternative reading changes on
the case's day, the same case is decided under that reading's rulebook
(``Rulebook.under``) and, when the verdict or the cited instruments differ,
the other answer is attached as an :class:`Alternative` with the warning
``uncertain-status``. A default ``not controlled`` against a controlling
alternative becomes ``undetermined`` (question ``legal_status``).

Every period on which a reading changes the law is compared through a
:class:`Span`, and the alternatives' own windows narrow the answer's, so the
date window stops at their boundaries.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date

from lanthanide.decide.daycache import DayCache
from lanthanide.decide.frozen import FrozenParams
from lanthanide.decide.matching import refs
from lanthanide.decide.model import RANK, Alternative, Determination, Question
from lanthanide.decide.sheet import make_warning
from lanthanide.decide.warnings import Effect, QuestionCode, WarningCode, render
from lanthanide.rules.book import Rulebook
from lanthanide.rules.status import Reading, UncertainRef, UncertainStatus
from lanthanide.rules.window import Span

DecideUnder = Callable[[str, str], Determination]
"""Decide the case under (status id, reading id), without alternatives."""


def cited(d: Determination) -> tuple[str, ...]:
    """The instruments a determination cites (official number, else id)."""
    return tuple(sorted({f.instrument.number or f.instrument.id for f in d.findings}))


def why_default(status: UncertainStatus) -> str:
    if status.kind == "announced_not_enacted":
        return (
            "the legal text as encoded: no legal text enacting the statement was found, "
            "the other reading rests on a statement only"
        )
    if status.kind == "end_unknown":
        return "the legal text as encoded: its written end date"
    return "the rulebook as encoded: the sources conflict"


def last_day(reading: Reading) -> str:
    """The last day on which the reading changes the law (ISO; "open" for none)."""
    ends = [s.period.end for s in reading.suspends]
    if not ends or any(e is None for e in ends):
        return "open"
    end = max(e for e in ends if e is not None)
    return date.fromordinal(end.toordinal() - 1).isoformat()


_Live = tuple[UncertainRef, ...]
_LIVE: dict[int, tuple[Rulebook, DayCache[int, _Live]]] = {}


def live_on(book: Rulebook, span: Span) -> _Live:
    """The uncertain statuses bearing on ``span.day`` (``span`` narrowed as
    comparing every period of each would; compared once per rulebook and
    window)."""
    got = _LIVE.get(id(book))
    if got is None or got[0] is not book:
        if len(_LIVE) > 64:
            _LIVE.clear()

        def live(_: int, span: Span) -> _Live:
            out = []
            for ref in book.uncertain:
                on = False
                for p in ref.status.periods():  # every boundary, no short-circuit
                    on = span.within(p) or on
                if on:
                    out.append(ref)
            return tuple(out)

        got = _LIVE[id(book)] = (book, DayCache(live))
    return got[1].get(0, span)


def unaffected(book: Rulebook, d: Determination) -> bool:
    """No uncertain status bears on ``d``'s day or narrows its window:
    :func:`attach` would return ``d`` itself."""
    if not book.uncertain:
        return True
    span = Span(d.case.on)
    span.narrow(d.window)
    window = d.window
    return not live_on(book, span) and span.start == window.start and span.end == window.end


def attach(book: Rulebook, d: Determination, decide_under: DecideUnder) -> Determination:
    """``d`` with the alternatives of every uncertain status bearing on its day."""
    if unaffected(book, d):
        return d
    span = Span(d.case.on)
    span.narrow(d.window)
    live = live_on(book, span)
    facts = set(d.facts)
    found: list[Alternative] = []
    warnings = list(d.warnings)
    questions = list(d.questions)
    verdict = d.verdict
    default_cited = cited(d)
    for ref in live:
        status = ref.status
        question = status.question.best()
        for r in status.alternatives:
            alt = decide_under(status.id, r.id)
            span.narrow(alt.window)
            facts |= alt.facts
            alt_cited = cited(alt)
            if alt.verdict == d.verdict and alt_cited == default_cited:
                continue
            words = alt.verdict.replace("_", " ")
            found.append(
                Alternative(
                    status=status.id,
                    kind=status.kind,
                    question=question,
                    reading=r.id,
                    text=r.text.best(),
                    tag=r.tag,
                    verdict=alt.verdict,
                    findings=alt_cited,
                    explanation=f"Under the reading '{r.id}' ({r.text.best()}) the export is "
                    f"{words}" + (f" ({', '.join(alt_cited)})." if alt_cited else "."),
                    sources=refs(r.sources),
                )
            )
            params = {
                "status": status.id,
                "until": last_day(r),
                "default": status.default.id,
                "why": why_default(status),
                "reading": r.id,
                "stated_on": status.stated_on.isoformat() if status.stated_on else "undated",
                "tag": r.tag,
                "verdict": Effect(alt.verdict),
            }
            warnings.append(make_warning(WarningCode.UNCERTAIN_STATUS, ref.instrument.id, params))
            if d.verdict == "not_controlled" and alt.verdict != "not_controlled":
                verdict = "undetermined"
                pending = alt.verdict if alt.verdict in RANK else None
                qparams = {k: params[k] for k in ("status", "until", "default", "reading")}
                qparams["verdict"] = Effect(alt.verdict)
                questions.append(
                    Question(
                        "legal_status",
                        render(QuestionCode.LEGAL_STATUS.spec, qparams),
                        tuple(x.id for x in status.readings),
                        pending,
                        ref.instrument.id,
                        QuestionCode.LEGAL_STATUS,
                        FrozenParams(qparams),
                    )
                )
    window = span.window()
    if not found and window == d.window and facts == d.facts:
        return d
    return replace(
        d,
        verdict=verdict,
        questions=tuple(questions),
        warnings=tuple(warnings),
        alternatives=tuple(found),
        window=window,
        facts=frozenset(facts),
    )
