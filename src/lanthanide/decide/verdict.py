"""The verdict ladder and conflicts.

Strictest first: prohibited > denial presumed > licence required > report
required > registration required > not controlled. ``undetermined`` when a
missing fact (or an uncertain match, or a coverage gap) could lead to
something stricter than every definite finding, or when nothing is known to
cover the case.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import replace

from lanthanide.decide.model import RANK, Conflict, Determination, Finding, Question, Warning
from lanthanide.decide.warnings import Effect, QuestionCode, render
from lanthanide.rules.window import Window

LADDER = (
    "prohibited",
    "denial_presumed",
    "licence_required",
    "report_required",
    "registration_required",
)


def conflicts(findings: list[Finding]) -> list[Conflict]:
    """An explicit exemption against a control of another instrument: shown,
    never silently resolved."""
    out = []
    for e in (f for f in findings if f.effect == "exempt"):
        others = [
            f
            for f in findings
            if f.effect != "exempt"
            and f.instrument.id != e.instrument.id
            and (f.item is None or e.item is None or f.item.code == e.item.code)
        ]
        if others:
            names = sorted({o.instrument.number or o.instrument.id for o in others})
            out.append(
                Conflict(
                    text=f"{e.instrument.number or e.instrument.id} exempts this export while "
                    f"{', '.join(names)} "
                    "control it; the strictest is shown, but the conflict needs legal review.",
                    findings=(e.instrument.id, *sorted({o.instrument.id for o in others})),
                )
            )
    return out


def strictness(findings: Iterable[Finding], pending: Iterable[str]) -> tuple[int, int]:
    """(rank of the strictest definite finding, rank of the strictest pending
    effect); 0 for none."""
    ranks = [RANK[f.effect] for f in findings if f.effect in RANK]
    return max(ranks) if ranks else 0, max((RANK[p] for p in pending if p in RANK), default=0)


def ladder(definite: int, pending: int, unknown_coverage: bool) -> str:
    if definite and pending <= definite:
        return LADDER[6 - definite]
    if pending > definite or unknown_coverage:
        return "undetermined"
    return "not_controlled"


def by_strictness(findings: Iterable[Finding]) -> tuple[Finding, ...]:
    if isinstance(findings, list) and len(findings) < 2:
        return tuple(findings)  # nothing to order
    return tuple(sorted(findings, key=lambda f: -RANK.get(f.effect, 0)))


TECHNOLOGY_WORDS = re.compile(
    r"技术|工艺|诀窍|technolog|know[- ]?how|\btechniques?\b|\bprocess(?:es|ing)? (?:for|of)\b",
    re.IGNORECASE,
)
"""Words by which a text says it is about technology (not goods)."""


def kind_unstated(text: str, candidate_kinds: Iterable[str], top_kind: str | None) -> bool:
    """Whether a text given without ``kind`` leaves goods vs technology open
    while the answer would rest on a technology item: the best candidate is
    technology, another candidate is goods, and the text has no word saying
    technology. (A text naming a substance is read as goods, as a case
    without ``kind`` always is; the reverse needs no question.)"""
    kinds = set(candidate_kinds)
    return top_kind == "technology" and "goods" in kinds and not TECHNOLOGY_WORDS.search(text)


def by_kind(d: Determination, as_goods: Determination, as_tech: Determination) -> Determination:
    """The answer for a text that does not say goods or technology (see
    :func:`kind_unstated`), given ``d`` (the text's default reading) and the
    answers with ``kind`` goods and technology. The same verdict either way
    holds; otherwise the answer is ``undetermined`` with a question asking
    which, never the stricter reading's verdict stated with confidence."""
    if as_goods.verdict == as_tech.verdict:
        return d

    def items(x: Determination) -> str:
        codes = [m.code for m in x.matched] or [f.item.code for f in x.findings if f.item]
        return ", ".join(dict.fromkeys(codes)) or "no encoded item"

    effects = [v for v in (as_goods.verdict, as_tech.verdict) if v in RANK]
    params = {
        "goods": Effect(as_goods.verdict),
        "technology": Effect(as_tech.verdict),
        "goods_items": items(as_goods),
        "technology_items": items(as_tech),
    }
    q = Question(
        field="kind",
        text=render(QuestionCode.KIND.spec, params),
        options=("goods", "technology"),
        pending_effect=max(effects, key=lambda e: RANK[e]) if effects else None,
        instrument=None,
        code=QuestionCode.KIND,
        params={k: str(v) for k, v in params.items()},
    )
    warnings: dict[str, Warning] = {}
    for x in (as_goods, as_tech):
        for w in x.warnings:
            warnings.setdefault(w.text, w)
    subs = (d, as_goods, as_tech)
    ends = [x.window.end for x in subs if x.window.end is not None]
    return replace(
        d,
        verdict="undetermined",
        findings=(),
        questions=(q,),
        warnings=tuple(warnings.values()),
        conflicts=(),
        matched=(),
        trace=tuple(t for x in (as_goods, as_tech) for t in x.trace),
        window=Window(max(x.window.start for x in subs), min(ends) if ends else None),
        facts=d.facts.union(as_goods.facts, as_tech.facts),
    )
