"""The verdict ladder and conflicts.

Strictest first: prohibited > denial presumed > licence required > report
required > registration required > not controlled. ``undetermined`` when a
missing fact (or an uncertain match, or a coverage gap) could lead to
something stricter than every definite finding, or when nothing is known to
cover the case.
"""

from __future__ import annotations

from collections.abc import Iterable

from lanthanide.decide.model import RANK, Conflict, Finding

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
    return tuple(sorted(findings, key=lambda f: -RANK.get(f.effect, 0)))
