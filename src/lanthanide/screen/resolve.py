"""Decide each distinct key once with :func:`lanthanide.decide.decide` and
shape the determination into the output columns that the engines join back
onto the lines. This is the only place a batch calls the rule logic: the
engines never evaluate a rule themselves, so there is one rule semantics."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from typing import Any

from lanthanide.decide import Case, Determination, decide
from lanthanide.rules.book import Rulebook
from lanthanide.screen.compile import ON_TOKEN, Key, KeySpace

RESULT_COLUMNS: tuple[str, ...] = (
    "hs_key",
    "dest_key",
    "bucket",
    "eu_key",
    "pkey",
    "dated",
    "verdict",
    "effects",
    "instruments",
    "items",
    "findings",
    "questions",
    "warnings",
    "conflicts",
)
"""Columns of the ``results`` table (key columns first)."""


@dataclass(frozen=True, slots=True)
class Outcome:
    verdict: str
    effects: str
    instruments: str
    items: str
    findings: str
    questions: str
    warnings: str
    conflicts: str


def _dumps(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def shape(d: Determination) -> Outcome:
    """The output columns of one determination (JSON columns use the field
    names of ``lanthanide check --format json``)."""
    full = d.to_dict(trace=False)
    findings = [
        {
            "effect": f["effect"],
            "instrument": f["instrument"]["id"],
            "number": f["instrument"]["number"],
            "item": f["item"]["code"] if f["item"] else None,
            "control": f["control"],
            "paragraph": f["paragraph"],
            "validity": f["validity"],
            "matched_by": f["matched_by"],
        }
        for f in full["findings"]
    ]
    return Outcome(
        verdict=d.verdict,
        effects=";".join(f.effect for f in d.findings),
        instruments=";".join(f.instrument.number or f.instrument.id for f in d.findings),
        items=";".join(f.item.code if f.item else "" for f in d.findings),
        findings=_dumps(findings),
        questions=_dumps(full["questions"]),
        warnings=_dumps(full["warnings"]),
        conflicts=_dumps(full["conflicts"]),
    )


class Resolver:
    """Decides keys, memoised on the reduced case (parameters the tariff line
    cannot read are dropped before deciding)."""

    def __init__(self, book: Rulebook, space: KeySpace | None = None) -> None:
        self.book = book
        self.space = space or KeySpace(book)
        self._memo: dict[tuple[Any, ...], tuple[Outcome, bool]] = {}
        self.decided = 0

    def case_for(self, key: Key) -> tuple[Case, bool]:
        sp = self.space
        day, dated = sp.representative_date(key.bucket)
        hs = "0000000000" if key.hs == "*" else key.hs
        case = Case(
            on=day,
            hs=hs,
            destination=sp.representative_destination(key.destination),
            end_use=key.end_use or None,
            params=sp.decision_params(key.hs, key.params),
        )
        return case, dated

    def resolve(self, key: Key) -> tuple[Outcome, bool]:
        case, dated = self.case_for(key)
        memo_key = (
            case.on,
            case.hs,
            case.destination,
            case.end_use,
            tuple(sorted(case.params.items())),
        )
        got = self._memo.get(memo_key)
        if got is None:
            out = shape(decide(case, self.book))
            if dated:
                iso = case.on.isoformat()
                out = replace(
                    out,
                    questions=out.questions.replace(iso, ON_TOKEN),
                    warnings=out.warnings.replace(iso, ON_TOKEN),
                )
            got = (out, dated)
            self._memo[memo_key] = got
            self.decided += 1
        return got

    def rows(
        self, keys: Iterable[Key], tick: Callable[[int], None] | None = None
    ) -> list[tuple[Any, ...]]:
        out: list[tuple[Any, ...]] = []
        for i, key in enumerate(keys):
            o, dated = self.resolve(key)
            out.append(
                (
                    key.hs,
                    key.destination,
                    key.bucket,
                    key.end_use,
                    key.params,
                    1 if dated else 0,
                    o.verdict,
                    o.effects,
                    o.instruments,
                    o.items,
                    o.findings,
                    o.questions,
                    o.warnings,
                    o.conflicts,
                )
            )
            if tick is not None and i % 256 == 255:
                tick(256)
        return out
