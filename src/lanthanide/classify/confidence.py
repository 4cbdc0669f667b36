"""Confidence bands of a ranked result, from its margin over the runner-up
and the share of the query it covers."""

from __future__ import annotations

from collections.abc import Sequence

from lanthanide.classify.results import Confidence, Result

# Confidence thresholds, calibrated on benchmarks/classify_eval.yaml (see
# docs/classify.md for the precision of each band).
ORDER: dict[str, int] = {"low": 0, "medium": 1, "high": 2}
HIGH_MARGIN = 0.2
HIGH_COVERAGE = 0.6
MEDIUM_COVERAGE = 0.4
MEDIUM_MARGIN = 0.05


def query_coverage(qtokens: list[str], fields: dict[str, list[str]], coded: bool) -> float:
    if coded:
        return 1.0
    if not qtokens:
        return 0.0
    doc: set[str] = set()
    for toks in fields.values():
        doc.update(toks)
    return sum(1 for t in qtokens if t in doc) / len(qtokens)


def confidence_among(results: Sequence[Result]) -> Confidence:
    """The confidence of ``results[0]`` against the rest of ``results`` (used
    when a caller narrows the list, e.g. to items in force on a date)."""
    if not results:
        return "low"
    top = results[0]
    second = results[1].score if len(results) > 1 else 0.0
    return band(top.score, top.score, second, top.coverage, 0, top.entry.source, top.coded)


def band(
    score: float, top: float, second: float, coverage: float, rank: int, source: str, coded: bool
) -> Confidence:
    if rank > 0:
        return "medium" if top > 0 and score / top >= 0.9 and coverage >= HIGH_COVERAGE else "low"
    margin = 1.0 - (second / top) if top > 0 else 0.0
    if margin < MEDIUM_MARGIN:
        return "low"
    if source == "hs2022":
        return "low" if margin < HIGH_MARGIN else "medium"
    if coded and margin >= HIGH_MARGIN:
        return "high"
    if margin >= HIGH_MARGIN and coverage >= HIGH_COVERAGE:
        return "high"
    if coverage >= HIGH_COVERAGE or (margin >= HIGH_MARGIN and coverage >= MEDIUM_COVERAGE):
        return "medium"
    return "low"
